-- Profile, clean and encode a CSV table (Titanic by default) and save the fitted pipeline as JSON
--
--   tide run preprocess                                 Titanic train.csv, target Survived
--   tide run preprocess --data FILE.csv --target COL --out DIR [--drop A,B]
--   tide run preprocess --apply DIR/pipeline.json --data new.csv --out DIR
--
-- Steps (each prints what it did): profile (rows, columns, types, missing per column); drop
-- identifier-like columns (strings that are (nearly) all distinct, integers all distinct like a
-- row number, empty columns, and --drop); then one tide.preprocess.ColumnTransformer:
--   num      numeric columns: SimpleImputer(median) -> OutlierFilter(IQR, clip) -> StandardScaler
--   discrete integer columns with at most 10 distinct values: SimpleImputer(median) -> StandardScaler
--   cat      string columns: OrdinalEncoder -> SimpleImputer(most_frequent) -> OneHotEncoder
--            (categories rarer than --min-frequency grouped, unknown categories give zeros)
--   num_missing / cat_missing   a 0/1 indicator per column that had missing cells
-- Writes to --out: preprocessed.csv (target first, then the encoded features) and pipeline.json
-- (the fitted ColumnTransformer, tide.preprocess.load reads it, plus the target and output
-- column names under "recipe"), then reloads the JSON and
-- checks it gives identical output. --apply transforms new data with a saved pipeline and writes
-- <name>.preprocessed.csv (the target first when the data has it).
local tide = require("tide")
local cli = require("tide.cli")
local P = tide.preprocess
local F = tide.frame
local json = require("tide.io.json")

local opts = cli.options({ ... }, {
  { "data", nil, "CSV file (default: Titanic train.csv, or test.csv with --apply, from the data set registry)" },
  { "target", nil, "target column, kept as it is and first in the output (default: Survived for Titanic, none for --data; with --apply: the pipeline's)" },
  { "out", "preprocess-output", "output folder" },
  { "drop", nil, "comma-separated columns to drop besides the identifier-like ones" },
  { "min-frequency", 0.01, "categories rarer than this (fraction of rows, or a count >= 1) are grouped" },
  { "iqr-k", 1.5, "outlier bounds: [q1 - k * iqr, q3 + k * iqr]" },
  { "apply", nil, "a saved pipeline.json: transform --data with it instead of fitting" },
}, "Profile, clean and encode a CSV table (Titanic by default) and save the fitted pipeline as JSON")

local function fail(msg)
  io.stderr:write("preprocess: ", msg, "\n")
  os.exit(1)
end
if not (opts.min_frequency > 0) then fail("--min-frequency must be positive") end
if not (opts.iqr_k >= 0) then fail("--iqr-k must be >= 0") end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end
local function split_list(s)
  local t = {}
  for item in tostring(s or ""):gmatch("[^,]+") do
    item = item:gsub("^%s+", ""):gsub("%s+$", "")
    if item ~= "" then t[#t + 1] = item end
  end
  return t
end
local function read_text(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end
local function has_column(f, name)
  for _, nm in ipairs(f.names) do if nm == name then return true end end
  return false
end

-- ---------------------------------------------------------------- input
local data_path = opts.data
if not data_path then
  local ok, path = pcall(tide.datasets.load, "titanic", { split = opts.apply and "test" or "train", download = false })
  if not ok then fail("no --data given and the Titanic data set was not found: " .. tostring(path)) end
  data_path = path
end
if not exists(data_path) then fail("--data " .. data_path .. ": no such file") end
local ok_read, frame = pcall(F.read_csv, data_path)
if not ok_read then fail(tostring(frame):gsub("^.-:%d+: ", "")) end
local target = opts.target
if target == nil and not opts.data and not opts.apply then target = "Survived" end
if target == "" then target = nil end

if not require("tide.io.files").mkdir_p(opts.out) then fail("--out " .. opts.out .. ": cannot create the folder") end
local function out(name) return opts.out .. "/" .. name end

-- ---------------------------------------------------------------- output column names
-- the one-hot slots of feature j, named by the ordinal encoder's categories
local function onehot_names(oe, oh, names)
  local res = {}
  for j = 1, oh.state.n_features_in do
    local labels = oe:categories_of(j)
    local codes = oh:categories(j)
    local st = oh.state
    local is_inf = {}
    for _, c in ipairs(st.infrequent[j]) do is_inf[c] = true end
    local slots = {}
    for c, code in ipairs(codes) do
      if not is_inf[c] then
        local label = type(code) == "number" and labels[code + 1] or nil
        slots[st.map[j][c] + 1] = names[j] .. "_" .. tostring(label == nil and code or label)
      end
    end
    if #st.infrequent[j] > 0 then slots[#slots + 1] = names[j] .. "_infrequent" end
    for s, nm in ipairs(slots) do if s - 1 ~= st.drop[j] then res[#res + 1] = nm end end
  end
  return res
end

-- OrdinalEncoder categories of feature j as strings (missing as "nan")
local function ordinal_labels(oe)
  return function(_, j)
    local t = {}
    local c = oe.state.categories[j]
    for k = 1, #c do
      local v = c[k]
      t[k] = type(v) == "string" and v or type(v) == "number" and tostring(v) or "nan"
    end
    return t
  end
end

local function feature_names(ct)
  local names = ct.params.names
  local res = {}
  for i, t in ipairs(ct.transformers) do
    local cols = {}
    for k, j in ipairs(ct.state.columns[i]) do cols[k] = names[j] end
    if #cols > 0 then
      if t[1] == "num" or t[1] == "discrete" then
        for _, nm in ipairs(cols) do res[#res + 1] = nm end
      elseif t[1] == "cat" then
        local steps = t[2]:named_steps()
        steps.codes.categories_of = ordinal_labels(steps.codes)
        for _, nm in ipairs(onehot_names(steps.codes, steps.onehot, cols)) do res[#res + 1] = nm end
      else
        for _, nm in ipairs(cols) do res[#res + 1] = nm .. "_missing" end
      end
    end
  end
  return res
end

-- the output frame: target first (when there is one), then the features
local function output_frame(X, names, f)
  local cols = {}
  if target and has_column(f, target) then cols[1] = { target, f:col(target) } end
  for j, nm in ipairs(names) do cols[#cols + 1] = { nm, X:select(2, j):contiguous() } end
  return F.new(cols)
end

local function same(a, b)
  if a.shape[1] ~= b.shape[1] or a.shape[2] ~= b.shape[2] then return false end
  return a:eq(b):logical_or(a:isnan():logical_and(b:isnan())):all()
end

-- ---------------------------------------------------------------- --apply
if opts.apply then
  if not exists(opts.apply) then fail("--apply " .. opts.apply .. ": no such file") end
  local ok, ct = pcall(P.load, opts.apply)
  if not ok then fail(tostring(ct):gsub("^.-:%d+: ", "")) end
  local saved = json.decode(read_text(opts.apply)).recipe
  if opts.target == nil and type(saved) == "table" then target = saved.target end
  if ct._name ~= "ColumnTransformer" or type(ct.params.names) ~= "table" then
    fail("--apply " .. opts.apply .. ": not a pipeline written by this recipe")
  end
  local missing = {}
  for _, nm in ipairs(ct.params.names) do if not has_column(frame, nm) then missing[#missing + 1] = nm end end
  if #missing > 0 then fail(string.format("%s lacks column(s) the pipeline needs: %s", data_path, table.concat(missing, ", "))) end
  print(string.format("applying %s to %s: %d rows x %d columns", opts.apply, data_path, frame:nrows(), frame:ncols()))
  local ok_t, X = pcall(function() return ct:transform(frame:select(ct.params.names)) end)
  if not ok_t then fail(tostring(X):gsub("^.-:%d+: ", "")) end
  local names = feature_names(ct)
  local stem = data_path:match("([^/]+)$"):gsub("%.[^.]*$", "")
  local path = out(stem .. ".preprocessed.csv")
  local ok_w, err = pcall(function() output_frame(X, names, frame):to_csv(path) end)
  if not ok_w then fail(tostring(err):gsub("^.-:%d+: ", "")) end
  print(string.format("wrote %s: %d rows x %d features%s", path, X.shape[1], X.shape[2],
    target and has_column(frame, target) and (" + target " .. target) or ""))
  os.exit(0)
end

-- ---------------------------------------------------------------- 1. profile
if target and not has_column(frame, target) then
  fail(string.format("--target '%s': no such column in %s (columns: %s)", target, data_path, table.concat(frame.names, ", ")))
end
local n = frame:nrows()
if n == 0 then fail(data_path .. ": no rows") end
print(string.format("1. profile: %s: %d rows x %d columns", data_path, n, frame:ncols()))
print(string.format("   %-16s %-8s %8s %8s", "column", "type", "missing", "unique"))
local profile = {}
for _, nm in ipairs(frame.names) do
  local c = frame:col(nm)
  local p = { type = c.type, missing = n - c:count(), unique = c:nunique() }
  profile[nm] = p
  print(string.format("   %-16s %-8s %8d %8d", nm, p.type, p.missing, p.unique))
end
print(frame:describe())

-- ---------------------------------------------------------------- 2. drop identifier-like columns
local dropped, reasons = {}, {}
for _, nm in ipairs(split_list(opts.drop)) do
  if not has_column(frame, nm) then fail("--drop: no column '" .. nm .. "' in " .. data_path) end
  if nm == target then fail("--drop: '" .. nm .. "' is the target") end
  dropped[#dropped + 1], reasons[nm] = nm, "--drop"
end
for _, nm in ipairs(frame.names) do
  local p = profile[nm]
  local present = n - p.missing
  local why
  if nm == target or reasons[nm] then
    why = nil
  elseif present == 0 then
    why = "every cell is missing"
  elseif (p.type == "string" or p.type == "categorical") and p.unique == present and present > 1 then
    why = "all values are distinct strings"
  elseif (p.type == "string" or p.type == "categorical") and p.unique >= 0.5 * n and p.unique > 20 then
    why = string.format("%d distinct strings in %d rows", p.unique, n)
  elseif p.type == "int64" and p.missing == 0 and p.unique == n and n > 2 then
    why = "distinct integers, like a row number"
  end
  if why then dropped[#dropped + 1], reasons[nm] = nm, why end
end
print("2. drop identifier-like columns" .. (#dropped == 0 and ": none" or ""))
for _, nm in ipairs(dropped) do print(string.format("   %-16s %s", nm, reasons[nm])) end

-- integer columns with few distinct values (classes, counts) are not clipped: their quartiles
-- often coincide, and the IQR rule would flatten them
local DISCRETE = 10
local features, num, discrete, cat, num_missing, cat_missing = {}, {}, {}, {}, {}, {}
for _, nm in ipairs(frame.names) do
  if nm ~= target and not reasons[nm] then
    features[#features + 1] = nm
    local p = profile[nm]
    local is_cat = p.type == "string" or p.type == "categorical"
    local is_discrete = (p.type == "int64" or p.type == "bool") and p.unique <= DISCRETE
    table.insert(is_cat and cat or is_discrete and discrete or num, nm)
    if p.missing > 0 then table.insert(is_cat and cat_missing or num_missing, nm) end
  end
end
if #features == 0 then fail("no feature columns left after dropping identifier-like columns") end
local X = frame:select(features)

-- ---------------------------------------------------------------- the pipeline
local ct = P.ColumnTransformer({
  { "num", P.Pipeline({
    { "impute", P.SimpleImputer({ strategy = "median" }) },
    { "outliers", P.OutlierFilter({ method = "iqr", k = opts.iqr_k, action = "clip" }) },
    { "scale", P.StandardScaler() },
  }), num },
  { "discrete", P.Pipeline({
    { "impute", P.SimpleImputer({ strategy = "median" }) },
    { "scale", P.StandardScaler() },
  }), discrete },
  { "cat", P.Pipeline({
    { "codes", P.OrdinalEncoder({ handle_unknown = "use_encoded_value", unknown_value = -1 }) },
    { "impute", P.SimpleImputer({ strategy = "most_frequent" }) },
    { "onehot", P.OneHotEncoder({ handle_unknown = "ignore", min_frequency = opts.min_frequency }) },
  }), cat },
  { "num_missing", P.MissingIndicator({ error_on_new = false }), num_missing },
  { "cat_missing", P.Pipeline({
    { "codes", P.OrdinalEncoder({ handle_unknown = "use_encoded_value", unknown_value = -1 }) },
    { "indicator", P.MissingIndicator({ error_on_new = false }) },
  }), cat_missing },
}, { names = features })
local ok_fit, Xt = pcall(function() return ct:fit_transform(X) end)
if not ok_fit then fail(tostring(Xt):gsub("^.-:%d+: ", "")) end
local names = feature_names(ct)
local num_steps = ct.transformers[1][2]:named_steps()
local disc_steps = ct.transformers[2][2]:named_steps()
local cat_steps = ct.transformers[3][2]:named_steps()

-- ---------------------------------------------------------------- 3-6. what each step did
print("3. impute missing cells")
for _, part in ipairs({ { num, num_steps }, { discrete, disc_steps } }) do
  for j, nm in ipairs(part[1]) do
    if profile[nm].missing > 0 then
      print(string.format("   %-16s %d missing -> median %.6g", nm, profile[nm].missing, part[2].impute.state.statistics[j]))
    end
  end
end
if #cat > 0 then
  local labels = ordinal_labels(cat_steps.codes)
  for j, nm in ipairs(cat) do
    if profile[nm].missing > 0 then
      local code = cat_steps.impute.state.statistics[j]
      print(string.format("   %-16s %d missing -> most frequent '%s'", nm, profile[nm].missing, labels(nil, j)[code + 1]))
    end
  end
end
local with_missing = {}
for _, nm in ipairs(num_missing) do with_missing[#with_missing + 1] = nm end
for _, nm in ipairs(cat_missing) do with_missing[#with_missing + 1] = nm end
print(string.format("   missing indicators: %s", #with_missing == 0 and "none" or table.concat(with_missing, ", ")))

print("4. outliers (IQR, clipped to the bounds)")
if #num > 0 then
  print((num_steps.outliers:report_string(num):gsub("\n", "\n   "):gsub("^", "   ")))
else
  print("   no continuous numeric columns")
end
if #discrete > 0 then
  print(string.format("   not clipped (integers, at most %d distinct values): %s", DISCRETE, table.concat(discrete, ", ")))
end

print("5. scale numeric columns (standard)")
for _, part in ipairs({ { num, num_steps }, { discrete, disc_steps } }) do
  for j, nm in ipairs(part[1]) do
    print(string.format("   %-16s mean %.6g  scale %.6g", nm, part[2].scale.state.mean[j], part[2].scale.state.scale[j]))
  end
end

print(string.format("6. one-hot encode categorical columns (rare < %s grouped, unknown ignored)", tostring(opts.min_frequency)))
if #cat > 0 then
  local st = cat_steps.onehot.state
  for j, nm in ipairs(cat) do
    print(string.format("   %-16s %d categories -> %d columns (%d grouped as infrequent)", nm, #st.categories[j], st.n_out[j],
      #st.infrequent[j]))
  end
else
  print("   no categorical columns")
end

-- ---------------------------------------------------------------- outputs
local csv_path, json_path = out("preprocessed.csv"), out("pipeline.json")
local ok_w, err = pcall(function() output_frame(Xt, names, frame):to_csv(csv_path) end)
if not ok_w then fail(tostring(err):gsub("^.-:%d+: ", "")) end
-- the ColumnTransformer's JSON plus what the recipe needs to apply it (ignored by tide.preprocess.load)
local saved = ct:to_table()
saved.recipe = { name = "preprocess", target = target or false, dropped = dropped, output_columns = names }
ok_w, err = pcall(require("tide.io.files").write, "preprocess", json_path, { json.encode(saved) })
if not ok_w then fail(tostring(err):gsub("^.-:%d+: ", "")) end
print(string.format("wrote %s: %d rows x %d features%s", csv_path, Xt.shape[1], Xt.shape[2],
  target and (" + target " .. target) or ""))
print(string.format("wrote %s", json_path))

local again = P.load(json_path):transform(X)
if not same(again, Xt) then fail("the reloaded pipeline gives different output") end
print("pipeline reloads: identical output")
