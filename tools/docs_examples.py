#!/usr/bin/env python3
"""Runs the Kusto docs' examples that print an output and compares kql's answer.

For every `kusto` code block of the function and plugin pages of the Kusto docs
(a clone or bare mirror of github.com/MicrosoftDocs/dataexplorer-docs) that a markdown
table follows, runs the query with kql and compares the table (numbers within 1e-9,
JSON as parsed, datetimes as instants, booleans any case), in order or not. Examples
that read the docs' sample tables (StormEvents, ...), the clock or random numbers are
skipped. Prints `BAD page` with the expected and actual rows for each mismatch, `ERR`
for each query kql refuses, and the totals last.

    python3 tools/docs_examples.py DOCS_GIT_DIR [--kql target/debug/kql] [PAGE ...]

A mismatch is a lead, not a verdict: the docs' tables are often rounded, truncated or
out of date (the conformance cases hold the engine's own answers).
Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys

QUERY_DIR = "data-explorer/kusto/query"
SAMPLE = re.compile(
    r"\b(StormEvents|nyc_taxi|ContosoSales|SalesDynamic|demo_|Samples|rand\(|now\(|ago\(|external_data|externaldata|cluster\(|database\()"
)


def git(docs, *args):
    return subprocess.run(
        ["git", "-C", docs, *args], capture_output=True, text=True, check=True
    ).stdout


def blocks(text):
    parts=re.split(r'^```', text, flags=re.M)
    for i in range(1,len(parts)-1,2):
        code, after = parts[i], parts[i+1]
        if not code.lower().startswith('kusto'): continue
        q = code[5:].strip()
        m = re.search(r'((?:^\|.*\|?\s*$\n?)+)', after, re.M)
        if not m: continue
        # stop if another heading before table
        pre = after[:m.start()]
        if '```' in pre: continue
        rows=[l.strip() for l in m.group(1).strip().split('\n')]
        rows=[r for r in rows if r.startswith('|')]
        if len(rows)<2 or not re.match(r'^\|\s*:?-{2,}', rows[1]): continue
        cells=lambda r: [c.strip().strip('`').strip() for c in r.strip().strip('|').split('|')]
        yield q, cells(rows[0]), [cells(r) for r in rows[2:]]
def norm(c):
    c=c.replace('<br>','').replace(' ','').replace('\\_','_')
    if c.lower() in ('true','false'): return ('b',c.lower())
    c=re.sub(r'(\d{4}-\d\d-\d\d)(T| )?(\d\d:\d\d:\d\d)?(\.\d+)?Z?$', lambda m: m.group(1)+'T'+(m.group(3) or '00:00:00')+(('.'+m.group(4)[1:].rstrip('0')) if m.group(4) and m.group(4)[1:].rstrip('0') else ''), c)
    try:
        f=float(c); return ('n',f)
    except: pass
    try:
        return ('j',json.dumps(json.loads(c),sort_keys=True))
    except: pass
    c=re.sub(r'(\d{4}-\d\d-\d\d)(T| )(\d\d:\d\d:\d\d)(\.0+)?Z?',r'\1T\3',c)
    return ('s',c.lower())
def same(a,b):
    if a[0]=='n' and b[0]=='n':
        x,y=a[1],b[1]; return x==y or abs(x-y)<=1e-9*max(abs(x),abs(y),1) or (abs(x-y)<=5e-15*max(abs(x),abs(y))*10)
    return a==b
def run(kql, query):
    r = subprocess.run([kql, "run", "-", "--format", "json"], input=query,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines()
        return None, lines[0] if lines else "?"
    dec, txt, i, objs = json.JSONDecoder(), r.stdout, 0, []
    while i < len(txt):
        while i < len(txt) and txt[i].isspace():
            i += 1
        if i >= len(txt):
            break
        o, i = dec.raw_decode(txt, i)
        objs.append(o)
    cell = lambda v: json.dumps(v) if isinstance(v, (dict, list)) else (
        "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v)))
    return [[cell(v) for v in row] for row in objs[-1]["rows"]], None


def matches(rows, got):
    exp = [[norm(c) for c in r] for r in rows]
    have = [[norm(c) for c in r] for r in got]
    eq = lambda a, b: len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if len(exp) == len(have) and all(eq(a, b) for a, b in zip(exp, have)):
        return True
    rest = list(have)
    for e in exp:
        k = next((i for i, g in enumerate(rest) if eq(e, g)), None)
        if k is None:
            return False
        rest.pop(k)
    return not rest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docs")
    ap.add_argument("--kql", default="target/debug/kql")
    ap.add_argument("pages", nargs="*")
    a = ap.parse_args()
    pages = a.pages or [
        p for p in git(a.docs, "ls-tree", "--name-only", f"HEAD:{QUERY_DIR}").split()
        if p.endswith("-function.md") or p.endswith("-plugin.md")
    ]
    ok = bad = err = 0
    for p in sorted(pages):
        text = git(a.docs, "show", f"HEAD:{QUERY_DIR}/{p}")
        for q, _head, rows in blocks(text):
            if SAMPLE.search(q):
                continue
            got, error = run(a.kql, q)
            if error:
                err += 1
                print(f"ERR {p}: {error}\n    {q[:150]!r}")
            elif matches(rows, got):
                ok += 1
            else:
                bad += 1
                print(f"BAD {p}\n    q: {q[:200]!r}\n    exp: {rows[:3]}\n    got: {got[:3]}")
    print(f"match {ok}, differ {bad}, refused {err}", file=sys.stderr)


if __name__ == "__main__":
    main()
