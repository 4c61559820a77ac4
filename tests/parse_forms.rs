//! Table-driven syntax forms: each input in tests/parse_forms.txt with the AST it
//! must give, in the compact s-expression notation of `kql::syntax::printer`.
//! In the file `␤` stands for a newline inside an input.
//! `UPDATE_GOLDEN=1 cargo test --test parse_forms` rewrites the expectations
//! (then read the diff before committing).

use std::path::Path;

fn render(input: &str) -> String {
    match kql::syntax::parse(input) {
        Ok(q) => kql::syntax::printer::query(&q),
        Err(e) => format!("ERROR {}", e.message),
    }
}

#[test]
fn syntax_forms_give_the_expected_ast() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_forms.txt");
    let text = std::fs::read_to_string(&path).expect("golden file");
    let mut cases = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let (input, expected) = block
            .split_once("\n  => ")
            .unwrap_or_else(|| panic!("malformed block: {block}"));
        cases.push((
            input.trim_start_matches('\n').to_string(),
            expected.trim_end().to_string(),
        ));
    }
    assert!(cases.len() >= 200, "only {} forms", cases.len());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let out: String = cases
            .iter()
            .map(|(i, _)| format!("{i}\n  => {}\n\n", render(&i.replace('␤', "\n"))))
            .collect();
        std::fs::write(&path, out).expect("write golden file");
        return;
    }
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        let got = render(&input.replace('␤', "\n"));
        if &got != expected {
            failures.push(format!("{input}\n  want {expected}\n  got  {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} forms differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
