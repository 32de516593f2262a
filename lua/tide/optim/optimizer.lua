-- tide.optim.Optimizer: what every optimizer shares, with PyTorch's API.
--
--   opt = tide.optim.Adam(params, {lr = 1e-3, ...})
--     params: an array of tensors, or an array of param groups {params = {...}, lr = ..., ...};
--     a group's missing options take the constructor's (the optimizer's defaults).
--   opt.param_groups      the groups; each holds params and its hyper-parameters (schedulers and
--                         users may change them between steps: opt.param_groups[1].lr = 0.01)
--   opt.state[p]          per-parameter state (step counts, moment tensors), created on p's first
--                         update
--   opt:step(closure?)    one update of every parameter whose .grad is set; a closure (run with
--                         grad mode on) may recompute the loss, which step returns
--   opt:zero_grad({set_to_none = true})   p.grad = nil, or zero the gradients in place
--   opt:state_dict() / opt:load_state_dict(sd) / opt:add_param_group(group)
--
-- The update itself is one fused C kernel per parameter (core/optim.c); parameters are updated
-- in place, nothing is recorded by autograd. Parameters are identified by their position in the
-- param list (groups in order), as in PyTorch's state dicts.
local core = require("tide._core")
local tensor = require("tide.tensor")

local Tensor = core.Tensor
local raise = core.raise
local getmetatable, rawget, rawset, type, pairs, ipairs = getmetatable, rawget, rawset, type, pairs, ipairs
local format, concat = string.format, table.concat

local M = {}

local Optimizer = {}
Optimizer.__index = Optimizer
M.Optimizer = Optimizer

local function shape_str(s) return "[" .. concat(s, ", ") .. "]" end

local function same_shape(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

-- A deep copy of plain Lua values (tables of numbers, strings, booleans).
local function copy_value(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = copy_value(x) end
  return c
end
M.copy_value = copy_value

-- ---------------------------------------------------------------- option checks
-- Each raises "<Optimizer>: ..." naming the bad option and value.

function M.check_number(name, group, key, lo, hi_excl)
  local v = group[key]
  if type(v) ~= "number" then
    raise(format("%s: %s must be a number, got %s", name, key, type(v) == "nil" and "nil" or type(v)))
  end
  if v ~= v then raise(format("%s: %s must be a number, got nan", name, key)) end
  if lo and v < lo then raise(format("%s: invalid %s %s (must be >= %s)", name, key, tostring(v), tostring(lo))) end
  if hi_excl and v >= hi_excl then
    raise(format("%s: invalid %s %s (must be < %s)", name, key, tostring(v), tostring(hi_excl)))
  end
  return v
end

function M.check_bool(name, group, key)
  local v = group[key]
  if type(v) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", name, key, tostring(v))) end
  return v
end

-- For check_state: nil when st.step is a non-negative integer and each key of `tensors` holds a
-- tensor, else what is wrong ("exp_avg is missing").
function M.check_step_state(st, tensors)
  local s = st.step
  if type(s) ~= "number" or s < 0 or s ~= math.floor(s) then
    return "step must be a non-negative integer, got " .. tostring(s)
  end
  for _, k in ipairs(tensors) do
    if not tensor.is_tensor(st[k]) then return k .. " is missing" end
  end
end

-- The C tensor of the state buffer st[key], made (zeros like p) on first use.
function M.state_buffer(st, key, p)
  if st[key] == nil then st[key] = tensor.zeros_like(p) end
  return st[key]._c
end

-- ---------------------------------------------------------------- construction

local function check_param(name, p, where)
  if getmetatable(p) ~= Tensor then
    raise(format("%s: %s must be a tensor, got %s", name, where, type(p)))
  end
  local d = p.dtype
  if d ~= "float32" and d ~= "float64" then
    raise(format("%s: %s is %s; only float32 and float64 tensors can be optimized", name, where, d))
  end
  if not p:is_contiguous() then
    raise(format("%s: %s is not contiguous (optimize a contiguous tensor, e.g. p:contiguous())", name, where))
  end
  if rawget(p, "grad_fn") ~= nil and not rawget(p, "_retain_grad") then
    raise(format("%s: %s is not a leaf tensor (it was computed from others); optimize p:detach() instead", name,
      where))
  end
end

-- Validate a group's params and fill its missing options from the defaults; returns the group.
-- where: "param group k", or nil for the plain array of tensors.
function Optimizer:_make_group(g, where)
  local name = self.name
  if type(g) ~= "table" or getmetatable(g) ~= nil then
    raise(format("%s: %s must be a table {params = {...}, ...}, got %s", name, where, type(g)))
  end
  local ps = g.params
  if getmetatable(ps) == Tensor then ps = { ps } end
  if type(ps) ~= "table" then raise(format("%s: %s has no params array", name, where)) end
  local n = #ps
  if n == 0 then raise(format("%s: %s has an empty params list", name, where)) end
  for k in pairs(ps) do
    if type(k) ~= "number" or k < 1 or k > n or k ~= math.floor(k) then
      raise(format("%s: the params of %s must be an array of tensors (found key %s)", name, where, tostring(k)))
    end
  end
  local group = { params = {} }
  for k, v in pairs(g) do
    if k ~= "params" then
      if self.defaults[k] == nil and not self.extra_keys[k] then
        raise(format("%s: unknown option '%s' in %s", name, tostring(k), where or "the param group"))
      end
      group[k] = copy_value(v)
    end
  end
  for k, v in pairs(self.defaults) do
    if group[k] == nil then group[k] = copy_value(v) end
  end
  if group.lr == nil then raise(format("%s: lr is required", name)) end
  for i = 1, n do
    check_param(name, ps[i], where and format("param %d of %s", i, where) or format("param %d", i))
    group.params[i] = ps[i]
  end
  self.check_group(name, group)
  return group
end

-- Create an optimizer of class cls: name, defaults (option -> default value; lr may be absent
-- when required), check_group(name, group) validating hyper-parameters, update(self, p, g, st,
-- group) and init_state(self, p, group).
function M.new(cls, params, options)
  local name = cls.name
  if options ~= nil and (type(options) ~= "table" or getmetatable(options) ~= nil) then
    raise(format("%s: options must be a table, got %s", name, type(options)))
  end
  options = options or {}
  local self = setmetatable({ state = {}, param_groups = {}, _n_params = 0 }, cls)
  self.extra_keys = cls.extra_keys or {}
  -- the defaults: the class's, overridden by the options
  local defaults = copy_value(cls.defaults)
  for k, v in pairs(options) do
    if cls.defaults[k] == nil and k ~= "lr" then
      raise(format("%s: unknown option '%s'", name, tostring(k)))
    end
    defaults[k] = copy_value(v)
  end
  if defaults.lr == nil then raise(format("%s: lr is required", name)) end
  self.check_group(name, defaults)
  self.defaults = defaults

  if getmetatable(params) == Tensor then
    raise(format("%s: params must be an array of tensors or of param groups, got a single tensor (wrap it: {p})",
      name))
  end
  if type(params) ~= "table" then
    raise(format("%s: params must be an array of tensors or of param groups, got %s", name, type(params)))
  end
  if #params == 0 then raise(name .. ": got an empty parameter list") end
  for k in pairs(params) do
    if type(k) ~= "number" or k < 1 or k > #params or k ~= math.floor(k) then
      raise(format("%s: params must be an array (found key %s)", name, tostring(k)))
    end
  end
  if getmetatable(params[1]) == Tensor or type(params[1]) ~= "table" then
    self:add_param_group({ params = params }, true)
  else
    for i = 1, #params do self:add_param_group(params[i]) end
  end
  return self
end

-- Add a param group (a table {params = {...}, option = value, ...}); its missing options take
-- the optimizer's defaults. A parameter may belong to one group only.
function Optimizer:add_param_group(g, _plain)
  local where = not _plain and format("param group %d", #self.param_groups + 1) or nil
  local group = self:_make_group(g, where)
  local seen = {}
  for _, other in ipairs(self.param_groups) do
    for _, p in ipairs(other.params) do seen[p] = true end
  end
  for i, p in ipairs(group.params) do
    if seen[p] then
      raise(format("%s: %s appears more than once (in one or several parameter groups)", self.name,
        where and format("param %d of %s", i, where) or format("param %d", i)))
    end
    seen[p] = true
  end
  self.param_groups[#self.param_groups + 1] = group
  self._n_params = self._n_params + #group.params
  if self.on_add_group then self:on_add_group(group) end
end

-- ---------------------------------------------------------------- stepping

-- The gradient to use for p: contiguous, of p's dtype and shape; nil when p has none.
local function grad_of(name, p, index)
  local g = rawget(p, "grad")
  if g == nil then return nil end
  if getmetatable(g) ~= Tensor then
    raise(format("%s: the .grad of param %d must be a tensor, got %s", name, index, type(g)))
  end
  local gs, ps = g.shape, p.shape
  if not same_shape(gs, ps) then
    raise(format("%s: the gradient of param %d has shape %s but the param has shape %s", name, index,
      shape_str(gs), shape_str(ps)))
  end
  if g._c.dtype ~= p._c.dtype then
    raise(format("%s: the gradient of param %d is %s but the param is %s", name, index, g.dtype, p.dtype))
  end
  if not g:is_contiguous() then g = g:contiguous() end
  return g
end

-- One update of every parameter that has a gradient. closure (optional) is called first with
-- grad mode on; its result is returned.
function Optimizer:step(closure)
  local loss
  if closure ~= nil then
    if type(closure) ~= "function" then
      raise(format("%s: step's closure must be a function, got %s", self.name, type(closure)))
    end
    loss = require("tide.autograd").enable_grad(closure)
  end
  local state, index = self.state, 0
  for _, group in ipairs(self.param_groups) do
    for _, p in ipairs(group.params) do
      index = index + 1
      local g = grad_of(self.name, p, index)
      if g ~= nil then
        local st = state[p]
        if st == nil then
          st = self:init_state(p, group)
          state[p] = st
        end
        self:update(p, g, st, group)
      end
    end
  end
  self._step_count = (self._step_count or 0) + 1
  return loss
end

-- Forget the gradients: p.grad = nil (default), or fill them with zeros ({set_to_none = false}).
function Optimizer:zero_grad(opts)
  local to_none = true
  if opts ~= nil then
    if type(opts) == "boolean" then
      to_none = opts
    elseif type(opts) == "table" then
      if opts.set_to_none ~= nil then to_none = opts.set_to_none and true or false end
    else
      raise(format("%s: zero_grad options must be a table {set_to_none = ...}, got %s", self.name, type(opts)))
    end
  end
  for _, group in ipairs(self.param_groups) do
    for _, p in ipairs(group.params) do
      local g = rawget(p, "grad")
      if g ~= nil then
        if to_none then
          rawset(p, "grad", nil)
        else
          g:zero_()
        end
      end
    end
  end
end

-- ---------------------------------------------------------------- state dicts

-- {tensors = {["<param index>.<state name>"] = tensor (a copy)}, meta = {optimizer = name,
-- param_groups = {{lr = ..., ..., params = {indices}}}, state = {[param index] = {step = n}}}}.
-- meta holds only numbers, strings, booleans and tables of them with string or integer keys
-- (JSON-able: tide.io.json keeps integer keys); tensors are snapshots later steps do not change.
function Optimizer:state_dict()
  local tensors, meta_state, groups = {}, {}, {}
  local index = 0
  for gi, group in ipairs(self.param_groups) do
    local g = {}
    for k, v in pairs(group) do
      if k ~= "params" then g[k] = copy_value(v) end
    end
    local idx = {}
    for _, p in ipairs(group.params) do
      index = index + 1
      idx[#idx + 1] = index
      local st = self.state[p]
      if st ~= nil then
        local scalars = nil
        for k, v in pairs(st) do
          if getmetatable(v) == Tensor then
            tensors[index .. "." .. k] = v:clone()
          else
            scalars = scalars or {}
            scalars[k] = copy_value(v)
          end
        end
        meta_state[index] = scalars or {}
      end
    end
    g.params = idx
    groups[gi] = g
  end
  return { tensors = tensors, meta = { optimizer = self.name, param_groups = groups, state = meta_state } }
end

-- Restore from a state_dict() (also one that went through JSON: meta.state's keys may come back
-- as strings, its holes as JSON nulls).
-- The param groups must match this optimizer's in number and size, and every state tensor the
-- shape of its parameter; state tensors are copied (converted to the parameter's dtype).
function Optimizer:load_state_dict(sd)
  local name = self.name
  local function fail(msg, ...) raise(format("%s: load_state_dict: " .. msg, name, ...)) end
  if type(sd) ~= "table" then fail("expected a state dict table, got %s", type(sd)) end
  local meta, tensors = sd.meta, sd.tensors or {}
  if type(meta) ~= "table" then fail("the state dict has no meta table") end
  if type(tensors) ~= "table" then fail("the state dict's tensors must be a table, got %s", type(tensors)) end
  if meta.optimizer ~= nil and meta.optimizer ~= name then
    fail("the state dict is from %s, not %s", tostring(meta.optimizer), name)
  end
  local saved = meta.param_groups
  if type(saved) ~= "table" then fail("meta.param_groups is missing") end
  if #saved ~= #self.param_groups then
    fail("the state dict has %d parameter groups, this optimizer has %d", #saved, #self.param_groups)
  end
  -- parameters by index, checking group sizes
  local params, index = {}, 0
  for gi, group in ipairs(self.param_groups) do
    local sg = saved[gi]
    if type(sg) ~= "table" or type(sg.params) ~= "table" then fail("param group %d has no params list", gi) end
    if #sg.params ~= #group.params then
      fail("param group %d has %d params in the state dict, %d in this optimizer", gi, #sg.params, #group.params)
    end
    for _, p in ipairs(group.params) do
      index = index + 1
      params[index] = p
    end
  end
  -- collect state per param index, checking keys and shapes before changing anything
  local new_state = {}
  local keys = {}
  for key in pairs(tensors) do keys[#keys + 1] = tostring(key) end
  table.sort(keys) -- a deterministic first error
  for _, key in ipairs(keys) do
    local t = tensors[key]
    local i, sname = key:match("^(%d+)%.(.+)$")
    i = tonumber(i)
    if i == nil then fail("bad state key '%s' (expected '<param index>.<name>')", tostring(key)) end
    local p = params[i]
    if p == nil then fail("state '%s' is for param %d, but there are %d params", key, i, index) end
    if getmetatable(t) ~= Tensor then fail("state '%s' must be a tensor, got %s", key, type(t)) end
    if not same_shape(t.shape, p.shape) then
      fail("state '%s' has shape %s but param %d has shape %s", key, shape_str(t.shape), i, shape_str(p.shape))
    end
    new_state[i] = new_state[i] or {}
    new_state[i][sname] = t
  end
  local mstate = meta.state or {}
  if type(mstate) ~= "table" then fail("meta.state must be a table") end
  for k, scalars in pairs(mstate) do
    -- JSON decoders may hand back the keys as strings, and holes of an array as null
    if type(scalars) == "table" then
      local i = tonumber(k)
      if i == nil or params[i] == nil then
        fail("meta.state has an entry for param %s, but there are %d params", tostring(k), index)
      end
      new_state[i] = new_state[i] or {}
      for sk, v in pairs(scalars) do new_state[i][sk] = copy_value(v) end
    elseif type(scalars) ~= "userdata" then
      fail("meta.state[%s] must be a table, got %s", tostring(k), type(scalars))
    end
  end
  -- the saved hyper-parameters (options missing from an older dict take the defaults)
  local new_groups = {}
  for gi, group in ipairs(self.param_groups) do
    local g = {}
    for k, v in pairs(saved[gi]) do
      if k ~= "params" then g[k] = copy_value(v) end
    end
    for k, v in pairs(self.defaults) do
      if g[k] == nil then g[k] = copy_value(v) end
    end
    local ok, err = pcall(self.check_group, name, g)
    if not ok then
      err = tostring(err)
      fail("param group %d: %s", gi, err:match(name .. ": (.*)$") or err)
    end
    g.params = group.params
    new_groups[gi] = g
  end
  local group_of = {}
  for gi, g in ipairs(new_groups) do
    for _, p in ipairs(g.params) do group_of[p] = g end
  end
  for i, st in pairs(new_state) do
    local err = self.check_state and self:check_state(st, group_of[params[i]])
    if err then fail("state of param %d: %s", i, err) end
  end
  -- commit: state tensors copied in the param's dtype, groups' hyper-parameters replaced
  local state = {}
  for i, st in pairs(new_state) do
    local p, s = params[i], {}
    for k, v in pairs(st) do
      if getmetatable(v) == Tensor then
        local c = v._c.dtype == p._c.dtype and v:clone() or v:to(p.dtype)
        if not c:is_contiguous() then c = c:contiguous() end
        s[k] = c
      else
        s[k] = v
      end
    end
    state[p] = s
  end
  for gi, g in ipairs(new_groups) do self.param_groups[gi] = g end
  self.state = state
end

-- The group holding p.
function Optimizer:group_of(p)
  for _, group in ipairs(self.param_groups) do
    for _, q in ipairs(group.params) do
      if q == p then return group end
    end
  end
end

function Optimizer:__tostring()
  local lines = { self.name .. " (" }
  for i, g in ipairs(self.param_groups) do
    local keys = {}
    for k in pairs(g) do if k ~= "params" then keys[#keys + 1] = k end end
    table.sort(keys)
    lines[#lines + 1] = format("  param group %d: %d params", i, #g.params)
    for _, k in ipairs(keys) do
      local v = g[k]
      if type(v) == "table" then v = "{" .. concat(v, ", ") .. "}" end
      lines[#lines + 1] = format("    %s: %s", k, tostring(v))
    end
  end
  lines[#lines + 1] = ")"
  return concat(lines, "\n")
end

-- A new optimizer class: spec = {name =, defaults =, check_group =, init_state =, update =,
-- check_state = optional, extra_keys = optional}. Calling the class constructs an optimizer.
function M.class(spec)
  local cls = setmetatable(spec, { __index = Optimizer, __call = function(c, params, options)
    return M.new(c, params, options)
  end })
  cls.__index = cls
  cls.__tostring = Optimizer.__tostring
  -- scheduler-added keys (initial_lr, max_lr, ...) are allowed in groups
  cls.extra_keys = cls.extra_keys or { initial_lr = true, max_lr = true, min_lr = true, max_momentum = true,
    base_momentum = true }
  return cls
end

function M.is_optimizer(x)
  local mt = getmetatable(x)
  return type(mt) == "table" and mt.update ~= nil and type(rawget(x, "param_groups")) == "table"
end

return M
