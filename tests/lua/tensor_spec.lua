-- The Lua tensor API: creation, dtypes, views, 1-based indexing, printing, memory, threads.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("tensor")

describe("tensor creation", function()
  it("makes zeros, ones, full and empty of any dtype", function()
    local z = tide.zeros(2, 3)
    assert.same({ 2, 3 }, z.shape)
    assert.equals("float32", z.dtype)
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, z:totable())
    assert.same({ 1, 1 }, tide.ones({ 2 }, "int64"):totable())
    assert.same({ { 7, 7 } }, tide.full(1, 2, 7):totable())
    assert.same({ 2.5, 2.5 }, tide.full({ 2 }, 2.5, "float64"):totable())
    for _, dt in ipairs(tide.dtypes) do
      local t = tide.empty(3, dt)
      assert.equals(dt, t.dtype)
      assert.equals(3, t:numel())
    end
    assert.same({ true, true }, tide.ones(2, "bool"):totable())
  end)

  it("builds tensors from nested tables, numbers and booleans", function()
    local t = tide.tensor({ { 1, 2, 3 }, { 4, 5, 6 } })
    assert.same({ 2, 3 }, t.shape)
    assert.equals(6, t[{ 2, 3 }])
    assert.equals("int32", tide.tensor({ 1, 2 }, "int32").dtype)
    assert.same({ true, false }, tide.tensor({ true, false }):totable())
    assert.equals(0, tide.tensor(5).ndim)
    assert.equals(5, tide.tensor(5):item())
  end)

  it("matches NumPy for arange, linspace and eye", function()
    H.assert_matches(tide.linspace(-1, 2, 7, "float64"), ref.linspace)
    H.assert_matches(tide.linspace(0, 1, 11), ref.linspace_f32)
    H.assert_matches(tide.arange(0, 1, 0.1, "float64"), ref.arange_frac)
    H.assert_matches(tide.arange(5, -3, -2, "float64"), ref.arange_neg)
    H.assert_matches(tide.eye(3, 5), ref.eye_rect)
    assert.same({ 0, 1, 2, 3 }, tide.arange(4):totable())
  end)

  it("wraps foreign memory without copying", function()
    local ffi = require("ffi")
    local buf = ffi.new("double[6]", { 1, 2, 3, 4, 5, 6 })
    local t = tide.from_ptr(buf, { 2, 3 }, "float64")
    assert.equals(6, t[{ 2, 3 }])
    t[{ 1, 1 }] = 42
    assert.equals(42, buf[0])
  end)

  it("draws reproducible random numbers from a seed", function()
    tide.manual_seed(123)
    local a = tide.randn(100)
    tide.manual_seed(123)
    local b = tide.randn(100)
    assert.same(a:totable(), b:totable())
    local u = tide.rand(1000):totable()
    for _, v in ipairs(u) do assert.is_true(v >= 0 and v < 1) end
    local k = tide.randint(3, 6, { 500 })
    assert.equals("int64", k.dtype)
    local seen = {}
    for _, v in ipairs(k:totable()) do
      assert.is_true(v >= 3 and v < 6)
      seen[v] = true
    end
    assert.is_true(seen[3] and seen[4] and seen[5])
    -- the same seed gives the same numbers whatever the thread count
    tide.threads(1)
    tide.manual_seed(7)
    local one = tide.randn(50):totable()
    tide.threads(0)
    tide.manual_seed(7)
    assert.same(one, tide.randn(50):totable())
  end)

  it("gives the same large draws on 1 and 2 threads, with sane moments", function()
    local draws = {}
    for threads = 1, 2 do
      tide.threads(threads)
      tide.manual_seed(11)
      draws[threads] = { tide.randn(300001, "float64"), tide.rand(300000), tide.randint(-5, 5, { 300000 }) }
    end
    tide.threads(0)
    for k = 1, 3 do assert.is_true(draws[1][k]:equal(draws[2][k])) end
    local n, u, k = draws[1][1], draws[1][2], draws[1][3]
    assert.is_true(math.abs(n:mean()) < 0.01 and math.abs(n:std() - 1) < 0.01)
    assert.is_true(u:min() >= 0 and u:max() < 1 and math.abs(u:mean() - 0.5) < 0.01)
    assert.equals(-5, k:min())
    assert.equals(4, k:max())
    -- successive draws differ; a non-contiguous tensor is filled in row-major order
    assert.is_false(tide.rand(100):equal(tide.rand(100)))
    tide.manual_seed(3)
    local a = tide.rand(3, 4)
    tide.manual_seed(3)
    local b = tide.empty(4, 3):t():uniform_()
    assert.is_true(a:equal(b))
  end)
end)

describe("dtypes and casting", function()
  it("casts like NumPy's astype", function()
    local src = tide.tensor({ -2.7, -0.5, 0.0, 0.5, 2.5, 2.7, 255.0, 300.0, -1.0 }, "float64")
    H.assert_matches(src:to("int32"), ref.cast_int32)
    H.assert_matches(src:to("int64"), ref.cast_int64)
    H.assert_matches(src:to("bool"), ref.cast_bool)
    H.assert_matches(src:float():to("float64"), ref.cast_f32)
    local inrange = tide.tensor({ 0.0, 0.5, 2.7, 255.0 }, "float64")
    H.assert_matches(inrange:to("uint8"), ref.cast_uint8_inrange)
  end)

  it("returns the same tensor when the dtype already matches", function()
    local t = tide.zeros(2)
    assert.equals(t, t:to("float32"))
  end)
end)

describe("views", function()
  local x
  before_each(function() x = tide.arange(24):reshape(2, 3, 4) end)

  it("permute, transpose, slice, select and flatten match NumPy", function()
    H.assert_matches(x:permute(3, 1, 2):contiguous(), ref.permute_201)
    H.assert_matches(x:transpose(1, 3):contiguous(), ref.transpose_13)
    H.assert_matches(x[{ {}, { 1, 3, 2 }, { 2, 4, 2 } }]:contiguous(), ref.slice_step)
    H.assert_matches(x:select(2, 3):contiguous(), ref.select_2_3)
    H.assert_matches(x:transpose(2, 3):reshape(6, 4), ref.reshape_of_transpose)
    H.assert_matches(x:flatten(2, 3), ref.flatten_23)
  end)

  it("share storage with their base", function()
    local v = x:view(6, 4)
    v[{ 1, 1 }] = -1
    assert.equals(-1, x[{ 1, 1, 1 }])
    local row = x[2][3]
    row:fill_(9)
    assert.equals(9, x[{ 2, 3, 4 }])
    local n = x:narrow(3, 2, 2)
    assert.same({ 2, 3, 2 }, n.shape)
    n:zero_()
    assert.equals(0, x[{ 1, 2, 3 }])
    assert.equals(11, x[{ 1, 3, 4 }])
  end)

  it("squeeze, unsqueeze and expand change shape without copying", function()
    local t = tide.ones(3, 1)
    assert.same({ 3 }, t:squeeze().shape)
    assert.same({ 3 }, t:squeeze(2).shape)
    assert.same({ 1, 3, 1 }, t:unsqueeze(1).shape)
    assert.same({ 3, 1, 1 }, t:unsqueeze(-1).shape)
    local e = tide.arange(3):view(3, 1):expand(3, 4)
    assert.same({ 3, 4 }, e.shape)
    assert.same({ 1, 0 }, e:stride())
    assert.same({ 2, 2, 2, 2 }, e[3]:totable())
    assert.is_false(e:is_contiguous())
    assert.is_true(e:contiguous():is_contiguous())
  end)

  it("supports negative indices and ranges counted from the end", function()
    local t = tide.arange(10)
    assert.equals(9, t[-1])
    assert.same({ 7, 8, 9 }, t[{ { -3, -1 } }]:totable())
    assert.same({ 0, 3, 6, 9 }, t[{ { 1, -1, 3 } }]:totable())
  end)

  it("writes through index assignment with numbers and tensors", function()
    local t = tide.zeros(3, 3)
    t[2] = 5
    t[{ {}, 3 }] = tide.tensor({ 1, 2, 3 })
    assert.same({ { 0, 0, 1 }, { 5, 5, 2 }, { 0, 0, 3 } }, t:totable())
    t[{ 1, 1 }] = true
    assert.equals(1, t[1][1])
  end)

  it("clone copies, contiguous shares when possible", function()
    local a = tide.arange(4)
    local c = a:clone()
    c[1] = 100
    assert.equals(0, a[1])
    assert.equals(a, a:contiguous())
  end)
end)

describe("printing", function()
  it("shows values, shape and dtype", function()
    local s = tostring(tide.tensor({ { 1, 2 }, { 3, 4 } }))
    assert.matches("tensor%(%[%[1%., 2%.%],\n        %[3%., 4%.%]%], shape=%[2, 2%], dtype=float32%)", s)
    assert.matches("dtype=int64", tostring(tide.arange(3, "int64")))
    assert.matches("%[ true, false%]", tostring(tide.tensor({ true, false })))
  end)

  it("elides the middle of big tensors", function()
    local s = tostring(tide.arange(5000))
    assert.matches("%.%.%.", s)
    assert.is_true(#s < 300)
    assert.matches("4999", s)
  end)

  it("prints 0-d, empty and special values", function()
    assert.matches("tensor%(3%.5000, shape=%[%], dtype=float64%)", tostring(tide.tensor(3.5, "float64")))
    assert.matches("shape=%[0%]", tostring(tide.zeros(0)))
    local t = tide.tensor({ 0 / 0, 1 / 0, -1 / 0, 1.5 })
    assert.matches("nan", tostring(t))
    assert.matches("%-inf", tostring(t))
  end)
end)

describe("memory and threads", function()
  it("counts live and peak bytes of tensor storage", function()
    collectgarbage("collect")
    local before = tide.memory().live
    local t = tide.empty(1024, 1024)
    assert.equals(before + 4 * 1024 * 1024, tide.memory().live)
    assert.is_true(tide.memory().peak >= tide.memory().live)
    t:free()
    assert.equals(before, tide.memory().live)
    assert.equals("tensor(<freed>)", tostring(t))
  end)

  it("frees unreachable tensors through the collector", function()
    collectgarbage("collect")
    local before = tide.memory().live
    for _ = 1, 100 do local _ = tide.empty(1000) end
    collectgarbage("collect")
    assert.equals(before, tide.memory().live)
  end)

  it("keeps memory bounded when many big temporaries are made", function()
    tide.set_memory_soft_limit(64 * 1024 * 1024)
    for _ = 1, 200 do local _ = tide.empty(1024, 1024) end -- 800 MB made in all
    assert.is_true(tide.memory().live < 200 * 1024 * 1024)
    tide.set_memory_soft_limit(256 * 1024 * 1024)
  end)

  it("keeps tiny tensors' memory alive while a view of them lives", function()
    local v
    do
      local a = tide.arange(8) -- small enough to live in a Lua-collected result slot
      v = a:narrow(1, 3, 4):view(2, 2):t()
    end
    for _ = 1, 3 do
      collectgarbage("collect")
      local _ = tide.ones(8) -- reuse freed memory, were it freed
    end
    assert.same({ { 2, 4 }, { 3, 5 } }, v:totable())
  end)

  it("survives tiny bases and their views being collected together", function()
    -- a view's finaliser may run after the collector reclaimed its base's slot: it must not
    -- touch the slot's memory (this corrupted LuaJIT's heap once)
    local sum = 0
    for i = 1, 20000 do
      local a = tide.arange(8)
      local v = a:narrow(1, 2, 3):view(3, 1)
      local w = v:t():unsqueeze(1)
      sum = sum + w[{ 1, 1, 3 }]
      if i % 2000 == 0 then
        collectgarbage("collect")
        local strings = {}
        for k = 1, 200 do strings[k] = ("s"):rep(k % 17) .. k end
      end
    end
    assert.equals(20000 * 3, sum)
  end)

  it("releases heap data of slot tensors through the collector and free()", function()
    collectgarbage("collect")
    local before = tide.memory().live
    local t = tide.ones(1000) -- struct in a slot, data on the heap
    assert.equals(before + 4000, tide.memory().live)
    t = nil
    collectgarbage("collect")
    assert.equals(before, tide.memory().live)
    local u = tide.ones(1000)
    u:free()
    assert.equals(before, tide.memory().live)
    local small = tide.ones(4)
    small:free()
    assert.has_error(function() return small + 1 end)
  end)

  it("sets and reads the thread count", function()
    assert.equals(1, tide.threads(1))
    assert.equals(1, tide.threads())
    assert.is_true(tide.threads(0) >= 1)
  end)
end)

describe("generator state", function()
  it("get_rng_state / set_rng_state replay the same draws", function()
    tide.manual_seed(5)
    tide.rand(3)
    local s = tide.get_rng_state()
    local a, b = tide.rand(4), tide.randn(2, 2)
    tide.set_rng_state(s)
    assert.is_true(tide.rand(4):equal(a))
    assert.is_true(tide.randn(2, 2):equal(b))
    assert.are.equal(5, s.seed)
    local ok, err = pcall(tide.set_rng_state, 3)
    assert.is_false(ok)
    assert.truthy(err:find("set_rng_state: expected {seed = number, counter = number}", 1, true))
  end)
end)
