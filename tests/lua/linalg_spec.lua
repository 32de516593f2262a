-- Matrix products from Lua: matmul in every shape combination against NumPy (fixtures from
-- tests/gen/gen_linalg.py), transposed / strided views, dtypes, out=, mm/bmm/mv/dot/outer/addmm,
-- and bad calls whose errors name the op and point at the caller's line.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("linalg")

-- A fixture array as a tensor, then the view the generator describes (see gen_linalg.py).
local function build(arr, view, k)
  local t = tide.tensor(arr.data, arr.dtype):reshape(arr.shape)
  if view == "t" then return t:transpose(-2, -1) end
  if view == "step2" then return t:slice(-1, 1, -1, 2) end
  if view == "narrow" then return t:narrow(-1, 1, k) end
  if view == "perm01" then return t:transpose(1, 2) end
  return t
end

local function operands(c) return build(c.a, c.av, c.ak), build(c.b, c.bv, c.bk) end

describe("matmul", function()
  local names = {}
  for name in pairs(ref) do
    if name:match("^matmul_") then names[#names + 1] = name end
  end
  table.sort(names)

  it("matches NumPy in every fixture case (" .. #names .. " cases)", function()
    for _, name in ipairs(names) do
      local c = ref[name]
      local a, b = operands(c)
      local r = tide.matmul(a, b)
      assert.equals(c.rdtype, r.dtype, name)
      H.assert_matches(r, c.expected, nil, name)
      -- the method form and out= give the same
      local out = tide.empty(c.expected.shape, c.rdtype)
      assert.equals(out, a:matmul(b, out))
      H.assert_matches(out, c.expected, nil, name .. " (out=)")
    end
  end)

  it("uses transposed views in place: no copy, inputs unchanged", function()
    local c = ref.matmul_tab
    local a, b = operands(c)
    assert.is_false(a:is_contiguous())
    local out = tide.empty(c.expected.shape)
    local before = tide.memory().allocations
    tide.matmul(a, b, out)
    assert.equals(0, tide.memory().allocations - before) -- no copy of either operand
    H.assert_matches(out, c.expected)
    -- a layout BLAS cannot take is copied once, and still right
    local s = build(ref.matmul_step_a.a, "step2")
    local sb = build(ref.matmul_step_a.b)
    local o2 = tide.empty(ref.matmul_step_a.expected.shape)
    before = tide.memory().allocations
    tide.matmul(s, sb, o2)
    assert.equals(1, tide.memory().allocations - before)
    H.assert_matches(o2, ref.matmul_step_a.expected)
  end)

  it("writes into a non-contiguous out", function()
    local c = ref.matmul_mm_blas
    local a, b = operands(c)
    local big = tide.zeros(c.expected.shape[2], c.expected.shape[1])
    local out = big:t()
    tide.matmul(a, b, out)
    H.assert_matches(out, c.expected)
  end)

  it("handles out aliasing an input", function()
    local a = tide.tensor({ { 1, 2 }, { 3, 4 } })
    local b = tide.tensor({ { 0, 1 }, { 1, 0 } })
    tide.matmul(a, b, a)
    assert.same({ { 2, 1 }, { 4, 3 } }, a:totable())
  end)

  it("returns zeros for an empty contraction and empty results for empty dims", function()
    assert.same({ { 0, 0 }, { 0, 0 } }, tide.matmul(tide.ones(2, 0), tide.ones(0, 2)):totable())
    assert.same({ 0, 4 }, tide.matmul(tide.ones(0, 3), tide.ones(3, 4)).shape)
    assert.same({ 2, 0, 3 }, tide.matmul(tide.ones(2, 0, 5), tide.ones(5, 3)).shape)
    assert.equals(0, tide.matmul(tide.ones(0), tide.ones(0)):item())
  end)

  it("gives a 0-d result for two vectors", function()
    local r = tide.matmul(tide.tensor({ 1, 2, 3 }), tide.tensor({ 4, 5, 6 }))
    assert.equals(0, r.ndim)
    assert.equals(32, r:item())
  end)

  it("agrees between BLAS and the small-product loop", function()
    tide.manual_seed(7)
    local a, b = tide.randn(6, 5, "float64"), tide.randn(5, 7, "float64")
    local small = tide.matmul(a, b) -- 210 multiply-adds: the C loop
    local big = tide.matmul(tide.cat({ a, a, a }, 1), b) -- 630: BLAS
    H.assert_matches(big:narrow(1, 7, 6), { shape = small.shape, data = H.flat(small) }, 1e-12)
  end)

  it("is fast enough from Lua for tiny products", function()
    local x, y = tide.rand(4, 4), tide.rand(4, 4)
    local out = tide.empty(4, 4)
    for _ = 1, 1000 do tide.matmul(x, y, out) end
    local t0 = os.clock()
    for _ = 1, 20000 do tide.matmul(x, y, out) end
    local ns = (os.clock() - t0) / 20000 * 1e9
    assert.is_true(ns < 5000, "4x4 matmul took " .. ns .. " ns")
  end)
end)

describe("mm, bmm, mv, dot", function()
  it("agree with matmul", function()
    local a, b = operands(ref.matmul_mm_blas)
    H.assert_matches(tide.mm(a, b), ref.matmul_mm_blas.expected)
    H.assert_matches(a:mm(b), ref.matmul_mm_blas.expected)
    a, b = operands(ref.matmul_bmm3)
    H.assert_matches(tide.bmm(a, b), ref.matmul_bmm3.expected)
    a, b = operands(ref.matmul_mv)
    H.assert_matches(tide.mv(a, b), ref.matmul_mv.expected)
    a, b = operands(ref.matmul_mv_ta)
    H.assert_matches(a:mv(b), ref.matmul_mv_ta.expected)
    a, b = operands(ref.matmul_dot_blas)
    H.assert_matches(tide.dot(a, b), ref.matmul_dot_blas.expected)
    a, b = operands(ref.matmul_int64_vec)
    H.assert_matches(a:dot(b), ref.matmul_int64_vec.expected)
  end)

  it("dot of strided vectors", function()
    local m = tide.arange(12, "float64"):reshape(3, 4)
    -- column 2 . column 4 = 1*3 + 5*7 + 9*11
    assert.equals(137, tide.dot(m:select(2, 2), m:select(2, 4)):item())
    local long = tide.arange(1200, "float64"):reshape(600, 2)
    local x = long:select(2, 1) -- 0, 2, 4, ... (stride 2, BLAS with incx = 2)
    local expect = 0
    for i = 0, 599 do expect = expect + (2 * i) * (2 * i) end
    assert.equals(expect, tide.dot(x, x):item())
  end)
end)

describe("outer and addmm", function()
  it("outer matches NumPy", function()
    local c = ref.outer
    H.assert_matches(tide.outer(build(c.a), build(c.b)), c.expected)
    c = ref.outer_int64
    local r = build(c.a):outer(build(c.b))
    assert.equals("int64", r.dtype)
    H.assert_matches(r, c.expected)
    -- strided vectors and out
    local m = tide.arange(6):reshape(2, 3)
    local out = tide.empty(3, 2)
    tide.outer(m:select(1, 2), m:select(2, 1), out)
    assert.same({ { 0, 9 }, { 0, 12 }, { 0, 15 } }, out:totable())
  end)

  it("addmm matches NumPy with beta, alpha and a broadcast input", function()
    for _, name in ipairs({ "addmm", "addmm_row", "addmm_ta" }) do
      local c = ref[name]
      local r = tide.addmm(build(c.c), build(c.a, c.av), build(c.b), { beta = c.beta, alpha = c.alpha })
      H.assert_matches(r, c.expected, nil, name)
    end
  end)

  it("addmm with beta = 0 ignores NaN in the input; addmm_ works in place", function()
    local nan = tide.full({ 2, 2 }, 0 / 0)
    local r = tide.addmm(nan, tide.eye(2), tide.eye(2), { beta = 0 })
    assert.same({ { 1, 0 }, { 0, 1 } }, r:totable())
    local c = tide.ones(2, 2)
    assert.equals(c, c:addmm_(tide.eye(2), tide.full({ 2, 2 }, 3), { alpha = 2 }))
    assert.same({ { 7, 7 }, { 7, 7 } }, c:totable())
    -- positional beta, alpha, out
    local out = tide.empty(2, 2)
    tide.addmm(tide.ones(2, 2), tide.eye(2), tide.eye(2), 2, 3, out)
    assert.same({ { 5, 2 }, { 2, 5 } }, out:totable())
    -- integers
    local ri = tide.addmm(tide.ones(2, 2, "int64"), tide.eye(2, "int64"), tide.full({ 2, 2 }, 2, "int64"), { alpha = 3 })
    assert.same({ { 7, 7 }, { 7, 7 } }, ri:totable())
  end)
end)

describe("linalg bad calls", function()
  local m23, m45 = tide.ones(2, 3), tide.ones(4, 5)
  local cases = {
    { function() tide.matmul(m23, m45) end, "matmul: shapes [2, 3] and [4, 5] do not match (3 vs 4)" },
    { function() tide.matmul(m23, tide.tensor(2)) end, "matmul: argument 2 is 0-d" },
    { function() tide.matmul(tide.ones(3, "bool"), tide.ones(3, "bool")) end, "matmul: bool tensors are not supported" },
    { function() tide.matmul(m23, { 1, 2, 3 }) end, "matmul: expected a tensor as argument 2, got table" },
    { function() tide.matmul(tide.ones(2, 2, 3), tide.ones(3, 3, 4)) end, "matmul: batch dims of shapes [2, 2, 3] and [3, 3, 4] cannot broadcast (2 vs 3)" },
    { function() tide.matmul(m23, tide.ones(3, 2), tide.empty(3, 3)) end, "matmul: out has shape [3, 3], expected [2, 2]" },
    { function() tide.matmul(m23, tide.ones(3, 2), tide.empty(2, 2, "float64")) end, "matmul: out has dtype float64, expected float32" },
    { function() tide.matmul(m23, tide.ones(3, 2), "out") end, "matmul: out must be a tensor, got string" },
    { function() tide.mm(tide.ones(3), m23) end, "mm: expected 2-d and 2-d tensors, got shapes [3] and [2, 3]" },
    { function() tide.bmm(tide.ones(2, 2, 3), tide.ones(3, 3, 4)) end, "bmm: batch sizes differ (2 vs 3)" },
    { function() tide.mv(m23, tide.ones(4)) end, "mv: shapes [2, 3] and [4] do not match (3 vs 4)" },
    { function() tide.dot(tide.ones(3), tide.ones(4)) end, "dot: shapes [3] and [4] do not match (3 vs 4)" },
    { function() tide.dot(m23, m23) end, "dot: expected 1-d and 1-d tensors" },
    { function() tide.outer(m23, tide.ones(2)) end, "outer: expected two 1-d tensors, got shapes [2, 3] and [2]" },
    { function() tide.addmm(tide.ones(3), m23, tide.ones(3, 2)) end, "addmm: input of shape [3] does not broadcast to the product's shape [2, 2]" },
    { function() tide.addmm(tide.ones(2, 2), m23, tide.ones(3, 2), { beta = "x" }) end, "addmm: beta must be a number, got string" },
    { function() m23:matmul(nil) end, "matmul: expected a tensor as argument 2, got nil" },
  }
  for i, c in ipairs(cases) do
    it("case " .. i .. ": " .. c[2], function()
      local err = H.assert_error(c[1], c[2])
      assert.matches("linalg_spec%.lua:%d+:", err) -- raised at the caller's line
    end)
  end
end)
