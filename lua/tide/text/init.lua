-- tide.text: the text pipeline — Unicode normalisation, tokenisers, stop words, stemmers,
-- lemmatiser, n-gram vectorisers (sparse CSR), a fastText-style classifier and the text
-- pipeline that composes them. Each name loads its file on first use: tide.text.Stemmer
-- requires tide.text.stem. The work is in C (core/text_*.c) through utf8proc, PCRE2 and
-- libstemmer; WordNet and the stop-word lists are read from their Debian packages.
local core = require("tide._core")

local FILES = {
  unicode = { "normalize", "validate", "is_valid_utf8", "casefold", "lower", "strip_accents" },
  stem = { "Stemmer", "stem", "stemmer_languages" },
  stopwords = { "stop_words", "stop_word_languages", "StopWords" },
  tokenize = { "word_tokenize", "sentences", "char_ngrams", "whitespace_tokenize", "regex_tokenize",
    "RegexTokenizer", "WordTokenizer", "word_ngrams" },
  lemmatize = { "Lemmatizer", "lemmatize" },
  vectorize = { "CountVectorizer", "TfidfTransformer", "TfidfVectorizer", "HashingVectorizer" },
  fasttext = { "FastTextClassifier" },
  pipeline = { "Preprocessor", "TextPipeline" },
  corpora = { "sentiment_sentences", "airline_tweets" },
}

local MODULE_OF = {}
for file, names in pairs(FILES) do
  for _, name in ipairs(names) do MODULE_OF[name] = "tide.text." .. file end
end

local M = { _module_of = MODULE_OF }

return setmetatable(M, { __index = function(t, k)
  local mod = MODULE_OF[k]
  if mod == nil then return nil end
  local v = require(mod)[k]
  if v == nil then core.raise("tide.text: " .. mod .. " does not define " .. k) end
  rawset(t, k, v)
  return v
end })
