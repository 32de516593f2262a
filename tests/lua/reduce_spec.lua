-- Reductions, scans and sorting from Lua: parity with NumPy (fixtures from
-- tests/gen/gen_reduce.py) over each dim, several dims and all dims, keepdim, transposed views,
-- ties (first occurrence; stable sort), NaN order; the calling conventions (numbers for whole
-- tensors, tensors for dims, keepdim, dtype, out=); edge cases; and bad calls whose errors
-- name the op and point at the caller's line.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("reduce")

local function input(name, view)
  local a = ref.inputs[name]
  local t = tide.tensor(a.data, a.dtype):reshape(a.shape)
  if view == "t" then t = t:transpose(1, 3) end
  return t
end

-- run a fixture case's op on t; returns what the method returns
local function run(c, t)
  local a, op = c.args, c.op
  if op == "norm" then return t:norm(a.p, a.dim, { keepdim = a.keepdim }) end
  if op == "var" or op == "std" then
    return t[op](t, a.dim, { keepdim = a.keepdim, correction = a.correction, unbiased = a.unbiased })
  end
  if op == "cumsum" or op == "cumprod" then return t[op](t, a.dim) end
  if op == "sort" then return t:sort(a.dim, a.descending) end
  if op == "topk" then return t:topk(a.k, a.dim, a.largest) end
  if op == "kthvalue" then return t:kthvalue(a.k, a.dim) end
  if op == "unique" then return t:unique({ return_inverse = true, return_counts = true }) end
  return t[op](t, a.dim, { keepdim = a.keepdim })
end

-- like H.assert_matches, but equal infinities match too
local function matches(t, e, tol, what)
  local shape = t.shape
  assert.same(e.shape, shape, what .. " shape")
  local got = H.flat(t)
  for k = 1, #got do
    local a, b = got[k], e.data[k]
    if type(b) == "boolean" then b = b and 1 or 0 end
    local ok = a == b or (b ~= b and a ~= a) or (tol and math.abs(a - b) <= tol * math.max(1, math.abs(b)))
    assert(ok, string.format("%s: element %d is %.17g, expected %.17g", what, k, a, b))
  end
end

local function close(a, b, tol)
  if type(b) == "boolean" then return a == b end
  if b ~= b then return a ~= a end
  return math.abs(a - b) <= tol * math.max(1, math.abs(b))
end

describe("reductions match NumPy", function()
  local names = {}
  for name in pairs(ref.cases) do names[#names + 1] = name end
  table.sort(names)

  it("in every fixture case (" .. #names .. " cases)", function()
    for _, name in ipairs(names) do
      local c = ref.cases[name]
      local x = input(c.input, c.view)
      local tol = x.dtype == "float64" and 1e-12 or 2e-6
      local r, r2, r3 = run(c, x)
      local e = c.expected
      if type(r) ~= "table" then
        -- a whole-tensor reduction: a Lua number (or boolean)
        assert(#e.shape == 0, name .. ": expected a tensor result")
        assert(close(r, e.data[1], tol), string.format("%s: got %s, expected %s", name, tostring(r), tostring(e.data[1])))
      else
        matches(r, e, tol, name)
        if e.dtype == "int64" or e.dtype == "bool" or e.dtype == "int32" then
          assert.equals(e.dtype, r.dtype, name .. " dtype")
        else
          assert(r.dtype == "float32" or r.dtype == "float64", name .. " dtype " .. r.dtype)
        end
      end
      if c.indices then H.assert_matches(r2, c.indices, nil, name .. " indices") end
      if c.inverse then
        H.assert_matches(r2, c.inverse, nil, name .. " inverse")
        H.assert_matches(r3, c.counts, nil, name .. " counts")
      end
    end
  end)
end)

describe("calling conventions", function()
  local x = tide.tensor({ { 1, 2, 3 }, { 4, 5, 6 } })

  it("returns numbers for whole tensors and tensors for dims", function()
    assert.equals(21, x:sum())
    assert.equals(21, tide.sum(x))
    assert.equals(3.5, x:mean())
    assert.equals(720, x:prod())
    assert.equals(6, x:max())
    assert.equals(1, x:min())
    assert.equals(6, x:argmax())
    assert.equals(true, x:any())
    assert.equals(true, x:all())
    assert.equals(6, x:count_nonzero())
    assert.same({ 5, 7, 9 }, x:sum(1):totable())
    assert.same({ 6, 15 }, x:sum(-1):totable())
    assert.same({ 2, 1 }, x:sum(2, true).shape)
    assert.same({ 2, 1 }, x:sum(2, { keepdim = true }).shape)
    assert.same({ 2, 1 }, x:sum({ dim = 2, keepdim = true }).shape)
    assert.same({ 1, 1 }, x:sum(nil, true).shape)
    assert.equals(21, x:sum({ 1, 2 }):item())
    assert.same({}, x:sum({ 1, -1 }).shape)
    if tide.maximum then -- max(a, b) is the elementwise maximum, as in PyTorch
      assert.same({ { 1, 2, 3 }, { 4, 5, 6 } }, x:max(tide.ones(2, 3)):totable())
      assert.same({ { 1, 1, 1 }, { 1, 1, 1 } }, tide.min(x, tide.ones(2, 3)):totable())
    end
    local v, i = tide.max(x, 2)
    assert.same({ 3, 6 }, v:totable())
    assert.same({ 3, 3 }, i:totable())
    assert.equals("int64", i.dtype)
  end)

  it("follows PyTorch's result dtypes, with float32 means of integers", function()
    local n = tide.tensor({ 1, 2, 3 }, "int32")
    assert.equals("int64", n:sum(1).dtype)
    assert.equals("int64", n:prod(1).dtype)
    assert.equals("int64", n:cumsum(1).dtype)
    assert.equals("float32", n:mean(1).dtype)
    assert.equals("float64", n:sum(1, { dtype = "float64" }).dtype)
    assert.equals("float64", x:mean(1, { dtype = "float64" }).dtype)
    assert.equals(2, n:mean())
    local b = tide.tensor({ true, false, true })
    assert.equals(2, b:sum())
    assert.equals("int64", b:sum(1).dtype)
    assert.equals(true, b:max())
    assert.equals(false, b:all())
    assert.equals("bool", b:any(1).dtype)
  end)

  it("writes into out tensors and returns them", function()
    local o64 = tide.empty(3, "float64") -- sum takes out's dtype
    assert.equals(o64, x:sum(1, { out = o64 }))
    assert.same({ 5, 7, 9 }, o64:totable())
    local o = tide.empty(3)
    assert.equals(o, x:sum(1, { out = o }))
    assert.same({ 5, 7, 9 }, o:totable())
    local wide = tide.zeros(3, 2)
    local col = wide:select(2, 2) -- a non-contiguous out
    x:amax(1, { out = col })
    assert.same({ { 0, 4 }, { 0, 5 }, { 0, 6 } }, wide:totable())
    local c = tide.empty(2, 3)
    assert.equals(c, x:cumsum(2, { out = c }))
    assert.same({ { 1, 3, 6 }, { 4, 9, 15 } }, c:totable())
    local v, i = tide.empty(2), tide.empty(2, "int64")
    local rv, ri = x:max(2, { out = { v, i } })
    assert.equals(v, rv)
    assert.equals(i, ri)
    assert.same({ 3, 3 }, ri:totable())
    local sv, si = tide.empty(2, 3), tide.empty({ 2, 3 }, "int64")
    x:sort(2, { descending = true, out = { sv, si } })
    assert.same({ { 3, 2, 1 }, { 6, 5, 4 } }, sv:totable())
  end)

  it("reduces non-contiguous inputs without copying them first", function()
    local big = tide.arange(24):reshape(2, 3, 4)
    local t = big:transpose(1, 3) -- [4, 3, 2]
    assert.same(t:contiguous():sum(2):totable(), t:sum(2):totable())
    local s = big:slice(3, 1, 4, 2) -- every second element of the last dim
    assert.same(s:contiguous():amax({ 1, 3 }):totable(), s:amax({ 1, 3 }):totable())
    local e = tide.tensor({ { 1 }, { 2 } }):expand(2, 5)
    assert.same({ 5, 10 }, e:sum(2):totable())
    assert.same({ 3, 3, 3, 3, 3 }, e:sum(1):totable())
    assert.equals(15, e:sum())
    local a, ia = e:max(1)
    assert.same({ 2, 2, 2, 2, 2 }, ia:totable())
    assert.same({ 2, 2, 2, 2, 2 }, a:totable())
    local m = tide.randn(64, 48)
    local mt = m:t()
    for d = 1, 2 do
      local r1, r2 = mt:var(d), mt:contiguous():var(d)
      local a1, a2 = r1:totable(), r2:totable()
      for k = 1, #a1 do assert(math.abs(a1[k] - a2[k]) < 1e-5) end
    end
  end)

  it("handles empty and 0-d tensors", function()
    local e = tide.zeros(0, 3)
    assert.equals(0, e:sum())
    assert.equals(1, e:prod())
    assert(e:mean() ~= e:mean())
    assert.same({ 0, 0, 0 }, e:sum(1):totable())
    assert.same({ 0 }, e:sum(2).shape)
    assert.equals(false, e:any())
    assert.equals(true, e:all())
    assert.equals(-math.huge, e:logsumexp())
    local z = tide.tensor(7)
    assert.equals(7, z:sum())
    assert.equals(7, z:sum(1):item())
    assert.same({}, z:sum(-1).shape)
    local v, i = z:max(1)
    assert.equals(7, v:item())
    assert.equals(1, i:item())
    assert.equals(7, z:cumsum():item())
    assert.equals(7, z:median())
  end)

  it("keeps float32 sums accurate (accumulated in double)", function()
    tide.manual_seed(3)
    local x32 = tide.rand(1000003)
    local s32, s64 = x32:sum(), x32:double():sum()
    assert(math.abs(s32 - s64) <= 1e-9 * s64)
    local v32 = x32:sum(1):item() -- rounded once to float32
    assert(math.abs(v32 - s64) <= 1e-7 * s64)
    local big = tide.full({ 3 }, 1e8, "float32")
    assert.equals(1e8, big:mean())
    assert(math.abs(tide.tensor({ 1e4, 1e4 + 1, 1e4 + 2 }, "float32"):var() - 1) < 1e-6)
  end)

  it("sorts stably, NaN last ascending and first descending; unique collapses NaNs", function()
    local t = tide.tensor({ 2, 0 / 0, 1, 2, 1 })
    local v, i = t:sort()
    assert.same({ 3, 5, 1, 4, 2 }, i:totable())
    v, i = t:sort(true)
    assert.same({ 2, 1, 4, 3, 5 }, i:totable())
    assert.same({ 2, 1, 4, 3, 5 }, t:argsort({ descending = true }):totable())
    local tv, ti = t:topk(2)
    assert(tv:totable()[1] ~= tv:totable()[1])
    assert.same({ 2, 1 }, ti:totable())
    tv, ti = t:topk(2, { largest = false })
    assert.same({ 1, 1 }, tv:totable())
    assert.same({ 3, 5 }, ti:totable())
    local kv, ki = tide.tensor({ 5, 3, 9, 1 }):kthvalue(2)
    assert.equals(3, kv:item())
    assert.equals(2, ki:item())
    local u, inv, cnt = t:unique({ return_inverse = true, return_counts = true })
    assert.equals(3, u:numel())
    assert.same({ 2, 3, 1, 2, 1 }, inv:totable())
    assert.same({ 2, 2, 1 }, cnt:totable())
    local u2, c2 = tide.tensor({ 3, 3, 1 }):unique(true, false, true)
    assert.same({ 1, 3 }, u2:totable())
    assert.same({ 1, 2 }, c2:totable())
    assert.equals(2, tide.tensor({ 4, 1, 2, 3 }):median())
  end)
end)

describe("bad calls", function()
  local x = tide.ones(2, 3)
  local here = "reduce_spec.lua:"

  local function bad(fn, ...)
    local err = H.assert_error(fn, ...)
    assert(err:find(here, 1, true), "error does not point at the caller: " .. err)
  end

  it("name the op and the problem", function()
    bad(function() local _ = x:sum(3) end, "sum:", "dim 3 out of range")
    bad(function() local _ = x:sum(-3) end, "sum:", "out of range")
    bad(function() local _ = x:mean({ 1, -2 }) end, "mean:", "dim 1 appears more than once")
    bad(function() local _ = x:sum("2") end, "sum:", "dim must be an integer")
    bad(function() local _ = x:sum(1.5) end, "sum:", "dim must be an integer")
    bad(function() local _ = x:sum(1, "yes") end, "sum:", "options must be a table or a boolean")
    bad(function() local _ = x:sum(1, { keepdim = 1 }) end, "sum:", "keepdim must be a boolean")
    bad(function() local _ = x:sum(1, { out = tide.empty(2) }) end, "sum:", "out has shape [2], expected [3]")
    bad(function() local _ = x:amax(1, { out = tide.empty(3, "float64") }) end, "max:", "out has dtype float64")
    bad(function() local _ = x:sum(1, { out = "o" }) end, "sum:", "out must be a tensor")
    bad(function() local _ = x:mean(1, { dtype = "int32" }) end, "mean:", "float32 or float64")
    bad(function() local _ = x:sum(1, { dtype = "complex" }) end, "sum:", "unknown dtype")
    bad(function() local _ = tide.zeros(0):max() end, "max: cannot reduce an empty tensor")
    bad(function() local _ = tide.zeros(0, 2):max(1) end, "max: cannot reduce an empty tensor")
    bad(function() local _ = tide.zeros(0):argmax() end, "argmax: cannot reduce an empty tensor")
    bad(function() local _ = tide.zeros(2, 0):amin(2) end, "min: cannot reduce an empty tensor")
    bad(function() local _ = tide.zeros(0):median() end, "median: cannot reduce an empty tensor")
    bad(function() local _ = x:max({ 1, 2 }) end, "max:", "one dim")
    bad(function() local _ = x:norm(-1) end, "norm:", "p must be > 0")
    bad(function() local _ = x:norm("nuc") end, "norm:", "not supported")
    bad(function() local _ = x:norm("l2") end, "norm:", "p must be a number")
    bad(function() local _ = x:var(1, { correction = -1 }) end, "var:", "correction")
    bad(function() local _ = x:std(1, { unbiased = "yes" }) end, "std:", "unbiased must be a boolean")
    bad(function() local _ = x:topk(4) end, "topk:", "k = 4 out of range")
    bad(function() local _ = x:topk(-1) end, "topk:", "k must be >= 0")
    bad(function() local _ = x:topk(1.5) end, "topk:", "k must be an integer")
    bad(function() local _ = x:topk(1, { largest = "yes" }) end, "topk:", "largest must be a boolean")
    bad(function() local _ = x:kthvalue(0) end, "kthvalue:", "k = 0 out of range")
    bad(function() local _ = x:sort(3) end, "sort:", "dim 3 out of range")
    bad(function() local _ = x:sort(1, "desc") end, "sort:", "descending must be a boolean")
    bad(function() local _ = x:cumsum() end, "cumsum:", "dim is required")
    bad(function() local _ = x:cumprod(1, { out = tide.empty(3, 2) }) end, "cumprod:", "out has shape")
    bad(function() local _ = x:max(1, { out = { tide.empty(3) } }) end, "max:", "two tensors")
    bad(function() local _ = x:unique({ dim = 1 }) end, "unique:", "dim is not supported")
    bad(function() local _ = tide.sum({ 1, 2 }) end, "sum:", "expected a tensor")
    bad(function() local _ = tide.argsort(nil) end, "argsort:", "expected a tensor")
  end)
end)
