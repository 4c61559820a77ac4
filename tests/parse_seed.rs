//! The seed detection parses byte for byte; its AST is pinned in tests/golden/seed.ast.
//! `UPDATE_GOLDEN=1 cargo test --test parse_seed` rewrites it (read the diff).

use kql::ast::{ExprKind, StatementKind};
use std::path::Path;

const SEED: &str = include_str!("../queries/suspicious-noninteractive-signins.kql");

#[test]
fn seed_ast_matches_its_snapshot() {
    let q = kql::syntax::parse(SEED).unwrap_or_else(|e| panic!("{}", e.render("seed", SEED)));
    let got = kql::syntax::printer::query_sx(&q).pretty(100) + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/seed.ast");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).expect("write snapshot");
    }
    let want = std::fs::read_to_string(&path).expect("snapshot exists");
    assert_eq!(got, want);
}

#[test]
fn seed_spans_point_at_their_text() {
    let q = kql::syntax::parse(SEED).expect("seed parses");
    assert_eq!(q.statements.len(), 7);
    let texts: Vec<&str> = q
        .statements
        .iter()
        .map(|s| &SEED[s.span.start..s.span.end])
        .collect();
    assert_eq!(texts[0], "let lookback\t = 1h");
    assert!(texts[6].starts_with("SuspiciousSessions\n| mv-expand"));
    assert!(
        texts[6].ends_with("asc, NewIPCount desc"),
        "{:?}",
        &texts[6][texts[6].len() - 30..]
    );
    let StatementKind::Expr(e) = &q.statements[6].kind else {
        panic!("last statement is the result")
    };
    let ExprKind::Pipeline { ops, .. } = &e.kind else {
        panic!("a pipeline")
    };
    let join = &SEED[ops[1].span.start..ops[1].span.end];
    assert!(join.starts_with("join hint.strategy=broadcast kind=leftouter (HistoricalIPs)"));
    assert!(join.ends_with("$left.CurrentIP == $right.IPAddress"));
}
