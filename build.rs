//! Embeds the built-in table schemas: writes `$OUT_DIR/builtin_schemas.rs`, the list of
//! every `schemas/*.json` file as `(table name, include_str!(file))`, sorted by name so
//! that `src/io/schema.rs` finds a table by binary search and parses only that file.
//! A list kept by hand would have to change with every schema added.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas/ is readable")
        .filter_map(|e| {
            let name = e.expect("schemas/ entry").file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for n in &names {
        let path = dir.join(format!("{n}.json"));
        writeln!(
            out,
            "    ({n:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_schemas.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
