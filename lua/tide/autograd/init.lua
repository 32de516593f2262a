-- tide.autograd: define-by-run reverse-mode differentiation.
--
-- An op whose argument requires grad records a node on its result: the op's name, its inputs and
-- a backward function that maps the result's gradient to its inputs' gradients with C kernels
-- (tensor ops), never per-element Lua. loss:backward() walks the nodes from the loss in reverse
-- topological order, sums the gradients that reach each tensor, undoes broadcasting, and adds
-- the leaves' gradients into their .grad. Afterwards the graph's closures and inputs are
-- dropped (unless retain_graph), so the step's intermediate buffers become garbage at once.
--
-- Tensor raw fields: requires_grad (true or nil), grad (tensor or nil), grad_fn (node or nil).
-- Leaf tensors (created by the user, or detached) have no grad_fn.
local core = require("tide._core")
local Tensor = core.Tensor
local raise = core.raise
local getmetatable, rawget, rawset, type, select = getmetatable, rawget, rawset, type, select
local format = string.format

local M = {}
local enabled = true
local tide -- set at install

-- ---------------------------------------------------------------- grad mode

function M.is_enabled() return enabled end

local function finish(saved, ok, ...)
  enabled = saved
  if not ok then error((...), 0) end
  return ...
end

local function with_mode(mode, fn, ...)
  local saved = enabled
  enabled = mode
  return finish(saved, pcall(fn, ...))
end

-- tide.no_grad(fn, ...): run fn with recording off (evaluation, optimizer updates).
function M.no_grad(fn, ...)
  if type(fn) ~= "function" then raise("no_grad: expected a function, got " .. type(fn)) end
  return with_mode(false, fn, ...)
end

function M.enable_grad(fn, ...)
  if type(fn) ~= "function" then raise("enable_grad: expected a function, got " .. type(fn)) end
  return with_mode(true, fn, ...)
end

-- Switch recording on or off without a function (returns the previous mode).
function M.set_enabled(on)
  local prev = enabled
  enabled = on and true or false
  return prev
end

-- ---------------------------------------------------------------- recording

local function req(t) return getmetatable(t) == Tensor and rawget(t, "requires_grad") == true end
M.requires = req

-- True when grad mode is on and some argument is a tensor that requires grad.
function M.needs(a, b, c, ...)
  if not enabled then return false end
  if req(a) or req(b) or req(c) then return true end
  for i = 1, select("#", ...) do
    if req((select(i, ...))) then return true end
  end
  return false
end

-- The op as installed: it calls raw directly unless grad mode is on and one of the arguments
-- checked (k = 1: the first; 2: the first two; 3: the first three; 14: the first and fourth;
-- 23: the second and third) requires grad, and only then slow, which records. The fast function
-- holds no closure of its own: LuaJIT does not compile functions whose arguments a closure
-- captures (their tail calls must close upvalues), and every tensor op passes through here.
-- Arguments are passed as five fixed ones (varargs abort traces too); k = "v" is the vararg
-- form for ops that count their arguments (view(t, 2, 3) and the like), checking the first.
function M.guard(raw, slow, k)
  if k == nil or k == 1 then
    return function(x, a, b, c, d)
      if enabled and req(x) then return slow(x, a, b, c, d) end
      return raw(x, a, b, c, d)
    end
  elseif k == 2 then
    return function(x, y, a, b, c)
      if enabled and (req(x) or req(y)) then return slow(x, y, a, b, c) end
      return raw(x, y, a, b, c)
    end
  elseif k == 3 then
    return function(x, y, z, a, b, c)
      if enabled and (req(x) or req(y) or req(z)) then return slow(x, y, z, a, b, c) end
      return raw(x, y, z, a, b, c)
    end
  elseif k == 14 then
    return function(x, a, b, y, c)
      if enabled and (req(x) or req(y)) then return slow(x, a, b, y, c) end
      return raw(x, a, b, y, c)
    end
  elseif k == 23 then
    return function(a, x, y, b)
      if enabled and (req(x) or req(y)) then return slow(a, x, y, b) end
      return raw(a, x, y, b)
    end
  elseif k == "v" then
    return function(x, ...)
      if enabled and req(x) then return slow(x, ...) end
      return raw(x, ...)
    end
  end
  error("guard: unknown argument check " .. tostring(k))
end

-- Record op `name`: out (a tensor, or a list of tensors) was computed from inputs (an array,
-- holes allowed); backward(g, needs) returns one gradient per input position.
function M.record(name, out, inputs, backward)
  local n = table.maxn(inputs)
  local needs, any = {}, false
  for i = 1, n do
    -- an op that hands back its input itself (x:to(x.dtype)) must not become its own parent
    if inputs[i] == out then return out end
    local r = req(inputs[i])
    needs[i] = r
    any = any or r
  end
  if not any or not enabled then return out end
  local node = { name = name, inputs = inputs, n = n, needs = needs, backward = backward }
  if getmetatable(out) == Tensor then
    rawset(out, "requires_grad", true)
    rawset(out, "grad_fn", node)
  else
    node.multi = #out
    for j = 1, #out do
      local o = out[j]
      rawset(o, "requires_grad", true)
      rawset(o, "grad_fn", node)
      rawset(o, "_out_index", j)
    end
  end
  return out
end

-- ---------------------------------------------------------------- backward

-- Sum gradient g down to shape (undoing broadcasting: leading dims, and dims of size 1).
local function sum_to(g, shape, ndim)
  local gs = g.shape
  local gd = #gs
  if gd == ndim then
    local same = true
    for i = 1, ndim do
      if gs[i] ~= shape[i] then same = false break end
    end
    if same then return g end
  end
  if gd < ndim then raise(format("backward: gradient of rank %d cannot reduce to rank %d", gd, ndim)) end
  local lead = gd - ndim
  if lead > 0 then
    local dims = {}
    for i = 1, lead do dims[i] = i end
    g = g:sum(dims)
  end
  local dims = {}
  for i = 1, ndim do
    if shape[i] == 1 and gs[lead + i] ~= 1 then dims[#dims + 1] = i end
  end
  if #dims > 0 then g = g:sum(dims, true) end
  return g
end
M.sum_to = sum_to

local function same_shape(a, b)
  local ac, bc = a._c, b._c
  if ac.ndim ~= bc.ndim then return false end
  for i = 0, ac.ndim - 1 do
    if ac.shape[i] ~= bc.shape[i] then return false end
  end
  return true
end

-- The gradient for input t, shaped and typed like t.
local function conform(g, t, opname)
  if getmetatable(g) ~= Tensor then
    error(format("tide internal error: backward of %s returned %s as a gradient", opname, type(g)), 0)
  end
  if not same_shape(g, t) then
    g = sum_to(g, t.shape, t._c.ndim)
    if not same_shape(g, t) then
      g = g:reshape(t.shape) -- same numel, e.g. a 0-d input and a [1] gradient
    end
  end
  if g._c.dtype ~= t._c.dtype then g = g:to(t.dtype) end
  return g
end

-- Nodes reachable from root in reverse topological order (root first).
local function topo_order(root)
  local order, state = {}, {}
  local stack = { root }
  state[root] = 1
  while #stack > 0 do
    local node = stack[#stack]
    local pushed = false
    local inputs = node.inputs
    if inputs then
      for i = node.scan or 1, node.n do
        local t = inputs[i]
        local fn = node.needs[i] and rawget(t, "grad_fn")
        if fn and not state[fn] then
          node.scan = i + 1
          state[fn] = 1
          stack[#stack + 1] = fn
          pushed = true
          break
        end
      end
    end
    if not pushed then
      node.scan = nil
      stack[#stack] = nil
      order[#order + 1] = node
    end
  end
  -- order is post-order (inputs before users); reverse it
  local n = #order
  for i = 1, math.floor(n / 2) do order[i], order[n + 1 - i] = order[n + 1 - i], order[i] end
  return order
end

-- The tensors handed out as .grad must be contiguous and owned by one leaf only: the same
-- gradient tensor can reach several leaves (add passes g to both operands).
local function own(g, handed)
  if handed[g] or not g:is_contiguous() then g = g:clone() end
  handed[g] = true
  return g
end

function M.backward(root, grad, opts)
  if getmetatable(root) ~= Tensor then raise("backward: expected a tensor, got " .. type(root)) end
  if not rawget(root, "requires_grad") then
    raise("backward: the tensor does not require grad (no input of its computation has requires_grad)")
  end
  local retain = false
  if opts ~= nil then
    if type(opts) ~= "table" then raise("backward: options must be a table, got " .. type(opts)) end
    retain = opts.retain_graph and true or false
  end
  local handed = {}
  if grad == nil then
    if root:numel() ~= 1 then
      raise(format("backward: a gradient can be implied only for a one-element output, this one has shape {%s}; pass grad",
        table.concat(root.shape, ", ")))
    end
    grad = tide.ones_like(root)
  else
    if getmetatable(grad) ~= Tensor then raise("backward: grad must be a tensor, got " .. type(grad)) end
    if not same_shape(grad, root) then
      raise(format("backward: grad has shape {%s}, the output has shape {%s}", table.concat(grad.shape, ", "),
        table.concat(root.shape, ", ")))
    end
    handed[grad] = true -- the caller's tensor: never handed out as a .grad without a copy
  end

  local saved = enabled
  enabled = false
  local ok, err = pcall(function()
    local rootfn = rawget(root, "grad_fn")
    if rootfn == nil then -- a leaf
      local cur = rawget(root, "grad")
      rawset(root, "grad", cur and cur + grad or own(grad, handed))
      return
    end
    local pending = { [rootfn] = { [rawget(root, "_out_index") or 1] = grad } }
    for _, node in ipairs(topo_order(rootfn)) do
      local gouts = pending[node]
      pending[node] = nil
      if gouts ~= nil then
        local backward = node.backward
        if backward == nil then
          raise(format("backward: the graph through '%s' was already freed by an earlier backward(); " ..
            "pass {retain_graph = true} to the first call to go back through it twice", node.name))
        end
        -- kernels get contiguous gradients (a sum's backward hands on a broadcast view)
        for k, gk in pairs(gouts) do
          if not gk:is_contiguous() then gouts[k] = gk:contiguous() end
        end
        local g = gouts
        if not node.multi then g = gouts[1] end
        -- retain (third argument) is false when the graph goes after this pass: a backward
        -- may then free what it saved (pool indices, im2col buffers) at once
        local res = { backward(g, node.needs, retain) }
        local inputs, needs = node.inputs, node.needs
        for i = 1, node.n do
          local gi = res[i]
          if needs[i] and gi ~= nil then
            local t = inputs[i]
            gi = conform(gi, t, node.name)
            local fn = rawget(t, "grad_fn")
            if fn then
              local slot = pending[fn]
              if slot == nil then slot = {}; pending[fn] = slot end
              local k = rawget(t, "_out_index") or 1
              local cur = slot[k]
              slot[k] = cur and cur + gi or gi
              if rawget(t, "_retain_grad") then
                local cg = rawget(t, "grad")
                rawset(t, "grad", cg and cg + gi or own(gi, handed))
              end
            else
              local cg = rawget(t, "grad")
              rawset(t, "grad", cg and cg + gi or own(gi, handed))
            end
          end
        end
        if not retain then
          node.backward, node.inputs = nil, nil
        end
      end
    end
  end)
  enabled = saved
  if not ok then error(err, 0) end
end

-- ---------------------------------------------------------------- install

-- Called once by tide's init: adds the autograd methods and wraps the ops.
function M._install(t)
  tide = t
  local methods = Tensor.methods

  function methods.requires_grad_(x, flag)
    if flag == nil then flag = true end
    if flag then
      local d = x.dtype
      if d ~= "float32" and d ~= "float64" then
        raise("requires_grad_: only float32 and float64 tensors can require gradients, this one is " .. d)
      end
      rawset(x, "requires_grad", true)
    else
      if rawget(x, "grad_fn") then
        raise("requires_grad_: a tensor computed from others keeps its graph; use t:detach() instead")
      end
      rawset(x, "requires_grad", nil)
    end
    return x
  end

  -- A tensor sharing x's data that is a leaf: no graph, no gradient flow.
  function methods.detach(x)
    return core.wrap(core.C.tide_alias(x._c), x)
  end

  function methods.detach_(x)
    rawset(x, "grad_fn", nil)
    rawset(x, "requires_grad", nil)
    return x
  end

  function methods.retain_grad(x)
    if not rawget(x, "requires_grad") then raise("retain_grad: the tensor does not require grad") end
    rawset(x, "_retain_grad", true)
    return x
  end

  function methods.is_leaf(x) return rawget(x, "grad_fn") == nil end

  methods.backward = M.backward
  tide.no_grad, tide.enable_grad = M.no_grad, M.enable_grad
  tide.is_grad_enabled = M.is_enabled
  tide.set_grad_enabled = M.set_enabled

  M.gradcheck = function(...) return require("tide.autograd.gradcheck")(tide, ...) end
  require("tide.autograd.ops")(tide, M)
  return M
end

return M
