-- F.embedding: rows and weight gradients against PyTorch (tests/gen/gen_nn_ops.py), including
-- padding_idx and scale_grad_by_freq, a float64 gradcheck, and bad ids.
local tide = require("tide")
local H = require("spec_helpers")
local F = require("tide.nn.functional.embedding")
local ref = H.fixture("nn_ops")

local T = H.tensor -- a fixture entry as a tensor

describe("embedding", function()
  it("matches PyTorch: rows and weight gradient (" .. #ref.emb .. " cases)", function()
    for i, c in ipairs(ref.emb) do
      local what = "case " .. i
      local ids = T(c.ids, "int64")
      local w = T(c.weight, "float64"):requires_grad_()
      local y = F.embedding(ids, w, { padding_idx = c.padding_idx, scale_grad_by_freq = c.scale_grad_by_freq })
      H.assert_matches(y:detach(), c.y, 1e-15, what .. " rows")
      y:backward(T(c.g, "float64"))
      H.assert_matches(w.grad, c.gw, 1e-12, what .. " grad weight")
    end
  end)

  it("passes a float64 gradcheck and accepts int32 ids", function()
    tide.manual_seed(3)
    local w = tide.randn(7, 4, "float64"):requires_grad_()
    local ids = tide.tensor({ { 1, 7, 3 }, { 3, 3, 2 } }, "int64")
    assert.is_true(tide.autograd.gradcheck(function(ww) return F.embedding(ids, ww) end, { w }))
    local a = F.embedding(ids, w:detach())
    local b = F.embedding(ids:to("int32"), w:detach())
    assert.equals(0, (a - b):abs():max())
    assert.same({ 2, 3, 4 }, a.shape)
    -- a 0-d id gives one row
    assert.same({ 4 }, F.embedding(tide.tensor(2, "int64"), w:detach()).shape)
  end)

  it("gives the padding row no gradient, also counted from the end", function()
    local w = tide.randn(5, 2, "float64"):requires_grad_()
    local ids = tide.tensor({ 5, 1, 5, 2 }, "int64")
    F.embedding(ids, w, { padding_idx = -1 }):sum():backward()
    -- ids 1 and 2 once each, 5 (the padding row) twice, 3 and 4 never
    assert.same({ 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, H.flat(w.grad))
    -- the padding row's values are still read (as in PyTorch)
    local y = F.embedding(ids, w:detach(), { padding_idx = 5 })
    assert.equals(w[5][1]:item(), y[1][1])
  end)

  it("rejects bad ids and options", function()
    local w = tide.randn(4, 3)
    H.assert_error(function() F.embedding(tide.tensor({ { 1, 5 } }, "int64"), w) end,
      "embedding: ids[1, 2] = 5 is out of range for 4 embeddings")
    H.assert_error(function() F.embedding(tide.tensor({ 0 }, "int64"), w) end, "embedding: ids[1] = 0 is out of range")
    H.assert_error(function() F.embedding(tide.tensor({ 1.0 }), w) end, "embedding: ids must be an int64 tensor")
    H.assert_error(function() F.embedding(tide.tensor({ 1 }, "int64"), tide.randn(4)) end,
      "embedding: weight must be 2-d")
    H.assert_error(function() F.embedding(tide.tensor({ 1 }, "int64"), w, { padding_idx = 5 }) end,
      "embedding: padding_idx 5 is out of range for 4 embeddings")
    H.assert_error(function() F.embedding(tide.tensor({ 1 }, "int64"), w, { max_norm = 1 }) end,
      "embedding: max_norm is not supported")
    H.assert_error(function() F.embedding(tide.tensor({ 1 }, "int64"), w, { paddingidx = 1 }) end,
      "embedding: unknown option 'paddingidx'")
    H.assert_error(function() F.embedding({ 1 }, w) end, "embedding: ids must be an int64 tensor")
  end)
end)
