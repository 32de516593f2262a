"""Reference values for tests/lua/text_unicode_spec.lua (tide.text normalize, casefold, lower,
strip_accents, validate) from Python's unicodedata, str.casefold / str.lower, scikit-learn's
strip_accents_unicode and bytes.decode(errors="replace" / "ignore").

Run with /usr/bin/python3 from the repository root; writes tests/fixtures/text_unicode.lua.

Two parts:
  cases       hand-written tricky strings (bytes, some invalid UTF-8) and every transformation
              of each (the text after errors="replace" decoding goes through the others);
  exhaustive  every code point Python's Unicode tables assign (not private use, not surrogates),
              4096 at a time joined by spaces, through each transformation: FNV-1a 32-bit hashes
              of the UTF-8 outputs per block, so the fixture stays small.
"""
import os
import sys
import unicodedata

import numpy as np
import sklearn
from sklearn.feature_extraction.text import strip_accents_unicode

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "text_unicode.lua")

CASES = [
    ("ascii", b"Hello, World! 123 ABC xyz"),
    ("nul_bytes", "a\x00B\x00\u00c9\x00".encode()),
    ("accents_nfc", "Crème brûlée à la café, naïve Zoë, Ångström".encode()),
    ("accents_nfd", unicodedata.normalize("NFD", "Crème brûlée à la café, naïve Zoë, Ångström").encode()),
    ("ligatures", "ﬁnancial ﬂow ﬀ ﬃ Œuvre æsthetic Ĳssel".encode()),
    ("fullwidth", "ＡＢＣ１２３ ｈｅｌｌｏ ｱｲｳ ｶﾞ".encode()),
    ("roman_numerals", "Ⅻ ⅻ Ⅳ Ⅿ".encode()),
    ("german_sharp_s", "Straße STRASSE ẞ groß".encode()),
    # str.lower gives a final sigma at the end of a word, the simple mapping never does
    ("greek_final_sigma", "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ ὈΔΥΣΣΕΎΣ".encode()),
    ("greek", "Σοφία ΐ ᾼ ϐ ϑ ς".encode()),
    # str.lower maps İ to i + U+0307 (full mapping), the simple mapping to i
    ("turkish_dotted_i", "İstanbul DİYARBAKIR".encode()),
    ("turkish_dotless_i", "ıi ISPARTA".encode()),
    ("hangul", "한국어 훈민정음 \u1112\u1161\u11ab\u1100\u1173\u11af".encode()),
    ("emoji_zwj", "👩\u200d👩\u200d👧\u200d👦 👍🏽 🇫🇷 ❤\ufe0f".encode()),
    ("combining_order", "a\u0323\u0302 a\u0302\u0323 q\u0307\u0323 e\u0301\u0301 o\u031b\u0323\u0300".encode()),
    # a run of 40 marks of mixed classes (the long-run ordering path)
    ("zalgo", ("Z" + "".join(chr(c) for c in [0x351, 0x36B, 0x343, 0x36A, 0x302, 0x36B, 0x33D, 0x34F, 0x334, 0x319,
                                              0x324, 0x31E, 0x349, 0x35A, 0x32F, 0x31E, 0x320, 0x34D, 0x301, 0x316] * 2)
               + "a\u0301lgo").encode()),
    ("cjk", "日本語のテキスト、カタカナ ｶﾀｶﾅ ㌔ ㍿".encode()),
    ("arabic", "العربية ﻻ ﷺ ﷽".encode()),
    ("hindi", "हिन्दी क़ ड़ॉ".encode()),
    ("compat_symbols", "™ ℃ ½ ㎒ ① ﹏ ℌ ℍ µ ſ Å Ω ǅ ǆ".encode()),
    ("vietnamese", "Tiếng Việt Nam ĐẠI HỌC".encode()),
    ("cherokee", "ᏣᎳᎩ ꮳꮃꭹ".encode()),
    ("armenian_ligature", "և ﬓ".encode()),
    ("noncharacters", "\ufffe\uffff\U0010ffff x".encode()),
    # U+1E030 was added in Unicode 15.0: utf8proc decomposes it, Python 3.11 (14.0) does not
    ("unicode15", "\U0001e030\U0001e031 x".encode()),
    # invalid UTF-8
    ("lone_continuation", b"a\x80b\xbf\xbfc"),
    ("overlong", b"\xc0\xaf \xc1\xbf \xe0\x80\xaf \xf0\x80\x80\xaf"),
    ("surrogates", b"\xed\xa0\x80\xed\xbf\xbf x \xed\x9f\xbf"),
    ("truncated", b"\xe2\x82 a\xf0\x9f\x98 b\xc3\xe2\x82\xac"),
    ("beyond_max", b"\xf4\x90\x80\x80 \xf5\x80 \xf8\x88\x80\x80\x80 \xff\xfe \xf4\x8f\xbf\xbf"),
    ("latin1_bytes", b"caf\xc3\xa9 \xe9t\xe9 na\xefve"),
    ("truncated_at_end", b"abc\xe2\x82"),
    ("invalid_then_marks", b"\xff\xcc\x81e\xcc\x81"),
]


def strip(s):
    return strip_accents_unicode(s)


def nf(form, s):
    return unicodedata.normalize(form, s)


# each transformation: the Lua call's options (form + flags) and Python's reference
OPS = [
    ("NFC", lambda u: nf("NFC", u)),
    ("NFD", lambda u: nf("NFD", u)),
    ("NFKC", lambda u: nf("NFKC", u)),
    ("NFKD", lambda u: nf("NFKD", u)),
    ("casefold", lambda u: u.casefold()),
    ("lower", lambda u: u.lower()),
    ("strip", strip),                                  # form none: exactly sklearn's output
    ("strip_nfc", lambda u: nf("NFC", strip(u))),      # text.strip_accents
    ("nfkc_casefold", lambda u: nf("NFKC", u.casefold())),
    ("nfc_casefold_strip", lambda u: nf("NFC", strip(u.casefold()))),
    ("nfd_lower", lambda u: nf("NFD", u.lower())),
]


def first_bad(b):
    try:
        b.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        return e.start + 1


def lua_bytes(b):
    out = []
    for c in b:
        if 0x20 <= c < 0x7F and c not in (0x22, 0x5C):
            out.append(chr(c))
        else:
            out.append("\\%03d" % c)
    return '"' + "".join(out) + '"'


def fnv1a(b):
    h = 0x811C9DC5
    for c in b:
        h = ((h ^ c) * 0x01000193) & 0xFFFFFFFF
    return h


def simple_lower(u):
    # str.lower per character is the simple mapping except for U+0130 (full: i + U+0307; simple: i),
    # the only code point whose lowercase is longer than one character
    return "".join("i" if c == "\u0130" else c.lower() for c in u)


def assigned(c):
    cat = unicodedata.category(chr(c))
    return cat not in ("Cn", "Co", "Cs")


def main():
    lines = [f"-- GENERATED by tests/gen/gen_text_unicode.py with Python {sys.version.split()[0]} "
             f"(unicodedata {unicodedata.unidata_version}), scikit-learn {sklearn.__version__}, "
             f"NumPy {np.__version__}; do not edit.",
             "return {",
             f'  unidata_version = "{unicodedata.unidata_version}",',
             "  ops = {" + ", ".join(f'"{name}"' for name, _ in OPS) + "},",
             "  cases = {"]
    for name, b in CASES:
        u = b.decode("utf-8", "replace")
        lines.append(f"    -- {name}: {b!r}")
        fields = [f'name = "{name}"', f"input = {lua_bytes(b)}"]
        bad = first_bad(b)
        fields.append(f"bad = {bad if bad is not None else 'nil'}")
        fields.append(f"replace = {lua_bytes(u.encode())}")
        fields.append(f"drop = {lua_bytes(b.decode('utf-8', 'ignore').encode())}")
        for op, fn in OPS:
            fields.append(f"{op} = {lua_bytes(fn(u).encode())}")
        lines.append("    {" + ", ".join(fields) + "},")
    lines.append("  },")

    # every assigned code point, block by block
    ranges, start = [], None
    for c in range(0x110001):
        ok = c < 0x110000 and assigned(c)
        if ok and start is None:
            start = c
        elif not ok and start is not None:
            ranges += [start, c - 1]
            start = None
    blocks = {}
    for i in range(0, len(ranges), 2):
        for c in range(ranges[i], ranges[i + 1] + 1):
            blocks.setdefault(c >> 12, []).append(chr(c))
    xops = OPS[:5] + [("lower", simple_lower), ("strip", strip)]
    lines.append("  exhaustive = {")
    lines.append("    ops = {" + ", ".join(f'"{name}"' for name, _ in xops) + "},")
    lines.append("    ranges = {" + ", ".join(str(r) for r in ranges) + "},")
    lines.append("    blocks = {")
    for blk in sorted(blocks):
        s = " ".join(blocks[blk])
        hashes = [fnv1a(fn(s).encode()) for _, fn in xops]
        lines.append(f"      {{{blk}, {len(blocks[blk])}, " + ", ".join(str(h) for h in hashes) + "},")
    lines.append("    },")
    lines.append("  },")
    lines.append("}")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
