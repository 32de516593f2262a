-- Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_:
--   tide.optim.clip_grad_norm(params, max_norm, norm_type = 2, {error_if_nonfinite = false})
--     scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, in place, and
--     returns total_norm: the norm of all gradients together (norm_type a positive number, 0 for
--     the count of nonzeros, or math.huge for the largest magnitude), a Lua number.
--   tide.optim.clip_grad_value(params, clip_value)
--     clamps every gradient element to [-clip_value, clip_value], in place.
-- params: a tensor or an array of tensors; those without .grad are skipped. The norm is summed in
-- C in double precision, over the gradients where they lie (no per-parameter temporaries).
local core = require("tide._core")
local ffi = core.ffi
local C = core.C
local Tensor = core.Tensor
local raise, check = core.raise, core.check
local getmetatable, rawget, rawset, type, format = getmetatable, rawget, rawset, type, string.format

local M = {}

-- The gradients of params as a C array of tensor pointers (and the Lua handles, kept alive).
local function collect_grads(op, params)
  if getmetatable(params) == Tensor then params = { params } end
  if type(params) ~= "table" then
    raise(format("%s: params must be a tensor or an array of tensors, got %s", op, type(params)))
  end
  local grads = {}
  for i = 1, #params do
    local p = params[i]
    if getmetatable(p) ~= Tensor then raise(format("%s: param %d must be a tensor, got %s", op, i, type(p))) end
    local g = rawget(p, "grad")
    if g ~= nil then
      if getmetatable(g) ~= Tensor then
        raise(format("%s: the .grad of param %d must be a tensor, got %s", op, i, type(g)))
      end
      local d = g.dtype
      if d ~= "float32" and d ~= "float64" then
        raise(format("%s: the gradient of param %d is %s; expected float32 or float64", op, i, d))
      end
      if not g:is_contiguous() then -- clip a contiguous copy, which becomes p's gradient
        g = g:contiguous()
        rawset(p, "grad", g)
      end
      grads[#grads + 1] = g
    end
  end
  local arr = ffi.new("tide_tensor*[?]", math.max(#grads, 1))
  for i = 1, #grads do arr[i - 1] = grads[i]._c end
  return arr, #grads -- the grads stay alive as p.grad
end

local total_buf = ffi.new("double[1]")

function M.clip_grad_norm(params, max_norm, norm_type, opts)
  local op = "clip_grad_norm"
  if type(max_norm) ~= "number" or max_norm ~= max_norm then
    raise(format("%s: max_norm must be a number, got %s", op, tostring(max_norm)))
  end
  if norm_type == nil then norm_type = 2 end
  if type(norm_type) ~= "number" or not (norm_type >= 0) then
    raise(format("%s: norm_type must be a number >= 0 or math.huge, got %s", op, tostring(norm_type)))
  end
  if opts ~= nil and type(opts) ~= "table" then raise(format("%s: options must be a table, got %s", op, type(opts))) end
  local arr, n = collect_grads(op, params)
  if n == 0 then return 0 end
  check(C.tide_grad_norm(arr, n, norm_type, total_buf))
  local total = total_buf[0]
  if opts and opts.error_if_nonfinite and (total ~= total or total == math.huge) then
    raise(format("%s: the total norm of order %s of the gradients is non-finite (%s), so they cannot be clipped",
      op, tostring(norm_type), tostring(total)))
  end
  local coef = max_norm / (total + 1e-6)
  if coef < 1 then check(C.tide_grads_scale_(arr, n, coef)) end
  return total
end

function M.clip_grad_value(params, clip_value)
  local op = "clip_grad_value"
  if type(clip_value) ~= "number" or not (clip_value >= 0) then
    raise(format("%s: clip_value must be a number >= 0, got %s", op, tostring(clip_value)))
  end
  local arr, n = collect_grads(op, params)
  if n > 0 then check(C.tide_grads_clamp_(arr, n, clip_value)) end
end

-- PyTorch's names (torch.nn.utils.clip_grad_norm_ / clip_grad_value_)
M.clip_grad_norm_ = M.clip_grad_norm
M.clip_grad_value_ = M.clip_grad_value

return M
