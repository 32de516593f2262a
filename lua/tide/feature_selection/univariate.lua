-- tide.feature_selection.SelectKBest / SelectPercentile: keep the features with the best univariate
-- scores (score_func: "f_classif" (default), "chi2", "f_regression", "mutual_info_classif",
-- "mutual_info_regression", or a function(X, y) -> scores[, pvalues]). Selection follows
-- scikit-learn exactly: NaN scores count as the lowest; k-best keeps the last k of a stable
-- ascending sort (ties go to later features); percentile keeps scores above the
-- (100 - percentile)-th percentile, then ties at it in column order up to the budget.
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local S = require("tide.feature_selection.selector")
local scores = require("tide.feature_selection.scores")
local raise = core.raise
local format = string.format

local M = {}

local FUNCS = { f_classif = true, chi2 = true, f_regression = true, mutual_info_classif = true,
  mutual_info_regression = true, r_regression = true }

local function check_func(name, f)
  if type(f) == "function" then return end
  if type(f) ~= "string" or not FUNCS[f] then
    raise(format("%s: score_func must be a function or one of f_classif, chi2, f_regression, r_regression, "
      .. "mutual_info_classif, mutual_info_regression; got %s", name, tostring(f)))
  end
end

local function run_scores(self, op, X, y)
  if y == nil then raise(op .. ": y is required (univariate scores compare each feature with the target)") end
  local f = self.params.score_func
  local Xc = B.features(op, X, { sparse = f == "chi2" })
  local s, p
  if type(f) == "function" then
    s, p = f(Xc, y)
  elseif f:find("^mutual_info") then
    s = scores[f](Xc, y, { random_state = self.params.random_state })
  else
    s, p = scores[f](Xc, y)
  end
  if not tensor.is_tensor(s) then s = tensor.tensor(s, "float64") end
  return Xc, s:to("float64"):contiguous(), p
end

-- NaN -> -inf (scikit-learn's _clean_nans gives them the lowest float)
local function clean(list)
  local out = {}
  for j, v in ipairs(list) do out[j] = v ~= v and -math.huge or v end
  return out
end

local function fitted(self, Xc, s, p, support)
  self.state = { scores_ = s, pvalues_ = p, support_ = support, n_features_in_ = Xc.shape[2] }
  return self
end

-- ---------------------------------------------------------------- SelectKBest
local KBest = B.class("SelectKBest", { score_func = "f_classif", k = 10, random_state = B.NONE }, {
  kind = "transformer",
  check = function(self)
    check_func("SelectKBest", self.params.score_func)
    local k = self.params.k
    if k ~= "all" then B.check_int("SelectKBest", "k", k, 0) end
  end,
})
M.SelectKBest = KBest
S.install(KBest, { sparse = true })

function KBest:fit(X, y)
  local op = "SelectKBest.fit"
  local Xc, s, p = run_scores(self, op, X, y)
  local d = Xc.shape[2]
  local k = self.params.k
  local support = {}
  if k == "all" then
    for j = 1, d do support[j] = true end
  else
    if k > d then raise(format("%s: k = %d is larger than the %d features; use k = \"all\"", op, k, d)) end
    local v = clean(S.list(s))
    local order = {}
    for j = 1, d do order[j] = j; support[j] = false end
    table.sort(order, function(a, b) if v[a] ~= v[b] then return v[a] < v[b] end return a < b end) -- stable
    for i = d - k + 1, d do support[order[i]] = true end
  end
  return fitted(self, Xc, s, p, support)
end

-- ---------------------------------------------------------------- SelectPercentile
local Percentile = B.class("SelectPercentile", { score_func = "f_classif", percentile = 10, random_state = B.NONE }, {
  kind = "transformer",
  check = function(self)
    check_func("SelectPercentile", self.params.score_func)
    B.check_number("SelectPercentile", "percentile", self.params.percentile, 0, 100)
  end,
})
M.SelectPercentile = Percentile
S.install(Percentile, { sparse = true })

-- NumPy's linear-interpolation percentile of a Lua array
local function percentile(v, q)
  local s = {}
  for i, x in ipairs(v) do s[i] = x end
  table.sort(s)
  local pos = (#s - 1) * q / 100
  local lo = math.floor(pos)
  local frac = pos - lo
  if lo + 1 >= #s then return s[#s] end
  local a, b = s[lo + 1], s[lo + 2]
  if frac == 0 then return a end
  return a + (b - a) * frac
end

function Percentile:fit(X, y)
  local op = "SelectPercentile.fit"
  local Xc, s, p = run_scores(self, op, X, y)
  local d = Xc.shape[2]
  local q = self.params.percentile
  local support = {}
  if q == 100 then
    for j = 1, d do support[j] = true end
  elseif q == 0 then
    for j = 1, d do support[j] = false end
  else
    local v = clean(S.list(s))
    local t = percentile(v, 100 - q)
    local kept = 0
    for j = 1, d do
      support[j] = v[j] > t
      if support[j] then kept = kept + 1 end
    end
    -- ties at the threshold, in column order, up to the budget (NumPy's ties[:budget], where
    -- a negative budget drops that many from the end)
    local ties = {}
    for j = 1, d do if v[j] == t then ties[#ties + 1] = j end end
    local budget = math.floor(d * q / 100) - kept
    local take = budget >= 0 and math.min(budget, #ties) or math.max(0, #ties + budget)
    for i = 1, take do support[ties[i]] = true end
  end
  return fitted(self, Xc, s, p, support)
end

return M
