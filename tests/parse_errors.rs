//! Parse errors as a person sees them (`Error::render`), for common slips.
//! tests/parse_errors.txt holds blocks separated by `====`: the input on the first
//! line (`␤` is a newline), then the rendered message. Every message was read
//! for quality before it was committed.
//! `UPDATE_GOLDEN=1 cargo test --test parse_errors` rewrites the expectations.

use std::path::Path;

fn render(input: &str) -> String {
    match kql::syntax::parse(input) {
        Ok(_) => "PARSED (expected an error)\n".to_string(),
        Err(e) => {
            assert_eq!(e.kind, kql::ErrorKind::Parse, "{input}");
            assert!(e.span().is_some(), "{input}: no span");
            e.render("q.kql", input)
        }
    }
}

#[test]
fn error_messages_match_their_snapshots() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_errors.txt");
    let text = std::fs::read_to_string(&path).expect("golden file");
    let cases: Vec<(String, String)> = text
        .split("====\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let (input, expected) = b.split_once('\n').unwrap_or((b, ""));
            (input.to_string(), expected.to_string())
        })
        .collect();
    assert!(cases.len() >= 25, "only {} error cases", cases.len());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let out: String = cases
            .iter()
            .map(|(i, _)| format!("{i}\n{}====\n", render(&i.replace('␤', "\n"))))
            .collect();
        std::fs::write(&path, out).expect("write golden file");
        return;
    }
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        let got = render(&input.replace('␤', "\n"));
        if &got != expected {
            failures.push(format!("{input}\n--- want\n{expected}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
