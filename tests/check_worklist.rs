//! The kql check worklist (`tests/check_worklist/`): public detections, each with
//! Kusto.Language's recorded verdict against kql's shipped schemas. `kql check` must
//! give the same verdict (clean, or at least one error) on every one, except those
//! `disagree.txt` lists; a listed disagreement that has ended fails too, so the list
//! stays true.

use std::collections::BTreeMap;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/check_worklist");

fn table(file: &str) -> BTreeMap<String, String> {
    std::fs::read_to_string(format!("{DIR}/{file}"))
        .expect("worklist file")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(2, '\t');
            let name = parts.next().unwrap_or_default().to_string();
            (name, parts.next().unwrap_or_default().to_string())
        })
        .collect()
}

#[test]
fn kql_check_agrees_with_kusto_language() {
    let catalog = kql::validate::check::catalog(&[], None, kql::io::Product::Sentinel)
        .expect("built-in schemas");
    let verdicts = table("kusto.tsv");
    let known = table("disagree.txt");
    assert!(verdicts.len() >= 50, "the worklist lost queries");
    let mut disagree: BTreeMap<String, String> = BTreeMap::new();
    for (name, kusto) in &verdicts {
        let text = std::fs::read_to_string(format!("{DIR}/{name}.kql")).expect("query");
        let diags = kql::validate::check::check_source(name, &text, &catalog);
        let errors: Vec<String> = diags
            .iter()
            .filter(|d| d.severity == kql::validate::diagnostic::Severity::Error)
            .map(|d| format!("{} {}:{} {}", d.code, d.line, d.column, d.message))
            .collect();
        let kusto_error = kusto.starts_with("error");
        if kusto_error == errors.is_empty() {
            disagree.insert(
                name.clone(),
                format!("Kusto.Language: {kusto}; kql: {errors:?}"),
            );
        }
    }
    let unexpected: Vec<String> = disagree
        .iter()
        .filter(|(n, _)| !known.contains_key(*n))
        .map(|(n, why)| format!("{n}: {why}"))
        .collect();
    let ended: Vec<&String> = known
        .keys()
        .filter(|n| !disagree.contains_key(*n))
        .collect();
    assert!(
        unexpected.is_empty() && ended.is_empty(),
        "new disagreements:\n{}\nlisted in disagree.txt but agreeing now: {ended:?}",
        unexpected.join("\n")
    );
    eprintln!(
        "kql check agrees with Kusto.Language on {} of {} worklist queries",
        verdicts.len() - disagree.len(),
        verdicts.len()
    );
}
