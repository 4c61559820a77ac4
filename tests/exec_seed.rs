//! The seed detection (queries/suspicious-noninteractive-signins.kql, read unchanged)
//! binds against the real schemas of its two tables and runs on a tiny hand-made catalog.

mod exec_common;
use exec_common::{render, test_now};
use kql::{Catalog, Column, Type};

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/queries/suspicious-noninteractive-signins.kql"
    ))
    .expect("the seed query is in the repo")
}

fn table(text: &str) -> kql::Table {
    kql::run_query(text, &Catalog::new(), test_now())
        .expect("test table")
        .remove(0)
}

const EXPECTED_COLUMNS: &str = "Severity:string, UserPrincipalName:string, CorrelationId:string, UACount:long, UATypes:dynamic, UAList:dynamic, HasSuspiciousTool:bool, NewIPCount:long, IPCount:long, IPList:dynamic, MinIPSeenCount:real, MaxIPSeenCount:real, WorstIPRisk:string, AppList:dynamic, FirstSeen:datetime, LastSeen:datetime, SignInCount:long";

/// The clock is 2026-05-18 12:00; the look-back hour starts at 11:00.
fn catalog() -> Catalog {
    let mut c = Catalog::new();
    c.add_table(
        "AADNonInteractiveUserSignInLogs",
        table(
            "datatable(TimeGenerated:datetime, ResultType:string, UserAgent:string, CorrelationId:string, \
             UserPrincipalName:string, IPAddress:string, AppDisplayName:string)[
            // alice: a scripted user agent from an IP never seen before → High
            datetime(2026-05-18 11:30), '0', 'python-requests/2.31', 'c1', 'alice@x.com', '10.0.0.1', 'App1',
            // bob: a browser with two user agents from an IP seen twice → Medium (rare IP)
            datetime(2026-05-18 11:10), '0', 'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.1.2', 'c2', 'bob@x.com', '10.0.0.2', 'App2',
            datetime(2026-05-18 11:50), '0', 'Mozilla/5.0 (Macintosh) Safari/17.1.2.3', 'c2', 'bob@x.com', '10.0.0.2', 'App2',
            // carol: scripted, from an IP seen five times → Low, dropped
            datetime(2026-05-18 11:20), '0', 'curl/8.0', 'c3', 'carol@x.com', '10.0.0.3', 'App3',
            // dave: failed sign-in → dropped; erin: before the look-back → dropped
            datetime(2026-05-18 11:40), '50126', 'python-requests/2.31', 'c4', 'dave@x.com', '10.0.0.4', 'App4',
            datetime(2026-05-18 09:00), '0', 'python-requests/2.31', 'c5', 'erin@x.com', '10.0.0.5', 'App5',
            // frank: empty correlation id → dropped
            datetime(2026-05-18 11:45), '0', 'python-requests/2.31', '', 'frank@x.com', '10.0.0.6', 'App6',
            // gina: one browser user agent only → not suspicious
            datetime(2026-05-18 11:15), '0', 'Mozilla/5.0 (X11) Firefox/125.0', 'c7', 'gina@x.com', '10.0.0.7', 'App7',
            ]",
        ),
    );
    c.add_table(
        "EntraIdSignInEvents",
        table(
            "datatable(Timestamp:datetime, ErrorCode:int, AccountUpn:string, IPAddress:string)[
            datetime(2026-05-16), 0, 'bob@x.com', '10.0.0.2',
            datetime(2026-05-17), 0, 'bob@x.com', '10.0.0.2',
            datetime(2026-05-10), 0, 'carol@x.com', '10.0.0.3',
            datetime(2026-05-11), 0, 'carol@x.com', '10.0.0.3',
            datetime(2026-05-12), 0, 'carol@x.com', '10.0.0.3',
            datetime(2026-05-13), 0, 'carol@x.com', '10.0.0.3',
            datetime(2026-05-14), 0, 'carol@x.com', '10.0.0.3',
            // alice's IP: a failed sign-in, one older than 29 days, one inside the
            // look-back hour: none counts as history
            datetime(2026-05-15), 50126, 'alice@x.com', '10.0.0.1',
            datetime(2026-04-01), 0, 'alice@x.com', '10.0.0.1',
            datetime(2026-05-18 11:30), 0, 'alice@x.com', '10.0.0.1',
            ]",
        ),
    );
    c
}

#[test]
fn seed_runs_on_a_hand_made_catalog() {
    let tables = kql::run_query(&seed(), &catalog(), test_now())
        .unwrap_or_else(|e| panic!("{}", e.render("seed.kql", &seed())));
    assert_eq!(tables.len(), 1);
    let expected = format!(
        "{EXPECTED_COLUMNS}\n\
         High|alice@x.com|c1|1|[\"Suspicious-Tool\"]|[\"python-requests/2.31\"]|true|1|1|[\"10.0.0.1\"]|0|0|High - new IP for this User|[\"App1\"]|2026-05-18T11:30:00Z|2026-05-18T11:30:00Z|1\n\
         Medium|bob@x.com|c2|2|[\"Browser\"]|[\"Mozilla/5.0 (Windows NT 10.0) Chrome/x.x.x.x\",\"Mozilla/5.0 (Macintosh) Safari/x.x.x.x\"]|false|0|1|[\"10.0.0.2\"]|2|2|Medium - rare IP|[\"App2\"]|2026-05-18T11:10:00Z|2026-05-18T11:50:00Z|2"
    );
    assert_eq!(render(&tables[0]), expected);
}

/// The schemas of the seed's tables as vendored in `schemas/`.
fn schema(name: &str) -> Vec<Column> {
    let path = format!("{}/schemas/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("vendored schema");
    let json: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
    json["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            let ty = Type::from_name(c["type"].as_str().unwrap_or("")).unwrap_or(Type::Dynamic);
            Column::new(c["name"].as_str().unwrap_or(""), ty)
        })
        .collect()
}

#[test]
fn seed_binds_against_the_table_schemas() {
    let mut c = Catalog::new();
    for t in ["AADNonInteractiveUserSignInLogs", "EntraIdSignInEvents"] {
        c.add_schema(t, schema(t));
    }
    let query = kql::syntax::parse(&seed()).expect("the seed parses");
    let schemas = kql::bind::check(&query, &c)
        .unwrap_or_else(|e| panic!("{}", e.render("seed.kql", &seed())));
    assert_eq!(schemas.len(), 1);
    let got: Vec<String> = schemas[0]
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty))
        .collect();
    assert_eq!(got.join(", "), EXPECTED_COLUMNS);
}
