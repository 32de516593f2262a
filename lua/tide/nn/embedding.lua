-- nn.Embedding(num_embeddings, embedding_dim, {padding_idx = nil}): a lookup table weight
-- [num_embeddings, embedding_dim] ~ N(0, 1). Ids are 1-based int64 (as everywhere in Tide's Lua
-- API); padding_idx is 1-based too (negative counts from the end), its row starts at zero and
-- receives no gradient.
local core = require("tide._core")
local base = require("tide.nn.module")
local init = require("tide.nn.initializers")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local T = U.tide
local raise = core.raise
local format = string.format

local Embedding = Module:extend("Embedding")

local function padding_index(n, p)
  if p == nil then return nil end
  if type(p) ~= "number" or p ~= math.floor(p) or p == 0 or p > n or p < -n then
    raise(format("Embedding: padding_idx must be an integer in 1..%d (or -%d..-1), got %s", n, n, tostring(p)))
  end
  if p < 0 then p = n + p + 1 end
  return p
end

function Embedding:init(num_embeddings, embedding_dim, opts)
  opts = U.options("Embedding", opts, { ["?padding_idx"] = true, ["?_weight"] = true, dtype = "float32" })
  self.num_embeddings = U.int("Embedding", "num_embeddings", num_embeddings, 1)
  self.embedding_dim = U.int("Embedding", "embedding_dim", embedding_dim, 1)
  self.padding_idx = padding_index(num_embeddings, opts.padding_idx)
  if opts._weight then
    local w = opts._weight
    if w:dim() ~= 2 or w:size(1) ~= num_embeddings or w:size(2) ~= embedding_dim then
      raise(format("Embedding: weight must have shape {%d, %d}, got %s", num_embeddings, embedding_dim, U.shape_str(w)))
    end
    self.weight = base.Parameter(w:detach():clone())
  else
    self.weight = U.param("Embedding", opts.dtype, num_embeddings, embedding_dim)
    self:reset_parameters()
  end
end

function Embedding:reset_parameters()
  init.normal_(self.weight)
  if self.padding_idx then
    T().no_grad(function() self.weight[self.padding_idx] = 0 end)
  end
end

-- Embedding.from_pretrained(weight [V, D], {freeze = true, padding_idx = nil})
function Embedding.from_pretrained(weight, opts)
  if not T().is_tensor(weight) or weight:dim() ~= 2 then
    raise("Embedding.from_pretrained: weight must be a 2-d tensor [num_embeddings, embedding_dim]")
  end
  opts = U.options("Embedding.from_pretrained", opts, { freeze = true, ["?padding_idx"] = true })
  local e = Embedding(weight:size(1), weight:size(2), { padding_idx = opts.padding_idx, _weight = weight })
  if opts.freeze then e.weight:requires_grad_(false) end
  return e
end

function Embedding:forward(ids)
  if not T().is_tensor(ids) then raise("Embedding: ids must be an int64 tensor, got " .. type(ids)) end
  return F.embedding(ids, self.weight, { padding_idx = self.padding_idx })
end

function Embedding:extra_repr()
  local s = format("%d, %d", self.num_embeddings, self.embedding_dim)
  if self.padding_idx then s = s .. ", padding_idx=" .. self.padding_idx end
  return s
end

return { Embedding = Embedding }
