-- tide.preprocess encoders against scikit-learn 1.2 (fixtures from tests/gen/gen_preprocess.py,
-- Titanic and Telco categorical columns): OneHotEncoder (drop, unknown handling, infrequent
-- grouping, feature names) and OrdinalEncoder; JSON round trips; column tables of the
-- tide.csv contract as input; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local P = require("tide.preprocess")
local R = require("shared_rows")
local ref = H.fixture("preprocess_encode")
local HAVE = R.available(ref.sources.titanic.file, ref.sources.telco.file)

-- true when the Titanic / Telco rows are there; otherwise marks the test pending
local function need_data()
  if HAVE then return true end
  pending("TIDE_DATA with titanic and telco-churn is not set")
  return false
end

-- a data set's categorical columns (Lua arrays, false for missing), read from ../shared/data
local inputs_cache = {}
local function inputs(data)
  if not inputs_cache[data] then
    local src = ref.sources[data]
    inputs_cache[data] = { names = src.columns, fit = R.columns(src, "fit"), new = R.columns(src, "new") }
  end
  return inputs_cache[data]
end

-- the first 5 new rows with column 1 set to `unknown`
local function unknown_rows(inp, unknown)
  local out = {}
  for j, col in ipairs(inp.new) do
    out[j] = {}
    for i = 1, 5 do out[j][i] = j == 1 and unknown or col[i] end
  end
  return out
end

local function same(t, want, what) H.assert_matches(t, want, 0, what) end

local function check(name, cls, params)
  local c = ref[name]
  assert(c, "no fixture case " .. name)
  local inp = inputs(c.data)
  local e = P[cls](params)
  assert.are.equal(e, e:fit(inp.fit))
  same(e:transform(inp.fit), c.out_fit, name .. " fit rows")
  same(e:transform(inp.new), c.out_new, name .. " new rows")
  if c.names then assert.are.same(c.names, e:get_feature_names_out(inp.names)) end
  if c.unknown then same(e:transform(unknown_rows(inp, c.unknown)), c.out_unknown, name .. " unknown rows") end
  if c.inverse_diff then -- the new rows back, except the cells scikit-learn's inverse changes
    local back = e:inverse_transform(e:transform(inp.new))
    local want = {}
    for j, col in ipairs(inp.new) do
      want[j] = {}
      for i, v in ipairs(col) do want[j][i] = v end
    end
    for _, d in ipairs(c.inverse_diff) do want[d[2]][d[1]] = d[3] end
    for j, col in ipairs(want) do
      for i, v in ipairs(col) do
        assert(back[j][i] == v, string.format("%s inverse: column %d row %d is %s, expected %s", name, j, i, tostring(back[j][i]), tostring(v)))
      end
    end
  end
  local back = P.from_json(e:to_json())
  same(back:transform(inp.new), c.out_new, name .. " reloaded")
  return e
end

describe("encoders against scikit-learn 1.2", function()
  for _, data in ipairs({ "titanic", "telco" }) do
    it("OneHotEncoder on " .. data, function()
      if not need_data() then return end
      check("onehot_" .. data, "OneHotEncoder")
      check("onehot_first_" .. data, "OneHotEncoder", { drop = "first" })
      check("onehot_binary_" .. data, "OneHotEncoder", { drop = "if_binary" })
      check("onehot_ignore_" .. data, "OneHotEncoder", { handle_unknown = "ignore" })
      check("onehot_minfreq_" .. data, "OneHotEncoder", { min_frequency = 15, handle_unknown = "infrequent_if_exist" })
      check("onehot_minfrac_" .. data, "OneHotEncoder", { min_frequency = 0.2 })
      check("onehot_maxcat_" .. data, "OneHotEncoder", { max_categories = 2, handle_unknown = "infrequent_if_exist", drop = "first" })
    end)
    it("OrdinalEncoder on " .. data, function()
      if not need_data() then return end
      check("ordinal_" .. data, "OrdinalEncoder")
      local e = check("ordinal_unknown_" .. data, "OrdinalEncoder", { handle_unknown = "use_encoded_value", unknown_value = -1 })
      local inp = inputs(data)
      local back = e:inverse_transform(e:transform(inp.new))
      for j, col in ipairs(inp.new) do
        for i, v in ipairs(col) do assert.are.equal(v, back[j][i]) end
      end
    end)
  end
end)

describe("TargetEncoder (scikit-learn 1.3's definition, NumPy transcription)", function()
  it("Tide's folds match the transcription", function()
    assert.are.same(ref.folds_12_5_0.data, require("tide.preprocess.target").folds(12, 5, true, 0))
  end)
  for _, data in ipairs({ "titanic", "telco" }) do
    for _, kind in ipairs({ "binary", "continuous" }) do
      for _, smooth in ipairs({ "auto", "10_0" }) do
        it(kind .. " target, smooth " .. smooth .. ", " .. data, function()
          if not need_data() then return end
          local c = ref["target_" .. kind .. "_" .. smooth .. "_" .. data]
          local inp = inputs(data)
          local y = R.vector(c.y)
          local e = P.TargetEncoder({ smooth = c.smooth, random_state = 42 })
          H.assert_matches(e:fit_transform(inp.fit, y), c.fit_transform, 1e-12, "cross-fitted")
          assert.are.equal(kind, e.state.target_type)
          H.assert_matches(e:transform(inp.new), c.out_new, 1e-12, "new rows")
          H.assert_matches(P.from_json(e:to_json()):transform(inp.new), c.out_new, 1e-12, "reloaded")
        end)
      end
    end
  end
  it("bad input", function()
    local X = { { "a", "b", "a", "b", "a", "b" } }
    H.assert_error(function() P.TargetEncoder():fit(X) end, "TargetEncoder.fit", "y is required")
    H.assert_error(function() P.TargetEncoder():fit(X, { 1, 0 }) end, "y has 2 values, X has 6 rows")
    H.assert_error(function() P.TargetEncoder({ target_type = "binary" }):fit(X, { 1, 2, 3, 1, 2, 3 }) end, "exactly 2 values")
    H.assert_error(function() P.TargetEncoder({ cv = 10 }):fit_transform(X, { 1, 0, 1, 0, 1, 0 }) end, "cv = 10")
    H.assert_error(function() P.TargetEncoder():transform(X) end, "not fitted")
  end)
end)

describe("encoder input forms", function()
  it("takes tide.csv string column tables and 2-d tensors", function()
    local s = "maleFfemale"
    local bytes = tide.tensor({ s:byte(1, -1) }, "uint8")
    local col = { name = "sex", type = "string", offsets = tide.tensor({ 0, 4, 5, 11 }, "int64"), bytes = bytes,
      missing = tide.tensor({ false, true, false }, "bool") }
    local e = P.OneHotEncoder():fit({ names = { "sex" }, columns = { col } })
    assert.are.same({ "sex_female", "sex_male", "sex_nan" }, e:get_feature_names_out())
    same(e:transform({ col }), { shape = { 3, 3 }, data = { 0, 1, 0, 0, 0, 1, 1, 0, 0 } }, "string column")
    local o = P.OrdinalEncoder():fit(tide.tensor({ { 3, 1 }, { 1, 1 }, { 2, 0 / 0 } }, "float64"))
    same(o:transform(tide.tensor({ { 2, 1 } }, "float64")), { shape = { 1, 2 }, data = { 1, 0 } }, "tensor input")
  end)
end)

describe("tide.frame categorical columns", function()
  it("count only the categories that occur; missing is its own category", function()
    local col = { name = "port", type = "categorical", data = tide.tensor({ 2, 0, -1, 2 }, "int32"),
      categories = { "S", "C", "Q" } }
    local e = P.OneHotEncoder():fit({ names = { "port" }, columns = { col } })
    assert.are.same({ "port_Q", "port_S", "port_nan" }, e:get_feature_names_out())
    same(e:transform({ col }), { shape = { 4, 3 }, data = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0 } }, "categorical")
    local t = P.TargetEncoder({ cv = 2 }):fit({ col }, { 1, 0, 1, 1 })
    assert.are.equal(4, t:transform({ col }).shape[1])
    local ct = P.ColumnTransformer({ { "c", P.OrdinalEncoder(), { type = "string" } } })
    same(ct:fit_transform({ names = { "port" }, columns = { col } }), { shape = { 4, 1 }, data = { 0, 1, 0 / 0, 0 } }, "ordinal")
    H.assert_error(function() P.OneHotEncoder():fit({ { type = "categorical", data = tide.tensor({ 5 }, "int32"), categories = { "a" } } }) end,
      "code outside its 1 categories")
  end)
end)

describe("encoder bad input", function()
  local X = { { "a", "b", "a" }, { "x", "y", "x" } }
  it("a category never seen in fit", function()
    local e = P.OneHotEncoder():fit(X)
    H.assert_error(function() e:transform({ { "c" }, { "x" } }) end, "OneHotEncoder.transform", "unknown category 'c'", "column 1")
    local o = P.OrdinalEncoder():fit({ names = { "letter", "other" }, columns = X })
    H.assert_error(function() o:transform({ { "a" }, { "q" } }) end, "OrdinalEncoder.transform", "'q'", "'other'")
  end)
  it("transform before fit, wrong width, empty, mixed types", function()
    H.assert_error(function() P.OneHotEncoder():transform(X) end, "OneHotEncoder.transform", "not fitted")
    local e = P.OneHotEncoder():fit(X)
    H.assert_error(function() e:transform({ { "a" } }) end, "1 columns", "fitted with 2")
    H.assert_error(function() P.OneHotEncoder():fit({}) end, "OneHotEncoder.fit", "empty")
    H.assert_error(function() P.OneHotEncoder():fit({ { "a", 1 } }) end, "mixes strings and numbers")
    H.assert_error(function() P.OneHotEncoder():fit({ { "a", "b" }, { "x" } }) end, "column 2 has 1 rows")
    H.assert_error(function() P.OneHotEncoder({ drop = "last" }) end, "OneHotEncoder", "drop")
    H.assert_error(function() P.OrdinalEncoder({ handle_unknown = "use_encoded_value" }) end, "unknown_value")
  end)
end)

-- a tide.csv-style column table from a fixture column (numbers: float64 with NaN; strings:
-- offsets / bytes with a missing mask for false cells)
local function column(name, v)
  if v.shape then return { name = name, type = "float64", data = H.tensor(v, "float64") } end
  local offsets, parts, missing, pos = { 0 }, {}, {}, 0
  for i, s in ipairs(v) do
    local text = s or ""
    parts[i] = text
    pos = pos + #text
    offsets[i + 1] = pos
    missing[i] = s == false
  end
  local all = table.concat(parts)
  return { name = name, type = "string", offsets = tide.tensor(offsets, "int64"),
    bytes = #all > 0 and tide.tensor({ all:byte(1, -1) }, "uint8") or tide.zeros({ 0 }, "uint8"),
    missing = tide.tensor(missing, "bool") }
end

local function frame(names, cols)
  local out = { names = names, columns = {} }
  for j, c in ipairs(cols) do out.columns[j] = column(names[j], c) end
  return out
end

describe("Pipeline and ColumnTransformer against scikit-learn 1.2", function()
  local ct_ref = ref.column_transformer
  -- Titanic's frame columns (numbers as fixture entries with NaN, strings as Lua arrays)
  local c = HAVE and { names = ct_ref.source.columns, out_fit = ct_ref.out_fit, out_new = ct_ref.out_new,
    fit = R.columns(ct_ref.source, "fit", { numeric_entries = true }),
    new = R.columns(ct_ref.source, "new", { numeric_entries = true }) } or {}
  local function build()
    return P.ColumnTransformer({
      { "num", P.Pipeline({ { "impute", P.SimpleImputer({ strategy = "median" }) }, { "scale", P.StandardScaler() } }), { "Age", "Fare" } },
      { "mm", P.MinMaxScaler(), { "Pclass" } },
      { "cat", P.OneHotEncoder({ handle_unknown = "ignore" }), { "Sex", "Embarked" } },
    }, { remainder = "passthrough" })
  end

  it("on a frame of Titanic columns, by name, with the remainder passed through", function()
    if not need_data() then return end
    local ct = build()
    local F, Fn = frame(c.names, c.fit), frame(c.names, c.new)
    H.assert_matches(ct:fit_transform(F), c.out_fit, 1e-9, "fit_transform")
    H.assert_matches(ct:transform(Fn), c.out_new, 1e-9, "new rows")
    local back = P.from_json(ct:to_json())
    local a = ct:transform(Fn)
    H.assert_matches(back:transform(Fn), { shape = a.shape, data = H.flat(a) }, 0, "reloaded")
    -- a category never seen in fit: all zeros in its one-hot block (handle_unknown = "ignore")
    local odd = frame(c.names, c.new)
    odd.columns[5] = column("Sex", (function()
      local v = {}
      for i = 1, #c.new[5] do v[i] = "other" end
      return v
    end)())
    local o = ct:transform(odd)
    assert.are.equal(0, o:narrow(2, 4, 2):abs():sum())
  end)

  it("selects columns by type and by index on tensors; get_params / set_params", function()
    if not need_data() then return end
    local ct = P.ColumnTransformer({
      { "num", P.StandardScaler(), { type = "numeric" } },
      { "cat", P.OrdinalEncoder(), { type = "string" } },
    })
    local out = ct:fit_transform(frame(c.names, c.fit))
    assert.are.same({ 80, 6 }, out.shape)
    local X = tide.tensor({ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 10 } }, "float64")
    local t = P.ColumnTransformer({ { "s", P.MinMaxScaler(), { 3, 1 } } }):fit(X)
    H.assert_matches(t:transform(X), { shape = { 3, 2 }, data = { 0, 0, 3 / 7, 0.5, 1, 1 } }, 1e-12, "by index")
    local p = P.Pipeline({ { "imp", P.SimpleImputer() }, { "sc", P.StandardScaler() } })
    assert.is_true(p:get_params().sc__with_mean)
    p:set_params({ sc__with_mean = false })
    assert.is_false(p:named_steps().sc.params.with_mean)
    H.assert_error(function() p:set_params({ nope__x = 1 }) end, "Pipeline", "unknown parameter 'nope__x'")
  end)

  it("bad input names the step", function()
    if not need_data() then return end
    local ct = build()
    local F = frame(c.names, c.fit)
    ct:fit(F)
    H.assert_error(function() ct:transform(frame({ "Pclass" }, { c.new[1] })) end, "ColumnTransformer.transform", "1 columns")
    local bad = P.ColumnTransformer({ { "x", P.StandardScaler(), { "Nope" } } }, { names = { "a" } })
    H.assert_error(function() bad:fit(tide.zeros({ 2, 1 }, "float64")) end, "no column named 'Nope'")
    local p = P.Pipeline({ { "imp", P.SimpleImputer() }, { "norm", P.Normalizer() } })
    H.assert_error(function() p:fit(tide.tensor({ { 1, 0 / 0 }, { 1 / 0, 2 } }, "float64")) end, "NaN or infinity", "step 2 'norm'")
    H.assert_error(function() P.Pipeline({}):fit(1) end, "Pipeline")
    H.assert_error(function() P.Pipeline({ { "a", P.StandardScaler() } }):transform(tide.zeros({ 1, 1 }, "float64")) end, "not fitted")
  end)
end)

describe("C entry points reject bad arguments", function()
  local C = require("tide._core").C
  it("factorize_strings checks its offsets", function()
    local codes, first = tide.empty({ 2 }, "int64"), tide.empty({ 2 }, "int64")
    local bytes = tide.tensor({ 97, 98 }, "uint8")
    assert.are.equal(-1, tonumber(C.tide_preprocess_factorize_strings(tide.tensor({ 0, 5, 2 }, "int64")._c, bytes._c, nil, codes._c, first._c)))
    assert(require("ffi").string(C.tide_last_error()):find("factorize_strings", 1, true))
    assert.are.equal(-1, tonumber(C.tide_preprocess_factorize_strings(tide.tensor({ 0, 1 }, "int64")._c, bytes._c, nil, codes._c, first._c)))
  end)
  it("statistics and k-NN check shapes and dtypes", function()
    local buf = require("ffi").new("double[4]")
    assert.are_not.equal(0, C.tide_preprocess_col_stats(tide.zeros({ 3 }, "float64")._c, buf, nil, nil, nil, nil, nil))
    assert.are_not.equal(0, C.tide_preprocess_col_quantiles(tide.zeros({ 2, 2 }, "float32")._c, buf, 1, buf))
    assert(C.tide_preprocess_knn_impute(tide.zeros({ 2, 2 }, "float64")._c, tide.zeros({ 2, 3 }, "float64")._c, 1, 0, buf, nil) == nil)
    assert.are_not.equal(0, C.tide_preprocess_kmeans_1d(tide.zeros({ 2, 2 }, "float64")._c, 5, buf, 2, buf))
  end)
end)
