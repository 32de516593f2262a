-- Containers: Sequential, ModuleList, ModuleDict.
--
-- Sequential and ModuleList keep their children in the instance's array part (seq[1] is the
-- first child, #seq their number, ipairs(seq) walks them), so assigning seq[i] = m replaces a
-- child directly. Their state_dict keys are PyTorch's ("0.weight", "1.bias": 0-based, so that
-- checkpoints move between the two), while positions in messages and printouts are 1-based.
-- A Sequential built from {name, module} pairs uses those names instead ("conv1.weight").
local core = require("tide._core")
local autograd = require("tide.autograd")
local Tensor = core.Tensor
local M = require("tide.nn.module")
local Module, is_module = M.Module, M.is_module
local raise = core.raise
local rawget, rawset, type, format = rawget, rawset, type, string.format

-- ---------------------------------------------------------------- positional containers

local Positional = Module:extend("Positional")
Positional.__positional = true

local base_index = Module.__index

-- seq[-1] is the last child; seq.name finds a named child (Sequential from pairs)
function Positional.__index(self, k)
  if type(k) == "number" then
    local n = #self
    if k < 0 and k >= -n then return rawget(self, n + k + 1) end
    return nil
  end
  local v = base_index(self, k)
  if v ~= nil then return v end
  local names = rawget(self, "_seq_names")
  if names and type(k) == "string" then
    for i = 1, #self do
      if names[i] == k then return rawget(self, i) end
    end
  end
  return nil
end

local base_newindex = Module.__newindex

function Positional.__newindex(self, k, v)
  if type(k) == "number" then
    local n = #self
    if k < 0 and k >= -n then k = n + k + 1 end
    if k ~= n + 1 and not (k >= 1 and k <= n) then
      raise(format("%s: index %s out of range (%d children; use append to add one)", self:class_name(), tostring(k), n))
    end
    if not is_module(v) then
      raise(format("%s[%d]: expected a module, got %s", self:class_name(), k, type(v)))
    end
    rawset(self, k, v)
    return
  end
  local names = rawget(self, "_seq_names")
  if names and type(k) == "string" then
    for i = 1, #self do
      if names[i] == k then
        if not is_module(v) then raise(format("%s.%s: expected a module, got %s", self:class_name(), k, type(v))) end
        rawset(self, i, v)
        return
      end
    end
  end
  if is_module(v) and type(k) == "string" then
    -- a named child added by assignment joins the sequence (as add_module does in PyTorch)
    self:_add(v, k)
    return
  end
  base_newindex(self, k, v)
end

function Positional:_add(m, name)
  if not is_module(m) then
    raise(format("%s: expected a module, got %s", self:class_name(), type(m)))
  end
  local n = #self
  if name ~= nil then
    if type(name) ~= "string" or name == "" or name:find(".", 1, true) then
      raise(format("%s: child name must be a non-empty string without '.', got %s", self:class_name(), tostring(name)))
    end
    if getmetatable(self)[name] ~= nil then
      raise(format("%s: cannot name a child '%s': the name is a method or field of the class", self:class_name(), name))
    end
    local names = rawget(self, "_seq_names")
    if not names then
      names = {}
      for i = 1, n do names[i] = tostring(i - 1) end
      rawset(self, "_seq_names", names)
    end
    for i = 1, n do
      if names[i] == name then raise(format("%s: a child named '%s' already exists", self:class_name(), name)) end
    end
    names[n + 1] = name
  elseif rawget(self, "_seq_names") then
    rawget(self, "_seq_names")[n + 1] = tostring(n)
  end
  rawset(self, n + 1, m)
  return self
end

function Positional:_child_list()
  local out, names = {}, rawget(self, "_seq_names")
  for i = 1, #self do
    out[i] = { names and names[i] or tostring(i - 1), rawget(self, i) }
  end
  return out
end

-- Append a child (or several); returns the container.
function Positional:append(...)
  for i = 1, select("#", ...) do self:_add((select(i, ...))) end
  return self
end
Positional.add = Positional.append

-- Append every module of an array (or of another container).
function Positional:extend_with(list)
  if type(list) ~= "table" then raise(self:class_name() .. ":extend_with: expected an array of modules") end
  for i = 1, #list do self:_add(list[i]) end
  return self
end

-- Insert m at 1-based position i (children after it move up).
function Positional:insert(i, m)
  local n = #self
  if type(i) ~= "number" or i ~= math.floor(i) or i < 1 or i > n + 1 then
    raise(format("%s:insert: position must be an integer in 1..%d, got %s", self:class_name(), n + 1, tostring(i)))
  end
  if not is_module(m) then raise(format("%s:insert: expected a module, got %s", self:class_name(), type(m))) end
  if rawget(self, "_seq_names") then
    raise(self:class_name() .. ":insert: not supported on a container with named children")
  end
  table.insert(self, i, m)
  return self
end

-- Remove and return the child at 1-based position i (default: the last).
function Positional:remove(i)
  local n = #self
  i = i or n
  if i < 0 then i = n + i + 1 end
  if type(i) ~= "number" or i < 1 or i > n then
    raise(format("%s:remove: position %s out of range (%d children)", self:class_name(), tostring(i), n))
  end
  local names = rawget(self, "_seq_names")
  if names then table.remove(names, i) end
  return table.remove(self, i)
end

function Positional:len() return #self end

-- ---------------------------------------------------------------- Sequential

-- nn.Sequential(m1, m2, ...) or nn.Sequential({ {"conv1", m1}, {"relu", m2}, ... })
local Sequential = Positional:extend("Sequential")

function Sequential:init(...)
  local first = ...
  if select("#", ...) == 1 and type(first) == "table" and not is_module(first) then
    for i, e in ipairs(first) do
      if type(e) ~= "table" or is_module(e) or type(e[1]) ~= "string" then
        raise(format("Sequential: entry %d must be a {name, module} pair", i))
      end
      self:_add(e[2], e[1])
    end
    return
  end
  for i = 1, select("#", ...) do
    local m = select(i, ...)
    if not is_module(m) then
      raise(format("Sequential: argument %d must be a module, got %s", i, type(m)))
    end
    self:_add(m)
  end
end

-- Each child's output is the next one's input. Extra arguments go to the first child only.
-- Without recording (evaluation under tide.no_grad) nothing needs an intermediate output once
-- the next child has made its own, so it is freed at once instead of waiting for the
-- collector: inference over large batches then peaks at two layers' outputs, not all of them.
-- (Views the next child made of it keep the data alive; only the handle goes.)
function Sequential:forward(x, ...)
  local eager = not autograd.is_enabled()
  for i = 1, #self do
    local m = rawget(self, i)
    if not is_module(m) then raise(format("Sequential[%d] is a %s, not a module", i, type(m))) end
    local y
    if i == 1 then y = m(x, ...) else y = m(x) end
    if eager and i > 1 and y ~= x and getmetatable(x) == Tensor then core.free(x) end
    x = y
  end
  return x
end

-- ---------------------------------------------------------------- ModuleList

-- nn.ModuleList({m1, m2, ...}): holds modules (registered, saved, printed); has no forward.
local ModuleList = Positional:extend("ModuleList")

function ModuleList:init(list)
  if list == nil then return end
  if type(list) ~= "table" or is_module(list) then
    raise("ModuleList: expected an array of modules, got " .. (is_module(list) and "a module" or type(list)))
  end
  for i = 1, #list do
    if not is_module(list[i]) then raise(format("ModuleList: element %d must be a module, got %s", i, type(list[i]))) end
    self:_add(list[i])
  end
end

function ModuleList:forward()
  raise("ModuleList: has no forward; call its modules (list[i](x)) from your module's forward")
end

-- ---------------------------------------------------------------- ModuleDict

-- nn.ModuleDict({ {"a", m1}, {"b", m2} }) keeps that order; from a map {a = m1, b = m2} the
-- keys are taken in sorted order (Lua tables have none). d.a / d["a"] reads a child.
local ModuleDict = Module:extend("ModuleDict")

function ModuleDict:init(entries)
  if entries == nil then return end
  if type(entries) ~= "table" or is_module(entries) then raise("ModuleDict: expected a table of modules") end
  if #entries > 0 then
    for i, e in ipairs(entries) do
      if type(e) ~= "table" or is_module(e) or type(e[1]) ~= "string" then
        raise(format("ModuleDict: entry %d must be a {name, module} pair", i))
      end
      self:set(e[1], e[2])
    end
  else
    local keys = {}
    for k in pairs(entries) do
      if type(k) ~= "string" then raise("ModuleDict: keys must be strings, got " .. type(k)) end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    for _, k in ipairs(keys) do self:set(k, entries[k]) end
  end
end

function ModuleDict:set(key, m)
  if not is_module(m) then raise(format("ModuleDict: value for '%s' must be a module, got %s", tostring(key), type(m))) end
  self:register_module(key, m)
  return self
end

function ModuleDict:get(key) return rawget(self, "_modules")[key] or nil end

function ModuleDict:keys()
  local out = {}
  for _, e in ipairs(self:_child_list()) do out[#out + 1] = e[1] end
  return out
end

-- for key, m in d:items() do ... end (insertion order)
function ModuleDict:items() return self:named_children() end

function ModuleDict:len() return #self:_child_list() end

function ModuleDict:forward()
  raise("ModuleDict: has no forward; call its modules (d.key(x)) from your module's forward")
end

return { Sequential = Sequential, ModuleList = ModuleList, ModuleDict = ModuleDict }
