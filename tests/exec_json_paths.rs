//! `parse_json` read only through member paths builds only those paths (the
//! optimizer's rewrite, src/optimize/json_paths.rs). Each query runs as written (the
//! rewrite applies) and with the parsed value also read whole (`extend _w = p`, so
//! nothing is rewritten), and both must give the same rows. The texts have repeated
//! keys, big and odd numbers, escaped and spaced keys, arrays where objects are
//! expected, nesting past serde_json's limit in a skipped part, and invalid JSON
//! (which gives the string back).

mod exec_common;
use exec_common::run;
use kql::Catalog;

const T: &str = r#"let T = datatable(s:string)[
    @'{"app":"Edge","score":65,"geo":{"country":"BR","city":"Sao Paulo"},"flags":["a","b"]}',
    @'{"score":1,"score":2,"geo":{"country":"A"},"geo":{"city":"X"}}',
    @'{"geo":5,"geo":{"country":"B","x":[1,2]}}',
    @'{"geo":[{"country":"C"}],"score":"12","a b":true}',
    @'{"score":18446744073709551615,"geo":{"country":-0.0},"a b":-9223372036854775809}',
    @'{"score":9223372036854775807,"a\u0020b":{"k":[]},"flags":{"1":2}}',
    @'{"score":1.5e3,"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
    @'{"x":"\ud800","score":1}',
    @'{"x":"\q","score":3}',
    @'{"score":4,}',
    @'{"score":5} x',
    @'not json',
    @'',
    @'   ',
    @'[1,{"score":2}]',
    @'"quoted"',
    @'42',
    @'{"geo":{"country":{"deep":{"er":1}}},"score":null}',
    @'{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"score":6}'
];
T | extend p = parse_json(s)
"#;

const QUERIES: &[&str] = &[
    "project a = p.score, b = p.geo.country, c = p['a b'], d = p.flags[1], e = gettype(p.score), f = tostring(p.geo), g = p.geo['country'].deep",
    "summarize n = count(), s = sum(tolong(p.score)) by c = tostring(p.geo.country)",
    "where isnotnull(p.score) | project s, x = p.score",
    "extend q = p.geo | project q, c = q.country, t = gettype(p.geo.country)",
    "project r = p | project r.score, r.geo.city",
    "sort by tostring(p.score) asc | take 5 | project tostring(p.score), s",
];

#[test]
fn a_partial_parse_gives_the_rows_of_the_full_one() {
    let catalog = Catalog::new();
    let mut failures = Vec::new();
    for q in QUERIES {
        let partial = run(&format!("{T}| {q}"), &catalog);
        let full = run(
            &format!("{T}| extend _w = p | project-away _w | {q}"),
            &catalog,
        );
        assert!(!partial.starts_with("error"), "{q}: {partial}");
        if partial != full {
            failures.push(format!("{q}\npartial:\n{partial}\nfull:\n{full}\n"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not vacuous: the paths do read values.
    let got = run(&format!("{T}| {}", QUERIES[0]), &catalog);
    assert!(got.contains("BR") && got.contains("65"), "{got}");
}
