//! The real detections in tests/corpus bind against the vendored schemas (kql check
//! mode: no data). Prints each outcome; asserts there is no panic and that the
//! queries that bind today keep binding.

use kql::{Catalog, Column, Type};

fn schemas() -> Catalog {
    let mut c = Catalog::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    for entry in std::fs::read_dir(dir).expect("schemas dir").flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("schema file");
        let json: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
        let cols = json["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let ty = Type::from_name(c["type"].as_str().unwrap_or("")).unwrap_or(Type::Dynamic);
                Column::new(c["name"].as_str().unwrap_or(""), ty)
            })
            .collect();
        c.add_schema(json["name"].as_str().unwrap_or(""), cols);
    }
    c
}

#[test]
fn corpus_detections_bind() {
    let catalog = schemas();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("kql"))
        .collect();
    files.sort();
    let mut bound = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("query");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            kql::syntax::parse(&text).and_then(|q| kql::bind::check(&q, &catalog))
        }));
        match outcome {
            Err(_) => panic!("{name}: panicked"),
            Ok(Ok(_)) => {
                bound += 1;
                eprintln!("{name}: ok");
            }
            Ok(Err(e)) => eprintln!(
                "{name}: {}",
                e.render(name, &text)
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        }
    }
    eprintln!("{bound} of {} corpus detections bind", files.len());
    // The others need tables, parsers or functions kql does not have (see the output).
    assert!(
        bound >= 3,
        "{bound} of {} corpus detections bind",
        files.len()
    );
}
