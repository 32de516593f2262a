-- tide.autograd.gradcheck(fn, inputs, opts): compare the gradients autograd computes for
-- sum(fn(inputs...) * w) (w fixed random weights) with central finite differences, input by
-- input and element by element. Inputs that require grad must be contiguous float64 tensors.
-- Returns true, or raises naming the op, the input, the element and both values.
local ffi = require("ffi")
local core = require("tide._core")
local format = string.format

return function(tide, fn, inputs, opts)
  opts = opts or {}
  local eps, atol, rtol = opts.eps or 1e-6, opts.atol or 1e-5, opts.rtol or 1e-3
  local name = opts.name or "gradcheck"
  if type(fn) ~= "function" then core.raise("gradcheck: fn must be a function") end
  if type(inputs) ~= "table" then core.raise("gradcheck: inputs must be an array") end
  local n = table.maxn(inputs)
  local params = {}
  for i = 1, n do
    local x = inputs[i]
    if tide.is_tensor(x) and x.requires_grad then
      if x.dtype ~= "float64" then core.raise(format("%s: input %d must be float64, got %s", name, i, x.dtype)) end
      if not x:is_contiguous() then core.raise(format("%s: input %d must be contiguous", name, i)) end
      if x.grad_fn then core.raise(format("%s: input %d must be a leaf", name, i)) end
      params[#params + 1] = i
    end
  end
  if #params == 0 then core.raise("gradcheck: no input requires grad") end

  local function outputs()
    local r = { fn(unpack(inputs, 1, n)) }
    local list = {}
    for _, v in ipairs(r) do
      if tide.is_tensor(v) then
        list[#list + 1] = v
      elseif type(v) == "number" then -- a whole-tensor reduction evaluated without recording
        list[#list + 1] = tide.tensor(v, "float64")
      elseif type(v) == "table" then
        for _, t in ipairs(v) do if tide.is_tensor(t) then list[#list + 1] = t end end
      end
    end
    return list
  end

  local outs = outputs()
  local weights = {}
  for j, o in ipairs(outs) do weights[j] = tide.randn(o.shape):to(o.dtype) end
  local function objective(list)
    local total = nil
    for j, o in ipairs(list) do
      if o.dtype == "float32" or o.dtype == "float64" then
        local s = (o * weights[j]):sum()
        total = total and total + s or s
      end
    end
    return total
  end

  for _, i in ipairs(params) do inputs[i].grad = nil end
  local loss = objective(outs)
  if not tide.is_tensor(loss) then core.raise(name .. ": the output does not depend on any input that requires grad") end
  loss:backward()

  for _, i in ipairs(params) do
    local x = inputs[i]
    local analytic = x.grad and x.grad:contiguous() or tide.zeros_like(x)
    local p = ffi.cast("double*", x:data_ptr())
    local ga = ffi.cast("double*", analytic:data_ptr())
    for k = 0, x:numel() - 1 do
      local orig = p[k]
      p[k] = orig + eps
      local fp = tide.no_grad(function() return objective(outputs()) end)
      p[k] = orig - eps
      local fm = tide.no_grad(function() return objective(outputs()) end)
      p[k] = orig
      if tide.is_tensor(fp) then fp = fp:item() end
      if tide.is_tensor(fm) then fm = fm:item() end
      local numeric = (fp - fm) / (2 * eps)
      local a = ga[k]
      if not (math.abs(a - numeric) <= atol + rtol * math.abs(numeric)) then
        core.raise(format("%s: gradient of input %d, element %d: autograd %.10g, finite difference %.10g",
          name, i, k + 1, a, numeric))
      end
    end
  end
  return true
end
