-- Pooling over core/pool.c, input [N, C, H, W] or unbatched [C, H, W]:
--   F.max_pool2d(x, kernel, {stride = kernel, padding = 0, dilation = 1, ceil_mode = false,
--                return_indices = false})
--       with return_indices also returns the int64 positions of the maxima: 1-based flat
--       indices into each input plane (PyTorch's 0-based ones plus 1)
--   F.avg_pool2d(x, kernel, {stride = kernel, padding = 0, ceil_mode = false,
--                count_include_pad = true, divisor_override = nil})
--   F.adaptive_avg_pool2d(x, output_size)   output_size a number or {oh, ow} (nil keeps a dim)
-- Sizes are a number or an {h, w} pair. float32 or float64. Gradients flow to x; max pooling
-- keeps int32 argmax positions for its backward only when x requires grad.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local ffi = core.ffi
local Tensor = core.Tensor
local wrap, raise, raise_c, retry = core.wrap, core.raise, core.raise_c, core.retry
local needs, record = autograd.needs, autograd.record
local U = require("tide.nn.functional.util")
local is_int, pair, new_like, result, recorded, options = U.is_int, U.pair, U.new_like, U.result, U.recorded, U.options
local getmetatable, type, tostring = getmetatable, type, tostring
local format = string.format

local PARAMS = ffi.typeof("tide_pool2d_params")
local TPTR1 = ffi.typeof("tide_tensor*[1]")
local INT32, INT64 = 2, 3

-- x as [N, C, H, W] (a view of an unbatched [C, H, W] input), and whether it was unbatched.
local function batched(op, x)
  if getmetatable(x) ~= Tensor then raise(format("%s: input must be a tensor, got %s", op, type(x))) end
  local nd = x._c.ndim
  if nd == 4 then return x, false end
  if nd == 3 then return x:unsqueeze(1), true end
  raise(format("%s: input must be 3-d [C, H, W] or 4-d [N, C, H, W], got %d-d", op, nd))
end

local function window_params(op, kernel, opts, is_max)
  local p = PARAMS()
  local kh, kw = pair(op, "kernel_size", kernel, 1)
  local stride = opts.stride
  if stride == nil then stride = { kh, kw } end
  local sh, sw = pair(op, "stride", stride, 1)
  local ph, pw = pair(op, "padding", opts.padding or 0, 0)
  p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1] = kh, kw, sh, sw, ph, pw
  if is_max then
    p.dilation[0], p.dilation[1] = pair(op, "dilation", opts.dilation or 1, 1)
  else
    p.dilation[0], p.dilation[1] = 1, 1
    p.count_include_pad = opts.count_include_pad == false and 0 or 1
    local d = opts.divisor_override
    if d ~= nil then
      if not is_int(d) or d < 1 then
        raise(format("%s: divisor_override must be a positive integer, got %s", op, tostring(d)))
      end
      p.divisor_override = d
    end
  end
  p.ceil_mode = opts.ceil_mode and 1 or 0
  return p
end

-- Leave x's rank: drop the batch dim added for an unbatched input.
local function unbatch(y, unbatched)
  if not unbatched then return y end
  local c = y._c
  return y:view(tonumber(c.shape[1]), tonumber(c.shape[2]), tonumber(c.shape[3]))
end

local MAX_OPTS = { stride = true, padding = true, dilation = true, ceil_mode = true, return_indices = true }

local function max_pool2d(x, kernel, opts)
  local op = "max_pool2d"
  opts = options(op, opts, MAX_OPTS)
  local x4, unbatched = batched(op, x)
  local p = window_params(op, kernel, opts, true)
  local want_grad = needs(x)
  local slot = (want_grad or opts.return_indices) and TPTR1() or nil
  local idx_dtype = opts.return_indices and INT64 or INT32
  local py = retry(C.tide_max_pool2d_forward, x4._c, nil, slot, idx_dtype, p)
  if py == nil then raise_c() end
  local y = wrap(py)
  local idx = slot and wrap(slot[0]) or nil
  if want_grad then
    record(op, y, { x4 }, function(g, _, retain)
      local gx = new_like(x4)
      if C.tide_max_pool2d_backward(g._c, idx._c, gx._c, p, 0) ~= 0 then raise_c() end
      -- an engine that says the graph is not kept lets the indices go at once (not at the next
      -- garbage collection); a returned index tensor is a copy, never this one
      if retain == false then idx:free() end
      return gx
    end)
  end
  y = unbatch(y, unbatched)
  if opts.return_indices then
    return y, autograd.no_grad(function() return unbatch(idx, unbatched) + 1 end) -- 1-based positions
  end
  return y
end

local AVG_OPTS = { stride = true, padding = true, ceil_mode = true, count_include_pad = true, divisor_override = true }

local function avg_pool2d(x, kernel, opts)
  local op = "avg_pool2d"
  opts = options(op, opts, AVG_OPTS)
  local x4, unbatched = batched(op, x)
  local p = window_params(op, kernel, opts, false)
  local y = result(C.tide_avg_pool2d_forward, x4._c, nil, p)
  y = recorded(op, x4, y, function(g, gx) return C.tide_avg_pool2d_backward(g._c, gx._c, p, 0) end)
  return unbatch(y, unbatched)
end

local function adaptive_avg_pool2d(x, output_size)
  local op = "adaptive_avg_pool2d"
  local x4, unbatched = batched(op, x)
  local oh, ow
  if type(output_size) == "table" and getmetatable(output_size) ~= Tensor and #output_size <= 2 then
    -- nil keeps the input's size along that dim (PyTorch's None)
    local h, w = output_size[1], output_size[2]
    if h == nil then h = tonumber(x4._c.shape[2]) end
    if w == nil then w = tonumber(x4._c.shape[3]) end
    oh, ow = pair(op, "output_size", { h, w }, 1)
  else
    oh, ow = pair(op, "output_size", output_size, 1)
  end
  local y = result(C.tide_adaptive_avg_pool2d_forward, x4._c, nil, oh, ow)
  y = recorded(op, x4, y, function(g, gx) return C.tide_adaptive_avg_pool2d_backward(g._c, gx._c, 0) end)
  return unbatch(y, unbatched)
end

return { max_pool2d = max_pool2d, avg_pool2d = avg_pool2d, adaptive_avg_pool2d = adaptive_avg_pool2d }
