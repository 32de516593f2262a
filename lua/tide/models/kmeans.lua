-- tide.models.KMeans: k-means clustering with scikit-learn's contract and semantics (KMeans of
-- scikit-learn 1.2, n_init = "auto" as in 1.4). The work is in C: greedy k-means++ or random
-- seeding (core/kmeans.c), then Lloyd's iteration (core/kmeans_lloyd.c: a fused OpenMP distance
-- kernel, with Elkan's / Hamerly's bounds skipping rows that cannot change cluster; the result
-- is the plain iteration's). Dense input is centred first (as scikit-learn does, for accurate distances);
-- float32 tensors stay float32, everything else runs in float64; CSR input (tide.sparse) works
-- on the sparse rows directly.
--
-- Cluster ids are 1-based in Lua: labels_ and predict give 1..n_clusters, the rows of
-- cluster_centers_ (scikit-learn's are 0-based).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local C = core.C
local raise, format = core.raise, string.format

local function check(self)
  local p, name = self.params, "KMeans"
  B.check_int(name, "n_clusters", p.n_clusters, 1)
  if type(p.init) == "string" then
    B.check_one_of(name, "init", p.init, { "k-means++", "random" })
  elseif tensor.is_tensor(p.init) then
    if p.init:dim() ~= 2 then raise(name .. ": init as an array must be 2-d [n_clusters, n_features]") end
    p.init = p.init:to("float64"):totable() -- parameters stay JSON-able (save)
  elseif type(p.init) ~= "table" or type(p.init[1]) ~= "table" then
    raise(name .. ": init must be \"k-means++\", \"random\" or an array [n_clusters, n_features] of initial centres")
  end
  if p.n_init ~= "auto" then B.check_int(name, "n_init", p.n_init, 1) end
  B.check_int(name, "max_iter", p.max_iter, 1)
  B.check_number(name, "tol", p.tol, 0)
  B.check_int(name, "verbose", p.verbose, 0)
  B.check_bool(name, "copy_x", p.copy_x)
  B.check_one_of(name, "algorithm", p.algorithm, { "lloyd", "elkan" })
end

local KMeans = B.class("KMeans", {
  n_clusters = 8, init = "k-means++", n_init = "auto", max_iter = 300, tol = 1e-4, verbose = 0,
  random_state = B.NONE, copy_x = true, algorithm = "lloyd",
}, { kind = "clusterer", check = check })

-- X -> (dense tensor or nil, CSR or nil, the C view of the CSR). Float32 tensors stay float32
-- (scikit-learn keeps float32 too), any other input becomes float64; dtype forces one.
local function input(op, X, n_features, dtype)
  if dtype == nil then dtype = tensor.is_tensor(X) and X.dtype == "float32" and "float32" or "float64" end
  X = B.features(op, X, { dtype = dtype, sparse = true, n_features = n_features, name = "KMeans" })
  if sparse.is_csr(X) then return nil, X, X:c() end
  return X, nil, nil
end

local function ok(status) if status ~= 0 then core.raise_c() end end

local function weights_ptr(w) return w and w:data_ptr() or nil end

-- Mean feature variance of the data (scikit-learn's _tolerance scales tol by it). Dense data
-- arrive centred: the mean squared row norm over d.
local function mean_variance(Xd, Xs, x_sq, n, d)
  local total = x_sq:sum() / n
  if Xs then
    local colsum = Xs:t_matmul(tensor.ones({ n, 1 }, "float64"))
    total = total - (colsum * colsum):sum() / (n * n)
  end
  return total / d
end

function KMeans:fit(X, y, opts)
  local op = "KMeans.fit"
  local p = self.params
  local Xd, Xs, xs = input(op, X)
  local Xt = Xd or Xs
  local n, d = Xt.shape[1], Xt.shape[2]
  local k = p.n_clusters
  if n < k then
    raise(format("%s: n_samples=%d should be >= n_clusters=%d (k is larger than the number of samples)", op, n, k))
  end
  local w = B.sample_weight(op, opts and opts.sample_weight, n)
  local dtype = Xd and Xd.dtype or "float64"

  local mean
  if Xd then -- centre a copy (copy_x = false would centre the caller's data in place; a copy is always made here)
    mean = Xd:mean(1)
    Xd = Xd - mean
  end
  local x_sq = tensor.empty({ n }, "float64")
  ok(C.tide_kmeans_row_norms(Xd and Xd._c or nil, xs, x_sq:data_ptr()))
  local tol = p.tol == 0 and 0 or mean_variance(Xd, Xs, x_sq, n, d) * p.tol

  local init_array
  if type(p.init) == "table" then
    local built
    built, init_array = pcall(tensor.tensor, p.init, "float64")
    if not built then raise(op .. ": init must be an array of rows of numbers [n_clusters, n_features]") end
    if init_array:dim() ~= 2 or init_array.shape[1] ~= k or init_array.shape[2] ~= d then
      raise(format("%s: init has shape [%s], but it must be [n_clusters=%d, n_features=%d]", op,
        table.concat(init_array.shape, ", "), k, d))
    end
    if not init_array:isfinite():all() then raise(op .. ": init contains NaN or infinity") end
    if mean then init_array = init_array - mean:to("float64") end
    init_array = init_array:to(dtype):contiguous()
  end
  local n_init = p.n_init
  if n_init == "auto" then n_init = p.init == "k-means++" and 1 or 10 end
  if init_array then n_init = 1 end

  local seed = B.seed(self)
  local best
  local inertia, n_iter = ffi.new("double[1]"), ffi.new("int64_t[1]")
  local trials = 2 + math.floor(math.log(k))
  for run = 0, n_init - 1 do
    local centers
    if init_array then
      centers = init_array:clone()
    else
      centers = tensor.empty({ k, d }, dtype)
      if p.init == "k-means++" then
        ok(C.tide_kmeans_plusplus(Xd and Xd._c or nil, xs, x_sq:data_ptr(), centers._c, nil, trials, seed + run))
      else
        ok(C.tide_kmeans_random(Xd and Xd._c or nil, xs, centers._c, nil, seed + run))
      end
    end
    local labels = tensor.empty({ n }, "int64")
    ok(C.tide_kmeans_lloyd(Xd and Xd._c or nil, xs, weights_ptr(w), centers._c, labels._c, inertia, n_iter,
      p.max_iter, tol))
    local run_inertia = inertia[0]
    if p.verbose > 0 then
      io.stderr:write(format("KMeans: init %d of %d: inertia %.6g after %d iterations\n", run + 1, n_init,
        run_inertia, tonumber(n_iter[0])))
    end
    -- scikit-learn's rule: a better inertia that is not the same partition relabelled
    if best == nil or (run_inertia < best.inertia
        and C.tide_kmeans_same_clustering(labels._c, best.labels._c, k) == 0) then
      best = { centers = centers, labels = labels, inertia = run_inertia, n_iter = tonumber(n_iter[0]) }
    end
  end
  if mean then best.centers:add_(mean) end
  self.state = {
    cluster_centers_ = best.centers,
    labels_ = best.labels:add_(1),
    inertia_ = best.inertia,
    n_iter_ = best.n_iter,
    n_features_in_ = d,
  }
  return self
end

function KMeans:_centers_for(Xd)
  local c = self.state.cluster_centers_
  local want = Xd and Xd.dtype or "float64"
  if c.dtype ~= want then c = c:to(want) end
  return c:contiguous()
end

-- Input at predict time in the dtype of the fitted centres (float64 for CSR).
function KMeans:_input(op, X)
  self:check_fitted(op:match("%.(.*)$"))
  local c = self.state.cluster_centers_
  return input(op, X, self.state.n_features_in_, not sparse.is_csr(X) and c.dtype or nil)
end

-- The nearest centre of each row: int64 [n] of 1-based cluster ids.
function KMeans:predict(X)
  local Xd, Xs, xs = self:_input("KMeans.predict", X)
  local n = (Xd or Xs).shape[1]
  local labels = tensor.empty({ n }, "int64")
  ok(C.tide_kmeans_predict(Xd and Xd._c or nil, xs, nil, self:_centers_for(Xd)._c, labels._c, nil))
  return labels:add_(1)
end

-- Distances to every centre: float64 [n, n_clusters].
function KMeans:transform(X)
  local Xd, Xs, xs = self:_input("KMeans.transform", X)
  local n = (Xd or Xs).shape[1]
  local out = tensor.empty({ n, self.params.n_clusters }, "float64")
  ok(C.tide_kmeans_transform(Xd and Xd._c or nil, xs, self:_centers_for(Xd)._c, out._c))
  return out
end

function KMeans:fit_transform(X, y, opts)
  return self:fit(X, y, opts):transform(X)
end

-- Opposite of the inertia of X under the fitted centres (scikit-learn's KMeans.score); y is
-- ignored; opts.sample_weight weighs the rows.
function KMeans:score(X, y, opts)
  local Xd, Xs, xs = self:_input("KMeans.score", X)
  local n = (Xd or Xs).shape[1]
  local w = B.sample_weight("KMeans.score", opts and opts.sample_weight, n)
  local inertia = ffi.new("double[1]")
  ok(C.tide_kmeans_predict(Xd and Xd._c or nil, xs, weights_ptr(w), self:_centers_for(Xd)._c, nil, inertia))
  return -inertia[0]
end

return { KMeans = KMeans }
