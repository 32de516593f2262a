-- F.linear(x [..., in], w [out, in], b [out] or nil) -> [..., out] = x @ w^T + b.
-- One GEMM forward (w^T is a transposed view: BLAS reads it in place) and, backward,
--   gx = g @ w,  gw = g^T @ x,  gb = sum of g over the rows
-- with the weight gradient produced directly in w's [out, in] layout.
local core = require("tide._core")
local autograd = require("tide.autograd")
local Tensor = core.Tensor
local raise = core.raise
local getmetatable, type = getmetatable, type
local format = string.format

local tide -- the library table, required lazily (tide.nn loads after tide)

local function linear(x, w, b)
  tide = tide or require("tide")
  if getmetatable(x) ~= Tensor then raise("linear: input must be a tensor, got " .. type(x)) end
  if getmetatable(w) ~= Tensor then raise("linear: weight must be a tensor, got " .. type(w)) end
  if w._c.ndim ~= 2 then raise(format("linear: weight must be 2-d [out, in], got %d-d", w._c.ndim)) end
  local nd = x._c.ndim
  if nd < 1 then raise("linear: input must have at least 1 dim [..., in_features], got a 0-d tensor") end
  local fin, fout = tonumber(w._c.shape[1]), tonumber(w._c.shape[0])
  local xin = tonumber(x._c.shape[nd - 1])
  if xin ~= fin then raise(format("linear: input has %d features, weight expects %d", xin, fin)) end
  if b ~= nil then
    if getmetatable(b) ~= Tensor then raise("linear: bias must be a tensor or nil, got " .. type(b)) end
    if b._c.ndim ~= 1 or tonumber(b._c.shape[0]) ~= fout then
      raise(format("linear: bias must have shape {%d}, got {%s}", fout, table.concat(b.shape, ", ")))
    end
  end
  if x._c.dtype ~= w._c.dtype then
    raise(format("linear: input is %s, weight is %s", x.dtype, w.dtype))
  end

  local record = autograd.needs(x, w, b)
  local x2
  local y2 = autograd.no_grad(function()
    x2 = nd == 2 and x or x:reshape(-1, fin)
    if b ~= nil then return tide.addmm(b, x2, w:t()) end
    return tide.mm(x2, w:t())
  end)
  local y = y2
  if nd ~= 2 then
    local shape = x.shape
    shape[nd] = fout
    y = y2:reshape(shape)
  end
  if record then
    autograd.record("linear", y, { x, w, b }, function(g, needs)
      local g2 = nd == 2 and g or g:reshape(-1, fout)
      local gx, gw, gb
      if needs[1] then
        gx = g2:mm(w)
        if nd ~= 2 then gx = gx:reshape(x.shape) end
      end
      if needs[2] then gw = g2:t():mm(x2) end
      if needs[3] then gb = g2:sum(1) end
      return gx, gw, gb
    end)
  end
  return y
end

return { linear = linear }
