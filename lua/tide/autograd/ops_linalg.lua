-- Derivatives of the matrix products (see ops.lua for the wrapping scheme).
--   y = a @ b:  ga = g @ b^T,  gb = a^T @ g   (batch dims broadcast: the engine sums them back)
local core = require("tide._core")
local Tensor = core.Tensor
local getmetatable, type = getmetatable, type

return function(tide, A, install)
  local needs, record = A.needs, A.record

  local function T(x) return x:transpose(-1, -2) end

  local function product(name, grads)
    local raw = tide[name]
    install(name, function(a, b, out)
      if out == nil and needs(a, b) then
        local y = raw(a, b)
        return record(name, y, { a, b }, function(g, nd) return grads(g, a, b, nd) end)
      end
      return raw(a, b, out)
    end, raw, 2)
  end

  product("mm", function(g, a, b, nd) return nd[1] and g:mm(b:t()) or nil, nd[2] and a:t():mm(g) or nil end)
  product("bmm", function(g, a, b, nd) return nd[1] and g:bmm(T(b)) or nil, nd[2] and T(a):bmm(g) or nil end)
  product("mv", function(g, a, v, nd) return nd[1] and tide.outer(g, v) or nil, nd[2] and a:t():mv(g) or nil end)
  product("dot", function(g, a, b, nd) return nd[1] and b * g or nil, nd[2] and a * g or nil end)
  product("outer", function(g, a, b, nd) return nd[1] and g:mv(b) or nil, nd[2] and g:t():mv(a) or nil end)
  tide.ger, Tensor.methods.ger = tide.outer, tide.outer

  -- matmul: 1-d operands are promoted to matrices ([K] -> [1, K] on the left, [K, 1] on the
  -- right), the gradient computed as for matrices, then brought back to each operand's shape.
  product("matmul", function(g, a, b, nd)
    local a1, b1 = a._c.ndim == 1, b._c.ndim == 1
    local a2 = a1 and a:unsqueeze(1) or a
    local b2 = b1 and b:unsqueeze(2) or b
    local g2 = g
    if a1 and b1 then g2 = g:reshape({ 1, 1 })
    elseif a1 then g2 = g:unsqueeze(-2)
    elseif b1 then g2 = g:unsqueeze(-1) end
    local ga, gb
    if nd[1] then
      ga = tide.matmul(g2, T(b2))
      ga = A.sum_to(ga, a2.shape, a2._c.ndim)
      if a1 then ga = ga:reshape(a.shape) end
    end
    if nd[2] then
      gb = tide.matmul(T(a2), g2)
      gb = A.sum_to(gb, b2.shape, b2._c.ndim)
      if b1 then gb = gb:reshape(b.shape) end
    end
    return ga, gb
  end)
  Tensor.__matmul = nil

  -- addmm(c, a, b, {beta, alpha}) = beta * c + alpha * a @ b
  do
    local raw = tide.addmm
    local function addmm(c, a, b, opts, alpha, out)
      if needs(c, a, b) then
        local beta, al = 1, 1
        if type(opts) == "table" and getmetatable(opts) ~= Tensor then
          beta, al, out = opts.beta or 1, opts.alpha or 1, opts.out
        else
          beta, al = opts or 1, alpha or 1
        end
        if out == nil then
          local y = raw(c, a, b, { beta = beta, alpha = al })
          return record("addmm", y, { c, a, b }, function(g, nd)
            return nd[1] and (beta == 1 and g or g * beta) or nil,
              nd[2] and g:mm(b:t()) * al or nil,
              nd[3] and a:t():mm(g) * al or nil
          end)
        end
      end
      return raw(c, a, b, opts, alpha, out)
    end
    install("addmm", addmm, raw, 3)
  end
end
