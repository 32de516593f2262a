-- Quickstart: `tide examples/quickstart.lua` (or type the lines at the `tide` prompt)
local tide = require("tide")

local a = tide.tensor({ { 1, 2 }, { 3, 4 } })   -- a 2x2 float32 tensor from a nested table
local row = tide.tensor({ 10, 20 })
print(a * 2 + row)                              -- elementwise; the row broadcasts over a
print(tide.matmul(a, tide.ones(2, 2)))          -- matrix product (also a:matmul(b))
local r = tide.randn(2, 3)                      -- normal noise; tide.manual_seed(n) to repeat
print(r.shape[1], r.shape[2])                   -- shapes are Lua tables, 1-based: 2  3
print(tide.memory().live, "bytes of tensor memory in use")
