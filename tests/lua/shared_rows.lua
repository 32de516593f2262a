-- The inputs of the parity fixtures that are built on ../shared/data, read at test time through
-- TIDE_DATA. The data sets' licences forbid copying their rows into the repository, so a fixture
-- records only where its rows come from and the reference outputs:
--   source = {file = "titanic/train.csv", columns = {"Age", ...}, rows = {first, last}}  (1-based,
--            inclusive; a fixture may give `fit` and `new` row ranges instead of `rows`)
-- Specs call R.available() first and mark their tests pending when the data is not there.
local tide = require("tide")
local H = require("spec_helpers")

local R = {}
local frames = {}

local function root_of(file)
  local folder = file:match("^([^/]+)/")
  local dir = H.data_dir(folder)
  return dir and (dir .. file:sub(#folder + 1)) or nil
end

-- true when every file named is in TIDE_DATA
function R.available(...)
  for _, file in ipairs({ ... }) do
    if not root_of(file) then return false end
  end
  return true
end

local function frame(file)
  if not frames[file] then
    local path = root_of(file)
    assert(path, file .. " is not in TIDE_DATA")
    frames[file] = tide.frame.read_csv(path)
  end
  return frames[file]
end

local function range(src, which)
  local r = which and src[which] or src.rows
  assert(r and r[1] and r[2], "shared_rows: the source has no row range " .. tostring(which))
  return r[1], r[2]
end

-- the value of a cell as the fixture scripts read it with pandas: nil for a missing cell
local function cell(col, i)
  return col:get(i)
end

-- A float64 tensor [rows, #columns]: numbers as read, missing cells and text that is not a
-- number (Telco's blank TotalCharges) NaN, as pandas.to_numeric(errors="coerce") gives.
function R.matrix(src, which)
  local f = frame(src.file)
  local a, b = range(src, which)
  local out = tide.empty({ b - a + 1, #src.columns }, "float64")
  for j, name in ipairs(src.columns) do
    local col = f:col(name)
    for i = a, b do
      local v = cell(col, i)
      if type(v) == "string" then v = tonumber(v) end
      if type(v) == "boolean" then v = v and 1 or 0 end
      out[{ i - a + 1, j }] = v == nil and 0 / 0 or v
    end
  end
  return out
end

-- The columns as Lua arrays (strings or numbers; false for a missing cell), or, with
-- opts.numeric_entries, numeric columns as fixture entries {shape =, data =} with NaN for missing.
function R.columns(src, which, opts)
  local f = frame(src.file)
  local a, b = range(src, which)
  local out = {}
  for j, name in ipairs(src.columns) do
    local col = f:col(name)
    local numeric = col.type ~= "string" and col.type ~= "categorical"
    local vals = {}
    for i = a, b do
      local v = cell(col, i)
      if numeric and opts and opts.numeric_entries then
        vals[#vals + 1] = v == nil and 0 / 0 or v
      else
        if v == nil then v = false end
        vals[#vals + 1] = v
      end
    end
    out[j] = (numeric and opts and opts.numeric_entries) and { shape = { #vals }, data = vals } or vals
  end
  return out
end

-- One column as a float64 vector; with `equals`, 1 where the cell equals it and 0 elsewhere.
function R.vector(src, which)
  local f = frame(src.file)
  local a, b = range(src, which)
  local col = f:col(src.column)
  local out = tide.empty({ b - a + 1 }, "float64")
  for i = a, b do
    local v = cell(col, i)
    if src.equals ~= nil then v = (v == src.equals) and 1 or 0 end
    out[i - a + 1] = v == nil and 0 / 0 or v
  end
  return out
end

-- pandas.Categorical(column).codes + 1: 1..K over the sorted distinct values, 0 for missing.
function R.codes(src, which)
  local f = frame(src.file)
  local a, b = range(src, which)
  local col = f:col(src.column)
  local seen, list = {}, {}
  for i = a, b do
    local v = cell(col, i)
    if v ~= nil and not seen[v] then seen[v] = true; list[#list + 1] = v end
  end
  table.sort(list)
  local code = {}
  for k, v in ipairs(list) do code[v] = k end
  local out = tide.empty({ b - a + 1 }, "int64")
  for i = a, b do
    local v = cell(col, i)
    out[i - a + 1] = v == nil and 0 or code[v]
  end
  return out
end

return R
