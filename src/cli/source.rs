//! Naming one query on the command line: a file (`rule.yaml`, `q.kql`), the N-th
//! query of a file holding several (`page.md#2`), `-` (standard input, KQL), or, for
//! `kql diff`, `git:REV:path[#N]`.

use kql::rules::{self, Document, Item, Read};
use std::io::Read as _;

/// The document named by `spec` and the index of the query it selects.
pub fn open(spec: &str) -> Result<(Document, usize), String> {
    let (doc, selector) = if spec == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        (rules::read_text("<stdin>", "stdin.kql", s), None)
    } else if let Some(rest) = spec.strip_prefix("git:") {
        let (rest, selector) = rules::split_selector(rest);
        let Some((rev, path)) = rest.split_once(':') else {
            return Err(format!("`{spec}`: expected git:REV:path"));
        };
        let out = std::process::Command::new("git")
            .arg("show")
            .arg(format!("{rev}:{path}"))
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git show {rev}:{path}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text =
            String::from_utf8(out.stdout).map_err(|_| format!("`{spec}` is not UTF-8 text"))?;
        let name = path.rsplit('/').next().unwrap_or(path);
        (rules::read_text(rest, name, text), selector)
    } else {
        let (path, selector) = rules::split_selector(spec);
        let read = rules::read_file(std::path::Path::new(path), path)
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        (read, selector)
    };
    let doc = match doc {
        Read::Doc(d) => d,
        Read::Skipped(why) => return Err(format!("{spec} holds no query: {why}")),
    };
    if let Some(f) = doc
        .findings
        .iter()
        .find(|f| !f.warning && doc.items.is_empty())
    {
        return Err(f.error.render(&doc.path, &doc.text));
    }
    let names = |d: &Document| {
        d.items
            .iter()
            .map(|i: &Item| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index = match (selector, doc.items.len()) {
        (_, 0) => return Err(format!("{spec} holds no query")),
        (Some(n), len) if n == 0 || n > len => {
            return Err(format!(
                "{spec}: there is no query {n} (the file holds {})",
                names(&doc)
            ))
        }
        (Some(n), _) => n - 1,
        (None, 1) => 0,
        (None, _) => {
            return Err(format!(
                "{spec} holds several queries; name one: {}",
                names(&doc)
            ))
        }
    };
    Ok((doc, index))
}
