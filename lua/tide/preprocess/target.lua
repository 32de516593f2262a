-- tide.preprocess.TargetEncoder: scikit-learn 1.3's target encoding (1.2 has none) for a binary
-- or continuous target. Each category is encoded by its target mean shrunk toward the global
-- mean: with smooth = "auto", lambda = v * n_c / (v * n_c + ssd_c / n_c) (v: target variance,
-- n_c: the category's count, ssd_c: its sum of squared deviations from its own mean) and
-- encoding = lambda * mean_c + (1 - lambda) * mean; with a number m, (sum_c + m * mean) / (n_c + m).
-- fit_transform cross-fits: rows are split into cv folds (shuffled with random_state when
-- shuffle) and each fold is encoded by the other folds only, so a row's own target never leaks
-- into its feature. transform (new data) uses encodings fitted on all rows; unknown categories
-- get the target mean. Folds: Tide's own seeded shuffle (splitmix64 + Fisher-Yates, transcribed
-- in tests/gen/gen_preprocess.py) into scikit-learn's KFold sizes, also for a binary target.
local ffi = require("ffi")
local bit = require("bit")
local B = require("tide.preprocess.base")
local Cat = require("tide.preprocess.categories")
local core = require("tide._core")
local tensor = require("tide.tensor")
local raise = core.raise

local M = {}

M.TargetEncoder = B.class("TargetEncoder", { target_type = "auto", smooth = "auto", cv = 5, shuffle = true,
  random_state = 0 }, function(self)
  local p = self.params
  B.one_of("TargetEncoder", "target_type", p.target_type, { "auto", "binary", "continuous" })
  if p.smooth ~= "auto" and (type(p.smooth) ~= "number" or p.smooth < 0) then
    raise("TargetEncoder: smooth must be 'auto' or a number >= 0")
  end
  if type(p.cv) ~= "number" or p.cv < 2 or p.cv % 1 ~= 0 then raise("TargetEncoder: cv must be an integer >= 2") end
  B.boolean("TargetEncoder", "shuffle", p.shuffle)
  if type(p.random_state) ~= "number" or p.random_state % 1 ~= 0 or p.random_state < 0 then
    raise("TargetEncoder: random_state must be an integer >= 0")
  end
end)
local TE = M.TargetEncoder

-- splitmix64 stream from a seed; next() -> uint64 cdata
local function splitmix(seed)
  local s = ffi.new("uint64_t", seed)
  return function()
    s = s + 0x9E3779B97F4A7C15ULL
    local z = s
    z = bit.bxor(z, bit.rshift(z, 30)) * 0xBF58476D1CE4E5B9ULL
    z = bit.bxor(z, bit.rshift(z, 27)) * 0x94D049BB133111EBULL
    return bit.bxor(z, bit.rshift(z, 31))
  end
end

-- fold[i] (1-based fold of row i): KFold sizes over a (shuffled) order
function M.folds(n, k, shuffle, seed)
  local order = {}
  for i = 1, n do order[i] = i end
  if shuffle then
    local nxt = splitmix(seed)
    for i = n, 2, -1 do
      local j = tonumber(nxt() % ffi.new("uint64_t", i)) + 1
      order[i], order[j] = order[j], order[i]
    end
  end
  local fold, pos = {}, 0
  for f = 1, k do
    local size = math.floor(n / k) + (f <= n % k and 1 or 0)
    for t = pos + 1, pos + size do fold[order[t]] = f end
    pos = pos + size
  end
  return fold
end

-- y as a float64 tensor [n] (a Lua array works too)
local function target_tensor(op, y, n)
  if type(y) == "table" and not tensor.is_tensor(y) then y = tensor.tensor(y, "float64") end
  if not tensor.is_tensor(y) then raise(op .. ": y must be a tensor [n] or a Lua array of numbers") end
  if y:numel() ~= n then raise(string.format("%s: y has %d values, X has %d rows", op, y:numel(), n)) end
  y = y:reshape(n):to("float64"):contiguous()
  if y:isnan():any() then raise(op .. ": y has NaN") end
  return y
end

-- Encodings of the u1 codes of a coded column (0: missing, c: uniq[c]) from rows with codes
-- [m] and targets y [m]: per code its count and encoding (Lua arrays indexed code + 1), and the
-- target mean. Sums go through index_add (no Lua step per row).
local function encode_codes(codes, y, u1, smooth)
  local m = y:numel()
  local idx = codes + 1
  local cnt = tensor.zeros({ u1 }, "float64"):index_add_(1, idx, tensor.ones({ m }, "float64"))
  local sum = tensor.zeros({ u1 }, "float64"):index_add_(1, idx, y)
  local ymean = y:sum() / m
  local enc, counts = {}, {}
  if smooth == "auto" then
    local dev = y - ymean
    local yvar = (dev * dev):sum() / m
    local mean = sum / cnt:clamp(1, math.huge)
    local r = y - mean:index_select(1, idx)
    local ssd = tensor.zeros({ u1 }, "float64"):index_add_(1, idx, r * r)
    for k = 1, u1 do
      local c = cnt[k]
      local lam = yvar * c / (yvar * c + ssd[k] / c)
      enc[k] = lam ~= lam and ymean or lam * mean[k] + (1 - lam) * ymean
      counts[k] = c
    end
  else
    for k = 1, u1 do
      counts[k] = cnt[k]
      enc[k] = (sum[k] + smooth * ymean) / (cnt[k] + smooth)
    end
  end
  return enc, counts, ymean
end

function TE:_prepare(op, X, y)
  local cols, n, names = Cat.read_coded(op, X)
  if y == nil then raise(op .. ": y is required") end
  local yt = target_tensor(op, y, n)
  local tt = self.params.target_type
  local uniq = yt:unique()
  local nu = uniq:numel()
  if tt == "auto" then tt = nu == 2 and "binary" or "continuous" end
  local classes
  if tt == "binary" then
    if nu ~= 2 then raise(string.format("%s: a binary target needs exactly 2 values, y has %d", op, nu)) end
    classes = { uniq[1], uniq[2] }
    yt = yt:eq(uniq[2]):to("float64")
  end
  return cols, n, names, yt, tt, classes
end

function TE:fit(X, y)
  local op = "TargetEncoder.fit"
  local cols, n, names, yt, tt, classes = self:_prepare(op, X, y)
  local st = { n_features_in = #cols, names = names, target_type = tt, classes = classes, categories = {}, encodings = {} }
  for j, col in ipairs(cols) do
    local cats = Cat.unique_coded(op, col, j)
    st.categories[j] = Cat.to_plain(cats)
    local enc, _, ymean = encode_codes(col.codes, yt, #col.uniq + 1, self.params.smooth)
    -- per category in sorted order (the missing category is code 0)
    local pos = Cat.index(col.uniq)
    local out = {}
    for k, v in ipairs(cats) do out[k] = v == Cat.MISSING and enc[1] or enc[pos[v] + 1] end
    st.encodings[j] = out
    st.target_mean = ymean
  end
  self.state, self._cats = st, nil
  return self
end

-- cross-fitted encodings of the training rows (what a model should be trained on)
function TE:fit_transform(X, y)
  local op = "TargetEncoder.fit_transform"
  local p = self.params
  local cols, n, _, yt = self:_prepare(op, X, y)
  if n < p.cv then raise(string.format("%s: %d rows cannot be split into cv = %d folds", op, n, p.cv)) end
  self:fit(X, y)
  local fold = tensor.tensor(M.folds(n, p.cv, p.shuffle, p.random_state), "int64")
  local parts = {}
  for j = 1, #cols do parts[j] = tensor.zeros({ n }, "float64") end
  for f = 1, p.cv do
    local train = fold:ne(f):nonzero():reshape(-1)
    local test = fold:eq(f):nonzero():reshape(-1)
    local y_train = yt:index_select(1, train)
    for j, col in ipairs(cols) do
      local u1 = #col.uniq + 1
      local enc, counts, ymean = encode_codes(col.codes:index_select(1, train), y_train, u1, p.smooth)
      -- categories absent from the training folds get the training target mean
      for k = 1, u1 do if counts[k] == 0 then enc[k] = ymean end end
      local vals = tensor.tensor(enc, "float64"):index_select(1, col.codes:index_select(1, test) + 1)
      parts[j]:index_add_(1, test, vals)
    end
  end
  for j = 1, #cols do parts[j] = parts[j]:reshape(n, 1) end
  return #parts == 1 and parts[1] or require("tide").cat(parts, 2)
end

function TE:transform(X)
  self:check_fitted("transform")
  local op = "TargetEncoder.transform"
  local cols, n = Cat.read_coded(op, X)
  local st = self.state
  Cat.check_width(op, self, cols)
  local _, indexes = Cat.fitted(self)
  local parts = {}
  for j, col in ipairs(cols) do
    local index, enc = indexes[j], st.encodings[j]
    local function value(v)
      local c = index[v]
      return c and enc[c] or st.target_mean
    end
    local values = { value(Cat.MISSING) }
    for c, v in ipairs(col.uniq) do values[c + 1] = value(v) end
    parts[j] = Cat.map_codes(col, values):reshape(n, 1)
  end
  return #parts == 1 and parts[1] or require("tide").cat(parts, 2)
end

return M
