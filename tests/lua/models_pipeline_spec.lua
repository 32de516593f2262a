-- Pipelines that end in a model (tide.preprocess.Pipeline, also tide.models.Pipeline): the same
-- predictions as running the steps by hand, clone, cross-validation, save -> load -> identical
-- output, and the errors of a misplaced model.
local tide = require("tide")
local H = require("spec_helpers")
local P = tide.preprocess
local M = tide.models

local function data()
  tide.manual_seed(4)
  local X = tide.randn(120, 4, "float64") * tide.tensor({ 1, 10, 100, 0.1 }, "float64")
  local y = (X:select(2, 1) + X:select(2, 2) / 10):gt(0):to("int64")
  return X, y
end

describe("Pipeline ending in a model", function()
  it("predicts through its transformers", function()
    local X, y = data()
    local pipe = M.Pipeline({ { "scale", P.StandardScaler() }, { "nb", M.GaussianNB() } })
    assert.are.equal("classifier", pipe._kind)
    assert.are.equal(pipe, pipe:fit(X, y))
    local s = P.StandardScaler():fit(X)
    local nb = M.GaussianNB():fit(s:transform(X), y)
    assert.are.same(H.flat(nb:predict(s:transform(X))), H.flat(pipe:predict(X)))
    assert.are.same(H.flat(nb:predict_proba(s:transform(X))), H.flat(pipe:predict_proba(X)))
    assert.are.equal(nb:score(s:transform(X), y), pipe:score(X, y))
    local c = pipe:clone()
    assert.is_false(c:is_fitted())
    assert.are.equal("classifier", c._kind)
    assert.are.same(H.flat(pipe:predict(X)), H.flat(c:fit(X, y):predict(X)))
    local r = require("tide.evaluate").cross_validate(pipe, X, y, { cv = 3 })
    assert.are.equal(3, r.test_score:numel())
  end)

  it("saves to one safetensors file and loads back the same predictions", function()
    local X, y = data()
    local pipe = M.Pipeline({ { "impute", P.SimpleImputer() }, { "scale", P.StandardScaler() }, { "nb", M.GaussianNB() } })
    pipe:fit(X, y)
    local path = H.tmpname() .. ".safetensors"
    pipe:save(path)
    local back = M.load(path)
    assert.are.same(H.flat(pipe:predict_proba(X)), H.flat(back:predict_proba(X)))
    assert.are.same({ "impute", "scale", "nb" }, { back.steps[1][1], back.steps[2][1], back.steps[3][1] })
    os.remove(path)
    -- a pipeline of transformers only still saves as JSON
    local tp = P.Pipeline({ { "scale", P.StandardScaler() } }):fit(X)
    local jpath = H.tmpname() .. ".json"
    tp:save(jpath)
    assert.are.same(H.flat(tp:transform(X)), H.flat(P.load(jpath):transform(X)))
    os.remove(jpath)
  end)

  it("rejects a model that is not last, and transform on a model pipeline", function()
    local X, y = data()
    H.assert_error(function() M.Pipeline({ { "nb", M.GaussianNB() }, { "scale", P.StandardScaler() } }) end,
      "Pipeline: step 1 must be {name, transformer}")
    local pipe = M.Pipeline({ { "scale", P.StandardScaler() }, { "nb", M.GaussianNB() } }):fit(X, y)
    H.assert_error(function() pipe:transform(X) end, "Pipeline.transform: the last step is a model")
    H.assert_error(function() M.Pipeline({ { "scale", P.StandardScaler() }, { "nb", M.GaussianNB() } }):predict(X) end,
      "not fitted")
    assert.is_nil(pipe.decision_function) -- only what the last step has (scikit-learn's available_if)
    assert.is_function(pipe.predict_proba)
    H.assert_error(function() pipe:predict(tide.zeros(2, 3, "float64")) end, "in step 1 'scale' of Pipeline")
  end)
end)
