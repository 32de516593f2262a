-- tide.ops.elementwise: elementwise ops with NumPy broadcasting (core/elementwise.c).
--
-- Conventions:
--   * functions and methods take a trailing optional `out` tensor: tide.add(a, b, out),
--     a:add(b, out), tide.exp(t, out); with `out` the result is written there and `out` returned;
--   * in-place methods end in an underscore: a:add_(b), a:mul_(2), a:exp_(), a:clamp_(0, 1),
--     a:masked_fill_(mask, 0); they return the tensor itself;
--   * numbers are accepted on either side of binary ops (tide.sub(2, t), 2 - t); Lua booleans
--     act as bool scalars;
--   * operators: + - * / % ^ and unary minus are elementwise (% is remainder, ^ is pow).
--     Lua's ==, < and <= must return booleans, so comparisons are methods: t:eq(o), t:lt(o), ...
--     t:equal(o) is the single boolean (same shape and values), like torch.equal.
--   * add and sub take an options table instead of `out`: tide.add(a, b, {alpha = 2, out = o});
--     the in-place forms take alpha directly: a:add_(b, 2).
-- Type promotion follows PyTorch: see core/include/tide/elementwise.h.
-- New results are wrapped with a result slot (core.slot), so tiny ones need no heap memory and
-- no finaliser. The slot is offered only after every Lua argument has been checked: an error
-- raised between offering and wrap() would leave the offer pending for an unrelated tensor.
local core = require("tide._core")
local C = core.C
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local Tensor = core.Tensor
local getmetatable, type, tostring = getmetatable, type, tostring
local format = string.format

local C_unary, C_binary, C_binary_scalar = C.tide_unary, C.tide_binary, C.tide_binary_scalar

local UNARY = { "neg", "abs", "sqrt", "rsqrt", "exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos",
  "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "floor", "ceil", "round",
  "trunc", "sign", "reciprocal", "square", "logical_not", "isnan", "isinf", "isfinite", "bitwise_not" }
local BINARY = { "add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum", "atan2",
  "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
  "bitwise_xor" }

return function(tide)
  local methods = Tensor.methods

  -- the C enum value of each op, checked against the names core reports
  local unary_op, binary_op = {}, {}
  for i, name in ipairs(UNARY) do
    unary_op[name] = i - 1
    assert(core.ffi.string(C.tide_unary_name(i - 1)) == name, "elementwise: op table out of date")
  end
  for i, name in ipairs(BINARY) do
    binary_op[name] = i - 1
    assert(core.ffi.string(C.tide_binary_name(i - 1)) == name, "elementwise: op table out of date")
  end

  local function out_c(name, out)
    if getmetatable(out) ~= Tensor then raise(format("%s: out must be a tensor, got %s", name, type(out))) end
    return out._c
  end

  -- A Lua boolean as a 0-dim bool tensor, so true/false promote like bool scalars.
  local function bool_tensor(v) return tide.tensor(v) end

  local function need_tensor(name, t)
    if getmetatable(t) ~= Tensor then raise(format("%s: expected a tensor, got %s", name, type(t))) end
  end

  -- ---------------------------------------------------------------- binary

  -- Check the operands of op(a, b): tensors, numbers or booleans, at least one tensor. Returns
  -- the C arguments: x, y, mode (0: two tensors, 1: tensor op number, 2: number op tensor).
  local function operands(name, a, b)
    if getmetatable(a) == Tensor then
      if getmetatable(b) == Tensor then return a._c, b._c, 0 end
      local tb = type(b)
      if tb == "number" then return a._c, b, 1 end
      if tb == "boolean" then return a._c, bool_tensor(b)._c, 0 end
      raise(format("%s: expected a tensor or a number as second operand, got %s", name, tb))
    elseif getmetatable(b) == Tensor then
      local ta = type(a)
      if ta == "number" then return b._c, a, 2 end
      if ta == "boolean" then return bool_tensor(a)._c, b._c, 0 end
      raise(format("%s: expected a tensor or a number as first operand, got %s", name, ta))
    end
    raise(format("%s: expected at least one tensor operand, got %s and %s", name, type(a), type(b)))
  end

  local function call(op, x, y, mode, oc)
    if mode == 0 then return C_binary(op, x, y, oc) end
    return C_binary_scalar(op, x, y, mode - 1, oc)
  end

  local function make_binary(name)
    local op = binary_op[name]
    local function general(a, b, out)
      local x, y, mode = operands(name, a, b)
      if out ~= nil then
        if call(op, x, y, mode, out_c(name, out)) == nil then raise_c() end
        return out
      end
      local s = slot()
      return wrap(retry(call, op, x, y, mode, nil), nil, s)
    end
    local function f(a, b, out)
      -- the common case first, with nothing in between the checks and the C call
      if out == nil and getmetatable(a) == Tensor and getmetatable(b) == Tensor then
        local s = slot()
        return wrap(retry(C_binary, op, a._c, b._c, nil), nil, s)
      end
      return general(a, b, out)
    end
    local function f_(t, b)
      need_tensor(name .. "_", t)
      local x, y, mode = operands(name, t, b)
      if call(op, x, y, mode, t._c) == nil then raise_c() end
      return t
    end
    return f, f_
  end

  local binary, binary_ = {}, {}
  for _, name in ipairs(BINARY) do
    binary[name], binary_[name] = make_binary(name)
  end

  -- add / sub with alpha: tide.add(a, b, {alpha = 2, out = o}) computes a + 2 * b
  local function scaled(name, sign)
    local plain, plain_ = binary[name], binary_[name]
    local function check_scaled(a, b, alpha)
      if type(alpha) ~= "number" then raise(format("%s: alpha must be a number, got %s", name, type(alpha))) end
      if getmetatable(a) ~= Tensor then
        raise(format("%s: with alpha the first operand must be a tensor, got %s", name, type(a)))
      end
      if type(b) ~= "number" and getmetatable(b) ~= Tensor then
        raise(format("%s: expected a tensor or a number as second operand, got %s", name, type(b)))
      end
    end
    local function run(a, b, alpha, oc)
      check_scaled(a, b, alpha)
      if type(b) == "number" then return C_binary_scalar(binary_op.add, a._c, sign * alpha * b, 0, oc) end
      return C.tide_add_scaled(a._c, b._c, oc, sign * alpha)
    end
    local function f(a, b, opt)
      if opt == nil or getmetatable(opt) == Tensor then return plain(a, b, opt) end
      if type(opt) ~= "table" then
        raise(format("%s: third argument must be an out tensor or an options table, got %s", name, type(opt)))
      end
      local out, alpha = opt.out, opt.alpha
      if alpha == nil then return plain(a, b, out) end
      if out ~= nil then
        if run(a, b, alpha, out_c(name, out)) == nil then raise_c() end
        return out
      end
      check_scaled(a, b, alpha)
      local s = slot()
      return wrap(retry(run, a, b, alpha, nil), nil, s)
    end
    local function f_(t, b, alpha)
      if type(alpha) == "table" and getmetatable(alpha) ~= Tensor then alpha = alpha.alpha end
      if alpha == nil then return plain_(t, b) end
      need_tensor(name .. "_", t)
      if run(t, b, alpha, t._c) == nil then raise_c() end
      return t
    end
    return f, f_
  end
  binary.add, binary_.add = scaled("add", 1)
  binary.sub, binary_.sub = scaled("sub", -1)

  local aliases = {
    subtract = "sub", multiply = "mul", divide = "div", true_divide = "div", greater = "gt", greater_equal = "ge",
    less = "lt", less_equal = "le", not_equal = "ne",
  }
  for name, f in pairs(binary) do
    tide[name] = f
    methods[name] = f
    methods[name .. "_"] = binary_[name]
  end
  for alias, name in pairs(aliases) do
    tide[alias] = binary[name]
    methods[alias] = binary[name]
    methods[alias .. "_"] = binary_[name]
  end

  -- ---------------------------------------------------------------- unary

  local function make_unary(name)
    local op = unary_op[name]
    local function f(t, out)
      if getmetatable(t) ~= Tensor then raise(format("%s: expected a tensor, got %s", name, type(t))) end
      if out ~= nil then
        if C_unary(op, t._c, out_c(name, out)) == nil then raise_c() end
        return out
      end
      local s = slot()
      return wrap(retry(C_unary, op, t._c, nil), nil, s)
    end
    local function f_(t)
      if getmetatable(t) ~= Tensor then raise(format("%s_: expected a tensor, got %s", name, type(t))) end
      if C_unary(op, t._c, t._c) == nil then raise_c() end
      return t
    end
    return f, f_
  end

  local unary = {}
  for _, name in ipairs(UNARY) do
    local f, f_ = make_unary(name)
    unary[name] = f
    tide[name] = f
    methods[name] = f
    methods[name .. "_"] = f_
  end
  tide.negative, methods.negative, methods.negative_ = unary.neg, unary.neg, methods.neg_

  -- ---------------------------------------------------------------- operators
  local neg = unary.neg
  Tensor.__add = binary.add
  Tensor.__sub = binary.sub
  Tensor.__mul = binary.mul
  Tensor.__div = binary.div
  Tensor.__mod = binary.remainder
  Tensor.__pow = binary.pow
  Tensor.__unm = function(t) return neg(t) end -- Lua passes the operand twice; the second is not `out`

  -- ---------------------------------------------------------------- where, clamp, masked_fill

  local function scalar_value(name, what, v)
    if type(v) == "number" then return v end
    if type(v) == "boolean" then return v and 1 or 0 end
    raise(format("%s: %s must be a tensor or a number, got %s", name, what, type(v)))
  end

  -- where(cond, a, b, [out]): a where cond is nonzero, else b; a and b may be numbers
  local function where(cond, a, b, out)
    if getmetatable(cond) ~= Tensor then raise("where: condition must be a tensor, got " .. type(cond)) end
    local oc = out ~= nil and out_c("where", out) or nil
    if type(a) == "boolean" then a = bool_tensor(a) end -- bool scalars, so where(c, true, false) is bool
    if type(b) == "boolean" then b = bool_tensor(b) end
    local at, bt = getmetatable(a) == Tensor, getmetatable(b) == Tensor
    local ac, bc = at and a._c or nil, bt and b._c or nil
    local sa = at and 0 or scalar_value("where", "a", a)
    local sb = bt and 0 or scalar_value("where", "b", b)
    if oc ~= nil then
      if C.tide_where_scalar(cond._c, ac, bc, oc, sa, sb) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_where_scalar, cond._c, ac, bc, nil, sa, sb), nil, s)
  end
  tide.where = where
  -- t:where(cond, other) is where(cond, t, other), as in PyTorch
  methods.where = function(t, cond, other, out) return where(cond, t, other, out) end

  local NAN = 0 / 0
  local function bound(name, v, what)
    if v == nil then return NAN end
    if type(v) ~= "number" then
      raise(format("%s: %s must be a number, a tensor or nil, got %s", name, what, type(v)))
    end
    return v
  end

  -- clamp(t, lo, hi, [out]): nil means no bound; tensor bounds broadcast like maximum/minimum
  local function clamp_into(name, t, lo, hi, oc, out)
    if getmetatable(t) ~= Tensor then raise(format("%s: expected a tensor, got %s", name, type(t))) end
    if getmetatable(lo) == Tensor or getmetatable(hi) == Tensor then
      local r = t
      if lo ~= nil then r = binary.maximum(r, lo, hi == nil and out or nil) end
      if hi ~= nil then r = binary.minimum(r, hi, out) end
      return r
    end
    local l, h = bound(name, lo, "lower bound"), bound(name, hi, "upper bound")
    if oc ~= nil then
      if C.tide_clamp(t._c, oc, l, h) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_clamp, t._c, nil, l, h), nil, s)
  end
  local function clamp(t, lo, hi, out)
    return clamp_into("clamp", t, lo, hi, out ~= nil and out_c("clamp", out) or nil, out)
  end
  tide.clamp, methods.clamp = clamp, clamp
  tide.clip, methods.clip = clamp, clamp
  methods.clamp_ = function(t, lo, hi)
    need_tensor("clamp_", t)
    return clamp_into("clamp_", t, lo, hi, t._c, t)
  end
  methods.clip_ = methods.clamp_
  function methods.clamp_min(t, lo, out) return clamp(t, lo, nil, out) end
  function methods.clamp_max(t, hi, out) return clamp(t, nil, hi, out) end
  function methods.clamp_min_(t, lo) return methods.clamp_(t, lo, nil) end
  function methods.clamp_max_(t, hi) return methods.clamp_(t, nil, hi) end
  tide.clamp_min, tide.clamp_max = methods.clamp_min, methods.clamp_max

  -- masked_fill(t, mask, value, [out]): value where mask is true; mask broadcasts to t's shape
  local function masked_value(name, v)
    if getmetatable(v) == Tensor then
      if v:numel() ~= 1 then raise(format("%s: value tensor must have one element, got %d", name, v:numel())) end
      v = v:item()
    end
    return scalar_value(name, "value", v)
  end
  local function masked_fill(t, mask, value, out)
    need_tensor("masked_fill", t)
    if getmetatable(mask) ~= Tensor then raise("masked_fill: mask must be a tensor, got " .. type(mask)) end
    local v = masked_value("masked_fill", value)
    if out ~= nil then
      if C.tide_masked_fill(t._c, mask._c, out_c("masked_fill", out), v) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_masked_fill, t._c, mask._c, nil, v), nil, s)
  end
  tide.masked_fill, methods.masked_fill = masked_fill, masked_fill
  function methods.masked_fill_(t, mask, value)
    need_tensor("masked_fill_", t)
    if getmetatable(mask) ~= Tensor then raise("masked_fill_: mask must be a tensor, got " .. type(mask)) end
    if C.tide_masked_fill(t._c, mask._c, t._c, masked_value("masked_fill_", value)) == nil then raise_c() end
    return t
  end

  -- ---------------------------------------------------------------- whole-tensor comparisons

  -- equal(a, b): true when shapes and values match (values compared after promotion)
  local function equal(a, b)
    if getmetatable(a) ~= Tensor or getmetatable(b) ~= Tensor then
      raise(format("equal: expected two tensors, got %s and %s", type(a), type(b)))
    end
    local r = C.tide_equal(a._c, b._c)
    if r < 0 then raise_c() end
    return r == 1
  end
  tide.equal, methods.equal = equal, equal

  local function tol(name, v, default, what)
    if v == nil then return default end
    if type(v) ~= "number" then raise(format("%s: %s must be a number, got %s", name, what, type(v))) end
    return v
  end

  -- allclose(a, b, [rtol=1e-5], [atol=1e-8], [equal_nan=false]): |a - b| <= atol + rtol * |b| everywhere
  local function allclose(a, b, rtol, atol, equal_nan)
    if getmetatable(a) ~= Tensor or getmetatable(b) ~= Tensor then
      raise(format("allclose: expected two tensors, got %s and %s", type(a), type(b)))
    end
    local r = C.tide_allclose(a._c, b._c, tol("allclose", rtol, 1e-5, "rtol"), tol("allclose", atol, 1e-8, "atol"),
      equal_nan and 1 or 0)
    if r < 0 then raise_c() end
    return r == 1
  end
  tide.allclose, methods.allclose = allclose, allclose

  -- isclose(a, b, [rtol], [atol], [equal_nan], [out]): the elementwise test as a bool tensor
  local function isclose(a, b, rtol, atol, equal_nan, out)
    if getmetatable(a) ~= Tensor then raise("isclose: expected a tensor, got " .. type(a)) end
    if type(b) == "number" then b = tide.tensor(b, a.dtype) end
    if getmetatable(b) ~= Tensor then raise("isclose: expected a tensor or a number, got " .. type(b)) end
    local r, t = tol("isclose", rtol, 1e-5, "rtol"), tol("isclose", atol, 1e-8, "atol")
    local en = equal_nan and 1 or 0
    if out ~= nil then
      if C.tide_isclose(a._c, b._c, out_c("isclose", out), r, t, en) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_isclose, a._c, b._c, nil, r, t, en), nil, s)
  end
  tide.isclose, methods.isclose = isclose, isclose

  -- broadcast_shapes({2, 1}, {3}) -> {2, 3}
  local sbuf_a, sbuf_b, sbuf_o = core.ffi.new("int64_t[8]"), core.ffi.new("int64_t[8]"), core.ffi.new("int64_t[8]")
  function tide.broadcast_shapes(a, b)
    if type(a) ~= "table" or type(b) ~= "table" then raise("broadcast_shapes: expected two shape tables") end
    if #a > 8 or #b > 8 then raise("broadcast_shapes: at most 8 dims are supported") end
    for i = 1, #a do sbuf_a[i - 1] = a[i] end
    for i = 1, #b do sbuf_b[i - 1] = b[i] end
    local nd = C.tide_broadcast_shapes("broadcast_shapes", #a, sbuf_a, #b, sbuf_b, sbuf_o)
    if nd < 0 then raise_c() end
    local r = {}
    for i = 1, nd do r[i] = tonumber(sbuf_o[i - 1]) end
    return r
  end
end
