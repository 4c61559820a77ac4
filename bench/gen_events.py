#!/usr/bin/env python3
"""Synthetic custom-log events for the benchmark suite (bench/suite.py).

    python3 bench/gen_events.py --rows N [--seed N] [--format jsonl|json] [--out DIR]

Writes, in DIR, `Events_CL.<fmt>` and its schema `Events_CL.schema.json` (the layout
`kql run --data DIR` loads), one row per event, columns in schema order:

  Timestamp  datetime  spread over the 30 days before 2026-05-18T12:00:00Z
  Id         long      1..N, in order
  User       string    one of 10000 users (`user00042@contoso.com`), skewed
  Key        long      0..999999, uniform
  Tags       dynamic   a JSON array of 1-6 distinct tags out of 50 (`t00`..`t49`)
  Props      string    JSON *text* (as Sentinel's AAD tables hold DeviceDetail, LocationDetails):
                       {"app":..,"score":0-99,"geo":{"country":..,"city":..},"flags":[..]}

for the shapes that need arrays (mv-expand) and JSON text (parse_json and member access).
Python 3 standard library only; the same arguments give byte-identical files.
"""
import argparse
import datetime as dt
import json
import os
import random

NOW = dt.datetime(2026, 5, 18, 12, 0, 0)
APPS = ["Teams", "Outlook", "SharePoint", "OneDrive", "Portal", "CLI", "Graph", "Edge"]
PLACES = [("CH", "Zurich"), ("CH", "Bern"), ("DE", "Munich"), ("AT", "Vienna"), ("NL", "Amsterdam"),
          ("IT", "Milan"), ("SG", "Singapore"), ("BR", "Sao Paulo"), ("US", "Ashburn"), ("IN", "Mumbai")]
FLAGS = ["mfa", "compliant", "managed", "legacy", "risky"]
TAGS = ["t%02d" % i for i in range(50)]
SCHEMA = {"name": "Events_CL", "columns": [
    {"name": "Timestamp", "type": "datetime"}, {"name": "Id", "type": "long"},
    {"name": "User", "type": "string"}, {"name": "Key", "type": "long"},
    {"name": "Tags", "type": "dynamic"}, {"name": "Props", "type": "string"}]}


def rows(n, seed):
    rng = random.Random(seed)
    compact = (",", ":")
    span = 30 * 86400 * 1000
    for i in range(1, n + 1):
        t = NOW - dt.timedelta(milliseconds=rng.randrange(span))
        # Skewed users: a few hundred heavy users, a long tail.
        user = int(10000 * rng.random() ** 2)
        country, city = rng.choice(PLACES)
        props = {"app": rng.choice(APPS), "score": rng.randrange(100),
                 "geo": {"country": country, "city": city},
                 "flags": rng.sample(FLAGS, rng.randint(0, 2))}
        yield json.dumps({
            "Timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000),
            "Id": i,
            "User": "user%05d@contoso.com" % user,
            "Key": rng.randrange(1000000),
            "Tags": rng.sample(TAGS, rng.randint(1, 6)),
            "Props": json.dumps(props, separators=compact),
        }, separators=compact)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    p.add_argument("--out", default=".")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "Events_CL.schema.json"), "w", encoding="utf-8") as f:
        json.dump(SCHEMA, f, indent=1)
        f.write("\n")
    with open(os.path.join(a.out, "Events_CL." + a.format), "w", encoding="utf-8", newline="\n") as f:
        if a.format == "json":
            f.write("[\n")
        first = True
        for line in rows(a.rows, a.seed):
            if a.format == "json":
                f.write(("" if first else ",\n") + line)
            else:
                f.write(line + "\n")
            first = False
        if a.format == "json":
            f.write("\n]\n")
    print("Events_CL: %d rows -> %s" % (a.rows, a.out))


if __name__ == "__main__":
    main()
