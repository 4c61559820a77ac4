//! Real-world queries (tests/corpus, sources in SOURCE.md) all parse.

use std::path::Path;

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("readable corpus file");
        if name.ends_with(".kql") {
            out.push((name, text));
        } else if name.ends_with(".kql.txt") {
            for (i, q) in text.split("----\n").enumerate() {
                out.push((format!("{name}#{i}"), q.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_corpus_query_parses() {
    let queries = corpus();
    assert!(queries.len() >= 25, "only {} corpus queries", queries.len());
    let failures: Vec<String> = queries
        .iter()
        .filter_map(|(name, q)| kql::syntax::parse(q).err().map(|e| e.render(name, q)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
