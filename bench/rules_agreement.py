#!/usr/bin/env python3
"""How often `kql check` agrees with Kusto.Language on real Sentinel rules, and how
many of them `kql run` runs on schema-shaped data.

    python3 bench/rules_agreement.py RULES_DIR --kusto PATH/TO/kqlcheck.js [--kql target/release/kql]

RULES_DIR holds Sentinel analytics rule YAML files (e.g. copies of Azure-Sentinel's
`Solutions/*/Analytic Rules/*.yaml`; they are not kept in this repository). For each
rule:
- Kusto.Language's verdict on the rule's query: does it report an error, with the
  built-in schemas of `schemas/` (node kqlcheck.js --schema ... --json);
- kql's verdict: does `kql check` report an error in the query (syntax, binding,
  unsupported; the rule-field findings are counted apart);
- `kql run RULE --data DIR --now T` on a folder with three rows per table the query
  names, shaped by its schema, inside the rule's window (and three rows shaped by the
  declared columns for each `externaldata` URL): does it run, and what did it decide.
Needs python3 with PyYAML (only to take the query out of the file for Kusto.Language)
and node.
"""
import argparse, csv, datetime, glob, json, os, re, subprocess, sys, tempfile
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = "2026-05-18T12:00:00Z"


def value(ty, i, t):
    return {
        "string": f"value{i}", "int": i, "long": i, "real": i + 0.5, "decimal": i + 0.5,
        "bool": i % 2 == 0, "datetime": t, "timespan": "00:05:00",
        "guid": f"00000000-0000-0000-0000-00000000000{i}", "dynamic": {"k": f"v{i}"},
    }.get(ty, f"value{i}")


def data_dir(query, schemas):
    d = tempfile.mkdtemp(prefix="kql-rules-")
    now = datetime.datetime(2026, 5, 18, 12, 0, 0)
    for name, cols in schemas.items():
        if name not in query:
            continue
        rows = []
        for i in range(3):
            t = (now - datetime.timedelta(minutes=1 + 20 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append({c["name"]: value(c["type"], i, t) for c in cols})
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump(rows, f)
    return d


# Columns every Log Analytics table has (src/io/schema.rs SENTINEL_STANDARD).
SENTINEL_STANDARD = [("TimeGenerated", "datetime"), ("TenantId", "string"),
                     ("SourceSystem", "string"), ("Type", "string")]


def sentinel_copy(s):
    """A table's columns as a Sentinel workspace has them, composed as src/io/schema.rs does:
    a Defender XDR table's `columns`, retyped by `sentinel.columns`, then the standard
    Log Analytics columns where missing, then the other `sentinel.columns`."""
    if s.get("product") != "defender":
        return s["columns"]
    cols = [dict(c) for c in s["columns"]]
    extra = []
    for c in s.get("sentinel", {}).get("columns", []):
        same = [x for x in cols if x["name"] == c["name"]]
        if same:
            same[0]["type"] = c["type"]
        else:
            extra.append(c)
    names = {c["name"] for c in cols + extra}
    cols += [{"name": n, "type": t} for n, t in SENTINEL_STANDARD if n not in names]
    return cols + extra


EXTERNAL = re.compile(r"externaldata\s*\(([^)]*)\)\s*\[([^\]]*)\]\s*(with\s*\(([^)]*)\))?", re.I)


def external_dir(query):
    """Three schema-shaped rows for each `externaldata` URL the query names, in a folder
    for `--external-dir` (files named after the URL's last path segment), so that rules
    reading a feed run offline as the tables do."""
    d = tempfile.mkdtemp(prefix="kql-rules-ext-")
    now = datetime.datetime(2026, 5, 18, 12, 0, 0)
    for m in EXTERNAL.finditer(query):
        cols = [c.split(":") for c in m.group(1).split(",") if ":" in c]
        cols = [(n.strip(), t.strip().lower()) for n, t in cols]
        props = (m.group(4) or "").lower()
        rows = []
        for i in range(3):
            t = (now - datetime.timedelta(minutes=1 + 20 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append([value(ty, i, t) for _, ty in cols])
        for url in re.findall(r"[@h]?[\"']([^\"']+)[\"']", m.group(2)):
            name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            with open(os.path.join(d, name), "w", newline="") as f:
                if "json" in props:
                    for r in rows:
                        f.write(json.dumps({n: v for (n, _), v in zip(cols, r)}) + "\n")
                else:
                    w = csv.writer(f)
                    if "ignorefirstrecord" in props:
                        w.writerow([n for n, _ in cols])
                    for r in rows:
                        w.writerow([json.dumps(v) if isinstance(v, dict) else v for v in r])
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rules")
    ap.add_argument("--kusto", required=True, help="path of kqlcheck.js (Kusto.Language)")
    ap.add_argument("--kql", default=os.path.join(ROOT, "target", "release", "kql"))
    a = ap.parse_args()
    # Sentinel rules run in a Log Analytics workspace, so both verdicts use a table's Sentinel
    # copy; kqlcheck.js reads only the top-level "columns", so hand it those copies.
    schema_dir = tempfile.mkdtemp(prefix="kql-rules-schemas-")
    schema_files, schemas = [], {}
    for f in sorted(glob.glob(os.path.join(ROOT, "schemas", "*.json"))):
        s = json.load(open(f))
        cols = sentinel_copy(s)
        schemas[s["name"]] = cols
        out = os.path.join(schema_dir, os.path.basename(f))
        with open(out, "w") as o:
            json.dump({"name": s["name"], "columns": cols}, o)
        schema_files.append(out)
    totals = {"rules": 0, "agree": 0, "both_ok": 0, "both_error": 0, "kql_only": 0, "kusto_only": 0,
              "ran": 0, "fired": 0, "run_failed": 0, "kusto_ok": 0, "field_findings": 0}
    rows = []
    for path in sorted(glob.glob(os.path.join(a.rules, "*.y*ml"))):
        doc = yaml.safe_load(open(path))
        if not isinstance(doc, dict) or "query" not in doc:
            continue
        totals["rules"] += 1
        q = doc["query"]
        with tempfile.NamedTemporaryFile("w", suffix=".kql", delete=False) as f:
            f.write(q)
        args = ["node", a.kusto, "--json", "--no-analyzers"]
        for s in schema_files:
            args += ["--schema", s]
        k = json.loads(subprocess.run(args + [f.name], capture_output=True, text=True).stdout)
        k_errors = [d for d in k.get("syntaxDiagnostics", []) + k.get("semanticDiagnostics", [])
                    if d.get("severity") == "Error"]
        c = json.loads(subprocess.run([a.kql, "check", "--format", "json", path],
                                      capture_output=True, text=True).stdout)
        # Every error that is not about the rule's own fields is about its query (syntax,
        # binding, "not supported yet"); codes are KS### or the like.
        q_errors = [d for d in c["diagnostics"] if d["severity"] == "error"
                    and not d["code"].startswith("rule-")]
        fields = [d for d in c["diagnostics"] if d["code"].startswith("rule-")]
        totals["field_findings"] += len(fields)
        kusto_err, kql_err = bool(k_errors), bool(q_errors)
        totals["agree"] += kusto_err == kql_err
        totals["both_ok"] += not kusto_err and not kql_err
        totals["both_error"] += kusto_err and kql_err
        totals["kql_only"] += kql_err and not kusto_err
        totals["kusto_only"] += kusto_err and not kql_err
        run = "-"
        if not kusto_err:
            totals["kusto_ok"] += 1
            d = data_dir(q, schemas)
            r = subprocess.run([a.kql, "run", path, "--data", d, "--external-dir", external_dir(q),
                                "--now", NOW, "--format", "json"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                totals["ran"] += 1
                v = json.loads(r.stdout.splitlines()[0])
                fired = v.get("alert", {}).get("fired")
                totals["fired"] += bool(fired)
                run = f"ran ({len(v.get('rows', []))} rows, {'fired' if fired else 'not fired'})"
            else:
                totals["run_failed"] += 1
                run = "FAILED: " + r.stderr.strip().splitlines()[0]
        rows.append((os.path.basename(path),
                     "error" if kusto_err else "ok",
                     "error" if kql_err else "ok",
                     (k_errors[0]["message"] if k_errors else "") if kusto_err != kql_err else "",
                     (q_errors[0]["message"] if q_errors else "") if kusto_err != kql_err else "",
                     run, len(fields)))
    for r in rows:
        print(f"{r[0]}: Kusto.Language {r[1]}, kql {r[2]}; run {r[5]}; rule-field findings {r[6]}")
        if r[3] or r[4]:
            print(f"    Kusto.Language: {r[3]}\n    kql: {r[4]}")
    t = totals
    print(f"\n{t['rules']} rules: kql check agrees with Kusto.Language on {t['agree']} "
          f"({t['both_ok']} both accept, {t['both_error']} both reject; kql alone rejects {t['kql_only']}, "
          f"Kusto.Language alone rejects {t['kusto_only']}).")
    print(f"Of the {t['kusto_ok']} queries Kusto.Language binds, kql run runs {t['ran']} on schema-shaped data "
          f"({t['fired']} fired), {t['run_failed']} fail. Rule-field findings: {t['field_findings']}.")


if __name__ == "__main__":
    sys.exit(main())
