"""Snowball reference stems for tests/lua/text_stem_spec.lua, so the check runs without the
snowball-data package: every 28th word of Snowball's English (Porter2) vocabulary with its stem
(1,051 pairs) and every 100th of the original Porter algorithm's (305 pairs).

Run with /usr/bin/python3 from the repository root (needs Debian's snowball-data); writes
tests/fixtures/text_stem.lua. The Snowball data are BSD-licensed (Copyright (c) 2001 Dr Martin
Porter, (c) 2002 Richard Boulton, and the Snowball contributors), so the pairs may be copied.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from fixture_writer import write_fixture  # noqa: E402

DATA = "/usr/share/snowball/data"
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "text_stem.lua")


def sample(lang, stride):
    with open(f"{DATA}/{lang}/voc.txt", encoding="utf-8") as f:
        words = f.read().split("\n")
    with open(f"{DATA}/{lang}/output.txt", encoding="utf-8") as f:
        stems = f.read().split("\n")
    assert len(words) == len(stems), lang
    pairs = [(w, s) for w, s in zip(words, stems) if w][::stride]
    return {"source": f"snowball-data {lang}/voc.txt and output.txt, every {stride}th word",
            "words": [w for w, _ in pairs], "stems": [s for _, s in pairs]}


write_fixture(OUT, {"english": sample("english", 28), "porter": sample("porter", 100)},
              "tests/gen/gen_text_stem.py (Snowball data 2021-01, BSD licence)")
