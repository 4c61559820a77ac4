#!/usr/bin/env python3
"""Which documented Kusto functions and plugins kql lacks.

Walks the function and plugin pages of the Kusto docs (a clone or a bare mirror of
github.com/MicrosoftDocs/dataexplorer-docs), takes every name the `## Syntax` section
declares, asks kql about each one with a probe query, and prints a table:

    name  kind  status  examples  page

status is what kql's binder says: `ok` (bound, or refused for its arguments, so it
exists), `unsupported` ("not supported yet": known, not built) or `missing` (unknown).
`examples` counts the page's `kusto` code blocks followed by a printed output table.

    python3 tools/function_sweep.py DOCS_GIT_DIR [--kql target/debug/kql] [--missing]

Standard library only; reads pages with `git show`, so a bare mirror works.
"""

import argparse
import re
import subprocess
import sys

QUERY_DIR = "data-explorer/kusto/query"

# Words of the syntax lines that are not the function.
OPERATOR_WORDS = {"evaluate", "extend", "project", "summarize", "print", "where", "by", "hint"}


def git(docs, *args):
    return subprocess.run(
        ["git", "-C", docs, *args], capture_output=True, text=True, check=True
    ).stdout


def pages(docs):
    names = git(docs, "ls-tree", "--name-only", f"HEAD:{QUERY_DIR}").split()
    for name in sorted(names):
        if name.endswith("-function.md") or name.endswith("-plugin.md"):
            yield name


def syntax_names(text, plugin):
    """The function (or plugin) names the page's Syntax section declares."""
    m = re.search(r"^## Syntax\s*$(.*?)^## ", text, re.S | re.M)
    if not m:
        return []
    body = m.group(1)
    # A name right before `(`, with backticks or spaces between (`name(`, `name` `(`).
    call = r"\b([a-z_][a-z_0-9]*)[`\s]*\("
    if plugin:
        # Only the first call after `evaluate` (`T | evaluate [hint...] name(...)`).
        found = re.findall(call, body.split("evaluate", 1)[-1])[:1]
    else:
        found = re.findall(call, body)
    out = []
    for n in found:
        if n not in out and n not in OPERATOR_WORDS:
            out.append(n)
    return out


def examples_with_output(text):
    """kusto code blocks followed by a markdown table before the next code block."""
    count = 0
    parts = re.split(r"^```", text, flags=re.M)
    # parts alternate: prose, code, prose, code, ...
    for i in range(1, len(parts) - 1, 2):
        code, after = parts[i], parts[i + 1]
        if code.lower().startswith("kusto") and re.search(r"^\s*\|\s*-{3,}", after, re.M):
            count += 1
    return count


def probe(kql, name, kind):
    if kind == "plugin":
        query = f"print x=1 | evaluate {name}()"
    elif kind == "aggregate":
        query = f"print x=1 | summarize {name}(x)"
    else:
        query = f"print {name}()"
    r = subprocess.run([kql, "run", "-"], input=query, capture_output=True, text=True)
    err = r.stderr
    if "not supported yet" in err:
        return "unsupported"
    if re.search(r"unknown (aggregate )?function|unknown plugin|is only allowed in", err):
        return "missing"
    return "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docs")
    ap.add_argument("--kql", default="target/debug/kql")
    ap.add_argument("--missing", action="store_true", help="list only what kql lacks")
    a = ap.parse_args()
    rows = []
    for page in pages(a.docs):
        text = git(a.docs, "show", f"HEAD:{QUERY_DIR}/{page}")
        plugin = page.endswith("-plugin.md")
        kind = (
            "plugin"
            if plugin
            else "aggregate"
            if "aggregation-function" in page
            else "scalar"
        )
        ex = examples_with_output(text)
        # A function page's names share its stem's first word (`percentiles` on
        # percentiles-aggregation-function.md); other words of a syntax line do not.
        stem = page.split("-")[0]
        for name in syntax_names(text, plugin):
            if not plugin and not name.startswith(stem):
                continue
            rows.append((name, kind, probe(a.kql, name, kind), ex, page))
    totals = {}
    for name, kind, status, ex, page in rows:
        totals[(kind, status)] = totals.get((kind, status), 0) + 1
        if not a.missing or status != "ok":
            print(f"{name}\t{kind}\t{status}\t{ex}\t{page}")
    print(file=sys.stderr)
    for (kind, status), n in sorted(totals.items()):
        print(f"{kind:10} {status:12} {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
