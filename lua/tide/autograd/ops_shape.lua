-- Derivatives of views, joins and index ops (see ops.lua for the wrapping scheme).
--
-- A view that picks a region (narrow, slice, select, indexing) sends its gradient back by
-- applying the same view to a zero tensor shaped like the input and copying the gradient in.
-- Indexing that yields one element returns a number normally, and a 0-d tensor while recorded.
local core = require("tide._core")
local tensor = require("tide.tensor")
local Tensor = core.Tensor
local getmetatable, type = getmetatable, type

return function(tide, A, install)
  local methods = Tensor.methods
  local needs, record = A.needs, A.record

  local function isT(x) return getmetatable(x) == Tensor end

  -- views that keep every element: the gradient is reshaped back
  for _, name in ipairs({ "view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous" }) do
    local raw = methods[name]
    install(name, function(x, ...)
      if needs(x) then
        local y = raw(x, ...)
        return record(name, y, { x }, function(g) return g:reshape(x.shape) end)
      end
      return raw(x, ...)
    end, raw, (name == "view" or name == "reshape") and "v" or 1)
  end

  do
    local raw = methods.clone
    install("clone", function(x, ...)
      if needs(x) then return record("clone", raw(x, ...), { x }, function(g) return g end) end
      return raw(x, ...)
    end, raw, "v")
    local raw_to = methods.to
    methods.to = A.guard(raw_to, function(x, dtype)
      if needs(x) and (dtype == "float32" or dtype == "float64") then
        return record("to", raw_to(x, dtype), { x }, function(g) return g end)
      end
      return raw_to(x, dtype)
    end, 1)
    methods.type_as = function(x, o) return x:to(o.dtype) end
    -- expand: the engine sums the gradient back to the input's shape
    local raw_exp = methods.expand
    install("expand", function(x, ...)
      if needs(x) then return record("expand", raw_exp(x, ...), { x }, function(g) return g end) end
      return raw_exp(x, ...)
    end, raw_exp, "v")
  end

  do
    local raw = methods.permute
    install("permute", function(x, ...)
      if needs(x) then
        local y = raw(x, ...)
        local dims = ...
        if type(dims) ~= "table" then dims = { ... } end
        local nd, inv = x._c.ndim, {}
        for i, d in ipairs(dims) do
          if d < 0 then d = nd + d + 1 end
          inv[d] = i
        end
        return record("permute", y, { x }, function(g) return g:permute(inv) end)
      end
      return raw(x, ...)
    end, raw, "v")
    local raw_tr = methods.transpose
    install("transpose", function(x, d0, d1)
      if needs(x) then
        return record("transpose", raw_tr(x, d0, d1), { x }, function(g) return g:transpose(d0, d1) end)
      end
      return raw_tr(x, d0, d1)
    end, raw_tr, 1)
    local raw_t = methods.t
    methods.t = A.guard(raw_t, function(x)
      if needs(x) then return record("t", raw_t(x), { x }, function(g) return g:t() end) end
      return raw_t(x)
    end, 1)
  end

  -- region views
  local function region(name, raw)
    install(name, function(x, ...)
      if needs(x) then
        local y = raw(x, ...)
        local n, args = select("#", ...), { ... }
        return record(name, y, { x }, function(g)
          local gx = tide.zeros_like(x)
          raw(gx, unpack(args, 1, n)):copy_(g)
          return gx
        end)
      end
      return raw(x, ...)
    end, raw, 1)
  end
  region("narrow", methods.narrow)
  region("slice", methods.slice)
  region("select", methods.select)

  -- t[i], t[{...}]: Tensor.__index with recording
  do
    local apply_index = tensor.apply_index
    local old_index = Tensor.__index
    local function recorded_index(t, k)
      local r = apply_index(t, k, "index")
      return record("index", r, { t }, function(g)
        local gx = tide.zeros_like(t)
        apply_index(gx, k, "index"):copy_(g)
        return gx
      end)
    end
    Tensor.__index = function(t, k)
      local tk = type(k)
      if (tk == "number" or tk == "table") and needs(t) then return recorded_index(t, k) end
      return old_index(t, k)
    end
  end

  -- split / chunk: several views; the gradient of each goes to its part of the input
  for _, name in ipairs({ "split", "chunk" }) do
    local raw = tide[name]
    install(name, function(x, a, dim)
      if needs(x) then
        local parts = raw(x, a, dim)
        record(name, parts, { x }, function(gs)
          local gx = tide.zeros_like(x)
          local gparts = raw(gx, a, dim)
          for j = 1, #parts do
            if gs[j] ~= nil then gparts[j]:copy_(gs[j]) end
          end
          return gx
        end)
        return parts
      end
      return raw(x, a, dim)
    end, raw, 1)
  end

  -- ---------------------------------------------------------------- joins
  local function any_needs(ts)
    if type(ts) ~= "table" or isT(ts) then return false end
    for i = 1, #ts do
      if needs(ts[i]) then return true end
    end
    return false
  end
  local function norm_dim(d, nd) return d < 0 and nd + d + 1 or d end
  -- cat / stack take a list of tensors: the guard looks into it
  local function list_guard(raw, slow)
    return function(ts, dim, out)
      if any_needs(ts) then return slow(ts, dim, out) end
      return raw(ts, dim, out)
    end
  end

  do
    local raw = tide.cat
    local function cat(ts, dim, out)
      if out == nil and any_needs(ts) then
        local y = raw(ts, dim)
        local inputs = {}
        for i = 1, #ts do inputs[i] = ts[i] end
        local d = norm_dim(dim or 1, y._c.ndim)
        return record("cat", y, inputs, function(g, nd)
          local grads, start = {}, 1
          for i = 1, #inputs do
            local t = inputs[i]
            if not (t._c.ndim == 1 and t._c.numel == 0) then
              local len = t.shape[d]
              if nd[i] then grads[i] = g:narrow(d, start, len) end
              start = start + len
            end
          end
          return unpack(grads, 1, #inputs)
        end)
      end
      return raw(ts, dim, out)
    end
    cat = list_guard(raw, cat)
    tide.cat, tide.concat, tide.concatenate = cat, cat, cat

    local raw_stack = tide.stack
    tide.stack = list_guard(raw_stack, function(ts, dim, out)
      if out == nil and any_needs(ts) then
        local y = raw_stack(ts, dim)
        local inputs = {}
        for i = 1, #ts do inputs[i] = ts[i] end
        local d = norm_dim(dim or 1, y._c.ndim)
        return record("stack", y, inputs, function(g, nd)
          local grads = {}
          for i = 1, #inputs do
            if nd[i] then grads[i] = g:select(d, i) end
          end
          return unpack(grads, 1, #inputs)
        end)
      end
      return raw_stack(ts, dim, out)
    end)
  end

  -- ---------------------------------------------------------------- index ops
  -- ops whose fourth argument (src) can carry a gradient too
  local SRC_AT_4 = { scatter = 14, scatter_add = 14, index_add = 14 }
  local function simple(name, fn_record, k)
    local raw = tide[name]
    install(name, function(x, a, b, c, d)
      local r = fn_record(raw, x, a, b, c, d)
      if r ~= nil then return r end
      return raw(x, a, b, c, d)
    end, raw, k or SRC_AT_4[name] or 1)
  end

  simple("index_select", function(raw, x, dim, idx, out)
    if out ~= nil or not needs(x) then return nil end
    return record("index_select", raw(x, dim, idx), { x }, function(g)
      return tide.zeros_like(x):index_add(dim, idx, g)
    end)
  end)
  simple("gather", function(raw, x, dim, idx, out)
    if out ~= nil or not needs(x) then return nil end
    return record("gather", raw(x, dim, idx), { x }, function(g)
      return tide.zeros_like(x):scatter_add(dim, idx, g)
    end)
  end)
  simple("take", function(raw, x, idx, out)
    if out ~= nil or not needs(x) then return nil end
    return record("take", raw(x, idx), { x }, function(g)
      local flat = tide.zeros(x:numel(), x.dtype)
      return flat:index_add(1, idx:reshape(-1), g:reshape(-1)):reshape(x.shape)
    end)
  end)
  simple("masked_select", function(raw, x, mask)
    if not needs(x) then return nil end
    return record("masked_select", raw(x, mask), { x }, function(g)
      local pos = mask:expand(x.shape):reshape(-1):nonzero():reshape(-1)
      local flat = tide.zeros(x:numel(), x.dtype)
      return flat:index_add(1, pos, g):reshape(x.shape)
    end)
  end)
  simple("scatter", function(raw, x, dim, idx, src, out)
    if out ~= nil or not needs(x, src) then return nil end
    return record("scatter", raw(x, dim, idx, src), { x, src }, function(g, nd)
      return nd[1] and g:scatter(dim, idx, 0) or nil, nd[2] and g:gather(dim, idx) or nil
    end)
  end)
  simple("scatter_add", function(raw, x, dim, idx, src, out)
    if out ~= nil or not needs(x, src) then return nil end
    return record("scatter_add", raw(x, dim, idx, src), { x, src }, function(g, nd)
      return nd[1] and g or nil, nd[2] and g:gather(dim, idx) or nil
    end)
  end)
  simple("index_add", function(raw, x, dim, idx, src, alpha)
    if not needs(x, src) then return nil end
    local k = alpha or 1
    return record("index_add", raw(x, dim, idx, src, alpha), { x, src }, function(g, nd)
      return nd[1] and g or nil, nd[2] and g:index_select(dim, idx) * k or nil
    end)
  end)

  require("tide.autograd.ops_linalg")(tide, A, install)
end
