-- F.embedding(ids, weight [V, D], {padding_idx = nil, scale_grad_by_freq = false}) -> [ids..., D]
-- ids: an int64 (or int32) tensor of any shape holding 1-based row numbers of weight. Forward is
-- one index_select of rows; backward adds each position's gradient row into its id's row
-- (index_add_, duplicates accumulate). The padding_idx row (1-based; negative counts from the
-- end) gets no gradient. scale_grad_by_freq divides each row's gradient by how often its id
-- occurs in the batch.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local wrap, raise, raise_c, retry, slot = core.wrap, core.raise, core.raise_c, core.retry, core.slot
local getmetatable, type, tostring = getmetatable, type, tostring
local format = string.format
local ffi = core.ffi

local INT32, INT64 = 2, 3

local tide -- the library table, required lazily

-- The first id outside [1, V] as a message (only on the error path: a walk over the ids).
local function bad_id_message(ids, V)
  local flat = ids:reshape(-1)
  local shape = ids.shape
  for i = 1, flat:numel() do
    local v = flat[i]
    if v < 1 or v > V then
      local pos, rest = {}, i - 1
      for d = #shape, 1, -1 do
        pos[d] = rest % shape[d] + 1
        rest = math.floor(rest / shape[d])
      end
      return format("embedding: ids[%s] = %d is out of range for %d embeddings (ids count from 1)",
        table.concat(pos, ", "), v, V)
    end
  end
end

local OPTIONS = { padding_idx = true, scale_grad_by_freq = true, max_norm = true, norm_type = true, sparse = true }

local function embedding(ids, weight, opts)
  tide = tide or require("tide")
  if getmetatable(ids) ~= Tensor then raise("embedding: ids must be an int64 tensor, got " .. type(ids)) end
  if getmetatable(weight) ~= Tensor then raise("embedding: weight must be a tensor, got " .. type(weight)) end
  local ic, wc = ids._c, weight._c
  if ic.dtype ~= INT64 and ic.dtype ~= INT32 then
    raise("embedding: ids must be an int64 tensor of 1-based ids, got " .. ids.dtype)
  end
  if wc.ndim ~= 2 then
    raise(format("embedding: weight must be 2-d [num_embeddings, embedding_dim], got shape {%s}",
      table.concat(weight.shape, ", ")))
  end
  if weight.dtype ~= "float32" and weight.dtype ~= "float64" then
    raise("embedding: weight must be float32 or float64, got " .. weight.dtype)
  end
  if ic.ndim >= 8 then raise("embedding: ids may have at most 7 dims (the result adds one)") end
  local V, D = tonumber(wc.shape[0]), tonumber(wc.shape[1])
  opts = opts or {}
  if type(opts) ~= "table" then raise("embedding: options must be a table, got " .. type(opts)) end
  for k in pairs(opts) do
    if not OPTIONS[k] then raise(format("embedding: unknown option '%s'", tostring(k))) end
  end
  if opts.max_norm ~= nil then raise("embedding: max_norm is not supported") end
  if opts.sparse then raise("embedding: sparse gradients are not supported") end
  local pad = opts.padding_idx
  if pad ~= nil then
    if type(pad) ~= "number" or pad ~= math.floor(pad) then
      raise("embedding: padding_idx must be an integer, got " .. tostring(pad))
    end
    if pad < 0 then pad = V + pad + 1 end
    if pad < 1 or pad > V then
      raise(format("embedding: padding_idx %d is out of range for %d embeddings", opts.padding_idx, V))
    end
  end
  local scale_freq = opts.scale_grad_by_freq and true or false

  local n = tonumber(ic.numel)
  local flat = wrap(C.tide_reshape(ic, 1, ffi.new("int64_t[1]", n)), ids)
  local s = slot()
  local rows = retry(C.tide_index_select, wc, flat._c, nil, 0, 1)
  if rows == nil and C.tide_last_status() == 1 then
    C.tide_slot_offer(nil, 0)
    C.tide_clear_error()
    raise(bad_id_message(ids, V) or "embedding: invalid ids")
  end
  rows = wrap(rows, nil, s)
  local shape = ffi.new("int64_t[8]")
  for d = 0, ic.ndim - 1 do shape[d] = ic.shape[d] end
  shape[ic.ndim] = D
  local out = wrap(C.tide_view(rows._c, ic.ndim + 1, shape), rows)
  if autograd.needs(weight) then
    autograd.record("embedding", out, { nil, weight }, function(g)
      local g2 = g:reshape(n, D)
      if scale_freq then
        local counts = tide.zeros(V, weight.dtype)
        if C.tide_index_add_(counts._c, flat._c, tide.ones(n, weight.dtype)._c, 0, 1, 1) ~= 0 then raise_c() end
        g2 = g2 / counts:index_select(1, flat):unsqueeze(2)
      end
      local gw = tide.zeros(V, D, weight.dtype)
      if C.tide_index_add_(gw._c, flat._c, g2._c, 0, 1, 1) ~= 0 then raise_c() end
      if pad then gw[pad] = 0 end
      return nil, gw
    end)
  end
  return out
end

return { embedding = embedding }
