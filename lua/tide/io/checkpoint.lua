-- tide.io.checkpoint: a training run's state in one safetensors file.
--   tensors   "model.<key>" for each entry of model:state_dict(),
--             "optimizer.<key>" for each tensor of optimizer:state_dict().tensors
--   metadata  "tide.checkpoint" = "1"; "tide.optimizer" = JSON of optimizer:state_dict().meta,
--             "tide.scheduler" = JSON of scheduler:state_dict(), "tide.extra" = JSON of extra,
--             "tide.rng" = JSON of tide.get_rng_state()
-- Any safetensors reader sees the model weights under their PyTorch-style names prefixed "model.".
local core = require("tide._core")
local safetensors = require("tide.io.safetensors")
local files = require("tide.io.files")
local json = require("tide.io.json")
local tensor = require("tide.tensor")
local raise = core.raise
local format = string.format

local M = {}

local function has_method(obj, name)
  local ok, f = pcall(function() return obj[name] end)
  return ok and type(f) == "function"
end

-- The entries of a state dict: a map name -> tensor, or a list of {name, tensor} pairs.
local function each_entry(op, what, sd, fn)
  if type(sd) ~= "table" then raise(format("%s: %s returned a %s, expected a table of tensors", op, what, type(sd))) end
  local first = sd[1]
  if type(first) == "table" and getmetatable(first) ~= core.Tensor then
    for i, pair in ipairs(sd) do fn(pair[1], pair[2], i) end
  else
    for k, v in pairs(sd) do fn(k, v) end
  end
end

local function key_string(op, what, k)
  if type(k) == "number" and k == math.floor(k) then return format("%d", k) end
  if type(k) ~= "string" then raise(format("%s: %s has a %s key; keys must be strings", op, what, type(k))) end
  return k
end

-- save_checkpoint(path, {model =, optimizer =, scheduler =, extra =})
function M.save(path, parts)
  local op = "save_checkpoint"
  files.check_path(op, path)
  if type(parts) ~= "table" then raise(op .. ": expected a table {model =, optimizer =, scheduler =, extra =}") end
  for k in pairs(parts) do
    if k ~= "model" and k ~= "optimizer" and k ~= "scheduler" and k ~= "extra" then
      raise(format("%s: unknown part '%s' (expected model, optimizer, scheduler, extra)", op, tostring(k)))
    end
  end
  local tensors, meta = {}, { ["tide.checkpoint"] = "1" }
  local function add(name, t, what)
    if getmetatable(t) ~= core.Tensor then
      raise(format("%s: %s entry '%s' is a %s, not a tensor", op, what, name, type(t)))
    end
    if tensors[name] then raise(format("%s: the tensor name '%s' appears twice", op, name)) end
    tensors[name] = t
  end
  if parts.model ~= nil then
    if not has_method(parts.model, "state_dict") then raise(op .. ": model has no state_dict() method") end
    each_entry(op, "model:state_dict()", parts.model:state_dict(), function(k, t)
      local name = key_string(op, "model:state_dict()", k)
      add("model." .. name, t, "model:state_dict()")
    end)
  end
  if parts.optimizer ~= nil then
    if not has_method(parts.optimizer, "state_dict") then raise(op .. ": optimizer has no state_dict() method") end
    local sd = parts.optimizer:state_dict()
    if type(sd) ~= "table" then raise(op .. ": optimizer:state_dict() must return {tensors =, meta =}") end
    if sd.tensors ~= nil then
      each_entry(op, "optimizer:state_dict().tensors", sd.tensors, function(k, t)
        add("optimizer." .. key_string(op, "optimizer:state_dict().tensors", k), t, "optimizer:state_dict().tensors")
      end)
    end
    meta["tide.optimizer"] = json.encode(sd.meta or {}, op, "optimizer meta")
  end
  if parts.scheduler ~= nil then
    if not has_method(parts.scheduler, "state_dict") then raise(op .. ": scheduler has no state_dict() method") end
    meta["tide.scheduler"] = json.encode(parts.scheduler:state_dict(), op, "scheduler state")
  end
  if parts.extra ~= nil then meta["tide.extra"] = json.encode(parts.extra, op, "extra") end
  meta["tide.rng"] = json.encode(tensor.get_rng_state(), op, "rng")
  safetensors.save(path, tensors, meta, op)
end

-- Tensors under a prefix, keys restored (integer-looking keys back to integers).
local function strip(tensors, prefix)
  local out, n = {}, #prefix
  for name, t in pairs(tensors) do
    if name:sub(1, n) == prefix then
      local k = name:sub(n + 1)
      local num = k:match("^%-?%d+$") and tonumber(k)
      if num and format("%d", num) == k then k = num end
      out[k] = t
    end
  end
  return out
end

-- load_checkpoint(path, {model =, optimizer =, scheduler =, restore_rng = false}) -> extra
function M.load(path, parts)
  local op = "load_checkpoint"
  files.check_path(op, path)
  parts = parts or {}
  if type(parts) ~= "table" then raise(op .. ": expected a table {model =, optimizer =, scheduler =}") end
  for k in pairs(parts) do
    if k ~= "model" and k ~= "optimizer" and k ~= "scheduler" and k ~= "restore_rng" then
      raise(format("%s: unknown part '%s' (expected model, optimizer, scheduler, restore_rng)", op, tostring(k)))
    end
  end
  local tensors, meta = safetensors.load(path, op)
  local function decode(key, what)
    local text = meta[key]
    if text == nil then
      raise(format("%s: %s holds no %s (it was saved without one)", op, path, what))
    end
    return json.decode(text, op, path .. ": " .. what)
  end
  if parts.model ~= nil then
    if not has_method(parts.model, "load_state_dict") then raise(op .. ": model has no load_state_dict() method") end
    local sd = strip(tensors, "model.")
    if next(sd) == nil and meta["tide.checkpoint"] == nil then
      raise(format("%s: %s holds no model.* tensors (not a Tide checkpoint?)", op, path))
    end
    parts.model:load_state_dict(sd)
  end
  if parts.optimizer ~= nil then
    if not has_method(parts.optimizer, "load_state_dict") then
      raise(op .. ": optimizer has no load_state_dict() method")
    end
    local m = decode("tide.optimizer", "optimizer state")
    parts.optimizer:load_state_dict({ tensors = strip(tensors, "optimizer."), meta = m })
  end
  if parts.scheduler ~= nil then
    if not has_method(parts.scheduler, "load_state_dict") then
      raise(op .. ": scheduler has no load_state_dict() method")
    end
    parts.scheduler:load_state_dict(decode("tide.scheduler", "scheduler state"))
  end
  if parts.restore_rng then
    local s = decode("tide.rng", "random generator state")
    tensor.set_rng_state(s)
  end
  if meta["tide.extra"] ~= nil then return decode("tide.extra", "extra") end
  return nil
end

return M
