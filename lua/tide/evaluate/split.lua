-- tide.evaluate.split: scikit-learn's data splitters and train_test_split.
--
-- A splitter is made with its options (KFold{n_splits = 5, shuffle = false, random_state =}) and
-- cv:split(X, y, groups) returns a list of folds {train = int64 [n_train], test = int64 [n_test]}
-- of 1-based sample ids (ascending), usable with ipairs. Without shuffling the folds are exactly
-- scikit-learn's (KFold, StratifiedKFold, GroupKFold); shuffled splits have scikit-learn's sizes
-- (per fold and per class) but Tide's random stream: the same random_state gives the same folds
-- on every run and thread count (a counter-based generator, tide_data_shuffle in C), and with
-- random_state = nil they are drawn from Tide's global generator (tide.manual_seed repeats them).
--
-- X may be a tensor [n, ...], a tide.sparse CSR matrix, a tide.frame, a Lua array of rows, or a
-- number (the sample count). y and groups: tensors or Lua arrays of numbers or strings.
local core = require("tide._core")
local tide = require("tide")
local args = require("tide._args")
local L = require("tide.metrics.labels")
local json_null = require("tide.io.json").null

local raise = core.raise
local C = core.C
local is_tensor = tide.is_tensor
local floor, ceil, format = math.floor, math.ceil, string.format

local S = {}

-- ---------------------------------------------------------------- samples and subsets

local function is_csr(x)
  return type(x) == "table" and package.loaded["tide.sparse"] ~= nil and require("tide.sparse").is_csr(x)
end

local function is_frame(x)
  return type(x) == "table" and package.loaded["tide.frame"] ~= nil and require("tide.frame").is_frame(x)
end

-- The number of samples (rows) of X.
function S.num_samples(op, X)
  if type(X) == "number" then
    if X ~= floor(X) or X < 0 then raise(format("%s: the sample count must be a non-negative integer, got %s", op, X)) end
    return X
  end
  if is_tensor(X) then
    if X.ndim == 0 then raise(op .. ": X must have at least one dim, got a 0-dim tensor") end
    return X.shape[1]
  end
  if is_csr(X) then return X.shape[1] end
  if is_frame(X) then return X:nrows() end
  if type(X) == "table" then return #X end
  raise(format("%s: X must be a tensor, a sparse matrix, a frame or a Lua array, got %s", op, type(X)))
end

-- The rows of X (any form above, or a Lua array of labels) at 1-based ids (int64 tensor); for a
-- sample count, the ids themselves.
function S.take(X, ids)
  if type(X) == "number" then return ids end
  if is_tensor(X) then return X:index_select(1, ids) end
  if is_csr(X) then return X:rows(ids) end
  if is_frame(X) then return X:take(ids) end
  ids = ids:contiguous() -- kept alive while p is read
  local out, p = {}, ids:data_ptr()
  for i = 1, ids:numel() do out[i] = X[tonumber(p[i - 1])] end
  return out
end

-- ---------------------------------------------------------------- random streams

-- A stream of permutations keyed by (seed, draw number): independent of the thread count.
local Rng = {}
Rng.__index = Rng

local function rng_new(op, random_state)
  local seed = random_state
  if seed == nil or seed == json_null then
    seed = tide.randint(0, 2 ^ 31 - 1, { 1 }):item()
  elseif type(seed) ~= "number" or seed ~= floor(seed) or seed < 0 then
    raise(format("%s: random_state must be a non-negative integer or nil, got %s", op, tostring(seed)))
  end
  return setmetatable({ seed = seed, draw = 0 }, Rng)
end

-- a random permutation of 1..n (int64 tensor)
function Rng:permutation(n)
  local out = tide.empty(n, "int64")
  if n > 0 then
    if C.tide_data_shuffle(n, self.seed, self.draw, out:data_ptr()) ~= 0 then core.raise_c() end
    out:add_(1)
  end
  self.draw = self.draw + 1
  return out
end

-- ---------------------------------------------------------------- helpers

local function int_option(op, name, v, default, lo)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= floor(v) or v < lo then
    raise(format("%s: %s must be an integer >= %d, got %s", op, name, lo, tostring(v)))
  end
  return v
end

local function bool_option(op, name, v, default)
  if v == nil then return default end
  if type(v) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", op, name, tostring(v))) end
  return v
end

local function arange(a, b) -- 1-based ids a..b (empty when b < a)
  if b < a then return tide.empty(0, "int64") end
  return tide.arange(a, b + 1, 1, "int64")
end

local function sorted(ids)
  if ids:numel() == 0 then return ids end
  return (ids:sort())
end

-- The fold {train, test} for a test mask (bool [n]): ids ascending.
local function fold_of_mask(mask, all)
  return { train = all:masked_select(mask:logical_not()), test = all:masked_select(mask) }
end

-- Labels (y or groups) -> classes (sorted values), codes (int64 [n], 1-based)
local function encode(op, name, y, n)
  if y == nil then raise(format("%s: %s is required", op, name)) end
  local v = L.vector(op, name, y, name == "groups" and "groups" or "class labels")
  if L.len(v) ~= n then raise(format("%s: %s has %d values but X has %d samples", op, name, L.len(v), n)) end
  local classes, codes = L.encode(op, { { name, v } })
  return classes, codes[1]
end

local function split_options(op, opts, allowed)
  return args.options(op, opts, args.set(allowed))
end

local function check_splits(op, k, n)
  if k > n then
    raise(format("%s: cannot have n_splits = %d greater than the number of samples: %d", op, k, n))
  end
end

-- A splitter class: cls.new(opts) / cls(opts); instances have split(X, y, groups) and
-- get_n_splits(); tostring shows the options.
local function splitter(name, defaults, init)
  local cls = { _name = name }
  cls.__index = cls
  cls.__tostring = function(self)
    local parts = {}
    for _, k in ipairs(self._keys) do parts[#parts + 1] = k .. "=" .. tostring(self[k]) end
    return name .. "(" .. table.concat(parts, ", ") .. ")"
  end
  function cls.new(opts)
    local keys = {}
    for _, d in ipairs(defaults) do keys[#keys + 1] = d[1] end
    opts = split_options(name, opts, keys)
    local self = setmetatable({ _keys = keys }, cls)
    for _, d in ipairs(defaults) do
      local v = opts[d[1]]
      if v == nil then v = d[2] end
      self[d[1]] = v
    end
    init(self)
    return self
  end
  function cls:get_n_splits() return self.n_splits * (self.n_repeats or 1) end
  setmetatable(cls, { __call = function(c, opts) return c.new(opts) end })
  S[name] = cls
  return cls
end

local function is_splitter(x)
  return type(x) == "table" and type(x.split) == "function" and type(x.get_n_splits) == "function"
end
S.is_splitter = is_splitter

local function check_kfold(self)
  local op = self._name
  self.n_splits = int_option(op, "n_splits", self.n_splits, 5, 2)
  self.shuffle = bool_option(op, "shuffle", self.shuffle, false)
  if not self.shuffle and self.random_state ~= nil then
    raise(op .. ": random_state has no effect without shuffle = true; set shuffle = true or leave random_state nil")
  end
end

-- ---------------------------------------------------------------- KFold

-- KFold{n_splits = 5, shuffle = false, random_state =}: consecutive folds (after a shuffle when
-- shuffle = true); the first n % n_splits folds have one sample more.
local KFold = splitter("KFold", { { "n_splits", 5 }, { "shuffle", false }, { "random_state" } }, check_kfold)

local function kfold_split(op, n, k, order)
  check_splits(op, k, n)
  local folds, start = {}, 1
  local all = arange(1, n)
  for f = 1, k do
    local size = floor(n / k) + ((f <= n % k) and 1 or 0)
    local mask = tide.zeros(n, "int64")
    local ids = order and order:narrow(1, start, size) or arange(start, start + size - 1)
    mask:put_(ids, 1)
    folds[f] = fold_of_mask(mask:eq(1), all)
    start = start + size
  end
  return folds
end

function KFold:split(X)
  local op = "KFold.split"
  local n = S.num_samples(op, X)
  local order = self.shuffle and rng_new(op, self.random_state):permutation(n) or nil
  return kfold_split(op, n, self.n_splits, order)
end

-- ---------------------------------------------------------------- StratifiedKFold

-- StratifiedKFold{n_splits = 5, shuffle = false, random_state =}: folds that keep each class's
-- share, as scikit-learn 1.2: classes are taken in order of first appearance, each class's
-- samples go to folds in blocks of the round-robin allocation over the sorted labels.
local SKFold = splitter("StratifiedKFold", { { "n_splits", 5 }, { "shuffle", false }, { "random_state" } }, check_kfold)

-- number of p in [0, x) with p % s == i
local function count_mod(x, s, i)
  if x <= i then return 0 end
  return floor((x - i - 1) / s) + 1
end

local function stratified_test_folds(op, codes, k_splits, rng)
  local n = codes:numel()
  codes = codes:contiguous() -- kept alive while cp is read
  local cp = codes:data_ptr()
  -- classes in order of first appearance
  local rank, order, counts = {}, {}, {}
  for i = 0, n - 1 do
    local c = tonumber(cp[i])
    if not rank[c] then order[#order + 1] = c; rank[c] = #order; counts[#order] = 0 end
    counts[rank[c]] = counts[rank[c]] + 1
  end
  local all_less = true
  for _, cnt in ipairs(counts) do if cnt >= k_splits then all_less = false end end
  if all_less then
    raise(format("%s: n_splits = %d cannot be greater than the number of members in each class", op, k_splits))
  end
  -- allocation[f][r]: samples of class r (by appearance) in test fold f
  local start = 0
  local folds_of = {}
  for r = 1, #order do
    local a, b = start, start + counts[r]
    local list = tide.empty(counts[r], "int64")
    local lp = list:data_ptr()
    local at = 0
    for f = 0, k_splits - 1 do
      local m = count_mod(b, k_splits, f) - count_mod(a, k_splits, f)
      for _ = 1, m do lp[at] = f; at = at + 1 end
    end
    if rng then list = list:index_select(1, rng:permutation(counts[r])) end
    folds_of[r] = list:contiguous()
    start = b
  end
  local test_fold = tide.empty(n, "int64")
  local tp = test_fold:data_ptr()
  local next_of, ptrs = {}, {}
  for r = 1, #order do next_of[r] = 0; ptrs[r] = folds_of[r]:data_ptr() end
  for i = 0, n - 1 do
    local r = rank[tonumber(cp[i])]
    tp[i] = ptrs[r][next_of[r]]
    next_of[r] = next_of[r] + 1
  end
  local _ = folds_of -- anchors the tensors behind ptrs
  return test_fold
end

local function folds_from_assignment(assign, k)
  local n = assign:numel()
  local all = arange(1, n)
  local folds = {}
  for f = 1, k do folds[f] = fold_of_mask(assign:eq(f - 1), all) end
  return folds
end

function SKFold:split(X, y)
  local op = "StratifiedKFold.split"
  local n = S.num_samples(op, X)
  check_splits(op, self.n_splits, n)
  local _, codes = encode(op, "y", y, n)
  local rng = self.shuffle and rng_new(op, self.random_state) or nil
  return folds_from_assignment(stratified_test_folds(op, codes, self.n_splits, rng), self.n_splits)
end

-- ---------------------------------------------------------------- repeated

local function check_repeated(self)
  local op = self._name
  self.n_splits = int_option(op, "n_splits", self.n_splits, 5, 2)
  self.n_repeats = int_option(op, "n_repeats", self.n_repeats, 10, 1)
end

-- RepeatedKFold{n_splits = 5, n_repeats = 10, random_state =}: KFold with shuffling, repeated
-- with a new shuffle each time (n_splits * n_repeats folds).
local RKFold = splitter("RepeatedKFold", { { "n_splits", 5 }, { "n_repeats", 10 }, { "random_state" } }, check_repeated)

function RKFold:split(X)
  local op = "RepeatedKFold.split"
  local n = S.num_samples(op, X)
  local rng = rng_new(op, self.random_state)
  local folds = {}
  for _ = 1, self.n_repeats do
    for _, f in ipairs(kfold_split(op, n, self.n_splits, rng:permutation(n))) do folds[#folds + 1] = f end
  end
  return folds
end

-- RepeatedStratifiedKFold{n_splits = 5, n_repeats = 10, random_state =}
local RSKFold = splitter("RepeatedStratifiedKFold", { { "n_splits", 5 }, { "n_repeats", 10 }, { "random_state" } },
  check_repeated)

function RSKFold:split(X, y)
  local op = "RepeatedStratifiedKFold.split"
  local n = S.num_samples(op, X)
  check_splits(op, self.n_splits, n)
  local _, codes = encode(op, "y", y, n)
  local rng = rng_new(op, self.random_state)
  local folds = {}
  for _ = 1, self.n_repeats do
    for _, f in ipairs(folds_from_assignment(stratified_test_folds(op, codes, self.n_splits, rng), self.n_splits)) do
      folds[#folds + 1] = f
    end
  end
  return folds
end

-- ---------------------------------------------------------------- GroupKFold

-- GroupKFold{n_splits = 5}: no group in two folds. As scikit-learn 1.2, groups are taken from
-- the largest down and each goes to the fold with the fewest samples so far (equal sizes: the
-- later group first, as NumPy's sort does for fewer than 17 groups).
local GKFold = splitter("GroupKFold", { { "n_splits", 5 } }, function(self)
  self.n_splits = int_option(self._name, "n_splits", self.n_splits, 5, 2)
end)

function GKFold:split(X, _, groups)
  local op = "GroupKFold.split"
  local n = S.num_samples(op, X)
  local classes, codes = encode(op, "groups", groups, n)
  local g = #classes
  local k = self.n_splits
  if k > g then
    raise(format("%s: cannot have n_splits = %d greater than the number of groups: %d", op, k, g))
  end
  local sizes = tide.zeros(g, "int64")
  sizes:put_(codes, 1, true)
  local sz = sizes:totable()
  local order = {}
  for i = 1, g do order[i] = i end
  table.sort(order, function(a, b)
    if sz[a] ~= sz[b] then return sz[a] > sz[b] end
    return a > b
  end)
  local load, fold_of = {}, {}
  for f = 1, k do load[f] = 0 end
  for _, gi in ipairs(order) do
    local best = 1
    for f = 2, k do if load[f] < load[best] then best = f end end
    load[best] = load[best] + sz[gi]
    fold_of[gi] = best - 1
  end
  local lut = tide.tensor(fold_of, "int64")
  return folds_from_assignment(lut:index_select(1, codes), k)
end

-- ---------------------------------------------------------------- shuffle splits

-- scikit-learn's _validate_shuffle_split: (n_train, n_test) from test_size / train_size, each
-- nil, a fraction in (0, 1) or a count.
function S.split_sizes(op, n, test_size, train_size, default_test)
  if test_size == nil and train_size == nil then test_size = default_test end
  local function kind(name, v)
    if v == nil then return nil end
    if type(v) ~= "number" or v ~= v then raise(format("%s: %s must be a number, got %s", op, name, tostring(v))) end
    if v == floor(v) and v >= 1 then
      if v >= n then
        raise(format("%s: %s = %d should be smaller than the number of samples %d (or a fraction in (0, 1))", op, name, v, n))
      end
      return "i"
    end
    if v <= 0 or v >= 1 then
      raise(format("%s: %s = %s should be a fraction in (0, 1) or a count of samples below %d", op, name, tostring(v), n))
    end
    return "f"
  end
  local tk, rk = kind("test_size", test_size), kind("train_size", train_size)
  if tk == "f" and rk == "f" and test_size + train_size > 1 then
    raise(format("%s: test_size + train_size = %s should be at most 1", op, tostring(test_size + train_size)))
  end
  local n_test = tk == "f" and ceil(test_size * n) or test_size
  local n_train = rk == "f" and floor(train_size * n) or train_size
  if train_size == nil then n_train = n - n_test elseif test_size == nil then n_test = n - n_train end
  if n_train + n_test > n then
    raise(format("%s: train_size + test_size = %d samples, more than the %d there are", op, n_train + n_test, n))
  end
  if n_train == 0 then raise(format("%s: with %d samples and these sizes the train set would be empty", op, n)) end
  return n_train, n_test
end

local function check_shuffle_split(self)
  local op = self._name
  self.n_splits = int_option(op, "n_splits", self.n_splits, 10, 1)
end

-- ShuffleSplit{n_splits = 10, test_size = 0.1 (when train_size is nil too), train_size =,
-- random_state =}: independent random train / test draws.
local SS = splitter("ShuffleSplit", { { "n_splits", 10 }, { "test_size" }, { "train_size" }, { "random_state" } },
  check_shuffle_split)

function SS:split(X)
  local op = "ShuffleSplit.split"
  local n = S.num_samples(op, X)
  local n_train, n_test = S.split_sizes(op, n, self.test_size, self.train_size, 0.1)
  local rng = rng_new(op, self.random_state)
  local folds = {}
  for f = 1, self.n_splits do
    local p = rng:permutation(n)
    folds[f] = { train = sorted(p:narrow(1, n_test + 1, n_train)), test = sorted(p:narrow(1, 1, n_test)) }
  end
  return folds
end

-- scikit-learn's _approximate_mode: per-class draws (summing to n_draws) closest to the class
-- shares; ties in the remainders broken at random.
local function approximate_mode(counts, n_draws, rng)
  local total = 0
  for _, c in ipairs(counts) do total = total + c end
  local out, cont, need = {}, {}, n_draws
  for i, c in ipairs(counts) do
    cont[i] = c / total * n_draws
    out[i] = floor(cont[i])
    need = need - out[i]
  end
  if need > 0 then
    local rem, values, seen = {}, {}, {}
    for i = 1, #counts do
      rem[i] = cont[i] - out[i]
      if not seen[rem[i]] then seen[rem[i]] = true; values[#values + 1] = rem[i] end
    end
    table.sort(values, function(a, b) return a > b end)
    for _, v in ipairs(values) do
      local inds = {}
      for i = 1, #counts do if rem[i] == v then inds[#inds + 1] = i end end
      local take = math.min(#inds, need)
      local perm = rng:permutation(#inds):totable()
      for j = 1, take do out[inds[perm[j]]] = out[inds[perm[j]]] + 1 end
      need = need - take
      if need == 0 then break end
    end
  end
  return out
end

local function stratified_shuffle(op, codes, k, n_train, n_test, rng)
  local counts = tide.zeros(k, "int64")
  counts:put_(codes, 1, true)
  local cnt = counts:totable()
  for _, c in ipairs(cnt) do
    if c < 2 then
      raise(format("%s: the least populated class in y has only %d member, which is too few; each class needs at least 2", op, c))
    end
  end
  if n_train < k then raise(format("%s: train_size = %d should be at least the number of classes = %d", op, n_train, k)) end
  if n_test < k then raise(format("%s: test_size = %d should be at least the number of classes = %d", op, n_test, k)) end
  local n_i = approximate_mode(cnt, n_train, rng)
  local left = {}
  for i = 1, k do left[i] = cnt[i] - n_i[i] end
  local t_i = approximate_mode(left, n_test, rng)
  local all = arange(1, codes:numel())
  local train, test = {}, {}
  for c = 1, k do
    local members = all:masked_select(codes:eq(c))
    members = members:index_select(1, rng:permutation(members:numel()))
    if n_i[c] > 0 then train[#train + 1] = members:narrow(1, 1, n_i[c]) end
    if t_i[c] > 0 then test[#test + 1] = members:narrow(1, n_i[c] + 1, t_i[c]) end
  end
  local tr = #train > 0 and tide.cat(train) or tide.empty(0, "int64")
  local te = #test > 0 and tide.cat(test) or tide.empty(0, "int64")
  return { train = sorted(tr), test = sorted(te) }
end

-- StratifiedShuffleSplit{n_splits = 10, test_size = 0.1, train_size =, random_state =}: random
-- splits that keep each class's share (scikit-learn's per-class counts).
local SSS = splitter("StratifiedShuffleSplit", { { "n_splits", 10 }, { "test_size" }, { "train_size" },
  { "random_state" } }, check_shuffle_split)

function SSS:split(X, y)
  local op = "StratifiedShuffleSplit.split"
  local n = S.num_samples(op, X)
  local n_train, n_test = S.split_sizes(op, n, self.test_size, self.train_size, 0.1)
  local classes, codes = encode(op, "y", y, n)
  local rng = rng_new(op, self.random_state)
  local folds = {}
  for f = 1, self.n_splits do folds[f] = stratified_shuffle(op, codes, #classes, n_train, n_test, rng) end
  return folds
end

-- ---------------------------------------------------------------- train_test_split

-- train_test_split(X, y, {test_size = 0.25, train_size =, shuffle = true, stratify =,
-- random_state =}) -> X_train, X_test, y_train, y_test (X_train, X_test when y is nil), plus
-- the split {train =, test =} of 1-based ids as the last value. stratify: labels (or true for y)
-- whose class shares both parts keep. Without shuffle, the first rows train and the last test.
function S.train_test_split(X, y, opts)
  local op = "train_test_split"
  opts = split_options(op, opts, { "test_size", "train_size", "shuffle", "stratify", "random_state" })
  local n = S.num_samples(op, X)
  if n == 0 then raise(op .. ": X has no samples") end
  if y ~= nil then
    local ny = is_tensor(y) and y.shape[1] or S.num_samples(op, y)
    if ny ~= n then raise(format("%s: X has %d samples but y has %d", op, n, ny)) end
  end
  local n_train, n_test = S.split_sizes(op, n, opts.test_size, opts.train_size, 0.25)
  local shuffle = bool_option(op, "shuffle", opts.shuffle, true)
  local strat = opts.stratify
  if strat == true then
    if y == nil then raise(op .. ": stratify = true needs y") end
    strat = y
  end
  local split
  if not shuffle then
    if strat ~= nil then raise(op .. ": a stratified split needs shuffle = true") end
    split = { train = arange(1, n_train), test = arange(n_train + 1, n_train + n_test) }
  else
    local rng = rng_new(op, opts.random_state)
    if strat ~= nil then
      local classes, codes = encode(op, "stratify", strat, n)
      split = stratified_shuffle(op, codes, #classes, n_train, n_test, rng)
    else
      local p = rng:permutation(n)
      split = { train = sorted(p:narrow(1, n_test + 1, n_train)), test = sorted(p:narrow(1, 1, n_test)) }
    end
  end
  local Xtr, Xte = S.take(X, split.train), S.take(X, split.test)
  if y == nil then return Xtr, Xte, split end
  return Xtr, Xte, S.take(y, split.train), S.take(y, split.test), split
end

-- ---------------------------------------------------------------- check_cv

-- The folds of cv (nil -> 5, a number of folds, a splitter, or a list of {train =, test =}):
-- a number gives StratifiedKFold for classifiers with class labels, else KFold (scikit-learn's
-- check_cv).
function S.folds(op, cv, X, y, groups, classifier)
  if cv == nil then cv = 5 end
  if type(cv) == "number" then
    if cv ~= floor(cv) or cv < 2 then raise(format("%s: cv must be an integer >= 2, a splitter or a list of folds, got %s", op, cv)) end
    cv = (classifier and y ~= nil) and SKFold.new({ n_splits = cv }) or KFold.new({ n_splits = cv })
  end
  local n = S.num_samples(op, X)
  local folds
  if is_splitter(cv) then
    folds = cv:split(X, y, groups)
  elseif type(cv) == "table" then
    folds = cv
  else
    raise(format("%s: cv must be an integer >= 2, a splitter or a list of folds, got %s", op, type(cv)))
  end
  if #folds == 0 then raise(op .. ": cv gave no folds") end
  for i, f in ipairs(folds) do
    if type(f) == "table" and type(f.train) == "table" and not is_tensor(f.train) then
      f = { train = tide.tensor(f.train, "int64"), test = tide.tensor(f.test, "int64") }
      folds[i] = f
    end
    if type(f) ~= "table" or not is_tensor(f.train) or not is_tensor(f.test) then
      raise(format("%s: fold %d must be {train = ids, test = ids} with int64 tensors of 1-based sample ids", op, i))
    end
    for _, part in ipairs({ "train", "test" }) do
      local ids = f[part]
      if ids:numel() == 0 then raise(format("%s: fold %d has an empty %s set", op, i, part)) end
      if ids:amin() < 1 or ids:amax() > n then
        raise(format("%s: fold %d has %s ids outside 1..%d", op, i, part, n))
      end
    end
  end
  return folds
end

return S
