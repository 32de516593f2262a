-- The derivatives of Tide's tensor ops. Each differentiable op is replaced, in the tide table,
-- in Tensor methods and in the operator metamethods, by a wrapper that calls the original and,
-- when an argument requires grad (and grad mode is on), records a node whose backward computes
-- the input gradients with tensor ops (C kernels). With nothing requiring grad the wrapper costs
-- one or two field checks.
--
-- In-place forms (add_, exp_, ...) refuse to run on tensors that take part in recording: they
-- would silently corrupt the values a backward needs. Run updates under tide.no_grad.
local core = require("tide._core")
local Tensor = core.Tensor
local raise = core.raise
local getmetatable, rawget, type = getmetatable, rawget, type
local format = string.format

return function(tide, A)
  local methods = Tensor.methods
  local needs, record, req = A.needs, A.record, A.requires

  -- install(name, slow, raw, k): the guarded op (see autograd.guard) as tide.NAME and t:NAME
  local guard = A.guard
  local function install(name, f, raw, k)
    if raw ~= nil then f = guard(raw, f, k) end
    tide[name] = f
    methods[name] = f
    return f
  end

  -- ---------------------------------------------------------------- elementwise unary
  -- backward from the saved output with the fused kernels of core/activation.c
  local function fused(kernel)
    return function(g, _, y)
      local gx = tide.empty_like(g)
      if kernel(g._c, y._c, gx._c, 0) ~= 0 then core.raise_c() end
      return gx
    end
  end
  local C = core.C
  local LN2, LN10 = math.log(2), math.log(10)
  local TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
  local UNARY = {
    neg = function(g) return -g end,
    abs = function(g, x) return g * x:sign() end,
    sqrt = function(g, _, y) return g * 0.5 / y end,
    rsqrt = function(g, _, y) return g * -0.5 * y * y * y end,
    exp = function(g, _, y) return g * y end,
    log = function(g, x) return g / x end,
    log2 = function(g, x) return g / (x * LN2) end,
    log10 = function(g, x) return g / (x * LN10) end,
    log1p = function(g, x) return g / (x + 1) end,
    expm1 = function(g, _, y) return g * (y + 1) end,
    sin = function(g, x) return g * x:cos() end,
    cos = function(g, x) return -(g * x:sin()) end,
    tan = function(g, _, y) return g * (y * y + 1) end,
    asin = function(g, x) return g * (1 - x * x):rsqrt() end,
    acos = function(g, x) return -(g * (1 - x * x):rsqrt()) end,
    atan = function(g, x) return g / (x * x + 1) end,
    sinh = function(g, x) return g * x:cosh() end,
    cosh = function(g, x) return g * x:sinh() end,
    tanh = fused(C.tide_tanh_backward),
    sigmoid = fused(C.tide_sigmoid_backward),
    relu = fused(C.tide_relu_backward),
    erf = function(g, x) return g * (-(x * x)):exp() * TWO_OVER_SQRT_PI end,
    square = function(g, x) return g * x * 2 end,
    reciprocal = function(g, _, y) return -(g * y * y) end,
  }
  -- piecewise constant: the gradient is zero almost everywhere
  for _, name in ipairs({ "floor", "ceil", "round", "trunc", "sign" }) do
    UNARY[name] = function(g) return tide.zeros_like(g) end
  end

  for name, d in pairs(UNARY) do
    local raw = tide[name]
    local function f(x, out)
      if out == nil and needs(x) then
        local y = raw(x)
        return record(name, y, { x }, function(g) return d(g, x, y) end)
      end
      return raw(x, out)
    end
    install(name, f, raw, 1)
  end
  tide.negative, methods.negative = tide.neg, tide.neg
  Tensor.__unm = function(t) return tide.neg(t) end

  -- ---------------------------------------------------------------- elementwise binary
  local function isT(x) return getmetatable(x) == Tensor end

  -- weights of a for maximum (1 where a wins, 1/2 at ties); minimum uses lt
  local function winner(a, b, cmp, dtype)
    return tide[cmp](a, b):to(dtype) + tide.eq(a, b):to(dtype) * 0.5
  end

  local BINARY = {
    mul = function(g, a, b, _, nd) return nd[1] and g * b, nd[2] and g * a end,
    div = function(g, a, b, y, nd) return nd[1] and g / b, nd[2] and -(g * y / b) end,
    pow = function(g, a, b, y, nd)
      local ga, gb
      if nd[1] then ga = g * b * tide.pow(a, b - 1) end
      if nd[2] then
        if isT(a) then
          gb = (g * y * tide.log(a)):masked_fill(tide.eq(a, 0), 0)
        else
          gb = g * y * math.log(a)
        end
      end
      return ga, gb
    end,
    maximum = function(g, a, b, _, nd)
      local w = winner(a, b, "gt", g.dtype)
      return nd[1] and g * w, nd[2] and g * (1 - w)
    end,
    minimum = function(g, a, b, _, nd)
      local w = winner(a, b, "lt", g.dtype)
      return nd[1] and g * w, nd[2] and g * (1 - w)
    end,
    atan2 = function(g, a, b, _, nd)
      local den = a * a + b * b
      return nd[1] and g * b / den, nd[2] and -(g * a / den)
    end,
    remainder = function(g, a, b, _, nd)
      return nd[1] and g, nd[2] and -(g * tide.floor_divide(a, b))
    end,
  }
  for name, d in pairs(BINARY) do
    local raw = tide[name]
    local function f(a, b, out)
      if out == nil and needs(a, b) then
        local y = raw(a, b)
        return record(name, y, { a, b }, function(g, nd)
          local ga, gb = d(g, a, b, y, nd)
          return ga or nil, gb or nil
        end)
      end
      return raw(a, b, out)
    end
    install(name, f, raw, 2)
  end
  for alias, name in pairs({ multiply = "mul", divide = "div", true_divide = "div" }) do
    tide[alias], methods[alias] = tide[name], tide[name]
  end

  -- add / sub: the third argument is an out tensor or {alpha =, out =}
  for _, spec in ipairs({ { "add", 1 }, { "sub", -1 } }) do
    local name, sign = spec[1], spec[2]
    local raw = tide[name]
    local function f(a, b, opt)
      if needs(a, b) then
        local alpha
        if opt == nil then alpha = 1
        elseif type(opt) == "table" and not isT(opt) and opt.out == nil then alpha = opt.alpha or 1 end
        if alpha ~= nil then
          local y = raw(a, b, opt)
          local k = sign * alpha
          return record(name, y, { a, b }, function(g, nd)
            return nd[1] and g or nil, nd[2] and (k == 1 and g or g * k) or nil
          end)
        end
      end
      return raw(a, b, opt)
    end
    install(name, f, raw, 2)
  end
  tide.subtract, methods.subtract = tide.sub, tide.sub

  Tensor.__add, Tensor.__sub, Tensor.__mul = tide.add, tide.sub, tide.mul
  Tensor.__div, Tensor.__mod, Tensor.__pow = tide.div, tide.remainder, tide.pow

  -- In-place forms: refuse while recording on tensors that require grad.
  local INPLACE = {}
  for name in pairs(UNARY) do INPLACE[#INPLACE + 1] = name .. "_" end
  for name in pairs(BINARY) do INPLACE[#INPLACE + 1] = name .. "_" end
  for _, n in ipairs({ "add_", "sub_", "clamp_", "masked_fill_", "copy_", "fill_", "zero_", "addmm_",
    "scatter_", "scatter_add_", "index_add_", "put_", "uniform_", "normal_", "random_" }) do
    INPLACE[#INPLACE + 1] = n
  end
  for _, name in ipairs(INPLACE) do
    local raw = methods[name]
    if raw then
      methods[name] = function(t, a, ...)
        if A.is_enabled() and (req(t) or req(a)) then
          raise(format("%s: in-place operation on a tensor that requires grad while recording; " ..
            "use the out-of-place form, or run it under tide.no_grad", name))
        end
        return raw(t, a, ...)
      end
    end
  end

  -- where / clamp / masked_fill
  do
    local raw_where = tide.where
    local function where(cond, a, b, out)
      if out == nil and needs(a, b) then
        local y = raw_where(cond, a, b)
        return record("where", y, { cond, a, b }, function(g, nd)
          return nil, nd[2] and raw_where(cond, g, 0) or nil, nd[3] and raw_where(cond, 0, g) or nil
        end)
      end
      return raw_where(cond, a, b, out)
    end
    where = guard(raw_where, where, 23)
    tide.where = where
    methods.where = function(t, cond, other, out) return where(cond, t, other, out) end

    local raw_clamp = tide.clamp
    local function clamp(x, lo, hi, out)
      if out == nil and needs(x) and not isT(lo) and not isT(hi) then
        local y = raw_clamp(x, lo, hi)
        return record("clamp", y, { x }, function(g)
          local keep
          if lo ~= nil then keep = x:ge(lo) end
          if hi ~= nil then
            local k2 = x:le(hi)
            keep = keep and tide.logical_and(keep, k2) or k2
          end
          return keep and g * keep or g
        end)
      end
      return raw_clamp(x, lo, hi, out)
    end
    clamp = install("clamp", clamp, raw_clamp, 1)
    install("clip", clamp)
    methods.clamp_min = function(t, lo, out) return clamp(t, lo, nil, out) end
    methods.clamp_max = function(t, hi, out) return clamp(t, nil, hi, out) end
    tide.clamp_min, tide.clamp_max = methods.clamp_min, methods.clamp_max

    local raw_mf = tide.masked_fill
    local function masked_fill(x, mask, v, out)
      if out == nil and needs(x) then
        local y = raw_mf(x, mask, v)
        return record("masked_fill", y, { x }, function(g) return raw_mf(g, mask, 0) end)
      end
      return raw_mf(x, mask, v, out)
    end
    install("masked_fill", masked_fill, raw_mf, 1)
  end

  require("tide.autograd.ops_reduce")(tide, A, install)
  require("tide.autograd.ops_shape")(tide, A, install)
end
