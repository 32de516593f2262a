"""Reference tokens for tests/lua/text_tokenize_spec.lua -> tests/fixtures/text_tokenize.lua.

Run with /usr/bin/python3 (python3-nltk 3.8, python3-sklearn 1.2). Every sentence here is
hand-written or generated from the pieces below; none comes from ../shared/data.

Word tokeniser. For each sentence and option set the fixture holds
  nltk: NLTK's TweetTokenizer output, unchanged, and
  want: the same tokeniser with tide's documented differences (tide/tokenize.h) applied to
        NLTK's own regular expressions: numbers with several digit groups, exponents and bare
        signs; runs of one punctuation mark as one token; U+2019 as an apostrophe in words;
        unknown HTML entities kept (remove_illegal=False); contractions="split" as Penn
        Treebank's tokeniser splits each word.
tide must equal `want` everywhere; the spec also reports how often `want` equals `nltk`.
"""
import os
import random
import re
import sys

import regex
import sklearn
from nltk.tokenize import TreebankWordTokenizer, TweetTokenizer
from nltk.tokenize import casual
from sklearn.feature_extraction.text import CountVectorizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "text_tokenize.lua")

# ---------------------------------------------------------------- the modified TweetTokenizer
NUMBER = (r"(?:[+\-]?\d+(?:[,/.:-]\d+)+(?:[eE][+\-]?\d+(?!\w))?[+\-]?"
          r"|[+\-]?\d+[eE][+\-]\d+(?!\w)[+\-]?"
          r"|(?<!\w)[+\-]\d+(?:[eE]\d+(?!\w))?(?!\w)[+\-]?)")
OLD_WORDS = casual.REGEXPS[-1]
NEW_WORDS = (OLD_WORDS
             .replace(r"(?:[^\W\d_](?:[^\W\d_]|['\-_])+[^\W\d_])",
                      "(?:[^\\W\\d_](?:[^\\W\\d_]|['\u2019\\-_])+[^\\W\\d_])")
             .replace(r"(?:[+\-]?\d+[,/.:-]\d+[+\-]?)", NUMBER)
             .replace(r"(?:\S)", r"(?:(?P<run>[!-/:-@\[-`{-~]|\p{P})(?P=run)+)|(?:\S)"))
assert NEW_WORDS.count(NUMBER) == 1 and "(?P<run>" in NEW_WORDS and "\u2019" in NEW_WORDS
RE_PHONE = regex.compile("|".join((casual.REGEXPS[0], casual.PHONE_REGEX) + casual.REGEXPS[1:-1] + (NEW_WORDS,)),
                         regex.VERBOSE | regex.I | regex.UNICODE)
RE_NO_PHONE = regex.compile("|".join(casual.REGEXPS[:-1] + (NEW_WORDS,)), regex.VERBOSE | regex.I | regex.UNICODE)
TREEBANK = TreebankWordTokenizer()
WORDISH = regex.compile(r"^[\w'\u2019\-]+$")
CONTRACTIONS2 = {"cannot", "gimme", "gonna", "gotta", "lemme", "wanna", "d'ye", "more'n"}
SECOND_HALVES = {"not", "me", "na", "ta", "'ye", "'n"}
SUFFIXES = {"'s", "'S", "'m", "'M", "'d", "'D", "'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T"}


def treebank_split(tok):
    """Penn Treebank's split of one word token (’ read as ')."""
    if not WORDISH.match(tok) or not regex.match(r"[^\W\d_]", tok):
        return [tok]
    pieces = TREEBANK.tokenize(tok.replace("\u2019", "'"))
    if "".join(pieces) != tok.replace("\u2019", "'"):
        return [tok]
    if any(p not in SUFFIXES and p.lower() not in SECOND_HALVES for p in pieces[1:]):
        return [tok]  # Treebank's other rules (quotes, dashes) are not contractions
    out, at = [], 0
    for p in pieces:  # the original apostrophes kept
        out.append(tok[at:at + len(p)])
        at += len(p)
    return out


def ours(text, preserve_case=True, reduce_len=False, strip_handles=False, phone=True, split=False):
    text = casual._replace_html_entities(text, remove_illegal=False)
    if strip_handles:
        text = casual.remove_handles(text)
    if reduce_len:
        text = casual.reduce_lengthening(text)
    text = casual.HANG_RE.sub(r"\1\1\1", text)
    words = [m.group(0) for m in (RE_PHONE if phone else RE_NO_PHONE).finditer(text)]
    if split:
        words = [p for w in words for p in treebank_split(w)]
    if not preserve_case:  # code point by code point (simple case mapping: "İ" -> "i", no final sigma)
        words = [w if casual.EMOTICON_RE.search(w) else "".join(ch.lower()[:1] for ch in w) for w in words]
    return words


def nltk_tokens(text, preserve_case=True, reduce_len=False, strip_handles=False, phone=True):
    return TweetTokenizer(preserve_case=preserve_case, reduce_len=reduce_len, strip_handles=strip_handles,
                          match_phone_numbers=phone).tokenize(text)


# ---------------------------------------------------------------- sentences
HAND = [
    "This is a cooool #dummysmiley: :-) :-P <3 and some arrows < > -> <--",
    "@remy: This is waaaaayyyy too much for you!!!!!!",
    "Hello world!",
    "I can't believe it's already 5 o'clock.",
    "Don't you think we'll be late? I'm sure they're waiting.",
    "She said: \"I won't go\" and left...",
    "Visit https://example.com/path?q=1&r=2 or http://foo.org.",
    "See www.example.com/page for details",
    "Mail me at john.doe+tag@mail.example.co.uk, thanks",
    "Price: $1,000.50 (was $1,200) - a 15% discount!",
    "Temperatures fell to -2 degrees, then rose by +3.",
    "The value is 1.5e10 or 3e-5 roughly",
    "Call 555-123-4567 or (555) 987 6543 now",
    "My IP is 192.168.0.1 and the date is 2024-01-15",
    "It's 12:30 already; the meeting was at 10:00:15",
    "Score 3-2, ratio 1/2, version 2.0.1",
    "COVID-19 cases rose in mid-2020",
    "well-known rock'n'roll e-mail snake_case",
    "Emoticons :) :( ;) :D :P xD <3 </3 ^_^ :-) :-( ;-) =) 8) (: ): D:",
    "Flight delayed AGAIN!!! Worst airline ever :(",
    "@united thanks for nothing... #fail #neverAgain",
    "So happy 😀😀😀 with my new phone 📱",
    "Family: 👨‍👩‍👧‍👦 and a thumbs up 👍🏽 done",
    "Flags 🇫🇷 🇺🇸 🏴󠁧󠁢󠁳󠁣󠁴󠁿 are nice",
    "Ça va? Très bien, merci! Größe, naïve café",
    "Привет, как дела? Всё хорошо.",
    "Γειά σου κόσμε! Τι κάνεις;",
    "東京は晴れです。今日はいい天気！",
    "مرحبا بالعالم! كيف حالك؟",
    "नमस्ते दुनिया, आप कैसे हैं?",
    "Tom &amp; Jerry &lt;3 &gt; &quot;cats&quot; &#39;quoted&#39; &#x27;hex&#x27;",
    "Unknown &foo; entity and &apos; kept",
    "soooooo gooooood!!!!!!!! yesssss",
    "What?!?! No way!!! Really???",
    "Wait.... what. . . happened",
    "Hyphen -- dash — en – ellipsis … end",
    "Quotes 'single' \"double\" “curly” ‘curly’ «angle»",
    "don’t can’t won’t it’s I’m they’re",
    "#hashtag #with-dash #it's #a #1 ##double #_under",
    "@user_name @a @verylongusername_over15chars @x@y",
    "foo@bar.com bar.baz@qux.org not@valid a@b.c",
    "Go to example.com/test or google.com today",
    "Files: report.pdf data.csv image.png",
    "U.S.A. e.g. i.e. Mr. Smith etc.",
    "The <b>bold</b> and <br/> tags",
    "Brackets (like this) [and this] {and that}",
    "Math: 2+2=4, 3*4=12, 10/5=2, x^2",
    "iPhone15 mp3 abc123 B2B 4x4 1st 2nd 3rd",
    "Numbers: 1,234 1,234,567 0.5 .5 5. 100%",
    "Time 9am-5pm or 8pm tonight",
    "Tabs\tand\nnewlines\r\nand   spaces",
    "   leading and trailing spaces   ",
    "",
    "a",
    "!",
    "...",
    "I <3 NY",
    ">:( angry face and >:) evil",
    "http://t.co/abc123 short link",
    "HTTPS://EXAMPLE.COM/UPPER case url",
    "Check out https://en.wikipedia.org/wiki/Python_(programming_language) now",
    "url at end http://x.com/a/b/",
    "(see http://x.com/a)",
    "Yes!!!!! No????? Maybe.....",
    "@AmericanAir why is my flight #AA123 delayed 3hrs? :-/",
    "The ticket cost £45.99 or €50 or ¥6000",
    "Rating: 4.5/5 ⭐⭐⭐⭐",
    "It was #1 on the charts in '99",
    "Ph.D. students at M.I.T. work hard",
    "Mr.Smith went to Washington.D.C yesterday",
    "end.Start of a new sentence without space",
    "I'd've done it if I could've",
    "y'all ain't seen nothin' yet",
    "'Tis the season, 'twas the night",
    "gonna wanna gotta gimme lemme cannot",
    "ÉCOLE Élève ÎLE",
    "ﬁne ligature and ㎏ unit",
    "zero\u200bwidth space and soft\u00adhyphen",
    "Combining e\u0301 accent and n\u0303",
    "Superscript x² and fraction ½ and circled ⓐⓑ",
    "Full-width ＡＢＣ１２３ text",
    "Korean 안녕하세요 and Thai สวัสดี",
    "Hebrew שלום עולם and Turkish İstanbul ılık",
    "This costs +1-800-555-0199 toll free",
    "Phone 1 (800) 555 0199 and 800.555.0199",
    "Numbers like 12345678901234 are long",
    "a-b-c x--y z---w",
    "C++ and C# and F# languages",
    "Stars ***** and equals ===== and tildes ~~~~",
    "Email: first_last@sub-domain.example-site.com.",
    "nested.domain.example.museum is a tld",
    "a.b a.bc a.b.cd 1.2.ab",
    "trailing dot example.com. and comma example.com,",
    "Versions v1.2.3 and 1.2.3-beta",
    "Coordinates: 40.7128° N, 74.0060° W",
    "He scored 100+ points and -5- penalty",
    "Ratio 16:9 and 4:3 screens",
    "I LOVE IT!!! :D :D :D",
    "worst. flight. ever.",
    "Is it 3:15 or 3.15 or 3,15?",
    "😂😂😂😂😂 too funny",
    "❤️ love it ❤",
    "Thx @JetBlue! Great crew 👏👏 #travel",
    "RT @user: check this out http://bit.ly/xyz #cool",
    "lol omg wtf brb",
    "The year 1999 was great, 2000 too",
    "Ok...",
    "Hmm... I dunno.",
    "She's got 99 problems",
    "O'Neil and D'Angelo and McDonald's",
    "Mid-sentence hy-phen-ated words-",
    "-leading dash and trailing dash-",
    "_underscore_ and __dunder__",
    "Accents: àéîõü ÀÉÎÕÜ ñÑ çÇ",
    "Tweet with &amp;&amp; double and &#128512; emoji entity",
    "Entity &#150; dash and &#129; undefined",
    "Weird &#xZZ; and &#; and &amp entity",
    "@@double at and ## double hash",
    "email@example.com@again",
    "The U.S. economy grew 2.5% in Q3",
    "Sept. 5, 2023 at 5 p.m. sharp",
    "Watch this → and ← and ⇒",
    "Dashes: 2020–2021 and 10—20",
    ":-))) happy and :((( sad",
    "I'm 6'2\" tall",
    "$5 or 5$ or $5.99 or US$5",
    "#100DaysOfCode day 5",
    "Heart <3<3<3 and <33",
    "<html> tag <div class=x> and < spaced >",
    "a->b and c<-d and e-->f",
    "x:y and a;b and c=d",
    "8pm 8am 8P :8 8:",
    "Winking ;-) ;) ;D ;P",
    "Tongue :p :P :-p :-P xp XP",
    "what's up? nm, u?",
    "I can't! I won't! I shan't!",
    "He'll, she'll, we'll, they'll, you'll",
    "I've, you've, we've, they've, could've",
    "I'd, you'd, he'd, she'd, we'd, they'd",
    "CAN'T WON'T DON'T I'M WE'LL THEY'RE",
]

WORDS = ["the", "flight", "was", "great", "delayed", "again", "thanks", "crew", "bag", "lost", "seat", "upgrade",
         "never", "always", "service", "customer", "Hello", "World", "AMAZING", "terrible", "ok", "fine",
         "naïve", "café", "Zürich", "São", "Paulo", "Ελλάδα", "Москва", "北京", "résumé", "coöperate", "e-mail",
         "well-known", "rock'n'roll", "o'clock", "x", "I", "a"]
CONTRACTIONS = ["don't", "can't", "won't", "I'm", "we'll", "they're", "you've", "he'd", "it's", "isn't",
                "shouldn't", "Bob's", "y'all", "ain't", "don’t", "it’s", "gonna", "wanna", "cannot"]
NUMBERS = ["1", "42", "3.14", "1,000", "1,000.50", "-2", "+7", "10%", "1e5", "2.5e-3", "12:30", "1/2", "2024-01-15",
           "99.9", "0.001", "-3.5", "1st", "100k", "$20", "£5"]
URLS = ["http://example.com", "https://t.co/AbC123", "www.test.org/page", "example.com", "http://foo.bar/baz?x=1",
        "https://a.b.co/path/to/file.html", "bit.ly/2xYz"]
EMAILS = ["a@b.com", "john.smith@example.org", "x_y+z@mail.co.uk"]
MENTIONS = ["@united", "@JetBlue", "@user_1", "@a", "@SouthwestAir"]
TAGS = ["#fail", "#win", "#travel2024", "#it's", "#a", "#NeverAgain", "#日本"]
EMOTICONS = [":)", ":(", ";)", ":D", ":P", ":-)", ":-(", "<3", "^_^", "xD", ":/", ":'(", "(:", "):", "=)", "8)"]
EMOJI = ["😀", "😡", "👍", "👍🏽", "✈️", "❤️", "🙏", "😂😂", "🇺🇸"]
PUNCT = [".", ",", "!", "?", "...", "!!!", "?!", ";", ":", "-", "--", "(", ")", "\"", "'", "…", "—", "*", "&"]
ENTITIES = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&nbsp;", "&eacute;"]
ELONG = ["soooo", "yessss", "nooooooo", "loooove", "hahahaha", "!!!!!", "??????", "......"]
KINDS = [(WORDS, 10), (CONTRACTIONS, 2), (NUMBERS, 2), (URLS, 1), (EMAILS, 1), (MENTIONS, 1), (TAGS, 1),
         (EMOTICONS, 2), (EMOJI, 1), (PUNCT, 4), (ENTITIES, 1), (ELONG, 1)]
SEPS = [" ", " ", " ", " ", "  ", "", "\n", "\t"]


def generated(n, seed=6):
    rnd = random.Random(seed)
    pool = [lst for lst, w in KINDS for _ in range(w)]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(3, 14)):
            parts.append(rnd.choice(rnd.choice(pool)))
            parts.append(rnd.choice(SEPS))
        out.append("".join(parts).strip())
    return out


OPTION_SETS = {
    "default": {},
    "lower": {"preserve_case": False},
    "reduce_handles": {"reduce_len": True, "strip_handles": True},
    "no_phone": {"phone": False},
    "split": {"split": True},
}


def word_cases():
    sents = HAND + generated(220)
    cases = []
    for i, s in enumerate(sents):
        sets = ["default"]
        if i % 2 == 0 or i < len(HAND):
            sets.append("lower")
        if i % 3 == 0:
            sets.append("reduce_handles")
        if i % 5 == 0:
            sets.append("no_phone")
        if i % 2 == 1 or any(c in s for c in "'\u2019"):
            sets.append("split")
        for name in sets:
            o = OPTION_SETS[name]
            want = ours(s, **o)
            nl = nltk_tokens(s, **{k: v for k, v in o.items() if k != "split"})
            cases.append({"s": s, "opts": name, "want": want, "nltk": nl})
    return sents, cases


# Sentences that Penn Treebank and the word tokeniser with contractions="split" both handle the
# same way (plain words, contractions, commas and final punctuation).
TREEBANK_SENTENCES = [
    "I don't know.", "We can't go there.", "They're here, aren't they?", "You'll see it's fine.",
    "She's done and he'd agree.", "I'm sure we've met.", "Won't you come?", "It isn't John's car.",
    "They couldn't, wouldn't and shouldn't.", "We'll be fine, won't we?", "I cannot wait.",
    "You gotta see this.", "Gimme that, lemme see.", "I'm gonna win.", "CAN'T STOP WON'T STOP.",
    "He'll say you'd've known.", "Let's go!", "Who's there?", "That's what I'd do.", "Y'all ain't ready.",
    "The dog's bone isn't here.", "I've got it, you've got it.", "Hasn't she called?", "We're late.",
    "Don't, didn't, doesn't.", "Mustn't we try?", "Needn't worry.", "Mightn't be so.", "I wanna go.",
    "She'd rather stay.",
]


def treebank_cases():
    return [{"s": s, "want": TREEBANK.tokenize(s)} for s in TREEBANK_SENTENCES]


# ---------------------------------------------------------------- regex, whitespace, n-grams
REGEX_PATTERNS = [r"(?u)\b\w\w+\b", r"\w+", r"\d+", r"[A-Z]\w*", r"(\w+)@", r"\S+", r"[^\W\d_]+",
                  r"(?:[a-z]+)-(?:[a-z]+)", r"\b\w", r"\w+(?=[.!?])", r"x*", r"(a)|b"]
REGEX_TEXTS = ["Hello, wörld! a bc 3.14 日本語 naïve café", "mail: joe@x.com, ann@y.org", "well-known e-mail",
               "Ünïcödé ÀB Çd 12 ٣٤ x_y", "", "aaa bab", "One. Two! Three? four", "tab\there\nnew  line"]
# (a pattern that matches the empty string splits every character in Python; tide's gaps skip
# empty matches, as its findall does)
SPLIT_PATTERNS = [r"\s+", r"[,;]\s*", r"\W+", r"[aeiou]"]


def regex_cases():
    out = []
    for p in REGEX_PATTERNS:
        groups = re.compile(p).groups
        for t in REGEX_TEXTS:
            # findall without its empty matches; one group: the group's text ("" when it did not
            # take part, as findall); several groups: the whole match (findall gives tuples)
            ms = [m for m in re.finditer(p, t) if m.group(0) != ""]
            got = [m.group(1) or "" for m in ms] if groups == 1 else [m.group(0) for m in ms]
            if groups == 0:
                assert got == [x for x in re.findall(p, t) if x != ""]
            out.append({"pattern": p, "s": t, "want": got})
    for p in SPLIT_PATTERNS:
        for t in REGEX_TEXTS:
            out.append({"pattern": p, "s": t, "gaps": True, "want": [x for x in re.split(p, t) if x]})
    return out


CHAR_TEXTS = ["abc", "Hello world", "a  b\t\tc\nd", "naïve café", "日本語のテキスト", "x", "", "  spaced  out  ",
              "tab\tsingle", "emoji 😀👍🏽 ok", "ab cd efgh ijklmnop", "e\u0301t\u00e9"]
CHAR_RANGES = [(1, 1), (1, 3), (2, 4), (3, 3), (2, 5)]


def char_cases():
    out = []
    for t in CHAR_TEXTS:
        for lo, hi in CHAR_RANGES:
            for wb in (False, True):
                v = CountVectorizer(analyzer="char_wb" if wb else "char", ngram_range=(lo, hi), lowercase=False)
                out.append({"s": t, "n_min": lo, "n_max": hi, "wb": wb, "want": v.build_analyzer()(t)})
    return out


WORD_LISTS = [["the", "quick", "brown", "fox"], ["a"], [], ["naïve", "café", "日本", "x"], ["to", "be", "or", "not", "to", "be"]]
WORD_RANGES = [(1, 1), (1, 2), (2, 3), (1, 4), (3, 3)]
STOP = ["the", "to", "a"]


def word_ngram_cases():
    out = []
    for toks in WORD_LISTS:
        for lo, hi in WORD_RANGES:
            for stop in (None, STOP):
                v = CountVectorizer(analyzer="word", ngram_range=(lo, hi), lowercase=False, tokenizer=str.split,
                                    token_pattern=None, stop_words=stop)
                out.append({"tokens": toks, "n_min": lo, "n_max": hi, "stop": stop or False,
                            "want": v.build_analyzer()(" ".join(toks))})
    return out


def whitespace_cases():
    texts = REGEX_TEXTS + CHAR_TEXTS + ["a\u00a0b\u2003c\u3000d\x1ce\x85f", "\n\n", "one"]
    return [{"s": t, "want": t.split()} for t in texts]


# ---------------------------------------------------------------- writing
def lua_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif o < 32 or o == 127:
            out.append("\\%03d" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def lua(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return lua_str(v)
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua(x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {lua(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def main():
    sents, words = word_cases()
    fixture = {
        "word": words,
        "treebank": treebank_cases(),
        "regex": regex_cases(),
        "char": char_cases(),
        "word_ngrams": word_ngram_cases(),
        "whitespace": whitespace_cases(),
    }
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(f"-- GENERATED by tests/gen/gen_text_tokenize.py (nltk {__import__('nltk').__version__}, "
                f"scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]}); do not edit.\n")
        f.write("return {\n")
        for name, cases in fixture.items():
            f.write(f"  {name} = {{\n")
            for c in cases:
                f.write(f"    {lua(c)},\n")
            f.write("  },\n")
        f.write("}\n")
    same = sum(c["want"] == c["nltk"] for c in words)
    print(f"{len(sents)} sentences, {len(words)} word cases ({same} equal to NLTK's), "
          f"{len(fixture['regex'])} regex, {len(fixture['char'])} char n-gram cases -> {OUT}")


if __name__ == "__main__":
    main()
