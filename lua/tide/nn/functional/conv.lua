-- Convolutions over core/conv.c (Winograd F(2x2,3x3) for 3x3 stride-1 float32 layers, direct
-- loops for few input channels, im2col + one GEMM per group otherwise):
--   F.conv1d(x [N, C, L], w [O, C/g, K], b [O] or nil, opts)
--   F.conv2d(x [N, C, H, W], w [O, C/g, KH, KW], b [O] or nil, opts)
--   F.conv_transpose2d(x [N, C, H, W], w [C, O/g, KH, KW], b [O] or nil, opts)
-- opts (PyTorch's names and defaults): stride = 1, padding = 0, dilation = 1, groups = 1, and for
-- conv_transpose2d output_padding = 0. Spatial options are a number or a {h, w} pair (one number
-- for conv1d); conv1d / conv2d also take padding = "valid" or "same" (stride 1, odd dilated
-- kernel). float32 or float64. Gradients flow to x, w and b; the backward skips what no input
-- needs (a network's first layer never computes its input gradient).
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local ffi = core.ffi
local wrap, raise, retry = core.wrap, core.raise, core.retry
local needs, record = autograd.needs, autograd.record
local U = require("tide.nn.functional.util")
local check_tensor, is_int, pair, grad_buffers = U.check_tensor, U.is_int, U.pair, U.grad_buffers
local tostring = tostring
local format, floor = string.format, math.floor

local PARAMS = ffi.typeof("tide_conv2d_params")

local KNOWN = {
  conv1d = { stride = true, padding = true, dilation = true, groups = true },
  conv2d = { stride = true, padding = true, dilation = true, groups = true },
  conv_transpose2d = { stride = true, padding = true, dilation = true, groups = true, output_padding = true },
}

-- The C parameter struct from an options table. nd: spatial dims (1 or 2); kh, kw: kernel.
local function params(op, opts, nd, kh, kw)
  opts = U.options(op, opts, KNOWN[op])
  local p = PARAMS()
  local sh, sw = pair(op, "stride", opts.stride or 1, 1, nd)
  local dh, dw = pair(op, "dilation", opts.dilation or 1, 1, nd)
  local ph, pw
  local pad = opts.padding or 0
  if pad == "valid" and op ~= "conv_transpose2d" then
    ph, pw = 0, 0
  elseif pad == "same" and op ~= "conv_transpose2d" then
    if sh ~= 1 or sw ~= 1 then raise(op .. ": padding \"same\" needs stride 1") end
    local th, tw = dh * (kh - 1), dw * (kw - 1)
    if th % 2 ~= 0 or tw % 2 ~= 0 then
      raise(format("%s: padding \"same\" with an even (dilated) kernel needs uneven padding, which is not " ..
        "supported; pad explicitly", op))
    end
    ph, pw = th / 2, tw / 2
  else
    ph, pw = pair(op, "padding", pad, 0, nd)
  end
  local oph, opw = 0, 0
  if op == "conv_transpose2d" then oph, opw = pair(op, "output_padding", opts.output_padding or 0, 0, nd) end
  local groups = opts.groups or 1
  if not is_int(groups) or groups < 1 then
    raise(format("%s: groups must be an integer >= 1, got %s", op, tostring(groups)))
  end
  p.stride[0], p.stride[1] = sh, sw
  p.padding[0], p.padding[1] = ph, pw
  p.dilation[0], p.dilation[1] = dh, dw
  p.output_padding[0], p.output_padding[1] = oph, opw
  p.groups = groups
  return p
end

-- Raise the C library's error with its op name replaced (conv1d runs conv2d underneath).
local function raise_as(op)
  local msg = ffi.string(C.tide_last_error())
  C.tide_clear_error()
  if msg == "" then msg = op .. ": operation failed" end
  if op ~= "conv2d" then msg = msg:gsub("^conv2d", op) end
  raise(msg)
end

local function bias_check(op, b, w, transposed, groups)
  if b == nil then return end
  local o = transposed and tonumber(w._c.shape[1]) * groups or tonumber(w._c.shape[0])
  if b._c.ndim ~= 1 or tonumber(b._c.shape[0]) ~= o then
    raise(format("%s: bias must have shape {%d} (one value per output channel), got {%s}", op, o,
      table.concat(b.shape, ", ")))
  end
end

-- y = conv(x, w) + b over 4-d tensors; records the backward on y.
local function run(op, transposed, x, w, b, p)
  local fwd = transposed and C.tide_conv_transpose2d_forward or C.tide_conv2d_forward
  local p_y = retry(fwd, x._c, w._c, b ~= nil and b._c or nil, nil, p)
  if p_y == nil then raise_as(op) end
  local y = wrap(p_y)
  if needs(x, w, b) then
    local bwd = transposed and C.tide_conv_transpose2d_backward or C.tide_conv2d_backward
    record(op, y, { x, w, b }, function(g, nd)
      local gx, gw, gb = grad_buffers(nd, x, w, b)
      if bwd(x._c, w._c, g._c, gx and gx._c, gw and gw._c, gb and gb._c, p, 0) ~= 0 then raise_as(op) end
      return gx, gw, gb
    end)
  end
  return y
end

-- conv2d / conv_transpose2d: check the 4-d arguments, then run.
local function conv_4d(op, transposed, x, w, b, opts)
  check_tensor(op, x, "input")
  check_tensor(op, w, "weight")
  check_tensor(op, b, "bias", true)
  if x._c.ndim ~= 4 then raise(format("%s: input must be 4-d [N, C, H, W], got %d-d", op, x._c.ndim)) end
  if w._c.ndim ~= 4 then
    raise(format("%s: weight must be 4-d [%s, KH, KW], got %d-d", op, transposed and "C, O/groups" or "O, C/groups",
      w._c.ndim))
  end
  local p = params(op, opts, 2, tonumber(w._c.shape[2]), tonumber(w._c.shape[3]))
  bias_check(op, b, w, transposed, p.groups)
  return run(op, transposed, x, w, b, p)
end

local function conv2d(x, w, b, opts) return conv_4d("conv2d", false, x, w, b, opts) end
local function conv_transpose2d(x, w, b, opts) return conv_4d("conv_transpose2d", true, x, w, b, opts) end

-- conv1d as conv2d over [N, C, 1, L] views (stride, padding and dilation along the width only).
local function conv1d(x, w, b, opts)
  local op = "conv1d"
  check_tensor(op, x, "input")
  check_tensor(op, w, "weight")
  check_tensor(op, b, "bias", true)
  if x._c.ndim ~= 3 then raise(format("%s: input must be 3-d [N, C, L], got %d-d", op, x._c.ndim)) end
  if w._c.ndim ~= 3 then raise(format("%s: weight must be 3-d [O, C/groups, K], got %d-d", op, w._c.ndim)) end
  local k = tonumber(w._c.shape[2])
  local p = params(op, opts, 1, 1, k)
  p.stride[0], p.padding[0], p.dilation[0] = 1, 0, 1
  bias_check(op, b, w, false, p.groups)
  local L = tonumber(x._c.shape[2])
  local pad, s, span = tonumber(p.padding[1]), tonumber(p.stride[1]), tonumber(p.dilation[1]) * (k - 1) + 1
  if L > 0 and L + 2 * pad < span then
    raise(format("%s: output length would be %d (input length %d, padding %d, dilated kernel %d, stride %d); " ..
      "the input is too small", op, math.max(0, floor((L + 2 * pad - span) / s) + 1), L, pad, span, s))
  end
  -- the kernels see [N, C, 1, L] / [O, C/g, 1, K] views; autograd sees x and w
  local x4, w4
  local y = autograd.no_grad(function()
    x4, w4 = x:unsqueeze(3), w:unsqueeze(3)
    return run(op, false, x4, w4, b, p)
  end)
  local out = y:view(tonumber(y._c.shape[0]), tonumber(y._c.shape[1]), tonumber(y._c.shape[3]))
  if needs(x, w, b) then
    record(op, out, { x, w, b }, function(g, nd)
      local gx, gw, gb = grad_buffers(nd, x4, w4, b)
      if C.tide_conv2d_backward(x4._c, w4._c, g:unsqueeze(3)._c, gx and gx._c, gw and gw._c, gb and gb._c, p, 0) ~= 0 then
        raise_as(op)
      end
      return gx and gx:view(x.shape), gw and gw:view(w.shape), gb
    end)
  end
  return out
end

return { conv1d = conv1d, conv2d = conv2d, conv_transpose2d = conv_transpose2d }
