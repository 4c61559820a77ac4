#!/usr/bin/env python3
"""How often `kql check` agrees with Microsoft's Kusto.Language on public detections.

    python3 bench/agreement.py extract OUT_DIR GIT_DIR_OR_FOLDER...
    python3 bench/agreement.py compare CORPUS_DIR --kusto-language DIR [--kql PATH]
                               [--schemas DIR] [--details FILE]

`extract` writes one `.kql` file per query found in the given repositories (git
directories are read at HEAD with `git show`, folders from disk): `.kql`, `.csl`,
`.kusto` and `.txt` files whole, the first fenced block of each Markdown file
(```kql, ```kusto or a bare ```), and the `query:` field of YAML files (Sentinel
detections and hunting queries). The corpus stays outside the repository.

`compare` runs Kusto.Language (`kqlcheck.js` from the folder given, with
`npm install` done there) and `kql check --format json --product P` over every file,
both with kql's shipped schemas (`schemas/*.json`) as product P (`--product`, default
`sentinel`) has the tables, keeps the queries whose tables all have a
schema (Kusto reports no KS204 for them), and prints:

- agree: both accept, or both report an error;
- false alarms: Kusto binds the query cleanly, kql reports an error (by kql's message);
- misses: Kusto reports an error, kql none (by Kusto's code).

Needs python3, node and a built kql; nothing else.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def git_files(gitdir):
    out = subprocess.run(["git", "-C", gitdir, "ls-tree", "-r", "-z", "--name-only", "HEAD"],
                         capture_output=True, check=True).stdout.decode()
    for path in out.split("\0"):
        if path:
            yield path, lambda p=path: subprocess.run(
                ["git", "-C", gitdir, "show", "HEAD:" + p], capture_output=True).stdout.decode("utf-8", "replace")


def folder_files(root):
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            yield os.path.relpath(p, root), lambda p=p: open(p, encoding="utf-8", errors="replace").read()


FENCE = re.compile(r"```[ \t]*(kql|kusto|)[ \t]*\r?\n(.*?)```", re.S | re.I)


def yaml_query(text):
    """The `query:` block scalar of a Sentinel rule (`query: |` then indented lines)."""
    m = re.search(r"^query:[ \t]*[|>][-+]?[ \t]*\r?\n((?:[ \t]+.*\r?\n|[ \t]*\r?\n)+)", text, re.M)
    if not m:
        return None
    lines = m.group(1).splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines).strip() + "\n"


def queries(path, read):
    low = path.lower()
    if low.endswith((".kql", ".csl", ".kusto")):
        yield read()
    elif low.endswith(".txt"):
        t = read()
        if "|" in t:
            yield t
    elif low.endswith(".md"):
        m = FENCE.search(read())
        if m and "|" in m.group(2):
            yield m.group(2)
    elif low.endswith((".yaml", ".yml")):
        q = yaml_query(read())
        if q:
            yield q


def extract(args):
    os.makedirs(args.out, exist_ok=True)
    n = 0
    for src in args.sources:
        files = git_files(src) if os.path.exists(os.path.join(src, "HEAD")) else folder_files(src)
        tag = re.sub(r"[^A-Za-z0-9]+", "_", os.path.basename(os.path.dirname(src.rstrip("/"))) or src)
        for path, read in files:
            for q in queries(path, read):
                name = tag + "__" + re.sub(r"[^A-Za-z0-9._-]+", "_", path)
                name = os.path.splitext(name)[0][:150] + ".kql"
                with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
                    f.write(q)
                n += 1
    print(f"{n} queries written to {args.out}")


# The columns every Sentinel copy of a Defender XDR table has (src/io/schema.rs).
SENTINEL_STANDARD = [("TimeGenerated", "datetime"), ("TenantId", "string"), ("SourceSystem", "string"), ("Type", "string")]


def flavoured(schema, product):
    """A shipped schema file as `product` has the table, in the form kqlcheck reads
    (as `Schema::schema` in src/io/schema.rs builds it)."""
    cols = [dict(c) for c in schema["columns"]]
    if schema.get("product") == "defender" and product == "sentinel":
        extra = []
        for c in schema.get("sentinel", {}).get("columns", []):
            same = [x for x in cols if x["name"] == c["name"]]
            if same:
                same[0]["type"] = c["type"]
            else:
                extra.append(c)
        for n, t in SENTINEL_STANDARD:
            if not any(x["name"] == n for x in cols + extra):
                cols.append({"name": n, "type": t})
        cols += extra
    return {"name": schema["name"], "columns": cols}


def kusto(args, files):
    import tempfile
    tmp = tempfile.mkdtemp(prefix="agreement-schemas-")
    schemas = []
    for f in sorted(os.listdir(args.schemas)):
        if f.endswith(".json"):
            with open(os.path.join(args.schemas, f)) as src:
                doc = flavoured(json.load(src), args.product)
            path = os.path.join(tmp, f)
            with open(path, "w") as out:
                json.dump(doc, out)
            schemas.append(path)
    cmd = ["node", os.path.join(args.kusto_language, "kqlcheck.js"), "--json"]
    for s in schemas:
        cmd += ["--schema", s]
    out = {}
    # kqlcheck's --corpus mode skips the analyzers (KS5xx warnings), which only warn.
    res = subprocess.run(cmd + ["--corpus", args.corpus], capture_output=True, text=True)
    for r in json.loads(res.stdout)["results"]:
        errs = [d for d in r.get("syntaxDiagnostics", []) + r.get("semanticDiagnostics", [])
                if d["severity"] == "Error"]
        out[os.path.basename(r["file"])] = {"crash": bool(r.get("crash")), "errors": errs}
    return out


def kql(args, files):
    out = {}
    batch = 200
    for i in range(0, len(files), batch):
        part = files[i:i + batch]
        res = subprocess.run([args.kql, "check", "--format", "json", "--product", args.product]
                             + [os.path.join(args.corpus, f) for f in part],
                             capture_output=True, text=True)
        doc = json.loads(res.stdout)
        for f in part:
            out[f] = []
        for d in doc["diagnostics"]:
            if d["severity"] == "error":
                out[os.path.basename(d["file"])].append(d)
    return out


def shape(msg):
    return re.sub(r"`[^`]*`", "`…`", msg)[:90]


def compare(args):
    files = sorted(f for f in os.listdir(args.corpus) if f.endswith(".kql"))
    k = kusto(args, files)
    q = kql(args, files)
    kept = [f for f in files if f in k and not k[f]["crash"] and not any(d["code"] == "KS204" for d in k[f]["errors"])]
    agree, alarms, misses = [], [], []
    for f in kept:
        ke, qe = k[f]["errors"], q.get(f, [])
        if bool(ke) == bool(qe):
            agree.append(f)
        elif qe:
            alarms.append((f, qe[0]))
        else:
            misses.append((f, ke[0]))
    n = len(kept)
    pct = lambda x: f"{100.0 * x / n:.1f}%" if n else "-"
    print(f"queries: {len(files)}; with known tables (no KS204): {n}")
    print(f"agree: {len(agree)} ({pct(len(agree))}); false alarms: {len(alarms)} ({pct(len(alarms))}); "
          f"misses: {len(misses)} ({pct(len(misses))})")
    both_clean = sum(1 for f in agree if not k[f]["errors"])
    both_err = [f for f in agree if k[f]["errors"]]
    # Where both report errors: does kql's first error stand on a line Kusto reports,
    # and with Kusto's code?
    same_line = same_code = 0
    for f in both_err:
        first = q[f][0]
        lines = {d["line"] for d in k[f]["errors"]}
        same_line += first["line"] in lines
        same_code += any(d["line"] == first["line"] and d["code"] == first["code"] for d in k[f]["errors"])
    print(f"  of which both clean: {both_clean}; both report an error: {len(both_err)} "
          f"(kql's first error on a line Kusto reports: {same_line}, with Kusto's code: {same_code})")
    print("false alarms by kql's message:")
    for m, c in collections.Counter(shape(d["message"]) for _, d in alarms).most_common(40):
        print(f"  {c:4}  {m}")
    print("misses by Kusto's code:")
    for m, c in collections.Counter(d["code"] + " " + shape(d["message"].replace("'", "`")) for _, d in misses).most_common(20):
        print(f"  {c:4}  {m}")
    if args.details:
        with open(args.details, "w") as out:
            for f, d in alarms:
                out.write(f"ALARM\t{f}\t{d['line']}:{d['column']}\t{d['message']}\n")
            for f, d in misses:
                out.write(f"MISS\t{f}\t{d['line']}:{d['column']}\t{d['code']} {d['message']}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("out")
    e.add_argument("sources", nargs="+")
    c = sub.add_parser("compare")
    c.add_argument("corpus")
    c.add_argument("--kusto-language", required=True)
    c.add_argument("--kql", default=os.path.join(REPO, "target", "release", "kql"))
    c.add_argument("--schemas", default=os.path.join(REPO, "schemas"))
    c.add_argument("--details")
    # Both sides see the tables as this product has them.
    c.add_argument("--product", default="sentinel", choices=["sentinel", "defender"])
    a = p.parse_args()
    extract(a) if a.cmd == "extract" else compare(a)


if __name__ == "__main__":
    main()
