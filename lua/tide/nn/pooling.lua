-- Pooling over [N, C, H, W] (or unbatched [C, H, W]) inputs: nn.MaxPool2d, nn.AvgPool2d,
-- nn.AdaptiveAvgPool2d, with PyTorch's arguments and defaults (stride = kernel_size).
local core = require("tide._core")
local base = require("tide.nn.module")
local F = require("tide.nn.functional")
local Module, U = base.Module, base.util
local raise = core.raise
local format = string.format

-- A size option kept as given (number or {h, w}) for printing, checked as a pair.
local function spatial(name, what, v, min)
  U.pair(name, what, v, min)
  if type(v) == "table" then return { v[1], v[2] } end
  return v
end

-- x is an input of rank 3 or 4 (the functional pools take both; this names the module in the error).
local function check(name, x)
  U.check_input(name, x)
  local d = x:dim()
  if d ~= 3 and d ~= 4 then
    raise(format("%s: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got %d-d %s", name, d, U.shape_str(x)))
  end
  return x
end

-- The window settings of MaxPool2d / AvgPool2d: kernel_size, stride (default kernel_size), padding
-- (at most half the kernel), dilation when the pool has one, ceil_mode.
local function window(self, name, kernel_size, opts, dilated)
  self.kernel_size = spatial(name, "kernel_size", kernel_size, 1)
  self.stride = spatial(name, "stride", opts.stride or kernel_size, 1)
  self.padding = spatial(name, "padding", opts.padding, 0)
  if dilated then self.dilation = spatial(name, "dilation", opts.dilation, 1) end
  local k, p = U.pair("", "", self.kernel_size), U.pair("", "", self.padding)
  for i = 1, 2 do
    if p[i] > k[i] / 2 then
      raise(format("%s: padding (%d) should be at most half of kernel_size (%d)", name, p[i], k[i]))
    end
  end
  self.ceil_mode = opts.ceil_mode and true or false
end

-- ---------------------------------------------------------------- MaxPool2d

-- nn.MaxPool2d(kernel_size, {stride = kernel_size, padding = 0, dilation = 1, ceil_mode = false,
--                            return_indices = false})
-- With return_indices the forward also returns the int64 positions of the maxima (1-based flat
-- indices into each input plane).
local MaxPool2d = Module:extend("MaxPool2d")

function MaxPool2d:init(kernel_size, opts)
  opts = U.options("MaxPool2d", opts, { ["?stride"] = true, padding = 0, dilation = 1, ceil_mode = false,
    return_indices = false })
  window(self, "MaxPool2d", kernel_size, opts, true)
  self.return_indices = opts.return_indices and true or false
end

function MaxPool2d:forward(x)
  return F.max_pool2d(check("MaxPool2d", x), self.kernel_size, { stride = self.stride, padding = self.padding,
    dilation = self.dilation, ceil_mode = self.ceil_mode, return_indices = self.return_indices })
end

function MaxPool2d:extra_repr()
  return format("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s", U.show(self.kernel_size),
    U.show(self.stride), U.show(self.padding), U.show(self.dilation), tostring(self.ceil_mode))
end

-- ---------------------------------------------------------------- AvgPool2d

-- nn.AvgPool2d(kernel_size, {stride = kernel_size, padding = 0, ceil_mode = false,
--                            count_include_pad = true, divisor_override = nil})
local AvgPool2d = Module:extend("AvgPool2d")

function AvgPool2d:init(kernel_size, opts)
  opts = U.options("AvgPool2d", opts, { ["?stride"] = true, padding = 0, ceil_mode = false,
    count_include_pad = true, ["?divisor_override"] = true })
  window(self, "AvgPool2d", kernel_size, opts, false)
  self.count_include_pad = opts.count_include_pad and true or false
  if opts.divisor_override ~= nil then U.int("AvgPool2d", "divisor_override", opts.divisor_override, 1) end
  self.divisor_override = opts.divisor_override
end

function AvgPool2d:forward(x)
  return F.avg_pool2d(check("AvgPool2d", x), self.kernel_size, { stride = self.stride, padding = self.padding,
    ceil_mode = self.ceil_mode, count_include_pad = self.count_include_pad, divisor_override = self.divisor_override })
end

function AvgPool2d:extra_repr()
  return format("kernel_size=%s, stride=%s, padding=%s", U.show(self.kernel_size), U.show(self.stride),
    U.show(self.padding))
end

-- ---------------------------------------------------------------- AdaptiveAvgPool2d

-- nn.AdaptiveAvgPool2d(output_size): output_size a number or {oh, ow}.
local AdaptiveAvgPool2d = Module:extend("AdaptiveAvgPool2d")

function AdaptiveAvgPool2d:init(output_size)
  self.output_size = spatial("AdaptiveAvgPool2d", "output_size", output_size, 1)
end

function AdaptiveAvgPool2d:forward(x)
  return F.adaptive_avg_pool2d(check("AdaptiveAvgPool2d", x), U.pair("", "", self.output_size))
end

function AdaptiveAvgPool2d:extra_repr()
  return "output_size=" .. U.show(self.output_size)
end

return { MaxPool2d = MaxPool2d, AvgPool2d = AvgPool2d, AdaptiveAvgPool2d = AdaptiveAvgPool2d }
