-- tide.models.base: the estimator contract shared by every classical model, checked with a
-- small nearest-centroid classifier and a mean regressor defined here.
local tide = require("tide")
local H = require("spec_helpers")
local B = require("tide.models.base")

local Centroid = B.class("SpecNearestCentroid", { shrink = 0, random_state = B.NONE, label = "x" }, {
  kind = "classifier",
  check = function(self) B.check_number("SpecNearestCentroid", "shrink", self.params.shrink, 0) end,
})

function Centroid:fit(X, y)
  local op = "SpecNearestCentroid.fit"
  X = B.features(op, X, { sparse = true })
  if tide.sparse.is_csr(X) then X = X:to_dense() end
  local codes, classes = B.encode_labels(op, y, X.shape[1])
  local k = #classes
  local centers = tide.zeros(k, X.shape[2], "float64")
  for c = 1, k do
    local mask = codes:eq(c - 1)
    centers[c] = X:index_select(1, mask:nonzero():reshape(-1)):mean(1)
  end
  self.state = { centers_ = centers, classes_ = classes, n_features_in_ = X.shape[2], info = { k = k, tag = "spec" } }
  return self
end

function Centroid:predict(X)
  self:check_fitted("predict")
  X = B.features("SpecNearestCentroid.predict", X, { n_features = self.state.n_features_in_ })
  local n, k = X.shape[1], #self.state.classes_
  local d = tide.zeros(n, k, "float64")
  for c = 1, k do d:select(2, c):copy_(((X - self.state.centers_[c]:reshape(1, -1)) ^ 2):sum(2):reshape(n)) end
  local _, idx = d:min(2)
  return B.decode_labels(self.state.classes_, idx:reshape(n) - 1)
end

local MeanRegressor = B.class("SpecMeanRegressor", {}, { kind = "regressor" })
function MeanRegressor:fit(X, y)
  X = B.features("SpecMeanRegressor.fit", X)
  self.state = { mean_ = B.targets("SpecMeanRegressor.fit", y, X.shape[1]):mean(), n_features_in_ = X.shape[2] }
  return self
end
function MeanRegressor:predict(X)
  X = B.features("SpecMeanRegressor.predict", X, { n_features = self.state.n_features_in_ })
  return tide.full({ X.shape[1] }, self.state.mean_, "float64")
end

local X = tide.tensor({ { 0, 0 }, { 0, 1 }, { 5, 5 }, { 6, 5 }, { 10, 0 }, { 11, 1 } }, "float64")
local y = tide.tensor({ 2, 2, 7, 7, 9, 9 }, "int64")

describe("models.base", function()
  it("keeps scikit-learn's parameter contract", function()
    local m = Centroid{ shrink = 0.5 }
    assert.are.same({ shrink = 0.5, random_state = B.NONE, label = "x" }, m:get_params())
    m:set_params{ shrink = 1 }
    assert.are.equal(1, m.params.shrink)
    assert.are.equal("SpecNearestCentroid(shrink=1)", tostring(m))
    H.assert_error(function() m:set_params{ shrinkage = 1 } end, "SpecNearestCentroid: unknown parameter 'shrinkage'", "label, random_state, shrink")
    H.assert_error(function() Centroid{ shrink = -1 } end, "shrink must be >= 0, got -1")
    local c = m:clone()
    assert.are.equal(1, c.params.shrink)
    assert.is_false(c:is_fitted())
  end)

  it("fits, predicts, scores and reads state attributes", function()
    local m = Centroid():fit(X, y)
    assert.are.equal(m, m:fit(X, y))
    assert.are.same({ 2, 2, 7, 7, 9, 9 }, m:predict(X):totable())
    assert.are.equal("int64", m:predict(X).dtype)
    assert.are.equal(1, m:score(X, y))
    assert.are.same({ 2, 7, 9 }, m.classes_)
    assert.are.equal(2, m.n_features_in_)
    assert.is_nil(m.no_such_thing_)
    local strings = Centroid():fit(X, { "a", "a", "b", "b", "c", "c" })
    assert.are.same({ "a", "a", "b", "b", "c", "c" }, strings:predict(X))
    local r = MeanRegressor():fit(X, tide.tensor({ 1, 2, 3, 4, 5, 6 }))
    assert.is_true(math.abs(r:score(X, tide.tensor({ 1, 2, 3, 4, 5, 6 }))) < 1e-15)
  end)

  it("saves to one safetensors file and loads back the same model", function()
    local m = Centroid{ shrink = 0.25 }:fit(X, { "a", "a", "b", "b", "c", "c" })
    local path = H.tmpname() .. ".safetensors"
    m:save(path)
    local back = tide.models.load(path)
    assert.are.equal("SpecNearestCentroid", back._name)
    assert.are.same(m.params, back.params)
    assert.are.same(m:predict(X), back:predict(X))
    assert.are.same({ k = 3, tag = "spec" }, back.state.info)
    local tensors, meta = tide.io.load_safetensors(path)
    assert.is_not_nil(tensors["state.centers_"])
    assert.is_not_nil(meta["tide.model"])
    os.remove(path)
    H.assert_error(function() Centroid():save(path) end, "not fitted yet")
    local plain = H.tmpname() .. ".safetensors"
    tide.io.save_safetensors(plain, { w = tide.zeros(2) })
    H.assert_error(function() tide.models.load(plain) end, "without a Tide model")
    os.remove(plain)
  end)

  it("rejects bad input with the operation's name", function()
    local m = Centroid()
    H.assert_error(function() m:fit(tide.tensor({ { 1, 0 / 0 }, { 1, 2 } }), { 1, 2 }) end, "SpecNearestCentroid.fit: X contains NaN or infinity")
    H.assert_error(function() m:fit(tide.tensor({ { 1, math.huge }, { 1, 2 } }), { 1, 2 }) end, "NaN or infinity")
    H.assert_error(function() m:fit(X, tide.ones(6)) end, "at least 2 classes", "only one class: 1")
    H.assert_error(function() m:fit(X, { 1, 2 }) end, "y has 2 values but X has 6 rows")
    H.assert_error(function() m:fit(tide.zeros(0, 2), {}) end, "empty input")
    H.assert_error(function() m:fit({}, {}) end, "empty input")
    H.assert_error(function() m:fit(tide.zeros(3), { 1, 2, 3 }) end, "must be a 2-d tensor")
    H.assert_error(function() m:fit(X, { 1, "a", 1, 1, 1, 1 }) end, "mixes numbers and strings")
    m:fit(X, y)
    H.assert_error(function() m:predict(tide.zeros(2, 3)) end, "X has 3 features, but SpecNearestCentroid was fitted with 2 features")
    H.assert_error(function() Centroid():predict(X) end, "SpecNearestCentroid.predict: this SpecNearestCentroid is not fitted yet")
    H.assert_error(function() MeanRegressor():fit(X, { "a", "b", "c", "d", "e", "f" }) end, "needs numeric targets")
    H.assert_error(function() MeanRegressor():fit(X, tide.tensor({ 1, 2, 0 / 0, 4, 5, 6 })) end, "y contains NaN")
    H.assert_error(function() B.features("M.fit", tide.sparse.from_dense(X)) end, "does not accept sparse input; use X:to_dense()")
  end)

  it("computes class and sample weights like scikit-learn", function()
    local codes, classes = B.encode_labels("t", { "b", "a", "b", "b" }, 4)
    assert.are.same({ 1, 0, 1, 1 }, codes:totable())
    assert.are.same({ 2, 2 / 3 }, B.class_weight("t", "balanced", codes, classes):totable())
    assert.are.same({ 1, 5 }, B.class_weight("t", { b = 5 }, codes, classes):totable())
    H.assert_error(function() B.class_weight("t", { c = 5 }, codes, classes) end, "label c, which is not in y")
    assert.is_nil(B.sample_weight("t", nil, 4))
    H.assert_error(function() B.sample_weight("t", { 1, -1, 1, 1 }, 4) end, "non-negative")
    assert.are.equal(42, B.seed({ params = { random_state = 42 } }))
    tide.manual_seed(7)
    local a = B.seed({ params = { random_state = B.NONE } })
    tide.manual_seed(7)
    assert.are.equal(a, B.seed({ params = { random_state = B.NONE } }))
  end)
end)
