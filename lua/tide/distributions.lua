-- tide.distributions: the special functions and distribution tails that statistical tests need
-- (p-values of ANOVA F, chi-squared and t statistics), computed in double precision:
--   lgamma(x), digamma(x)
--   betainc(a, b, x)   regularised incomplete beta I_x(a, b) (Lentz's continued fraction)
--   gammainc(a, x)     regularised lower incomplete gamma P(a, x) (series or continued fraction),
--   gammaincc(a, x)    its complement Q(a, x), computed directly so small tails keep their digits
--   normal_cdf / normal_sf, t_cdf / t_sf, f_sf, chi2_sf
-- Relative accuracy is ~1e-14 away from underflow (checked against SciPy in distributions_spec).
local M = {}
local exp, log, sqrt, abs, floor = math.exp, math.log, math.sqrt, math.abs, math.floor
local huge, pi = math.huge, math.pi

local EPS, TINY = 1e-16, 1e-300
local ffi = require("ffi")
pcall(ffi.cdef, "double log1p(double x);")
local log1p = ffi.C.log1p

-- Lanczos approximation (g = 7, n = 9), ~15 digits for x > 0; reflection below 0.5.
local LANCZOS = { 0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7 }

function M.lgamma(x)
  if x ~= x then return x end
  if x <= 0 and x == floor(x) then return huge end
  if x < 0.5 then return log(pi / abs(math.sin(pi * x))) - M.lgamma(1 - x) end
  x = x - 1
  local a = LANCZOS[1]
  local t = x + 7.5
  for i = 1, 8 do a = a + LANCZOS[i + 1] / (x + i) end
  return 0.5 * log(2 * pi) + (x + 0.5) * log(t) - t + log(a)
end

-- lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2): Stirling's series, for x >= 10
local function stirling_corr(x)
  local f = 1 / (x * x)
  return (1 / 12 - f * (1 / 360 - f * (1 / 1260 - f * (1 / 1680 - f / 1188)))) / x
end

-- log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b); for a large argument the difference
-- lgamma(a + b) - lgamma(big) is taken from Stirling's series so it does not cancel
local function lbeta(a, b)
  local small, big = math.min(a, b), math.max(a, b)
  if big < 10 then return M.lgamma(a) + M.lgamma(b) - M.lgamma(a + b) end
  local ratio = (big - 0.5) * log1p(small / big) + small * log(small + big) - small
    + stirling_corr(small + big) - stirling_corr(big)
  return M.lgamma(small) - ratio
end
M.lbeta = lbeta

-- digamma by recurrence to x >= 12, then the asymptotic series
function M.digamma(x)
  if x ~= x or x == -huge then return 0 / 0 end
  if x <= 0 and x == floor(x) then return 0 / 0 end
  local r = 0
  if x < 0 then -- reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    return M.digamma(1 - x) - pi / math.tan(pi * x)
  end
  while x < 12 do
    r = r - 1 / x
    x = x + 1
  end
  local f = 1 / (x * x)
  return r + log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))))
end

-- continued fraction for I_x(a, b) (modified Lentz), valid for x < (a + 1) / (a + b + 2)
local function betacf(a, b, x)
  local qab, qap, qam = a + b, a + 1, a - 1
  local c, d = 1, 1 - qab * x / qap
  if abs(d) < TINY then d = TINY end
  d = 1 / d
  local h = d
  for m = 1, 10000 do
    local m2 = 2 * m
    local aa = m * (b - m) * x / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if abs(d) < TINY then d = TINY end
    c = 1 + aa / c
    if abs(c) < TINY then c = TINY end
    d = 1 / d
    h = h * d * c
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if abs(d) < TINY then d = TINY end
    c = 1 + aa / c
    if abs(c) < TINY then c = TINY end
    d = 1 / d
    local del = d * c
    h = h * del
    if abs(del - 1) < EPS then break end
  end
  return h
end

function M.betainc(a, b, x)
  if x ~= x or a ~= a or b ~= b then return 0 / 0 end
  if x <= 0 then return 0 end
  if x >= 1 then return 1 end
  local lbt = -lbeta(a, b) + a * log(x) + b * log1p(-x)
  if x < (a + 1) / (a + b + 2) then return exp(lbt) * betacf(a, b, x) / a end
  return 1 - exp(lbt) * betacf(b, a, 1 - x) / b
end

-- I_x(a, b) and 1 - I_x(a, b), each from the side that keeps its digits
local function betainc_pair(a, b, x)
  if x <= 0 then return 0, 1 end
  if x >= 1 then return 1, 0 end
  local lbt = -lbeta(a, b) + a * log(x) + b * log1p(-x)
  if x < (a + 1) / (a + b + 2) then
    local v = exp(lbt) * betacf(a, b, x) / a
    return v, 1 - v
  end
  local w = exp(lbt) * betacf(b, a, 1 - x) / b
  return 1 - w, w
end

local function gamma_series(a, x)
  local sum, del, ap = 1 / a, 1 / a, a
  for _ = 1, 100000 do
    ap = ap + 1
    del = del * x / ap
    sum = sum + del
    if abs(del) < abs(sum) * EPS then break end
  end
  return sum * exp(-x + a * log(x) - M.lgamma(a))
end

local function gamma_cf(a, x)
  local b = x + 1 - a
  local c, d = 1 / TINY, 1 / b
  local h = d
  for i = 1, 100000 do
    local an = -i * (i - a)
    b = b + 2
    d = an * d + b
    if abs(d) < TINY then d = TINY end
    c = b + an / c
    if abs(c) < TINY then c = TINY end
    d = 1 / d
    local del = d * c
    h = h * del
    if abs(del - 1) < EPS then break end
  end
  return exp(-x + a * log(x) - M.lgamma(a)) * h
end

function M.gammainc(a, x)
  if x ~= x or a ~= a then return 0 / 0 end
  if x <= 0 then return 0 end
  if x == huge then return 1 end
  if x < a + 1 then return gamma_series(a, x) end
  return 1 - gamma_cf(a, x)
end

function M.gammaincc(a, x)
  if x ~= x or a ~= a then return 0 / 0 end
  if x <= 0 then return 1 end
  if x == huge then return 0 end
  if x < a + 1 then return 1 - gamma_series(a, x) end
  return gamma_cf(a, x)
end

-- ---------------------------------------------------------------- distributions
local function erfc(x) -- through the incomplete gamma: erfc(x) = Q(1/2, x^2) for x >= 0
  if x >= 0 then return M.gammaincc(0.5, x * x) end
  return 2 - M.gammaincc(0.5, x * x)
end

function M.normal_cdf(z) return 0.5 * erfc(-z / sqrt(2)) end
function M.normal_sf(z) return 0.5 * erfc(z / sqrt(2)) end

-- Student's t with df degrees of freedom
function M.t_sf(t, df)
  if t ~= t or df ~= df or df <= 0 then return 0 / 0 end
  if t == huge then return 0 elseif t == -huge then return 1 end
  local x = df / (df + t * t)
  local tail = 0.5 * M.betainc(df / 2, 0.5, x) -- P(T > |t|)
  return t > 0 and tail or 1 - tail
end
function M.t_cdf(t, df) return M.t_sf(-t, df) end

-- F distribution (d1, d2 degrees of freedom): P(F > f)
function M.f_sf(f, d1, d2)
  if f ~= f or d1 <= 0 or d2 <= 0 then return 0 / 0 end
  if f <= 0 then return 1 end
  if f == huge then return 0 end
  local _, upper = betainc_pair(d1 / 2, d2 / 2, d1 * f / (d1 * f + d2))
  return upper
end

-- chi-squared (k degrees of freedom): P(X > x)
function M.chi2_sf(x, k)
  if x ~= x or k <= 0 then return 0 / 0 end
  if x <= 0 then return 1 end
  return M.gammaincc(k / 2, x / 2)
end

return M
