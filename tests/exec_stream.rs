//! The streaming path (tables opened with `open_dir_for`, scanned from their files with
//! column pruning, pushed-down filters and streaming aggregation) gives exactly the rows
//! of the in-memory path (`load_dir_for`, every table read whole first), on generated
//! sign-in data big enough to be read in several chunks on several threads.

use kql::io::{load_dir_for, open_dir_for, open_dir_with, table_to_json, Product, ReadOptions};
use kql::table::CatalogEntry;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-05-18T12:00:00Z";

fn now_ticks() -> i64 {
    kql::value::parse_datetime(NOW).unwrap()
}

/// A small deterministic generator (xorshift), so that the test needs no fixture.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.6367.91",
    "Mozilla/5.0 (Macintosh) Safari/605.1.15",
    "python-requests/2.31.0",
    "curl/8.5.0",
    "MSAL.Desktop/4.59.0.0",
    "Windows-AzureAD-Authentication-Provider/1.0",
    "Dalvik/2.1.0 (Linux; U; Android 14)",
    "okhttp/4.12.0",
    "",
    "Weird \\\"quoted\\\" agent \\u00e9",
];
const APPS: &[&str] = &["Microsoft Teams", "Office 365", "Azure Portal", "Outlook"];

/// A datetime `minutes` before NOW, with a fraction of varying length.
fn ago(minutes: u64, r: &mut Rng) -> String {
    let t = now_ticks() - (minutes as i64) * 600_000_000 - (r.next() % 600_000_000) as i64;
    let s = kql::value::format_datetime_iso(t);
    if r.next().is_multiple_of(7) {
        // Some without a fraction, as some exporters write them.
        format!("{}Z", &s[..19])
    } else {
        s
    }
}

fn generate(dir: &Path, aad_rows: usize, entra_rows: usize) {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let users: Vec<String> = (0..150).map(|i| format!("user{i}@contoso.com")).collect();
    let ip = |r: &mut Rng| format!("10.{}.{}.{}", r.next() % 3, r.next() % 4, r.next() % 5);
    let mut aad = String::new();
    for i in 0..aad_rows {
        let user = &users[(r.next() % users.len() as u64) as usize];
        let minutes = if i % 10 == 0 {
            200 + r.next() % 5000
        } else {
            r.next() % 55
        };
        let result = ["0", "0", "0", "50126", "0"][(r.next() % 5) as usize];
        let corr = format!("c{}", r.next() % 400);
        let when = ago(minutes, &mut r);
        let (agent, app, ipa) = (r.pick(AGENTS), r.pick(APPS), ip(&mut r));
        // Keys in varying order now and then; some fields missing; one number for a string.
        if i % 97 == 0 {
            writeln!(
                aad,
                r#"{{"UserPrincipalName": "{user}", "TimeGenerated": "{when}", "ResultType": {result}, "CorrelationId": "{corr}", "IPAddress": "{ipa}", "AppDisplayName": "{app}"}}"#
            )
            .unwrap();
        } else {
            writeln!(
                aad,
                r#"{{"TimeGenerated":"{when}","ResultType":"{result}","UserAgent":"{agent}","CorrelationId":"{corr}","IPAddress":"{ipa}","IsInteractive":false,"AppDisplayName":"{app}","UserPrincipalName":"{user}","DurationMs":{}}}"#,
                r.next() % 1000
            )
            .unwrap();
        }
        if i % 500 == 0 {
            aad.push('\n');
        }
    }
    std::fs::write(dir.join("AADNonInteractiveUserSignInLogs.jsonl"), aad).unwrap();
    let mut entra = String::new();
    for i in 0..entra_rows {
        let user = &users[(r.next() % users.len() as u64) as usize];
        let minutes = r.next() % (31 * 24 * 60);
        let code = if r.next().is_multiple_of(6) { 50126 } else { 0 };
        writeln!(
            entra,
            r#"{{"Timestamp":"{}","ErrorCode":{code},"AccountUpn":"{user}","IPAddress":"{}","Application":"{}","ReportId":"r{i}","IsManaged":{}}}"#,
            ago(minutes, &mut r),
            ip(&mut r),
            r.pick(APPS),
            if i % 3 == 0 { 1 } else { 0 }
        )
        .unwrap();
    }
    std::fs::write(dir.join("EntraIdSignInEvents.jsonl"), entra).unwrap();
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-stream-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `query` both ways; returns the streaming result as JSON (or the error text).
fn both_ways(dir: &Path, query: &str) -> String {
    let all = |_: &str| true;
    let run = |streaming: bool| -> String {
        let catalog = if streaming {
            open_dir_for(dir, &[], &all, Product::Sentinel)
        } else {
            load_dir_for(dir, &[], &all, Product::Sentinel)
        };
        // A data error comes from loading (in memory) or from the scan (streaming): the
        // same error either way.
        let catalog = match catalog {
            Ok(c) => c,
            Err(e) => return format!("error: {} at {:?}", e.message, e.location),
        };
        match kql::run_query(query, &catalog, now_ticks()) {
            Ok(tables) => tables
                .iter()
                .map(|t| table_to_json(t).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("error: {} at {:?}", e.message, e.location),
        }
    };
    let streamed = run(true);
    let in_memory = run(false);
    assert_eq!(streamed, in_memory, "query: {query}");
    streamed
}

const QUERIES: &[&str] = &[
    // Pushed-down filters into a streaming summarize, keys and arguments pruned.
    "EntraIdSignInEvents | where Timestamp >= ago(29d) and Timestamp < ago(1h) | where ErrorCode == 0 | summarize n = count(), ips = make_set(IPAddress, 200), first = min(Timestamp) by AccountUpn, IPAddress",
    // No keys, no arguments: one row even when nothing passes.
    "EntraIdSignInEvents | where ErrorCode == 0 | summarize count()",
    "EntraIdSignInEvents | where ErrorCode == 12345 | summarize count(), dcount(AccountUpn)",
    // Items over one text column are remembered per distinct value on each thread: the
    // same rows as evaluating them every time (the in-memory path never remembers).
    "AADNonInteractiveUserSignInLogs | extend t = case(UserAgent has 'Mozilla', 'browser', UserAgent startswith 'python', 'tool', 'other'), n = replace_regex(UserAgent, @'\\d+', 'N'), r = rand() < 2.0, h = hash(UserAgent) % 7 | summarize count(), make_set(n), make_set(h) by t, r",
    // Extend and project on the parsing threads, rows kept in file order.
    "AADNonInteractiveUserSignInLogs | where TimeGenerated >= ago(1h) | extend L = strlen(UserAgent), U = toupper(UserPrincipalName) | project U, L, IPAddress, TimeGenerated",
    "AADNonInteractiveUserSignInLogs | project UserAgent, DurationMs, IsInteractive | where DurationMs > 500 | extend UserAgent = strcat(UserAgent, '!')",
    // Rows pruned to the used columns: extend replacing used and unused columns,
    // reading columns appended before it, project then more steps.
    "AADNonInteractiveUserSignInLogs | extend IPAddress = strcat(IPAddress, '/32'), AppDisplayName = 'x', CorrelationId = 'gone' | where IPAddress startswith '10.1' | summarize n = count(), apps = make_set(AppDisplayName) by IPAddress",
    "AADNonInteractiveUserSignInLogs | extend a = strlen(UserAgent), b = a * 2 | extend a = a + 1 | summarize sum(b), max(a), take_any(UserPrincipalName) by ResultType",
    "EntraIdSignInEvents | project AccountUpn, T = Timestamp, E = ErrorCode | where E == 0 | extend d = dayofweek(T) | summarize count() by AccountUpn, d",
    // Many groups split over the aggregators, order-sensitive aggregates, no sort
    // after: group order and every group's rows must be those of one pass.
    "EntraIdSignInEvents | summarize l = make_list(Timestamp), a = take_any(ErrorCode), arg_max(ErrorCode, Timestamp, IPAddress) by AccountUpn, IPAddress",
    "EntraIdSignInEvents | summarize make_list(AccountUpn, 5), dcount(IPAddress) by ErrorCode, d = bin(Timestamp, 1d)",
    // Only count()s: a chunk's rows counted per key on their thread (keys read in place,
    // or computed), each key added once to the shared groups; groups in order of first
    // appearance (no sort after).
    "EntraIdSignInEvents | summarize count() by AccountUpn, IPAddress",
    "EntraIdSignInEvents | summarize n = count(), m = count() by h = bin(Timestamp, 1h), e = tostring(ErrorCode)",
    "AADNonInteractiveUserSignInLogs | where ResultType == '0' | summarize count() by UserAgent",
    "AADNonInteractiveUserSignInLogs | join kind=inner (EntraIdSignInEvents) on $left.UserPrincipalName == $right.AccountUpn | summarize count() by ResultType, IPAddress1",
    // Operators that read the whole table (no pipeline to fuse).
    "AADNonInteractiveUserSignInLogs | take 7",
    "AADNonInteractiveUserSignInLogs | sort by TimeGenerated desc | take 5 | project TimeGenerated, UserPrincipalName",
    "EntraIdSignInEvents | count",
    // count over a pipeline: rows counted as they pass, only the filters' columns read.
    "EntraIdSignInEvents | where ErrorCode == 0 | count",
    "AADNonInteractiveUserSignInLogs | extend x = strlen(UserAgent) | where x > 20 and UserPrincipalName startswith 'user1' | count",
    // Window functions are not streamed.
    "EntraIdSignInEvents | where ErrorCode != 0 | extend r = row_number() | take 3",
    // Two uses of one table, and a join between the two tables.
    "let a = AADNonInteractiveUserSignInLogs | where ResultType == 0 | summarize c = count() by UserPrincipalName; let e = EntraIdSignInEvents | summarize d = count() by AccountUpn; a | join kind=leftouter e on $left.UserPrincipalName == $right.AccountUpn | sort by UserPrincipalName asc",
];

/// mv-expand and parse over pruned rows: they keep their input's columns in place and
/// replace or append their targets (an appended index, a replaced column the steps
/// before never read, columns read only after them).
const PRUNED_STEPS: &[&str] = &[
    "AADNonInteractiveUserSignInLogs | extend parts = split(UserAgent, ' ') | mv-expand with_itemindex = i parts to typeof(string) | summarize n = count(), m = max(i), f = take_any(IPAddress) by parts",
    "AADNonInteractiveUserSignInLogs | mv-expand CorrelationId = pack_array(IPAddress, UserAgent) | where TimeGenerated >= ago(1h) | project UserPrincipalName, CorrelationId, AppDisplayName",
    "AADNonInteractiveUserSignInLogs | extend n = strlen(UserAgent) | mv-expand kind=array p = pack_array(n, IPAddress) | extend q = strcat(p, '-', UserPrincipalName) | summarize count(), make_set(q, 3) by tostring(p)",
    "AADNonInteractiveUserSignInLogs | parse UserAgent with Browser '/' Version:string ' ' * | summarize count(), max(TimeGenerated) by Browser, Version",
    "AADNonInteractiveUserSignInLogs | parse IPAddress with IPAddress '.' Rest | project IPAddress, Rest, AppDisplayName, DurationMs",
    "AADNonInteractiveUserSignInLogs | parse-where UserAgent with * '(' Os ';' * | extend u = toupper(UserPrincipalName) | summarize count() by Os, u",
];

#[test]
fn mv_expand_and_parse_stream_over_pruned_rows() {
    let dir = temp_dir("pruned-steps");
    generate(&dir, 3000, 100);
    for q in PRUNED_STEPS {
        let out = both_ways(&dir, q);
        assert!(out.contains("\"rows\":[["), "{q}: {out}");
        // Streamed, not loaded: a chunk the pipeline fails on (a panic included) is
        // read by the full loader instead, which would hide a wrong column mapping
        // from the comparison above.
        let c = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
        kql::run_query(q, &c, now_ticks()).unwrap();
        let e = c.get("AADNonInteractiveUserSignInLogs").unwrap();
        assert!(
            matches!(e, CatalogEntry::Source(_)) && e.in_memory().is_none(),
            "{q}: the table was read whole"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn streaming_and_in_memory_paths_agree_on_generated_data() {
    let dir = temp_dir("agree");
    // About 4 MB of Entra rows: several 1 MB chunks, parsed on several threads.
    generate(&dir, 5000, 25000);
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/suspicious-noninteractive-signins.kql"),
    )
    .unwrap();
    let out = both_ways(&dir, &seed);
    assert!(
        out.contains("\"rows\":[["),
        "the seed finds sessions: {out}"
    );
    for q in QUERIES {
        let out = both_ways(&dir, q);
        assert!(!out.starts_with("error"), "{q}: {out}");
    }
    // The catalog opens both tables from their files (not read yet).
    let c = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
    let entra = c.get("EntraIdSignInEvents").unwrap();
    assert!(matches!(entra, CatalogEntry::Source(_)) && entra.in_memory().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_the_fast_reader_gives_up_on_give_the_same_results_and_errors() {
    let dir = temp_dir("fallback");
    generate(&dir, 50, 3000);
    let path = dir.join("EntraIdSignInEvents.jsonl");
    let good = std::fs::read_to_string(&path).unwrap();
    let q = "EntraIdSignInEvents | where ErrorCode == 0 | summarize count() by AccountUpn | sort by AccountUpn asc";
    // (file text, expected: an error containing this text, or rows)
    let cases: Vec<(String, Option<&str>)> = vec![
        // Raw control characters, bad escapes and bad numbers in an unused column: the
        // fast reader checks every string and number as it skips it.
        (
            good.replacen("\"Application\":\"", "\"Application\":\"\t", 1),
            Some("invalid JSON"),
        ),
        (
            good.replacen("\"Application\":\"", "\"Application\":\"\\q", 1),
            Some("invalid JSON"),
        ),
        (
            good.replacen(
                "\"IsManaged\":1}",
                "\"IsManaged\":1,\"RiskLevelDuringSignIn\":1e999}",
                1,
            ),
            Some("invalid JSON"),
        ),
        (
            good.replacen(
                "\"IsManaged\":1}",
                "\"IsManaged\":1,\"RiskLevelDuringSignIn\":00.5}",
                1,
            ),
            Some("invalid JSON"),
        ),
        // Non-ASCII text, used and unused, escaped and not.
        (
            good.replace("\"Application\":\"", "\"Application\":\"Zürich-\\u00e9-")
                .replace(
                    "\"IsManaged\":1}",
                    "\"IsManaged\":1,\"RiskLevelDuringSignIn\":-0.25}",
                )
                .replacen("@contoso", "\u{1F600}@contoso", 40),
            None,
        ),
        // A field the schema lacks, past the first line: the query is bound again with it.
        (
            good.replacen("\"IsManaged\":1}", "\"IsManaged\":1,\"Extra\":1.5}", 3),
            None,
        ),
        // Malformed JSON: the full loader's error.
        (
            good.replacen("\"ErrorCode\":0", "\"ErrorCode\":zero", 1),
            Some("invalid JSON"),
        ),
        // Values that do not convert are null, used or not (with `strict`, errors: below).
        (
            good.replacen("\"ErrorCode\":0", "\"ErrorCode\":\"x\"", 1),
            None,
        ),
        (
            good.replacen("\"IsManaged\":1", "\"IsManaged\":\"x\"", 1),
            None,
        ),
        // Escapes, spaces, CRLF line ends, a byte order mark.
        (
            format!(
                "\u{feff}{}",
                good.replace(",\"ErrorCode\"", " ,\t\"Error\\u0043ode\" ")
            )
            .replace('\n', "\r\n"),
            None,
        ),
    ];
    let mut cases: Vec<(Vec<u8>, Option<&str>)> = cases
        .into_iter()
        .map(|(t, w)| (t.into_bytes(), w))
        .collect();
    // Invalid UTF-8 in an unused string.
    cases.push((
        good.replacen("\"Application\":\"", "\"Application\":\"\u{1}", 1)
            .into_bytes()
            .into_iter()
            .map(|b| if b == 1 { 0xff } else { b })
            .collect(),
        Some("not valid UTF-8 text at File"),
    ));
    for (text, want) in cases {
        std::fs::write(&path, &text).unwrap();
        let out = both_ways(&dir, q);
        match want {
            Some(msg) => assert!(out.contains(msg), "{out}"),
            None => assert!(out.contains("\"rows\":[["), "{out}"),
        }
    }
    // With `strict`, a value that does not convert is an error, in an unused column too.
    for bad in [
        good.replacen("\"ErrorCode\":0", "\"ErrorCode\":\"x\"", 1),
        good.replacen("\"IsManaged\":1", "\"IsManaged\":\"x\"", 1),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let opts = ReadOptions {
            strict: true,
            ..Default::default()
        };
        let catalog = open_dir_with(&dir, &[], &|_| true, Product::Sentinel, &opts).unwrap();
        let e = kql::run_query(q, &catalog, now_ticks()).unwrap_err();
        assert!(e.message.contains("cannot read \"x\""), "{}", e.message);
    }
    // The extra field is a column after the rebinding.
    std::fs::write(
        &path,
        good.replacen("\"IsManaged\":1}", "\"IsManaged\":1,\"Extra\":1.5}", 3),
    )
    .unwrap();
    let out = both_ways(&dir, "EntraIdSignInEvents | where isnotnull(Extra) | count");
    assert!(out.contains("[[3]]"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// make_set finds duplicates by scanning while small and by hashing past 8 items: the
/// values and their first-appearance order are the same on both sides of the switch.
#[test]
fn make_set_small_and_large_sets_keep_first_appearance_order() {
    let cases: &[(&str, &str)] = &[
        (
            "range x from 1 to 40 step 1 | summarize s = make_set(x % 12)",
            "[1,2,3,4,5,6,7,8,9,10,11,0]",
        ),
        (
            "range x from 1 to 40 step 1 | summarize s = make_set(x % 12, 10)",
            "[1,2,3,4,5,6,7,8,9,10]",
        ),
        (
            "range x from 1 to 40 step 1 | summarize s = make_set(x % 5)",
            "[1,2,3,4,0]",
        ),
        (
            "range x from 1 to 40 step 1 | summarize s = make_set(strcat('k', x % 10))",
            r#"["k1","k2","k3","k4","k5","k6","k7","k8","k9","k0"]"#,
        ),
    ];
    for (q, want) in cases {
        let t = kql::run_query(q, &kql::Catalog::new(), now_ticks()).unwrap();
        let got = kql::value::to_kql_string(&t[0].rows[0][0]);
        assert_eq!(&got, want, "{q}");
    }
}

/// A `where` on group keys after a `summarize` / `distinct` moves below it, into the
/// fused scan (src/bind/pushdown.rs). Each query runs as written and with a `take`
/// before the `where` (no filter crosses it, so nothing moves), both on the streaming
/// and the in-memory paths: all four results must agree.
#[test]
fn where_moved_below_a_grouping_keeps_the_results_on_files() {
    let dir = temp_dir("pushdown");
    generate(&dir, 3000, 25000);
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/suspicious-noninteractive-signins.kql"),
    )
    .unwrap();
    let seed_where = "by AccountUpn, IPAddress\n\t| where AccountUpn in (SuspiciousUsers)";
    assert!(seed.contains(seed_where));
    let seed = seed.replace(
        seed_where,
        "by AccountUpn, IPAddress\n\t{B}| where AccountUpn in (SuspiciousUsers)",
    );
    let queries = [
        seed.as_str(),
        "let S = AADNonInteractiveUserSignInLogs | where TimeGenerated >= ago(1h) | distinct UserPrincipalName | take 20; \
         EntraIdSignInEvents | where Timestamp >= ago(29d) and Timestamp < ago(1h) | where ErrorCode == 0 \
         | summarize n = count(), ips = make_set(IPAddress, 200), first = min(Timestamp), any = take_any(ReportId) by AccountUpn, IPAddress \
         {B}| where AccountUpn in (S)",
        "EntraIdSignInEvents | summarize n = count(), r = make_list(ReportId, 5) by AccountUpn, d = bin(Timestamp, 1d) \
         {B}| where d >= ago(3d) and AccountUpn startswith 'user1' and n > 1",
        "EntraIdSignInEvents | extend u = toupper(AccountUpn) | summarize n = count(), m = max(IsManaged) by u, ErrorCode \
         {B}| project-rename U = u | where ErrorCode != 0 and U endswith '7@CONTOSO.COM'",
        "AADNonInteractiveUserSignInLogs | distinct UserPrincipalName, CorrelationId {B}| where CorrelationId in ('c1', 'c2', 'c3')",
    ];
    for q in queries {
        let moved = both_ways(&dir, &q.replace("{B}", ""));
        let kept = both_ways(&dir, &q.replace("{B}", "| take 100000000 "));
        assert_eq!(moved, kept, "query: {q}");
        assert!(moved.contains("\"rows\":[["), "{q}: {moved}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Random damage to a small file (a quote, backslash, control character, stray byte or
/// escape put in, a byte dropped): the fast reader must give exactly the full loader's
/// answer (its rows, or its error), whatever it skips or keeps.
#[test]
fn randomly_damaged_files_give_the_same_answer_both_ways() {
    let dir = temp_dir("damage");
    generate(&dir, 40, 40);
    // Both tables: Entra's lines have one key order; AAD's vary it now and then, leave
    // fields out, and put a number where a string column is.
    let tables = [
        (
            "EntraIdSignInEvents.jsonl",
            "EntraIdSignInEvents | where ErrorCode == 0 | summarize n = count(), apps = make_set(Application), t = max(Timestamp) by AccountUpn | sort by AccountUpn asc",
        ),
        (
            "AADNonInteractiveUserSignInLogs.jsonl",
            "AADNonInteractiveUserSignInLogs | where ResultType == 0 | summarize n = count(), agents = make_set(UserAgent), d = sum(DurationMs) by UserPrincipalName | sort by UserPrincipalName asc",
        ),
    ];
    let damage: &[&[u8]] = &[
        b"\"",
        b"\\",
        b"\\u",
        b"[\n]",
        b"[1,\n2]",
        b"\\ud800",
        b"\\u00e9",
        b"\x01",
        b"\t",
        b"\n",
        b"\xff",
        b"\xc3",
        "é".as_bytes(),
        b" ",
        b",",
        b"}",
        b"{",
        b"0",
        b"-",
        b".5",
        b"e9",
        b"null",
    ];
    let mut r = Rng(0x51_7cc1_b727_220a);
    for (file, q) in tables {
        let path = dir.join(file);
        let good = std::fs::read(&path).unwrap();
        let (mut errors, mut rows) = (0, 0);
        for _ in 0..600 {
            let mut text = good.clone();
            for _ in 0..1 + r.next() % 2 {
                let at = (r.next() % text.len() as u64) as usize;
                if r.next().is_multiple_of(4) {
                    text.remove(at);
                } else {
                    let d = damage[(r.next() % damage.len() as u64) as usize];
                    text.splice(at..at, d.iter().copied());
                }
            }
            std::fs::write(&path, &text).unwrap();
            // both_ways asserts that the two paths agree.
            if both_ways(&dir, q).starts_with("error") {
                errors += 1;
            } else {
                rows += 1;
            }
        }
        // Both kinds of outcome were exercised.
        assert!(
            errors > 30 && rows > 30,
            "{file}: {errors} errors, {rows} with rows"
        );
        std::fs::write(&path, &good).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// How [`variant`] writes a table.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Lines,
    /// A JSON array, one element per line.
    Array,
    /// A JSON array pretty-printed (each element over many lines, as `json.dumps(rows,
    /// indent=2)` writes it).
    Pretty,
}

/// The generated tables rewritten as another source kind, in a folder of their own.
/// `layout`: JSON lines, or an array; `custom`: under names no built-in
/// schema knows (`AAD_CL`, `Entra_CL`), so that their columns are discovered;
/// `extra`: a field neither schema lists, on a late line only.
fn variant(from: &Path, name: &str, layout: Layout, custom: bool, extra: bool) -> PathBuf {
    let dir = temp_dir(name);
    for (table, renamed) in [
        ("AADNonInteractiveUserSignInLogs", "AAD_CL"),
        ("EntraIdSignInEvents", "Entra_CL"),
    ] {
        let text = std::fs::read_to_string(from.join(format!("{table}.jsonl"))).unwrap();
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        if extra {
            let at = lines.len() - 3;
            let l = &mut lines[at];
            l.insert_str(1, r#""Extra":"x","#);
        }
        let out = if custom { renamed } else { table };
        let (file, body) = match layout {
            Layout::Array => (
                format!("{out}.json"),
                format!("[\n{}\n]\n", lines.join(",\n")),
            ),
            Layout::Pretty => {
                let rows: Vec<serde_json::Value> = lines
                    .iter()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                let mut body = serde_json::to_string_pretty(&rows).unwrap();
                body.push('\n');
                (format!("{out}.json"), body)
            }
            Layout::Lines => (format!("{out}.jsonl"), lines.join("\n") + "\n"),
        };
        std::fs::write(dir.join(file), body).unwrap();
    }
    dir
}

/// Every source kind streams and gives the full loader's rows: JSON lines and JSON
/// arrays, with a schema, without one (columns discovered from every line) and with a
/// field the schema lacks on a late line only (found when the scan meets it: the query
/// binds again), with fields missing and keys reordered on some lines (the generator's).
#[test]
fn every_source_kind_streams_and_agrees_with_the_full_loader() {
    let base = temp_dir("kinds");
    generate(&base, 2000, 8000);
    // Every other query of the list (each variant runs them twice; the list's kinds of
    // pipeline alternate), and the queries about the late field.
    let queries: Vec<&str> = QUERIES
        .iter()
        .copied()
        .step_by(2)
        .chain([
            "EntraIdSignInEvents | where Extra == 'x' | project AccountUpn, Extra",
            "AADNonInteractiveUserSignInLogs | summarize count() by Extra",
            "EntraIdSignInEvents | getschema",
        ])
        .collect();
    for (name, layout, custom, extra) in [
        ("k-array", Layout::Array, false, false),
        ("k-pretty", Layout::Pretty, false, false),
        ("k-custom", Layout::Lines, true, false),
        ("k-custom-array", Layout::Array, true, false),
        ("k-custom-pretty", Layout::Pretty, true, false),
        ("k-extra", Layout::Lines, false, true),
        ("k-extra-array", Layout::Array, false, true),
        ("k-extra-pretty", Layout::Pretty, false, true),
        ("k-custom-extra", Layout::Lines, true, true),
    ] {
        let dir = variant(&base, name, layout, custom, extra);
        for q in &queries {
            // Without a schema, ResultType (a string on most lines, a number on some)
            // is dynamic: no group key (both paths say so; checked by `both_ways`).
            if (q.contains("Extra") && !extra) || (custom && q.contains("by ResultType")) {
                continue;
            }
            let q = if custom {
                q.replace("AADNonInteractiveUserSignInLogs", "AAD_CL")
                    .replace("EntraIdSignInEvents", "Entra_CL")
            } else {
                q.to_string()
            };
            let out = both_ways(&dir, &q);
            assert!(!out.starts_with("error"), "{name}: {q}: {out}");
        }
        // Streamed, not loaded: after a query that reads every row of both tables, the
        // sources are still in their files.
        let c = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
        let q = if custom {
            "AAD_CL | count; Entra_CL | summarize count() by AccountUpn"
        } else {
            "AADNonInteractiveUserSignInLogs | count; EntraIdSignInEvents | summarize count() by AccountUpn"
        };
        kql::run_query(q, &c, now_ticks()).unwrap();
        for n in c.names() {
            let e = c.get(n).unwrap();
            assert!(
                matches!(e, CatalogEntry::Source(_)) && e.in_memory().is_none(),
                "{name}: {n} was read whole"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::remove_dir_all(&base).unwrap();
}

/// A consumer that stops reading its chunks (`top 0` needs no row, `take 0` neither)
/// has not seen every line: the table still learns a field that appears only on a
/// later line, streamed or loaded whole, as JSON lines or an array, with a schema that
/// lacks it or none (found by the exec fuzzer: `top 0` printed the schema's columns).
#[test]
fn a_scan_cut_short_by_its_consumer_does_not_vouch_for_the_columns() {
    let dir = temp_dir("cut-short");
    let lines = [
        "{\"b\":[1,2],\"c\":1}",
        "{\"a\":0.5,\"b\":{\"k\":\"abc\"},\"c\":3.0}",
    ];
    let schema =
        r#"{"name":"T","columns":[{"name":"b","type":"dynamic"},{"name":"c","type":"string"}]}"#;
    // (file, its text, with the schema)
    let cases = [
        ("T.jsonl", lines.join("\n"), true),
        ("T.jsonl", lines.join("\n"), false),
        ("T.json", format!("[{},\n{}]", lines[0], lines[1]), true),
    ];
    for (file, text, with_schema) in cases {
        for f in ["T.jsonl", "T.json", "T.schema.json"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        std::fs::write(dir.join(file), &text).unwrap();
        if with_schema {
            std::fs::write(dir.join("T.schema.json"), schema).unwrap();
        }
        for query in [
            "T | top 0 by c desc",
            "T | project-rename z = b | top 0 by c desc",
            "T | sort by c | take 0",
            "T | take 0",
        ] {
            let out = both_ways(&dir, query);
            assert!(
                out.contains("\"a\""),
                "{file} (schema: {with_schema}) {query}: {out}"
            );
        }
    }
}

/// The lines of a table without a schema: `late(i, fields)` may change line `i`'s
/// fields (key, JSON value), in order.
type Fields = Vec<(String, String)>;

fn sampled_lines(n: usize, late: &dyn Fn(usize, &mut Fields)) -> String {
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let mut out = String::new();
    for i in 0..n {
        let mut fields: Fields = vec![
            (
                "T".into(),
                format!("\"2026-05-{:02}T10:00:00Z\"", 1 + i % 28),
            ),
            ("U".into(), format!("\"user{}\"", r.next() % 40)),
            ("N".into(), (r.next() % 1000).to_string()),
            ("R".into(), format!("{}.5", r.next() % 100)),
            ("S".into(), format!("\"s{}\"", r.next() % 7)),
            ("B".into(), r.next().is_multiple_of(2).to_string()),
            ("Z".into(), "null".into()),
            ("D".into(), format!("{{\"k\":{}}}", r.next() % 3)),
        ];
        late(i, &mut fields);
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        writeln!(out, "{{{}}}", body.join(",")).unwrap();
    }
    out
}

/// A table without a schema streams in one pass, its columns typed from the first
/// chunk of each file and every later line checked against them: a field that appears
/// later, a value of a kind the sample's type does not hold (long then real, real then
/// string, a date then text, only nulls then a number...), or a key first met in a
/// later file of the table, makes the scan give up, and the query is bound again with
/// every record's columns. Either way the answers are the full loader's (missing and
/// reordered fields too), and the table is never read whole.
#[test]
fn a_table_typed_from_its_first_chunk_gives_the_answers_of_every_line() {
    type Late = fn(usize, &mut Fields);
    fn set(f: &mut [(String, String)], key: &str, v: &str) {
        f.iter_mut().find(|(k, _)| k == key).unwrap().1 = v.to_string();
    }
    // Changes on lines 12,000 and 12,990, past the first chunk (1 MB: the sample).
    let cases: &[(&str, Late)] = &[
        ("same", |_, _| {}),
        ("extra", |i, f| {
            if i == 12000 {
                f.insert(3, ("Late".into(), "\"x\"".into()));
            }
        }),
        ("missing", |i, f| {
            if i >= 12000 {
                f.retain(|(k, _)| k != "N" && k != "S");
            }
        }),
        ("reordered", |i, f| {
            if i % 1000 == 999 {
                f.reverse();
            }
        }),
        ("long-then-real", |i, f| {
            if i == 12000 || i == 12990 {
                set(f, "N", "2.25");
            }
        }),
        ("long-then-big", |i, f| {
            if i == 12000 {
                set(f, "N", "18446744073709551615");
            }
        }),
        ("real-then-string", |i, f| {
            if i == 12000 {
                set(f, "R", "\"abc\"");
            }
        }),
        ("date-then-text", |i, f| {
            if i == 12990 {
                set(f, "T", "\"yesterday\"");
            }
        }),
        ("date-then-empty", |i, f| {
            if i == 12000 {
                set(f, "T", "\"\"");
            }
        }),
        ("nulls-then-long", |i, f| {
            if i == 12000 {
                set(f, "Z", "7");
            }
        }),
        ("nulls-then-text", |i, f| {
            if i == 12000 {
                set(f, "Z", "\"z\"");
            }
        }),
        ("bool-then-number", |i, f| {
            if i == 12000 {
                set(f, "B", "1");
            }
        }),
        ("text-then-number", |i, f| {
            if i == 12000 {
                set(f, "S", "5");
            }
        }),
        ("text-then-object", |i, f| {
            if i == 12000 {
                set(f, "S", "{\"a\":1}");
            }
        }),
        ("object-then-text", |i, f| {
            if i == 12000 {
                set(f, "D", "\"d\"");
            }
        }),
    ];
    let queries = [
        "T | take 3",
        "T | summarize n = count(), s = sum(todouble(N)), r = max(tostring(R)) by U | order by U asc",
        "T | where B == true or isnull(B) | summarize count(), take_any(N), min(tostring(T)) by tostring(S), tostring(Z), tostring(D)",
        "T | project U, N, Late = column_ifexists('Late', '') | where isnotempty(Late)",
    ];
    let before: usize = sampled_lines(12000, &|_, _| {})
        .lines()
        .map(|l| l.len() + 1)
        .sum();
    assert!(before > 1 << 20, "the late lines are past the first chunk");
    let dir = temp_dir("sampled");
    let all = |_: &str| true;
    for (name, late) in cases {
        for f in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
        std::fs::write(dir.join("T_CL.jsonl"), sampled_lines(13000, late)).unwrap();
        for q in queries {
            let q = q.replace("T |", "T_CL |");
            let out = both_ways(&dir, &q);
            assert!(!out.starts_with("error"), "{name}: {q}: {out}");
        }
        let c = open_dir_for(&dir, &[], &all, Product::Sentinel).unwrap();
        kql::run_query("T_CL | summarize count() by U", &c, now_ticks()).unwrap();
        assert!(c.get("T_CL").unwrap().in_memory().is_none(), "{name}");
    }
    // Two files: a key that the second file's sample has, and a late line of the first
    // file too, comes in the first file's order.
    for f in std::fs::read_dir(&dir).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let first = sampled_lines(13000, &|i, f| {
        if i == 12000 {
            f.push(("K".into(), "1".into()));
        }
    });
    let second = sampled_lines(100, &|_, f| {
        f.push(("L".into(), "\"l\"".into()));
        f.push(("K".into(), "2".into()));
    });
    std::fs::write(dir.join("T_CL.1.jsonl"), first).unwrap();
    std::fs::write(dir.join("T_CL.2.jsonl"), second).unwrap();
    for q in [
        "T_CL | getschema",
        "T_CL | take 2",
        "T_CL | summarize count() by K, L",
    ] {
        let out = both_ways(&dir, q);
        assert!(!out.starts_with("error"), "two files: {q}: {out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dynamic column the query does not read is checked, not built: any JSON value
/// (nested, escaped, spaced) reads as the full loader reads it, and a malformed one is
/// the loader's error, on its line; strings full of escapes (JSON text held in a
/// string) decode as serde_json decodes them.
#[test]
fn an_unread_dynamic_column_is_checked_as_the_loader_checks_it() {
    let dir = temp_dir("unread-dynamic");
    let schema = r#"{"name":"T","columns":[{"name":"n","type":"long"},{"name":"d","type":"dynamic"},{"name":"s","type":"string"}]}"#;
    std::fs::write(dir.join("T.schema.json"), schema).unwrap();
    let line = |i: usize, d: &str| {
        format!(
            "{{\"n\":{i},\"d\":{d},\"s\":\"{{\\\"k\\\":\\\"v{i}\\\\u00e9\\\",\\\"q\\\":[\\\"\\\\\\\"\\\",{i}]}}\"}}\n"
        )
    };
    let valid = [
        "[1,2,3]",
        "{\"a\":{\"b\":[true,null,\"x\\u00e9\\\"y\"]},\"c\":-1.5e3}",
        "[ [ ], { } ,\"\\ud83d\\ude00\" ]",
        "{}",
    ];
    // (the dynamic value of line 2, an error the run must give, or none)
    let cases: Vec<(&str, Option<&str>)> = valid
        .iter()
        .map(|v| (*v, None))
        .chain([
            ("[1,2,}", Some("invalid JSON")),
            ("{\"a\":tru}", Some("invalid JSON")),
            ("[\"\\q\"]", Some("invalid JSON")),
            ("{\"a\" 1}", Some("invalid JSON")),
            ("[01]", Some("invalid JSON")),
        ])
        .collect();
    for (d, want) in cases {
        let text: String = (0..300)
            .map(|i| line(i, if i == 2 { d } else { valid[i % valid.len()] }))
            .collect();
        std::fs::write(dir.join("T.jsonl"), text).unwrap();
        for q in [
            "T | summarize count(), sum(n)",
            "T | summarize count() by s | count",
            "T | extend p = parse_json(s) | summarize count() by tostring(p.k) | count",
            "T | where n == 2 | project d, s",
        ] {
            let out = both_ways(&dir, q);
            match want {
                Some(msg) => assert!(out.contains(msg) && out.contains("line: 3"), "{d}: {out}"),
                None => assert!(out.contains("\"rows\":[["), "{d} {q}: {out}"),
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A pretty-printed array is cut into chunks at the lines that open an element as the
/// first one's does: written without indentation, so that every object's line is a
/// bare `{` (those of the arrays in each element too), many cuts fall inside an
/// element. A chunk that so starts inside one cannot be read as whole elements: the
/// scan gives up and the rows are the full loader's, which are the ones written (CRLF
/// line ends, as PowerShell writes them, and LF).
#[test]
fn a_pretty_array_cut_inside_an_element_still_gives_its_rows() {
    let dir = temp_dir("pretty-cut");
    let n: i64 = 8000;
    for (file, eol) in [("T.json", "\r\n"), ("U.json", "\n")] {
        let mut body = format!("[{eol}");
        for i in 0..n {
            if i > 0 {
                body.push_str(&format!(",{eol}"));
            }
            body.push_str(&format!("{{{eol}\"id\": {i},{eol}\"tags\": [{eol}"));
            for t in 0..12 {
                if t > 0 {
                    body.push_str(&format!(",{eol}"));
                }
                body.push_str(&format!(
                    "{{{eol}\"k\": \"tag{t}\",{eol}\"v\": {}{eol}}}",
                    i * 100 + t
                ));
            }
            body.push_str(&format!("{eol}],{eol}\"name\": \"n{i}\"{eol}}}"));
        }
        body.push_str(&format!("{eol}]{eol}"));
        // Several chunks' worth.
        assert!(body.len() > 3 << 20, "{}", body.len());
        std::fs::write(dir.join(file), body).unwrap();
    }
    let ids = n * (n - 1) / 2;
    let firsts = 100 * ids;
    for table in ["T", "U"] {
        let q = format!(
            "{table} | summarize n = count(), ids = sum(id), firsts = sum(toint(tags[0].v)), last = max(name)"
        );
        let out = both_ways(&dir, &q);
        let want = format!("[[{n},{ids},{firsts},\"n999\"]]");
        assert!(out.contains(&want), "{table}: {out}, want {want}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hunting response's results are read where they are in the file, pretty-printed
/// over many chunks, with what follows the array not read (here a key after it): the
/// rows written, typed by the response's schema. A key written in another letter case
/// than the schema's, on a late row, is the same column (the fast reader, which
/// matches keys as written, gives up on it: the exact reader reads the file).
#[test]
fn hunting_results_stream_from_where_they_are() {
    let dir = temp_dir("hunting");
    let n: i64 = 40_000;
    for (file, odd_case) in [("H1.json", false), ("H2.json", true)] {
        let rows: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let id = if odd_case && i == n - 5 { "id" } else { "Id" };
                let mut m = serde_json::Map::new();
                m.insert(id.into(), i.into());
                m.insert("Name".into(), format!("name {i}").into());
                m.insert(
                    "When".into(),
                    format!("2026-05-{:02}T10:00:00Z", 1 + i % 28).into(),
                );
                serde_json::Value::Object(m)
            })
            .collect();
        let doc = serde_json::json!({
            "Stats": {"ExecutionTime": 0.5},
            "Schema": [
                {"Name": "Id", "Type": "Int64"},
                {"Name": "Name", "Type": "String"},
                {"Name": "When", "Type": "DateTime"}
            ],
            "Results": rows,
            "After": {"rows": [{"Id": -1}]}
        });
        let body = serde_json::to_string_pretty(&doc).unwrap();
        assert!(body.len() > 3 << 20, "{}", body.len());
        std::fs::write(dir.join(file), body).unwrap();
    }
    let ids = n * (n - 1) / 2;
    for table in ["H1", "H2"] {
        let q = format!(
            "{table} | summarize n = count(), ids = sum(Id), late = max(When), d = dcount(Name)"
        );
        let out = both_ways(&dir, &q);
        let want = format!("[[{n},{ids},\"2026-05-28T10:00:00Z\",{n}]]");
        assert!(out.contains(&want), "{table}: {out}, want {want}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The az CLI's rows (every value text, `None` null but in a string column, a
/// `TableName` key that is no column), pretty-printed over many chunks, stream with the
/// values the az CLI's rules give: the rows written. Columns typed by inference from
/// the text (no schema knows `Az_CL`).
#[test]
fn az_cli_rows_stream_with_their_text_rules() {
    let dir = temp_dir("az-cli");
    let n: i64 = 30_000;
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let none = i % 10 == 3;
            serde_json::json!({
                "TableName": "PrimaryResult",
                "Id": i.to_string(),
                "Score": if none { "None".to_string() } else { format!("{}.5", i % 7) },
                "Ok": if i % 2 == 0 { "True" } else { "False" },
                "Who": if none { "None".to_string() } else { format!("user {}", i % 100) },
                "When": if i % 10 == 4 { String::new() } else { format!("2026-05-{:02}T08:00:00Z", 1 + i % 28) },
            })
        })
        .collect();
    let body = serde_json::to_string_pretty(&rows).unwrap();
    assert!(body.len() > 3 << 20, "{}", body.len());
    std::fs::write(dir.join("Az_CL.json"), body).unwrap();
    let ids = n * (n - 1) / 2;
    let nones = n / 10;
    let out = both_ways(
        &dir,
        "Az_CL | summarize n = count(), ids = sum(Id), scores = countif(isnull(Score)), oks = countif(Ok), nonewho = countif(Who == 'None'), whens = countif(isnull(When))",
    );
    let want = format!("[[{n},{ids},{nones},{},{nones},{nones}]]", n / 2);
    assert!(out.contains(&want), "{out}, want {want}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A join read afterwards only by counts of rows takes each distinct right row once with
/// its number of copies (the build side's equal rows made one): every count, and the
/// order of the groups, is what the same query gives when a `sum(1)` beside the count
/// makes each joined row go to the summarize on its own. Covered: a left and a right
/// column as keys, right columns read by an extend, a where and a mv-expand after the
/// join, `count`, a left outer join's unmatched rows, two joins in a row, and right
/// values equal as numbers but not of one type or sign, which must stay apart.
#[test]
fn a_join_read_only_by_counts_counts_each_right_row_s_copies() {
    let dir = temp_dir("join-weighted");
    generate(&dir, 2000, 6000);
    let c = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
    let run = |q: &str| -> String {
        let t = kql::run_query(q, &c, now_ticks()).unwrap_or_else(|e| panic!("{q}: {e:?}"));
        t.iter().map(|t| table_to_json(t).to_string()).collect()
    };
    let joined = "AADNonInteractiveUserSignInLogs | join kind=inner (EntraIdSignInEvents | where ErrorCode == 0) on $left.UserPrincipalName == $right.AccountUpn";
    let outer = "AADNonInteractiveUserSignInLogs | join kind=leftouter (EntraIdSignInEvents | where ErrorCode == 0 and IPAddress startswith '10.2') on $left.UserPrincipalName == $right.AccountUpn";
    let twice = format!("{joined} | join kind=inner (EntraIdSignInEvents | where ErrorCode != 0 | project U = AccountUpn, A = Application) on $left.UserPrincipalName == $right.U");
    let cases = [
        format!("{joined} | summarize n = count() by ResultType, Application"),
        format!("{joined} | extend p = strcat(Application, '/', IsManaged) | where p !startswith 'Teams' | summarize n = count() by p, AppDisplayName"),
        format!("{joined} | mv-expand e = pack_array(Application, IsManaged) | summarize n = count() by tostring(e)"),
        format!("{outer} | summarize n = count() by IPAddress1, ResultType"),
        format!("{twice} | summarize n = count() by Application, A"),
    ];
    // The same query with each joined row summarized on its own.
    let one_by_one = |q: &str| {
        let q = q.replace("n = count()", "n = count(), one = sum(1)");
        run(&format!("{q} | project-away one"))
    };
    let before = kql::exec::collapsed_rows();
    for q in &cases {
        let counted = run(q);
        assert_eq!(counted, one_by_one(q), "{q}");
        assert!(counted.contains("\"rows\":[["), "{q}: {counted}");
    }
    let n = run(&format!("{joined} | count"));
    let sum = run(&format!("{joined} | summarize Count = sum(1)"));
    assert_eq!(n, sum);
    assert!(!n.contains("[[0]]"), "the join matched: {n}");
    assert!(
        kql::exec::collapsed_rows() > before,
        "no build side was collapsed"
    );
    // Right values equal as numbers, of other types or signs: counted apart.
    let right = "datatable(k: long, d: dynamic, x: real) [1, dynamic(1), 0.0, 1, dynamic(1.0), 0.0, 1, dynamic(1), -0.0, 1, dynamic(1), 0.0, 1, dynamic([1]), 0.0, 1, dynamic([1]), 0.0, 2, dynamic(null), real(null), 2, dynamic(null), real(null), 2, dynamic('1'), 1.0]";
    let q = format!("datatable(k: long, s: string) [1, 'a', 1, 'b', 2, 'a', 3, 'c', 1, 'a'] | join kind=inner ({right}) on k | summarize n = count() by s, t = gettype(d), i = tostring(1 / x)");
    assert_eq!(run(&q), one_by_one(&q));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A join with many matches a key (the row path builds each joined row in one buffer and
/// rewrites only the right columns read after the join, match after match) gives what
/// the same sums computed per key and joined one to one give: a right column left over
/// from the previous match, or a left row's nulls kept for the next, would show here.
#[test]
fn a_many_to_many_join_reads_each_match_s_own_right_columns() {
    let dir = temp_dir("join-many");
    generate(&dir, 2000, 6000);
    let c = open_dir_for(&dir, &[], &|_| true, Product::Sentinel).unwrap();
    let run = |q: &str| -> String {
        let t = kql::run_query(q, &c, now_ticks()).unwrap_or_else(|e| panic!("{q}: {e:?}"));
        t.iter().map(|t| table_to_json(t).to_string()).collect()
    };
    let per_key = "let a = AADNonInteractiveUserSignInLogs | summarize ca = count(), da = sum(DurationMs) by k = UserPrincipalName; \
                   let e = EntraIdSignInEvents | where ErrorCode == 0 | summarize ce = count(), se = sum(IsManaged), ie = countif(IPAddress startswith '10.1'), re = countif(ReportId endswith '7') by k = AccountUpn; \
                   a | join kind=inner e on k";
    let joined = "AADNonInteractiveUserSignInLogs | join kind=inner (EntraIdSignInEvents | where ErrorCode == 0) on $left.UserPrincipalName == $right.AccountUpn";
    let sums = run(&format!(
        "{per_key} | summarize n = sum(ca * ce), m = sum(ca * se), d = sum(da * ce), i = sum(ca * ie), r = sum(ca * re)"
    ));
    // Right columns read by an extend, by a where and by the summarize itself: columns
    // of a few distinct strings (IPs, users) and of one a row (ReportId).
    let rows = run(&format!(
        "{joined} | extend m1 = toint(IsManaged) | where isnotnull(AccountUpn) | summarize n = count(), m = sum(m1), d = sum(DurationMs), i = countif(IPAddress1 startswith '10.1'), r = countif(ReportId endswith '7')"
    ));
    assert_eq!(rows, sums);
    assert!(!sums.contains("\"rows\":[[0,"), "the join matched: {sums}");
    // Per key, through a project of right columns only.
    let by_key = run(&format!(
        "{joined} | project AccountUpn, IsManaged | summarize n = count(), m = sum(IsManaged) by AccountUpn | sort by AccountUpn asc"
    ));
    let by_key_sums = run(&format!(
        "{per_key} | project AccountUpn = k, n = ca * ce, m = ca * se | sort by AccountUpn asc"
    ));
    assert_eq!(by_key, by_key_sums);
    // A left outer join: the rows without a match carry nulls, the rest their match's
    // values; stopped early by a take, the rows it gives are whole.
    let unmatched = run(
        "AADNonInteractiveUserSignInLogs | join kind=leftanti (EntraIdSignInEvents | where ErrorCode == 0 and IPAddress startswith '10.2') on $left.UserPrincipalName == $right.AccountUpn | summarize u = count()",
    );
    let outer = run(
        "AADNonInteractiveUserSignInLogs | join kind=leftouter (EntraIdSignInEvents | where ErrorCode == 0 and IPAddress startswith '10.2') on $left.UserPrincipalName == $right.AccountUpn | summarize u = countif(isnull(Timestamp) and isempty(AccountUpn))",
    );
    assert_eq!(outer, unmatched);
    let taken = run(&format!(
        "{joined} | take 7 | where UserPrincipalName == AccountUpn and isnotnull(Timestamp) | count"
    ));
    assert!(taken.contains("[[7]]"), "{taken}");
    std::fs::remove_dir_all(&dir).unwrap();
}
