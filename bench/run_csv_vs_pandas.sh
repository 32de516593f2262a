#!/usr/bin/env bash
# CSV reading, Tide vs pandas.read_csv (issue 4): a ~100 MB mixed-type file (ints, floats with
# exponents and missing cells, bools, ISO dates and date-times, short strings, quoted strings
# with commas, quotes and line breaks) is generated once in /tmp, then each side reads it
# (best of ROUNDS) and the pandas / Tide time ratio is printed (goal >= 1).
#   bench/run_csv_vs_pandas.sh [ROUNDS=3] [MEGABYTES=100]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
MB="${2:-100}"
FILE="/tmp/tide_bench_mixed_${MB}mb.csv"
PY=/usr/bin/python3
if [ ! -s "$FILE" ]; then
  echo "generating $FILE ..."
  "$PY" - "$FILE" "$MB" <<'PYEOF'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(4)
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
cities = ["Paris", "Berlin", "São Paulo", "Zürich", "New York", "Tokyo", "Lagos", "Lima"]
target = mb * 1000 * 1000
with open(path + ".tmp", "w", encoding="utf-8", newline="") as f:
    f.write("id,age,score,ratio,flag,date,when,city,word,note\n")
    size, i = 0, 0
    while size < target:
        lines = []
        for _ in range(10000):
            i += 1
            age = "" if rng.random() < 0.05 else str(rng.randint(0, 99))
            score = "%.6f" % rng.uniform(-1000, 1000)
            ratio = "NaN" if rng.random() < 0.03 else "%.3e" % rng.lognormvariate(0, 3)
            flag = "True" if rng.random() < 0.5 else "False"
            date = "20%02d-%02d-%02d" % (rng.randint(0, 23), rng.randint(1, 12), rng.randint(1, 28))
            when = "%s %02d:%02d:%02d" % (date, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
            city = rng.choice(cities)
            word = rng.choice(words) + str(rng.randint(0, 999))
            r = rng.random()
            if r < 0.1:
                note = '"said ""%s"", then left"' % rng.choice(words)
            elif r < 0.15:
                note = '"two\nlines, %s"' % rng.choice(words)
            else:
                note = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
            lines.append(",".join([str(i), age, score, ratio, flag, date, when, city, word, note]))
        s = "\n".join(lines) + "\n"
        f.write(s)
        size += len(s.encode("utf-8"))
import os
os.replace(path + ".tmp", path)
PYEOF
fi
ls -l "$FILE"
# warm the page cache so neither side pays for the disk
cat "$FILE" > /dev/null
TIDE_OUT=$("${TIDE:-build/tide}" bench/csv_read.lua "$FILE" "$ROUNDS")
PANDAS_OUT=$("$PY" bench/csv_read_peer.py "$FILE" "$ROUNDS")
echo "$TIDE_OUT"
echo "$PANDAS_OUT"
T=$(echo "$TIDE_OUT" | awk '{print $2}')
P=$(echo "$PANDAS_OUT" | awk '{print $2}')
awk -v t="$T" -v p="$P" 'BEGIN { printf "csv read: tide %.3f s, pandas %.3f s, pandas/tide ratio %.2f (goal >= 1)\n", t, p, p / t }'
