-- Autograd: the engine (accumulation, retain_graph, no_grad, detach, broadcasting undone,
-- gradients not aliased between leaves, freed graphs, flat memory in a training loop) and a
-- float64 finite-difference gradient check of every differentiable tensor op.
local tide = require("tide")
local H = require("spec_helpers")
local gradcheck = tide.autograd.gradcheck

local function leaf(...)
  return tide.randn(...):to("float64"):requires_grad_()
end
local function positive(...)
  return (tide.rand(...):to("float64") + 0.5):requires_grad_()
end

describe("autograd engine", function()
  before_each(function() tide.manual_seed(7) end)

  it("computes gradients of a composite expression", function()
    local x = tide.tensor({ 1, 2, 3 }, "float64"):requires_grad_()
    local y = (x * x * 3 + x):sum()
    assert.is_true(tide.is_tensor(y))
    y:backward()
    H.assert_matches(x.grad, { shape = { 3 }, data = { 7, 13, 19 } }, 1e-12)
  end)

  it("accumulates into .grad over several backward calls", function()
    local x = tide.tensor({ 1, 2 }, "float64"):requires_grad_()
    ;(x * 2):sum():backward()
    ;(x * 3):sum():backward()
    H.assert_matches(x.grad, { shape = { 2 }, data = { 5, 5 } }, 0)
  end)

  it("undoes broadcasting in gradients", function()
    local a = leaf(3, 1)
    local b = leaf(4)
    local c = leaf(2, 3, 4)
    local y = (a + b) * c
    y:sum():backward()
    assert.same({ 3, 1 }, a.grad.shape)
    assert.same({ 4 }, b.grad.shape)
    assert.same({ 2, 3, 4 }, c.grad.shape)
    -- a's gradient: the sum of c over the broadcast dims
    H.assert_matches(a.grad, { shape = { 3, 1 }, data = H.flat(c:detach():sum({ 1, 3 })) }, 1e-12)
  end)

  it("gives every leaf its own gradient tensor", function()
    local x, y = leaf(3), leaf(3)
    ;(x + y):sum():backward()
    x.grad:zero_()
    H.assert_matches(y.grad, { shape = { 3 }, data = { 1, 1, 1 } }, 0)
  end)

  it("uses a tensor twice", function()
    local x = tide.tensor({ 3 }, "float64"):requires_grad_()
    local y = x * x
    ;(y * x):sum():backward()
    assert.are.equal(27, x.grad[1]) -- .grad itself does not require grad
  end)

  it("frees the graph after backward unless retain_graph", function()
    local x = leaf(2)
    local y = (x:exp()):sum()
    y:backward()
    H.assert_error(function() y:backward() end, "backward", "already freed", "retain_graph")
    local z = (x:exp()):sum()
    x.grad = nil
    z:backward(nil, { retain_graph = true })
    z:backward()
    H.assert_matches(x.grad, { shape = { 2 }, data = H.flat(x:detach():exp() * 2) }, 1e-12)
  end)

  it("records nothing under no_grad; enable_grad inside turns it back on", function()
    local x = leaf(2)
    local y = tide.no_grad(function() return x * 2 end)
    assert.is_nil(y.requires_grad)
    assert.is_nil(y.grad_fn)
    assert.is_false(tide.no_grad(tide.is_grad_enabled))
    local z = tide.no_grad(function() return tide.enable_grad(function() return x * 2 end) end)
    assert.is_true(z.requires_grad)
    assert.is_true(tide.is_grad_enabled())
    -- an error inside no_grad restores the mode
    pcall(tide.no_grad, function() error("boom") end)
    assert.is_true(tide.is_grad_enabled())
  end)

  it("detach shares data and stops gradients", function()
    local x = leaf(3)
    local d = x:detach()
    assert.is_nil(d.requires_grad)
    assert.is_true(d:is_leaf())
    local y = (x * d):sum()
    y:backward()
    H.assert_matches(x.grad, { shape = { 3 }, data = H.flat(d) }, 0)
    tide.no_grad(function() d:fill_(5) end)
    assert.are.equal(5, x:detach()[1])
  end)

  it("returns a 0-d tensor from a recorded whole-tensor reduction, a number otherwise", function()
    local x = leaf(2, 2)
    assert.is_true(tide.is_tensor(x:sum()))
    assert.are.equal("number", type(tide.no_grad(function() return x:sum() end)))
    assert.are.equal("number", type(x:detach():sum()))
  end)

  it("keeps gradients of non-leaves only when asked", function()
    local x = leaf(3)
    local h = (x * 2):retain_grad()
    local k = x * 3
    ;(h * k):sum():backward()
    assert.is_not_nil(h.grad)
    assert.is_nil(k.grad)
    H.assert_matches(h.grad, { shape = { 3 }, data = H.flat(k:detach()) }, 0)
  end)

  it("raises clear errors on bad use", function()
    local x = leaf(3)
    H.assert_error(function() (x * 2):backward() end, "backward", "one-element", "{3}")
    H.assert_error(function() (x * 2):backward(tide.ones(2)) end, "backward", "grad has shape {2}")
  end)

  it("refuses in-place ops on tensors that require grad while recording", function()
    local x = leaf(3)
    H.assert_error(function() x:add_(1) end, "add_", "requires grad", "no_grad")
    H.assert_error(function() x:exp_() end, "exp_", "requires grad")
    tide.no_grad(function() x:add_(1) end)
    H.assert_error(function() tide.ones(3, "int64"):requires_grad_() end, "requires_grad_", "int64")
  end)

  it("keeps a training loop's memory flat", function()
    local w1, w2 = leaf(64, 32), leaf(32, 10)
    local x = tide.randn(128, 64):to("float64")
    local function step()
      local h = x:matmul(w1):relu()
      local loss = (h:matmul(w2)):pow(2):mean()
      loss:backward()
      tide.no_grad(function()
        w1:sub_(w1.grad * 1e-3)
        w2:sub_(w2.grad * 1e-3)
      end)
      w1.grad, w2.grad = nil, nil
    end
    for _ = 1, 20 do step() end
    tide.collect()
    local after20 = tide.memory().live
    for _ = 1, 300 do step() end
    tide.collect()
    local after320 = tide.memory().live
    assert.is_true(after320 <= after20 * 1.05 + 4096,
      string.format("live bytes grew from %d to %d", after20, after320))
  end)
end)

describe("gradient checks (float64 finite differences)", function()
  before_each(function() tide.manual_seed(11) end)

  local unary = { "neg", "abs", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "erf", "square", "atan", "sinh",
    "cosh", "expm1" }
  for _, name in ipairs(unary) do
    it(name, function()
      local x = leaf(3, 4)
      if name == "abs" or name == "relu" then -- keep away from the kink
        x = tide.no_grad(function() return (x:sign() * (x:abs() + 0.1)) end):requires_grad_()
      end
      assert.is_true(gradcheck(function(a) return a[name](a) end, { x }))
    end)
  end
  for _, name in ipairs({ "log", "sqrt", "rsqrt", "log2", "log10", "log1p", "reciprocal" }) do
    it(name, function()
      assert.is_true(gradcheck(function(a) return a[name](a) end, { positive(2, 3) }))
    end)
  end
  it("asin, acos, tan", function()
    local x = (tide.rand(5):to("float64") - 0.5):requires_grad_()
    for _, name in ipairs({ "asin", "acos", "tan" }) do
      assert.is_true(gradcheck(function(a) return a[name](a) end, { x }))
    end
  end)

  it("binary ops with broadcasting and scalars", function()
    local a, b = leaf(2, 3), leaf(3)
    assert.is_true(gradcheck(function(x, y) return x + y end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return x - y end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return tide.add(x, y, { alpha = 2.5 }) end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return tide.sub(x, y, { alpha = -3 }) end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return x * y end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return x / y end, { a, positive(3) }))
    assert.is_true(gradcheck(function(x) return 2 - x * 3 + 1 / (x * x + 1) end, { a }))
    assert.is_true(gradcheck(function(x, y) return x ^ y end, { positive(2, 3), leaf(3) }))
    assert.is_true(gradcheck(function(x) return x ^ 3 end, { a }))
    assert.is_true(gradcheck(function(y) return tide.pow(2, y) end, { b }))
    assert.is_true(gradcheck(function(x, y) return tide.maximum(x, y) end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return tide.minimum(x, y) end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return tide.atan2(x, y) end, { a, positive(3) }))
  end)

  it("where, clamp, masked_fill", function()
    local a, b = leaf(3, 4), leaf(3, 4)
    local cond = tide.rand(3, 4):gt(0.5)
    assert.is_true(gradcheck(function(x, y) return tide.where(cond, x, y) end, { a, b }))
    assert.is_true(gradcheck(function(x) return x:clamp(-0.5, 0.5) end, { a }))
    assert.is_true(gradcheck(function(x) return x:masked_fill(cond, 2) end, { a }))
  end)

  it("reductions over all and some dims", function()
    local x = leaf(3, 4, 2)
    for _, name in ipairs({ "sum", "mean", "logsumexp", "amax", "amin" }) do
      assert.is_true(gradcheck(function(t) return t[name](t) end, { x }), name)
      assert.is_true(gradcheck(function(t) return t[name](t, 2) end, { x }), name)
      assert.is_true(gradcheck(function(t) return t[name](t, { 1, 3 }, true) end, { x }), name)
    end
    assert.is_true(gradcheck(function(t) return t:prod(2) end, { positive(3, 4) }))
    assert.is_true(gradcheck(function(t) return t:var(2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:std({ 1, 2 }, { correction = 0 }) end, { x }))
    assert.is_true(gradcheck(function(t) return t:norm() end, { x }))
    assert.is_true(gradcheck(function(t) return t:norm(1, 3) end, { x }))
    assert.is_true(gradcheck(function(t) return t:norm(3, 2) end, { x }))
    assert.is_true(gradcheck(function(t) return (t:max(2)) end, { x }))
    assert.is_true(gradcheck(function(t) return (t:min(3, true)) end, { x }))
    assert.is_true(gradcheck(function(t) return t:cumsum(2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:cumprod(1) end, { positive(4, 3) }))
  end)

  it("views", function()
    local x = leaf(2, 3, 4)
    assert.is_true(gradcheck(function(t) return t:view(6, 4) * 2 end, { x }))
    assert.is_true(gradcheck(function(t) return t:reshape(4, 6):t() end, { x }))
    assert.is_true(gradcheck(function(t) return t:permute(3, 1, 2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:transpose(1, 3) end, { x }))
    assert.is_true(gradcheck(function(t) return t:narrow(2, 2, 2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:slice(3, 1, -1, 2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:select(1, 2) end, { x }))
    assert.is_true(gradcheck(function(t) return t:unsqueeze(2):squeeze(2):flatten() end, { x }))
    assert.is_true(gradcheck(function(t) return t:narrow(1, 1, 1):expand(3, 3, 4) end, { x }))
    assert.is_true(gradcheck(function(t) return t:clone():contiguous() end, { x }))
    assert.is_true(gradcheck(function(t) return t[2] end, { x }))
    assert.is_true(gradcheck(function(t) return t[{ { 1, 2 }, 3 }] end, { x }))
    assert.is_true(gradcheck(function(t) return t[{ 1, 2, 3 }] end, { x }))
    assert.is_true(gradcheck(function(t)
      local parts = tide.split(t, 2, 3)
      return parts[1] * parts[2]
    end, { x }))
    assert.is_true(gradcheck(function(t) return tide.chunk(t, 3, 2)[3] end, { x }))
  end)

  it("joins and index ops", function()
    local a, b = leaf(2, 3), leaf(2, 2)
    assert.is_true(gradcheck(function(x, y) return tide.cat({ x, y }, 2) end, { a, b }))
    assert.is_true(gradcheck(function(x, y) return tide.stack({ x, y * 2 }, 3) end, { a, leaf(2, 3) }))
    local idx = tide.tensor({ 3, 1, 3 }, "int64")
    assert.is_true(gradcheck(function(x) return x:index_select(2, idx) end, { a }))
    local gidx = tide.tensor({ { 1, 3 }, { 2, 2 } }, "int64")
    assert.is_true(gradcheck(function(x) return x:gather(2, gidx) end, { a }))
    assert.is_true(gradcheck(function(x) return x:take(tide.tensor({ 6, 1, 1 }, "int64")) end, { a }))
    local mask = tide.tensor({ { true, false, true }, { false, true, true } })
    assert.is_true(gradcheck(function(x) return x:masked_select(mask) end, { a }))
    assert.is_true(gradcheck(function(x, s) return x:scatter_add(2, gidx, s) end, { a, b }))
    assert.is_true(gradcheck(function(x, s) return x:scatter(2, tide.tensor({ { 1, 3 }, { 2, 1 } }, "int64"), s) end,
      { a, b }))
    assert.is_true(gradcheck(function(x, s) return x:index_add(2, tide.tensor({ 1, 1 }, "int64"), s, 2) end, { a, b }))
  end)

  it("matrix products", function()
    local m, k, n = 3, 4, 2
    assert.is_true(gradcheck(tide.mm, { leaf(m, k), leaf(k, n) }))
    assert.is_true(gradcheck(tide.bmm, { leaf(2, m, k), leaf(2, k, n) }))
    assert.is_true(gradcheck(tide.mv, { leaf(m, k), leaf(k) }))
    assert.is_true(gradcheck(tide.dot, { leaf(k), leaf(k) }))
    assert.is_true(gradcheck(tide.outer, { leaf(m), leaf(n) }))
    assert.is_true(gradcheck(function(c, a, b) return tide.addmm(c, a, b, { beta = 0.5, alpha = 2 }) end,
      { leaf(n), leaf(m, k), leaf(k, n) }))
    -- matmul in every rank combination, with broadcast batch dims
    local cases = { { { k }, { k } }, { { k }, { k, n } }, { { m, k }, { k } }, { { m, k }, { k, n } },
      { { 2, m, k }, { k, n } }, { { 2, 1, m, k }, { 3, k, n } }, { { k }, { 2, k, n } }, { { 2, m, k }, { k } } }
    for _, c in ipairs(cases) do
      assert.is_true(gradcheck(tide.matmul, { leaf(unpack(c[1])), leaf(unpack(c[2])) }))
    end
  end)

  it("reports a wrong gradient", function()
    local x = leaf(3)
    local bad = function(t)
      local y = t * 1
      return tide.autograd.record("bad", tide.no_grad(function() return t * 2 end), { t }, function(g) return g end)
    end
    H.assert_error(function() gradcheck(bad, { x }) end, "gradient of input 1", "finite difference")
  end)
end)

describe("autograd corner cases", function()
  it("an op returning its input does not make a leaf its own parent", function()
    local p = tide.ones(3):requires_grad_()
    assert.are.equal(p, p:to("float32"))
    assert.is_true(p:is_leaf())
    assert.are.same({ 1, 1, 1 }, p:totable())
    assert.is_true(p:is_leaf())
  end)
end)

describe("autograd wrappers", function()
  it("leave tensor ops compilable by LuaJIT when nothing requires grad", function()
    local jutil = require("jit.util")
    local aborts = {}
    local traceerr = require("jit.vmdef").traceerr
    -- "NYI" aborts: code the compiler cannot handle (a closure-holding wrapper, varargs)
    local function on_trace(what, _, func, pc, code, info_)
      if what == "abort" then
        local msg = traceerr[code] or tostring(code)
        local ok, full = pcall(string.format, msg, info_)
        if ok then msg = full end
        if msg:find("NYI", 1, true) then
          local info = jutil.funcinfo(func, pc)
          aborts[#aborts + 1] = tostring(info.source) .. " (" .. tostring(info.loc) .. "): " .. msg
        end
      end
    end
    jit.attach(on_trace, "trace")
    local a, b, o = tide.rand(16), tide.rand(16), tide.rand(16)
    for _ = 1, 3000 do
      tide.add(a, b, o)
      local s = a:sum(1)
      tide.mul(a, 2, o)
      tide.exp(a, o)
      local v = a:view(4, 4):transpose(1, 2)
    end
    jit.attach(on_trace)
    for _, where in ipairs(aborts) do
      assert.is_nil(where:find("lua/tide/autograd/", 1, true), "a trace aborted in " .. where)
    end
  end)
end)
