-- nn.EmbeddingBag and F.embedding_bag: values and gradients (weight, per_sample_weights) against
-- PyTorch 1.13 (tests/gen/gen_nn_embedding_bag.py: sum / mean / max, per-sample weights,
-- padding_idx, empty bags, 2-d input, float32 and float64), float64 gradchecks, the module
-- (init, offsets as a table, from_pretrained, save -> load), the sparse SGD step against dense
-- autograd + optim.SGD, and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local nn = tide.nn
local F = nn.functional
local ref = H.fixture("nn_embedding_bag")

local T = H.tensor

local function run_case(c, weight, psw)
  return F.embedding_bag(T(c.ids, "int64"), weight, c.offsets and T(c.offsets, "int64") or nil,
    { mode = c.mode, per_sample_weights = psw, padding_idx = c.padding_idx })
end

describe("F.embedding_bag", function()
  it("matches PyTorch: output and gradients (" .. #ref.cases .. " cases)", function()
    for i, c in ipairs(ref.cases) do
      local what = string.format("case %d (%s, %s)", i, c.mode, c.dtype)
      local tol = c.dtype == "float32" and 2e-6 or 1e-13
      local w = T(c.weight, c.dtype):requires_grad_()
      local psw = c.psw and T(c.psw, c.dtype):requires_grad_() or nil
      local y = run_case(c, w, psw)
      assert.equals(c.dtype, y.dtype)
      H.assert_matches(y:detach(), c.y, tol, what .. " output")
      y:backward(T(c.g, c.dtype))
      H.assert_matches(w.grad, c.gw, tol, what .. " grad weight")
      if psw then H.assert_matches(psw.grad, c.gpsw, tol, what .. " grad per_sample_weights") end
    end
  end)

  it("passes float64 gradchecks in every mode, with per-sample weights and padding", function()
    tide.manual_seed(5)
    local w = tide.randn(7, 4, "float64"):requires_grad_()
    local ids = tide.tensor({ 1, 2, 4, 5, 4, 3, 2, 7 }, "int64")
    local offsets = { 1, 3, 3, 6 } -- an empty bag
    for _, mode in ipairs({ "sum", "mean", "max" }) do
      assert.is_true(tide.autograd.gradcheck(function(ww)
        return F.embedding_bag(ids, ww, offsets, { mode = mode, padding_idx = 3 })
      end, { w }, { name = mode }))
    end
    local psw = tide.randn(8, "float64"):requires_grad_()
    assert.is_true(tide.autograd.gradcheck(function(ww, pp)
      return F.embedding_bag(ids, ww, offsets, { mode = "sum", per_sample_weights = pp, padding_idx = 3 })
    end, { w, psw }))
    local ids2 = tide.tensor({ { 1, 2, 2 }, { 7, 6, 5 } }, "int64")
    assert.is_true(tide.autograd.gradcheck(function(ww) return F.embedding_bag(ids2, ww, nil, { mode = "mean" }) end, { w }))
  end)

  it("accepts int32 ids and offsets, and offsets as a Lua array", function()
    local w = tide.randn(6, 3)
    local ids = tide.tensor({ 1, 6, 2, 2, 5 }, "int64")
    local a = F.embedding_bag(ids, w, tide.tensor({ 1, 3 }, "int64"))
    local b = F.embedding_bag(ids:to("int32"), w, tide.tensor({ 1, 3 }, "int32"))
    local c = F.embedding_bag(ids, w, { 1, 3 })
    assert.equals(0, (a - b):abs():max())
    assert.equals(0, (a - c):abs():max())
    assert.same({ 2, 3 }, a.shape)
    -- the default mode is mean
    local m = (w[1] + w[6]) / 2
    assert.is_true((a[1] - m):abs():max() < 1e-6)
  end)

  it("rejects bad input with messages that name the problem", function()
    local w = tide.randn(4, 3)
    local ids = tide.tensor({ 1, 2, 3, 4, 1 }, "int64")
    H.assert_error(function() F.embedding_bag(tide.tensor({ 1, 2, 3, 5, 1 }, "int64"), w, { 1, 3 }) end,
      "embedding_bag: input[4] = 5 (bag 2, position 2) is out of range for 4 embeddings (ids count from 1)")
    H.assert_error(function() F.embedding_bag(tide.tensor({ 1, 0 }, "int64"), w, { 1 }) end,
      "embedding_bag: input[2] = 0 (bag 1, position 2) is out of range")
    H.assert_error(function() F.embedding_bag(tide.tensor({ { 1, 9 } }, "int64"), w) end,
      "embedding_bag: input[1, 2] = 9 is out of range for 4 embeddings")
    H.assert_error(function() F.embedding_bag(ids, w, { 2, 3 }) end,
      "embedding_bag: offsets[1] must be 1 (the first bag starts at the first id), got 2")
    H.assert_error(function() F.embedding_bag(ids, w, { 1, 4, 3 }) end,
      "embedding_bag: offsets must not decrease: offsets[3] = 3 is below offsets[2] = 4")
    H.assert_error(function() F.embedding_bag(ids, w, { 1, 7 }) end, "offsets[2] = 7 is past the end of the input's 5 ids")
    H.assert_error(function() F.embedding_bag(ids, w) end, "embedding_bag: a 1-d input needs offsets")
    H.assert_error(function() F.embedding_bag(tide.tensor({ { 1, 2 } }, "int64"), w, { 1 }) end,
      "embedding_bag: offsets must be nil for a 2-d input")
    H.assert_error(function() F.embedding_bag(tide.tensor({ 1.0, 2.0 }), w, { 1 }) end,
      "embedding_bag: input must be an int64 tensor of 1-based ids, got float32")
    H.assert_error(function() F.embedding_bag({ 1, 2 }, w, { 1 }) end, "embedding_bag: input must be an int64 tensor")
    H.assert_error(function() F.embedding_bag(ids, w, tide.tensor({ 1.0, 3.0 })) end,
      "embedding_bag: offsets must be an int64 tensor of 1-based bag starts, got float32")
    H.assert_error(function() F.embedding_bag(ids, w, { 1, 2.5 }) end, "embedding_bag: offsets[2] must be an integer")
    H.assert_error(function() F.embedding_bag(ids, tide.randn(4, 3):to("int64"), { 1 }) end,
      "embedding_bag: weight must be float32 or float64, got int64")
    H.assert_error(function() F.embedding_bag(ids, tide.randn(12), { 1 }) end, "embedding_bag: weight must be 2-d")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { mode = "mean", per_sample_weights = tide.ones(5) }) end,
      "embedding_bag: per_sample_weights are only supported for mode 'sum', got mode 'mean'")
    H.assert_error(function()
      F.embedding_bag(ids, w, { 1 }, { mode = "sum", per_sample_weights = tide.ones(5, "float64") })
    end, "embedding_bag: per_sample_weights is float64, weight is float32")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { mode = "sum", per_sample_weights = tide.ones(4) }) end,
      "per_sample_weights has shape [4], expected the input's [5]")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { mode = "min" }) end,
      "embedding_bag: mode must be \"sum\", \"mean\" or \"max\", got min")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { padding_idx = 5 }) end,
      "embedding_bag: padding_idx 5 is out of range for 4 embeddings")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { modes = "sum" }) end, "embedding_bag: unknown option modes")
    H.assert_error(function() F.embedding_bag(ids, w, { 1 }, { include_last_offset = true }) end,
      "include_last_offset is not supported")
  end)
end)

describe("nn.EmbeddingBag", function()
  it("initialises N(0, 1) with a zero padding row, and reduces bags", function()
    tide.manual_seed(1)
    local bag = nn.EmbeddingBag(50, 8, { mode = "sum", padding_idx = -1 })
    assert.same({ 50, 8 }, bag.weight.shape)
    assert.equals("float32", bag.weight.dtype)
    local w = bag.weight:detach()
    assert.equals(0, w[50]:abs():max())
    assert.is_true(math.abs(w:std() - 1) < 0.2)
    assert.equals('EmbeddingBag(50, 8, mode="sum", padding_idx=50)', tostring(bag))
    local y = bag(tide.tensor({ 3, 50, 4, 7 }, "int64"), { 1, 3 })
    assert.is_true((y[1] - w[3]):abs():max():item() == 0)
    y:sum():backward()
    assert.equals(1, bag.weight.grad[3][1])
    assert.equals(0, bag.weight.grad[50]:abs():max())
    local b64 = nn.EmbeddingBag(5, 2, { dtype = "float64", mode = "max" })
    assert.equals("float64", b64(tide.tensor({ { 1, 2 } }, "int64")).dtype)
    H.assert_error(function() nn.EmbeddingBag(5, 2, { mode = "avg" }) end, "EmbeddingBag: mode must be")
    H.assert_error(function() nn.EmbeddingBag(5, 2, { padding_idx = 6 }) end, "EmbeddingBag: padding_idx must be an integer in 1..5")
    H.assert_error(function() nn.EmbeddingBag(0, 2) end, "EmbeddingBag: num_embeddings must be an integer >= 1")
    H.assert_error(function() nn.EmbeddingBag(5, 2, { sparse = true }) end, "EmbeddingBag: unknown option 'sparse'")
    H.assert_error(function() b64("x") end, "EmbeddingBag: input must be an int64 tensor")
  end)

  it("from_pretrained freezes by default", function()
    local w = tide.randn(4, 3)
    local bag = nn.EmbeddingBag.from_pretrained(w, { mode = "max" })
    assert.is_falsy(bag.weight.requires_grad)
    assert.equals(0, (bag.weight - w):abs():max())
    local ids = tide.tensor({ 2, 4 }, "int64")
    assert.equals(0, (bag(ids, { 1 }) - F.embedding_bag(ids, w, { 1 }, { mode = "max" })):abs():max())
  end)

  it("save -> load gives the same output", function()
    local path = os.tmpname()
    local bag = nn.EmbeddingBag(9, 4, { mode = "mean", padding_idx = 2 })
    bag:save(path)
    local fresh = nn.EmbeddingBag(9, 4, { mode = "mean", padding_idx = 2 })
    fresh:load(path)
    os.remove(path)
    local ids, off = tide.tensor({ 1, 2, 9, 9, 5 }, "int64"), { 1, 3, 3 }
    assert.equals(0, (bag(ids, off) - fresh(ids, off)):abs():max():item())
  end)
end)

describe("F.embedding_bag_sgd_", function()
  -- the sparse step against autograd's dense gradient and optim.SGD
  local function compare(mode, dtype, opts)
    tide.manual_seed(11)
    local V, D = 40, 6
    local w0 = tide.randn(V, D, dtype)
    local ids = tide.randint(1, V + 1, { 60 })
    local off = tide.tensor({ 1, 5, 5, 20, 31, 44, 60 }, "int64")
    local g = tide.randn(7, D, dtype)
    local psw = opts.psw and tide.randn(60, dtype) or nil
    local fopts = { mode = mode, padding_idx = opts.padding_idx, per_sample_weights = psw }
    local dense = nn.Parameter(w0:clone())
    F.embedding_bag(ids, dense, off, fopts):backward(g)
    tide.optim.SGD({ dense }, { lr = 0.7 }):step()
    local sparse = w0:clone()
    F.embedding_bag_sgd_(sparse, ids, off, g, 0.7, fopts)
    return (dense:detach() - sparse):abs():max(), sparse, w0, ids
  end

  it("equals dense autograd + SGD (sum and mean bit for bit)", function()
    for _, dtype in ipairs({ "float32", "float64" }) do
      assert.equals(0, compare("sum", dtype, {}))
      assert.equals(0, compare("mean", dtype, { padding_idx = 3 }))
      assert.equals(0, compare("sum", dtype, { psw = true }))
      assert.is_true(compare("max", dtype, {}) < (dtype == "float32" and 1e-6 or 1e-14))
    end
  end)

  it("touches only the rows of the bags' ids", function()
    local _, sparse, w0, ids = compare("mean", "float64", {})
    local seen = {}
    for i = 1, ids:numel() do seen[ids[i]] = true end
    for r = 1, w0.shape[1] do
      local changed = (sparse[r] - w0[r]):abs():max() > 0
      assert.equals(seen[r] == true, changed, "row " .. r)
    end
  end)

  it("is the module's sgd_, and checks its arguments", function()
    tide.manual_seed(2)
    local bag = nn.EmbeddingBag(10, 3, { mode = "sum" })
    local before = bag.weight:detach():clone()
    local ids = tide.tensor({ 2, 2, 7 }, "int64")
    bag:sgd_(ids, { 1, 2 }, tide.ones(2, 3), 0.5)
    local after = bag.weight:detach()
    assert.is_true((after[2] - (before[2] - 1)):abs():max() < 1e-6)
    assert.is_true((after[7] - (before[7] - 0.5)):abs():max() < 1e-6)
    assert.equals(0, (after[1] - before[1]):abs():max())
    local w = tide.randn(4, 3)
    H.assert_error(function() F.embedding_bag_sgd_(w, ids, { 1 }, tide.ones(1, 3), 0.1) end,
      "embedding_bag_sgd_: input[3] = 7 (bag 1, position 3) is out of range for 4 embeddings")
    H.assert_error(function() F.embedding_bag_sgd_(w, tide.tensor({ 1 }, "int64"), { 1 }, tide.ones(2, 3), 0.1) end,
      "embedding_bag_sgd_: grad_output has shape [2, 3], expected [1, 3]")
    H.assert_error(function() F.embedding_bag_sgd_(w, tide.tensor({ 1 }, "int64"), { 1 }, tide.ones(1, 3), "x") end,
      "embedding_bag_sgd_: lr must be a number")
    H.assert_error(function() F.embedding_bag_sgd_(w, tide.tensor({ 1 }, "int64"), { 1 }, tide.ones(1, 3), 0 / 0) end,
      "embedding_bag_sgd_: lr must be a finite number")
  end)
end)
