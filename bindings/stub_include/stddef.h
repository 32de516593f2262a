/* empty stand-in: LuaJIT's FFI knows these types */
