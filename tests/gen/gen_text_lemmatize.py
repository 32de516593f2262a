"""Reference lemmas for tests/lua/text_lemmatize_spec.lua: NLTK 3.8's WordNetLemmatizer (WordNet's
morphy: WordNetCorpusReader._morphy, then the shortest candidate) reading the WordNet 3.0 database
of Debian's wordnet-base, /usr/share/wordnet — the files Tide's lemmatiser reads.

NLTK's WordNetCorpusReader also opens `lexnames` when it starts, a file Debian's package leaves
out (its README.Debian: "remnants from WordNets past"). The script makes a temporary folder of
links to /usr/share/wordnet's files plus a `lexnames` written from the table of lexnames(5WN)
(below); morphy never reads it. Nothing of NLTK's own data (nltk_data) is used.

The words are generated here, not taken from any corpus: regular inflections of lemmas drawn from
the index files (plurals, -s/-es/-ies, -ed, -ing with dropped e and doubled consonants, -er/-est),
irregular forms from the .exc files, forms under another part of speech, words WordNet does not
know, capitalised words, multi-word lemmas (with "_", with a space, hyphenated), satellite
adjectives ("s") and Penn Treebank tags (mapped as tide.text.lemmatize documents), non-ASCII words
and degenerate strings ("s", "ses", "ing" ...).

Run: /usr/bin/python3 tests/gen/gen_text_lemmatize.py   (writes tests/fixtures/text_lemmatize.lua)
     /usr/bin/python3 tests/gen/gen_text_lemmatize.py --all FILE   (also writes FILE: every
     generated inflection of every WordNet lemma, word<TAB>pos<TAB>lemma, for a one-off full
     comparison; not committed)
"""
import os
import random
import sys
import tempfile
import warnings

import nltk
from nltk.corpus.reader.wordnet import WordNetCorpusReader
import nltk.stem.wordnet as nltk_wordnet

from fixture_writer import write_fixture

WORDNET = "/usr/share/wordnet"
here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240611)

# lexnames(5WN): the lexicographer files, numbered, with their syntactic category
LEXNAMES = ["adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling",
            "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
            "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
            "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
            "verb.cognition", "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
            "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
            "verb.stative", "verb.weather", "adj.ppl"]
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

# Penn Treebank tags -> WordNet's parts of speech, as tide.text.lemmatize maps them
PENN = {"NN": "n", "NNS": "n", "NNP": "n", "NNPS": "n", "VB": "v", "VBD": "v", "VBG": "v", "VBN": "v",
        "VBP": "v", "VBZ": "v", "JJ": "a", "JJR": "a", "JJS": "a", "RB": "r", "RBR": "r", "RBS": "r",
        "DT": "n", "IN": "n", "RP": "n", "CD": "n", "PRP": "n", "MD": "n", "UH": "n", "FW": "n"}


def open_wordnet():
    tmp = tempfile.mkdtemp(prefix="wordnet-")
    for name in os.listdir(WORDNET):
        os.symlink(os.path.join(WORDNET, name), os.path.join(tmp, name))
    with open(os.path.join(tmp, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            f.write(f"{i:02d}\t{name}\t{CATEGORY[name.split('.')[0]]}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return WordNetCorpusReader(tmp, None), tmp


reader, tmpdir = open_wordnet()
nltk_wordnet.wn = reader  # WordNetLemmatizer.lemmatize calls wn._morphy
lemmatizer = nltk_wordnet.WordNetLemmatizer()


def reference(word, pos):
    return lemmatizer.lemmatize(word, PENN.get(pos, pos))


def index_lemmas(pos_file):
    out = []
    with open(os.path.join(WORDNET, "index." + pos_file)) as f:
        for line in f:
            if not line.startswith(" "):
                out.append(line.split(" ", 1)[0])
    return out


def exceptions(pos_file):
    with open(os.path.join(WORDNET, pos_file + ".exc")) as f:
        return [line.split() for line in f if line.strip()]


LEMMAS = {p: index_lemmas(f) for p, f in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))}
EXC = {p: exceptions(f) for p, f in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))}
VOWELS = set("aeiou")


def simple(w):
    return w.isalpha() and w.islower() and len(w) >= 2


def plural(w):
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return [w + "es"]
    if w.endswith("y") and len(w) > 1 and w[-2] not in VOWELS:
        return [w[:-1] + "ies"]
    if w.endswith("fe"):
        return [w[:-2] + "ves", w + "s"]
    if w.endswith("f"):
        return [w[:-1] + "ves", w + "s"]
    if w.endswith("man"):
        return [w[:-3] + "men"]
    return [w + "s"]


def doubled(w):
    return len(w) >= 3 and w[-1] not in VOWELS | set("wxy") and w[-2] in VOWELS and w[-3] not in VOWELS


def verb_forms(w):
    out = plural(w)[:1]
    if w.endswith("e"):
        out += [w + "d", w[:-1] + "ing", w + "ing"]
    elif w.endswith("y") and w[-2] not in VOWELS:
        out += [w[:-1] + "ied", w + "ing"]
    else:
        out += [w + "ed", w + "ing"]
    if doubled(w):
        out += [w + w[-1] + "ed", w + w[-1] + "ing"]
    return out


def adj_forms(w):
    if w.endswith("e"):
        return [w + "r", w + "st"]
    if w.endswith("y") and w[-2] not in VOWELS:
        return [w[:-1] + "ier", w[:-1] + "iest"]
    out = [w + "er", w + "est"]
    if doubled(w):
        out += [w + w[-1] + "er", w + w[-1] + "est"]
    return out


FORMS = {"n": plural, "v": verb_forms, "a": adj_forms, "r": lambda w: [w + "er", w + "est"]}
OTHER = {"n": "v", "v": "n", "a": "v", "r": "a"}

cases = []
seen = set()


def add(word, pos, kind):
    if (word, pos) in seen:
        return
    seen.add((word, pos))
    cases.append([word, pos, reference(word, pos), kind])


# regular inflections of sampled lemmas, under their own part of speech and another
for pos, n in (("n", 90), ("v", 60), ("a", 40), ("r", 15)):
    pool = [w for w in LEMMAS[pos] if simple(w)]
    for w in rng.sample(pool, n):
        add(w, pos, "lemma")
        for f in FORMS[pos](w):
            add(f, pos, "regular")
            add(f, OTHER[pos], "other pos")

# irregular forms from the exception lists
for pos, n in (("n", 60), ("v", 70), ("a", 40), ("r", 7)):
    for row in rng.sample(EXC[pos], min(n, len(EXC[pos]))):
        add(row[0], pos, "exception")
        add(row[0], OTHER[pos], "exception, other pos")
for pos in "nva":  # lines with several lemmas (ties, the shortest)
    multi = [row for row in EXC[pos] if len(row) > 2]
    for row in rng.sample(multi, min(10, len(multi))):
        add(row[0], pos, "exception, several lemmas")

# satellite adjectives and Penn tags
for w in rng.sample([w for w in LEMMAS["a"] if simple(w)], 20):
    for f in adj_forms(w):
        add(f, "s", "satellite")
tagged = []
for pos, tags in (("n", ["NN", "NNS", "NNP", "NNPS"]), ("v", ["VB", "VBD", "VBG", "VBN", "VBP", "VBZ"]),
                  ("a", ["JJ", "JJR", "JJS"]), ("r", ["RB", "RBR", "RBS"])):
    for w in rng.sample([w for w in LEMMAS[pos] if simple(w)], 6):
        for f in FORMS[pos](w):
            add(f, rng.choice(tags), "penn")
for w in ["the", "of", "up", "off", "three", "he", "can", "oh", "ibid", "ones", "downs"]:
    for tag in ["DT", "IN", "RP", "CD", "PRP", "MD", "UH", "FW"]:
        add(w, tag, "penn, other tag")

# words WordNet does not know, and their inflections
letters = "bcdfghjklmnprstvz"
for _ in range(20):
    stem = "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
    for f in [stem] + verb_forms(stem) + adj_forms(stem):
        add(f, rng.choice("nvar"), "unknown")

# capitalised and upper-case words (morphy does not fold case)
for word, pos, _, _ in rng.sample([c for c in cases if c[3] in ("regular", "exception")], 30):
    add(word.capitalize(), pos, "capitalised")
    add(word.upper(), pos, "upper case")
for word, pos in [("Dogs", "n"), ("Geese", "n"), ("Running", "v"), ("Was", "v"), ("Better", "a"), ("US", "n"),
                  ("Americans", "n"), ("Mondays", "n"), ("Einsteins", "n"), ("Parisians", "n")]:
    add(word, pos, "capitalised")

# multi-word lemmas: plural of the last word with "_", with a space, hyphenated
multi = [w for w in LEMMAS["n"] if "_" in w and all(simple(p) for p in w.split("_"))]
for w in rng.sample(multi, 25):
    for f in plural(w):
        add(f, "n", "multi-word")
        add(f.replace("_", " "), "n", "multi-word, space")
        add(f.replace("_", "-"), "n", "multi-word, hyphen")
mverbs = [w for w in LEMMAS["v"] if "_" in w and all(simple(p) for p in w.split("_"))]
for w in rng.sample(mverbs, 10):
    head, rest = w.split("_", 1)
    for f in verb_forms(head):
        add(f + "_" + rest, "v", "multi-word verb")
        add(f + " " + rest, "v", "multi-word verb, space")
for row in EXC["n"]:
    if "_" in row[0] and rng.random() < 0.1:
        add(row[0], "n", "multi-word exception")

# degenerate and odd strings
for w in ["s", "ss", "ses", "es", "ies", "ves", "men", "ing", "ed", "er", "est", "a", "is", "was", "as", "us", "bus",
          "buses", "gas", "gases", "glasses", "axes", "saw", "sings", "ringing", "seeing", "dies", "lies", "flies",
          "boxes", "quizzes", "churches", "wolves", "women", "fishermen", "studies", "sesses", "singinging",
          "edededed", "eses", "1990s", "don't", "e-mails", "u.s.", "a.m.", "ph.d.", "24/7", "mp3s", "c++",
          "café", "cafés", "naïve", "naïvest", "über", "résumés", "fiancées", "straße", "ﬁnest", "日本語",
          "emojis😀", "😀s"]:
    for pos in "nvars":
        add(w, pos, "odd")

print(f"{len(cases)} cases", file=sys.stderr)
changed = sum(1 for c in cases if c[0] != c[2])
print(f"{changed} of them change the word", file=sys.stderr)

write_fixture(os.path.join(here, "..", "fixtures", "text_lemmatize.lua"),
              {"nltk": nltk.__version__, "cases": cases}, "tests/gen/gen_text_lemmatize.py")

if len(sys.argv) == 3 and sys.argv[1] == "--all":
    n = 0
    with open(sys.argv[2], "w") as f:
        for pos in "nvar":
            for w in LEMMAS[pos]:
                words = {w, *FORMS[pos](w)}
                for word in sorted(words):
                    for p in (pos, OTHER[pos]):
                        f.write(f"{word}\t{p}\t{reference(word, p)}\n")
                        n += 1
            for row in EXC[pos]:
                for p in "nvar":
                    f.write(f"{row[0]}\t{p}\t{reference(row[0], p)}\n")
                    n += 1
    print(f"{n} lines in {sys.argv[2]}", file=sys.stderr)

for name in os.listdir(tmpdir):
    os.remove(os.path.join(tmpdir, name))
os.rmdir(tmpdir)
