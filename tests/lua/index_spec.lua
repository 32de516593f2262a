-- Joining and indexing from Lua: cat, stack, split, chunk, gather, scatter(_add), index_select,
-- index_add_, masked_select, nonzero, take, put_ against NumPy (fixtures from
-- tests/gen/gen_index.py), with non-contiguous inputs, 1-based indices, and bad calls whose
-- errors name the op, the bad index and the dim.
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("index")

-- A fixture array as a tensor; view "t" swaps the last two dims (a non-contiguous view).
local function build(arr, view)
  local t = tide.tensor(arr.data, arr.dtype):reshape(arr.shape)
  if view == "t" then
    t = t:transpose(-2, -1)
    assert(not t:is_contiguous())
  end
  return t
end

local function list(c)
  local r = {}
  for i, arr in ipairs(c.xs) do r[i] = build(arr, c.views and c.views[i]) end
  return r
end

describe("cat and stack", function()
  it("cat matches NumPy, including non-contiguous and mixed-dtype inputs", function()
    for _, name in ipairs({ "cat_dim1", "cat_dim2", "cat_noncontig", "cat_mixed", "cat_3d" }) do
      local c = ref[name]
      local r = tide.cat(list(c), c.dim)
      if c.dtype then assert.equals(c.dtype, r.dtype) end
      H.assert_matches(r, c.expected, nil, name)
    end
  end)

  it("cat takes negative dims, out=, and skips empty 1-d tensors", function()
    local a, b = tide.ones(2, 2), tide.zeros(2, 1)
    assert.same({ { 1, 1, 0 }, { 1, 1, 0 } }, tide.cat({ a, b }, -1):totable())
    local out = tide.empty(2, 3)
    assert.equals(out, tide.cat({ a, b }, 2, out))
    assert.same({ { 1, 1, 0 }, { 1, 1, 0 } }, out:totable())
    assert.same({ 2, 2 }, tide.cat({ tide.empty(0), a }).shape)
    -- out aliasing an input goes through a temporary
    local x = tide.tensor({ { 1, 2 }, { 3, 4 } })
    local big = tide.zeros(2, 4)
    tide.cat({ x, big:narrow(2, 1, 2) }, 2, big)
    assert.same({ { 1, 2, 0, 0 }, { 3, 4, 0, 0 } }, big:totable())
  end)

  it("stack matches NumPy at every dim", function()
    for dim = 1, 3 do
      local c = ref["stack_dim" .. dim]
      H.assert_matches(tide.stack(list(c), c.dim), c.expected, nil, "stack dim " .. dim)
    end
    assert.same({ 3, 2 }, tide.stack({ tide.ones(2), tide.ones(2), tide.ones(2) }, -2).shape)
    assert.same({ 1, 2 }, tide.stack({ tide.tensor(1), tide.tensor(2) }, 1):view(1, 2).shape)
  end)
end)

describe("split and chunk", function()
  local function check_parts(parts, expected, what)
    assert.equals(#expected, #parts, what)
    for i = 1, #parts do H.assert_matches(parts[i], expected[i], nil, what .. " part " .. i) end
  end

  it("split by size and by sizes matches NumPy, as views", function()
    local c = ref.split_size
    local x = build(c.x)
    local parts = x:split(c.size, c.dim)
    check_parts(parts, c.expected, "split_size")
    parts[1][1] = 100 -- a view: writes reach the source
    assert.equals(100, x[1])
    c = ref.split_sizes
    check_parts(tide.split(build(c.x), c.size, c.dim), c.expected, "split_sizes")
    c = ref.split_noncontig
    check_parts(build(c.x, c.xv):split(c.size, c.dim), c.expected, "split_noncontig")
  end)

  it("chunk matches NumPy", function()
    for _, name in ipairs({ "chunk", "chunk_even" }) do
      local c = ref[name]
      check_parts(tide.chunk(build(c.x), c.n, c.dim), c.expected, name)
    end
    assert.equals(3, #tide.ones(3):chunk(5)) -- never more chunks than elements
  end)
end)

describe("gather and scatter", function()
  it("gather matches NumPy's take_along_axis", function()
    for _, name in ipairs({ "gather_dim1", "gather_dim2", "gather_dim3", "gather_noncontig" }) do
      local c = ref[name]
      H.assert_matches(build(c.x, c.xv):gather(c.dim, build(c.index, c.iv)), c.expected, nil, name)
    end
    -- int32 index and Lua-table index
    local c = ref.gather_dim3
    H.assert_matches(tide.gather(build(c.x), 3, build(c.index):int32()), c.expected)
    assert.same({ { 3, 1 } }, tide.tensor({ { 1, 2, 3 } }):gather(2, { { 3, 1 } }):totable())
  end)

  it("scatter and scatter_add match NumPy (tensor and scalar sources, duplicates accumulate)", function()
    for _, name in ipairs({ "scatter_dim1", "scatter_dim2_value", "scatter_add_dup", "scatter_add_noncontig",
      "scatter_add_int64" }) do
      local c = ref[name]
      local x = build(c.x, c.xv)
      local before = x:clone()
      local src = c.src and build(c.src) or c.value
      local fn = name:match("^scatter_add") and "scatter_add" or "scatter"
      local r = x[fn](x, c.dim, build(c.index), src)
      H.assert_matches(r, c.expected, nil, name)
      assert.same(before:totable(), x:totable()) -- out-of-place leaves x alone
      local y = build(c.x, c.xv)
      assert.equals(y, y[fn .. "_"](y, c.dim, build(c.index), src))
      H.assert_matches(y, c.expected, nil, name .. " in place")
    end
  end)

  it("scatter converts the source dtype and writes into out", function()
    local out = tide.empty(2, 2)
    tide.scatter(tide.zeros(2, 2), 2, { { 2 }, { 1 } }, tide.tensor({ { 5 }, { 6 } }, "int64"), out)
    assert.same({ { 0, 5 }, { 6, 0 } }, out:totable())
  end)
end)

describe("index_select and index_add", function()
  it("index_select matches NumPy's take along each dim", function()
    for _, name in ipairs({ "index_select_dim1", "index_select_dim2", "index_select_dim3", "index_select_noncontig" }) do
      local c = ref[name]
      H.assert_matches(build(c.x, c.xv):index_select(c.dim, build(c.index)), c.expected, nil, name)
    end
    local c = ref.index_select_dim2
    local out = tide.empty(c.expected.shape)
    assert.equals(out, tide.index_select(build(c.x), 2, build(c.index), out))
    H.assert_matches(out, c.expected)
    assert.same({ { 3, 1, 3 } }, tide.tensor({ { 1, 2, 3 } }):index_select(2, { 3, 1, 3 }):totable())
  end)

  it("index_add_ accumulates repeated indices with alpha; index_add leaves the input alone", function()
    local c = ref.index_add
    local x = build(c.x)
    local r = x:index_add(c.dim, build(c.index), build(c.src), c.alpha)
    H.assert_matches(r, c.expected)
    assert.is_false(r == x)
    x:index_add_(c.dim, build(c.index), build(c.src), c.alpha)
    H.assert_matches(x, c.expected)
  end)
end)

describe("masked_select, nonzero, take, put_", function()
  it("masked_select matches NumPy, with a broadcast mask and non-contiguous input", function()
    local c = ref.masked_select_bcast
    H.assert_matches(build(c.x):masked_select(build(c.mask)), c.expected)
    c = ref.masked_select_noncontig
    H.assert_matches(tide.masked_select(build(c.x, c.xv), build(c.mask)), c.expected)
    assert.same({ 0 }, tide.ones(3):masked_select(tide.zeros(3, "bool")).shape)
  end)

  it("nonzero gives 1-based int64 indices like NumPy's argwhere + 1", function()
    for _, name in ipairs({ "nonzero_2d", "nonzero_3d", "nonzero_noncontig" }) do
      local c = ref[name]
      local r = build(c.x, c.xv):nonzero()
      assert.equals("int64", r.dtype)
      H.assert_matches(r, c.expected, nil, name)
    end
    assert.same({ 0, 2 }, tide.zeros(2, 2):nonzero().shape)
  end)

  it("take and put_ work on the row-major flattening", function()
    H.assert_matches(build(ref.take.x):take(build(ref.take.index)), ref.take.expected)
    local c = ref.take_noncontig
    H.assert_matches(tide.take(build(c.x, c.xv), build(c.index)), c.expected)
    c = ref.put_accumulate
    local x = build(c.x)
    x:put_(build(c.index), build(c.src), true)
    H.assert_matches(x, c.expected)
    local y = tide.zeros(2, 2):t()
    y:put_({ 2, 3 }, tide.tensor({ 7, 8 }))
    assert.same({ { 0, 7 }, { 8, 0 } }, y:totable())
  end)
end)

describe("index bad calls", function()
  local x = tide.ones(4, 5)
  local cases = {
    { function() x:gather(2, tide.tensor({ { 7 } }, "int64")) end, "gather: index 7 out of range for dim 2 of size 5" },
    { function() x:gather(1, tide.tensor({ { 0 } }, "int64")) end, "gather: index 0 out of range for dim 1 of size 4" },
    { function() x:gather(1, tide.tensor({ 1 }, "int64")) end, "gather: index has 1 dims but the tensor has 2" },
    { function() x:gather(1, tide.ones(1, 1)) end, "gather: index must be an int64 (or int32) tensor, got float32" },
    { function() x:gather(3, { { 1 } }) end, "gather: dim 3 out of range for a tensor with 2 dims" },
    { function() x:index_select(1, { 1, 5 }) end, "index_select: index 5 out of range for dim 1 of size 4" },
    { function() x:index_select(1, { { 1 } }) end, "index_select: index must be 1-d, got shape [1, 1]" },
    { function() x:scatter(2, { { 9 } }, 1) end, "scatter: index 9 out of range for dim 2 of size 5" },
    { function() x:scatter_add_(1, { { 1, 2 } }, tide.ones(1, 1)) end, "scatter_add_: index shape [1, 2] exceeds src's shape [1, 1] in dim 2" },
    { function() x:scatter(1, { { 1 } }, "a") end, "scatter: src must be a tensor or a number, got string" },
    { function() tide.cat({ tide.ones(2, 3), tide.ones(2, 4) }, 1) end, "cat: tensor 2 has shape [2, 4], expected [*, 3] matching [2, 3] except in dim 1" },
    { function() tide.cat({}, 1) end, "cat: expected a non-empty table of tensors" },
    { function() tide.cat({ x, 3 }) end, "cat: element 2 is number, expected a tensor" },
    { function() tide.stack({ tide.ones(2), tide.ones(3) }) end, "stack: tensor 2 has shape [3], expected [2] like tensor 1" },
    { function() tide.stack({ x }, 4) end, "stack: dim 4 out of range" },
    { function() x:split({ 2, 1 }) end, "split: sizes sum to 3 but dim 1 has size 4" },
    { function() x:split(0) end, "split: size must be a positive integer, got 0" },
    { function() x:chunk(0) end, "chunk: number of chunks must be a positive integer, got 0" },
    { function() x:masked_select(tide.ones(5)) end, "masked_select: mask must be a bool (or uint8) tensor, got float32" },
    { function() x:masked_select(tide.ones(3, "bool")) end, "masked_select: mask shape [3] does not broadcast with tensor shape [4, 5]" },
    { function() x:take({ 21 }) end, "take: index 21 out of range for a tensor of 20 elements" },
    { function() x:put_({ 1, 2 }, tide.ones(3)) end, "put_: src has 3 elements but index has 2" },
    { function() x:index_add_(1, { 1 }, tide.ones(2, 5)) end, "index_add_: src has shape [2, 5], expected [1, 5]" },
    { function() x:gather(1, { { 1.5 } }) end, "gather: index table must hold integers" },
  }
  for i, c in ipairs(cases) do
    it("case " .. i .. ": " .. c[2], function()
      local err = H.assert_error(c[1], c[2])
      assert.matches("index_spec%.lua:%d+:", err) -- raised at the caller's line
    end)
  end

  it("validates every index before writing anything", function()
    local t = tide.zeros(2, 3)
    H.assert_error(function() t:scatter_(2, { { 1, 2, 9 }, { 1, 1, 1 } }, 5) end, "scatter_: index 9")
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, t:totable())
    H.assert_error(function() t:put_({ 1, 99 }, tide.ones(2)) end, "put_: index 99")
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, t:totable())
    H.assert_error(function() t:index_add_(2, { 1, 4 }, tide.ones(2, 2)) end, "index_add_: index 4 out of range for dim 2 of size 3")
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, t:totable())
  end)
end)
