#!/usr/bin/env python3
"""Regenerates the built-in table schemas (schemas/*.json) from Microsoft's references.

Not needed to build or test kql: the JSON files are committed data. Run it when the
references change, then review the diff. Standard library only.

    python3 schemas/generate.py --am AM --defender DEFENDER --custom CUSTOM [--out schemas]

AM        a checkout of MicrosoftDocs/azure-reference-other at the commit in AM_COMMIT (the
          last one holding the Azure Monitor table reference, azure-monitor-ref/tables/;
          later commits moved it out of the public repository).
DEFENDER  a checkout of MicrosoftDocs/defender-docs (defender-xdr/advanced-hunting-*-table.md),
          or a folder of such pages with a COMMITS file ("path commit" per line).
CUSTOM    a folder of Azure/Azure-Sentinel .script/tests/KqlvalidationsTests/CustomTables/*.json
          files for the tables in CUSTOM_TABLES, with a COMMITS file ("Table commit" per line)
          unless it is inside a git checkout.

The rules (written down for users in schemas/SOURCE.md):
- A table with a Defender XDR advanced hunting page is a `defender` table: `columns` are that
  page's. Its Sentinel copy is described by `sentinel.columns`: the columns the Azure Monitor
  page (or the Sentinel validation file) lists that the Defender page does not, or lists with
  another type. kql adds TimeGenerated, TenantId, SourceSystem and Type to every Sentinel copy
  that lacks them, so they are not repeated here.
- Every other table is a `sentinel` table: the Azure Monitor page's columns, then the columns
  only the Sentinel validation file lists.
- Files this script does not produce (hand-written schemas with their own source) are left alone.
"""

import argparse
import json
import os
import re
import subprocess
import sys

AM_COMMIT = "bea53845fef94ad4f1887d306e6618a34efefc01"
AM_INCLUDES = "azure-monitor-ref/tables/includes"
AM_REPO = "MicrosoftDocs/azure-reference-other"
DEFENDER_REPO = "MicrosoftDocs/defender-docs"
CUSTOM_REPO = "Azure/Azure-Sentinel"
CUSTOM_PATH = ".script/tests/KqlvalidationsTests/CustomTables"

# The Azure Monitor tables kql ships, beyond those of Defender XDR: every table whose page
# puts it in the Security category or in a security solution (SECURITY_SOLUTIONS), and these,
# which public detections query too.
SECURITY_SOLUTIONS = {"SecurityInsights", "Security", "SecurityCenter", "SecurityCenterFree",
                      "BehaviorAnalyticsInsights", "DnsAnalytics", "WindowsFirewall"}
EXTRA_AM_TABLES = """
AADManagedIdentitySignInLogs AADNonInteractiveUserSignInLogs AADProvisioningLogs AADRiskyServicePrincipals
AADRiskyUsers AADServicePrincipalRiskEvents AADServicePrincipalSignInLogs AADUserRiskEvents ADFSSignInLogs
ADXCommand ADXQuery AGWAccessLogs AGWFirewallLogs AKSAudit AKSAuditAdmin AKSControlPlane
ASimAuditEventLogs ASimAuthenticationEventLogs ASimDhcpEventLogs ASimDnsActivityLogs ASimFileEventLogs
ASimNetworkSessionLogs ASimProcessEventLogs ASimRegistryEventLogs ASimUserManagementActivityLogs
ASimWebSessionLogs AWSCloudTrail AWSGuardDuty AWSVPCFlow Anomalies AppDependencies AppExceptions
AppRequests AppServiceAppLogs AppServiceAuditLogs AppServiceConsoleLogs AppServiceFileAuditLogs
AppServiceHTTPLogs AppServiceIPSecAuditLogs AppServicePlatformLogs AppTraces AuditLogs AzureActivity
AzureDevOpsAuditing AzureDiagnostics AzureMetrics BehaviorAnalytics CommonSecurityLog ConfigurationChange
ConfigurationData ContainerAppConsoleLogs ContainerAppSystemLogs ContainerInventory ContainerLog
ContainerLogV2 DnsEvents DnsInventory Event FunctionAppLogs GCPAuditLogs Heartbeat IntuneAuditLogs
IntuneDeviceComplianceOrg IntuneDevices IntuneOperationalLogs KubeEvents KubeNodeInventory
KubePodInventory KubeServices LAQueryLogs LinuxAuditLog MicrosoftAzureBastionAuditLogs
MicrosoftGraphActivityLogs NetworkAccessTraffic OfficeActivity Operation Perf SQLSecurityAuditEvents
SecurityAlert SecurityBaseline SecurityEvent SecurityIncident SecurityNestedRecommendation
SecurityRecommendation SentinelAudit SentinelHealth SigninLogs StorageBlobLogs StorageFileLogs
StorageQueueLogs StorageTableLogs Syslog ThreatIntelIndicators ThreatIntelObjects
ThreatIntelligenceIndicator Update Usage VMConnection VMProcess W3CIISLog Watchlist WindowsEvent
""".split()

# Tables taken (also) from the Sentinel validation files.
CUSTOM_TABLES = """
AADManagedIdentitySignInLogs AADNonInteractiveUserSignInLogs AADServicePrincipalSignInLogs
AADSignInEventsBeta AzureDiagnostics CloudAppEvents CopilotActivity DeviceEvents DeviceFileEvents
DeviceNetworkEvents DeviceProcessEvents EntraIdSignInEvents IdentityLogonEvents Syslog
""".split()

# The Azure Monitor page of AzureDiagnostics repeats the AzureDevOpsAuditing columns.
AM_WRONG = {"AzureDiagnostics"}

# The name kql uses where a page spells the table otherwise. The Defender page writes
# GraphApiAuditEvents; workspaces list, and public detections query, GraphAPIAuditEvents.
RENAME = {"GraphApiAuditEvents": "GraphAPIAuditEvents"}

# Page types that are not the column's type in Kusto, with the reason kept in the file.
TYPE_FIXES = {
    ("OAuthAppInfo", "Timestamp"): ("datetime", "the page types Timestamp as string; every advanced hunting Timestamp is a datetime (the page's own description: date and time when the record was created)"),
    ("GraphAPIAuditEvents", "Timestamp"): ("datetime", "the page types Timestamp as string; every advanced hunting Timestamp is a datetime (the page's own description: date and time when the request was recorded)"),
}

NOTES = {
    "AzureDiagnostics": "AzureDiagnostics is a wide table whose columns depend on the Azure resource types sending logs (suffixes _s string, _d real, _b bool, _t datetime, _g guid stored as string); this is the column subset in the Sentinel validation file. The Azure Monitor page for this table is wrong (it repeats AzureDevOpsAuditing).",
    "ExposureGraphNodes": "A snapshot table: no Timestamp column.",
    "ExposureGraphEdges": "A snapshot table: no Timestamp column.",
}

STANDARD_SENTINEL = ["TimeGenerated", "TenantId", "SourceSystem", "Type"]

# Type names in the pages → KQL type names.
TYPES = {
    "string": "string", "datetime": "datetime", "long": "long", "int": "int", "integer": "int",
    "int32": "int", "int64": "long", "bool": "bool", "boolean": "bool", "nullable bool": "bool",
    "dynamic": "dynamic", "object": "dynamic", "array": "dynamic", "real": "real", "double": "real",
    "guid": "guid", "timespan": "timespan", "decimal": "decimal", "enum": "string",
}


def kql_type(t, where):
    k = TYPES.get(t.strip().strip("`").lower())
    if k is None:
        sys.exit(f"{where}: unknown type {t!r}")
    return k


def commit_of(root, rel, commits_file_key=None):
    """The commit of a file: from COMMITS in root, else from git."""
    commits = os.path.join(root, "COMMITS")
    if os.path.exists(commits):
        for line in open(commits, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 2 and parts[0] in (rel, commits_file_key):
                return parts[1]
        sys.exit(f"{commits}: no commit for {rel}")
    out = subprocess.run(["git", "-C", root, "log", "-1", "--format=%H", "--", rel],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def table_rows(text):
    """(name, type) of each row of the first markdown table whose header starts with a
    column-name cell and a type cell."""
    rows, inside = [], False
    for line in text.splitlines():
        line = line.strip()
        cells = [c.strip() for c in line.strip("|").split("|")] if line.startswith("|") else None
        if not inside:
            if cells and len(cells) >= 2 and re.match(r"(?i)column( name)?$", cells[0]) \
                    and re.match(r"(?i)(data )?type$", cells[1]):
                inside = True
            continue
        if cells is None:
            if rows:
                break
            continue
        if set(cells[0]) <= set("-: "):
            continue
        name = re.search(r"`\s*([^`]+?)\s*`", cells[0])
        name = name.group(1) if name else cells[0].split()[0]
        rows.append((name, cells[1]))
    return rows


def am_tables(am):
    """lower-case name → (Name, [(col, type)], page path) for every Azure Monitor include."""
    inc = os.path.join(am, AM_INCLUDES)
    out = {}
    for f in sorted(os.listdir(inc)):
        if not f.endswith("-include.md"):
            continue
        text = open(os.path.join(inc, f), encoding="utf-8").read()
        m = re.search(r"^ms\.custom:\s*(\w+)\s*$", text, re.M)
        rows = table_rows(text)
        if m and rows:
            out[m.group(1).lower()] = (m.group(1), rows, f"{AM_INCLUDES}/{f}")
    return out


def am_selected(am, tables):
    """The Azure Monitor tables of the security category and solutions."""
    top = os.path.join(am, "azure-monitor-ref/tables")
    names = set()
    for f in os.listdir(top):
        if not f.endswith(".md"):
            continue
        text = open(os.path.join(top, f), encoding="utf-8").read()
        cat = re.search(r"\*\*Categories\*\*\|([^|\n]*)", text)
        sol = re.search(r"\*\*Solutions\*\*\|([^|\n]*)", text)
        cats = {c.strip() for c in cat.group(1).split(",")} if cat else set()
        sols = {s.strip() for s in sol.group(1).split(",")} if sol else set()
        if "Security" in cats or sols & SECURITY_SOLUTIONS:
            if f[:-3] in tables:
                names.add(tables[f[:-3]][0])
    return names


def defender_tables(root):
    base = os.path.join(root, "defender-xdr")
    out = {}
    for f in sorted(os.listdir(base)):
        if not re.match(r"advanced-hunting-[a-z0-9]+-table\.md$", f, re.I):
            continue
        rel = f"defender-xdr/{f}"
        text = open(os.path.join(base, f), encoding="utf-8").read()
        m = re.search(r"^#+\s+(\w+)\s*$", text, re.M)
        rows = table_rows(text)
        if not m or not rows:
            continue
        name = RENAME.get(m.group(1), m.group(1))
        out[name] = (rows, rel, commit_of(root, rel))
    return out


def custom_tables(root):
    out = {}
    for name in CUSTOM_TABLES:
        path = os.path.join(root, f"{name}.json")
        d = json.load(open(path, encoding="utf-8"))
        lower = {k.lower(): v for k, v in d.items()}
        props = [{k.lower(): v for k, v in p.items()} for p in lower["properties"]]
        rows = [(p["name"], p["type"]) for p in props]
        out[name] = (rows, commit_of(root, f"{name}.json", name))
    return out


def typed(rows, table, where):
    cols = []
    for name, t in rows:
        ty = kql_type(t, f"{where}: {table}.{name}")
        if any(c[0] == name for c in cols):
            print(f"warning: {where}: {table}.{name} listed twice; the first is kept", file=sys.stderr)
            continue
        cols.append((name, ty))
    return cols


def add_missing(cols, extra):
    """cols, then the columns of extra whose names cols lacks."""
    out = list(cols)
    for c in extra:
        if all(o[0] != c[0] for o in out):
            out.append(c)
    return out


def write(path, d):
    def cols(cs):
        return "[\n" + ",\n".join(
            f'    {{"name": {json.dumps(n)}, "type": "{t}"}}' for n, t in cs) + "\n  ]"
    parts = [f'  "name": {json.dumps(d["name"])}', f'  "product": "{d["product"]}"',
             f'  "source": {json.dumps(d["source"])}', f'  "columns": {cols(d["columns"])}']
    if "sentinel" in d:
        s = d["sentinel"]
        inner = [f'    "source": {json.dumps(s["source"])}']
        inner.append('    "columns": ' + cols(s["columns"]).replace("\n", "\n  "))
        parts.append('  "sentinel": {\n' + ",\n".join(inner) + "\n  }")
    if d.get("note"):
        parts.append(f'  "note": {json.dumps(d["note"])}')
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--am", required=True)
    ap.add_argument("--defender", required=True)
    ap.add_argument("--custom", required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()

    am = am_tables(a.am)
    defender = defender_tables(a.defender)
    custom = custom_tables(a.custom)
    sentinel_names = (am_selected(a.am, am) | set(EXTRA_AM_TABLES) | set(custom)) - set(defender)
    am_src = lambda page: f"{AM_REPO} {page} @{AM_COMMIT}"
    custom_src = lambda n: f"{CUSTOM_REPO} {CUSTOM_PATH}/{n}.json @{custom[n][1]}"
    written = {}

    for name, (rows, rel, commit) in defender.items():
        cols = typed(rows, name, rel)
        notes = [NOTES[name]] if name in NOTES else []
        for i, (n, t) in enumerate(cols):
            if (name, n) in TYPE_FIXES:
                fixed, why = TYPE_FIXES[(name, n)]
                cols[i] = (n, fixed)
                notes.append(f"{n} is {fixed}: {why}.")
        sources = [f"{DEFENDER_REPO} {rel} @{commit}"]
        sentinel_rows, sentinel_sources = [], []
        if name in custom:
            crow = typed(custom[name][0], name, "custom")
            if any(n == "TimeGenerated" for n, _ in crow):
                sentinel_rows += crow  # a Sentinel copy
                sentinel_sources.append(custom_src(name))
            else:
                extra = [c for c in crow if c[0] not in {x[0] for x in cols}]
                if extra:
                    cols += extra
                    sources.append(f"columns {', '.join(c[0] for c in extra)} from " + custom_src(name))
        if name.lower() in am and name not in AM_WRONG:
            _, arows, page = am[name.lower()]
            sentinel_rows = typed(arows, name, page) + sentinel_rows
            sentinel_sources.insert(0, am_src(page))
        d = {"name": name, "product": "defender", "source": "; ".join(sources), "columns": cols}
        if sentinel_rows:
            merged = add_missing([], sentinel_rows)
            mine = dict(cols)
            scols = [(n, t) for n, t in merged if mine.get(n) != t
                     and not (n in STANDARD_SENTINEL and n not in mine
                              and t == ("datetime" if n == "TimeGenerated" else "string"))]
            for n, t in merged:
                if n in mine and mine[n] != t:
                    print(f"{name}.{n}: Defender {mine[n]}, Sentinel {t}", file=sys.stderr)
            d["sentinel"] = {"source": "; ".join(sentinel_sources), "columns": scols}
        if notes:
            d["note"] = " ".join(notes)
        written[name] = d

    for name in sorted(sentinel_names):
        cols, sources = [], []
        if name.lower() in am and name not in AM_WRONG:
            _, arows, page = am[name.lower()]
            cols = typed(arows, name, page)
            sources.append(am_src(page))
        if name in custom:
            crow = typed(custom[name][0], name, "custom")
            if cols:
                extra = [c for c in crow if c[0] not in {x[0] for x in cols}]
                for n, t in crow:
                    if n in dict(cols) and dict(cols)[n] != t:
                        print(f"{name}.{n}: Azure Monitor {dict(cols)[n]}, validation file {t}", file=sys.stderr)
                if extra:
                    cols += extra
                    sources.append(f"columns {', '.join(c[0] for c in extra)} from " + custom_src(name))
            else:
                cols = crow
                sources.append(custom_src(name))
        if not cols:
            sys.exit(f"{name}: no source has its columns")
        d = {"name": name, "product": "sentinel", "source": "; ".join(sources), "columns": cols}
        if name in NOTES:
            d["note"] = NOTES[name]
        written[name] = d

    for name, d in written.items():
        write(os.path.join(a.out, f"{name}.json"), d)
    kept = sorted(f[:-5] for f in os.listdir(a.out) if f.endswith(".json") and f[:-5] not in written)
    print(f"{len(written)} schemas written to {a.out}; {len(kept)} left as they are: {' '.join(kept)}")


if __name__ == "__main__":
    main()
