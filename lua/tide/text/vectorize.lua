-- tide.text.CountVectorizer, TfidfTransformer, TfidfVectorizer, HashingVectorizer: documents ->
-- sparse CSR matrices (tide.sparse), as scikit-learn 1.2's sklearn.feature_extraction.text does,
-- with the same parameter names and the same results (feature names, counts, idf_, TF-IDF values).
--
--   local cv = text.CountVectorizer{ngram_range = {1, 2}, min_df = 2}
--   local X = cv:fit_transform(docs)            -- CSR [#docs, #vocabulary]
--   cv:get_feature_names_out()                  -- terms in column order (sorted by bytes)
--   text.TfidfVectorizer{sublinear_tf = true}:fit(docs):transform(new_docs)
--
-- Documents: a Lua list of strings, a tide.frame string column, or a list of token lists (the
-- output of tide.text.Preprocessor: used as given, no lower-casing or tokenising; stop words and
-- word n-grams apply). The work is in C (core/text_analyze.c, text_vectorize.c, text_vocab.c):
-- one call analyses and counts every document; Lua only concatenates the documents into one
-- buffer (tide.text.vectorize_docs). Custom preprocessor / tokenizer / analyzer / strip_accents
-- functions run in Lua per document and hand their output to the same C code.
--
-- Differences from scikit-learn: documents are bytes that must be UTF-8 (decode_error as sklearn;
-- encoding "utf-8" only); the CSR holds float64 (dtype "float64" only); 1 is ambiguous between a
-- count and a proportion in Lua, so min_df = 1 means one document and max_df = 1 all of them (the
-- defaults), and {count = k} / {proportion = p} say which explicitly; stop_words_ is a set
-- {term = true}; terms unseen in fit are ignored by transform, as in sklearn.
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local B = require("tide.preprocess.base")
local json = require("tide.io.json")
local C = core.C
local raise, format = core.raise, string.format
local concat = table.concat

local M = {}

local D = require("tide.text.vectorize_docs")
local DEFAULT_PATTERN, is_none, callable, check_c = D.DEFAULT_PATTERN, D.is_none, D.callable, D.check_c
local new_vocab, vocab_of, terms_of, stop_list, ready, prepare, csr_of = D.new_vocab, D.vocab_of, D.terms_of,
  D.stop_list, D.ready, D.prepare, D.csr_of
local ANALYZERS, ACCENTS, DECODE, Shared = D.ANALYZERS, D.ACCENTS, D.DECODE, D.Shared
local docs_error = D.docs_error

-- ---------------------------------------------------------------- parameters
local INPUTS = { content = true, filename = true, file = true }
local NORMS = { l1 = C.TIDE_NORM_ROWS_L1, l2 = C.TIDE_NORM_ROWS_L2 }

local COMMON = { -- every vectoriser: scikit-learn's defaults
  input = "content", encoding = "utf-8", decode_error = "strict", lowercase = true,
  token_pattern = DEFAULT_PATTERN, ngram_range = { 1, 1 }, analyzer = "word", binary = false, dtype = "float64",
}
local OPTIONAL_COMMON = { strip_accents = true, preprocessor = true, tokenizer = true, stop_words = true }

local function str(v)
  if type(v) == "string" then return format("%q", v) end
  return tostring(v)
end

local function check_common(self)
  local p, name = self.params, self._name
  local function bad(what, v, expected) raise(format("%s: %s must be %s, got %s", name, what, expected, str(v))) end
  if not INPUTS[p.input] then bad("input", p.input, "\"content\", \"filename\" or \"file\"") end
  if type(p.encoding) ~= "string" or not p.encoding:lower():match("^utf%-?8$") then
    bad("encoding", p.encoding, "\"utf-8\" (documents are UTF-8 bytes)")
  end
  if not DECODE[p.decode_error] then bad("decode_error", p.decode_error, "\"strict\", \"replace\" or \"ignore\"") end
  if not is_none(p.strip_accents) and not ACCENTS[p.strip_accents] and not callable(p.strip_accents) then
    bad("strip_accents", p.strip_accents, "nil, \"unicode\", \"ascii\" or a function")
  end
  if type(p.lowercase) ~= "boolean" then bad("lowercase", p.lowercase, "true or false") end
  if type(p.binary) ~= "boolean" then bad("binary", p.binary, "true or false") end
  for _, k in ipairs({ "preprocessor", "tokenizer" }) do
    if not is_none(p[k]) and not callable(p[k]) then bad(k, p[k], "nil or a function") end
  end
  if not ANALYZERS[p.analyzer] and not callable(p.analyzer) then
    bad("analyzer", p.analyzer, "\"word\", \"char\", \"char_wb\" or a function")
  end
  if not is_none(p.token_pattern) and type(p.token_pattern) ~= "string" then
    bad("token_pattern", p.token_pattern, "a string")
  end
  local sw = p.stop_words
  if not is_none(sw) and type(sw) ~= "string" and type(sw) ~= "table" then
    bad("stop_words", sw, "nil, a language name (\"english\"), a list or set of words or a StopWords object")
  end
  local r = p.ngram_range
  if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" or r[1] ~= math.floor(r[1])
    or r[2] ~= math.floor(r[2]) or r[1] < 1 then
    bad("ngram_range", type(r) == "table" and json.encode(r, name, "ngram_range") or r, "{min_n, max_n}, integers >= 1")
  end
  if r[1] > r[2] then
    raise(format("%s: Invalid value for ngram_range={%d, %d} lower boundary larger than the upper boundary.", name, r[1], r[2]))
  end
  if p.dtype ~= "float64" then bad("dtype", p.dtype, "\"float64\" (tide.sparse stores float64)") end
  self._ready = nil -- C objects are built again on next use
end

-- min_df / max_df: a count (integer >= 1; {count = k}) or a proportion of the documents (in [0, 1];
-- {proportion = p}); 1 means one document for min_df and every document for max_df.
local function df_spec(name, what, v, one_is_count)
  local function bad()
    raise(format("%s: %s must be an integer >= 1 (documents), a proportion in [0, 1], {count = k} or "
      .. "{proportion = p}, got %s", name, what, type(v) == "table" and json.encode(v, name, what) or str(v)))
  end
  if type(v) == "table" then
    if type(v.count) == "number" and v.count >= 0 and v.count == math.floor(v.count) and v.proportion == nil then
      return { count = v.count }
    end
    if type(v.proportion) == "number" and v.proportion >= 0 and v.proportion <= 1 and v.count == nil then
      return { proportion = v.proportion }
    end
    bad()
  end
  if type(v) ~= "number" or v ~= v or v < 0 then bad() end
  if v == 1 then return one_is_count and { count = 1 } or { proportion = 1 } end
  if v < 1 then return { proportion = v } end
  if v ~= math.floor(v) then bad() end
  return { count = v }
end

local function check_count(self)
  check_common(self)
  local p, name = self.params, self._name
  df_spec(name, "min_df", p.min_df, true)
  df_spec(name, "max_df", p.max_df, false)
  local mf = p.max_features
  if not is_none(mf) and (type(mf) ~= "number" or mf ~= math.floor(mf) or mf < 1) then
    raise(format("%s: max_features must be nil or an integer >= 1, got %s", name, str(mf)))
  end
  local voc = p.vocabulary
  if not is_none(voc) and type(voc) ~= "table" then
    raise(format("%s: vocabulary must be nil, a list of terms or a table {term = column}, got %s", name, str(voc)))
  end
end

local function check_tfidf_params(self)
  local p, name = self.params, self._name
  if not is_none(p.norm) and not NORMS[p.norm] then raise(format("%s: norm must be \"l1\", \"l2\" or nil, got %s", name, str(p.norm))) end
  for _, k in ipairs({ "use_idf", "smooth_idf", "sublinear_tf" }) do
    if type(p[k]) ~= "boolean" then raise(format("%s: %s must be true or false, got %s", name, k, str(p[k]))) end
  end
end

local function install(cls, methods)
  for k, v in pairs(methods) do if rawget(cls, k) == nil then cls[k] = v end end
end

-- attribute names read from the fitted state: name -> function(self) -> value
local function with_attributes(cls, attrs)
  cls.__index = function(self, k)
    local v = cls[k]
    if v ~= nil then return v end
    local a = attrs[k]
    if a then return a(self) end
    return nil
  end
end

local function pretty(self)
  local keys, parts = {}, {}
  for k in pairs(self.params) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, d = self.params[k], self._defaults[k]
    local shown
    if type(v) == "table" then
      local ok, s = pcall(json.encode, v, "params", k)
      shown = ok and s or tostring(v)
    else
      shown = str(v)
    end
    local dshown = type(d) == "table" and json.encode(d, "params", k) or str(d)
    if shown ~= dshown then parts[#parts + 1] = k .. "=" .. shown end
  end
  return self._name .. "(" .. concat(parts, ", ") .. ")"
end

-- ---------------------------------------------------------------- CountVectorizer
local COUNT_DEFAULTS = { max_df = 1.0, min_df = 1 }
for k, v in pairs(COMMON) do COUNT_DEFAULTS[k] = v end
local COUNT_OPTIONAL = { max_features = true, vocabulary = true }
for k in pairs(OPTIONAL_COMMON) do COUNT_OPTIONAL[k] = true end

local CountMethods = {}

-- the fixed vocabulary of the parameters: (handle, list of terms in column order) or nil
local function fixed_vocabulary(self, op)
  local voc = self.params.vocabulary
  if is_none(voc) then return nil end
  local list = {}
  if #voc > 0 then
    for i, t in ipairs(voc) do
      if type(t) ~= "string" then raise(format("%s: vocabulary[%d] is a %s, not a string", op, i, type(t))) end
      list[i] = t
    end
  else
    local n, kind = 0, nil
    for t, v in pairs(voc) do
      if type(t) ~= "string" then raise(format("%s: vocabulary has a key of type %s", op, type(t))) end
      n = n + 1
      kind = kind or type(v)
      if type(v) ~= kind or (kind ~= "number" and kind ~= "boolean") then
        raise(format("%s: vocabulary must map each term to its column (1-based) or be a set {term = true}", op))
      end
    end
    if kind == "boolean" then -- a set: sorted, as scikit-learn does with a Python set
      for t, v in pairs(voc) do if v then list[#list + 1] = t end end
      table.sort(list)
    else
      for t, j in pairs(voc) do
        if j ~= math.floor(j) or j < 1 or j > n then
          raise(format("%s: Vocabulary of size %d doesn't contain index %s.", op, n, tostring(j)))
        end
        if list[j] ~= nil then raise(op .. ": Vocabulary contains repeated indices.") end
        list[j] = t
      end
      for j = 1, n do
        if list[j] == nil then raise(format("%s: Vocabulary of size %d doesn't contain index %d.", op, n, j)) end
      end
    end
  end
  if #list == 0 then raise(op .. ": empty vocabulary passed to fit") end
  local v, rep = vocab_of(list)
  if rep then raise(format("%s: Duplicate term in vocabulary: %q", op, list[rep])) end
  return v, list
end

-- counts of the documents; fit: learn (and prune) the vocabulary. Returns X.
local function count_fit(self, op, docs)
  local p = self.params
  local t = prepare(self, op, docs)
  local opts = t.opts or self._ready.opts
  local res = ffi.new("tide_csr_result")
  local fixed, list = fixed_vocabulary(self, op)
  local state = { fixed_vocabulary_ = fixed ~= nil }
  if fixed then
    check_c(C.tide_text_count(t.d, opts, fixed, 0, p.binary and 1 or 0, res, op))
    self._vocab, self._terms, self._removed = fixed, list, nil
    local X = csr_of(res)
    state.n_features = #list
    self.state = state
    return X
  end
  local vocab = new_vocab()
  check_c(C.tide_text_count(t.d, opts, vocab, 1, p.binary and 1 or 0, res, op))
  local n = tonumber(res.rows)
  local lo, hi = df_spec(self._name, "min_df", p.min_df, true), df_spec(self._name, "max_df", p.max_df, false)
  local min_count = lo.count or lo.proportion * n
  local max_count = hi.count or hi.proportion * n
  local removed = new_vocab()
  -- the arrays C fills are pruned in place: wrap them first so they are freed on an error
  local indptr, indices, data = core.wrap(res.indptr), core.wrap(res.indices), core.wrap(res.data)
  local nnz = C.tide_vocab_limit(vocab, n, indptr:data_ptr(), indices:data_ptr(), data:data_ptr(), max_count,
    min_count, is_none(p.max_features) and -1 or p.max_features, removed, op)
  if nnz < 0 then core.raise_c() end
  nnz = tonumber(nnz)
  if nnz < indices:numel() then indices, data = indices:narrow(1, 1, nnz):clone(), data:narrow(1, 1, nnz):clone() end
  local d = tonumber(C.tide_vocab_size(vocab))
  self._vocab, self._terms, self._removed, self._stop_set, self._vocab_map = vocab, nil, removed, nil, nil
  state.n_features = d
  self.state = state
  return sparse.csr(data, indices, indptr, { n, d })
end

local function count_transform(self, op, docs)
  if not self.state then
    if is_none(self.params.vocabulary) then
      raise(format("%s: the vocabulary is not fitted or provided; call fit first", op))
    end
    count_fit(self, op, {}) -- a given vocabulary needs no fit (scikit-learn validates it here)
  end
  local t = prepare(self, op, docs)
  local res = ffi.new("tide_csr_result")
  check_c(C.tide_text_count(t.d, t.opts or self._ready.opts, self._vocab, 0, self.params.binary and 1 or 0, res, op))
  return csr_of(res)
end

function CountMethods:fit(docs)
  count_fit(self, self._name .. ".fit", docs)
  return self
end

function CountMethods:fit_transform(docs)
  return count_fit(self, self._name .. ".fit_transform", docs)
end

function CountMethods:transform(docs)
  return count_transform(self, self._name .. ".transform", docs)
end

-- terms in column order (1-based column j = list[j])
function CountMethods:get_feature_names_out()
  local op = self._name .. ".get_feature_names_out"
  if not self.state then
    if is_none(self.params.vocabulary) then raise(op .. ": the vocabulary is not fitted or provided; call fit first") end
    count_fit(self, op, {})
  end
  if not self._terms then self._terms = terms_of(self._vocab) end
  local out = {}
  for i, t in ipairs(self._terms) do out[i] = t end
  return out
end

-- inverse_transform(X): for each row of X (CSR or dense tensor), the terms with a nonzero value
function CountMethods:inverse_transform(X)
  local op = self._name .. ".inverse_transform"
  self:check_fitted("inverse_transform")
  if tensor.is_tensor(X) then X = sparse.from_dense(X) end
  if not sparse.is_csr(X) then raise(op .. ": X must be a tide.sparse CSR matrix or a tensor") end
  local names = self:get_feature_names_out()
  if X.shape[2] ~= #names then
    raise(format("%s: X has %d features, but the vocabulary has %d", op, X.shape[2], #names))
  end
  local ip, ix, dx = X.indptr:data_ptr(), X.indices:data_ptr(), X.data:data_ptr()
  local out = {}
  for i = 0, X.shape[1] - 1 do
    local row = {}
    for k = tonumber(ip[i]), tonumber(ip[i + 1]) - 1 do
      if dx[k] ~= 0 then row[#row + 1] = names[ix[k] + 1] end
    end
    out[i + 1] = row
  end
  return out
end

local COUNT_ATTRS = {
  vocabulary_ = function(self)
    if not self.state then return nil end
    if not self._vocab_map then
      local m = {}
      for j, t in ipairs(self:get_feature_names_out()) do m[t] = j end
      self._vocab_map = m
    end
    return self._vocab_map
  end,
  stop_words_ = function(self)
    if not self.state or not self._removed then return nil end
    if not self._stop_set then
      local s = {}
      for _, t in ipairs(terms_of(self._removed)) do s[t] = true end
      self._stop_set = s
    end
    return self._stop_set
  end,
  fixed_vocabulary_ = function(self) return self.state and self.state.fixed_vocabulary_ end,
}

-- ---------------------------------------------------------------- TF-IDF (in C)
local function as_csr(op, X)
  if sparse.is_csr(X) then return X end
  if tensor.is_tensor(X) or type(X) == "table" then
    X = B.matrix(op, X)
    return sparse.from_dense(X)
  end
  raise(op .. ": X must be a tide.sparse CSR matrix or a 2-d tensor, got " .. type(X))
end

local function idf_of(p, X)
  local d = X.shape[2]
  local idf = tensor.empty({ d }, "float64")
  check_c(C.tide_tfidf_idf(X.shape[1], d, X.nnz, X.indices:data_ptr(), p.smooth_idf and 1 or 0, idf:data_ptr()))
  return idf
end

-- the TF-IDF of X (in place when inplace, on a copy otherwise)
local function tfidf_apply(op, p, X, idf, inplace)
  if not inplace then X = X:clone() end
  local nnz = C.tide_tfidf_apply(X.shape[1], X.shape[2], X.indptr:data_ptr(), X.indices:data_ptr(), X.data:data_ptr(),
    p.use_idf and idf:data_ptr() or nil, p.sublinear_tf and 1 or 0, NORMS[p.norm] or C.TIDE_NORM_ROWS_NONE, op)
  if nnz < 0 then core.raise_c() end
  nnz = tonumber(nnz)
  if nnz < X.nnz then
    return sparse.csr(X.data:narrow(1, 1, nnz):clone(), X.indices:narrow(1, 1, nnz):clone(), X.indptr, X.shape)
  end
  return X
end

local TFIDF_DEFAULTS = { norm = "l2", use_idf = true, smooth_idf = true, sublinear_tf = false }

-- ---------------------------------------------------------------- the classes
local CountVectorizer = B.class("CountVectorizer", COUNT_DEFAULTS, check_count)
CountVectorizer._optional = COUNT_OPTIONAL
install(CountVectorizer, CountMethods)
install(CountVectorizer, Shared)
with_attributes(CountVectorizer, COUNT_ATTRS)
CountVectorizer.__tostring = pretty
M.CountVectorizer = CountVectorizer

local TV_DEFAULTS = {}
for k, v in pairs(COUNT_DEFAULTS) do TV_DEFAULTS[k] = v end
for k, v in pairs(TFIDF_DEFAULTS) do TV_DEFAULTS[k] = v end
local TV_OPTIONAL = {}
for k in pairs(COUNT_OPTIONAL) do TV_OPTIONAL[k] = true end
TV_OPTIONAL.norm = true

local TfidfVectorizer = B.class("TfidfVectorizer", TV_DEFAULTS, function(self)
  check_count(self)
  check_tfidf_params(self)
end)
TfidfVectorizer._optional = TV_OPTIONAL
M.TfidfVectorizer = TfidfVectorizer

function TfidfVectorizer:fit_transform(docs)
  local op = self._name .. ".fit_transform"
  local X = count_fit(self, op, docs)
  if self.params.use_idf then self.state.idf_ = idf_of(self.params, X) end
  return tfidf_apply(op, self.params, X, self.state.idf_, true)
end

function TfidfVectorizer:fit(docs)
  local op = self._name .. ".fit"
  local X = count_fit(self, op, docs)
  if self.params.use_idf then self.state.idf_ = idf_of(self.params, X) end
  return self
end

function TfidfVectorizer:transform(docs)
  local op = self._name .. ".transform"
  if not self.state then raise(format("%s: The TF-IDF vectorizer is not fitted; call fit first", op)) end
  local X = count_transform(self, op, docs)
  return tfidf_apply(op, self.params, X, self.state.idf_, true)
end

install(TfidfVectorizer, CountMethods)
install(TfidfVectorizer, Shared)
local TV_ATTRS = { idf_ = function(self) return self.state and self.state.idf_ end }
for k, f in pairs(COUNT_ATTRS) do TV_ATTRS[k] = f end
with_attributes(TfidfVectorizer, TV_ATTRS)
TfidfVectorizer.__tostring = pretty

-- TfidfTransformer: counts (CSR or dense) -> TF-IDF
local TfidfTransformer = B.class("TfidfTransformer", TFIDF_DEFAULTS, check_tfidf_params)
TfidfTransformer._optional = { norm = true }
M.TfidfTransformer = TfidfTransformer

function TfidfTransformer:fit(X)
  local op = "TfidfTransformer.fit"
  X = as_csr(op, X)
  self.state = { n_features_in_ = X.shape[2] }
  if self.params.use_idf then self.state.idf_ = idf_of(self.params, X) end
  return self
end

function TfidfTransformer:transform(X)
  local op = "TfidfTransformer.transform"
  self:check_fitted("transform")
  X = as_csr(op, X)
  if X.shape[2] ~= self.state.n_features_in_ then
    raise(format("%s: X has %d features, but TfidfTransformer is expecting %d features as input.", op, X.shape[2],
      self.state.n_features_in_))
  end
  return tfidf_apply(op, self.params, X, self.state.idf_, false)
end

function TfidfTransformer:fit_transform(X)
  return self:fit(X):transform(X)
end

with_attributes(TfidfTransformer, {
  idf_ = function(self) return self.state and self.state.idf_ end,
  n_features_in_ = function(self) return self.state and self.state.n_features_in_ end,
})
TfidfTransformer.__tostring = pretty

-- HashingVectorizer: stateless
local HASH_DEFAULTS = { n_features = 2 ^ 20, alternate_sign = true, norm = "l2" }
for k, v in pairs(COMMON) do HASH_DEFAULTS[k] = v end
local HASH_OPTIONAL = { norm = true }
for k in pairs(OPTIONAL_COMMON) do HASH_OPTIONAL[k] = true end

local HashingVectorizer = B.class("HashingVectorizer", HASH_DEFAULTS, function(self)
  check_common(self)
  local p = self.params
  if type(p.n_features) ~= "number" or p.n_features ~= math.floor(p.n_features) or p.n_features < 1
    or p.n_features > 2 ^ 31 - 1 then
    raise(format("HashingVectorizer: n_features must be an integer in [1, 2^31 - 1], got %s", str(p.n_features)))
  end
  if type(p.alternate_sign) ~= "boolean" then
    raise("HashingVectorizer: alternate_sign must be true or false, got " .. str(p.alternate_sign))
  end
  if not is_none(p.norm) and not NORMS[p.norm] then
    raise(format("HashingVectorizer: norm must be \"l1\", \"l2\" or nil, got %s", str(p.norm)))
  end
end)
HashingVectorizer._optional = HASH_OPTIONAL
M.HashingVectorizer = HashingVectorizer
install(HashingVectorizer, Shared)
HashingVectorizer.__tostring = pretty

function HashingVectorizer:fit(docs)
  local op = "HashingVectorizer.fit"
  if type(docs) == "string" then docs_error(op, "expected a list of documents, got a string") end
  ready(self, op)
  self.state = { n_features = self.params.n_features }
  return self
end

function HashingVectorizer:transform(docs)
  local op = "HashingVectorizer.transform"
  local p = self.params
  local t = prepare(self, op, docs)
  if t.n == 0 then raise(op .. ": Cannot vectorize empty sequence.") end
  local res = ffi.new("tide_csr_result")
  check_c(C.tide_text_hash(t.d, t.opts or self._ready.opts, p.n_features, p.alternate_sign and 1 or 0,
    p.binary and 1 or 0, res, op))
  local X = csr_of(res)
  if not is_none(p.norm) then
    tfidf_apply(op, { use_idf = false, sublinear_tf = false, norm = p.norm }, X, nil, true)
  end
  return X
end

function HashingVectorizer:fit_transform(docs)
  self:fit(docs)
  return self:transform(docs)
end

function HashingVectorizer:is_fitted() return true end

-- ---------------------------------------------------------------- saving
-- to_table(): a JSON-able {class, params, state} (the text pipeline embeds it); from_table
-- rebuilds. Custom functions cannot be saved; stop-word objects are saved as their word lists.
local function saved_params(self, op)
  local out = {}
  for k, v in pairs(self.params) do
    if callable(v) then
      raise(format("%s: %s is a Lua function, which cannot be saved; save a vectorizer without custom functions", op, k))
    end
    if k == "stop_words" and type(v) == "table" then v = stop_list(op, v) end
    if k == "vocabulary" and type(v) == "table" and #v == 0 then
      local list = {}
      for t, j in pairs(v) do if type(j) == "number" then list[j] = t end end
      if next(list) then v = list end
    end
    out[k] = B.deep_copy(v)
  end
  return out
end

local function state_table(self)
  if not self.state then return nil end
  local s = { fixed_vocabulary_ = self.state.fixed_vocabulary_, n_features = self.state.n_features,
    n_features_in_ = self.state.n_features_in_ }
  if self._vocab then s.vocabulary = self._terms or terms_of(self._vocab) end
  if self.state.idf_ then s.idf_ = B.flat(self.state.idf_) end
  return s
end

local function restore(cls, params, s)
  local self = cls.new(params)
  if s == nil then return self end
  self.state = { fixed_vocabulary_ = s.fixed_vocabulary_, n_features = s.n_features, n_features_in_ = s.n_features_in_ }
  if s.vocabulary then
    local v, rep = vocab_of(s.vocabulary)
    if rep then raise(format("%s.load: the saved vocabulary repeats %q", cls._name, s.vocabulary[rep])) end
    self._vocab, self._terms = v, s.vocabulary
  end
  if s.idf_ then
    self.state.idf_ = type(s.idf_) == "table" and not tensor.is_tensor(s.idf_) and tensor.tensor(s.idf_, "float64") or s.idf_
  end
  return self
end

local function to_table(self)
  local op = self._name .. ".save"
  return { class = self._name, params = saved_params(self, op), state = state_table(self) }
end

local function from_table(cls)
  return function(t)
    if type(t) ~= "table" or t.class ~= cls._name then raise(cls._name .. ".from_table: not a saved " .. cls._name) end
    return restore(cls, t.params or {}, t.state)
  end
end

-- save(path): JSON (any name), or safetensors when the path ends in .safetensors (the vocabulary
-- as uint8 bytes + int64 offsets, idf_ as float64; parameters in the metadata "tide.model").
local function save(self, path)
  local op = self._name .. ".save"
  if type(path) ~= "string" then raise(op .. ": path must be a string") end
  local t = to_table(self)
  if not path:match("%.safetensors$") then
    B.write_atomic(path, json.encode(t, op, self._name), op)
    return self
  end
  local tensors, s = {}, t.state
  if s and s.vocabulary then
    local nb = tonumber(C.tide_vocab_bytes(self._vocab))
    local bytes = tensor.empty({ nb }, "uint8")
    local off = tensor.empty({ #s.vocabulary + 1 }, "int64")
    check_c(C.tide_vocab_terms(self._vocab, ffi.cast("char *", bytes:data_ptr()), off:data_ptr()))
    tensors[#tensors + 1] = { "vocabulary.bytes", bytes }
    tensors[#tensors + 1] = { "vocabulary.offsets", off }
    s.vocabulary = { ["$tensor"] = "vocabulary" }
  end
  if s and s.idf_ then
    tensors[#tensors + 1] = { "idf_", self.state.idf_:contiguous() }
    s.idf_ = { ["$tensor"] = "idf_" }
  end
  t.format = 1
  require("tide.io.safetensors").save(path, tensors, { ["tide.model"] = json.encode(t, op, "model") }, op)
  return self
end

-- load(path): a vectoriser saved by save (either format)
function M.load(path)
  local op = "tide.text.load"
  if type(path) ~= "string" then raise(op .. ": path must be a string") end
  local t
  if path:match("%.safetensors$") then
    local tensors, meta = require("tide.io.safetensors").load(path, op)
    if not meta or not meta["tide.model"] then raise(op .. ": " .. path .. " holds no Tide vectorizer") end
    t = json.decode(meta["tide.model"], op, "model")
    local s = t.state
    if s and type(s.vocabulary) == "table" and s.vocabulary["$tensor"] then
      local bytes, off = tensors["vocabulary.bytes"], tensors["vocabulary.offsets"]
      if not bytes or not off then raise(op .. ": " .. path .. " lacks the vocabulary tensors") end
      local n, op_ = off:numel() - 1, off:data_ptr()
      local base = ffi.cast("const char *", bytes:data_ptr())
      local nb = bytes:numel()
      local list = {}
      for i = 0, n - 1 do
        local a, b = tonumber(op_[i]), tonumber(op_[i + 1])
        if a < 0 or b < a or b > nb then raise(op .. ": " .. path .. ": bad vocabulary offsets") end
        list[i + 1] = ffi.string(base + a, b - a)
      end
      s.vocabulary = list
    end
    if s and type(s.idf_) == "table" and s.idf_["$tensor"] then s.idf_ = tensors["idf_"] end
  else
    local f, err = io.open(path, "rb")
    if not f then raise(op .. ": cannot read " .. path .. ": " .. tostring(err)) end
    local text = f:read("*a")
    f:close()
    t = json.decode(text, op, "vectorizer")
  end
  local cls = type(t) == "table" and M[t.class]
  if not cls or not cls.from_table then raise(op .. ": " .. path .. " is not a saved Tide vectorizer") end
  return cls.from_table(t)
end

for _, cls in ipairs({ CountVectorizer, TfidfVectorizer, TfidfTransformer, HashingVectorizer }) do
  cls.to_table = to_table
  cls.from_table = from_table(cls)
  cls.save = save
  cls.load = M.load
  cls.to_json = function(self) return json.encode(to_table(self), self._name .. ".to_json", self._name) end
end

return M
