-- tide.text.vectorize_docs: what the vectorisers (tide.text.vectorize) hand to C — the analyser
-- options (tide_analyzer_opts, the compiled token pattern, the stop-word set), the documents as
-- one buffer with offsets (strings, token lists, a tide.frame string column, files), the custom
-- Lua functions run per document, the vocabulary handles, and the build_analyzer /
-- build_preprocessor / build_tokenizer methods the classes share.
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local sparse = require("tide.sparse")
local json = require("tide.io.json")
local C = core.C
local raise, format = core.raise, string.format
local concat = table.concat

local M = {}
local DEFAULT_PATTERN = "(?u)\\b\\w\\w+\\b"
-- the patterns the C scanner implements exactly (Python's \w: letters, numbers, "_")
local SCANNER_PATTERNS = { [DEFAULT_PATTERN] = true, ["\\b\\w\\w+\\b"] = true }

local function is_none(v) return v == nil or v == false or v == json.null end
local function callable(v)
  if type(v) == "function" then return true end
  local mt = type(v) == "table" and getmetatable(v)
  return mt and type(mt) == "table" and mt.__call ~= nil or false
end

local function check_c(status) if status ~= 0 then core.raise_c() end end

-- ---------------------------------------------------------------- C handles
local function new_vocab()
  local v = C.tide_vocab_new()
  if v == nil then core.raise_c() end
  return ffi.gc(v, C.tide_vocab_free)
end

-- A list of strings -> one buffer + int64 offsets [n + 1] (tensor); the buffer string must stay
-- referenced while C reads it.
local function pack(list, n)
  local off = tensor.empty({ n + 1 }, "int64")
  local p = off:data_ptr()
  local acc = 0
  p[0] = 0
  for i = 1, n do
    acc = acc + #list[i]
    p[i] = acc
  end
  return concat(list, "", 1, n), off
end

-- vocabulary from a list of terms; returns the handle and the index of the first repeat (1-based) or nil
local function vocab_of(list)
  local v = new_vocab()
  local text, off = pack(list, #list)
  local rep = ffi.new("int64_t[1]")
  if C.tide_vocab_add_list(v, text, off:data_ptr(), #list, rep) < 0 then core.raise_c() end
  return v, rep[0] >= 0 and tonumber(rep[0]) + 1 or nil
end

-- the terms of a vocabulary handle as a Lua list (id order)
local function terms_of(v)
  local n = tonumber(C.tide_vocab_size(v))
  local text = ffi.new("char[?]", math.max(1, tonumber(C.tide_vocab_bytes(v))))
  local off = ffi.new("int64_t[?]", n + 1)
  check_c(C.tide_vocab_terms(v, text, off))
  local out = {}
  for i = 0, n - 1 do out[i + 1] = ffi.string(text + off[i], off[i + 1] - off[i]) end
  return out
end

local ANALYZERS = { word = C.TIDE_ANALYZER_WORD, char = C.TIDE_ANALYZER_CHAR, char_wb = C.TIDE_ANALYZER_CHAR_WB }
local ACCENTS = { unicode = C.TIDE_ACCENTS_UNICODE, ascii = C.TIDE_ACCENTS_ASCII }
local DECODE = { strict = C.TIDE_DECODE_STRICT, replace = C.TIDE_DECODE_REPLACE, ignore = C.TIDE_DECODE_IGNORE }

-- ---------------------------------------------------------------- stop words
local function stop_list(op, sw)
  if type(sw) == "string" then
    local ok, mod = pcall(require, "tide.text.stopwords")
    if not ok or type(mod.stop_words) ~= "function" then
      raise(format("%s: stop_words = %q needs tide.text.stop_words, which is not available", op, sw))
    end
    sw = mod.stop_words(sw)
  end
  if type(sw) == "table" and getmetatable(sw) then -- a StopWords object
    if type(sw.words) == "function" then sw = sw:words()
    elseif type(sw.list) == "function" then sw = sw:list()
    elseif type(sw.words) == "table" then sw = sw.words end
  end
  if type(sw) ~= "table" then raise(op .. ": stop_words did not give a list of words") end
  local list = {}
  if #sw > 0 then
    for i, w in ipairs(sw) do
      if type(w) ~= "string" then raise(format("%s: stop_words[%d] is a %s, not a string", op, i, type(w))) end
      list[i] = w
    end
  else -- a set {word = true}
    for w, on in pairs(sw) do
      if type(w) ~= "string" then raise(format("%s: stop_words has a key of type %s", op, type(w))) end
      if on then list[#list + 1] = w end
    end
    table.sort(list)
  end
  return list
end

-- ---------------------------------------------------------------- the C analyser options
-- self._ready: {opts = tide_analyzer_opts, regex, stop, stop_list, mode}; mode "c" (the whole
-- analysis in C) or "lua" (a custom function runs per document).
local function ready(self, op)
  local r = self._ready
  if r then return r end
  local p = self.params
  r = {}
  local o = ffi.new("tide_analyzer_opts")
  local custom_analyzer = callable(p.analyzer)
  o.analyzer = custom_analyzer and C.TIDE_ANALYZER_WORD or ANALYZERS[p.analyzer]
  o.lowercase = p.lowercase and 1 or 0
  o.strip_accents = ACCENTS[p.strip_accents] or C.TIDE_ACCENTS_NONE
  o.decode_error = DECODE[p.decode_error]
  o.ngram_min, o.ngram_max = p.ngram_range[1], p.ngram_range[2]
  local word = p.analyzer == "word"
  if word and is_none(p.tokenizer) then
    local pat = p.token_pattern
    if is_none(pat) then raise(op .. ": token_pattern must be a string when no tokenizer is given") end
    if not SCANNER_PATTERNS[pat] then
      local re = C.tide_regex_new(pat, #pat, 0)
      if re == nil then core.raise_c() end
      r.regex = ffi.gc(re, C.tide_regex_free)
      if C.tide_regex_groups(re) > 1 then
        raise(op .. ": More than 1 capturing group in token pattern. Only a single group should be captured.")
      end
      o.token_pattern = re
    end
  end
  if word and not is_none(p.stop_words) then
    r.stop_list = stop_list(op, p.stop_words)
    r.stop = vocab_of(r.stop_list)
    o.stop_words = r.stop
  end
  r.opts = o
  r.mode = (custom_analyzer or not is_none(p.preprocessor) or callable(p.strip_accents)
    or (word and not is_none(p.tokenizer))) and "lua" or "c"
  self._ready = r
  return r
end

-- ---------------------------------------------------------------- documents
local function docs_error(op, what) raise(op .. ": " .. what) end

-- Lua list -> Lua list of document strings (input = "filename" / "file" read here)
local function read_inputs(op, input, docs, n)
  if input == "content" then return docs end
  local out = {}
  for i = 1, n do
    local d = docs[i]
    if input == "filename" then
      if type(d) ~= "string" then docs_error(op, format("document %d must be a file name, got %s", i, type(d))) end
      local f, err = io.open(d, "rb")
      if not f then docs_error(op, format("document %d: cannot read %s: %s", i, d, tostring(err))) end
      out[i] = f:read("*a")
      f:close()
    else
      if io.type(d) ~= "file" then docs_error(op, format("document %d must be an open file, got %s", i, type(d))) end
      out[i] = d:read("*a") or ""
    end
  end
  return out
end

-- docs -> {d = tide_docs, keep = {...}, n = count} for C. kind: "text" (strings), "tokens" (lists
-- of strings) or "features" (a custom analyzer's lists).
local function text_docs(list, n)
  local text, off = pack(list, n)
  local d = ffi.new("tide_docs")
  d.n, d.kind, d.text, d.doc_offsets = n, C.TIDE_DOCS_TEXT, text, off:data_ptr()
  return { d = d, keep = { text, off }, n = n }
end

local function token_docs(op, lists, n, kind)
  local flat, m = {}, 0
  local doff = tensor.empty({ n + 1 }, "int64")
  local dp = doff:data_ptr()
  dp[0] = 0
  for i = 1, n do
    local l = lists[i]
    if type(l) ~= "table" then docs_error(op, format("document %d must be a list of tokens, got %s", i, type(l))) end
    for j = 1, #l do
      local t = l[j]
      if type(t) ~= "string" then
        docs_error(op, format("document %d: token %d must be a string, got %s", i, j, type(t)))
      end
      m = m + 1
      flat[m] = t
    end
    dp[i] = m
  end
  local text, toff = pack(flat, m)
  local d = ffi.new("tide_docs")
  d.n, d.kind, d.text, d.doc_offsets, d.token_offsets = n, kind, text, dp, toff:data_ptr()
  return { d = d, keep = { text, doff, toff }, n = n }
end

local function frame_column(x)
  local col = package.loaded["tide.frame.column"]
  return col and col.is_column(x) and x or nil
end

-- The documents as a Lua list of strings or token lists, or the C view of a frame column.
local function collect(self, op, docs)
  if type(docs) == "string" then
    docs_error(op, "expected a list of documents, got a string (wrap one document in a list: {doc})")
  end
  local col = frame_column(docs)
  if col then
    if col.type == "categorical" then col = col:astype("string") end
    if col.type ~= "string" then docs_error(op, format("the frame column '%s' holds %s, not strings", col.name, col.type)) end
    if col.missing and col.missing:any() then
      local mp = col.missing:data_ptr()
      for i = 0, col.n - 1 do if mp[i] then docs_error(op, format("document %d is missing (NA)", i + 1)) end end
    end
    if self.params.input ~= "content" or self._ready.mode == "lua" then
      local list = {}
      for i = 1, col.n do list[i] = col:get(i) end
      return list, col.n, "text"
    end
    local d = ffi.new("tide_docs")
    d.n, d.kind = col.n, C.TIDE_DOCS_TEXT
    d.text = ffi.cast("const char *", col.bytes:data_ptr())
    d.doc_offsets = col.offsets:data_ptr()
    return { d = d, keep = { col }, n = col.n }, col.n, "c"
  end
  if type(docs) ~= "table" or tensor.is_tensor(docs) then
    docs_error(op, "expected a list of documents (strings or token lists) or a tide.frame string column, got " .. type(docs))
  end
  local n = #docs
  docs = read_inputs(op, self.params.input, docs, n)
  local kind = n > 0 and type(docs[1]) == "table" and "tokens" or "text"
  for i = 1, n do
    local t = type(docs[i])
    if kind == "text" and t ~= "string" then
      docs_error(op, format("document %d must be a string, got %s", i,
        t == "table" and "a token list (all documents must be of one kind)" or t))
    elseif kind == "tokens" and t ~= "table" then
      docs_error(op, format("document %d must be a token list like document 1, got %s", i, t))
    end
  end
  return docs, n, kind
end

-- The documents ready for C, running the custom functions when there are any.
local function prepare(self, op, docs)
  local r = ready(self, op)
  local list, n, kind = collect(self, op, docs)
  if kind == "c" then return list end
  local p = self.params
  if kind == "tokens" then
    if p.analyzer ~= "word" then docs_error(op, "token-list documents need analyzer = \"word\"") end
    return token_docs(op, list, n, C.TIDE_DOCS_TOKENS)
  end
  if r.mode == "c" then return text_docs(list, n) end
  -- custom functions: per document in Lua
  local buf = ffi.gc(C.tide_strings_new(), C.tide_strings_free)
  local raw = ffi.new("tide_analyzer_opts", r.opts)
  raw.lowercase, raw.strip_accents = 0, C.TIDE_ACCENTS_NONE
  local lower = ffi.new("tide_analyzer_opts", r.opts)
  lower.strip_accents = C.TIDE_ACCENTS_NONE
  local function c_pre(doc, o, i)
    C.tide_strings_clear(buf)
    if C.tide_text_preprocess(doc, #doc, o, buf, op .. ": document " .. i) < 0 then core.raise_c() end
    return ffi.string(buf.text, buf.offsets[1])
  end
  local function call(fn, what, i, ...)
    local ok, res = pcall(fn, ...)
    if not ok then raise(format("%s: the %s failed on document %d: %s", op, what, i, tostring(res))) end
    return res
  end
  local out = {}
  local word = p.analyzer == "word"
  for i = 1, n do
    local doc = c_pre(list[i], raw, i) -- decoded (decode_error)
    if callable(p.analyzer) then
      out[i] = call(p.analyzer, "analyzer", i, doc)
    else
      if not is_none(p.preprocessor) then
        doc = call(p.preprocessor, "preprocessor", i, doc)
        if type(doc) ~= "string" then
          raise(format("%s: the preprocessor returned a %s for document %d, not a string", op, type(doc), i))
        end
      else
        doc = c_pre(doc, callable(p.strip_accents) and lower or r.opts, i)
        if callable(p.strip_accents) then
          doc = call(p.strip_accents, "strip_accents function", i, doc)
          if type(doc) ~= "string" then
            raise(format("%s: strip_accents returned a %s for document %d, not a string", op, type(doc), i))
          end
        end
      end
      out[i] = (word and not is_none(p.tokenizer)) and call(p.tokenizer, "tokenizer", i, doc) or doc
    end
  end
  if callable(p.analyzer) then return token_docs(op, out, n, C.TIDE_DOCS_FEATURES) end
  if word and not is_none(p.tokenizer) then return token_docs(op, out, n, C.TIDE_DOCS_TOKENS) end
  local t = text_docs(out, n)
  -- the preprocessor has run: C only tokenises
  local o = ffi.new("tide_analyzer_opts", r.opts)
  o.lowercase, o.strip_accents = 0, C.TIDE_ACCENTS_NONE
  t.opts = o
  return t
end

-- the C result -> tide.sparse CSR (nnz: the stored count after in-place pruning, if smaller)
local function csr_of(res, nnz, cols)
  local indptr, indices, data = core.wrap(res.indptr), core.wrap(res.indices), core.wrap(res.data)
  nnz = nnz or tonumber(res.nnz)
  if nnz < tonumber(res.nnz) then
    indices, data = indices:narrow(1, 1, nnz):clone(), data:narrow(1, 1, nnz):clone()
  end
  return sparse.csr(data, indices, indptr, { tonumber(res.rows), cols or tonumber(res.cols) })
end

-- ---------------------------------------------------------------- shared methods
local Shared = {}

-- the features of the one document of d, as a Lua list
local function features_of(d, opts, op)
  local out = ffi.gc(C.tide_strings_new(), C.tide_strings_free)
  if C.tide_text_analyze(d, 0, opts, out, op) < 0 then core.raise_c() end
  local list, off = {}, out.offsets
  for i = 0, tonumber(out.n) - 1 do list[i + 1] = ffi.string(out.text + off[i], off[i + 1] - off[i]) end
  return list
end

function Shared:build_analyzer()
  local op = self._name .. ".build_analyzer"
  ready(self, op)
  local this = self
  return function(doc)
    local t = prepare(this, op, { doc })
    return features_of(t.d, t.opts or this._ready.opts, op)
  end
end

-- build_preprocessor(): doc -> the lower-cased / accent-stripped document (or the preprocessor's)
function Shared:build_preprocessor()
  local op = self._name .. ".build_preprocessor"
  local r = ready(self, op)
  local p = self.params
  if not is_none(p.preprocessor) then return p.preprocessor end
  return function(doc)
    if type(doc) ~= "string" then raise(format("%s: expected a string, got %s", op, type(doc))) end
    local buf = ffi.gc(C.tide_strings_new(), C.tide_strings_free)
    local o = ffi.new("tide_analyzer_opts", r.opts)
    if callable(p.strip_accents) then o.strip_accents = C.TIDE_ACCENTS_NONE end
    if C.tide_text_preprocess(doc, #doc, o, buf, op) < 0 then core.raise_c() end
    local s = ffi.string(buf.text, buf.offsets[1])
    if callable(p.strip_accents) then s = p.strip_accents(s) end
    return s
  end
end

-- build_tokenizer(): doc -> its tokens by token_pattern (no preprocessing), or the tokenizer
function Shared:build_tokenizer()
  local op = self._name .. ".build_tokenizer"
  local r = ready(self, op)
  if not is_none(self.params.tokenizer) then return self.params.tokenizer end
  local o = ffi.new("tide_analyzer_opts", r.opts)
  o.analyzer, o.lowercase, o.strip_accents, o.ngram_min, o.ngram_max, o.stop_words = C.TIDE_ANALYZER_WORD, 0, 0, 1, 1, nil
  if not r.regex and not SCANNER_PATTERNS[self.params.token_pattern] then
    local re = C.tide_regex_new(self.params.token_pattern, #self.params.token_pattern, 0)
    if re == nil then core.raise_c() end
    r.regex = ffi.gc(re, C.tide_regex_free)
    o.token_pattern = re
  end
  return function(doc)
    if type(doc) ~= "string" then raise(format("%s: expected a string, got %s", op, type(doc))) end
    return features_of(text_docs({ doc }, 1).d, o, op)
  end
end

-- get_stop_words(): the stop-word list in use (nil when none)
function Shared:get_stop_words()
  local sw = self.params.stop_words
  if is_none(sw) then return nil end
  return stop_list(self._name .. ".get_stop_words", sw)
end


M.DEFAULT_PATTERN, M.SCANNER_PATTERNS = DEFAULT_PATTERN, SCANNER_PATTERNS
M.is_none, M.callable, M.check_c = is_none, callable, check_c
M.new_vocab, M.pack, M.vocab_of, M.terms_of = new_vocab, pack, vocab_of, terms_of
M.ANALYZERS, M.ACCENTS, M.DECODE = ANALYZERS, ACCENTS, DECODE
M.stop_list, M.ready, M.prepare, M.csr_of, M.docs_error = stop_list, ready, prepare, csr_of, docs_error
M.Shared = Shared

return M
