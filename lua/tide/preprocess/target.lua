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

local function target_values(op, y, n)
  if type(y) == "table" and not tensor.is_tensor(y) then y = tensor.tensor(y, "float64") end
  if not tensor.is_tensor(y) then raise(op .. ": y must be a tensor [n] or a Lua array of numbers") end
  if y:numel() ~= n then raise(string.format("%s: y has %d values, X has %d rows", op, y:numel(), n)) end
  local v = y:reshape(n):to("float64"):contiguous()
  local p, out = v:data_ptr(), {}
  for i = 0, n - 1 do
    if p[i] ~= p[i] then raise(string.format("%s: y has NaN at row %d", op, i + 1)) end
    out[i + 1] = p[i]
  end
  return out
end

-- encodings of each category of cats from rows where use(i) is true
local function encode_column(vals, index, ncat, y, rows, smooth)
  local cnt, sum = {}, {}
  for c = 1, ncat do cnt[c], sum[c] = 0, 0 end
  local ysum, ny = 0, 0
  for _, i in ipairs(rows) do ysum = ysum + y[i]; ny = ny + 1 end
  local ymean = ysum / ny
  local enc = {}
  if smooth == "auto" then
    local yss = 0
    for _, i in ipairs(rows) do yss = yss + (y[i] - ymean) ^ 2 end
    local yvar = yss / ny
    local mean = {}
    for c = 1, ncat do mean[c] = 0 end
    for _, i in ipairs(rows) do -- running mean as scikit-learn's Cython loop
      local c = index[vals[i]]
      cnt[c] = cnt[c] + 1
      mean[c] = mean[c] + (y[i] - mean[c]) / cnt[c]
    end
    local ssd = {}
    for c = 1, ncat do ssd[c] = 0 end
    for _, i in ipairs(rows) do
      local c = index[vals[i]]
      ssd[c] = ssd[c] + (y[i] - mean[c]) ^ 2
    end
    for c = 1, ncat do
      local lam = yvar * cnt[c] / (yvar * cnt[c] + ssd[c] / cnt[c])
      enc[c] = lam ~= lam and ymean or lam * mean[c] + (1 - lam) * ymean
    end
  else
    for _, i in ipairs(rows) do
      local c = index[vals[i]]
      cnt[c] = cnt[c] + 1
      sum[c] = sum[c] + y[i]
    end
    for c = 1, ncat do enc[c] = (sum[c] + smooth * ymean) / (cnt[c] + smooth) end
  end
  return enc, ymean
end

function TE:_prepare(op, X, y)
  local cols, n, names = Cat.read(op, X)
  if y == nil then raise(op .. ": y is required") end
  local yv = target_values(op, y, n)
  local tt = self.params.target_type
  local classes
  local uniq, seen = {}, {}
  for _, v in ipairs(yv) do if not seen[v] then seen[v] = true; uniq[#uniq + 1] = v end end
  table.sort(uniq)
  if tt == "auto" then tt = #uniq == 2 and "binary" or "continuous" end
  if tt == "binary" then
    if #uniq ~= 2 then raise(string.format("%s: a binary target needs exactly 2 values, y has %d", op, #uniq)) end
    classes = uniq
    for i, v in ipairs(yv) do yv[i] = v == uniq[2] and 1 or 0 end
  end
  return cols, n, names, yv, tt, classes
end

function TE:fit(X, y)
  local op = "TargetEncoder.fit"
  local cols, n, names, yv, tt, classes = self:_prepare(op, X, y)
  local all = {}
  for i = 1, n do all[i] = i end
  local st = { n_features_in = #cols, names = names, target_type = tt, classes = classes, categories = {}, encodings = {} }
  for j, vals in ipairs(cols) do
    local cats = Cat.unique(op, vals, j)
    st.categories[j] = Cat.to_plain(cats)
    local enc, ymean = encode_column(vals, Cat.index(cats), #cats, yv, all, self.params.smooth)
    st.encodings[j] = enc
    st.target_mean = ymean
  end
  self.state, self._index = st, nil
  return self
end

-- cross-fitted encodings of the training rows (what a model should be trained on)
function TE:fit_transform(X, y)
  local op = "TargetEncoder.fit_transform"
  self:fit(X, y)
  local cols, n, _, yv = self:_prepare(op, X, y)
  local p = self.params
  if n < p.cv then raise(string.format("%s: %d rows cannot be split into cv = %d folds", op, n, p.cv)) end
  local fold = M.folds(n, p.cv, p.shuffle, p.random_state)
  local out = tensor.empty({ n, #cols }, "float64")
  local po, d = out:data_ptr(), #cols
  for f = 1, p.cv do
    local train, test = {}, {}
    for i = 1, n do
      if fold[i] == f then test[#test + 1] = i else train[#train + 1] = i end
    end
    for j, vals in ipairs(cols) do
      -- categories present in this fold's training rows
      local cats = Cat.unique(op, (function()
        local v = {}
        for t, i in ipairs(train) do v[t] = vals[i] end
        return v
      end)(), j)
      local index = Cat.index(cats)
      local enc, ymean = encode_column(vals, index, #cats, yv, train, p.smooth)
      for _, i in ipairs(test) do
        local c = index[vals[i]]
        po[(i - 1) * d + j - 1] = c and enc[c] or ymean
      end
    end
  end
  return out
end

function TE:transform(X)
  self:check_fitted("transform")
  local op = "TargetEncoder.transform"
  local cols, n = Cat.read(op, X)
  local st = self.state
  if #cols ~= st.n_features_in then
    raise(string.format("%s: X has %d columns, but the encoder was fitted with %d", op, #cols, st.n_features_in))
  end
  if not self._index then
    self._index = {}
    for j, c in ipairs(st.categories) do self._index[j] = Cat.index(Cat.from_plain(c)) end
  end
  local out = tensor.empty({ n, #cols }, "float64")
  local po, d = out:data_ptr(), #cols
  for j, vals in ipairs(cols) do
    local index, enc = self._index[j], st.encodings[j]
    for i = 1, n do
      local c = index[vals[i]]
      po[(i - 1) * d + j - 1] = c and enc[c] or st.target_mean
    end
  end
  return out
end

return M
