-- Convolutions: nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d with PyTorch's arguments, defaults,
-- weight layouts and initialisation.
--
--   Conv1d(in, out, k, opts)           weight [out, in/groups, k],       input [N, in, L] or [in, L]
--   Conv2d(in, out, k, opts)           weight [out, in/groups, kh, kw],  input [N, in, H, W] or [in, H, W]
--   ConvTranspose2d(in, out, k, opts)  weight [in, out/groups, kh, kw],  input [N, in, H, W] or [in, H, W]
--   opts: stride = 1, padding = 0 (a number, a pair, or "valid" / "same" for stride 1),
--         dilation = 1, groups = 1, bias = true, padding_mode = "zeros", dtype = "float32";
--         ConvTranspose2d also output_padding = 0.
-- Weights: kaiming_uniform_(w, a = sqrt(5)); bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where
-- fan_in = size(2) * kernel elements of the weight (as PyTorch computes it for both kinds).
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Linear = require("tide.nn.linear").Linear
local Module, U = base.Module, base.util
local raise = core.raise
local format = string.format

-- A spatial option for nd dims: a number or an nd-table -> nd-table of integers >= min.
local function tuple(name, what, v, nd, min)
  if type(v) == "number" then
    local t = {}
    for i = 1, nd do t[i] = v end
    v = t
  end
  if type(v) ~= "table" or #v ~= nd then
    raise(format("%s: %s must be a number or a table of %d numbers, got %s", name, what, nd, tostring(v)))
  end
  local out = {}
  for i = 1, nd do out[i] = U.int(name, what, v[i], min) end
  return out
end

-- Shared set-up of every convolution. nd: spatial dims; transposed: ConvTranspose layout.
local function setup(self, name, nd, in_channels, out_channels, kernel_size, opts, transposed)
  local defaults = { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, padding_mode = "zeros",
    dtype = "float32" }
  if transposed then defaults.output_padding = 0 end
  opts = U.options(name, opts, defaults)
  self.in_channels = U.int(name, "in_channels", in_channels, 1)
  self.out_channels = U.int(name, "out_channels", out_channels, 1)
  self.kernel_size = tuple(name, "kernel_size", kernel_size, nd, 1)
  self.stride = tuple(name, "stride", opts.stride, nd, 1)
  self.dilation = tuple(name, "dilation", opts.dilation, nd, 1)
  local groups = U.int(name, "groups", opts.groups, 1)
  self.groups = groups
  if in_channels % groups ~= 0 then
    raise(format("%s: in_channels (%d) must be divisible by groups (%d)", name, in_channels, groups))
  end
  if out_channels % groups ~= 0 then
    raise(format("%s: out_channels (%d) must be divisible by groups (%d)", name, out_channels, groups))
  end
  if opts.padding_mode ~= "zeros" then
    raise(format("%s: padding_mode %s is not supported (only \"zeros\")", name, tostring(opts.padding_mode)))
  end
  self.padding_mode = "zeros"
  local padding = opts.padding
  if padding == "valid" then
    self.padding = "valid"
    self._pad = tuple(name, "padding", 0, nd, 0)
  elseif padding == "same" then
    if transposed then raise(name .. ": padding \"same\" is not supported for transposed convolutions") end
    for i = 1, nd do
      if self.stride[i] ~= 1 then raise(name .. ": padding \"same\" is not supported for strided convolutions") end
    end
    local pad = {}
    for i = 1, nd do
      local total = self.dilation[i] * (self.kernel_size[i] - 1)
      if total % 2 ~= 0 then
        raise(format("%s: padding \"same\" with an even kernel (%d) needs uneven padding, which is not supported; " ..
          "pad explicitly", name, self.kernel_size[i]))
      end
      pad[i] = total / 2
    end
    self.padding = "same"
    self._pad = pad
  else
    self.padding = tuple(name, "padding", padding, nd, 0)
    self._pad = self.padding
  end
  if transposed then
    self.output_padding = tuple(name, "output_padding", opts.output_padding, nd, 0)
    for i = 1, nd do
      if self.output_padding[i] >= math.max(self.stride[i], self.dilation[i]) then
        raise(format("%s: output_padding (%d) must be smaller than stride (%d) or dilation (%d)", name,
          self.output_padding[i], self.stride[i], self.dilation[i]))
      end
    end
  end
  self.transposed = transposed or false
  local wshape
  if transposed then
    wshape = { in_channels, out_channels / groups }
  else
    wshape = { out_channels, in_channels / groups }
  end
  for i = 1, nd do wshape[#wshape + 1] = self.kernel_size[i] end
  self.weight = U.param(name, opts.dtype, unpack(wshape))
  if opts.bias then self.bias = U.param(name, opts.dtype, out_channels) else self:register_parameter("bias", nil) end
  self:reset_parameters()
end

-- Check the input's rank and channels; returns the batched input and whether it was unbatched.
local function prepare(self, x, nd)
  local name = self:class_name()
  U.check_input(name, x, self.weight)
  local dims = x:dim()
  if dims ~= nd + 1 and dims ~= nd + 2 then
    local sp = nd == 1 and "L" or "H, W"
    raise(format("%s: expected a %d-d [C, %s] or %d-d [N, C, %s] input, got %d-d %s", name, nd + 1, sp, nd + 2, sp,
      dims, U.shape_str(x)))
  end
  local unbatched = dims == nd + 1
  if unbatched then x = x:unsqueeze(1) end
  local c = x:size(2)
  if c ~= self.in_channels then
    raise(format("%s: input has %d channels, weight expects %d", name, c, self.in_channels))
  end
  return x, unbatched
end

local function extra_repr(self)
  local s = format("%d, %d, kernel_size=%s, stride=%s", self.in_channels, self.out_channels,
    U.tuple(self.kernel_size), U.tuple(self.stride))
  local zero = true
  if type(self.padding) == "table" then
    for _, p in ipairs(self.padding) do if p ~= 0 then zero = false end end
  else
    zero = false
  end
  if not zero then s = s .. ", padding=" .. U.show(self.padding) end
  local one = true
  for _, d in ipairs(self.dilation) do if d ~= 1 then one = false end end
  if not one then s = s .. ", dilation=" .. U.tuple(self.dilation) end
  if self.transposed then
    local z = true
    for _, p in ipairs(self.output_padding) do if p ~= 0 then z = false end end
    if not z then s = s .. ", output_padding=" .. U.tuple(self.output_padding) end
  end
  if self.groups ~= 1 then s = s .. ", groups=" .. self.groups end
  if self.bias == nil then s = s .. ", bias=false" end
  return s
end

-- A convolution class: init runs setup; forward runs F[op] on the batched input with the options
-- cls:_conv_options(x, ...) gives (an unbatched input gives an unbatched output). Parameters are
-- initialised as Linear's are (PyTorch's _ConvNd.reset_parameters is the same code).
local function conv_class(name, nd, transposed, op)
  local cls = Module:extend(name)
  function cls:init(in_channels, out_channels, kernel_size, opts)
    setup(self, name, nd, in_channels, out_channels, kernel_size, opts, transposed)
  end
  cls.reset_parameters = Linear.reset_parameters
  cls.extra_repr = extra_repr
  function cls:forward(x, ...)
    local unbatched
    x, unbatched = prepare(self, x, nd)
    local y = F[op](x, self.weight, self.bias, self:_conv_options(x, ...))
    if unbatched then y = y:squeeze(1) end
    return y
  end
  return cls
end

-- ---------------------------------------------------------------- Conv1d

local Conv1d = conv_class("Conv1d", 1, false, "conv1d")
function Conv1d:_conv_options()
  return { stride = self.stride[1], padding = self._pad[1], dilation = self.dilation[1], groups = self.groups }
end

-- ---------------------------------------------------------------- Conv2d

local Conv2d = conv_class("Conv2d", 2, false, "conv2d")
function Conv2d:_conv_options()
  return { stride = self.stride, padding = self._pad, dilation = self.dilation, groups = self.groups }
end

-- ---------------------------------------------------------------- ConvTranspose2d

local ConvTranspose2d = conv_class("ConvTranspose2d", 2, true, "conv_transpose2d")

-- The output_padding that makes the output size `output_size` ({H, W}, or the full {N, C, H, W}).
function ConvTranspose2d:_output_padding(x, output_size)
  if output_size == nil then return self.output_padding end
  if type(output_size) ~= "table" then raise("ConvTranspose2d: output_size must be a table {H, W}") end
  local n = #output_size
  if n ~= 2 and n ~= 4 and n ~= 3 then
    raise(format("ConvTranspose2d: output_size must have 2 elements (or the full output shape), got %d", n))
  end
  local out = {}
  for i = 1, 2 do
    local want = output_size[n - 2 + i]
    local in_size = x:size(x:dim() - 2 + i)
    local min_size = (in_size - 1) * self.stride[i] - 2 * self._pad[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1
    local max_size = min_size + self.stride[i] - 1
    if type(want) ~= "number" or want < min_size or want > max_size then
      raise(format("ConvTranspose2d: requested output size %s is not between %d and %d for dim %d",
        tostring(want), min_size, max_size, i))
    end
    out[i] = want - min_size
  end
  return out
end

-- forward(x, output_size): output_size (optional) picks the output_padding.
function ConvTranspose2d:_conv_options(x, output_size)
  return { stride = self.stride, padding = self._pad, output_padding = self:_output_padding(x, output_size),
    groups = self.groups, dilation = self.dilation }
end

return { Conv1d = Conv1d, Conv2d = Conv2d, ConvTranspose2d = ConvTranspose2d }
