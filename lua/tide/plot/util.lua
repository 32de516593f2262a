-- tide.plot.util: argument checking and data conversion shared by the plot modules: series data
-- (tensors or Lua arrays) as float64 tensors, images in any common layout as uint8 [H, W, C].
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")

local raise = core.raise
local format = string.format

local M = {}

-- options(op, opts, allowed) and set(list): see tide._args.
M.options = args.options
M.set = args.set

-- Values of a series as a fresh contiguous float64 1-d tensor: a tensor (1-d, or [N, 1] / [1, N])
-- or a Lua array of numbers (NaN allowed: it makes a gap).
function M.series(op, what, v)
  if tide.is_tensor(v) then
    if v.ndim == 2 and (v.shape[1] == 1 or v.shape[2] == 1) then
      v = v:reshape(v:numel())
    elseif v.ndim == 0 then
      v = v:reshape(1)
    elseif v.ndim ~= 1 then
      raise(format("%s: %s must be 1-d, got a tensor of %d dims", op, what, v.ndim))
    end
    if v.dtype == "bool" then v = v:to("uint8") end
    return v:to("float64"):clone()
  elseif type(v) == "table" then
    return args.numbers(op, what, v)
  end
  raise(format("%s: %s must be a tensor or an array of numbers, got %s", op, what, type(v)))
end

-- A matrix (2-d tensor, or a Lua array of rows) as a float64 tensor [R, C].
function M.matrix(op, what, v)
  if type(v) == "table" and not tide.is_tensor(v) then
    if #v == 0 or type(v[1]) ~= "table" then raise(format("%s: %s must be a 2-d tensor or an array of rows", op, what)) end
    v = tide.tensor(v, "float64")
  end
  if not tide.is_tensor(v) then raise(format("%s: %s must be a 2-d tensor, got %s", op, what, type(v))) end
  if v.ndim ~= 2 then raise(format("%s: %s must be 2-d, got %d dims", op, what, v.ndim)) end
  if v:numel() == 0 then raise(format("%s: %s is empty", op, what)) end
  return v:to("float64"):contiguous()
end

-- (min, max) of the finite values of t (and > 0 with positive), or nil when there are none.
function M.finite_range(t, positive)
  if t:numel() == 0 then return nil end
  local mask = t:isfinite()
  if positive then mask = tide.logical_and(mask, t:gt(0)) end
  if not mask:any() then return nil end
  local v = t:masked_select(mask)
  return v:amin(), v:amax()
end

-- An image as uint8 [H, W, C] (C = 1, 3 or 4):
--   uint8 [H, W] / [H, W, C]; float32 / float64 [H, W] or [C, H, W] (PyTorch's layout, C = 1, 3
--   or 4) with values in [0, 1] (clamped), or in [min, max] rescaled when normalize is true.
function M.image(op, img, normalize)
  if not tide.is_tensor(img) then raise(format("%s: an image must be a tensor, got %s", op, type(img))) end
  local t = img
  if t.dtype == "uint8" then
    if t.ndim == 2 then return t:unsqueeze(3) end
    if t.ndim == 3 and (t.shape[3] == 1 or t.shape[3] == 3 or t.shape[3] == 4) then return t end
    raise(format("%s: a uint8 image must be [H, W] or [H, W, C] with C = 1, 3 or 4, got [%s]", op,
      table.concat(t.shape, ", ")))
  end
  if t.dtype ~= "float32" and t.dtype ~= "float64" then
    raise(format("%s: an image must be uint8, float32 or float64, got %s", op, t.dtype))
  end
  if t.ndim == 3 then
    if t.shape[1] ~= 1 and t.shape[1] ~= 3 and t.shape[1] ~= 4 then
      raise(format("%s: a float image must be [H, W] or [C, H, W] with C = 1, 3 or 4, got [%s]", op,
        table.concat(t.shape, ", ")))
    end
    t = t:permute(2, 3, 1)
  elseif t.ndim == 2 then
    t = t:unsqueeze(3)
  else
    raise(format("%s: a float image must be [H, W] or [C, H, W], got %d dims", op, t.ndim))
  end
  t = t:to("float64")
  if normalize then
    local lo, hi = M.finite_range(t)
    if lo == nil then lo, hi = 0, 1 end
    if hi > lo then t = (t - lo) / (hi - lo) else t = t - lo end
  end
  t = tide.where(t:isnan(), 0, t)
  return (t:clamp(0, 1) * 255):round():to("uint8"):contiguous()
end

-- Texts of a Lua array (labels, captions): every element as a string.
function M.strings(op, what, v)
  if type(v) ~= "table" then raise(format("%s: %s must be an array of strings", op, what)) end
  local out = {}
  for i = 1, #v do out[i] = tostring(v[i]) end
  return out
end

return M
