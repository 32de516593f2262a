-- Elementwise ops from Lua: every unary and binary op against NumPy (fixtures from
-- tests/gen/gen_elementwise.py), broadcasting, non-contiguous inputs, dtypes and PyTorch's type
-- promotion table, integer division signs, NaN handling, operators with numbers on either side,
-- in-place ops on views, out= with aliasing, where/clamp/masked_fill, equal/allclose, and bad
-- calls whose errors name the op and point at the caller's line.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("elementwise")

-- A fixture array ({shape, dtype, data}) as a tensor.
local function T(arr, dtype)
  local t = tide.tensor(arr.data, dtype or arr.dtype)
  return t:reshape(arr.shape)
end

-- The elements of t in order, read without making views (totable).
local function flatten(t)
  local v = t:totable()
  if type(v) ~= "table" then return { type(v) == "boolean" and (v and 1 or 0) or v } end
  local out = {}
  local function walk(x)
    if type(x) == "table" then
      for i = 1, #x do walk(x[i]) end
    else
      out[#out + 1] = type(x) == "boolean" and (x and 1 or 0) or x
    end
  end
  walk(v)
  return out
end

-- Compare t with a fixture array: same shape, NaN where NaN, equal infinities, and within tol
-- (relative to max(1, |expected|)) elsewhere; exact when tol is nil.
local function near(t, arr, tol, what)
  what = what or "tensor"
  local shape = t.shape
  assert(#shape == #arr.shape, string.format("%s: %d dims, expected %d", what, #shape, #arr.shape))
  for i = 1, #shape do
    assert(shape[i] == arr.shape[i], string.format("%s: size %d at dim %d, expected %d", what, shape[i], i, arr.shape[i]))
  end
  local got = flatten(t)
  for i = 1, #got do
    local a, b = got[i], arr.data[i]
    if type(b) == "boolean" then b = b and 1 or 0 end
    local ok
    if b ~= b then ok = a ~= a
    elseif a == b then ok = true
    elseif tol and b ~= math.huge and b ~= -math.huge then ok = math.abs(a - b) <= tol * math.max(1, math.abs(b))
    else ok = false end
    assert(ok, string.format("%s: element %d is %.9g, expected %.9g", what, i, a, b))
  end
end

local TOL = { float32 = 2e-6, float64 = 1e-13 }

describe("unary ops", function()
  for _, dt in ipairs({ "float32", "float64", "int32", "uint8" }) do
    it("match NumPy on " .. dt .. " input with special values", function()
      local c = ref["unary_" .. dt]
      local x = T(c.input)
      local n = 0
      for op, expected in pairs(c) do
        if op ~= "input" then
          local r = tide[op](x)
          assert.equals(expected.dtype, r.dtype, op .. " dtype")
          near(r, expected, TOL[expected.dtype], dt .. " " .. op)
          -- method form and out= agree
          local out = tide.empty(expected.shape, expected.dtype)
          assert.equals(out, x[op](x, out))
          near(out, expected, TOL[expected.dtype], dt .. " " .. op .. " (out=)")
          n = n + 1
        end
      end
      assert.is_true(n >= 30)
    end)
  end

  it("work in place, also on non-contiguous views", function()
    local c = ref.unary_float32
    local base = tide.zeros(19, 2)
    local col = base:select(2, 2)       -- stride 2
    col:copy_(T(c.input))
    col:exp_()
    near(col, c.exp, 2e-6, "exp_ on a strided view")
    near(base:select(2, 1), { shape = { 19 }, data = (function() local z = {} for i = 1, 19 do z[i] = 0 end return z end)() })
    local t = T(c.input):reshape(19, 1):expand(19, 3):t() -- transposed, expanded input
    near(tide.sqrt(t)[1], c.sqrt, 2e-6, "sqrt of an expanded transposed view")
  end)

  it("round halves to even and keeps NaN in sign and relu", function()
    local r = tide.tensor({ -2.5, -1.5, -0.5, 0.5, 1.5, 2.5 }):round()
    assert.same({ -2, -2, 0, 0, 2, 2 }, r:totable())
    local s = tide.tensor({ 0 / 0, -3, 0, 2 }):sign():totable()
    assert.is_true(s[1] ~= s[1])
    assert.same({ -1, 0, 1 }, { s[2], s[3], s[4] })
    local z = tide.tensor({ 0 / 0, -1, 1 }):relu():totable()
    assert.is_true(z[1] ~= z[1])
  end)

  it("exp, sigmoid are accurate over the whole float32 range", function()
    local x = tide.linspace(-110, 95, 20001)
    local e = tide.exp(x):to("float64")
    local ref64 = tide.exp(x:to("float64")):to("float32"):to("float64")
    assert.is_true(tide.allclose(e, ref64, 3e-7, 3e-45)) -- two ulps of the denormals
    local s = tide.sigmoid(x)
    assert.is_true(tide.allclose(s:to("float64"), tide.sigmoid(x:to("float64")), 3e-7, 1e-38))
  end)
end)

describe("binary ops", function()
  it("match NumPy over broadcast shapes (" .. #ref.binary .. " cases)", function()
    for i, c in ipairs(ref.binary) do
      local a, b = T(c.a), T(c.b)
      local what = string.format("case %d: %s %s with %s", i, c.op, table.concat(c.a.shape, "x"), table.concat(c.b.shape, "x"))
      local r = tide[c.op](a, b)
      assert.equals(c.expected.dtype, r.dtype, what)
      near(r, c.expected, TOL[c.expected.dtype], what)
      -- into out=, through the method form
      local out = tide.empty(c.expected.shape, c.expected.dtype)
      assert.equals(out, a[c.op](a, b, out))
      near(out, c.expected, TOL[c.expected.dtype], what .. " (out=)")
    end
  end)

  it("give the same results on non-contiguous operands", function()
    local tr = tide.rand(5, 6):t()                     -- [6, 5] transposed
    local sl = tide.rand(6, 10):slice(2, 1, 10, 2)     -- [6, 5], every second column
    local ex = tide.rand(5):expand(6, 5)               -- [6, 5], stride 0 along dim 1
    local co = tide.rand(6, 5)                          -- contiguous
    local f64 = tide.rand(6, 5, "float64"):t():t()      -- another dtype
    local pairs_ = { { tr, co }, { co, tr }, { tr, sl }, { sl, ex }, { ex, tr }, { ex, ex }, { sl, f64 } }
    for _, op in ipairs({ "add", "mul", "sub", "div", "maximum", "atan2", "lt", "remainder" }) do
      for k, pair in ipairs(pairs_) do
        local x, y = pair[1], pair[2]
        local got = tide[op](x, y)
        local want = tide[op](x:contiguous(), y:contiguous())
        assert.is_true(tide.equal(got, want), op .. " pair " .. k)
      end
    end
  end)

  it("broadcast 0-dim tensors and size-0 dims", function()
    local s = tide.tensor(2.5)
    assert.same({}, s.shape)
    assert.same({ 3.5, 4.5 }, (tide.tensor({ 1, 2 }) + s):totable())
    assert.equals(5, (s + s):item())
    assert.same({}, (s * s).shape)
    local e = tide.empty(2, 0) + tide.empty(1, 0)
    assert.same({ 2, 0 }, e.shape)
    assert.same({ 4, 3, 0 }, (tide.ones(3, 1) + tide.ones(4, 1, 0)).shape)
    assert.same({ 3, 2, 5 }, tide.broadcast_shapes({ 3, 1, 5 }, { 2, 1 }))
  end)

  it("take numbers on either side, for operators and functions", function()
    local t = tide.tensor({ 1, 2, 4 })
    assert.same({ 3, 4, 6 }, (2 + t):totable())
    assert.same({ 1, 0, -2 }, (2 - t):totable())
    assert.same({ -1, 0, 2 }, (t - 2):totable())
    assert.same({ 2, 4, 8 }, (2 * t):totable())
    assert.same({ 2, 1, 0.5 }, (2 / t):totable())
    assert.same({ 0.5, 1, 2 }, (t / 2):totable())
    assert.same({ 2, 4, 16 }, (2 ^ t):totable())
    assert.same({ 1, 4, 16 }, (t ^ 2):totable())
    assert.same({ 1, 2, 1 }, (t % 3):totable())
    assert.same({ 0, 1, 3 }, (3 % t):totable())
    assert.same({ -1, -2, -4 }, (-t):totable())
    assert.same({ 1, 0, -2 }, tide.sub(2, t):totable())
    assert.same({ false, true, true }, t:gt(1):totable())
    assert.same({ true, false, false }, tide.lt(t, 2):totable())
    assert.same({ true, true, false }, tide.ge(2, t):totable())
    assert.same({ 1, 2, 2 }, tide.minimum(t, 2):totable())
    -- booleans act as bool scalars
    local m = tide.tensor({ true, false })
    assert.same({ false, true }, m:logical_xor(true):totable())
    assert.equals("bool", m:bitwise_or(false).dtype)
  end)

  it("divide integers with NumPy's signs (floor), and x // 0 = x % 0 = 0", function()
    for _, dt in ipairs({ "int32", "int64", "uint8" }) do
      local c = ref["divmod_" .. dt]
      local a, b = T(c.a), T(c.b)
      near(tide.floor_divide(a, b), c.floor_divide, nil, dt .. " floor_divide")
      near(tide.remainder(a, b), c.remainder, nil, dt .. " remainder")
      near(a % b, c.remainder, nil, dt .. " %")
      assert.equals(dt, tide.floor_divide(a, b).dtype)
    end
    for _, dt in ipairs({ "float32", "float64" }) do
      local c = ref["divmod_" .. dt]
      local a, b = T(c.a), T(c.b)
      near(tide.floor_divide(a, b), c.floor_divide, nil, dt .. " floor_divide")
      near(tide.remainder(a, b), c.remainder, nil, dt .. " remainder")
    end
    -- with numbers
    local i = tide.tensor({ -7, 7 }, "int64")
    assert.same({ -4, 3 }, i:floor_divide(2):totable())
    assert.same({ 1, 1 }, (i % 2):totable())
    assert.same({ -1, -1 }, (i % -2):totable())
    assert.same({ 2, -2 }, tide.floor_divide(-14, i):totable())
    assert.same({ 2, -3 }, tide.floor_divide(-15, i):totable())
    -- true division of integers gives float32
    assert.equals("float32", (i / 2).dtype)
    assert.same({ -3.5, 3.5 }, (i / 2):totable())
  end)

  it("propagate NaN through maximum and minimum, as NumPy", function()
    local a = tide.tensor({ 0 / 0, 1, 2, 0 / 0 })
    local b = tide.tensor({ 1, 0 / 0, 1, 0 / 0 })
    for _, op in ipairs({ "maximum", "minimum" }) do
      local r = tide[op](a, b):totable()
      assert.is_true(r[1] ~= r[1] and r[2] ~= r[2] and r[4] ~= r[4], op)
      assert.equals(op == "maximum" and 2 or 1, r[3])
    end
    assert.same({ false, false, false, false }, a:eq(b):totable())
    assert.same({ true, true, true, true }, a:ne(b):totable())
    assert.same({ false, false, true, false }, a:gt(b):totable())
  end)

  it("wrap integer overflow and raise integer powers", function()
    local i = tide.tensor({ 2147483647, -2147483648 }, "int32")
    assert.same({ -2147483648, 2147483647 }, (i + tide.tensor({ 1, -1 }, "int32")):totable())
    local u = tide.tensor({ 250, 3 }, "uint8")
    assert.same({ 4, 13 }, (u + 10):totable())
    assert.same({ 6, 253 }, (-u):totable())
    local p = tide.tensor({ 2, 3, -2 }, "int64")
    assert.same({ 8, 27, -8 }, (p ^ 3):totable())
    assert.same({ 4, 9, 4 }, (p ^ 2):totable())
    assert.equals("int64", (p ^ 2).dtype)
    assert.same({ 0, 0, 0 }, tide.pow(p, tide.tensor({ -1, -2, -3 }, "int64")):totable())
    assert.same({ 1, -1 }, tide.pow(tide.tensor({ 1, -1 }, "int32"), tide.tensor({ -5, -3 }, "int32")):totable())
  end)

  it("add and sub take alpha", function()
    local a, b = tide.tensor({ 1, 2 }), tide.tensor({ 10, 20 })
    assert.same({ 21, 42 }, tide.add(a, b, { alpha = 2 }):totable())
    assert.same({ -9, -18 }, tide.sub(a, b, { alpha = 1 }):totable())
    assert.same({ 31, 62 }, a:add(b, { alpha = 3 }):totable())
    local out = tide.empty(2)
    assert.equals(out, tide.add(a, b, { alpha = -1, out = out }))
    assert.same({ -9, -18 }, out:totable())
    local c = a:clone()
    c:add_(b, 0.5)
    assert.same({ 6, 12 }, c:totable())
    c:sub_(b, { alpha = 0.5 })
    assert.same({ 1, 2 }, c:totable())
    assert.same({ 7, 8 }, tide.add(a, 3, { alpha = 2 }):totable())
    local i = tide.tensor({ 1, 2 }, "int32")
    assert.same({ 21, 42 }, i:add(tide.tensor({ 10, 20 }, "int32"), { alpha = 2 }):totable())
  end)
end)

describe("type promotion", function()
  local P = ref.promotion
  local function result(f)
    local ok, r = pcall(f)
    if not ok then return "error" end
    return r.dtype
  end

  it("follows PyTorch " .. P.version .. " for every dtype pair (" .. #P.pairs .. " cases)", function()
    for _, c in ipairs(P.pairs) do
      local a, b = tide.ones(2, c.a), tide.ones(2, c.b)
      local z = tide.ones({}, c.b)
      local what = string.format("%s(%s, %s)", c.op, c.a, c.b)
      assert.equals(c.result, result(function() return tide[c.op](a, b) end), what)
      assert.equals(c.result_0d, result(function() return tide[c.op](a, z) end), what .. " with a 0-dim second operand")
    end
  end)

  it("follows PyTorch for tensors with numbers (" .. #P.scalars .. " cases)", function()
    for _, c in ipairs(P.scalars) do
      local a = tide.ones(2, c.dtype)
      local what = string.format("%s(%s tensor, %g)", c.op, c.dtype, c.scalar)
      assert.equals(c.result, result(function() return tide[c.op](a, c.scalar) end), what)
    end
  end)

  it("follows PyTorch for unary ops (" .. #P.unary .. " cases)", function()
    for _, c in ipairs(P.unary) do
      local a = tide.ones(2, c.dtype)
      assert.equals(c.result, result(function() return tide[c.op](a) end), c.op .. "(" .. c.dtype .. ")")
    end
  end)

  it("converts mixed operands exactly", function()
    local i = tide.tensor({ 16777217, 3 }, "int64")
    local d = tide.tensor({ 0.5, 0.25 }, "float64")
    assert.same({ 16777217.5, 3.25 }, (i + d):totable())
    assert.equals("float64", (i + d).dtype)
    -- comparisons of integers with numbers are exact whatever the number
    local u = tide.tensor({ 1, 200 }, "uint8")
    assert.same({ true, true }, u:lt(300):totable())
    assert.same({ false, true }, u:gt(1.5):totable())
    assert.same({ false, true }, u:gt(199.5):totable())
  end)
end)

describe("out= and in-place", function()
  it("writes through views to the base tensor", function()
    local base = tide.zeros(3, 4)
    local row = base[2]
    row:add_(5)
    local col = base:select(2, 3)
    col:mul_(tide.tensor({ 1, 2, 3 })):add_(1)
    assert.same({ { 0, 0, 1, 0 }, { 5, 5, 11, 5 }, { 0, 0, 1, 0 } }, base:totable())
    local tr = base:t()
    tr:clamp_(0, 4)
    assert.same({ { 0, 0, 1, 0 }, { 4, 4, 4, 4 }, { 0, 0, 1, 0 } }, base:totable())
    base:masked_fill_(base:eq(4), -1)
    assert.same({ -1, -1, -1, -1 }, base[2]:totable())
  end)

  it("returns the out handle and accepts a safe dtype", function()
    local a, b = tide.tensor({ 1, 2 }), tide.tensor({ 3, 4 })
    local o64 = tide.empty(2, "float64")
    assert.equals(o64, tide.add(a, b, o64))
    assert.same({ 4, 6 }, o64:totable())
    local of = tide.empty(2)
    assert.equals(of, tide.lt(a, b, of)) -- bool result into float32
    assert.same({ 1, 1 }, of:totable())
    local oi = tide.empty(2, "int32")
    tide.add(tide.tensor({ 1, 2 }, "int64"), 1, oi)
    assert.same({ 2, 3 }, oi:totable())
  end)

  it("handles out aliasing an input, or overlapping it", function()
    local a = tide.tensor({ 1, 2, 3, 4 })
    tide.add(a, a, a)
    assert.same({ 2, 4, 6, 8 }, a:totable())
    local b = tide.tensor({ 10, 20, 30, 40 })
    tide.mul(a, b, b)
    assert.same({ 20, 80, 180, 320 }, b:totable())
    -- out overlaps the input shifted by one: computed as if from a copy
    local x = tide.tensor({ 1, 2, 3, 4, 5 })
    tide.add(x:narrow(1, 1, 4), 10, x:narrow(1, 2, 4))
    assert.same({ 1, 11, 12, 13, 14 }, x:totable())
    -- a row broadcast into the matrix it belongs to
    local m = tide.tensor({ { 1, 2 }, { 3, 4 } })
    m:add_(m[1])
    assert.same({ { 2, 4 }, { 4, 6 } }, m:totable())
    -- a transposed view of itself
    local s = tide.tensor({ { 1, 2 }, { 3, 4 } })
    tide.add(s, s:t(), s)
    assert.same({ { 2, 5 }, { 5, 8 } }, s:totable())
  end)

  it("uses several threads on large tensors with the same results", function()
    local n = 300001
    local a = tide.arange(n, "float64")
    local b = tide.arange(n, "float64"):mul(2)
    local r = a + b
    assert.equals(3 * (n - 1), r[n])
    assert.is_true(tide.equal(r, a:mul(3)))
    local m = tide.arange(3 * n, "float32"):view(3, n)
    local t = m:t() + tide.tensor({ 1, 2, 3 }) -- strided iterator, broadcast, in parallel
    assert.equals(m[{ 3, n }] + 3, t[{ n, 3 }])
    assert.equals(m[{ 1, 7 }] + 1, t[{ 7, 1 }])
  end)
end)

describe("where, clamp, masked_fill", function()
  it("match NumPy", function()
    local c = ref.where
    near(tide.where(T(c.cond), T(c.a), T(c.b)), c.expected, nil, "where")
    local w = ref.where_scalar
    near(tide.where(T(w.cond), 1.5, -2), w.expected, nil, "where with numbers")
    local k = ref.clamp
    near(T(k.x):clamp(k.lo, k.hi), k.expected, nil, "clamp")
    near(T(ref.clamp_min.x):clamp(ref.clamp_min.lo, nil), ref.clamp_min.expected, nil, "clamp lo only")
    near(T(ref.clamp_min.x):clamp_min(ref.clamp_min.lo), ref.clamp_min.expected, nil, "clamp_min")
    local m = ref.masked_fill
    near(T(m.x):masked_fill(T(m.mask), m.value), m.expected, nil, "masked_fill")
  end)

  it("promote and broadcast", function()
    local cond = tide.tensor({ 1, 0, 2 }) -- any dtype: nonzero is true
    assert.same({ 1, 0, 1 }, tide.where(cond, 1, 0):totable())
    assert.equals("int64", tide.where(cond, 1, 0).dtype)
    assert.equals("float32", tide.where(cond, tide.tensor({ 1, 2, 3 }, "int32"), 0.5).dtype)
    assert.equals("bool", tide.where(cond, true, false).dtype)
    assert.same({ 1, 0, 3 }, tide.where(cond:eq(0), false, tide.tensor({ 1, 2, 3 }, "int32")):totable())
    local w = tide.where(tide.tensor({ { true }, { false } }), tide.tensor({ 5, 5 }), tide.tensor({ { 6, 7 } }))
    assert.same({ { 5, 5 }, { 6, 7 } }, w:totable())
    local x = tide.tensor({ 1, 5, 9 }, "int32")
    assert.equals("int32", x:clamp(2, 6).dtype)
    assert.same({ 2, 5, 6 }, x:clamp(2, 6):totable())
    assert.equals("float32", x:clamp(2.5, nil).dtype)
    assert.same({ 1, 5, 6 }, x:clamp_max(6):totable())
    local n = tide.tensor({ 0 / 0, 3 }):clamp(0, 1):totable()
    assert.is_true(n[1] ~= n[1])
    -- tensor bounds
    assert.same({ 1, 4, 4 }, x:clamp(tide.tensor({ 0, 4, 0 }, "int32"), 4):totable())
    -- masked_fill with a broadcast mask and a 0-dim value
    local y = tide.zeros(2, 3)
    y:masked_fill_(tide.tensor({ true, false, true }), tide.tensor(7))
    assert.same({ { 7, 0, 7 }, { 7, 0, 7 } }, y:totable())
    local t = x:where(x:gt(3), 0)
    assert.same({ 0, 5, 9 }, t:totable())
  end)
end)

describe("equal, allclose, isclose", function()
  it("compare whole tensors", function()
    local a = tide.tensor({ 1, 2, 3 })
    assert.is_true(a:equal(tide.tensor({ 1, 2, 3 }, "int64")))
    assert.is_false(a:equal(tide.tensor({ 1, 2, 4 })))
    assert.is_false(a:equal(tide.tensor({ { 1, 2, 3 } })))
    assert.is_false(tide.tensor({ 0 / 0 }):equal(tide.tensor({ 0 / 0 })))
    assert.is_true(tide.allclose(a, a + 1e-6))
    assert.is_false(tide.allclose(a, a + 1e-3))
    assert.is_true(tide.allclose(a, a + 1e-3, 1e-2))
    assert.is_true(tide.allclose(tide.tensor({ 0 / 0, 1 }), tide.tensor({ 0 / 0, 1 }), nil, nil, true))
    assert.is_false(tide.allclose(tide.tensor({ 0 / 0, 1 }), tide.tensor({ 0 / 0, 1 })))
    assert.is_true(tide.allclose(tide.tensor({ 1 / 0 }), tide.tensor({ 1 / 0 })))
    assert.same({ true, false }, tide.isclose(tide.tensor({ 1, 2 }), tide.tensor({ 1, 2.1 })):totable())
    assert.same({ true, false }, tide.isclose(tide.tensor({ 1, 2 }), 1, 0, 0.5):totable())
  end)
end)

describe("bad calls", function()
  local a, b = tide.ones(2, 3), tide.ones(4)
  local cases = {
    { function() local r = a + b return r end, "add: shapes [2, 3] and [4] cannot broadcast" },
    { function() local r = tide.mul(tide.ones(3, 1), tide.ones(2, 4, 2)) return r end, "mul: shapes [3, 1] and [2, 4, 2] cannot broadcast" },
    { function() local r = tide.add(a, a, tide.empty(3, 2)) return r end, "add: out has shape [3, 2], expected [2, 3]" },
    { function() local r = tide.add(a, a, tide.empty(2, 3, "int64")) return r end, "add: result dtype float32 cannot be cast to the out dtype int64" },
    { function() local r = tide.ones(3):add_(tide.ones(2, 3)) return r end, "add_: the operands broadcast to shape [2, 3], which does not fit the in-place tensor of shape [3]" },
    { function() local r = tide.ones(3, "int32"):div_(2) return r end, "div_: result dtype float32 cannot be cast to the in-place tensor's dtype int32" },
    { function() local r = tide.bitwise_and(a, a) return r end, "bitwise_and: not supported for float32 operands" },
    { function() local r = tide.bitwise_not(a) return r end, "bitwise_not: not supported for float32 tensors" },
    { function() local r = a + "x" return r end, "add: expected a tensor or a number as second operand, got string" },
    { function() local r = {} * a return r end, "mul: expected a tensor or a number as first operand, got table" },
    { function() local r = tide.sub(1, 2) return r end, "sub: expected at least one tensor operand, got number and number" },
    { function() local r = tide.exp(3) return r end, "exp: expected a tensor, got number" },
    { function() local r = tide.add(a, b, "out") return r end, "add: third argument must be an out tensor or an options table" },
    { function() local r = tide.mul(a, a, {}) return r end, "mul: out must be a tensor, got table" },
    { function() local r = tide._core.C.tide_binary(99, a._c, a._c, nil) == nil and tide._core.raise_c() return r end, "binary: unknown op 99" },
    { function() local r = tide._core.C.tide_unary(-1, a._c, nil) == nil and tide._core.raise_c() return r end, "unary: unknown op -1" },
    { function() local r = tide.where(tide.ones(2, "bool"), a, a) return r end, "where: shapes [2] and [2, 3] cannot broadcast" },
    { function() local r = tide.where(true, a, a) return r end, "where: condition must be a tensor, got boolean" },
    { function() local r = tide.where(tide.ones(3, "bool"), a, "no") return r end, "where: b must be a tensor or a number, got string" },
    { function() local r = a:masked_fill(tide.ones(2, "bool"), 0) return r end, "masked_fill: mask of shape [2] does not broadcast to the tensor's shape [2, 3]" },
    { function() local r = tide.ones(3):masked_fill(tide.ones(2, 3, "bool"), 0) return r end, "masked_fill: mask of shape [2, 3] does not broadcast to the tensor's shape [3]" },
    { function() local r = a:masked_fill(tide.ones(3), 0) return r end, "masked_fill: mask must be a bool tensor, got float32" },
    { function() local r = a:masked_fill(tide.ones(3, "bool"), "v") return r end, "masked_fill: value must be a tensor or a number, got string" },
    { function() local r = a:clamp(2, 1) return r end, "clamp: lower bound 2 is greater than upper bound 1" },
    { function() local r = a:clamp("0", 1) return r end, "clamp: lower bound must be a number, a tensor or nil, got string" },
    { function() local r = -tide.ones(2, "bool") return r end, "neg: not supported for bool tensors" },
    { function() local r = tide.ones(2, "bool") - tide.ones(2, "bool") return r end, "sub: subtracting bool tensors is not supported" },
    { function() local r = tide.tensor({ 2 }, "int32") ^ -1 return r end, "pow: integers to negative integer powers are not allowed" },
    { function() local r = tide.add(tide.tensor({ 1 }, "int32"), tide.tensor({ 1 }, "int32"), { alpha = 0.5 }) return r end, "add: alpha must be an integer for integer tensors, got 0.5" },
    { function() local r = tide.add(a, a, { alpha = "2" }) return r end, "add: alpha must be a number, got string" },
    { function() local r = tide.allclose(a, b) return r end, "allclose: shapes [2, 3] and [4] cannot broadcast" },
    { function() local r = tide.isclose(a, a, -1) return r end, "isclose: rtol and atol must be non-negative" },
    { function() local r = tide.equal(a, 1) return r end, "equal: expected two tensors, got table and number" },
    { function() local r = tide.add(tide.ones(1, 3), 1, tide.ones(1, 3):expand(2, 3)) return r end, "add: out has shape [2, 3], expected [1, 3]" },
    { function() local r = tide.add(tide.ones(2, 3), 1, tide.ones(1, 3):expand(2, 3)) return r end, "add: out has overlapping elements" },
    { function() local r = tide.floor(tide.ones(2, "bool")) return r end, "floor: not supported for bool tensors" },
    { function() local f = tide.ones(2) f:free() return f + 1 end, "tensor used after free()" },
  }
  for i, c in ipairs(cases) do
    it(string.format("%d: %s", i, c[2]), function()
      local err = H.assert_error(c[1], c[2])
      -- raised at the caller's line (this file), not inside the library
      assert.truthy(err:find("elementwise_spec.lua:%d+:"), err)
    end)
  end
end)
