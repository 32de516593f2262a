-- tide.ops.index: joining and indexing over core/join.c and core/index.c — cat, stack, split,
-- chunk, gather, scatter(_)/scatter_add(_), index_select, index_add(_), masked_select, nonzero,
-- take, put_. Dims and index values are 1-based (negative dims count from the end); index
-- tensors are int64 (int32 accepted), or a Lua table of integers.
local core = require("tide._core")
local tensor = require("tide.tensor")
local ffi, C = core.ffi, core.C
local wrap, raise, raise_c, retry, check, slot = core.wrap, core.raise, core.raise_c, core.retry, core.check, core.slot
local Tensor, cdim = core.Tensor, tensor.cdim
local getmetatable, type = getmetatable, type

local BASE = 1 -- Lua indices are 1-based
local SET, ADD = 0, 1
local TLIST = ffi.typeof("const tide_tensor*[?]")
local PLIST = ffi.typeof("tide_tensor*[?]")
local SIZES = ffi.typeof("int64_t[?]")

local function need_tensor(op, x, what)
  if getmetatable(x) ~= Tensor then raise(string.format("%s: %s must be a tensor, got %s", op, what, type(x))) end
end

local function need_out(op, out)
  if out ~= nil and getmetatable(out) ~= Tensor then raise(op .. ": out must be a tensor, got " .. type(out)) end
end

-- An index argument: a tensor as is, or a (nested) Lua table of integers made int64.
local function as_index(op, index)
  if getmetatable(index) == Tensor then return index end
  if type(index) == "table" then
    local function walk(x, path)
      if type(x) == "table" then
        for i = 1, #x do walk(x[i], path .. "[" .. i .. "]") end
      elseif type(x) ~= "number" or x ~= math.floor(x) then
        raise(string.format("%s: index table must hold integers, got %s at index%s", op, tostring(x), path))
      end
    end
    walk(index, "")
    local ok, t = pcall(tensor.tensor, index, "int64")
    if not ok then raise(op .. ": bad index table (" .. tostring(t):gsub("^.-: ", "") .. ")") end
    return t
  end
  raise(op .. ": index must be an int64 tensor or a table of integers, got " .. type(index))
end

-- Call cfn(..., out) and wrap the result: a given out is returned as is.
local function result(out, cfn, ...)
  if out ~= nil then
    if cfn(...) == nil then raise_c() end
    return out
  end
  local s = slot()
  return wrap(retry(cfn, ...), nil, s)
end

-- A Lua list of tensors as a C array (validated).
local function tensor_list(op, ts)
  if type(ts) ~= "table" or getmetatable(ts) == Tensor then
    raise(op .. ": expected a table of tensors, got " .. (getmetatable(ts) == Tensor and "a tensor" or type(ts)))
  end
  local n = #ts
  if n == 0 then raise(op .. ": expected a non-empty table of tensors") end
  local arr = TLIST(n)
  for i = 1, n do
    if getmetatable(ts[i]) ~= Tensor then raise(string.format("%s: element %d is %s, expected a tensor", op, i, type(ts[i]))) end
    arr[i - 1] = ts[i]._c
  end
  return arr, n
end

return function(tide)
  local methods = tide.Tensor.methods

  -- ------------------------------------------------------------ joining
  -- cat({t1, t2, ...}, [dim = 1], [out]): join along an existing dim; dtypes promote
  function tide.cat(ts, dim, out)
    local arr, n = tensor_list("cat", ts)
    need_out("cat", out)
    local ref = ts[1]
    for i = 1, n do -- 1-d empty tensors are skipped, so they do not set the dim count
      if not (ts[i]._c.ndim == 1 and ts[i]._c.numel == 0) then ref = ts[i] break end
    end
    local d = cdim(ref, dim or 1, "cat")
    return result(out, C.tide_cat, arr, n, out and out._c, d)
  end
  tide.concat, tide.concatenate = tide.cat, tide.cat

  -- stack({t1, t2, ...}, [dim = 1], [out]): join along a new dim
  function tide.stack(ts, dim, out)
    local arr, n = tensor_list("stack", ts)
    need_out("stack", out)
    local d = cdim(ts[1], dim or 1, "stack", 1)
    return result(out, C.tide_stack, arr, n, out and out._c, d)
  end

  -- split(t, size | {sizes}, [dim = 1]) -> Lua table of views. A number gives pieces of that
  -- size (the last may be smaller); a table gives each piece's size (they must sum to the dim).
  local function split(t, size, dim)
    need_tensor("split", t, "argument 1")
    local d = cdim(t, dim or 1, "split")
    local total = tonumber(t._c.shape[d])
    local sizes
    if type(size) == "number" then
      if size ~= math.floor(size) or size < 0 or (size == 0 and total > 0) then
        raise("split: size must be a positive integer, got " .. tostring(size))
      end
      sizes = {}
      if total == 0 then sizes[1] = 0 end
      local left = total
      while left > 0 do
        sizes[#sizes + 1] = math.min(size, left)
        left = left - size
      end
    elseif type(size) == "table" then
      sizes = size
      if #sizes == 0 then raise("split: sizes table is empty") end
      for i, s in ipairs(sizes) do
        if type(s) ~= "number" or s ~= math.floor(s) then
          raise(string.format("split: size %d must be an integer, got %s", i, tostring(s)))
        end
      end
    else
      raise("split: expected a size or a table of sizes, got " .. type(size))
    end
    local n = #sizes
    local cs, parts = SIZES(n), PLIST(n)
    for i = 1, n do cs[i - 1] = sizes[i] end
    check(C.tide_split(t._c, parts, d, n, cs))
    local r = {}
    for i = 1, n do r[i] = wrap(parts[i - 1], t) end
    return r
  end
  tide.split, methods.split = split, split

  -- chunk(t, n, [dim = 1]) -> at most n views of equal size (the last may be smaller)
  local function chunk(t, n, dim)
    need_tensor("chunk", t, "argument 1")
    if type(n) ~= "number" or n ~= math.floor(n) or n < 1 then
      raise("chunk: number of chunks must be a positive integer, got " .. tostring(n))
    end
    local d = cdim(t, dim or 1, "chunk")
    local total = tonumber(t._c.shape[d])
    return split(t, math.max(1, math.ceil(total / n)), d + 1)
  end
  tide.chunk, methods.chunk = chunk, chunk

  -- ------------------------------------------------------------ gather / scatter
  -- gather(t, dim, index, [out]): out[i][j] = t[index[i][j]][j] for dim 1, and so on
  local function gather(t, dim, index, out)
    need_tensor("gather", t, "argument 1")
    local d = cdim(t, dim, "gather")
    index = as_index("gather", index)
    need_out("gather", out)
    return result(out, C.tide_gather, t._c, index._c, out and out._c, d, BASE)
  end
  tide.gather, methods.gather = gather, gather

  local function scatter_args(op, t, dim, index, src)
    need_tensor(op, t, "argument 1")
    local d = cdim(t, dim, op)
    index = as_index(op, index)
    local value = 0
    if type(src) == "boolean" then src = src and 1 or 0 end
    if type(src) == "number" then
      value, src = src, nil
    elseif getmetatable(src) ~= Tensor then
      raise(op .. ": src must be a tensor or a number, got " .. type(src))
    else
      src = src._c
    end
    return d, index, src, value
  end

  -- scatter(t, dim, index, src | value, [out]): a copy of t with t[index[i][j]][j] = src[i][j] (dim 1)
  local function make_scatter(op, reduce)
    return function(t, dim, index, src, out)
      local d, idx, s, value = scatter_args(op, t, dim, index, src)
      need_out(op, out)
      return result(out, C.tide_scatter, t._c, idx._c, s, out and out._c, d, value, reduce, BASE)
    end
  end
  local function make_scatter_(op, reduce)
    return function(t, dim, index, src)
      local d, idx, s, value = scatter_args(op, t, dim, index, src)
      check(C.tide_scatter_(t._c, idx._c, s, d, value, reduce, BASE))
      return t
    end
  end
  tide.scatter = make_scatter("scatter", SET)
  tide.scatter_add = make_scatter("scatter_add", ADD)
  methods.scatter, methods.scatter_add = tide.scatter, tide.scatter_add
  methods.scatter_ = make_scatter_("scatter_", SET)
  methods.scatter_add_ = make_scatter_("scatter_add_", ADD)
  tide.scatter_, tide.scatter_add_ = methods.scatter_, methods.scatter_add_

  -- ------------------------------------------------------------ index_select / index_add
  local function index_select(t, dim, index, out)
    need_tensor("index_select", t, "argument 1")
    local d = cdim(t, dim, "index_select")
    index = as_index("index_select", index)
    need_out("index_select", out)
    return result(out, C.tide_index_select, t._c, index._c, out and out._c, d, BASE)
  end
  tide.index_select, methods.index_select = index_select, index_select

  -- index_add_(t, dim, index, src, [alpha = 1]): t.select(dim, index[i]) += alpha * src.select(dim, i)
  local function index_add_(t, dim, index, src, alpha)
    need_tensor("index_add_", t, "argument 1")
    local d = cdim(t, dim, "index_add_")
    index = as_index("index_add_", index)
    need_tensor("index_add_", src, "src")
    if alpha ~= nil and type(alpha) ~= "number" then raise("index_add_: alpha must be a number, got " .. type(alpha)) end
    check(C.tide_index_add_(t._c, index._c, src._c, d, alpha or 1, BASE))
    return t
  end
  tide.index_add_, methods.index_add_ = index_add_, index_add_
  local function index_add(t, dim, index, src, alpha)
    need_tensor("index_add", t, "argument 1")
    return index_add_(t:clone(), dim, index, src, alpha)
  end
  tide.index_add, methods.index_add = index_add, index_add

  -- ------------------------------------------------------------ masks and flat indices
  -- masked_select(t, mask) -> 1-d tensor of the elements where mask (bool, broadcast) is true
  local function masked_select(t, mask)
    need_tensor("masked_select", t, "argument 1")
    need_tensor("masked_select", mask, "mask")
    return wrap(retry(C.tide_masked_select, t._c, mask._c))
  end
  tide.masked_select, methods.masked_select = masked_select, masked_select

  -- nonzero(t) -> int64 [n, ndim] of the 1-based multi-indices of t's non-zero elements
  local function nonzero(t)
    need_tensor("nonzero", t, "argument 1")
    return wrap(retry(C.tide_nonzero, t._c, BASE))
  end
  tide.nonzero, methods.nonzero = nonzero, nonzero

  -- take(t, index, [out]): elements of t seen as 1-d (row-major) at 1-based index, index's shape
  local function take(t, index, out)
    need_tensor("take", t, "argument 1")
    index = as_index("take", index)
    need_out("take", out)
    return result(out, C.tide_take, t._c, index._c, out and out._c, BASE)
  end
  tide.take, methods.take = take, take

  -- put_(t, index, src, [accumulate = false]): flat t at index[i] = (or +=) src[i]
  local function put_(t, index, src, accumulate)
    need_tensor("put_", t, "argument 1")
    index = as_index("put_", index)
    if type(src) == "number" then src = tide.full_like(index, src, t.dtype) end
    need_tensor("put_", src, "src")
    check(C.tide_put_(t._c, index._c, src._c, accumulate and 1 or 0, BASE))
    return t
  end
  tide.put_, methods.put_ = put_, put_
end
