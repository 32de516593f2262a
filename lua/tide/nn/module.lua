-- tide.nn.Module: the base class of every layer and model (PyTorch's nn.Module in Lua).
--
--   local MyNet = nn.Module:extend("MyNet")
--   function MyNet:init(n) self.fc = nn.Linear(n, 2) end      -- children register by assignment
--   function MyNet:forward(x) return self.fc(x) end
--   local m = MyNet(4); local y = m(x)                          -- calling a module runs forward
--
-- An instance is a table whose metatable is its class. Parameters, buffers and children live in
-- ordered side tables (_parameters/_buffers/_modules plus name arrays giving registration order),
-- so every assignment to one of those names goes through __newindex and stays registered.
-- A name registered with no value (a Linear without bias) holds `false` there and reads as nil.
--
-- Errors: each module call runs forward under pcall; an error gathers the chain of modules it
-- passed through and the outermost call re-raises it, at the user's line, with the path of the
-- failing module prefixed: "Sequential[2].block[1] Linear: input has 784 features, ...".
local core = require("tide._core")
local Tensor = core.Tensor
local raise = core.raise
local getmetatable, setmetatable, rawget, rawset, type, pcall, error, select =
  getmetatable, setmetatable, rawget, rawset, type, pcall, error, select
local format, concat = string.format, table.concat

local tide -- the library table, required lazily (tide.nn loads after tide)
local function T()
  tide = tide or require("tide")
  return tide
end

local Module = { __name = "Module" }

local function is_tensor(x) return getmetatable(x) == Tensor end

local function is_module(x)
  if type(x) ~= "table" then return false end
  local mt = getmetatable(x)
  return type(mt) == "table" and rawget(mt, "__module_class") == true
end

local function shape_str(t)
  return "{" .. concat(t.shape, ", ") .. "}"
end

-- ---------------------------------------------------------------- classes

local construct

local function class_tostring(cls) return "nn." .. rawget(cls, "__name") .. " (class)" end

-- A new class: instance metamethods (keys starting "__") are copied from the parent, since Lua
-- reads metamethods raw; other members resolve through the parent chain.
local function new_class(name, parent)
  local cls = {}
  if parent then
    for k, v in pairs(parent) do
      if type(k) == "string" and k:sub(1, 2) == "__" then cls[k] = v end
    end
  end
  cls.__name = name
  cls.__module_class = true
  return setmetatable(cls, { __index = parent, __call = construct, __tostring = class_tostring })
end

-- Module:extend("Name"): a subclass. Define init(self, ...) and forward(self, ...) on it.
function Module.extend(parent, name)
  if type(parent) ~= "table" or rawget(parent, "__module_class") ~= true then
    raise("extend: call it on a class, as nn.Module:extend(\"Name\")")
  end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    raise("extend: the class name must be an identifier string, got " .. tostring(name))
  end
  return new_class(name, parent)
end

-- Class(...) builds an instance: empty registries, training mode, then the class's init.
construct = function(cls, ...)
  local self = setmetatable({
    _parameters = {}, _param_names = {},
    _buffers = {}, _buffer_names = {}, _nonpersistent = {},
    _modules = {}, _module_names = {},
    training = true,
  }, cls)
  local init = cls.init
  if init then init(self, ...) end
  return self
end

-- True when x is a module instance (any class derived from nn.Module).
Module.is_module = is_module

function Module:class_name() return getmetatable(self).__name end

-- ---------------------------------------------------------------- attribute access

function Module.__index(self, k)
  local v = getmetatable(self)[k]
  if v ~= nil then return v end
  v = rawget(self, "_parameters")[k]
  if v ~= nil then return v or nil end
  v = rawget(self, "_buffers")[k]
  if v ~= nil then return v or nil end
  v = rawget(self, "_modules")[k]
  if v ~= nil then return v or nil end
  return nil
end

local function remove_name(names, k)
  for i = 1, #names do
    if names[i] == k then table.remove(names, i) return end
  end
end

local function check_name(self, what, k)
  if type(k) ~= "string" or k == "" then
    raise(format("%s: %s name must be a non-empty string, got %s", self:class_name(), what, tostring(k)))
  end
  if k:find(".", 1, true) then
    raise(format("%s: %s name '%s' must not contain '.'", self:class_name(), what, k))
  end
  if getmetatable(self)[k] ~= nil then
    raise(format("%s: cannot register %s '%s': the name is a method or field of the class", self:class_name(), what, k))
  end
end

-- Move name k into one registry (kind = "_parameters" | "_buffers" | "_modules"), out of the others.
local NAMES = { _parameters = "_param_names", _buffers = "_buffer_names", _modules = "_module_names" }
local function place(self, kind, k, v)
  for other, names in pairs(NAMES) do
    if other ~= kind and rawget(self, other)[k] ~= nil then
      rawget(self, other)[k] = nil
      remove_name(rawget(self, names), k)
    end
  end
  rawset(self, k, nil)
  local reg = rawget(self, kind)
  if reg[k] == nil then
    local names = rawget(self, NAMES[kind])
    names[#names + 1] = k
  end
  if v == nil then v = false end
  reg[k] = v
end

-- nn.Parameter(t, requires_grad=true): marks t (a leaf; detached if it is not) as a parameter,
-- so that assigning it to a module attribute registers it.
local function Parameter(t, requires_grad)
  if not is_tensor(t) then raise("Parameter: expected a tensor, got " .. type(t)) end
  if rawget(t, "grad_fn") ~= nil then t = t:detach() end
  if requires_grad ~= false then
    local d = t.dtype
    if d ~= "float32" and d ~= "float64" then
      raise("Parameter: only float32 and float64 tensors can require gradients, this one is " .. d ..
        " (pass requires_grad = false)")
    end
    t:requires_grad_(true)
  end
  rawset(t, "_param", true)
  return t
end
Module.Parameter = Parameter

function Module:register_parameter(name, t)
  check_name(self, "parameter", name)
  if t ~= nil and t ~= false then
    if not is_tensor(t) then
      raise(format("%s: parameter '%s' must be a tensor or nil, got %s", self:class_name(), name, type(t)))
    end
    if not rawget(t, "_param") then t = Parameter(t) end
  end
  place(self, "_parameters", name, t or nil)
  return t
end

function Module:register_buffer(name, t, persistent)
  check_name(self, "buffer", name)
  if t ~= nil and t ~= false and not is_tensor(t) then
    raise(format("%s: buffer '%s' must be a tensor or nil, got %s", self:class_name(), name, type(t)))
  end
  place(self, "_buffers", name, t or nil)
  rawget(self, "_nonpersistent")[name] = (persistent == false) or nil
  return t
end

function Module:register_module(name, m)
  check_name(self, "child module", name)
  if m ~= nil and m ~= false and not is_module(m) then
    raise(format("%s: child '%s' must be a module or nil, got %s", self:class_name(), name, type(m)))
  end
  if m == self then raise(format("%s: a module cannot be its own child ('%s')", self:class_name(), name)) end
  place(self, "_modules", name, m or nil)
  return m
end
Module.add_module = Module.register_module

function Module.__newindex(self, k, v)
  if type(k) ~= "string" then rawset(self, k, v) return end
  if is_tensor(v) and rawget(v, "_param") then
    check_name(self, "parameter", k)
    place(self, "_parameters", k, v)
    return
  end
  if is_module(v) then
    self:register_module(k, v)
    return
  end
  if rawget(self, "_parameters")[k] ~= nil then
    if v ~= nil then
      raise(format("%s: cannot assign a %s to parameter '%s' (wrap a tensor in nn.Parameter, or assign nil)",
        self:class_name(), is_tensor(v) and "plain tensor" or type(v), k))
    end
    rawget(self, "_parameters")[k] = false
    return
  end
  if rawget(self, "_buffers")[k] ~= nil then
    if v ~= nil and not is_tensor(v) then
      raise(format("%s: cannot assign a %s to buffer '%s' (a tensor or nil expected)", self:class_name(), type(v), k))
    end
    rawget(self, "_buffers")[k] = v or false
    return
  end
  if rawget(self, "_modules")[k] ~= nil then
    if v ~= nil then
      raise(format("%s: cannot assign a %s to child module '%s' (a module or nil expected)", self:class_name(), type(v), k))
    end
    rawget(self, "_modules")[k] = false
    return
  end
  rawset(self, k, v)
end

-- ---------------------------------------------------------------- traversal

-- The direct children in order, as an array of {name, module}. Containers with positional
-- children (Sequential, ModuleList) override this.
function Module:_child_list()
  local out, mods = {}, rawget(self, "_modules")
  for _, name in ipairs(rawget(self, "_module_names")) do
    local m = mods[name]
    if m then out[#out + 1] = { name, m } end
  end
  return out
end

local function iter_pairs(list)
  local i = 0
  return function()
    i = i + 1
    local e = list[i]
    if e then return e[1], e[2] end
  end
end

function Module:children()
  local out = {}
  for _, e in ipairs(self:_child_list()) do out[#out + 1] = e[2] end
  return out
end

-- for name, child in m:named_children() do ... end
function Module:named_children() return iter_pairs(self:_child_list()) end

-- Every module of the tree, pre-order (self first, named ""), each once.
local function named_modules_list(self, prefix, out, seen)
  if seen[self] then return out end
  seen[self] = true
  out[#out + 1] = { prefix, self }
  for _, e in ipairs(self:_child_list()) do
    named_modules_list(e[2], prefix == "" and e[1] or prefix .. "." .. e[1], out, seen)
  end
  return out
end

function Module:named_modules() return iter_pairs(named_modules_list(self, "", {}, {})) end
function Module:modules()
  local out = {}
  for _, e in ipairs(named_modules_list(self, "", {}, {})) do out[#out + 1] = e[2] end
  return out
end

-- (name, tensor) pairs of one registry over the tree, each tensor once (registration order).
local function named_tensors(self, kind, recurse, persistent_only)
  local out, seen = {}, {}
  local mods = recurse == false and { { "", self } } or named_modules_list(self, "", {}, {})
  for _, e in ipairs(mods) do
    local prefix, m = e[1], e[2]
    local reg = rawget(m, kind)
    local np = rawget(m, "_nonpersistent")
    for _, name in ipairs(rawget(m, NAMES[kind])) do
      local t = reg[name]
      if t and not seen[t] and not (persistent_only and np[name]) then
        seen[t] = true
        out[#out + 1] = { prefix == "" and name or prefix .. "." .. name, t }
      end
    end
  end
  return out
end

-- Array of parameter tensors (registration order, shared ones once): what optimizers take.
function Module:parameters(recurse)
  local out = {}
  for _, e in ipairs(named_tensors(self, "_parameters", recurse)) do out[#out + 1] = e[2] end
  return out
end
-- for name, p in m:named_parameters() do ... end   (names as in state_dict: "fc1.weight")
function Module:named_parameters(recurse) return iter_pairs(named_tensors(self, "_parameters", recurse)) end

function Module:buffers(recurse)
  local out = {}
  for _, e in ipairs(named_tensors(self, "_buffers", recurse)) do out[#out + 1] = e[2] end
  return out
end
function Module:named_buffers(recurse) return iter_pairs(named_tensors(self, "_buffers", recurse)) end

-- Number of parameter elements (only those requiring grad with {trainable = true}).
function Module:num_parameters(opts)
  local n = 0
  local trainable = type(opts) == "table" and opts.trainable
  for _, p in ipairs(self:parameters()) do
    if not trainable or rawget(p, "requires_grad") then n = n + p:numel() end
  end
  return n
end

-- Number of parameter elements the module holds itself (not its children's).
function Module:num_parameters_direct()
  local n = 0
  for _, p in ipairs(self:parameters(false)) do n = n + p:numel() end
  return n
end

-- model:summary({1, 1, 28, 28}) -> a printable table (string) of layers, output shapes and
-- parameter counts (see tide/nn/summary.lua); summary_table gives the same as data.
function Module:summary(input, opts) return (require("tide.nn.summary")(self, input, opts)) end
function Module:summary_table(input, opts) return select(2, require("tide.nn.summary")(self, input, opts)) end

-- fn(m) on every module, children first, then self (as PyTorch's apply).
function Module:apply(fn)
  for _, e in ipairs(self:_child_list()) do e[2]:apply(fn) end
  fn(self)
  return self
end

-- ---------------------------------------------------------------- modes and gradients

function Module:train(mode)
  if mode == nil then mode = true end
  rawset(self, "training", mode and true or false)
  for _, e in ipairs(self:_child_list()) do e[2]:train(mode) end
  return self
end

function Module:eval() return self:train(false) end

-- Drop the gradients of every parameter (p.grad = nil, PyTorch's set_to_none default); with
-- set_to_none = false they are zeroed in place instead.
function Module:zero_grad(set_to_none)
  for _, p in ipairs(self:parameters()) do
    local g = rawget(p, "grad")
    if g ~= nil then
      if set_to_none == false then T().no_grad(function() g:zero_() end)
      else rawset(p, "grad", nil) end
    end
  end
  return self
end

function Module:requires_grad_(flag)
  if flag == nil then flag = true end
  for _, p in ipairs(self:parameters()) do
    if flag then p:requires_grad_(true) else rawset(p, "requires_grad", nil) end
  end
  return self
end

-- m:to("float64"): floating-point parameters and buffers converted (integer buffers such as
-- num_batches_tracked keep their type). Parameters become new tensors: build optimizers after.
function Module:to(dtype)
  if dtype ~= "float32" and dtype ~= "float64" and dtype ~= "float" and dtype ~= "double" then
    raise(format("%s:to: expected \"float32\" or \"float64\", got %s", self:class_name(), tostring(dtype)))
  end
  if dtype == "float" then dtype = "float32" elseif dtype == "double" then dtype = "float64" end
  for _, m in ipairs(self:modules()) do
    local params = rawget(m, "_parameters")
    for _, name in ipairs(rawget(m, "_param_names")) do
      local p = params[name]
      if p and p.dtype ~= dtype and (p.dtype == "float32" or p.dtype == "float64") then
        local q = p:detach():to(dtype)
        params[name] = Parameter(q, rawget(p, "requires_grad") == true)
      end
    end
    local bufs = rawget(m, "_buffers")
    for _, name in ipairs(rawget(m, "_buffer_names")) do
      local b = bufs[name]
      if b and b.dtype ~= dtype and (b.dtype == "float32" or b.dtype == "float64") then
        bufs[name] = b:to(dtype)
      end
    end
  end
  return self
end
function Module:double() return self:to("float64") end
function Module:float() return self:to("float32") end

-- ---------------------------------------------------------------- state

-- Ordered {key, tensor} pairs: each module's parameters, then its persistent buffers, then its
-- children's, recursively (PyTorch's order and key names). Tensors are the live ones.
local function state_items(self, prefix, out)
  local params = rawget(self, "_parameters")
  for _, name in ipairs(rawget(self, "_param_names")) do
    local p = params[name]
    if p then out[#out + 1] = { prefix .. name, p } end
  end
  local bufs, np = rawget(self, "_buffers"), rawget(self, "_nonpersistent")
  for _, name in ipairs(rawget(self, "_buffer_names")) do
    local b = bufs[name]
    if b and not np[name] then out[#out + 1] = { prefix .. name, b } end
  end
  for _, e in ipairs(self:_child_list()) do state_items(e[2], prefix .. e[1] .. ".", out) end
  return out
end

-- Array of {key, tensor} in state_dict order (tensors detached, sharing the module's data).
function Module:state_items()
  local out = state_items(self, "", {})
  for _, e in ipairs(out) do e[2] = e[2]:detach() end
  return out
end

-- Table key -> tensor (detached views of the parameters and persistent buffers).
function Module:state_dict()
  local sd = {}
  for _, e in ipairs(state_items(self, "", {})) do sd[e[1]] = e[2]:detach() end
  return sd
end

-- Keys in state_dict order.
function Module:state_dict_keys()
  local keys = {}
  for i, e in ipairs(state_items(self, "", {})) do keys[i] = e[1] end
  return keys
end

local function key_list(keys)
  local MAX = 12
  if #keys <= MAX then return concat(keys, ", ") end
  local shown = {}
  for i = 1, MAX do shown[i] = keys[i] end
  return concat(shown, ", ") .. format(", ... (%d more)", #keys - MAX)
end

-- Copy a state dict (key -> tensor) into the module. strict (default true): missing and
-- unexpected keys are errors; a size mismatch is always one. Returns {missing_keys, unexpected_keys}.
function Module:load_state_dict(sd, opts)
  if type(sd) ~= "table" then raise("load_state_dict: expected a table of key -> tensor, got " .. type(sd)) end
  local strict = true
  if opts ~= nil then
    if type(opts) ~= "table" then raise("load_state_dict: options must be a table, as {strict = false}") end
    if opts.strict ~= nil then strict = opts.strict and true or false end
  end
  local items = state_items(self, "", {})
  local expected, missing, mismatch = {}, {}, {}
  for _, e in ipairs(items) do
    local key, t = e[1], e[2]
    expected[key] = true
    local src = sd[key]
    if src == nil then
      missing[#missing + 1] = key
    elseif not is_tensor(src) then
      raise(format("load_state_dict: entry '%s' is a %s, expected a tensor", key, type(src)))
    else
      local a, b = src.shape, t.shape
      local same = #a == #b
      for i = 1, #a do if a[i] ~= b[i] then same = false end end
      if not same then
        mismatch[#mismatch + 1] = format("size mismatch for %s: checkpoint has %s, model has %s", key,
          shape_str(src), shape_str(t))
      end
    end
  end
  local unexpected = {}
  for key in pairs(sd) do
    if not expected[key] then unexpected[#unexpected + 1] = tostring(key) end
  end
  table.sort(unexpected)
  local problems = {}
  if strict and #missing > 0 then problems[#problems + 1] = "missing keys: " .. key_list(missing) end
  if strict and #unexpected > 0 then problems[#problems + 1] = "unexpected keys: " .. key_list(unexpected) end
  for _, m in ipairs(mismatch) do problems[#problems + 1] = m end
  if #problems > 0 then raise("load_state_dict: " .. concat(problems, "; ")) end
  T().no_grad(function()
    for _, e in ipairs(items) do
      local src = sd[e[1]]
      if src ~= nil then e[2]:copy_(src) end
    end
  end)
  return { missing_keys = missing, unexpected_keys = unexpected }
end

-- Weights to / from a safetensors file (keys as state_dict: loadable by PyTorch's safetensors).
function Module:save(path, metadata)
  if type(path) ~= "string" then raise(self:class_name() .. ":save: path must be a string, got " .. type(path)) end
  local list = {}
  for _, e in ipairs(self:state_items()) do list[#list + 1] = { e[1], e[2]:contiguous() } end
  local meta = { ["tide.module"] = self:class_name() }
  if metadata ~= nil then
    if type(metadata) ~= "table" then raise(self:class_name() .. ":save: metadata must be a table of strings") end
    for k, v in pairs(metadata) do meta[k] = v end
  end
  T().io.save_safetensors(path, list, meta)
  return self
end

function Module:load(path, opts)
  if type(path) ~= "string" then raise(self:class_name() .. ":load: path must be a string, got " .. type(path)) end
  local tensors = T().io.load_safetensors(path)
  self:load_state_dict(tensors, opts)
  return self
end

-- ---------------------------------------------------------------- calling

function Module:forward()
  raise(self:class_name() .. ": forward is not implemented (define " .. self:class_name() .. ":forward)")
end

-- An error on its way out of nested module calls: the original message and the modules it
-- passed through, innermost first. Only the outermost call turns it back into a string.
local ChainError = {}
ChainError.__index = ChainError

-- Where `child` sits under `parent`: "[i]" for positional containers, ".name" otherwise,
-- looking one container deep (a ModuleList / ModuleDict attribute is not called itself).
local function link(parent, child)
  local function step(m, name, i)
    if m.__positional then return "[" .. i .. "]" end
    return "." .. name
  end
  for i, e in ipairs(parent:_child_list()) do
    if e[2] == child then return step(parent, e[1], i) end
  end
  for i, e in ipairs(parent:_child_list()) do
    for j, f in ipairs(e[2]:_child_list()) do
      if f[2] == child then return step(parent, e[1], i) .. step(e[2], f[1], j) end
    end
  end
  return " > " .. child:class_name()
end

-- "file:line: message" -> "file:line", "message" (nil position when there is none)
local function split_position(msg)
  local pos, rest = msg:match('^(%[string ".-"%]:%d+): (.*)$')
  if not pos then pos, rest = msg:match("^([^%s:]+:%d+): (.*)$") end
  if pos then return pos, rest end
  return nil, msg
end

function ChainError:message()
  local chain = self.chain
  local inner = chain[1]
  local cname = inner:class_name()
  local body = self.msg
  local lower = cname:lower()
  if body:sub(1, #cname + 1) == cname .. ":" then -- already named
  elseif body:sub(1, #lower + 2) == lower .. ": " then
    body = cname .. body:sub(#lower + 1) -- "conv2d: ..." from F.conv2d -> "Conv2d: ..."
  else
    body = cname .. ": " .. body
  end
  if #chain > 1 then
    local path = { chain[#chain]:class_name() }
    for i = #chain, 2, -1 do path[#path + 1] = link(chain[i], chain[i - 1]) end
    body = concat(path) .. " " .. body
  end
  return body
end

ChainError.__tostring = function(e) return e:message() end

local function chain_error(err)
  if getmetatable(err) == ChainError then return err end
  local pos, msg = split_position(tostring(err))
  return setmetatable({ msg = msg, pos = pos, chain = {} }, ChainError)
end

local depth = 0   -- nesting of module calls in progress
local hook = nil  -- set by summary(): hook(module, "pre"|"post", outputs...)

local function finish(self, ok, ...)
  depth = depth - 1
  if ok then
    if hook then hook(self, "post", ...) end
    return ...
  end
  local e = chain_error((...))
  e.chain[#e.chain + 1] = self
  if depth > 0 then error(e, 0) end
  local msg = e:message()
  if e.pos then error(e.pos .. ": " .. msg, 0) end
  raise(msg)
end

function Module.__call(self, ...)
  if hook then hook(self, "pre") end
  depth = depth + 1
  return finish(self, pcall(self.forward, self, ...))
end

-- Used by summary() to watch every module call (nil to stop).
function Module._set_hook(h) hook = h end

-- ---------------------------------------------------------------- printing

-- One line describing the module's settings ("in_features=4, out_features=2, bias=true").
function Module:extra_repr() return "" end

local function indent(s)
  return (s:gsub("\n", "\n  "))
end

-- Positional children print 1-based, as they are indexed in Lua (seq[1]); named ones by name.
function Module:_child_label(name, i)
  if self.__positional and not rawget(self, "_seq_names") then return tostring(i) end
  return name
end

local function repr(self)
  local lines = {}
  local extra = self:extra_repr()
  if extra ~= "" then
    for line in (extra .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  end
  local children = self:_child_list()
  for i, e in ipairs(children) do
    lines[#lines + 1] = "(" .. self:_child_label(e[1], i) .. "): " .. indent(repr(e[2]))
  end
  local name = self:class_name()
  if #lines == 0 then return name .. "()" end
  if #children == 0 and #lines == 1 then return name .. "(" .. lines[1] .. ")" end
  return name .. "(\n  " .. concat(lines, "\n  ") .. "\n)"
end
Module.__tostring = repr

Module.__module_class = true
setmetatable(Module, { __call = construct, __tostring = class_tostring })

-- ---------------------------------------------------------------- helpers for the layers

-- util.tide(): the library table, required lazily (tide.nn loads after tide).
local util = { shape_str = shape_str, tide = T }

-- Options table merged over defaults; an unknown key is an error naming the accepted ones.
function util.options(name, opts, defaults)
  local out = {}
  for k, v in pairs(defaults) do
    if k:sub(1, 1) ~= "?" then out[k] = v end -- "?name": accepted, no default
  end
  if opts == nil then return out end
  if type(opts) ~= "table" then raise(format("%s: options must be a table, got %s", name, type(opts))) end
  for k, v in pairs(opts) do
    if defaults[k] == nil and not (type(k) == "string" and defaults["?" .. k]) then
      local known = {}
      for d in pairs(defaults) do known[#known + 1] = (d:gsub("^%?", "")) end
      table.sort(known)
      raise(format("%s: unknown option '%s' (expected %s)", name, tostring(k), concat(known, ", ")))
    end
    out[k] = v
  end
  return out
end

function util.int(name, what, v, min)
  if type(v) ~= "number" or v ~= math.floor(v) or v < (min or 0) then
    if min == -math.huge then raise(format("%s: %s must be an integer, got %s", name, what, tostring(v))) end
    raise(format("%s: %s must be an integer >= %d, got %s", name, what, min or 0, tostring(v)))
  end
  return v
end

-- A spatial option given as a number or a {h, w} pair -> {h, w}.
function util.pair(name, what, v, min)
  if type(v) == "number" then v = { v, v } end
  if type(v) ~= "table" or #v ~= 2 then
    raise(format("%s: %s must be a number or a {h, w} pair, got %s", name, what, tostring(v)))
  end
  util.int(name, what, v[1], min)
  util.int(name, what, v[2], min)
  return { v[1], v[2] }
end

-- A new parameter of the given dtype and sizes (uninitialised: the layer's reset fills it).
function util.param(name, dtype, ...)
  if dtype ~= "float32" and dtype ~= "float64" then
    raise(format("%s: dtype must be \"float32\" or \"float64\", got %s", name, tostring(dtype)))
  end
  return Parameter(T().empty({ ... }, dtype))
end

-- The input is a float tensor of the layer's dtype.
function util.check_input(name, x, w)
  if not is_tensor(x) then raise(format("%s: input must be a tensor, got %s", name, type(x))) end
  if w ~= nil and x._c.dtype ~= w._c.dtype then
    local xd, wd = x.dtype, w.dtype
    if xd ~= "float32" and xd ~= "float64" then
      raise(format("%s: input is %s, expected %s (convert it with x:to(\"%s\"))", name, xd, wd, wd))
    end
    raise(format("%s: input is %s, weight is %s (convert the input with x:to(\"%s\") or the module with m:to(\"%s\"))",
      name, xd, wd, wd, xd))
  end
end

-- A tuple-like setting for printouts: {3, 3} -> "(3, 3)".
function util.tuple(v)
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = tostring(x) end
  return "(" .. concat(parts, ", ") .. ")"
end

-- A Lua value for printouts: strings quoted.
function util.show(v)
  if type(v) == "string" then return "\"" .. v .. "\"" end
  if type(v) == "table" then return util.tuple(v) end
  return tostring(v)
end

return { Module = Module, Parameter = Parameter, is_module = is_module, new_class = new_class, util = util }
