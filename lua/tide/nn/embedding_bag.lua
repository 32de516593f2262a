-- nn.EmbeddingBag(num_embeddings, embedding_dim, {mode = "mean", padding_idx = nil,
-- dtype = "float32"}): PyTorch 1.13's EmbeddingBag (include_last_offset = false). weight
-- [num_embeddings, embedding_dim] ~ N(0, 1), the padding_idx row (1-based, negative counts from
-- the end) zero. forward(input, offsets, per_sample_weights) reduces each bag of 1-based ids to
-- one row [B, embedding_dim] by "sum", "mean" or "max" (see F.embedding_bag); sgd_(input,
-- offsets, grad_output, lr, per_sample_weights) is the sparse SGD step on the rows those bags
-- touch (F.embedding_bag_sgd_), for tables too large for a dense optimizer step.
local core = require("tide._core")
local base = require("tide.nn.module")
local init = require("tide.nn.initializers")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local T = U.tide
local raise = core.raise
local format = string.format

local EmbeddingBag = Module:extend("EmbeddingBag")

local MODES = { sum = true, mean = true, max = true }

local function padding_index(n, p)
  if p == nil then return nil end
  if type(p) ~= "number" or p ~= math.floor(p) or p == 0 or p > n or p < -n then
    raise(format("EmbeddingBag: padding_idx must be an integer in 1..%d (or -%d..-1), got %s", n, n, tostring(p)))
  end
  if p < 0 then p = n + p + 1 end
  return p
end

function EmbeddingBag:init(num_embeddings, embedding_dim, opts)
  opts = U.options("EmbeddingBag", opts, { mode = "mean", ["?padding_idx"] = true, ["?_weight"] = true,
    dtype = "float32" })
  self.num_embeddings = U.int("EmbeddingBag", "num_embeddings", num_embeddings, 1)
  self.embedding_dim = U.int("EmbeddingBag", "embedding_dim", embedding_dim, 1)
  if not MODES[opts.mode] then
    raise(format("EmbeddingBag: mode must be \"sum\", \"mean\" or \"max\", got %s", tostring(opts.mode)))
  end
  self.mode = opts.mode
  self.padding_idx = padding_index(num_embeddings, opts.padding_idx)
  if opts._weight then
    local w = opts._weight
    if w:dim() ~= 2 or w:size(1) ~= num_embeddings or w:size(2) ~= embedding_dim then
      raise(format("EmbeddingBag: weight must have shape {%d, %d}, got %s", num_embeddings, embedding_dim,
        U.shape_str(w)))
    end
    self.weight = base.Parameter(w:detach():clone())
  else
    self.weight = U.param("EmbeddingBag", opts.dtype, num_embeddings, embedding_dim)
    self:reset_parameters()
  end
end

function EmbeddingBag:reset_parameters()
  init.normal_(self.weight)
  if self.padding_idx then
    T().no_grad(function() self.weight[self.padding_idx] = 0 end)
  end
end

-- EmbeddingBag.from_pretrained(weight [V, D], {freeze = true, mode = "mean", padding_idx = nil})
function EmbeddingBag.from_pretrained(weight, opts)
  if not T().is_tensor(weight) or weight:dim() ~= 2 then
    raise("EmbeddingBag.from_pretrained: weight must be a 2-d tensor [num_embeddings, embedding_dim]")
  end
  opts = U.options("EmbeddingBag.from_pretrained", opts, { freeze = true, mode = "mean", ["?padding_idx"] = true })
  local e = EmbeddingBag(weight:size(1), weight:size(2), { mode = opts.mode, padding_idx = opts.padding_idx,
    _weight = weight })
  if opts.freeze then e.weight:requires_grad_(false) end
  return e
end

function EmbeddingBag:_opts(psw)
  return { mode = self.mode, padding_idx = self.padding_idx, per_sample_weights = psw }
end

function EmbeddingBag:forward(input, offsets, per_sample_weights)
  if not T().is_tensor(input) then raise("EmbeddingBag: input must be an int64 tensor of ids, got " .. type(input)) end
  return F.embedding_bag(input, self.weight, offsets, self:_opts(per_sample_weights))
end

function EmbeddingBag:sgd_(input, offsets, grad_output, lr, per_sample_weights)
  F.embedding_bag_sgd_(self.weight, input, offsets, grad_output, lr, self:_opts(per_sample_weights))
  return self
end

function EmbeddingBag:extra_repr()
  local s = format("%d, %d, mode=%q", self.num_embeddings, self.embedding_dim, self.mode)
  if self.padding_idx then s = s .. ", padding_idx=" .. self.padding_idx end
  return s
end

return { EmbeddingBag = EmbeddingBag }
