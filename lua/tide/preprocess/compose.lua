-- tide.preprocess.Pipeline and ColumnTransformer (scikit-learn's contract).
--   Pipeline({ {"impute", SimpleImputer()}, {"scale", StandardScaler()} })
--     fit runs fit_transform through every step but the last; transform chains the steps;
--     get_params / set_params know "step__param" keys. The last step may be a model of
--     tide.models (Pipeline({{"scale", StandardScaler()}, {"svc", SVC()}}), also
--     tide.models.Pipeline): the pipeline then predicts (predict, predict_proba,
--     decision_function, score) through the transformers, clones, cross-validates, and saves
--     to one safetensors file (tide.models.load reads it back).
--   ColumnTransformer({ {"num", Pipeline(...), {1, 2}}, {"cat", OneHotEncoder(), {"Sex"}} },
--                     { remainder = "drop" | "passthrough", names = {...} })
--     Columns by 1-based index, or by name through `names` (or the names of a frame-like
--     input { names =, columns = } of tide.csv columns), or by type: { type = "numeric" } /
--     { type = "string" } (frame-like input; tide.frame's categorical columns count as string). A tensor input gives each transformer a [n, k]
--     float64 tensor; a frame-like input gives numeric columns as such a tensor (missing ->
--     NaN) and any string column as a frame-like table (for the encoders). Outputs are
--     concatenated as float64 [n, total] in transformer order, then the remainder.
-- Both save to JSON with every fitted step (to_json / save) and reload to the same output.
local B = require("tide.preprocess.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local raise = core.raise

local M = {}

local function is_transformer(t) return type(t) == "table" and type(t.fit) == "function" and type(t.transform) == "function" end

-- ---------------------------------------------------------------- Pipeline
local Pipeline = setmetatable({}, { __index = B.Base, __call = function(c, steps) return c.new(steps) end })
-- predict_proba and the like exist on a pipeline only when its last step has them (as
-- scikit-learn's available_if), so scorers can ask whether a model gives probabilities
local FORWARDED = { predict = true, predict_proba = true, predict_log_proba = true, decision_function = true,
  score = true, fit_predict = true }
Pipeline.__index = function(self, k)
  local v = Pipeline[k]
  if v ~= nil and FORWARDED[k] then
    local steps = rawget(self, "steps")
    local last = steps and steps[#steps][2]
    if not last or type(last[k]) ~= "function" then return nil end
  end
  return v
end
Pipeline._name = "Pipeline"
B.registry.Pipeline = Pipeline
M.Pipeline = Pipeline

local function is_model(t) return type(t) == "table" and type(t.fit) == "function" and type(t.predict) == "function" end

function Pipeline.new(steps)
  if type(steps) ~= "table" or #steps == 0 then raise("Pipeline: expected a non-empty list of {name, transformer} steps") end
  local seen = {}
  for i, s in ipairs(steps) do
    local ok = type(s) == "table" and type(s[1]) == "string" and (is_transformer(s[2]) or (i == #steps and is_model(s[2])))
    if not ok then
      raise(string.format("Pipeline: step %d must be {name, transformer}%s", i,
        i == #steps and " (or {name, model} as the last step)" or ""))
    end
    if seen[s[1]] then raise("Pipeline: step name '" .. s[1] .. "' is used twice") end
    if s[1]:find("__", 1, true) then raise("Pipeline: step name '" .. s[1] .. "' must not contain '__'") end
    seen[s[1]] = true
  end
  local last = steps[#steps][2]
  return setmetatable({ steps = steps, _kind = is_model(last) and last._kind or "transformer" }, Pipeline)
end

local function in_step(self, i, fn)
  local ok, err = pcall(fn)
  if not ok then
    error(tostring(err) .. " (in step " .. i .. " '" .. self.steps[i][1] .. "' of Pipeline)", 0)
  end
  return err
end

-- The fitted state of a pipeline: a table, with the final model's classes_ (scikit-learn's
-- Pipeline.classes_) when it has them
local function fitted_state(self)
  local last = self.steps[#self.steps][2]
  local st = rawget(last, "state")
  return { classes_ = type(st) == "table" and st.classes_ or nil }
end

-- An unfitted copy: every step cloned (scikit-learn's clone)
function Pipeline:clone()
  local steps = {}
  for i, s in ipairs(self.steps) do
    if type(s[2].clone) ~= "function" then raise("Pipeline.clone: step '" .. s[1] .. "' cannot be cloned") end
    steps[i] = { s[1], s[2]:clone() }
  end
  return Pipeline.new(steps)
end

-- X through every step but the last (for the final model)
local function through(self, op, X)
  self:check_fitted(op)
  local n = #self.steps
  for i = 1, n - 1 do
    local step = self.steps[i][2]
    X = in_step(self, i, function() return step:transform(X) end)
  end
  return X
end

-- predict, predict_proba, predict_log_proba, decision_function, score: through the transformers,
-- then the final model's method
for _, method in ipairs({ "predict", "predict_proba", "predict_log_proba", "decision_function", "score" }) do
  Pipeline[method] = function(self, X, ...)
    local n = #self.steps
    local final = self.steps[n][2]
    if type(final[method]) ~= "function" then
      raise(string.format("Pipeline.%s: the last step '%s' has no %s", method, self.steps[n][1], method))
    end
    local Xt = through(self, method, X)
    local args = { ... }
    return in_step(self, n, function() return final[method](final, Xt, unpack(args)) end)
  end
end

function Pipeline:fit_predict(X, y)
  self:fit(X, y)
  return self:predict(X)
end

function Pipeline:fit(X, y)
  local n = #self.steps
  for i = 1, n - 1 do
    local step = self.steps[i][2]
    X = in_step(self, i, function() return step:fit_transform(X, y) end)
  end
  in_step(self, n, function() return self.steps[n][2]:fit(X, y) end)
  self.state = fitted_state(self)
  return self
end

function Pipeline:fit_transform(X, y)
  if self._kind ~= "transformer" then raise("Pipeline.fit_transform: the last step is a model; use fit and predict") end
  for i, s in ipairs(self.steps) do
    X = in_step(self, i, function() return s[2]:fit_transform(X, y) end)
  end
  self.state = fitted_state(self)
  return X
end

function Pipeline:transform(X)
  if self._kind ~= "transformer" then raise("Pipeline.transform: the last step is a model; use predict") end
  self:check_fitted("transform")
  for i, s in ipairs(self.steps) do X = in_step(self, i, function() return s[2]:transform(X) end) end
  return X
end

function Pipeline:inverse_transform(X)
  self:check_fitted("inverse_transform")
  for i = #self.steps, 1, -1 do
    local s = self.steps[i][2]
    if not s.inverse_transform then raise("Pipeline.inverse_transform: step '" .. self.steps[i][1] .. "' has no inverse_transform") end
    X = in_step(self, i, function() return s:inverse_transform(X) end)
  end
  return X
end

function Pipeline:named_steps()
  local t = {}
  for _, s in ipairs(self.steps) do t[s[1]] = s[2] end
  return t
end

-- { steps = {...}, ["name__param"] = value, ... } as scikit-learn's get_params(deep=True)
function Pipeline:get_params()
  local p = { steps = self.steps }
  for _, s in ipairs(self.steps) do
    for k, v in pairs(s[2]:get_params()) do p[s[1] .. "__" .. k] = v end
  end
  return p
end

function Pipeline:set_params(params)
  local named = self:named_steps()
  for k, v in pairs(params) do
    if k == "steps" then self.steps = Pipeline.new(v).steps
    else
      local step, key = tostring(k):match("^(.-)__(.+)$")
      if not step or not named[step] then raise("Pipeline: unknown parameter '" .. tostring(k) .. "'") end
      named[step]:set_params({ [key] = v })
    end
  end
  return self
end

-- A pipeline ending in a model saves to one safetensors file (the model's arrays as tensors
-- "steps.<i>.state...", the rest as JSON in the metadata "tide.model"); tide.models.load reads it.
-- A pipeline of transformers only saves to JSON, as every transformer does.
function Pipeline:save(path)
  if self._kind == "transformer" then return B.Base.save(self, path) end
  local op = "Pipeline.save"
  self:check_fitted("save")
  local MB = require("tide.models.base")
  local steps, tensors = {}, {}
  for i, s in ipairs(self.steps) do
    local est = s[2]
    -- a transformer of tide.preprocess (or tide.text) is saved as its JSON table; a step of
    -- tide.models' kind (the final model, a feature selector, PCA) with its arrays as tensors
    if i < #self.steps and B.registry[est._name] == getmetatable(est) then
      steps[i] = { name = s[1], kind = "transformer", table = est:to_table() }
    else
      local plain, list = MB.split_state(op, est.state, "steps." .. i .. ".state.")
      for _, e in ipairs(list) do tensors[#tensors + 1] = e end
      steps[i] = { name = s[1], kind = "model", class = est._name, params = est.params, state = plain }
    end
  end
  local json = require("tide.io.json")
  local meta = { ["tide.model"] = json.encode({ format = 1, class = "Pipeline", steps = steps }, op, "pipeline") }
  require("tide.io.safetensors").save(path, tensors, meta, op)
  return self
end

-- the saved description of Pipeline:save (models.base's loader calls this)
function Pipeline.from_saved(t, tensors, op)
  local MB = require("tide.models.base")
  local steps = {}
  for i, s in ipairs(t.steps or {}) do
    if s.kind == "model" then
      steps[i] = { s.name, MB.from_table({ format = t.format, class = s.class, params = s.params, state = s.state }, tensors, op) }
    else
      steps[i] = { s.name, B.from_table(s.table, op) }
    end
  end
  local p = Pipeline.new(steps)
  p.state = fitted_state(p)
  return p
end

function Pipeline:to_table()
  local steps = {}
  for i, s in ipairs(self.steps) do steps[i] = { name = s[1], transformer = s[2]:to_table() } end
  return { class = "Pipeline", steps = steps, fitted = self.state ~= nil }
end

function Pipeline.from_table(t)
  local steps = {}
  for i, s in ipairs(t.steps or {}) do steps[i] = { s.name, B.from_table(s.transformer) } end
  local p = Pipeline.new(steps)
  if t.fitted then p.state = fitted_state(p) end
  return p
end

-- ---------------------------------------------------------------- ColumnTransformer
local CT = setmetatable({}, { __index = B.Base, __call = function(c, tr, opts) return c.new(tr, opts) end })
CT.__index = CT
CT._name = "ColumnTransformer"
B.registry.ColumnTransformer = CT
M.ColumnTransformer = CT

function CT.new(transformers, opts)
  opts = opts or {}
  if type(transformers) ~= "table" or #transformers == 0 then
    raise("ColumnTransformer: expected a non-empty list of {name, transformer, columns}")
  end
  for k in pairs(opts) do
    if k ~= "remainder" and k ~= "names" then raise("ColumnTransformer: unknown option '" .. tostring(k) .. "'") end
  end
  local remainder = opts.remainder or "drop"
  B.one_of("ColumnTransformer", "remainder", remainder, { "drop", "passthrough" })
  for i, t in ipairs(transformers) do
    if type(t) ~= "table" or type(t[1]) ~= "string" or not is_transformer(t[2]) or type(t[3]) ~= "table" then
      raise(string.format("ColumnTransformer: entry %d must be {name, transformer, columns}", i))
    end
  end
  return setmetatable({ transformers = transformers, params = { remainder = remainder, names = opts.names } }, CT)
end

-- An unfitted copy: every transformer cloned, the same columns and options
function CT:clone()
  local list = {}
  for i, t in ipairs(self.transformers) do list[i] = { t[1], t[2]:clone(), B.deep_copy(t[3]) } end
  return CT.new(list, { remainder = self.params.remainder, names = B.deep_copy(self.params.names) })
end

function CT:get_params()
  local p = { remainder = self.params.remainder, names = self.params.names, transformers = self.transformers }
  for _, t in ipairs(self.transformers) do
    for k, v in pairs(t[2]:get_params()) do p[t[1] .. "__" .. k] = v end
  end
  return p
end

function CT:set_params(params)
  for k, v in pairs(params) do
    if k == "remainder" or k == "names" then
      self.params[k] = v
    else
      local name, key = tostring(k):match("^(.-)__(.+)$")
      local hit
      for _, t in ipairs(self.transformers) do if t[1] == name then hit = t[2] end end
      if not hit then raise("ColumnTransformer: unknown parameter '" .. tostring(k) .. "'") end
      hit:set_params({ [key] = v })
    end
  end
  return self
end

-- the input as { n =, d =, names =, kinds = {"numeric"|"string"}, pick = function(list) -> X }
local function view_of(op, X, names_opt)
  if tensor.is_tensor(X) then
    X = B.matrix(op, X, nil, true)
    local d = X.shape[2]
    local kinds = {}
    for j = 1, d do kinds[j] = "numeric" end
    return { n = X.shape[1], d = d, names = names_opt, kinds = kinds, tensor = X,
      pick = function(list) return X:index_select(2, tensor.tensor(list, "int64")) end }
  end
  if type(X) == "table" and type(X.columns) == "table" then
    local cols, names = X.columns, X.names or names_opt
    local d = #cols
    if d == 0 then raise(op .. ": empty input (no columns)") end
    local kinds = {}
    for j, c in ipairs(cols) do kinds[j] = (c.type == "string" or c.type == "categorical") and "string" or "numeric" end
    local function numeric(c)
      local v = c.data:to("float64")
      if c.missing then v = v:masked_fill(c.missing, 0 / 0) end
      return v:reshape(-1, 1)
    end
    return { n = cols[1].data and cols[1].data:numel() or cols[1].offsets:numel() - 1, d = d, names = names, kinds = kinds,
      pick = function(list)
        local all_num = true
        for _, j in ipairs(list) do if kinds[j] == "string" then all_num = false end end
        if all_num then
          local parts = {}
          for t, j in ipairs(list) do parts[t] = numeric(cols[j]) end
          return require("tide").cat(parts, 2)
        end
        local sub, sub_names = {}, {}
        for t, j in ipairs(list) do sub[t] = cols[j]; sub_names[t] = names and names[j] end
        return { names = sub_names, columns = sub }
      end }
  end
  raise(op .. ": expected a tensor [n, d] or a table { names =, columns = } of columns, got " .. type(X))
end

-- 1-based column positions a selector names
local function resolve(op, sel, v)
  local out = {}
  if sel.type then
    B.one_of(op, "column type", sel.type, { "numeric", "string" })
    for j = 1, v.d do if v.kinds[j] == sel.type then out[#out + 1] = j end end
    return out
  end
  for _, c in ipairs(sel) do
    if type(c) == "number" then
      if c < 1 or c > v.d or c % 1 ~= 0 then raise(string.format("%s: column %s is out of range (X has %d columns)", op, tostring(c), v.d)) end
      out[#out + 1] = c
    elseif type(c) == "string" then
      if not v.names then raise(op .. ": column '" .. c .. "' given by name but no names are known (pass names = {...})") end
      local hit
      for j, nm in ipairs(v.names) do if nm == c then hit = j; break end end
      if not hit then raise(op .. ": no column named '" .. c .. "'") end
      out[#out + 1] = hit
    else
      raise(op .. ": a column must be a number or a name, got " .. type(c))
    end
  end
  return out
end

local function to_f64(t)
  if not tensor.is_tensor(t) then raise("ColumnTransformer: a transformer returned a " .. type(t) .. ", not a tensor") end
  if t.dtype ~= "float64" then t = t:to("float64") end
  return t
end

function CT:_run(X, y, fitting)
  local op = fitting and "ColumnTransformer.fit" or "ColumnTransformer.transform"
  local v = view_of(op, X, self.params.names)
  if v.n == 0 and fitting then raise(op .. ": empty input (no rows)") end
  if not fitting and v.d ~= self.state.n_features_in then
    raise(string.format("%s: X has %d columns, but the transformer was fitted with %d", op, v.d, self.state.n_features_in))
  end
  local used, outs = {}, {}
  local selected = fitting and {} or self.state.columns
  for i, t in ipairs(self.transformers) do
    local cols = fitting and resolve(op, t[3], v) or selected[i]
    selected[i] = cols
    for _, j in ipairs(cols) do used[j] = true end
    if #cols > 0 then
      local sub = v.pick(cols)
      local ok, r = pcall(function()
        if fitting then return t[2]:fit_transform(sub, y) end
        return t[2]:transform(sub)
      end)
      if not ok then error(tostring(r) .. " (in transformer '" .. t[1] .. "' of ColumnTransformer)", 0) end
      outs[#outs + 1] = to_f64(r)
    end
  end
  if self.params.remainder == "passthrough" then
    local rest = {}
    for j = 1, v.d do if not used[j] then rest[#rest + 1] = j end end
    if #rest > 0 then
      local sub = v.pick(rest)
      if not tensor.is_tensor(sub) then raise(op .. ": remainder = 'passthrough' needs numeric columns; encode the string ones") end
      outs[#outs + 1] = sub
    end
  end
  if fitting then self.state = { n_features_in = v.d, columns = selected } end
  if #outs == 0 then return tensor.zeros({ v.n, 0 }, "float64") end
  return require("tide").cat(outs, 2)
end

function CT:fit_transform(X, y) return self:_run(X, y, true) end
function CT:fit(X, y) self:_run(X, y, true); return self end
function CT:transform(X)
  self:check_fitted("transform")
  return self:_run(X, nil, false)
end

function CT:to_table()
  local list = {}
  for i, t in ipairs(self.transformers) do
    list[i] = { name = t[1], transformer = t[2]:to_table(), columns = t[3] }
  end
  return { class = "ColumnTransformer", transformers = list, params = self.params, state = self.state }
end

function CT.from_table(t)
  local list = {}
  for i, e in ipairs(t.transformers or {}) do list[i] = { e.name, B.from_table(e.transformer), e.columns } end
  local ct = CT.new(list, t.params)
  ct.state = t.state
  return ct
end

return M
