-- tide.ops.reduce: reductions, scans and sorting over core/reduce.c, scan.c and sort.c.
--
-- Reductions: sum, mean, prod, amin, amax, any, all, count_nonzero, norm, logsumexp, var, std;
-- with values and 1-based indices: max, min, median, kthvalue; argmax, argmin. Scans: cumsum,
-- cumprod. Sorting: sort, argsort, topk, unique. Each is a method t:NAME(...) and a function
-- tide.NAME(t, ...).
--
-- Calling convention (dims are 1-based, negatives count from the end):
--   t:sum()                   -> a Lua number (every element; like Torch7's t:sum())
--   t:sum(2), t:sum({1, 3})   -> a tensor with those dims reduced
--   t:sum(2, true)            -> keepdim (the reduced dims stay with size 1)
--   t:sum(2, {keepdim = true, dtype = "float64", out = o})   (or t:sum({dim = 2, ...}))
--   local v, i = t:max(2)     -> values and int64 indices (first occurrence, 1-based)
-- Result dtypes follow PyTorch (integer and bool sums and products give int64), except that
-- mean, norm, var, std and logsumexp of integers give float32 where PyTorch raises an error.
-- A whole-tensor result is computed in double: t:sum() of a float32 tensor is not rounded to
-- float32. NaN is larger than every number in sort/topk (NaNs sort last ascending, first
-- descending) and propagates through max/min/median.
local core = require("tide._core")
local tensor = require("tide.tensor")
local ffi, C = core.ffi, core.C
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local Tensor = core.Tensor
local getmetatable, type, tostring, floor, format = getmetatable, type, tostring, math.floor, string.format

local OP = { sum = 0, mean = 1, prod = 2, amin = 3, amax = 4, any = 5, all = 6, count_nonzero = 7, norm = 8,
  logsumexp = 9, var = 10, std = 11 }
local BOOL = 5

local dims_buf = ffi.new("int32_t[8]")
local num_buf = ffi.new("double[1]")
local idx_buf = ffi.new("int64_t[1]")
local slots = ffi.new("tide_tensor*[3]")

local function is_tensor(x) return getmetatable(x) == Tensor end

local function check_tensor(op, t)
  if not is_tensor(t) then raise(format("%s: expected a tensor, got %s", op, type(t))) end
end

-- ---------------------------------------------------------------- argument parsing

-- 1-based dim d -> 0-based; a 0-d tensor accepts 1 and -1 (like PyTorch's 0 and -1)
local function one_dim(op, t, d)
  local nd = t._c.ndim
  if type(d) ~= "number" or d ~= floor(d) then
    raise(format("%s: dim must be an integer or a table of integers, got %s", op,
      type(d) == "number" and tostring(d) or type(d)))
  end
  if nd == 0 then
    if d == 1 or d == -1 then return 0 end
    raise(format("%s: dim %d out of range for a 0-dim tensor (only 1 or -1)", op, d))
  end
  local c = d < 0 and nd + d or d - 1
  if c < 0 or c >= nd then raise(format("%s: dim %d out of range for a tensor with %d dims", op, d, nd)) end
  return c
end

-- a dim or a table of dims into dims_buf; returns how many
local function parse_dims(op, t, dim)
  if type(dim) == "table" then
    if #dim > 8 then raise(op .. ": at most 8 dims") end
    local seen = {}
    for i = 1, #dim do
      local c = one_dim(op, t, dim[i])
      if seen[c] then raise(format("%s: dim %d appears more than once", op, c + 1)) end
      seen[c] = true
      dims_buf[i - 1] = c
    end
    return #dim
  end
  dims_buf[0] = one_dim(op, t, dim)
  return 1
end

-- an options table: not a tensor, no array part (a dims table has one)
local function is_opts(x) return type(x) == "table" and getmetatable(x) == nil and x[1] == nil and next(x) ~= nil end

-- (dim, opts) where opts is a boolean (keepdim) or {keepdim, dtype, out, dim, ...};
-- returns dim, keepdim, opts table (or nil)
local function parse_opts(op, dim, opts)
  if is_opts(dim) and opts == nil then
    opts = dim
    dim = opts.dim
  end
  local keepdim = false
  if type(opts) == "boolean" then
    keepdim = opts
    opts = nil
  elseif type(opts) == "table" and getmetatable(opts) == nil then
    if opts.keepdim ~= nil then keepdim = opts.keepdim end
    if opts.dim ~= nil and dim == nil then dim = opts.dim end
  elseif opts ~= nil then
    raise(format("%s: options must be a table or a boolean (keepdim), got %s", op, type(opts)))
  end
  if type(keepdim) ~= "boolean" then raise(format("%s: keepdim must be a boolean, got %s", op, type(keepdim))) end
  return dim, keepdim, opts
end

local function opt_dtype(op, opts)
  local d = opts and opts.dtype
  if d == nil then return -1 end
  return tensor.to_dtype(d, op)
end

local function opt_out(op, opts)
  local out = opts and opts.out
  if out ~= nil and not is_tensor(out) then raise(format("%s: out must be a tensor, got %s", op, type(out))) end
  return out
end

-- ---------------------------------------------------------------- reductions

-- The shared body of every dims reduction: a Lua number for the whole tensor, else a tensor.
local function reduce(name, op, t, dim, opts, param)
  check_tensor(name, t)
  local keepdim
  dim, keepdim, opts = parse_opts(name, dim, opts)
  local dtype, out = opt_dtype(name, opts), opt_out(name, opts)
  if dim == nil and not keepdim and out == nil and dtype == -1 then
    if C.tide_reduce_all(t._c, op, param, num_buf) ~= 0 then raise_c() end
    local v = num_buf[0]
    if op == 5 or op == 6 or ((op == 3 or op == 4) and t._c.dtype == BOOL) then return v ~= 0 end
    return v
  end
  local n, p = 0, nil
  if dim ~= nil then n, p = parse_dims(name, t, dim), dims_buf end
  local kd = keepdim and 1 or 0
  if out ~= nil then
    if C.tide_reduce(t._c, out._c, op, n, p, kd, dtype, param) == nil then raise_c() end
    return out
  end
  local r
  if dim == nil and not keepdim then
    -- all dims with a dtype option: still a number
    r = wrap(retry(C.tide_reduce, t._c, nil, op, n, p, kd, dtype, param))
    return r:item()
  end
  local s = slot()
  return wrap(retry(C.tide_reduce, t._c, nil, op, n, p, kd, dtype, param), nil, s)
end

local M = {}

for _, name in ipairs({ "sum", "mean", "prod", "amin", "amax", "any", "all", "count_nonzero", "logsumexp" }) do
  local op = OP[name]
  M[name] = function(t, dim, opts) return reduce(name, op, t, dim, opts, 0) end
end

-- var/std: options {correction = 1} or {unbiased = true} (default unbiased, like PyTorch)
local function correction_of(name, opts)
  if type(opts) ~= "table" then return 1 end
  local c = opts.correction
  if c ~= nil and opts.unbiased ~= nil then raise(name .. ": give correction or unbiased, not both") end
  if opts.unbiased ~= nil then
    if type(opts.unbiased) ~= "boolean" then raise(name .. ": unbiased must be a boolean, got " .. type(opts.unbiased)) end
    return opts.unbiased and 1 or 0
  end
  if c == nil then return 1 end
  if type(c) ~= "number" or c < 0 then raise(format("%s: correction must be a number >= 0, got %s", name, tostring(c))) end
  return c
end

for _, name in ipairs({ "var", "std" }) do
  local op = OP[name]
  M[name] = function(t, dim, opts)
    local o = opts
    if is_opts(dim) and opts == nil then o = dim end
    return reduce(name, op, t, dim, opts, correction_of(name, o))
  end
end

-- norm(p, dim, opts): p = 2 (default), 1, any p > 0, 0 (count of non-zeros), math.huge, -math.huge,
-- "inf", "-inf" or "fro" (the 2-norm over the given dims, or all).
function M.norm(t, p, dim, opts)
  check_tensor("norm", t)
  if is_opts(p) and dim == nil then p, dim, opts = p.p, p.dim, p end
  if p == nil or p == "fro" then p = 2
  elseif p == "inf" then p = math.huge
  elseif p == "-inf" then p = -math.huge
  elseif p == "nuc" then raise("norm: p = 'nuc' (nuclear norm) is not supported; use the singular values")
  elseif type(p) ~= "number" then
    raise(format("norm: p must be a number, 'fro', 'inf' or '-inf', got %s", type(p) == "string" and ("'" .. p .. "'") or type(p)))
  end
  if p ~= p or (p < 0 and p ~= -math.huge) then raise(format("norm: p must be > 0, 0, inf or -inf, got %s", tostring(p))) end
  return reduce("norm", OP.norm, t, dim, opts, p)
end

-- ---------------------------------------------------------------- values and indices

-- Call fn(x, values_slot, indices_slot, a, b, c, d, e) with the outputs given in `out` =
-- {values, indices} (written into and returned) or allocated (new tensors). want: "both" or
-- "indices" (then out is {indices} and the values slot is NULL). fn is one of the C-call
-- wrappers below; no varargs or closures here, so the JIT compiles the whole call.
local function fill_slots(name, out, want)
  if out == nil then
    slots[0], slots[1] = nil, nil
    return
  end
  if type(out) ~= "table" or getmetatable(out) ~= nil then
    raise(format("%s: out must be a table {values, indices}, got %s", name, type(out)))
  end
  if want == "indices" then
    if not is_tensor(out[1]) then raise(name .. ": out must be an int64 tensor") end
    slots[0], slots[1] = nil, out[1]._c
  else
    if not is_tensor(out[1]) or not is_tensor(out[2]) then
      raise(name .. ": out must be a table of two tensors {values, indices}")
    end
    slots[0], slots[1] = out[1]._c, out[2]._c
  end
end

local function with_slots(name, out, want, fn, x, a, b, c, d, e)
  fill_slots(name, out, want)
  local vs = want == "both" and slots or nil
  local st = fn(x, vs, slots + 1, a, b, c, d, e)
  if st ~= 0 and C.tide_last_status() == 2 then -- out of memory: collect and retry once
    C.tide_clear_error()
    core.collect()
    fill_slots(name, out, want)
    st = fn(x, vs, slots + 1, a, b, c, d, e)
  end
  if st ~= 0 then raise_c() end
  if out ~= nil then
    if want == "both" then return out[1], out[2] end
    return out[1]
  end
  local v, i = slots[0], slots[1]
  if want ~= "both" then return wrap(i) end
  return wrap(v), wrap(i)
end

local function c_reduce_index(x, v, i, largest, dim, keepdim) return C.tide_reduce_index(x, v, i, largest, dim, keepdim, 1) end
local function c_median(x, v, i, dim, keepdim) return C.tide_median(x, v, i, dim, keepdim, 1) end
local function c_kthvalue(x, v, i, k, dim, keepdim) return C.tide_kthvalue(x, v, i, k, dim, keepdim, 1) end
local function c_sort(x, v, i, dim, desc) return C.tide_sort(x, v, i, dim, desc, 1, 1) end
local function c_topk(x, v, i, k, dim, largest, sorted) return C.tide_topk(x, v, i, k, dim, largest, sorted, 1) end

-- max(dim, keepdim) -> values, indices; max() -> a number (NaN if any)
local function extreme(name, op, largest)
  return function(t, dim, opts)
    check_tensor(name, t)
    if is_tensor(dim) then -- max(a, b): the elementwise maximum, as in PyTorch
      local f = M._tide and M._tide[name == "max" and "maximum" or "minimum"]
      if f == nil then raise(format("%s: the elementwise form needs tide.%s", name, name == "max" and "maximum" or "minimum")) end
      return f(t, dim, opts)
    end
    local keepdim
    dim, keepdim, opts = parse_opts(name, dim, opts)
    if dim == nil then
      if opts and opts.out then raise(name .. ": out needs a dim") end
      return reduce(name, op, t, nil, keepdim and true or nil, 0)
    end
    if type(dim) == "table" then raise(name .. ": takes one dim (use amax/amin for several)") end
    local d = one_dim(name, t, dim)
    return with_slots(name, opts and opts.out, "both", c_reduce_index, t._c, largest, d, keepdim and 1 or 0)
  end
end
M.max = extreme("max", OP.amax, 1)
M.min = extreme("min", OP.amin, 0)

local function argext(name, largest)
  return function(t, dim, opts)
    check_tensor(name, t)
    local keepdim
    dim, keepdim, opts = parse_opts(name, dim, opts)
    if dim == nil then
      if C.tide_arg_all(t._c, largest, 1, idx_buf) ~= 0 then raise_c() end
      return tonumber(idx_buf[0])
    end
    if type(dim) == "table" then raise(name .. ": takes one dim") end
    local d = one_dim(name, t, dim)
    local out = opts and opts.out
    if out ~= nil then
      if not is_tensor(out) then raise(name .. ": out must be a tensor, got " .. type(out)) end
      out = { out }
    end
    return with_slots(name, out, "indices", c_reduce_index, t._c, largest, d, keepdim and 1 or 0)
  end
end
M.argmax = argext("argmax", 1)
M.argmin = argext("argmin", 0)

-- median() -> a number; median(dim, keepdim) -> values, indices (lower median, as PyTorch)
function M.median(t, dim, opts)
  check_tensor("median", t)
  local keepdim
  dim, keepdim, opts = parse_opts("median", dim, opts)
  if dim == nil then
    if t._c.numel == 0 then raise("median: cannot reduce an empty tensor") end
    local flat = t:reshape(-1)
    local v = with_slots("median", nil, "both", c_median, flat._c, 0, 0)
    return v:item()
  end
  local d = one_dim("median", t, dim)
  return with_slots("median", opts and opts.out, "both", c_median, t._c, d, keepdim and 1 or 0)
end

-- kthvalue(k, dim = -1, keepdim = false) -> values, indices: the k-th smallest
function M.kthvalue(t, k, dim, opts)
  check_tensor("kthvalue", t)
  if type(k) ~= "number" or k ~= floor(k) then raise("kthvalue: k must be an integer, got " .. tostring(k)) end
  local keepdim
  dim, keepdim, opts = parse_opts("kthvalue", dim, opts)
  local d = one_dim("kthvalue", t, dim or -1)
  return with_slots("kthvalue", opts and opts.out, "both", c_kthvalue, t._c, k, d, keepdim and 1 or 0)
end

-- ---------------------------------------------------------------- scans

local function scan(name, op)
  return function(t, dim, opts)
    check_tensor(name, t)
    if is_opts(dim) and opts == nil then opts, dim = dim, dim.dim end
    if opts ~= nil and (type(opts) ~= "table" or getmetatable(opts) ~= nil) then
      raise(format("%s: options must be a table {dtype =, out =}, got %s", name, type(opts)))
    end
    if dim == nil then
      if t._c.ndim > 1 then raise(format("%s: dim is required for a tensor with %d dims", name, t._c.ndim)) end
      dim = 1
    end
    local d = one_dim(name, t, dim)
    local dtype, out = opt_dtype(name, opts), opt_out(name, opts)
    if out ~= nil then
      if C.tide_scan(t._c, out._c, op, d, dtype) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_scan, t._c, nil, op, d, dtype), nil, s)
  end
end
M.cumsum = scan("cumsum", 0)
M.cumprod = scan("cumprod", 1)

-- ---------------------------------------------------------------- sorting

-- sort(dim = -1, descending = false) or sort({dim =, descending =, stable =, out = {v, i}})
local function sort_args(name, dim, descending)
  local opts
  if type(dim) == "boolean" and descending == nil then dim, descending = nil, dim end
  if is_opts(dim) then opts, dim, descending = dim, dim.dim, dim.descending
  elseif type(descending) == "table" then opts, descending = descending, descending.descending end
  if descending == nil then descending = false end
  if type(descending) ~= "boolean" then raise(format("%s: descending must be a boolean, got %s", name, type(descending))) end
  if opts and opts.stable ~= nil and type(opts.stable) ~= "boolean" then raise(name .. ": stable must be a boolean") end
  return dim or -1, descending, opts
end

function M.sort(t, dim, descending)
  check_tensor("sort", t)
  local opts
  dim, descending, opts = sort_args("sort", dim, descending)
  local d = one_dim("sort", t, dim)
  return with_slots("sort", opts and opts.out, "both", c_sort, t._c, d, descending and 1 or 0)
end

function M.argsort(t, dim, descending)
  check_tensor("argsort", t)
  local opts
  dim, descending, opts = sort_args("argsort", dim, descending)
  local d = one_dim("argsort", t, dim)
  local out = opts and opts.out
  if out ~= nil then out = { out } end
  return with_slots("argsort", out, "indices", c_sort, t._c, d, descending and 1 or 0)
end

-- topk(k, dim = -1, largest = true, sorted = true) or topk(k, {dim =, largest =, sorted =, out =})
function M.topk(t, k, dim, largest, sorted)
  check_tensor("topk", t)
  if type(k) ~= "number" or k ~= floor(k) then raise("topk: k must be an integer, got " .. tostring(k)) end
  if k < 0 then raise(format("topk: k must be >= 0, got %d", k)) end
  local opts
  if is_opts(dim) then opts = dim dim, largest, sorted = opts.dim, opts.largest, opts.sorted end
  if largest == nil then largest = true end
  if sorted == nil then sorted = true end
  if type(largest) ~= "boolean" then raise("topk: largest must be a boolean, got " .. type(largest)) end
  if type(sorted) ~= "boolean" then raise("topk: sorted must be a boolean, got " .. type(sorted)) end
  local d = one_dim("topk", t, dim or -1)
  return with_slots("topk", opts and opts.out, "both", c_topk, t._c, k, d, largest and 1 or 0, sorted and 1 or 0)
end

-- unique({sorted = true, return_inverse = false, return_counts = false}) or the same three as
-- booleans -> values [, inverse (1-based, x's shape)] [, counts]; values are always sorted.
function M.unique(t, sorted, return_inverse, return_counts)
  check_tensor("unique", t)
  if type(sorted) == "table" then
    local o = sorted
    if o.dim ~= nil then raise("unique: dim is not supported (unique works on the flattened tensor)") end
    sorted, return_inverse, return_counts = o.sorted, o.return_inverse, o.return_counts
  end
  for _, v in ipairs({ { "sorted", sorted }, { "return_inverse", return_inverse }, { "return_counts", return_counts } }) do
    if v[2] ~= nil and type(v[2]) ~= "boolean" then raise(format("unique: %s must be a boolean, got %s", v[1], type(v[2]))) end
  end
  slots[0], slots[1], slots[2] = nil, nil, nil
  local st = C.tide_unique(t._c, slots, return_inverse and slots + 1 or nil, return_counts and slots + 2 or nil, 1)
  if st ~= 0 then raise_c() end
  local v, i, c = slots[0], slots[1], slots[2]
  v = wrap(v)
  if return_inverse then i = wrap(i) end
  if return_counts then c = wrap(c) end
  if return_inverse and return_counts then return v, i, c end
  if return_inverse then return v, i end
  if return_counts then return v, c end
  return v
end

-- ---------------------------------------------------------------- install

return function(tide)
  local methods = tide.Tensor.methods
  M._tide = tide
  for name, f in pairs(M) do
    if name:sub(1, 1) == "_" then goto continue end
    methods[name] = f
    tide[name] = function(t, ...)
      if not is_tensor(t) then raise(format("%s: expected a tensor as first argument, got %s", name, type(t))) end
      return f(t, ...)
    end
    ::continue::
  end
end
