-- tide.preprocess encoders, equal to scikit-learn 1.2's: OneHotEncoder (handle_unknown error /
-- ignore / infrequent_if_exist; drop first / if_binary; min_frequency / max_categories group
-- rare categories into one "infrequent" column) and OrdinalEncoder (codes 0..k-1 as scikit-learn;
-- unknown_value; missing -> encoded_missing_value). Input: see tide.preprocess.categories.
-- Output: a float64 tensor. A missing cell is a category of its own (sorted last), as in
-- scikit-learn.
local ffi = require("ffi")
local B = require("tide.preprocess.base")
local Cat = require("tide.preprocess.categories")
local core = require("tide._core")
local tensor = require("tide.tensor")
local raise = core.raise

local M = {}

local cats_of, check_width = Cat.fitted, Cat.check_width

local function unknown_error(op, v, j, names)
  raise(string.format("%s: found unknown category '%s' in column %s during transform", op, Cat.show(v),
    names and names[j] and ("'" .. names[j] .. "'") or tostring(j)))
end

-- ---------------------------------------------------------------- OneHotEncoder
M.OneHotEncoder = B.class("OneHotEncoder", { handle_unknown = "error", min_frequency = false,
  max_categories = false }, function(self)
  local p = self.params
  B.one_of("OneHotEncoder", "handle_unknown", p.handle_unknown, { "error", "ignore", "infrequent_if_exist" })
  if p.drop ~= nil then B.one_of("OneHotEncoder", "drop", p.drop, { "first", "if_binary" }) end
  if p.min_frequency and (type(p.min_frequency) ~= "number" or p.min_frequency <= 0) then
    raise("OneHotEncoder: min_frequency must be a count >= 1 or a fraction in (0, 1)")
  end
  if p.max_categories and (type(p.max_categories) ~= "number" or p.max_categories < 1 or p.max_categories % 1 ~= 0) then
    raise("OneHotEncoder: max_categories must be an integer >= 1")
  end
  if p.drop and p.handle_unknown == "ignore" then
    -- allowed by scikit-learn (unknown rows become all zeros like the dropped category); keep it
  end
end)
M.OneHotEncoder._optional = { drop = true }
local OH = M.OneHotEncoder

-- scikit-learn's _identify_infrequent: 1-based category positions, or nil
local function infrequent_of(p, counts, n)
  local k = #counts
  local mask = {}
  local mf = p.min_frequency
  for c = 1, k do
    if mf then mask[c] = counts[c] < (mf >= 1 and mf or n * mf) else mask[c] = false end
  end
  local n_inf = 0
  for c = 1, k do if mask[c] then n_inf = n_inf + 1 end end
  local n_current = k - n_inf + 1
  if p.max_categories and p.max_categories < n_current then
    -- stable sort by count; the smallest k - max_categories + 1 become infrequent
    local order = {}
    for c = 1, k do order[c] = c end
    table.sort(order, function(a, b)
      if counts[a] ~= counts[b] then return counts[a] < counts[b] end
      return a < b
    end)
    for t = 1, k - p.max_categories + 1 do mask[order[t]] = true end
  end
  local out = {}
  for c = 1, k do if mask[c] then out[#out + 1] = c end end
  return #out > 0 and out or nil
end

function OH:fit(X)
  local op = "OneHotEncoder.fit"
  local cols, n, names = Cat.read_coded(op, X)
  local p = self.params
  local st = { n_features_in = #cols, names = names, categories = {}, infrequent = {}, map = {}, n_out = {}, drop = {} }
  for j, col in ipairs(cols) do
    local cats, counts = Cat.unique_coded(op, col, j)
    st.categories[j] = Cat.to_plain(cats)
    local inf = (p.min_frequency or p.max_categories) and infrequent_of(p, counts, n) or nil
    st.infrequent[j] = inf or {}
    -- map[c]: output slot of category c (0-based within the feature), infrequent ones share the last
    local is_inf = {}
    for _, c in ipairs(inf or {}) do is_inf[c] = true end
    local map, slot = {}, 0
    for c = 1, #cats do
      if not is_inf[c] then map[c] = slot; slot = slot + 1 end
    end
    local n_slots = slot
    if inf then
      for c in pairs(is_inf) do map[c] = n_slots end
      n_slots = n_slots + 1
    end
    -- drop: the first slot, or (if_binary) the first of exactly two
    local drop
    if p.drop == "first" or (p.drop == "if_binary" and n_slots == 2) then drop = 0 end
    st.drop[j] = drop == nil and -1 or drop
    st.map[j] = map
    st.n_out[j] = n_slots - (drop and 1 or 0)
  end
  self.state, self._cats = st, nil
  return self
end

-- float64 [n, sum of n_out]: one 1 per feature (none for a dropped or ignored category).
-- Unknown categories are resolved once per distinct value; the rows are mapped with tensor ops.
function OH:transform(X)
  self:check_fitted("transform")
  local op = "OneHotEncoder.transform"
  local cols, n = Cat.read_coded(op, X)
  check_width(op, self, cols)
  local st, p = self.state, self.params
  local _, index = cats_of(self)
  local blocks = {}
  for j, col in ipairs(cols) do
    local idx, map, drop = index[j], st.map[j], st.drop[j]
    local inf = st.infrequent[j]
    local inf_slot = #inf > 0 and map[inf[1]] or nil
    local function slot_of(v)
      local c = idx[v]
      local slot
      if c then slot = map[c]
      elseif p.handle_unknown == "error" then unknown_error(op, v, j, st.names)
      elseif p.handle_unknown == "infrequent_if_exist" then slot = inf_slot end
      if slot == nil or slot == drop then return -1 end
      if drop >= 0 and slot > drop then slot = slot - 1 end
      return slot
    end
    local slots = { col.n_missing > 0 and slot_of(Cat.MISSING) or -1 }
    for c, v in ipairs(col.uniq) do slots[c + 1] = slot_of(v) end
    local w = st.n_out[j]
    if w > 0 then
      local per_row = Cat.map_codes(col, slots):reshape(n, 1)
      blocks[#blocks + 1] = per_row:eq(tensor.arange(0, w, 1, "float64"):reshape(1, w)):to("float64")
    end
  end
  if #blocks == 0 then return tensor.zeros({ n, 0 }, "float64") end
  return #blocks == 1 and blocks[1] or require("tide").cat(blocks, 2)
end

-- one-hot rows -> columns of categories (Lua arrays): the category of the 1 in each feature's
-- block; a block of zeros is the dropped category (drop) or unknown (false); the infrequent
-- column gives "infrequent_sklearn"; a missing category comes back as false.
function OH:inverse_transform(Xt)
  self:check_fitted("inverse_transform")
  local st = self.state
  local width = 0
  for j = 1, st.n_features_in do width = width + st.n_out[j] end
  Xt = B.matrix("OneHotEncoder.inverse_transform", Xt, width, true)
  local cats = cats_of(self)
  local n = Xt.shape[1]
  local out, off = {}, 0
  for j = 1, st.n_features_in do
    local w, drop = st.n_out[j], st.drop[j]
    -- value of each output slot (after the drop shift)
    local by_slot = {}
    local is_inf = {}
    for _, c in ipairs(st.infrequent[j]) do is_inf[c] = true end
    local dropped
    for c, v in ipairs(cats[j]) do
      local slot = st.map[j][c]
      local value = is_inf[c] and "infrequent_sklearn" or v
      if slot == drop then dropped = value
      else
        if drop >= 0 and slot > drop then slot = slot - 1 end
        by_slot[slot] = value
      end
    end
    local col = {}
    if w > 0 then
      local block = Xt:narrow(2, off + 1, w)
      local any = block:ne(0):any(2)
      local arg = block:argmax(2)
      for i = 1, n do
        local v
        if any[i] then v = by_slot[arg[i] - 1] else v = dropped end
        if v == nil or v == Cat.MISSING then v = false end
        col[i] = v
      end
    else
      for i = 1, n do col[i] = dropped == Cat.MISSING and false or dropped end
    end
    out[j] = col
    off = off + w
  end
  return out
end

-- output column names: "<feature>_<category>", "<feature>_infrequent_sklearn"; features are
-- the names given (or seen in fit) or x0, x1, ... as scikit-learn
function OH:get_feature_names_out(names)
  self:check_fitted("get_feature_names_out")
  local st = self.state
  names = names or st.names
  local cats = cats_of(self)
  local out = {}
  for j = 1, st.n_features_in do
    local f = names and names[j] or ("x" .. (j - 1))
    local slots = {}
    local is_inf = {}
    for _, c in ipairs(st.infrequent[j]) do is_inf[c] = true end
    for c, v in ipairs(cats[j]) do
      if not is_inf[c] then slots[st.map[j][c] + 1] = f .. "_" .. Cat.show(v) end
    end
    if #st.infrequent[j] > 0 then slots[#slots + 1] = f .. "_infrequent_sklearn" end
    for s, name in ipairs(slots) do
      if s - 1 ~= st.drop[j] then out[#out + 1] = name end
    end
  end
  return out
end

-- the categories of feature j (1-based) seen in fit, in output order; missing as "nan"
function OH:categories(j)
  self:check_fitted("categories")
  local cats = cats_of(self)
  local out = {}
  for k, v in ipairs(cats[j]) do out[k] = v == Cat.MISSING and "nan" or v end
  return out
end

-- ---------------------------------------------------------------- OrdinalEncoder
M.OrdinalEncoder = B.class("OrdinalEncoder", { handle_unknown = "error", unknown_value = false,
  encoded_missing_value = 0 / 0 }, function(self)
  local p = self.params
  B.one_of("OrdinalEncoder", "handle_unknown", p.handle_unknown, { "error", "use_encoded_value" })
  if p.handle_unknown == "use_encoded_value" and type(p.unknown_value) ~= "number" then
    raise("OrdinalEncoder: unknown_value must be a number (or NaN) when handle_unknown = 'use_encoded_value'")
  end
  if type(p.encoded_missing_value) ~= "number" then raise("OrdinalEncoder: encoded_missing_value must be a number") end
end)
local OE = M.OrdinalEncoder

function OE:fit(X)
  local op = "OrdinalEncoder.fit"
  local cols, _, names = Cat.read_coded(op, X)
  local st = { n_features_in = #cols, names = names, categories = {} }
  for j, col in ipairs(cols) do
    local cats = Cat.unique_coded(op, col, j)
    st.categories[j] = Cat.to_plain(cats)
    local uv = self.params.unknown_value
    if self.params.handle_unknown == "use_encoded_value" and uv == uv and uv >= 0 and uv < #cats then
      raise(string.format("%s: unknown_value %g is already the code of a category of column %d", op, uv, j))
    end
  end
  self.state, self._cats = st, nil
  return self
end

-- float64 [n, d]: codes 0..k-1 in sorted category order (scikit-learn's values)
function OE:transform(X)
  self:check_fitted("transform")
  local op = "OrdinalEncoder.transform"
  local cols, n = Cat.read_coded(op, X)
  check_width(op, self, cols)
  local p, st = self.params, self.state
  local _, index = cats_of(self)
  local parts = {}
  for j, col in ipairs(cols) do
    local idx = index[j]
    local function code_of(v)
      if v == Cat.MISSING then return p.encoded_missing_value end
      local c = idx[v]
      if c then return c - 1 end
      if p.handle_unknown == "error" then unknown_error(op, v, j, st.names) end
      return p.unknown_value
    end
    local values = { code_of(Cat.MISSING) }
    for c, v in ipairs(col.uniq) do values[c + 1] = code_of(v) end
    parts[j] = Cat.map_codes(col, values):reshape(n, 1)
  end
  return #parts == 1 and parts[1] or require("tide").cat(parts, 2)
end

-- codes -> columns of categories (Lua arrays; unknown / missing codes -> false)
function OE:inverse_transform(Xt)
  self:check_fitted("inverse_transform")
  Xt = B.matrix("OrdinalEncoder.inverse_transform", Xt, self.state.n_features_in)
  local cats = cats_of(self)
  local n, d = Xt.shape[1], Xt.shape[2]
  local p = Xt:data_ptr()
  local cols = {}
  for j = 1, d do
    local col = {}
    for i = 1, n do
      local code = p[(i - 1) * d + j - 1]
      local v = code == code and cats[j][code + 1] or nil
      if v == nil or v == Cat.MISSING then v = false end
      col[i] = v
    end
    cols[j] = col
  end
  return cols
end

return M
