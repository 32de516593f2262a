-- tide.ops.linalg: matrix products over core/linalg.c (OpenBLAS for float32/float64):
-- matmul (NumPy/PyTorch rules: dot, gemv, batched gemm with broadcast batch dims), mm, bmm, mv,
-- dot, outer, addmm. Each is a function tide.NAME(a, b, [out]) and a method a:NAME(b, [out]).
-- Lua has no @ operator and `*` stays elementwise: write a:matmul(b) or tide.matmul(a, b).
local core = require("tide._core")
local tensor = require("tide.tensor")
local C = core.C
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local Tensor = core.Tensor
local getmetatable, type = getmetatable, type

local function bad_arg(op, i, x)
  raise(string.format("%s: expected a tensor as argument %d, got %s", op, i, type(x)))
end

-- f(a, b, [out]) for a C function cfn(a, b, out). A given out is filled and returned as is;
-- otherwise the result is a new tensor (tiny ones live in a Lua-collected result slot).
local function binary(op, cfn)
  return function(a, b, out)
    if getmetatable(a) ~= Tensor then bad_arg(op, 1, a) end
    if getmetatable(b) ~= Tensor then bad_arg(op, 2, b) end
    if out ~= nil then
      if getmetatable(out) ~= Tensor then raise(op .. ": out must be a tensor, got " .. type(out)) end
      if cfn(a._c, b._c, out._c) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(cfn, a._c, b._c, nil), nil, s)
  end
end

-- addmm options: a table {beta =, alpha =, out =}, or positional beta, alpha, out.
local function addmm_opts(opts, alpha, out)
  local beta = 1
  if type(opts) == "table" and getmetatable(opts) ~= Tensor then
    beta, alpha, out = opts.beta, opts.alpha, opts.out
  else
    beta = opts
  end
  if beta == nil then beta = 1 end
  if alpha == nil then alpha = 1 end
  if type(beta) ~= "number" then raise("addmm: beta must be a number, got " .. type(beta)) end
  if type(alpha) ~= "number" then raise("addmm: alpha must be a number, got " .. type(alpha)) end
  if out ~= nil and getmetatable(out) ~= Tensor then raise("addmm: out must be a tensor, got " .. type(out)) end
  return beta, alpha, out
end

return function(tide)
  local methods = tide.Tensor.methods

  for _, name in ipairs({ "matmul", "mm", "bmm", "mv", "dot", "outer" }) do
    local f = binary(name, C["tide_" .. name])
    tide[name] = f
    methods[name] = f
  end
  tide.ger, methods.ger = tide.outer, methods.outer -- BLAS / Torch7 name
  tide.inner = function(a, b, out) return tide.dot(a, b, out) end

  -- addmm(c, a, b, {beta = 1, alpha = 1, out = nil}) = beta * c + alpha * (a @ b)
  function tide.addmm(c, a, b, opts, alpha, out)
    if getmetatable(c) ~= Tensor then bad_arg("addmm", 1, c) end
    if getmetatable(a) ~= Tensor then bad_arg("addmm", 2, a) end
    if getmetatable(b) ~= Tensor then bad_arg("addmm", 3, b) end
    local beta
    beta, alpha, out = addmm_opts(opts, alpha, out)
    if out ~= nil then
      if C.tide_addmm(c._c, a._c, b._c, out._c, beta, alpha) == nil then raise_c() end
      return out
    end
    local s = slot()
    return wrap(retry(C.tide_addmm, c._c, a._c, b._c, nil, beta, alpha), nil, s)
  end
  methods.addmm = tide.addmm
  -- in place: c <- beta * c + alpha * (a @ b)
  function methods.addmm_(c, a, b, opts, alpha)
    local beta
    beta, alpha = addmm_opts(opts, alpha)
    return tide.addmm(c, a, b, { beta = beta, alpha = alpha, out = c })
  end
end
