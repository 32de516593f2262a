-- model:summary(input_shape, opts): run one forward pass on zeros (no_grad, evaluation mode,
-- restored afterwards) and tabulate every module called: its path (as in error messages:
-- "features[2].conv"), type, output shape and the parameters it owns directly (so the column
-- sums to the total when each module runs once). Returns the text and the rows as a table.
--
--   input_shape: the full input shape including the batch ({1, 1, 28, 28}), or a tensor, or a
--                list of shapes / tensors for a forward taking several inputs
--   opts.dtype:  of the zero input (default: the dtype of the model's first parameter)
local core = require("tide._core")
local base = require("tide.nn.module")
local Module = base.Module
local raise = core.raise
local format, concat = string.format, table.concat

local function thousands(n)
  local s = tostring(math.floor(n))
  local r = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (r:gsub("^,", ""))
end

local function shape_text(v, tide)
  if tide.is_tensor(v) then return "[" .. concat(v.shape, ", ") .. "]" end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = shape_text(x, tide) end
    if #parts > 0 then return concat(parts, ", ") end
  end
  if v == nil then return "-" end
  return type(v)
end

-- Display path of every module under root: "[i]" below positional containers, ".name" otherwise.
local function paths_of(root)
  local paths = {}
  local function walk(m, path)
    if paths[m] then return end
    paths[m] = path
    for i, e in ipairs(m:_child_list()) do
      local step = m.__positional and "[" .. i .. "]" or (path == "" and "" or ".") .. e[1]
      walk(e[2], path .. step)
    end
  end
  walk(root, "")
  return paths
end

local function is_shape(v)
  if type(v) ~= "table" or #v == 0 then return false end
  for _, x in ipairs(v) do
    if type(x) ~= "number" then return false end
  end
  return true
end

return function(model, input, opts)
  local tide = require("tide")
  opts = opts or {}
  if type(opts) ~= "table" then raise("summary: options must be a table") end
  local params = model:parameters()
  local dtype = opts.dtype or (params[1] and params[1].dtype) or "float32"
  local function make(v, i)
    if tide.is_tensor(v) then return v end
    if is_shape(v) then
      for _, s in ipairs(v) do
        if s < 0 or s ~= math.floor(s) then raise("summary: input sizes must be non-negative integers") end
      end
      return tide.zeros(v, dtype)
    end
    raise(format("summary: input%s must be a shape (a table of sizes, batch included) or a tensor",
      i and " " .. i or ""))
  end
  local inputs
  if tide.is_tensor(input) or is_shape(input) then
    inputs = { make(input) }
  elseif type(input) == "table" and #input > 0 then
    inputs = {}
    for i, v in ipairs(input) do inputs[i] = make(v, i) end
  else
    raise("summary: expected the input shape (batch included, e.g. {1, 1, 28, 28}) or a tensor")
  end

  local paths = paths_of(model)
  local rows, stack = {}, {}
  local function hook(m, phase, ...)
    if m == model then return end
    if phase == "pre" then
      local row = { module = m, name = paths[m] or "?", type = m:class_name(), depth = #stack,
        params = m:num_parameters_direct() }
      rows[#rows + 1] = row
      stack[#stack + 1] = row
    else
      local row = table.remove(stack)
      if row then row.output_shape = shape_text((select("#", ...) > 1) and { ... } or (...), tide) end
    end
  end

  local modes = {}
  for _, m in ipairs(model:modules()) do modes[m] = rawget(m, "training") end
  model:eval()
  Module._set_hook(hook)
  local ok, out = pcall(tide.no_grad, function() return model(unpack(inputs)) end)
  Module._set_hook(nil)
  for m, mode in pairs(modes) do rawset(m, "training", mode) end
  if not ok then error(out, 0) end

  -- the table
  local header = { "Layer (type)", "Output Shape", "Param #" }
  local lines = {}
  local w1, w2, w3 = #header[1], #header[2], #header[3]
  for _, r in ipairs(rows) do
    r.label = string.rep("  ", r.depth) .. r.name .. " (" .. r.type .. ")"
    r.output_shape = r.output_shape or "-"
    r.params_text = thousands(r.params)
    w1 = math.max(w1, #r.label)
    w2 = math.max(w2, #r.output_shape)
    w3 = math.max(w3, #r.params_text)
  end
  local function line(a, b, c)
    return a .. string.rep(" ", w1 - #a + 2) .. b .. string.rep(" ", w2 - #b + 2) .. string.rep(" ", w3 - #c) .. c
  end
  local width = w1 + w2 + w3 + 4
  lines[#lines + 1] = model:class_name() .. " summary"
  lines[#lines + 1] = string.rep("-", width)
  lines[#lines + 1] = line(header[1], header[2], header[3])
  lines[#lines + 1] = string.rep("=", width)
  for _, r in ipairs(rows) do lines[#lines + 1] = line(r.label, r.output_shape, r.params_text) end
  lines[#lines + 1] = string.rep("=", width)
  local total, trainable, bytes = 0, 0, 0
  for _, p in ipairs(params) do
    local n = p:numel()
    total = total + n
    if rawget(p, "requires_grad") then trainable = trainable + n end
    bytes = bytes + n * (p.dtype == "float64" and 8 or 4)
  end
  local in_shapes = {}
  for i, x in ipairs(inputs) do in_shapes[i] = shape_text(x, tide) end
  lines[#lines + 1] = "Total params: " .. thousands(total)
  lines[#lines + 1] = "Trainable params: " .. thousands(trainable)
  lines[#lines + 1] = "Non-trainable params: " .. thousands(total - trainable)
  lines[#lines + 1] = format("Params size (MB): %.2f", bytes / (1024 * 1024))
  lines[#lines + 1] = "Input shape: " .. concat(in_shapes, ", ")
  lines[#lines + 1] = "Output shape: " .. shape_text(out, tide)
  lines[#lines + 1] = string.rep("-", width)
  local result = {}
  for i, r in ipairs(rows) do
    result[i] = { name = r.name, type = r.type, output_shape = r.output_shape, params = r.params, depth = r.depth }
  end
  return concat(lines, "\n"), { rows = result, total_params = total, trainable_params = trainable }
end
