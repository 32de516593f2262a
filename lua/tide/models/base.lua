-- tide.models.base: what every classical estimator shares — scikit-learn's contract (DESIGN.md
-- rule 7): the constructor takes hyper-parameters only, fit returns self, get_params /
-- set_params / clone for tuners, score, and save / load of a fitted model.
--
-- Everything an estimator learns lives in self.state, under scikit-learn's attribute names
-- (coef_, classes_, ...); model.coef_ reads self.state.coef_. save() writes one safetensors file:
-- each tensor of the state as a tensor named "state.<path>", everything else as JSON in the
-- metadata entry "tide.model" ({format, class, params, state} with {["$tensor"] = name} where a
-- tensor was). Any safetensors reader sees the arrays; tide.models.load rebuilds the estimator.
--
-- Input checks shared by the estimators (features, class labels, targets, weights) raise errors
-- that name the operation: "LogisticRegression.fit: X contains NaN or infinity".
local core = require("tide._core")
local tensor = require("tide.tensor")
local json = require("tide.io.json")
local raise = core.raise
local format = string.format

local B = {}
B.NONE = json.null -- Python's None in a parameter table (nil cannot be stored in a table)
B.registry = {}    -- class name -> class (filled as classes are defined)

local FORMAT = 1   -- version of the saved layout

local function is_none(v) return v == nil or v == B.NONE end
B.is_none = is_none

local deep_copy = require("tide.preprocess.base").deep_copy -- tables copied, tensors shared
B.deep_copy = deep_copy

local function value_str(v)
  if v == B.NONE then return "None" end
  if type(v) == "string" then return format("%q", v) end
  if type(v) == "table" and not tensor.is_tensor(v) then
    local ok, s = pcall(json.encode, v, "params", "value")
    return ok and s or tostring(v)
  end
  return tostring(v)
end

-- "C=0.5, max_iter=100": parameters that differ from the defaults, sorted (scikit-learn's repr)
local function params_str(params, defaults)
  local keys = {}
  for k, v in pairs(params) do
    if defaults[k] == nil or value_str(defaults[k]) ~= value_str(v) then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = k .. "=" .. value_str(params[k]) end
  return table.concat(keys, ", ")
end

-- ---------------------------------------------------------------- classes
local Estimator = {}
B.Estimator = Estimator

local KINDS = { classifier = true, regressor = true, transformer = true, clusterer = true }

-- B.class(name, defaults, {kind =, check =}) -> cls. cls{...} or cls.new{...} makes one.
-- Methods and fields of the class come first; then names ending in "_" read self.state.
function B.class(name, defaults, opts)
  opts = opts or {}
  if not KINDS[opts.kind] then error("models.base.class: kind must be classifier, regressor, transformer or clusterer") end
  local cls = setmetatable({}, { __index = Estimator, __call = function(c, params) return c.new(params) end })
  cls._name, cls._defaults, cls._check, cls._kind = name, defaults, opts.check, opts.kind
  cls.__index = function(self, k)
    local v = cls[k]
    if v ~= nil then return v end
    if type(k) == "string" and k:sub(-1) == "_" then
      local state = rawget(self, "state")
      if state then return state[k] end
    end
    return nil
  end
  cls.__tostring = function(self) return name .. "(" .. params_str(self.params, defaults) .. ")" end
  function cls.new(params)
    local self = setmetatable({ params = {} }, cls)
    for k, v in pairs(defaults) do self.params[k] = deep_copy(v) end
    self:set_params(params or {})
    return self
  end
  B.registry[name] = cls
  return cls
end

function Estimator:get_params() return deep_copy(self.params) end

Estimator.set_params = require("tide._args").set_params

-- An unfitted estimator with the same parameters (scikit-learn's clone).
function Estimator:clone()
  return self.new(deep_copy(self.params))
end

function Estimator:is_fitted() return rawget(self, "state") ~= nil end

function Estimator:check_fitted(op)
  if rawget(self, "state") == nil then
    raise(format("%s.%s: this %s is not fitted yet; call fit first", self._name, op, self._name))
  end
end

function Estimator:fit_transform(X, y, opts)
  self:fit(X, y, opts)
  return self:transform(X)
end

function Estimator:fit_predict(X, y, opts)
  self:fit(X, y, opts)
  if self._kind == "clusterer" and rawget(self, "state") and self.state.labels_ ~= nil then
    return self.state.labels_
  end
  return self:predict(X)
end

-- Mean accuracy (classifiers) or R² (regressors) of predict(X) against y.
function Estimator:score(X, y, opts)
  local op = self._name .. ".score"
  self:check_fitted("score")
  local sample_weight = opts and opts.sample_weight
  local pred = self:predict(X)
  local metrics = require("tide.metrics")
  if self._kind == "classifier" then
    return metrics.accuracy(y, pred, sample_weight and { sample_weight = sample_weight } or nil)
  elseif self._kind == "regressor" then
    local n = tensor.is_tensor(pred) and pred.shape[1] or #pred
    local yt = B.targets(op, y, n)
    local w = B.sample_weight(op, sample_weight, n)
    return B.r2(yt, pred:to("float64"), w)
  end
  raise(op .. ": " .. self._name .. " has no score")
end

-- R² of float64 vectors (weights optional): 1 - SS_res / SS_tot; 1 when both are 0, 0 when only
-- SS_tot is 0 (scikit-learn's r2_score conventions).
function B.r2(y, pred, w)
  local res, dev
  if w then
    local mean = (y * w):sum() / w:sum()
    res = (w * (y - pred) ^ 2):sum()
    dev = (w * (y - mean) ^ 2):sum()
  else
    res = ((y - pred) ^ 2):sum()
    dev = ((y - y:mean()) ^ 2):sum()
  end
  if dev == 0 then return res == 0 and 1 or 0 end
  return 1 - res / dev
end

-- ---------------------------------------------------------------- save / load
-- state -> (JSON-able copy with tensor references, list of {name, tensor}); tensors are named
-- prefix .. their path ("state." by default)
local function split_state(op, state, prefix)
  prefix = prefix or "state."
  local tensors, seen = {}, {}
  local function walk(v, path)
    if tensor.is_tensor(v) then
      local name = prefix .. path
      tensors[#tensors + 1] = { name, v:is_contiguous() and v or v:contiguous() }
      return { ["$tensor"] = name }
    elseif type(v) == "table" and v ~= B.NONE then
      if seen[v] then raise(format("%s: the fitted state has a cycle at %s", op, path)) end
      seen[v] = true
      local c = {}
      for k, x in pairs(v) do
        if type(k) ~= "string" and type(k) ~= "number" then raise(format("%s: state key of type %s at %s", op, type(k), path)) end
        c[k] = walk(x, path == "" and tostring(k) or (path .. "." .. tostring(k)))
      end
      seen[v] = nil
      return c
    elseif type(v) == "function" or type(v) == "userdata" or type(v) == "cdata" then
      if v == B.NONE then return v end
      raise(format("%s: the fitted state holds a %s at %s; keep only numbers, strings, tables and tensors", op, type(v), path))
    end
    return v
  end
  local plain = {}
  for k, v in pairs(state) do plain[k] = walk(v, tostring(k)) end
  return plain, tensors
end

local function join_state(op, plain, tensors)
  local function walk(v)
    if type(v) == "table" then
      local ref = v["$tensor"]
      if ref ~= nil then
        local t = tensors[ref]
        if t == nil then raise(format("%s: the file has no tensor '%s'", op, tostring(ref))) end
        return t
      end
      for k, x in pairs(v) do v[k] = walk(x) end
    end
    return v
  end
  return walk(plain)
end

B.split_state = split_state

function Estimator:to_table()
  self:check_fitted("save")
  local plain, tensors = split_state(self._name .. ".save", self.state)
  return { format = FORMAT, class = self._name, params = self.params, state = plain }, tensors
end

function Estimator:save(path)
  local op = self._name .. ".save"
  local t, tensors = self:to_table()
  local meta = { ["tide.model"] = json.encode(t, op, "model") }
  require("tide.io.safetensors").save(path, tensors, meta, op)
  return self
end

-- Rebuild from the decoded description and its tensors.
function B.from_table(t, tensors, op)
  op = op or "tide.models.load"
  if type(t) ~= "table" or type(t.class) ~= "string" then raise(op .. ": not a saved Tide model") end
  if type(t.format) ~= "number" or t.format > FORMAT then
    raise(format("%s: saved with a newer model format (%s); this Tide reads format %d", op, tostring(t.format), FORMAT))
  end
  local cls = B.registry[t.class] or require("tide.models").class_of(t.class)
  if not cls then raise(op .. ": unknown model class '" .. t.class .. "'") end
  if cls.from_saved then return cls.from_saved(t, tensors or {}, op) end -- composites (Pipeline)
  local self = cls.new(t.params or {})
  self.state = join_state(op, t.state or {}, tensors or {})
  if self._after_load then self:_after_load() end
  return self
end

function B.load(path)
  local op = "tide.models.load"
  local tensors, meta = require("tide.io.safetensors").load(path, op)
  local text = meta["tide.model"]
  if text == nil then raise(format("%s: %s is a safetensors file without a Tide model (no 'tide.model' metadata)", op, tostring(path))) end
  return B.from_table(json.decode(text, op, "model"), tensors, op)
end

-- ---------------------------------------------------------------- inputs
local NUMERIC = { float32 = true, float64 = true, int8 = true, uint8 = true, int16 = true, int32 = true,
  int64 = true, bool = true }

local function sparse_mod() return require("tide.sparse") end

-- X -> contiguous tensor [n, d] of opts.dtype (default float64), or the CSR when opts.sparse.
-- opts.n_features: the count seen in fit (predict-time check); opts.allow_nonfinite skips the
-- NaN / infinity check; opts.name names the model in messages.
function B.features(op, X, opts)
  opts = opts or {}
  local dtype = opts.dtype or "float64"
  local model = opts.name or op:match("^([^.:]+)") or op
  if type(X) == "table" and not tensor.is_tensor(X) and not (package.loaded["tide.sparse"] and sparse_mod().is_csr(X)) then
    if #X == 0 then raise(op .. ": empty input: X has no rows") end
    if type(X[1]) ~= "table" then raise(op .. ": X must be 2-d: a tensor [n, d] or a Lua array of rows") end
    local ok, t = pcall(tensor.tensor, X, "float64")
    if not ok then raise(op .. ": X as a Lua array of rows must hold numbers in rows of equal length") end
    X = t
  end
  local n, d
  if tensor.is_tensor(X) then
    if X:dim() ~= 2 then raise(format("%s: X must be a 2-d tensor [n, d], got %d dims", op, X:dim())) end
    if not NUMERIC[X.dtype] then raise(format("%s: X has dtype %s; expected a numeric tensor", op, X.dtype)) end
    n, d = X.shape[1], X.shape[2]
  elseif type(X) == "table" and sparse_mod().is_csr(X) then
    if not opts.sparse then
      raise(format("%s: %s does not accept sparse input; use X:to_dense()", op, model))
    end
    n, d = X.shape[1], X.shape[2]
  else
    raise(format("%s: X must be a tensor [n, d]%s, got %s", op, opts.sparse and " or a tide.sparse CSR matrix" or "", type(X)))
  end
  if n == 0 then raise(op .. ": empty input: X has no rows") end
  if d == 0 then raise(op .. ": empty input: X has no columns") end
  if opts.n_features and d ~= opts.n_features then
    raise(format("%s: X has %d features, but %s was fitted with %d features", op, d, model, opts.n_features))
  end
  if tensor.is_tensor(X) then
    if X.dtype ~= dtype then X = X:to(dtype) end
    if not X:is_contiguous() then X = X:contiguous() end
    if not opts.allow_nonfinite and (X.dtype == "float32" or X.dtype == "float64") and not X:isfinite():all() then
      raise(op .. ": X contains NaN or infinity")
    end
  elseif not opts.allow_nonfinite and not X.data:isfinite():all() then
    raise(op .. ": X contains NaN or infinity")
  end
  return X
end

-- y (tensor or Lua array) -> its length and an accessor, checking it is 1-d of length n.
local function vector_len(op, what, y, n)
  local len
  if tensor.is_tensor(y) then
    if y:dim() == 2 and y.shape[2] == 1 then y = y:reshape(y.shape[1]) end
    if y:dim() ~= 1 then raise(format("%s: %s must be 1-d, got a tensor of %d dims", op, what, y:dim())) end
    len = y.shape[1]
  elseif type(y) == "table" then
    len = #y
  else
    raise(format("%s: %s must be a tensor or a Lua array, got %s", op, what, type(y)))
  end
  if len == 0 then raise(format("%s: empty input: %s has no values", op, what)) end
  if n and len ~= n then raise(format("%s: %s has %d values but X has %d rows", op, what, len, n)) end
  return y, len
end

-- Class labels -> codes (int64 tensor [n] of 0-based indices into classes), classes (sorted Lua
-- array of the distinct labels: numbers or strings). Fewer than two classes is an error unless
-- opts.allow_single.
function B.encode_labels(op, y, n, opts)
  local len
  y, len = vector_len(op, "y", y, n)
  local codes = tensor.empty({ len }, "int64")
  local cp = codes:data_ptr()
  local classes, index = {}, {}
  if tensor.is_tensor(y) then
    if not NUMERIC[y.dtype] then raise(format("%s: y has dtype %s; expected class labels", op, y.dtype)) end
    local yd = y:to("float64"):contiguous()
    if not yd:isfinite():all() then raise(op .. ": y contains NaN or infinity") end
    local uniq = yd:unique()
    local up = uniq:contiguous():data_ptr()
    for i = 0, uniq:numel() - 1 do
      local v = up[i]
      if y.dtype ~= "float32" and y.dtype ~= "float64" then v = math.floor(v) end
      classes[i + 1] = v
      index[v] = i
    end
    local p = yd:data_ptr()
    for i = 0, len - 1 do cp[i] = index[p[i]] end
  else
    local kind
    for i = 1, len do
      local v = y[i]
      local tv = type(v)
      if tv == "boolean" then v = v and 1 or 0; tv = "number" end
      if tv ~= "number" and tv ~= "string" then raise(format("%s: y[%d] is a %s; labels must be numbers or strings", op, i, tv)) end
      if kind == nil then kind = tv elseif kind ~= tv then raise(format("%s: y mixes numbers and strings (y[%d] is a %s)", op, i, tv)) end
      if tv == "number" and v ~= v then raise(format("%s: y[%d] is NaN", op, i)) end
      if index[v] == nil then index[v] = true; classes[#classes + 1] = v end
    end
    table.sort(classes)
    for i, v in ipairs(classes) do index[v] = i - 1 end
    for i = 1, len do
      local v = y[i]
      if type(v) == "boolean" then v = v and 1 or 0 end
      cp[i - 1] = index[v]
    end
  end
  if #classes < 2 and not (opts and opts.allow_single) then
    raise(format("%s: needs samples of at least 2 classes in the data, but the data contains only one class: %s",
      op, tostring(classes[1])))
  end
  return codes, classes
end

-- 0-based class indices (int64 tensor) -> labels: int64 tensor when every class is an integer,
-- float64 when numbers, a Lua array of strings when strings.
function B.decode_labels(classes, idx)
  local n = idx:numel()
  local ip = idx:contiguous():to("int64"):data_ptr()
  if type(classes[1]) == "string" then
    local out = {}
    for i = 0, n - 1 do out[i + 1] = classes[tonumber(ip[i]) + 1] end
    return out
  end
  local all_int = true
  for _, c in ipairs(classes) do
    if c ~= math.floor(c) or math.abs(c) >= 2 ^ 53 then all_int = false break end
  end
  local lut = tensor.tensor(classes, all_int and "int64" or "float64")
  return lut:index_select(1, idx:to("int64"):reshape(n) + 1)
end

-- Regression targets -> contiguous float64 [n]
function B.targets(op, y, n)
  local len
  y, len = vector_len(op, "y", y, n)
  local t
  if tensor.is_tensor(y) then
    if not NUMERIC[y.dtype] then raise(format("%s: y has dtype %s; expected numbers", op, y.dtype)) end
    t = y:to("float64"):contiguous()
  else
    for i = 1, len do
      if type(y[i]) ~= "number" then
        raise(format("%s: y[%d] is a %s; a regressor needs numeric targets", op, i, type(y[i])))
      end
    end
    t = tensor.tensor(y, "float64")
  end
  if not t:isfinite():all() then raise(op .. ": y contains NaN or infinity") end
  return t
end

-- sample_weight -> contiguous float64 [n], or nil when not given
function B.sample_weight(op, w, n)
  if is_none(w) then return nil end
  local len
  w, len = vector_len(op, "sample_weight", w, n)
  local t = tensor.is_tensor(w) and w:to("float64"):contiguous() or tensor.tensor(w, "float64")
  if not t:isfinite():all() then raise(op .. ": sample_weight contains NaN or infinity") end
  if t:min() < 0 then raise(op .. ": sample_weight must be non-negative") end
  if t:sum() <= 0 then raise(op .. ": sample_weight sums to zero") end
  return t
end

-- Per-class weights (float64 [k]) for class_weight = nil | "balanced" | {label = weight}.
-- "balanced": n / (k * count(class)), as scikit-learn's compute_class_weight.
function B.class_weight(op, cw, codes, classes)
  local k = #classes
  local w = tensor.ones({ k }, "float64")
  if is_none(cw) then return w end
  local wp = w:data_ptr()
  if cw == "balanced" then
    local cnt, cp, n = {}, codes:contiguous():data_ptr(), codes:numel()
    for i = 1, k do cnt[i] = 0 end
    for i = 0, n - 1 do local c = tonumber(cp[i]) + 1; cnt[c] = cnt[c] + 1 end
    for i = 1, k do wp[i - 1] = cnt[i] > 0 and n / (k * cnt[i]) or 1 end
    return w
  end
  if type(cw) ~= "table" then raise(op .. ": class_weight must be nil, \"balanced\" or a table {label = weight}") end
  local pos = {}
  for i, c in ipairs(classes) do pos[c] = i - 1 end
  for label, v in pairs(cw) do
    if pos[label] == nil then raise(format("%s: class_weight names the label %s, which is not in y", op, tostring(label))) end
    if type(v) ~= "number" or v < 0 or v ~= v then raise(format("%s: class_weight[%s] must be a non-negative number", op, tostring(label))) end
    wp[pos[label]] = v
  end
  return w
end

-- The seed for this fit: random_state when given, else a draw from Tide's global generator
-- (so tide.manual_seed makes a run repeatable).
function B.seed(self)
  local rs = self.params.random_state
  if not is_none(rs) then
    if type(rs) ~= "number" or rs ~= math.floor(rs) or rs < 0 then
      raise(format("%s: random_state must be a non-negative integer or None, got %s", self._name, tostring(rs)))
    end
    return rs
  end
  return tensor.randint(0, 2 ^ 31 - 1, { 1 }):item()
end

-- ---------------------------------------------------------------- warnings
-- B.warn(message): a warning on stderr (convergence and the like), as Python's default filter
-- shows it: each distinct message once per process. tide.models.warnings(false) silences them,
-- tide.models.warnings(true) turns them back on (and shows repeats again); the environment
-- variable TIDE_WARNINGS=0 starts silenced.
local warn_on, warned = os.getenv("TIDE_WARNINGS") ~= "0", {}
function B.warn(message)
  if not warn_on or warned[message] then return end
  warned[message] = true
  io.stderr:write(message, "\n")
end

function B.warnings(on)
  if on ~= nil then
    warn_on = on and true or false
    warned = {}
  end
  return warn_on
end

-- ---------------------------------------------------------------- parameter checks
function B.check_number(name, what, v, lo, hi, open_lo)
  if type(v) ~= "number" or v ~= v then raise(format("%s: %s must be a number, got %s", name, what, value_str(v))) end
  if lo and (v < lo or (open_lo and v == lo)) then
    raise(format("%s: %s must be %s %s, got %s", name, what, open_lo and ">" or ">=", tostring(lo), tostring(v)))
  end
  if hi and v > hi then raise(format("%s: %s must be <= %s, got %s", name, what, tostring(hi), tostring(v))) end
end

function B.check_int(name, what, v, lo)
  if type(v) ~= "number" or v ~= math.floor(v) then raise(format("%s: %s must be an integer, got %s", name, what, value_str(v))) end
  if lo and v < lo then raise(format("%s: %s must be >= %d, got %d", name, what, lo, v)) end
end

function B.check_one_of(name, what, v, allowed)
  for _, a in ipairs(allowed) do if v == a then return end end
  local names = {}
  for i, a in ipairs(allowed) do names[i] = value_str(a) end
  raise(format("%s: %s must be one of %s, got %s", name, what, table.concat(names, ", "), value_str(v)))
end

function B.check_bool(name, what, v)
  if type(v) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", name, what, value_str(v))) end
end

return B
