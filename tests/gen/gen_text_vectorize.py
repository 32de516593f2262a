"""Reference outputs for tests/lua/text_vectorize_spec.lua and tests/c/test_text_vectorize.c:
scikit-learn 1.2's CountVectorizer, TfidfVectorizer, TfidfTransformer and HashingVectorizer.

(a) Small corpora written here (English with punctuation, duplicates and empty documents;
    Unicode: accents in NFC and NFD, Greek with final sigma, Turkish dotted I, ligatures,
    full-width forms, CJK, emoji, Hangul, odd white space; a generated corpus with many equal
    term totals for max_features ties; bytes with invalid UTF-8 for decode_error), stored whole
    with the exact feature names, CSR arrays, idf_ and stop_words_ of each configuration.
(b) The shared data sets, read at run time by the spec (TIDE_DATA): the 3,000 labelled
    sentences (tide.text.corpora.sentiment_sentences's reading: lines split at "\\n" only,
    sentence<TAB>label, the white space around the sentence dropped) and the 14,640 airline
    tweets (column text of Tweets.csv.gz). Only derived numbers are stored: a CRC-32 of the
    documents (the same input on both sides), the vocabulary size, a CRC-32 of the feature names
    joined by "\\n", nnz, and sketches (fixture_writer.sketch) of X @ W (W [d, 8] fixed weights
    cos(j k c)), of the column sums and of idf_.
(c) NumPy's argsort on arrays with many ties (tests/fixtures/text_vectorize_argsort.txt, for the C
    test of the port that breaks max_features ties).

Run: /usr/bin/python3 tests/gen/gen_text_vectorize.py
"""
import os
import random
import re
import sys
import unicodedata
import zlib

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
import sklearn.utils
from sklearn.feature_extraction.text import (CountVectorizer, HashingVectorizer, TfidfTransformer,
                                             TfidfVectorizer)

from fixture_writer import SKETCH_K, lua_value, sketch

here = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(here, "..", "fixtures")
DATA = os.environ.get("TIDE_DATA", os.path.join(here, "..", "..", "..", "shared", "data"))
rng = random.Random(20240612)


# ---------------------------------------------------------------- Lua output
def lua_str(s):
    """A Lua string literal: control bytes (and, in invalid UTF-8, every byte >= 0x80) as \\ddd."""
    b = s if isinstance(s, bytes) else s.encode("utf-8")
    try:
        b.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    out = bytearray(b'"')
    for c in b:
        if c == 0x22 or c == 0x5C:
            out += b"\\" + bytes([c])
        elif c < 0x20 or c == 0x7F or (c >= 0x80 and not valid):
            out += b"\\%03d" % c
        else:
            out.append(c)
    out += b'"'
    return out.decode("utf-8")


def lua(v):
    """fixture_writer.lua_value, with strings escaped (documents hold newlines and bad bytes) and
    any string as a table key."""
    if isinstance(v, dict):
        items = []
        for k, x in v.items():
            key = k if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k) else "[" + lua_str(k) + "]"
            items.append(f"{key} = {lua(x)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua(x) for x in v) + "}"
    if isinstance(v, (str, bytes)):
        return lua_str(v)
    return lua_value(v)  # numbers, booleans, None, arrays (sketches)


# ---------------------------------------------------------------- corpora
BASIC = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the fox runs away!",
    "",
    "A a I x y z",  # only one-letter words: no token under the default pattern
    "Don't stop-believing: it's 2024, e-mail me at foo@bar.com ... OK?",
    "the the the THE The tHe",
    "The quick brown fox jumps over the lazy dog.",  # a duplicate document
    "Numbers 12 345 6789 and 3.14 and 1,000,000 and under_score words_",
    "Tabs\tand\nnew lines\r\nand   many    spaces",
    "fox fox dog dog dog cat",
    "!!! ??? ... ,,, ;;;",
    "Hyphen-ated words and snake_case and CamelCase",
    "lazy dogs and quick foxes are not the same as lazy dog and quick fox",
]

BASIC_NEW = [
    "A brown cat meets a quick dog",  # "meets" and "cat"... unseen terms are ignored
    "",
    "zebra unicorn",  # nothing known
    "THE FOX, THE FOX!",
]

UNICODE = [
    "Café crème brûlée à la carte",
    "Cafe\u0301 cre\u0300me (NFD: combining accents)",
    "ΟΔΟΣ ΟΔΟΣ. Σίσυφος ΣΑΣ ἈΣ Σ",  # final sigma rules
    "İstanbul ISTANBUL ıi İİ",  # dotted capital I
    "Straße STRASSE ß ẞ",
    "ﬁne ﬂower ﬀ ligatures ½ ² ³ № ™",
    "Ｆｕｌｌｗｉｄｔｈ　ｗｏｒｄｓ １２３",  # full-width, ideographic space
    "日本語のテキスト 中文 한국어 텍스트",
    "emoji 😀😀 👍🏽 🇫🇷 flags",
    "non\u00a0breaking\u2009thin\u3000wide\u0085nel\u2028line",
    "",
    "Ångström Ærøskøbing Œuvre Łódź Čeština Ğ ğ",
    "x\u0308y\u0308 a\u0327 \u0301lead",
    "Ⅻ ⅻ Ⓐ ⓐ ª º ʰ",
    "mixed ASCII and ÜNÏCÖDË text",
]

UNICODE_NEW = ["café CAFÉ cafe\u0301", "ΣΑΣ σας", "unknown ﬁne"]

# invalid UTF-8 for decode_error
BYTES = [
    b"valid text here",
    b"bad \xff byte and \xc3\xa9 good",
    b"truncated \xe2\x82 sequence",
    b"lone continuation \x80\x80 bytes",
    b"surrogate \xed\xa0\x80 encoded",
    b"overlong \xc0\xaf slash",
    b"end \xf0\x9f\x98",
]


def generated_corpus():
    # words with Zipf-like frequencies over a small vocabulary: many equal totals
    words = ["w%03d" % i for i in range(260)]
    docs = []
    for d in range(70):
        k = rng.randint(0, 18)
        doc = []
        for _ in range(k):
            r = rng.random()
            if r < 0.3:
                doc.append(words[rng.randint(0, 9)])
            elif r < 0.6:
                doc.append(words[rng.randint(10, 59)])
            else:
                doc.append(words[rng.randint(60, 259)])
        docs.append(" ".join(doc))
    return docs


GEN = generated_corpus()
# "akqlrggi" hashes to -2^31 (found by inverting MurmurHash3's steps): column 2^31 mod n_features
INT32_MIN_TERM = "akqlrggi"
assert sklearn.utils.murmurhash3_32(INT32_MIN_TERM, 0) == -2 ** 31
# equal totals everywhere: which terms max_features keeps is decided by NumPy's argsort alone
TIES = [" ".join("t%02d" % i for i in range(45)), "t05 t17 t33", ""]
INT32_MIN = ["akqlrggi akqlrggi ab akqlrggi", "zz akqlrggi", "no such term"]
CORPORA = {"basic": BASIC, "basic_new": BASIC_NEW, "unicode": UNICODE, "unicode_new": UNICODE_NEW,
           "bytes": BYTES, "gen": GEN, "int32min": INT32_MIN, "ties": TIES}


# ---------------------------------------------------------------- cases
def csr(X):
    X = sp.csr_matrix(X, dtype=np.float64)
    X.sort_indices()
    return {"shape": list(X.shape), "indptr": X.indptr.tolist(), "indices": X.indices.tolist(),
            "data": X.data.astype(np.float64).tolist()}


def docs_of(name):
    return CORPORA[name]


def py_params(params):
    """Lua parameters -> scikit-learn's (explicit count / proportion tables, lists -> tuples)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, dict) and "count" in v:
            v = int(v["count"])
        elif isinstance(v, dict) and "proportion" in v:
            v = float(v["proportion"])
        elif k == "norm" and v is False:  # Lua: false is None
            v = None
        elif k == "ngram_range":
            v = tuple(v)
        out[k] = v
    return out


def count_case(name, cls, params, corpus, new=None):
    docs = docs_of(corpus)
    v = cls(**py_params(params))
    try:
        X = v.fit_transform(docs)
    except ValueError as e:  # the spec expects the same error
        return {"name": name, "class": cls.__name__, "params": params, "corpus": corpus, "error": str(e)}
    case = {"name": name, "class": cls.__name__, "params": params, "corpus": corpus,
            "features": list(v.get_feature_names_out()), "fit": csr(X)}
    if getattr(v, "stop_words_", None) is not None:
        case["stop_words_"] = sorted(v.stop_words_)
    if hasattr(v, "idf_") and getattr(v, "use_idf", False):
        case["idf"] = np.asarray(v.idf_, dtype=np.float64).tolist()
    if new:
        case["new_corpus"] = new
        case["new"] = csr(v.transform(docs_of(new)))
    return case


def slim(case, same_as):
    """A case whose features and column layout equal another's: keep only its values."""
    case["same_as"] = same_as
    del case["features"]
    for part in ("fit", "new"):
        if part in case:
            case[part] = {"data": case[part]["data"]}


def hashing_case(name, params, corpus):
    v = HashingVectorizer(**py_params(params))
    X = v.fit_transform(docs_of(corpus))
    return {"name": name, "class": "HashingVectorizer", "params": params, "corpus": corpus, "fit": csr(X)}


def cases():
    out = []
    C, T = CountVectorizer, TfidfVectorizer
    add = lambda *a, **k: out.append(count_case(*a, **k))
    add("count_default", C, {}, "basic", new="basic_new")
    add("count_bigrams", C, {"ngram_range": [1, 2]}, "basic", new="basic_new")
    add("count_23grams", C, {"ngram_range": [2, 3]}, "basic", new="basic_new")
    add("count_char_24", C, {"analyzer": "char", "ngram_range": [2, 4]}, "basic", new="basic_new")
    add("count_char_13", C, {"analyzer": "char", "ngram_range": [1, 3]}, "unicode")
    add("count_char_wb_24", C, {"analyzer": "char_wb", "ngram_range": [2, 4]}, "basic")
    add("count_char_wb_unicode", C, {"analyzer": "char_wb", "ngram_range": [2, 4]}, "unicode", new="unicode_new")
    add("count_char_wb_15", C, {"analyzer": "char_wb", "ngram_range": [1, 5]}, "unicode_new")
    add("count_min_df2", C, {"min_df": 2}, "basic", new="basic_new")
    add("count_min_df_prop", C, {"min_df": 0.15, "ngram_range": [1, 2]}, "basic")
    add("count_max_df_half", C, {"max_df": 0.5}, "gen")
    add("count_max_df3", C, {"max_df": 3, "min_df": 2}, "gen")
    add("count_max_df_count1", C, {"max_df": {"count": 1}}, "basic")
    add("count_min_df_all", C, {"min_df": {"proportion": 1.0}, "ngram_range": [1, 1]}, "gen")
    for mf in (5, 17, 40, 100, 150):
        add("count_max_features_%d" % mf, C, {"max_features": mf}, "gen")
    for mf in (16, 20, 30):
        add("count_max_features_ties_%d" % mf, C, {"max_features": mf}, "ties")
    add("count_max_features_bigram", C, {"max_features": 60, "ngram_range": [1, 2]}, "gen")
    add("count_max_features_binary", C, {"max_features": 33, "binary": True}, "gen")
    add("count_binary", C, {"binary": True, "ngram_range": [1, 2]}, "basic", new="basic_new")
    add("count_unicode", C, {}, "unicode", new="unicode_new")
    add("count_unicode_nolower", C, {"lowercase": False}, "unicode", new="unicode_new")
    add("count_accents_unicode", C, {"strip_accents": "unicode"}, "unicode", new="unicode_new")
    add("count_accents_ascii", C, {"strip_accents": "ascii"}, "unicode", new="unicode_new")
    add("count_accents_char", C, {"strip_accents": "unicode", "analyzer": "char", "ngram_range": [1, 2]}, "unicode")
    add("count_stop_words", C, {"stop_words": ["the", "and", "a", "over", "not"], "ngram_range": [1, 2]}, "basic",
        new="basic_new")
    add("count_pattern_w1", C, {"token_pattern": r"(?u)\b\w+\b"}, "unicode")
    add("count_pattern_group", C, {"token_pattern": r"(\w)\w*"}, "basic")
    add("count_pattern_ascii", C, {"token_pattern": r"[a-z]+"}, "basic")
    add("count_vocabulary", C, {"vocabulary": ["fox", "dog", "the", "quick brown", "unicorn"],
                                "ngram_range": [1, 2]}, "basic", new="basic_new")
    add("count_decode_replace", C, {"decode_error": "replace", "analyzer": "char", "ngram_range": [1, 1]}, "bytes")
    add("count_decode_ignore", C, {"decode_error": "ignore"}, "bytes")
    # TF-IDF: every norm / use_idf / smooth_idf / sublinear_tf combination
    for norm in ("l2", "l1", None):
        for use_idf in (True, False):
            for smooth in (True, False):
                for sub in (False, True):
                    p = {"use_idf": use_idf, "smooth_idf": smooth, "sublinear_tf": sub, "ngram_range": [1, 2]}
                    if norm is not None:
                        p["norm"] = norm
                    else:
                        p["norm"] = False  # Lua: false is None
                    tag = "%s_%s_%s_%s" % (norm, "idf" if use_idf else "noidf", "smooth" if smooth else "raw",
                                           "sub" if sub else "lin")
                    add("tfidf_" + tag, T, p, "basic", new="basic_new")
                    if len(out) > 1 and out[-1]["name"] != "tfidf_l2_idf_smooth_lin":
                        slim(out[-1], "tfidf_l2_idf_smooth_lin")
    add("tfidf_char_wb", T, {"analyzer": "char_wb", "ngram_range": [2, 3], "sublinear_tf": True}, "basic_new")
    add("tfidf_pruned", T, {"min_df": 2, "max_df": 0.6}, "gen")
    add("tfidf_max_features", T, {"max_features": 25}, "gen")
    add("tfidf_accents", T, {"strip_accents": "ascii", "norm": "l1"}, "unicode", new="unicode_new")
    # hashing
    H = lambda *a: out.append(hashing_case(*a))
    H("hash_default", {}, "basic")
    H("hash_1024", {"n_features": 1024}, "basic")
    H("hash_1024_nosign", {"n_features": 1024, "alternate_sign": False, "norm": False}, "basic")
    H("hash_unsigned_l1", {"n_features": 1024, "alternate_sign": False, "norm": "l1"}, "unicode")
    H("hash_binary", {"n_features": 64, "binary": True}, "basic")
    H("hash_small_sum", {"n_features": 8, "norm": False, "ngram_range": [1, 2]}, "basic")
    H("hash_char_wb", {"n_features": 1024, "analyzer": "char_wb", "ngram_range": [2, 3]}, "unicode_new")
    H("hash_bigrams_2_20", {"ngram_range": [1, 2], "alternate_sign": True}, "unicode")
    H("hash_int32_min_1000", {"n_features": 1000, "norm": False}, "int32min")
    H("hash_int32_min_2_20", {"norm": False, "alternate_sign": False}, "int32min")
    H("hash_int32_min_7", {"n_features": 7, "norm": "l1"}, "int32min")
    return out


def tfidf_transformer_cases():
    out = []
    counts = np.array([[3, 0, 1, 0], [2, 0, 0, 1], [3, 0, 0, 0], [4, 0, 0, 0], [3, 2, 0, 0], [3, 0, 2, 0]],
                      dtype=np.float64)
    for norm in ("l2", "l1", None):
        for sub in (False, True):
            t = TfidfTransformer(norm=norm, sublinear_tf=sub)
            X = t.fit_transform(counts)
            out.append({"name": "transformer_%s_%s" % (norm, sub), "params": {"norm": norm or False, "sublinear_tf": sub},
                        "counts": counts.tolist(), "idf": t.idf_.tolist(), "fit": csr(X)})
    # an explicit zero: counted by the document frequency, dropped by the idf product
    Z = sp.csr_matrix((np.array([1.0, 0.0, 2.0, 1.0]), np.array([0, 1, 1, 2]), np.array([0, 2, 4])), shape=(2, 3))
    t = TfidfTransformer()
    X = t.fit_transform(Z)
    out.append({"name": "transformer_explicit_zero", "params": {},
                "csr": {"data": Z.data.tolist(), "indices": Z.indices.tolist(), "indptr": Z.indptr.tolist(),
                        "shape": list(Z.shape)}, "idf": t.idf_.tolist(), "fit": csr(X)})
    return out


def analyzer_cases():
    """build_analyzer() / build_preprocessor() outputs on single documents."""
    docs = ["ΟΔΟΣ Σ ΣΑΣ. Α.Σ. ἈΣ' σΣ", "İi ı ß ẞ Ǆ ǅ ǆ ﬁ Ω K Å", "Ａ１ ²³ ½ x\u0301 e\u0308 n\u0303",
            "tab\there\u00a0nbsp\u2003em\u0085nel  two  spaces\n\nnewlines", "a-b_c d'e f.g 3.14 x2 _ __",
            "日本語 한국어 😀👍🏽 עִבְרִית العَرَبِيَّة हिन्दी"]
    configs = [{}, {"ngram_range": [1, 3]}, {"lowercase": False}, {"strip_accents": "unicode"},
               {"strip_accents": "ascii"}, {"analyzer": "char", "ngram_range": [1, 2]},
               {"analyzer": "char_wb", "ngram_range": [1, 3]}, {"token_pattern": r"(?u)\b\w+\b"},
               {"token_pattern": r"\S+", "stop_words": ["a-b_c", "3.14"]}]
    out = []
    for p in configs:
        v = CountVectorizer(**py_params(p))
        analyze, pre = v.build_analyzer(), v.build_preprocessor()
        out.append({"params": p, "docs": docs, "features": [analyze(d) for d in docs],
                    "preprocessed": [pre(d) for d in docs]})
    return out


# ---------------------------------------------------------------- the shared data sets
def sentences():
    ws = "[ \t\n\v\f\r]"
    line_re = re.compile(r"^%s*(.*?)%s*\t%s*([01])%s*$" % (ws, ws, ws, ws), re.S)
    texts = []
    for source in ("amazon_cells", "imdb", "yelp"):
        path = os.path.join(DATA, "sentiment-labelled-sentences", source + "_labelled.txt")
        raw = open(path, "rb").read().decode("utf-8")
        for line in raw.split("\n"):
            if not re.search(r"[^ \t\n\v\f\r]", line):
                continue
            m = line_re.match(line)
            texts.append(m.group(1))
    return texts


def tweets():
    path = os.path.join(DATA, "twitter-airline-sentiment", "Tweets.csv.gz")
    return pd.read_csv(path)["text"].tolist()


def weights(d):
    j = np.arange(1, d + 1, dtype=np.float64)[:, None]
    k = np.arange(1, SKETCH_K + 1, dtype=np.float64)[None, :]
    return np.cos(j * k * 0.7390851332151607)


def crc(strings):
    return zlib.crc32("\n".join(strings).encode("utf-8"))


def data_case(name, cls, params, docs_name, docs):
    v = cls(**py_params(params))
    X = sp.csr_matrix(v.fit_transform(docs), dtype=np.float64)
    case = {"name": name, "class": cls.__name__, "params": params, "docs": docs_name, "n_docs": len(docs),
            "docs_crc": crc(docs), "shape": list(X.shape), "nnz": int(X.nnz),
            "proj": sketch(X @ weights(X.shape[1])), "colsum": sketch(np.asarray(X.sum(axis=0)).ravel())}
    if cls is not HashingVectorizer:
        case["features_crc"] = crc(list(v.get_feature_names_out()))
    if getattr(v, "use_idf", False) and hasattr(v, "idf_"):
        case["idf"] = sketch(np.asarray(v.idf_))
    return case


def data_cases():
    if not os.path.isdir(os.path.join(DATA, "twitter-airline-sentiment")):
        print("TIDE_DATA not found: the shared-data cases are left out", file=sys.stderr)
        return []
    s, t = sentences(), tweets()
    assert len(s) == 3000 and len(t) == 14640
    return [
        data_case("sentences_tfidf_12", TfidfVectorizer, {"ngram_range": [1, 2]}, "sentences", s),
        data_case("sentences_count_pruned", CountVectorizer,
                  {"min_df": 2, "max_df": 0.5, "max_features": 1000, "ngram_range": [1, 2]}, "sentences", s),
        data_case("sentences_char_wb", TfidfVectorizer, {"analyzer": "char_wb", "ngram_range": [2, 4],
                                                         "sublinear_tf": True}, "sentences", s),
        data_case("tweets_tfidf_12", TfidfVectorizer, {"ngram_range": [1, 2]}, "tweets", t),
        data_case("tweets_tfidf_min_df2", TfidfVectorizer, {"ngram_range": [1, 2], "min_df": 2,
                                                            "strip_accents": "unicode", "sublinear_tf": True},
                  "tweets", t),
        data_case("tweets_hashing", HashingVectorizer, {"ngram_range": [1, 2]}, "tweets", t),
    ]


# ---------------------------------------------------------------- NumPy argsort ties
def argsort_cases(path):
    r = np.random.default_rng(7)
    with open(path, "w") as f:
        f.write("# GENERATED by tests/gen/gen_text_vectorize.py with NumPy %s: n, values, argsort (kind quicksort)\n"
                % np.__version__)
        sizes = [(n, d) for n in (1, 2, 5, 16, 17, 18, 40, 100, 257) for d in (1, 2, 3, 10, 1000)]
        arrays = [-r.integers(0, d, n) for n, d in sizes + [(1000, 2), (1000, 1000)]]
        # organ pipes (the median of three's worst friends)
        arrays += [np.concatenate([np.arange(n // 2), np.arange(n // 2)[::-1]]) for n in (64, 500)]
        for v in arrays:
            p = np.argsort(v.astype(np.float64))
            f.write("%d\n%s\n%s\n" % (len(v), " ".join(str(int(x)) for x in v), " ".join(str(int(x)) for x in p)))


def main():
    all_cases = cases()
    path = os.path.join(FIXTURES, "text_vectorize.lua")
    with open(path, "w") as f:
        f.write("-- GENERATED by tests/gen/gen_text_vectorize.py with scikit-learn %s, NumPy %s; do not edit.\n"
                % (sklearn.__version__, np.__version__))
        f.write("return {\n")
        f.write("  corpora = {\n")
        for k, v in CORPORA.items():
            f.write("    %s = %s,\n" % (k, lua(v)))
        f.write("  },\n")
        sections = [("cases", all_cases), ("transformer", tfidf_transformer_cases()),
                    ("analyzers", analyzer_cases()), ("data", data_cases())]
        for name, items in sections:
            f.write("  %s = {\n" % name)
            for c in items:
                f.write("    %s,\n" % lua(c))
            f.write("  },\n")
        f.write("}\n")
    argsort_cases(os.path.join(FIXTURES, "text_vectorize_argsort.txt"))
    print("wrote", path)


if __name__ == "__main__":
    main()
