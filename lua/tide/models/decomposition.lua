-- tide.models.PCA and tide.models.TruncatedSVD: scikit-learn's estimators (1.2 parameters and
-- attributes). The numerics are LAPACK / BLAS calls through core/decomposition.c and the
-- tensor products; Lua only sequences them.
--
-- PCA's svd_solver:
--   "full"            LAPACK dgesdd on the centred data (exact; scikit-learn's "full")
--   "covariance_eigh" LAPACK dsyevd on the d x d scatter matrix built in row blocks (dsyrk):
--                     exact up to rounding and far cheaper when n >> d (scikit-learn >= 1.5)
--   "randomized"      Halko et al.'s randomized SVD with power iterations (scikit-learn's
--                     randomized_svd: oversampling, LU / QR normalisers, svd_flip)
--   "auto"            "covariance_eigh" when d <= 1000 and n >= 10 d (as scikit-learn 1.5),
--                     otherwise scikit-learn 1.2's rule: "full" for small data or "mle",
--                     "randomized" when n_components < 0.8 min(n, d), else "full"
-- "arpack" is not provided (use "randomized"). Components follow scikit-learn's sign
-- convention (svd_flip on U: the largest |U| entry of each component is positive).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local C = core.C
local raise, format = core.raise, string.format

local function ok(status) if status ~= 0 then core.raise_c() end end

local function f64(...) return tensor.empty({ ... }, "float64") end

-- ---------------------------------------------------------------- shared numerics

-- Thin SVD of a float64 matrix [m, n] -> u [m, r], s [r], vt [r, n].
local function svd(a)
  local m, n = a.shape[1], a.shape[2]
  local r = math.min(m, n)
  local u, s, vt = f64(m, r), f64(r), f64(r, n)
  ok(C.tide_svd(a._c, u._c, s._c, vt._c))
  return u, s, vt
end

-- The products a randomized SVD needs of a dense tensor or a CSR matrix M [n, d]:
-- A(Q) = M Q and At(Q) = M^T Q (swapped for the transposed problem).
local function products(M)
  if sparse.is_csr(M) then
    return function(Q) return M:matmul(Q) end, function(Q) return M:t_matmul(Q) end
  end
  local Mt = M:t()
  return function(Q) return M:matmul(Q) end, function(Q) return Mt:matmul(Q) end
end

local NORMALIZE = {
  LU = function(Q) ok(C.tide_lu_normalize(Q._c)) return Q end,
  QR = function(Q) ok(C.tide_orthonormalize(Q._c)) return Q end,
  none = function(Q) return Q end,
}

-- scikit-learn's randomized_svd(M, k, n_oversamples, n_iter, power_iteration_normalizer,
-- transpose = "auto", flip_sign = true): u [n, k], s [k], vt [k, d]. The sample size is
-- capped at min(n, d), beyond which extra columns add nothing to the range.
local function randomized_svd(M, k, n_oversamples, n_iter, normalizer, seed)
  local n, d = M.shape[1], M.shape[2]
  if n_iter == "auto" then n_iter = k < 0.1 * math.min(n, d) and 7 or 4 end
  if normalizer == "auto" then normalizer = n_iter <= 2 and "none" or "LU" end
  local A, At = products(M)
  local transpose = n < d
  if transpose then A, At, n, d = At, A, d, n end
  local l = math.min(k + n_oversamples, n, d)
  local Q = f64(d, l)
  ok(C.tide_gaussian_fill(Q._c, seed))
  local norm = NORMALIZE[normalizer]
  for _ = 1, n_iter do
    Q = norm(A(Q):contiguous())
    Q = norm(At(Q):contiguous())
  end
  Q = A(Q):contiguous()
  ok(C.tide_orthonormalize(Q._c))           -- [n, l]: an orthonormal basis of the range
  local Bm = At(Q):t():contiguous()         -- Q^T M [l, d]
  local uh, s, vt = svd(Bm)
  local u = Q:matmul(uh)            -- [n, l]
  -- the sign follows the original problem's U: u here, vt's rows when transposed
  ok(C.tide_svd_flip(transpose and nil or u._c, vt._c, transpose and 0 or 1))
  if transpose then
    return vt[{ { 1, k } }]:t():contiguous(), s[{ { 1, k } }]:contiguous(), u[{ {}, { 1, k } }]:t():contiguous()
  end
  return u[{ {}, { 1, k } }]:contiguous(), s[{ { 1, k } }]:contiguous(), vt[{ { 1, k } }]:contiguous()
end

-- (X - mean) @ V^T [n, k], centring X a block of rows at a time (no centred copy).
local function project(X, mean, V)
  local out = f64(X.shape[1], V.shape[1])
  ok(C.tide_pca_project(X._c, mean._c, V._c, out._c))
  return out
end

-- Sum of squares of a contiguous tensor (a BLAS dot of its flat view; no temporary).
local function sum_squares(t)
  local flat = t:reshape(t:numel())
  return flat:dot(flat):item()
end

-- ---------------------------------------------------------------- PCA

local function check_pca(self)
  local p, name = self.params, "PCA"
  local nc = p.n_components
  if not B.is_none(nc) and nc ~= "mle" then
    B.check_number(name, "n_components", nc, 0)
    if nc >= 1 and nc ~= math.floor(nc) then
      raise(format("%s: n_components must be an integer >= 1, a fraction in (0, 1), \"mle\" or None, got %s", name, tostring(nc)))
    end
  end
  B.check_bool(name, "copy", p.copy)
  B.check_bool(name, "whiten", p.whiten)
  if p.svd_solver == "arpack" then
    raise(name .. ": svd_solver \"arpack\" is not available in Tide; use \"randomized\" (or \"full\")")
  end
  B.check_one_of(name, "svd_solver", p.svd_solver, { "auto", "full", "covariance_eigh", "randomized" })
  B.check_number(name, "tol", p.tol, 0)
  if p.iterated_power ~= "auto" then B.check_int(name, "iterated_power", p.iterated_power, 0) end
  B.check_int(name, "n_oversamples", p.n_oversamples, 1)
  B.check_one_of(name, "power_iteration_normalizer", p.power_iteration_normalizer, { "auto", "QR", "LU", "none" })
end

local PCA = B.class("PCA", {
  n_components = B.NONE, copy = true, whiten = false, svd_solver = "auto", tol = 0.0,
  iterated_power = "auto", n_oversamples = 10, power_iteration_normalizer = "auto", random_state = B.NONE,
}, { kind = "transformer", check = check_pca })

local function pick_solver(solver, n, d, nc)
  if solver ~= "auto" then return solver end
  if d <= 1000 and n >= 10 * d then return "covariance_eigh" end
  if math.max(n, d) <= 500 or nc == "mle" then return "full" end
  if nc >= 1 and nc < 0.8 * math.min(n, d) then return "randomized" end
  return "full"
end

-- The number of components kept from a full spectrum: "mle", a variance fraction, or a count.
local function n_kept(op, nc, ratio, ev, n, d)
  if nc == "mle" then
    local r = C.tide_pca_mle_rank(ev:data_ptr(), ev:numel(), n)
    if r < 0 then core.raise_c() end
    return tonumber(r)
  elseif nc > 0 and nc < 1 then -- searchsorted(cumsum(ratio), nc, side = "right") + 1
    local cum, p = 0, ratio:data_ptr()
    for i = 0, ratio:numel() - 1 do
      cum = cum + p[i]
      if cum > nc then return i + 1 end
    end
    return ratio:numel()
  end
  return nc
end

-- Fit; returns the centred projections X_c V^T [n, k] when the solver had them for free.
function PCA:_fit(X)
  local op = "PCA.fit"
  local p = self.params
  X = B.features(op, X, { dtype = "float64" })
  local n, d = X.shape[1], X.shape[2]
  local r = math.min(n, d)
  local nc = p.n_components
  if B.is_none(nc) then nc = r end
  local solver = pick_solver(p.svd_solver, n, d, nc)
  if nc == "mle" then
    if solver == "randomized" then raise(op .. ": n_components=\"mle\" needs svd_solver \"full\" or \"covariance_eigh\"") end
    if n < d then raise(format("%s: n_components=\"mle\" is only supported if n_samples >= n_features (%d < %d)", op, n, d)) end
  elseif solver == "randomized" then
    if nc < 1 or nc > r then
      raise(format("%s: n_components=%s must be between 1 and min(n_samples, n_features)=%d with svd_solver='randomized'", op, tostring(nc), r))
    end
  elseif nc > r then
    raise(format("%s: n_components=%s must be between 0 and min(n_samples, n_features)=%d with svd_solver='%s'", op, tostring(nc), r, solver))
  end
  if n < 2 then raise(op .. ": PCA needs at least 2 samples to estimate variances") end
  local mean = X:mean(1)
  local s, vt, ev, total_var, u
  if solver == "randomized" then
    local Xc = X - mean
    local seed = B.seed(self)
    u, s, vt = randomized_svd(Xc, nc, p.n_oversamples, p.iterated_power, p.power_iteration_normalizer, seed)
    ev = s * s / (n - 1)
    total_var = sum_squares(Xc) / (n - 1)
  else
    if solver == "full" then
      u, s, vt = svd(X - mean)
      ok(C.tide_svd_flip(u._c, vt._c, 1))
    else -- covariance_eigh
      local scatter = f64(d, d)
      ok(C.tide_pca_scatter(X._c, mean._c, scatter._c))
      local w = f64(d)
      vt = f64(d, d)
      ok(C.tide_eigh(scatter._c, w._c, vt._c))
      s = w:clamp(0, math.huge):sqrt()
      if d > n then -- rank <= n: keep the n leading directions, as the SVD would
        s, vt = s[{ { 1, n } }]:contiguous(), vt[{ { 1, n } }]:contiguous()
      end
    end
    ev = s * s / (n - 1)
    total_var = ev:sum()
    local ratio = ev / total_var
    nc = n_kept(op, nc, ratio, ev, n, d)
    if solver == "covariance_eigh" and nc > 0 then -- signs from U's columns: (X - mean) V^T
      local head = vt[{ { 1, nc } }]:contiguous()
      u = project(X, mean, head)
      ok(C.tide_svd_flip(u._c, head._c, 1))
      vt[{ { 1, nc } }] = head
    end
  end
  local noise = 0
  if nc < r then
    if solver == "randomized" then
      noise = (total_var - ev:sum()) / (r - nc)
    else
      noise = ev[{ { nc + 1, ev:numel() } }]:mean()
    end
  end
  local keep = function(t) return nc > 0 and t[{ { 1, nc } }]:contiguous() or nil end
  self.state = {
    components_ = nc > 0 and vt[{ { 1, nc } }]:contiguous() or f64(0, d),
    explained_variance_ = keep(ev) or f64(0),
    explained_variance_ratio_ = keep(ev / total_var) or f64(0),
    singular_values_ = keep(s) or f64(0),
    mean_ = mean,
    noise_variance_ = noise,
    n_components_ = nc,
    n_samples_ = n,
    n_features_in_ = d,
    svd_solver_ = solver,
  }
  if u and nc > 0 then return u[{ {}, { 1, nc } }] end
  return nil
end

function PCA:fit(X)
  self:_fit(X)
  return self
end

local function whiten_scale(self)
  return self.state.explained_variance_:sqrt()
end

-- (X - mean_) @ components_^T, divided by sqrt(explained_variance_) when whiten.
function PCA:transform(X)
  local op = "PCA.transform"
  self:check_fitted("transform")
  X = B.features(op, X, { dtype = "float64", n_features = self.state.n_features_in_ })
  local Y = project(X, self.state.mean_, self.state.components_)
  if self.params.whiten then Y = Y / whiten_scale(self) end
  return Y
end

function PCA:fit_transform(X)
  local u = self:_fit(X)
  if u == nil then return self:transform(X) end
  local st = self.state
  if st.svd_solver_ == "covariance_eigh" then -- u already holds X_c V^T
    if self.params.whiten then return u / whiten_scale(self) end
    return u:contiguous()
  end
  -- full / randomized: U S (scikit-learn's fit_transform), or U sqrt(n - 1) when whitening
  if self.params.whiten then return u * math.sqrt(st.n_samples_ - 1) end
  return u * st.singular_values_
end

-- Y [n, k] -> X [n, d] = Y @ components_ + mean_ (undoing the whitening first).
function PCA:inverse_transform(Y)
  local op = "PCA.inverse_transform"
  self:check_fitted("inverse_transform")
  Y = B.features(op, Y, { dtype = "float64", n_features = self.state.n_components_, name = "PCA" })
  local V = self.state.components_
  if self.params.whiten then V = V * whiten_scale(self):reshape(V.shape[1], 1) end
  return Y:matmul(V) + self.state.mean_
end

-- The data covariance the model implies: components_^T diag(explained_variance_ -
-- noise_variance_) components_ + noise_variance_ I (scikit-learn's get_covariance).
function PCA:get_covariance()
  self:check_fitted("get_covariance")
  local st = self.state
  local V = st.components_
  local ev = st.explained_variance_
  if self.params.whiten then V = V * ev:sqrt():reshape(V.shape[1], 1) end
  local diff = (ev - st.noise_variance_):clamp(0, math.huge)
  local cov = (V:t() * diff):matmul(V)
  local d = V.shape[2]
  return cov + tensor.eye(d, "float64") * st.noise_variance_
end

-- A symmetric positive definite a [d, d] -> its inverse and log-determinant, through its
-- eigen-decomposition (-inf when it is not positive definite, as scikit-learn's fast_logdet).
local function sym_inverse(a)
  local d = a.shape[1]
  local w, vt = f64(d), f64(d, d)
  ok(C.tide_eigh(a._c, w._c, vt._c))
  local logdet = w:min() > 0 and w:log():sum() or -math.huge
  local inv = (vt:t() / w):matmul(vt)
  return inv, logdet
end

-- The precision matrix (inverse covariance) the model implies (scikit-learn's get_precision,
-- through the matrix inversion lemma).
function PCA:get_precision()
  self:check_fitted("get_precision")
  local st = self.state
  local d = st.n_features_in_
  local noise = st.noise_variance_
  if st.n_components_ == 0 then return tensor.eye(d, "float64") / noise end
  if noise == 0 then return (sym_inverse(self:get_covariance())) end
  local V, ev = st.components_, st.explained_variance_
  if self.params.whiten then V = V * ev:sqrt():reshape(V.shape[1], 1) end
  local diff = (ev - noise):clamp(0, math.huge)
  local k = V.shape[1]
  local inner = V:matmul(V:t()) / noise + tensor.eye(k, "float64") * (1 / diff):reshape(1, k)
  local prec = V:t():matmul((sym_inverse(inner)):matmul(V)) / -(noise * noise)
  return prec + tensor.eye(d, "float64") / noise
end

-- log det of the precision. The covariance V^T diag(ev - noise) V + noise I (V the components,
-- scaled by sqrt(ev) when whitening) has the eigenvalues (ev - noise) |v|^2 + noise and noise:
-- exact, where an eigen-decomposition of a precision whose eigenvalues span 1e-10 .. 1 loses
-- digits on the small ones.
local function precision_logdet(self, prec)
  local st = self.state
  local noise, k, d = st.noise_variance_, st.n_components_, st.n_features_in_
  if noise <= 0 or k == 0 then return select(2, sym_inverse(prec)) end
  local ev = st.explained_variance_
  local scale = self.params.whiten and ev or 1 -- |v|^2 of the (scaled) components
  local eig = (ev - noise):clamp(0, math.huge) * scale + noise
  return -(eig:log():sum() + (d - k) * math.log(noise))
end

-- Log-likelihood of each row under the model's Gaussian: float64 [n] (scikit-learn's score_samples).
function PCA:score_samples(X)
  local op = "PCA.score_samples"
  self:check_fitted("score_samples")
  X = B.features(op, X, { dtype = "float64", n_features = self.state.n_features_in_ })
  local d = X.shape[2]
  local Xr = X - self.state.mean_
  local prec = self:get_precision()
  local ll = (Xr * Xr:matmul(prec)):sum(2) * -0.5
  return ll - 0.5 * (d * math.log(2 * math.pi) - precision_logdet(self, prec))
end

-- The average log-likelihood of the rows (scikit-learn's PCA.score); y is ignored.
function PCA:score(X)
  return self:score_samples(X):mean()
end

-- ---------------------------------------------------------------- TruncatedSVD

local function check_tsvd(self)
  local p, name = self.params, "TruncatedSVD"
  B.check_int(name, "n_components", p.n_components, 1)
  if p.algorithm == "arpack" then
    raise(name .. ": algorithm \"arpack\" is not available in Tide; use \"randomized\"")
  end
  B.check_one_of(name, "algorithm", p.algorithm, { "randomized" })
  B.check_int(name, "n_iter", p.n_iter, 0)
  B.check_int(name, "n_oversamples", p.n_oversamples, 1)
  B.check_one_of(name, "power_iteration_normalizer", p.power_iteration_normalizer, { "auto", "QR", "LU", "none" })
  B.check_number(name, "tol", p.tol, 0)
end

local TruncatedSVD = B.class("TruncatedSVD", {
  n_components = 2, algorithm = "randomized", n_iter = 5, n_oversamples = 10,
  power_iteration_normalizer = "auto", random_state = B.NONE, tol = 0.0,
}, { kind = "transformer", check = check_tsvd })

local function tsvd_input(op, X, n_features)
  return B.features(op, X, { dtype = "float64", sparse = true, n_features = n_features, name = "TruncatedSVD" })
end

-- Total variance of the columns (population variance, summed over features).
local function total_variance(X)
  local n = X.shape[1]
  if sparse.is_csr(X) then
    local colsum = X:t_matmul(tensor.ones({ n, 1 }, "float64"))
    return sum_squares(X.data) / n - sum_squares(colsum) / (n * n)
  end
  return sum_squares(X - X:mean(1)) / n
end

function TruncatedSVD:fit_transform(X)
  local op = "TruncatedSVD.fit"
  local p = self.params
  X = tsvd_input(op, X)
  local n, d = X.shape[1], X.shape[2]
  if p.n_components > math.min(n, d) then
    raise(format("%s: n_components=%d must be <= min(n_samples, n_features)=%d", op, p.n_components, math.min(n, d)))
  end
  local u, s, vt = randomized_svd(X, p.n_components, p.n_oversamples, p.n_iter, p.power_iteration_normalizer, B.seed(self))
  local Xt = u * s
  local ev = ((Xt - Xt:mean(1)) ^ 2):mean(1)
  self.state = {
    components_ = vt,
    explained_variance_ = ev,
    explained_variance_ratio_ = ev / total_variance(X),
    singular_values_ = s,
    n_features_in_ = d,
  }
  return Xt
end

function TruncatedSVD:fit(X)
  self:fit_transform(X)
  return self
end

-- X @ components_^T: [n, n_components].
function TruncatedSVD:transform(X)
  self:check_fitted("transform")
  X = tsvd_input("TruncatedSVD.transform", X, self.state.n_features_in_)
  local Vt = self.state.components_:t():contiguous()
  if sparse.is_csr(X) then return X:matmul(Vt) end
  return X:matmul(Vt)
end

-- Y [n, n_components] -> Y @ components_ [n, d].
function TruncatedSVD:inverse_transform(Y)
  self:check_fitted("inverse_transform")
  Y = B.features("TruncatedSVD.inverse_transform", Y,
    { dtype = "float64", n_features = self.params.n_components, name = "TruncatedSVD" })
  return Y:matmul(self.state.components_)
end

return { PCA = PCA, TruncatedSVD = TruncatedSVD }
