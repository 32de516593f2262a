-- tide.tensor: the Tensor handle, dtypes, creation, views, 1-based indexing and printing.
-- A Tensor is a Lua table {_c = tide_tensor*} whose metatable is core.Tensor. The C struct owns
-- shape, strides and a reference to refcounted storage; the handle frees it when collected or
-- on t:free().
local core = require("tide._core")
local ffi, C = core.ffi, core.C
local wrap, raise, raise_c, retry, check = core.wrap, core.raise, core.raise_c, core.retry, core.check

local Tensor = core.Tensor
local methods = {}
Tensor.methods = methods
local M = { Tensor = Tensor }

-- ---------------------------------------------------------------- dtypes
local DTYPES = { "float32", "float64", "int32", "int64", "uint8", "bool" }
local dtype_id, dtype_name = {}, {}
for i, name in ipairs(DTYPES) do
  dtype_id[name] = i - 1
  dtype_name[i - 1] = name
end
-- aliases users of NumPy and PyTorch reach for
dtype_id.float, dtype_id.double, dtype_id.int, dtype_id.long, dtype_id.byte = 0, 1, 2, 3, 4
M.dtypes = DTYPES
M.dtype_id, M.dtype_name = dtype_id, dtype_name
local CTYPE = { [0] = "float", "double", "int32_t", "int64_t", "uint8_t", "bool" }
local CPTR = {}
for id, ct in pairs(CTYPE) do CPTR[id] = ffi.typeof(ct .. "*") end
M.ctype = CTYPE

local function to_dtype(d, op)
  if d == nil then return 0 end
  local id = dtype_id[d]
  if not id then
    raise(string.format("%s: unknown dtype %s (expected one of %s)", op or "tensor", tostring(d),
      table.concat(DTYPES, ", ")))
  end
  return id
end
M.to_dtype = to_dtype

local function is_tensor(x) return getmetatable(x) == Tensor end
M.is_tensor = is_tensor

-- ---------------------------------------------------------------- shapes
local shape_buf = ffi.new("int64_t[8]")

-- Read a shape from sizes given as numbers or one table, plus an optional trailing dtype string
-- or options table: (2, 3), ({2, 3}), (2, 3, "float64"), ({2, 3}, {dtype = "int64"}).
local function parse_shape(op, ...)
  local n = select("#", ...)
  local first = ...
  local dims, opts
  if type(first) == "table" and not is_tensor(first) then
    dims = first
    opts = select(2, ...)
    if n > 2 then raise(op .. ": expected (shape table, [dtype]) arguments") end
  else
    dims = {}
    for i = 1, n do
      local v = select(i, ...)
      if type(v) == "number" then
        dims[#dims + 1] = v
      elseif i == n and (type(v) == "string" or type(v) == "table" or v == nil) then
        opts = v
      else
        raise(string.format("%s: size %d must be a number, got %s", op, i, type(v)))
      end
    end
  end
  if #dims > 8 then raise(op .. ": at most 8 dims are supported, got " .. #dims) end
  for i, d in ipairs(dims) do
    if type(d) ~= "number" or d ~= math.floor(d) or d < 0 then
      raise(string.format("%s: size %d must be a non-negative integer, got %s", op, i, tostring(d)))
    end
    shape_buf[i - 1] = d
  end
  local dtype = type(opts) == "table" and opts.dtype or opts
  return #dims, dtype, opts
end
M.parse_shape = parse_shape

-- ---------------------------------------------------------------- properties

local function shape_of(t)
  local c = t._c
  local s = {}
  for i = 0, c.ndim - 1 do s[i + 1] = tonumber(c.shape[i]) end
  return s
end

local properties = {
  shape = shape_of,
  ndim = function(t) return t._c.ndim end,
  dtype = function(t) return dtype_name[t._c.dtype] end,
}

function methods.dim(t) return t._c.ndim end
function methods.numel(t) return tonumber(t._c.numel) end
function methods.is_contiguous(t) return C.tide_tensor_is_contiguous(t._c) == 1 end
function methods.data_ptr(t) return ffi.cast(CPTR[t._c.dtype], C.tide_tensor_data_ptr(t._c)) end
function methods.type(t) return dtype_name[t._c.dtype] end

-- Detach the handle from its C tensor and free it now (the collector would do it later).
function methods.free(t) core.free(t) end

-- ---------------------------------------------------------------- dims (1-based, negative from end)
local function cdim(t, d, op, extra)
  local nd = t._c.ndim + (extra or 0)
  if type(d) ~= "number" or d ~= math.floor(d) then raise(string.format("%s: dim must be an integer, got %s", op, tostring(d))) end
  if d < 0 then d = nd + d + 1 end
  if d < 1 or d > nd then raise(string.format("%s: dim %d out of range for a tensor with %d dims", op, d, t._c.ndim)) end
  return d - 1
end
M.cdim = cdim

-- Number of elements along 1-based dim d (negative counts from the end), or the shape table.
function methods.size(t, d)
  if d == nil then return shape_of(t) end
  return tonumber(t._c.shape[cdim(t, d, "size")])
end

-- Stride (in elements) along dim d, or the table of strides.
function methods.stride(t, d)
  local c = t._c
  if d ~= nil then return tonumber(c.stride[cdim(t, d, "stride")]) end
  local s = {}
  for i = 0, c.ndim - 1 do s[i + 1] = tonumber(c.stride[i]) end
  return s
end

-- ---------------------------------------------------------------- creation
local function new_filled(op, fill, ...)
  local nd, dtype = parse_shape(op, ...)
  local dt = to_dtype(dtype, op)
  local s = core.slot()
  local p = C.tide_tensor_empty(nd, shape_buf, dt)
  if p == nil then p = retry(C.tide_tensor_empty, nd, shape_buf, dt) end
  local t = wrap(p, nil, s)
  if fill then check(C.tide_fill_(p, fill)) end
  return t
end

function M.empty(...) return new_filled("empty", nil, ...) end
function M.zeros(...) return new_filled("zeros", 0, ...) end
function M.ones(...) return new_filled("ones", 1, ...) end

-- full(shape..., value, [dtype]) — the value follows the sizes: full({2, 3}, 7) or full(2, 3, 7)
function M.full(...)
  local n = select("#", ...)
  local args = { ... }
  local dtype
  if type(args[n]) == "string" or (type(args[n]) == "table" and n > 2) then
    dtype = args[n]
    n = n - 1
  end
  local value = args[n]
  if type(value) ~= "number" and type(value) ~= "boolean" then raise("full: fill value must be a number, got " .. type(value)) end
  if type(value) == "boolean" then value = value and 1 or 0 end
  args[n] = nil
  local t
  if type(args[1]) == "table" then t = new_filled("full", value, args[1], dtype) else
    args[n] = dtype
    t = new_filled("full", value, unpack(args, 1, n))
  end
  return t
end

local function like(op, fill, t, dtype)
  if not is_tensor(t) then raise(op .. ": expected a tensor") end
  local s = shape_of(t)
  return new_filled(op, fill, s, dtype or dtype_name[t._c.dtype])
end
function M.zeros_like(t, dtype) return like("zeros_like", 0, t, dtype) end
function M.ones_like(t, dtype) return like("ones_like", 1, t, dtype) end
function M.empty_like(t, dtype) return like("empty_like", nil, t, dtype) end
function M.full_like(t, v, dtype) return like("full_like", v, t, dtype) end

-- arange(end) | arange(start, end, [step], [dtype]); end exclusive, as in NumPy
function M.arange(a, b, c, d)
  local start, stop, step, dtype
  if type(b) ~= "number" then start, stop, step, dtype = 0, a, 1, b
  elseif type(c) ~= "number" then start, stop, step, dtype = a, b, 1, c
  else start, stop, step, dtype = a, b, c, d end
  if type(start) ~= "number" or type(stop) ~= "number" then raise("arange: start and end must be numbers") end
  if type(dtype) == "table" then dtype = dtype.dtype end
  return wrap(C.tide_arange(start, stop, step, to_dtype(dtype, "arange")))
end

function M.linspace(a, b, steps, dtype)
  if type(a) ~= "number" or type(b) ~= "number" or type(steps) ~= "number" then
    raise("linspace: expected (start, end, steps, [dtype])")
  end
  if type(dtype) == "table" then dtype = dtype.dtype end
  return wrap(C.tide_linspace(a, b, steps, to_dtype(dtype, "linspace")))
end

function M.eye(n, m, dtype)
  if type(m) ~= "number" then m, dtype = n, m end
  for _, v in ipairs({ n, m }) do
    if type(v) ~= "number" or v < 0 or v ~= math.floor(v) then
      raise("eye: sizes must be non-negative integers, got " .. tostring(v))
    end
  end
  if type(dtype) == "table" then dtype = dtype.dtype end
  return wrap(C.tide_eye(n, m, to_dtype(dtype, "eye")))
end

-- tensor(nested table | number | tensor, [dtype]): copies Lua data into a new tensor
function M.tensor(data, dtype)
  if type(dtype) == "table" then dtype = dtype.dtype end
  if is_tensor(data) then return data:to(dtype or data.dtype) end
  local shape = {}
  if type(data) == "number" or type(data) == "boolean" then
    local dt = to_dtype(dtype or (type(data) == "boolean" and "bool" or nil), "tensor")
    local p = C.tide_tensor_full(0, shape_buf, dt, type(data) == "boolean" and (data and 1 or 0) or data)
    return wrap(p)
  end
  if type(data) ~= "table" then raise("tensor: expected a number or a (nested) table of numbers, got " .. type(data)) end
  local probe, isbool = data, false
  while type(probe) == "table" do
    shape[#shape + 1] = #probe
    if #shape > 8 then raise("tensor: nesting deeper than 8 dims") end
    probe = probe[1]
  end
  if type(probe) == "boolean" then isbool = true end
  local dt = to_dtype(dtype or (isbool and "bool" or nil), "tensor")
  local nd = #shape
  for i = 1, nd do shape_buf[i - 1] = shape[i] end
  local t = wrap(C.tide_tensor_empty(nd, shape_buf, dt))
  local numel = tonumber(t._c.numel)
  -- fill through a float64 staging buffer, then convert in C (one copy, correct casting)
  local stage = ffi.new("double[?]", numel > 0 and numel or 1)
  local k = 0
  local function walk(x, depth, path)
    if depth > nd then
      local v = x
      if type(v) == "boolean" then v = v and 1 or 0 end
      if type(v) ~= "number" then raise("tensor: element " .. path .. " is " .. type(v) .. ", expected a number") end
      stage[k] = v
      k = k + 1
      return
    end
    if type(x) ~= "table" then raise("tensor: ragged nested table at " .. path .. " (expected a table of size " .. shape[depth] .. ")") end
    if #x ~= shape[depth] then
      raise(string.format("tensor: ragged nested table: %s has %d elements, expected %d", path, #x, shape[depth]))
    end
    for i = 1, #x do walk(x[i], depth + 1, path .. "[" .. i .. "]") end
  end
  walk(data, 1, "data")
  local src = C.tide_tensor_from_ptr(stage, nd, shape_buf, nil, 1)
  local st = C.tide_copy_(t._c, src)
  C.tide_tensor_free(src)
  check(st)
  return t
end

-- from_ptr(ptr, shape, [dtype], [owner]): a tensor over foreign memory, no copy. `owner` (any
-- Lua value, e.g. the cdata array) is kept alive as long as the tensor handle.
function M.from_ptr(ptr, shape, dtype, owner)
  if type(shape) ~= "table" then raise("from_ptr: shape must be a table of sizes") end
  local nd = parse_shape("from_ptr", shape)
  local t = wrap(C.tide_tensor_from_ptr(ffi.cast("void*", ptr), nd, shape_buf, nil, to_dtype(dtype, "from_ptr")))
  rawset(t, "_keep", owner or ptr)
  return t
end

-- ---------------------------------------------------------------- random
function M.manual_seed(seed)
  if type(seed) ~= "number" or seed < 0 or seed ~= math.floor(seed) then raise("manual_seed: seed must be a non-negative integer") end
  C.tide_manual_seed(seed)
end
function M.initial_seed() return tonumber(C.tide_initial_seed()) end

-- The generator state as {seed =, counter =} (plain numbers, JSON-able); set_rng_state restores it.
local rng_buf = ffi.new("uint64_t[2]")
function M.get_rng_state()
  C.tide_rng_get_state(rng_buf, rng_buf + 1)
  return { seed = tonumber(rng_buf[0]), counter = tonumber(rng_buf[1]) }
end
function M.set_rng_state(s)
  if type(s) ~= "table" or type(s.seed) ~= "number" or type(s.counter) ~= "number" then
    raise("set_rng_state: expected {seed = number, counter = number}, got " .. type(s))
  end
  C.tide_rng_set_state(s.seed, s.counter)
end

function M.rand(...)
  local t = new_filled("rand", nil, ...)
  check(C.tide_rand_(t._c, 0, 1))
  return t
end
function M.randn(...)
  local t = new_filled("randn", nil, ...)
  check(C.tide_randn_(t._c, 0, 1))
  return t
end
-- randint(low, high, shape..., [dtype]) or randint(high, shape); integers in [low, high), int64 by default
function M.randint(low, high, ...)
  if type(low) ~= "number" then raise("randint: expected (low, high, shape...)") end
  if type(high) ~= "number" then return M.randint(0, low, high, ...) end
  local nd, dtype = parse_shape("randint", ...)
  local t = wrap(C.tide_tensor_empty(nd, shape_buf, to_dtype(dtype or "int64", "randint")))
  check(C.tide_randint_(t._c, low, high))
  return t
end
function methods.uniform_(t, a, b) check(C.tide_rand_(t._c, a or 0, b or 1)) return t end
function methods.normal_(t, mean, std) check(C.tide_randn_(t._c, mean or 0, std or 1)) return t end
function methods.random_(t, a, b)
  if b == nil then a, b = 0, a end
  check(C.tide_randint_(t._c, a, b))
  return t
end

-- ---------------------------------------------------------------- views
local function sizes_from(op, t, ...)
  local first = ...
  local dims = type(first) == "table" and first or { ... }
  if #dims > 8 then raise(op .. ": at most 8 dims are supported") end
  for i, d in ipairs(dims) do
    if type(d) ~= "number" or d ~= math.floor(d) or (d < 0 and d ~= -1) then
      raise(string.format("%s: size %d must be an integer >= 0 or -1, got %s", op, i, tostring(d)))
    end
    shape_buf[i - 1] = d
  end
  return #dims
end

function methods.view(t, ...) return wrap(C.tide_view(t._c, sizes_from("view", t, ...), shape_buf), t) end
function methods.reshape(t, ...)
  local nd = sizes_from("reshape", t, ...)
  local p = C.tide_reshape(t._c, nd, shape_buf)
  if p == nil then p = retry(C.tide_reshape, t._c, nd, shape_buf) end
  return wrap(p, t)
end
function methods.expand(t, ...) return wrap(C.tide_expand(t._c, sizes_from("expand", t, ...), shape_buf), t) end
function methods.expand_as(t, o) return t:expand(o.shape) end
function methods.view_as(t, o) return t:view(o.shape) end

local perm_buf = ffi.new("int32_t[8]")
function methods.permute(t, ...)
  local first = ...
  local dims = type(first) == "table" and first or { ... }
  if #dims ~= t._c.ndim then
    raise(string.format("permute: got %d dims for a tensor with %d dims", #dims, t._c.ndim))
  end
  for i, d in ipairs(dims) do perm_buf[i - 1] = cdim(t, d, "permute") end
  return wrap(C.tide_permute(t._c, perm_buf), t)
end

function methods.transpose(t, d0, d1)
  if d0 == nil and t._c.ndim == 2 then d0, d1 = 1, 2 end
  return wrap(C.tide_transpose(t._c, cdim(t, d0, "transpose"), cdim(t, d1, "transpose")), t)
end
-- t.T-like: reverse all dims
function methods.t(t)
  if t._c.ndim > 2 then raise("t: expects a tensor with at most 2 dims, use permute") end
  if t._c.ndim < 2 then return wrap(C.tide_alias(t._c), t) end
  return wrap(C.tide_transpose(t._c, 0, 1), t)
end

-- narrow(dim, start, length): start is 1-based
function methods.narrow(t, dim, start, length)
  local d = cdim(t, dim, "narrow")
  if type(start) ~= "number" or type(length) ~= "number" then raise("narrow: start and length must be numbers") end
  if start < 0 then start = tonumber(t._c.shape[d]) + start + 1 end
  return wrap(C.tide_narrow(t._c, d, start - 1, length), t)
end

-- slice(dim, first, last, [step]): 1-based inclusive range, negative counts from the end
function methods.slice(t, dim, first, last, step)
  local d = cdim(t, dim, "slice")
  local n = tonumber(t._c.shape[d])
  first = first or 1
  last = last or n
  if first < 0 then first = n + first + 1 end
  if last < 0 then last = n + last + 1 end
  if last < first - 1 then last = first - 1 end
  return wrap(C.tide_slice(t._c, d, first - 1, last, step or 1), t)
end

-- select(dim, index): drops the dim; index is 1-based (negative from the end)
function methods.select(t, dim, index)
  local d = cdim(t, dim, "select")
  if type(index) ~= "number" then raise("select: index must be a number") end
  if index < 0 then index = tonumber(t._c.shape[d]) + index + 1 end
  return wrap(C.tide_select(t._c, d, index - 1), t)
end

function methods.squeeze(t, dim)
  if dim == nil then return wrap(C.tide_squeeze(t._c, -1), t) end
  return wrap(C.tide_squeeze(t._c, cdim(t, dim, "squeeze")), t)
end
function methods.unsqueeze(t, dim) return wrap(C.tide_unsqueeze(t._c, cdim(t, dim, "unsqueeze", 1)), t) end

function methods.flatten(t, s, e)
  if t._c.ndim == 0 then return wrap(C.tide_flatten(t._c, 0, 0), t) end
  return wrap(C.tide_flatten(t._c, cdim(t, s or 1, "flatten"), cdim(t, e or -1, "flatten")), t)
end

-- ---------------------------------------------------------------- copies and casts
function methods.contiguous(t)
  if C.tide_tensor_is_contiguous(t._c) == 1 then return t end
  return wrap(retry(C.tide_contiguous, t._c), t)
end
function methods.clone(t)
  local s = core.slot()
  return wrap(retry(C.tide_clone, t._c), nil, s)
end
function methods.to(t, dtype)
  local id = to_dtype(dtype, "to")
  if id == t._c.dtype then return t end
  return wrap(retry(C.tide_cast, t._c, id))
end
methods.type_as = function(t, o) return t:to(o.dtype) end
for _, name in ipairs(DTYPES) do
  methods[name] = function(t) return t:to(name) end
end
methods.float, methods.double, methods.int, methods.long, methods.byte =
  methods.float32, methods.float64, methods.int32, methods.int64, methods.uint8

-- copy_(src): broadcast src (tensor or number) into t, converting dtype
function methods.copy_(t, src)
  if type(src) == "number" then check(C.tide_fill_(t._c, src)) return t end
  if not is_tensor(src) then raise("copy_: source must be a tensor or a number") end
  check(C.tide_copy_(t._c, src._c))
  return t
end
function methods.fill_(t, v)
  if type(v) == "boolean" then v = v and 1 or 0 end
  if type(v) ~= "number" then raise("fill_: value must be a number, got " .. type(v)) end
  check(C.tide_fill_(t._c, v))
  return t
end
function methods.zero_(t) return t:fill_(0) end

-- ---------------------------------------------------------------- elements
local idx_buf = ffi.new("int64_t[8]")
local val_buf = ffi.new("double[1]")

function methods.item(t)
  if t._c.numel ~= 1 then raise(string.format("item: tensor has %d elements, expected 1", tonumber(t._c.numel))) end
  for i = 0, t._c.ndim - 1 do idx_buf[i] = 0 end
  check(C.tide_tensor_get(t._c, idx_buf, val_buf))
  local v = val_buf[0]
  if t._c.dtype == 5 then return v ~= 0 end
  return v
end

-- Lua table of the elements (nested by dims), for small tensors and tests.
function methods.totable(t)
  local c = t._c
  local nd = c.ndim
  if nd == 0 then return t:item() end
  local src = t:to("float64"):contiguous()
  local p = ffi.cast("double*", C.tide_tensor_data_ptr(src._c))
  local isbool = c.dtype == 5
  local shape = shape_of(t)
  local k = 0
  local function build(depth)
    local r = {}
    for i = 1, shape[depth] do
      if depth == nd then
        local v = p[k]
        k = k + 1
        if isbool then v = v ~= 0 end
        r[i] = v
      else
        r[i] = build(depth + 1)
      end
    end
    return r
  end
  return build(1)
end

-- ---------------------------------------------------------------- indexing t[i], t[{...}]
-- t[i] selects along dim 1 (a number for 1-d tensors); t[{spec1, spec2, ...}] takes one spec
-- per dim: an integer selects, {first, last[, step]} slices (inclusive, 1-based, negative from
-- the end), {} or ":" keeps the whole dim. Assignment t[...] = value copies or fills.
-- A 1-based position along dim d of r (negative counts from the end), checked against its size.
local function position(r, d, i, op, shown_dim)
  if i ~= math.floor(i) then raise(string.format("%s: index must be an integer, got %s", op, tostring(i))) end
  local n = tonumber(r._c.shape[d - 1])
  local j = i < 0 and n + i + 1 or i
  if j < 1 or j > n then
    raise(string.format("%s: index %d out of range for dim %d of size %d", op, i, shown_dim or d, n))
  end
  return j
end

local function apply_index(t, key, op)
  if type(key) == "number" then
    if t._c.ndim == 0 then raise(op .. ": cannot index a 0-dim tensor (use item())") end
    return t:select(1, position(t, 1, key, op))
  end
  if type(key) ~= "table" then raise(op .. ": index must be a number or a table, got " .. type(key)) end
  if #key > t._c.ndim then raise(string.format("%s: %d indices for a tensor with %d dims", op, #key, t._c.ndim)) end
  local r, dim, tdim = t, 1, 1 -- the dim in r, and the same dim counted in t (for messages)
  for i = 1, #key do
    local s = key[i]
    if type(s) == "number" then
      r = r:select(dim, position(r, dim, s, op, tdim))
    elseif s == ":" or (type(s) == "table" and next(s) == nil) then
      dim = dim + 1
    elseif type(s) == "table" then
      local first, last, step = s[1], s[2], s[3]
      if type(first) ~= "number" or (last ~= nil and type(last) ~= "number") or (step ~= nil and type(step) ~= "number") then
        raise(op .. ": slice spec must be {first, last[, step]} numbers")
      end
      local a = position(r, dim, first, op, tdim)
      local b = position(r, dim, last or first, op, tdim)
      r = r:slice(dim, a, b, step)
      dim = dim + 1
    else
      raise(string.format("%s: index spec %d has type %s", op, i, type(s)))
    end
    tdim = tdim + 1
  end
  return r
end
M.apply_index = apply_index

Tensor.__index = function(t, k)
  -- _c is a raw field of every live handle; it is missing only after t:free()
  if k == "_c" then raise("tensor used after free(): it no longer holds data") end
  local m = methods[k]
  if m ~= nil then return m end
  local p = properties[k]
  if p then return p(t) end
  if type(k) == "number" or type(k) == "table" then
    local r = apply_index(t, k, "index")
    if r._c.ndim == 0 then return r:item() end
    return r
  end
  return nil
end

Tensor.__newindex = function(t, k, v)
  if type(k) == "number" or type(k) == "table" then
    local r = apply_index(t, k, "index assignment")
    if is_tensor(v) then r:copy_(v)
    elseif type(v) == "number" or type(v) == "boolean" then r:fill_(v)
    else raise("index assignment: value must be a tensor or a number, got " .. type(v)) end
    return
  end
  rawset(t, k, v)
end

-- ---------------------------------------------------------------- printing
local function fmt_number(v, isfloat, isbool)
  if isbool then return v ~= 0 and "true" or "false" end
  if not isfloat then return string.format("%d", v) end
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" end
  if v == -math.huge then return "-inf" end
  return nil
end

local EDGE, THRESHOLD = 3, 1000

function M.format(t)
  local c = t._c
  local nd = c.ndim
  local isfloat = c.dtype <= 1
  local isbool = c.dtype == 5
  local shape = shape_of(t)
  local numel = tonumber(c.numel)
  local summarize = numel > THRESHOLD
  -- read elements in place through their strides: no copy of a big tensor just to print it
  local base = ffi.cast(CPTR[c.dtype], C.tide_tensor_data_ptr(c))
  local strides = {}
  for d = 1, nd do strides[d] = tonumber(c.stride[d - 1]) end
  local p = setmetatable({}, { __index = function(_, off)
    local v = base[off]
    if isbool then return v and 1 or 0 end
    return tonumber(v)
  end })
  -- the offsets of the elements shown (all, or the edges of each dim when summarising)
  local shown = {}
  local function collect_offsets(depth, off)
    if depth > nd then shown[#shown + 1] = off return end
    local n = shape[depth]
    for i = 1, n do
      if summarize and n > 2 * EDGE and i == EDGE + 1 then
        for j = n - EDGE + 1, n do collect_offsets(depth + 1, off + (j - 1) * strides[depth]) end
        break
      end
      collect_offsets(depth + 1, off + (i - 1) * strides[depth])
    end
  end
  collect_offsets(1, 0)
  -- one float format for all shown elements, as NumPy does
  local ffmt = "%.4f"
  if isfloat and numel > 0 then
    local maxabs, minabs, allint = 0, math.huge, true
    for _, off in ipairs(shown) do
      local x = p[off]
      local v = math.abs(x)
      if v == v and v ~= math.huge then
        if v > maxabs then maxabs = v end
        if v > 0 and v < minabs then minabs = v end
        if x ~= math.floor(x) then allint = false end
      end
    end
    if maxabs >= 1e8 or (minabs < 1e-4 and minabs > 0) then ffmt = "%.4e"
    elseif allint then ffmt = "%.0f." end
  end
  local function num(off)
    local v = p[off]
    local s = fmt_number(v, isfloat, isbool)
    if s then return s end
    return string.format(ffmt, v)
  end
  -- one width for alignment
  local width = 0
  for _, off in ipairs(shown) do
    local w = #num(off)
    if w > width then width = w end
  end
  local function pad(s) return string.rep(" ", width - #s) .. s end
  local indent0 = "tensor("
  local function rec(depth, off, indent)
    if depth > nd then return pad(num(off)) end
    local n = shape[depth]
    local items = {}
    local function add(i) items[#items + 1] = rec(depth + 1, off + (i - 1) * strides[depth], indent .. " ") end
    if summarize and n > 2 * EDGE then
      for i = 1, EDGE do add(i) end
      items[#items + 1] = "..."
      for i = n - EDGE + 1, n do add(i) end
    else
      for i = 1, n do add(i) end
    end
    if depth == nd then return "[" .. table.concat(items, ", ") .. "]" end
    local sep = "," .. string.rep("\n", nd - depth) .. indent .. " "
    return "[" .. table.concat(items, sep) .. "]"
  end
  local body
  if nd == 0 then body = num(0) else body = rec(1, 0, string.rep(" ", #indent0)) end
  local shp = "[" .. table.concat(shape, ", ") .. "]"
  return string.format("%s%s, shape=%s, dtype=%s)", indent0, body, shp, dtype_name[c.dtype])
end

Tensor.__tostring = function(t)
  if rawget(t, "_c") == nil then return "tensor(<freed>)" end
  return M.format(t)
end

return M
