-- What every feature selector shares (scikit-learn's SelectorMixin): fitted state support_ (a
-- Lua array of booleans, one per input feature); transform keeps the selected columns (dense or
-- CSR), get_support, get_feature_names_out, inverse_transform (zeros where a feature was dropped).
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.models.base")
local raise = core.raise
local format = string.format

local S = {}

-- selected positions, 1-based, as a Lua array
function S.indices(support)
  local idx = {}
  for j, keep in ipairs(support) do if keep then idx[#idx + 1] = j end end
  return idx
end

-- the columns idx of X (dense tensor or CSR)
function S.columns(X, idx)
  if sparse.is_csr(X) then return X:t():rows(idx):t() end
  return X:index_select(2, tensor.tensor(idx, "int64"))
end

-- add the selector methods to cls; opts.sparse: transform accepts CSR
function S.install(cls, opts)
  local name = cls._name
  function cls:get_support(indices)
    self:check_fitted("get_support")
    if indices then return S.indices(self.state.support_) end
    local out = {}
    for j, v in ipairs(self.state.support_) do out[j] = v end
    return out
  end

  function cls:transform(X)
    local op = name .. ".transform"
    self:check_fitted("transform")
    X = B.features(op, X, { sparse = opts and opts.sparse, n_features = self.state.n_features_in_,
      allow_nonfinite = opts and opts.allow_nonfinite })
    local idx = S.indices(self.state.support_)
    if #idx == 0 then raise(op .. ": no feature is selected") end
    return S.columns(X, idx)
  end

  function cls:inverse_transform(Xs)
    local op = name .. ".inverse_transform"
    self:check_fitted("inverse_transform")
    local idx = S.indices(self.state.support_)
    Xs = B.features(op, Xs, { n_features = #idx, allow_nonfinite = true })
    local out = tensor.zeros({ Xs.shape[1], #self.state.support_ }, "float64")
    out:index_add_(2, tensor.tensor(idx, "int64"), Xs)
    return out
  end

  function cls:get_feature_names_out(names)
    self:check_fitted("get_feature_names_out")
    local d = #self.state.support_
    if names == nil then
      names = {}
      for j = 1, d do names[j] = "x" .. (j - 1) end
    elseif #names ~= d then
      raise(format("%s.get_feature_names_out: %d names for %d features", name, #names, d))
    end
    local out = {}
    for _, j in ipairs(S.indices(self.state.support_)) do out[#out + 1] = names[j] end
    return out
  end
end

-- per-column min and max of a CSR matrix (implicit zeros count): float64 tensors [d]
function S.csr_column_range(X)
  local n, d = X.shape[1], X.shape[2]
  local T = X:t() -- rows of T are the columns of X
  local lo, hi = tensor.zeros({ d }, "float64"), tensor.zeros({ d }, "float64")
  local lp, hp = lo:data_ptr(), hi:data_ptr()
  local ip, vp = T.indptr:data_ptr(), T.data:data_ptr()
  for j = 0, d - 1 do
    local b, e = tonumber(ip[j]), tonumber(ip[j + 1])
    local mn, mx = math.huge, -math.huge
    for p = b, e - 1 do
      local v = vp[p]
      if v < mn then mn = v end
      if v > mx then mx = v end
    end
    if e - b < n then mn, mx = math.min(mn, 0), math.max(mx, 0) end
    lp[j], hp[j] = mn, mx
  end
  return lo, hi
end

-- Lua array of booleans from a mask tensor
function S.mask_list(mask)
  local out, p = {}, mask:contiguous():to("uint8"):data_ptr()
  for j = 0, mask:numel() - 1 do out[j + 1] = p[j] ~= 0 end
  return out
end

-- A Lua array of numbers from a float tensor
function S.list(t)
  local out, p = {}, t:contiguous():to("float64"):data_ptr()
  for j = 0, t:numel() - 1 do out[j + 1] = p[j] end
  return out
end

return S
