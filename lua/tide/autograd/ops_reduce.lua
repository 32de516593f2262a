-- Derivatives of the reductions and scans (see ops.lua for the wrapping scheme).
--
-- A whole-tensor reduction (t:sum()) returns a Lua number, except while it is recorded: a number
-- cannot carry a graph, so then it returns a 0-d tensor (loss:backward() and loss:item() work).
local core = require("tide._core")
local Tensor = core.Tensor
local getmetatable, type, next = getmetatable, type, next

return function(tide, A, install)
  local needs, record = A.needs, A.record

  local function is_opts(x) return type(x) == "table" and getmetatable(x) == nil and x[1] == nil and next(x) ~= nil end

  -- (dim, opts) as the reductions take them -> sorted positive dims (nil = all), keepdim,
  -- opts, and whether the call asks for something we do not record (out =).
  local function parse(x, dim, opts)
    if is_opts(dim) and opts == nil then opts, dim = dim, dim.dim end
    local keepdim = false
    if type(opts) == "boolean" then keepdim = opts
    elseif type(opts) == "table" and getmetatable(opts) == nil then
      keepdim = opts.keepdim or false
      if dim == nil then dim = opts.dim end
      if opts.out ~= nil then return nil, keepdim, opts, true end
    end
    local nd = x._c.ndim
    local dims
    if dim ~= nil then
      dims = {}
      local list = type(dim) == "table" and dim or { dim }
      for i = 1, #list do
        local d = list[i]
        if type(d) ~= "number" then return nil, keepdim, opts, true end -- let the op raise
        dims[i] = d < 0 and nd + d + 1 or d
      end
      table.sort(dims)
    end
    return dims, keepdim, opts, false
  end

  local function all_dims(x)
    local nd = x._c.ndim
    if nd == 0 then return { 1 } end
    local d = {}
    for i = 1, nd do d[i] = i end
    return d
  end

  -- g (shaped like the reduction's result) back to x's shape, as a broadcast view
  local function expand_back(g, x, dims, keepdim)
    if x._c.ndim == 0 then return g:reshape({}) end
    if not keepdim then
      for _, d in ipairs(dims) do g = g:unsqueeze(d) end
    end
    return g:expand(x.shape)
  end

  local function count(x, dims)
    local n, shape = 1, x.shape
    if x._c.ndim == 0 then return 1 end
    for _, d in ipairs(dims) do n = n * shape[d] end
    return n
  end

  -- A reduction f(x, dim, opts); d(g_expanded, x, y_expanded, dims, opts) -> gx.
  local function reduction(name, d, extra_first)
    local raw = tide[name]
    local function f(x, dim, opts)
      if needs(x) and not (extra_first and getmetatable(dim) == Tensor) then
        local dims, keepdim, o, skip = parse(x, dim, opts)
        if not skip then
          local whole = dims == nil
          if whole then dims = all_dims(x) end
          local y
          if whole then
            local o2 = {}
            if type(o) == "table" then for k, v in pairs(o) do o2[k] = v end end
            o2.dim, o2.keepdim = dims, keepdim
            y = raw(x, o2)
          else
            y = raw(x, dim, opts)
          end
          return record(name, y, { x }, function(g)
            return d(expand_back(g, x, dims, keepdim), x, expand_back(y, x, dims, keepdim), dims, o)
          end)
        end
      end
      return raw(x, dim, opts)
    end
    install(name, f, raw, 1)
  end

  reduction("sum", function(g) return g end)
  reduction("mean", function(g, x, _, dims) return g / count(x, dims) end)
  reduction("prod", function(g, x, y) return g * y / x end)
  reduction("logsumexp", function(g, x, y) return g * (x - y):exp() end)
  local function extreme_grad(g, x, y, dims)
    local mask = x:eq(y):to(g.dtype)
    local n = mask:sum(dims, true)
    return g * mask / n
  end
  reduction("amax", extreme_grad)
  reduction("amin", extreme_grad)

  local function correction(o)
    if type(o) ~= "table" then return 1 end
    if o.correction ~= nil then return o.correction end
    if o.unbiased ~= nil then return o.unbiased and 1 or 0 end
    return 1
  end
  reduction("var", function(g, x, _, dims, o)
    local m = x:mean(dims, true)
    return g * (x - m) * (2 / (count(x, dims) - correction(o)))
  end)
  reduction("std", function(g, x, y, dims, o)
    local m = x:mean(dims, true)
    return g * (x - m) / (y * (count(x, dims) - correction(o)))
  end)

  -- norm(p, dim, opts)
  do
    local raw = tide.norm
    local function f(x, p, dim, opts)
      if needs(x) then
        local pp, dd, oo = p, dim, opts
        if is_opts(p) and dim == nil then pp, dd, oo = p.p, p.dim, p end
        if pp == nil or pp == "fro" then pp = 2 elseif pp == "inf" then pp = math.huge elseif pp == "-inf" then pp = -math.huge end
        local dims, keepdim, _, skip = parse(x, dd, oo)
        if not skip and type(pp) == "number" and pp > 0 then
          if dims == nil then dims = all_dims(x) end
          local y = raw(x, pp, dims, { keepdim = keepdim, dtype = type(oo) == "table" and oo.dtype or nil })
          return record("norm", y, { x }, function(g)
            local ge, ye = expand_back(g, x, dims, keepdim), expand_back(y, x, dims, keepdim)
            if pp == 1 then return ge * x:sign() end
            if pp == math.huge then return extreme_grad(ge, x:abs(), ye, dims) * x:sign() end
            local r
            if pp == 2 then r = ge * x / ye
            else r = ge * x * x:abs():pow(pp - 2) / ye:pow(pp - 1) end
            return r:masked_fill(ye:eq(0), 0)
          end)
        end
      end
      return raw(x, p, dim, opts)
    end
    install("norm", f, raw, 1)
  end

  -- max/min with a dim: values and indices; only the values carry gradients
  for _, spec in ipairs({ { "max", "amax" }, { "min", "amin" } }) do
    local name, whole = spec[1], spec[2]
    local raw = tide[name]
    local function f(x, dim, opts)
      if needs(x) and getmetatable(dim) ~= Tensor then
        local dims, keepdim, _, skip = parse(x, dim, opts)
        if not skip then
          if dims == nil then return tide[whole](x, opts) end
          local v, i = raw(x, dim, opts)
          local d = dims[1]
          record(name, v, { x }, function(g)
            local gi, ii = g, i
            if not keepdim and x._c.ndim > 0 then gi, ii = g:unsqueeze(d), i:unsqueeze(d) end
            return tide.zeros_like(x):scatter_add(d, ii, gi)
          end)
          return v, i
        end
      end
      return raw(x, dim, opts)
    end
    install(name, f, raw, 1)
  end
  -- the elementwise form max(a, b) goes through maximum (wrapped in ops.lua)
  for _, name in ipairs({ "max", "min" }) do
    local f = tide[name]
    local elem = name == "max" and "maximum" or "minimum"
    local g = function(x, dim, opts)
      if getmetatable(dim) == Tensor then return tide[elem](x, dim, opts) end
      return f(x, dim, opts)
    end
    install(name, g)
  end

  -- scans
  do
    local raw = tide.cumsum
    install("cumsum", function(x, dim, opts)
      if needs(x) and opts == nil and type(dim) == "number" then
        local y = raw(x, dim)
        local d = dim
        return record("cumsum", y, { x }, function(g)
          -- reverse cumulative sum: total - cumsum + g
          return g:sum(d, true) - g:cumsum(d) + g
        end)
      end
      return raw(x, dim, opts)
    end, raw, 1)
    local rawp = tide.cumprod
    install("cumprod", function(x, dim, opts)
      if needs(x) and opts == nil and type(dim) == "number" then
        local y = rawp(x, dim)
        local d = dim
        return record("cumprod", y, { x }, function(g)
          local gy = g * y
          return (gy:sum(d, true) - gy:cumsum(d) + gy) / x
        end)
      end
      return rawp(x, dim, opts)
    end, rawp, 1)
  end
end
