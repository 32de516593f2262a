-- tide.preprocess.base: what every transformer shares — scikit-learn's estimator contract
-- (constructor takes hyper-parameters only, fit returns self, transform, fit_transform,
-- get_params / set_params), input checks naming the operation, per-column statistics from C
-- (core/preprocess.c) and JSON save / load of a fitted transformer (tide.io.json: exact numbers).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local json = require("tide.io.json")
local C = core.C
local raise = core.raise

local B = {}
B.registry = {}  -- class name -> class, for from_json

local Base = {}
Base.__index = Base
B.Base = Base

-- B.class("StandardScaler", {with_mean = true, ...}, check) -> class; cls(params) makes one.
-- check(self) validates self.params (called by the constructor and set_params).
function B.class(name, defaults, check)
  local cls = setmetatable({}, { __index = Base, __call = function(c, params) return c.new(params) end })
  cls.__index = cls
  cls._name, cls._defaults, cls._check = name, defaults, check
  cls.__tostring = function(self) return name .. "(" .. B.params_str(self.params) .. ")" end
  function cls.new(params)
    local self = setmetatable({ params = {} }, cls)
    for k, v in pairs(defaults) do self.params[k] = v end
    self:set_params(params or {})
    return self
  end
  B.registry[name] = cls
  return cls
end

function B.params_str(p)
  local keys = {}
  for k in pairs(p) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = p[k]
    if type(v) == "table" then v = json.encode(v, "params", k) end
    parts[#parts + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(parts, ", ")
end

local function deep_copy(v)
  if type(v) ~= "table" or tensor.is_tensor(v) then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = deep_copy(x) end
  return c
end
B.deep_copy = deep_copy

function Base:get_params() return deep_copy(self.params) end

Base.set_params = require("tide._args").set_params

-- An unfitted copy with the same parameters (scikit-learn's clone), for cross-validation.
function Base:clone()
  return getmetatable(self).new(deep_copy(self.params))
end

function Base:fit_transform(X, y)
  self:fit(X, y)
  return self:transform(X)
end

function Base:is_fitted() return self.state ~= nil end

function Base:check_fitted(op)
  if self.state == nil then
    raise(string.format("%s.%s: this %s is not fitted yet; call fit first", self._name, op, self._name))
  end
end

-- The fitted transformer as a JSON text; B.from_json rebuilds it (same output).
function Base:to_table()
  return { class = self._name, params = self.params, state = self.state }
end

function Base:to_json()
  return json.encode(self:to_table(), "to_json", self._name)
end

function Base:save(path)
  local text = self:to_json()
  B.write_atomic(path, text, self._name .. ".save")
  return self
end

function B.write_atomic(path, text, op)
  require("tide.io.files").write(op, path, { text })
end

-- Rebuild from a decoded {class =, params =, state =} table.
function B.from_table(t, op)
  op = op or "from_json"
  if type(t) ~= "table" or type(t.class) ~= "string" then raise(op .. ": not a saved transformer") end
  local cls = B.registry[t.class]
  if not cls then -- a class of a part not loaded yet (the text transformers)
    local text = require("tide.text")
    if text._module_of[t.class] then cls = text[t.class] end
  end
  if not cls then raise(op .. ": unknown transformer class '" .. t.class .. "'") end
  if cls.from_table then return cls.from_table(t) end
  local self = cls.new(t.params or {})
  self.state = t.state
  return self
end

function B.from_json(text)
  if type(text) ~= "string" then raise("from_json: expected a JSON string, got " .. type(text)) end
  return B.from_table(json.decode(text, "from_json", "transformer"), "from_json")
end

function B.load(path)
  local f, err = io.open(path, "rb")
  if not f then raise("load: cannot read " .. tostring(path) .. ": " .. tostring(err)) end
  local text = f:read("*a")
  f:close()
  return B.from_json(text)
end

-- ---------------------------------------------------------------- inputs
-- X as a contiguous float64 tensor [n, d]. Lua arrays of rows are accepted. d_expected (the
-- number of columns seen in fit) is checked when given; allow_empty lets n be 0.
function B.matrix(op, X, d_expected, allow_empty)
  if type(X) == "table" and not tensor.is_tensor(X) then
    if #X == 0 then raise(op .. ": empty input (no rows)") end
    X = tensor.tensor(X, "float64")
  end
  if not tensor.is_tensor(X) then raise(op .. ": expected a tensor [n, d], got " .. type(X)) end
  if X:dim() ~= 2 then raise(string.format("%s: expected a 2-d tensor [n, d], got %d dims", op, X:dim())) end
  if X.dtype ~= "float64" then X = X:to("float64") end
  if not X:is_contiguous() then X = X:contiguous() end
  local n, d = X.shape[1], X.shape[2]
  if (n == 0 and not allow_empty) or d == 0 then
    raise(string.format("%s: empty input (%d rows, %d columns)", op, n, d))
  end
  if d_expected and d ~= d_expected then
    raise(string.format("%s: X has %d columns, but the transformer was fitted with %d", op, d, d_expected))
  end
  return X
end

function B.check_no_nan(op, X)
  if X:isnan():any() then raise(op .. ": input contains NaN, which this transformer does not allow") end
  return X
end

function B.check_no_inf(op, X)
  if X:isinf():any() then raise(op .. ": input contains infinity") end
  return X
end

-- A float64 tensor's values as a Lua array (for saving small fitted state).
function B.flat(t)
  t = t:contiguous()
  local p, out = t:data_ptr(), {}
  for i = 0, t:numel() - 1 do out[i + 1] = p[i] end
  return out
end

function B.check_finite(op, X)
  if not X:isfinite():all() then
    raise(op .. ": input contains NaN or infinity, which this transformer does not allow")
  end
  return X
end

-- ---------------------------------------------------------------- column statistics (C)
local function dbuf(d) return ffi.new("double[?]", d) end
local function to_list(p, d)
  local t = {}
  for j = 1, d do t[j] = p[j - 1] end
  return t
end

-- {count =, mean =, var =, min =, max =, maxabs =}: Lua arrays of d numbers, NaN skipped.
function B.col_stats(X)
  local d = X.shape[2]
  local c, m, v, lo, hi, ma = dbuf(d), dbuf(d), dbuf(d), dbuf(d), dbuf(d), dbuf(d)
  if C.tide_preprocess_col_stats(X._c, c, m, v, lo, hi, ma) ~= 0 then core.raise_c() end
  return { count = to_list(c, d), mean = to_list(m, d), var = to_list(v, d), min = to_list(lo, d),
    max = to_list(hi, d), maxabs = to_list(ma, d) }
end

-- quantiles {q1, q2, ...} (in [0, 1]) of each column -> out[k][j]
function B.col_quantiles(X, qs)
  local d, nq = X.shape[2], #qs
  local q = ffi.new("double[?]", nq, qs)
  local out = dbuf(d * nq)
  if C.tide_preprocess_col_quantiles(X._c, q, nq, out) ~= 0 then core.raise_c() end
  local r = {}
  for k = 1, nq do
    r[k] = {}
    for j = 1, d do r[k][j] = out[(j - 1) * nq + k - 1] end
  end
  return r
end

function B.col_mode(X)
  local d = X.shape[2]
  local out = dbuf(d)
  if C.tide_preprocess_col_mode(X._c, out) ~= 0 then core.raise_c() end
  return to_list(out, d)
end

-- A Lua array of d numbers as a float64 row tensor [1, d] (broadcasts over rows).
function B.row(list)
  return tensor.tensor(list, "float64"):reshape(1, #list)
end

-- scikit-learn's _handle_zeros_in_scale: scales below 10 * eps (or flagged constant) become 1.
local EPS = 2.220446049250313e-16
B.EPS = EPS
function B.handle_zeros(scale, constant)
  local r = {}
  for j, s in ipairs(scale) do
    if (constant and constant[j]) or s < 10 * EPS then r[j] = 1 else r[j] = s end
  end
  return r
end

-- Option checks
function B.one_of(name, what, v, allowed)
  for _, a in ipairs(allowed) do if v == a then return end end
  raise(string.format("%s: %s must be one of %s, got %s", name, what, table.concat(allowed, ", "), tostring(v)))
end

function B.boolean(name, what, v)
  if type(v) ~= "boolean" then raise(string.format("%s: %s must be a boolean, got %s", name, what, tostring(v))) end
end

function B.integer_indices(list) -- Lua 1-based positions -> int64 tensor of them
  return tensor.tensor(list, "int64")
end

return B
