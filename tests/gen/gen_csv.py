#!/usr/bin/env python3
"""Fixtures for tide.csv (tests/lua/csv_spec.lua, tests/c/test_csv.c).

Writes small CSV files covering each quoting / line-end / BOM / delimiter / type case into
tests/fixtures/csv/, reads each with pandas.read_csv, and records what pandas parsed (values,
missing cells) in tests/fixtures/csv.lua. For the shared data sets (../shared/data through
TIDE_DATA or --data) it records per-column checksums of pandas' parse: numeric columns their
count, missing count, sum, sum of squares and first values; bool columns their count of true;
string columns the CRC-32 and byte count of their UTF-8 values concatenated.
Floats are read with float_precision="round_trip" (correctly rounded, as strtod; pandas'
default parser can be one ulp off). Run with /usr/bin/python3 (pandas 1.5).
"""
import math
import os
import sys
import zlib

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")
OUT_DIR = os.path.join(FIX, "csv")

# name -> (bytes, read_csv keyword arguments)
CASES = {
    "basic": (b"id,name,score,ok\n1,Ann,2.5,true\n2,Bob,-3e2,False\n3,Cy,1e-5,TRUE\n", {}),
    "quoted": (b'a,b,c\n1,"x, y","say ""hi"""\n2,"line1\nline2",plain\n3,"",""\n4,"""",q\n', {}),
    "crlf": (b"a,b\r\n1,hello\r\n2,\"multi\r\nline\"\r\n3,end\r\n", {}),
    "bom": (b"\xef\xbb\xbfcol,other\n5,x\n6,y\n", {}),
    "semicolon": (b"a;b;c\n1;2,5;x\n3;4,5;y\n", {"sep": ";"}),
    "tab": (b"a\tb\tc\n1\t2.5\tx y\n3\t4.5\tz\n", {"sep": "\t"}),
    "pipe": (b"a|b\n1|x,y\n2|z\n", {"sep": "|"}),
    # pandas 1.5 does not count "None" as missing; Tide (and pandas 2) do
    "missing": (b"i,f,s,b\n1,1.5,a,true\nNA,N/A,NaN,null\n,None,,\n4,nan,d,false\n", {"na_values": ["None"]}),
    "noheader": (b"1,a\n2,b\n3,c\n", {"header": None}),
    "numbers": (b"x,y,z\n0.1,9007199254740993,1.7976931348623157e308\n-0.0,123456789012345678,4.9e-324\n"
                b"1e22,-9223372036854775808,2.2250738585072014e-308\n3.14159265358979323846,42,inf\n"
                b"123456789.123456789,7,-inf\n", {}),
    "dates": (b"d,t,z\n2017-02-16,2017-02-16 13:45:00,2017-02-16T13:45:00Z\n"
              b"2020-02-29,2020-02-29 00:00:01.5,2020-02-29T23:59:59+01:00\n,1970-01-01 00:00:00,\n", {}),
    "comment": (b"# a comment line\na,b\n1,2 # trailing\n# another\n3,4\n", {"comment": "#"}),
    "blank_lines": (b"a,b\n1,2\n\n3,4\n\n", {}),
    "trailing_delim": (b"a,b,c\n1,2,\n3,,\n", {}),
    "dup_names": (b"a,a,,b\n1,2,3,4\n", {}),
    "utf8": ("name,city\nJosé,São Paulo\n李,東京\nZoë,Zürich\n".encode("utf-8"), {}),
    "no_final_newline": (b"a,b\n1,x\n2,y", {}),
    "skip": (b"junk line\nmore junk\na,b\n1,2\n3,4\n", {"skiprows": 2}),
}


def lua_str(s):
    out = []
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c == "\\" or c == '"':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return '"' + "".join(out) + '"'


def lua_num(f):
    f = float(f)
    if math.isnan(f):
        return "0/0"
    if math.isinf(f):
        return "1/0" if f > 0 else "-1/0"
    return repr(f)


def lua(v):
    if isinstance(v, dict):
        return "{" + ", ".join("[%s] = %s" % (lua_str(k), lua(x)) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua(x) for x in v) + "}"
    if v is None:
        return "nil"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return lua_num(v)
    if isinstance(v, str):
        return lua_str(v)
    raise TypeError(type(v))


def column_summary(s):
    """pandas' values of a small column: kind, missing flags, values (None where missing)."""
    miss = s.isna().tolist()
    if s.dtype == bool:
        return {"kind": "bool", "missing": miss, "values": [bool(x) for x in s]}
    if s.dtype.kind in "if":
        vals = [None if m else float(x) for x, m in zip(s, miss)]
        return {"kind": "number", "missing": miss, "values": vals}
    vals = [None if m else (x if isinstance(x, str) else repr(x)) for x, m in zip(s, miss)]
    # pandas leaves bool columns with missing cells as object: True / False objects
    if all(m or isinstance(x, (bool, np.bool_)) for x, m in zip(s, miss)):
        return {"kind": "bool", "missing": miss, "values": [None if m else bool(x) for x, m in zip(s, miss)]}
    return {"kind": "string", "missing": miss, "values": vals}


def small_cases():
    os.makedirs(OUT_DIR, exist_ok=True)
    out = {}
    for name, (data, kw) in CASES.items():
        path = os.path.join(OUT_DIR, name + ".csv")
        with open(path, "wb") as f:
            f.write(data)
        df = pd.read_csv(path, float_precision="round_trip", **kw)
        cols = [str(c) for c in df.columns]
        out[name] = {"names": cols, "nrows": len(df), "columns": [column_summary(df[c]) for c in df.columns]}
    return out


def checksum(s):
    miss = s.isna()
    n_miss = int(miss.sum())
    v = s[~miss]
    if s.dtype == bool or (s.dtype == object and len(v) and all(isinstance(x, (bool, np.bool_)) for x in v)):
        return {"kind": "bool", "missing": n_miss, "true": int(sum(bool(x) for x in v))}
    if s.dtype.kind in "if":
        f = v.astype(np.float64).to_numpy()
        return {"kind": "number", "missing": n_miss, "count": int(len(f)), "sum": float(math.fsum(f)),
                "sumsq": float(math.fsum(f * f)), "first": [float(x) for x in s.head(20)]}
    text = "".join(str(x) for x in v).encode("utf-8")
    return {"kind": "string", "missing": n_miss, "bytes": len(text), "crc32": zlib.crc32(text)}


DATASETS = {
    "titanic": "titanic/train.csv",
    "telco": "telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv",
    "fraud": "fraud/fraud_oracle.csv.gz",
    "tweets": "twitter-airline-sentiment/Tweets.csv.gz",
}


def shared_sets(root):
    out = {}
    for key, rel in DATASETS.items():
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            print("missing", path, file=sys.stderr)
            continue
        df = pd.read_csv(path, float_precision="round_trip")
        out[key] = {"path": rel, "nrows": len(df), "names": [str(c) for c in df.columns],
                    "columns": {str(c): checksum(df[c]) for c in df.columns}}
    return out


def main():
    root = os.environ.get("TIDE_DATA") or os.path.join(HERE, "..", "..", "..", "shared", "data")
    if len(sys.argv) > 1:
        root = sys.argv[1]
    cases = small_cases()
    shared = shared_sets(root)
    with open(os.path.join(FIX, "csv.lua"), "w") as f:
        f.write("-- GENERATED by tests/gen/gen_csv.py with pandas %s; do not edit.\n" % pd.__version__)
        f.write("return {\n  cases = {\n")
        for k, v in cases.items():
            f.write("    [%s] = %s,\n" % (lua_str(k), lua(v)))
        f.write("  },\n  shared = {\n")
        for k, v in shared.items():
            f.write("    [%s] = %s,\n" % (lua_str(k), lua(v)))
        f.write("  },\n}\n")


if __name__ == "__main__":
    main()
