-- Normalisation layers: nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm (PyTorch's arguments,
-- defaults, parameters, buffers and state_dict keys).
--
-- BatchNorm: weight (ones) and bias (zeros) when affine; buffers running_mean (zeros),
-- running_var (ones) and num_batches_tracked (int64 scalar) when track_running_stats. Training
-- normalises with the batch's statistics and updates the running ones
--   running = (1 - momentum) * running + momentum * batch   (unbiased variance for running_var)
-- (momentum = false: a cumulative average, PyTorch's momentum=None); evaluation uses the running
-- statistics.
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local T = U.tide
local raise = core.raise
local format = string.format

-- ---------------------------------------------------------------- batch norm

local function bn_setup(self, name, num_features, opts)
  opts = U.options(name, opts, { eps = 1e-5, momentum = 0.1, affine = true, track_running_stats = true,
    dtype = "float32" })
  self.num_features = U.int(name, "num_features", num_features, 1)
  if type(opts.eps) ~= "number" or not (opts.eps >= 0) then
    raise(format("%s: eps must be a non-negative number, got %s", name, tostring(opts.eps)))
  end
  if opts.momentum ~= false and (type(opts.momentum) ~= "number" or opts.momentum < 0 or opts.momentum > 1) then
    raise(format("%s: momentum must be a number in [0, 1] or false (cumulative average), got %s", name,
      tostring(opts.momentum)))
  end
  self.eps = opts.eps
  self.momentum = opts.momentum
  self.affine = opts.affine and true or false
  self.track_running_stats = opts.track_running_stats and true or false
  local t = T()
  if self.affine then
    self.weight = U.param(name, opts.dtype, num_features)
    self.bias = U.param(name, opts.dtype, num_features)
  else
    self:register_parameter("weight", nil)
    self:register_parameter("bias", nil)
  end
  if self.track_running_stats then
    self:register_buffer("running_mean", t.zeros(num_features, opts.dtype))
    self:register_buffer("running_var", t.ones(num_features, opts.dtype))
    self:register_buffer("num_batches_tracked", t.tensor(0, "int64"))
  else
    self:register_buffer("running_mean", nil)
    self:register_buffer("running_var", nil)
    self:register_buffer("num_batches_tracked", nil)
  end
  self:reset_parameters()
end

local BatchNorm = Module:extend("BatchNorm")

function BatchNorm:reset_running_stats()
  if self.track_running_stats then
    T().no_grad(function()
      self.running_mean:zero_()
      self.running_var:fill_(1)
      self.num_batches_tracked:zero_()
    end)
  end
end

function BatchNorm:reset_parameters()
  self:reset_running_stats()
  if self.affine then
    T().no_grad(function()
      self.weight:fill_(1)
      self.bias:zero_()
    end)
  end
end

function BatchNorm:forward(x)
  local name = self:class_name()
  U.check_input(name, x, self.weight or self.running_mean)
  local d = x:dim()
  local ok = false
  for _, r in ipairs(self._ranks) do if d == r then ok = true end end
  if not ok then
    raise(format("%s: expected a %s input, got %d-d %s", name, self._rank_text, d, U.shape_str(x)))
  end
  local c = x:size(2)
  if c ~= self.num_features then
    raise(format("%s: input has %d channels, expected %d (num_features)", name, c, self.num_features))
  end
  local factor = self.momentum or 0
  local training = self.training
  if training and x:numel() / c <= 1 then
    raise(format("%s: expected more than 1 value per channel when training, got input of shape %s", name,
      U.shape_str(x)))
  end
  if training and self.track_running_stats then
    local nbt = self.num_batches_tracked
    if nbt ~= nil then
      T().no_grad(function() nbt:add_(1) end)
      if self.momentum == false then factor = 1 / nbt:item() end
    end
  end
  -- batch statistics when training, or when there are no running ones to use
  local use_batch = training or (self.running_mean == nil and self.running_var == nil)
  local rm, rv = nil, nil
  if not training or self.track_running_stats then rm, rv = self.running_mean, self.running_var end
  return F.batch_norm(x, rm, rv, self.weight, self.bias, use_batch, factor, self.eps)
end

function BatchNorm:extra_repr()
  return format("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", self.num_features,
    U.show(self.eps), self.momentum == false and "false" or U.show(self.momentum), tostring(self.affine),
    tostring(self.track_running_stats))
end

-- nn.BatchNorm1d(num_features, {eps = 1e-5, momentum = 0.1, affine = true, track_running_stats = true})
-- over [N, C] or [N, C, L]
local BatchNorm1d = BatchNorm:extend("BatchNorm1d")
BatchNorm1d._ranks, BatchNorm1d._rank_text = { 2, 3 }, "2-d [N, C] or 3-d [N, C, L]"
function BatchNorm1d:init(num_features, opts) bn_setup(self, "BatchNorm1d", num_features, opts) end

-- nn.BatchNorm2d(num_features, {...}) over [N, C, H, W]
local BatchNorm2d = BatchNorm:extend("BatchNorm2d")
BatchNorm2d._ranks, BatchNorm2d._rank_text = { 4 }, "4-d [N, C, H, W]"
function BatchNorm2d:init(num_features, opts) bn_setup(self, "BatchNorm2d", num_features, opts) end

-- ---------------------------------------------------------------- layer norm

-- nn.LayerNorm(normalized_shape, {eps = 1e-5, elementwise_affine = true, bias = true}):
-- normalises over the last #normalized_shape dims; weight (ones) and bias (zeros) of that shape.
local LayerNorm = Module:extend("LayerNorm")

function LayerNorm:init(normalized_shape, opts)
  opts = U.options("LayerNorm", opts, { eps = 1e-5, elementwise_affine = true, bias = true, dtype = "float32" })
  if type(normalized_shape) == "number" then normalized_shape = { normalized_shape } end
  if type(normalized_shape) ~= "table" or #normalized_shape == 0 then
    raise("LayerNorm: normalized_shape must be a number or a non-empty table of sizes, got " .. tostring(normalized_shape))
  end
  local shape = {}
  for i, s in ipairs(normalized_shape) do shape[i] = U.int("LayerNorm", "normalized_shape", s, 1) end
  if type(opts.eps) ~= "number" or not (opts.eps >= 0) then
    raise("LayerNorm: eps must be a non-negative number, got " .. tostring(opts.eps))
  end
  self.normalized_shape = shape
  self.eps = opts.eps
  self.elementwise_affine = opts.elementwise_affine and true or false
  if self.elementwise_affine then
    self.weight = U.param("LayerNorm", opts.dtype, unpack(shape))
    if opts.bias then self.bias = U.param("LayerNorm", opts.dtype, unpack(shape))
    else self:register_parameter("bias", nil) end
  else
    self:register_parameter("weight", nil)
    self:register_parameter("bias", nil)
  end
  self:reset_parameters()
end

function LayerNorm:reset_parameters()
  T().no_grad(function()
    if self.weight then self.weight:fill_(1) end
    if self.bias then self.bias:zero_() end
  end)
end

function LayerNorm:forward(x)
  U.check_input("LayerNorm", x, self.weight)
  local ns = self.normalized_shape
  local xs = x.shape
  local ok = #xs >= #ns
  if ok then
    for i = 1, #ns do
      if xs[#xs - #ns + i] ~= ns[i] then ok = false end
    end
  end
  if not ok then
    raise(format("LayerNorm: input of shape %s does not end with normalized_shape {%s}", U.shape_str(x),
      table.concat(ns, ", ")))
  end
  return F.layer_norm(x, ns, self.weight, self.bias, self.eps)
end

function LayerNorm:extra_repr()
  local ns = #self.normalized_shape == 1 and "(" .. self.normalized_shape[1] .. ",)" or U.tuple(self.normalized_shape)
  return format("%s, eps=%s, elementwise_affine=%s", ns, U.show(self.eps), tostring(self.elementwise_affine))
end

return { BatchNorm1d = BatchNorm1d, BatchNorm2d = BatchNorm2d, LayerNorm = LayerNorm }
