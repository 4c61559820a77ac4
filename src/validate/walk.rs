//! Finding files under folders, in a stable order.

use std::path::{Path, PathBuf};

/// Files under `paths` (folders recursively) whose name ends with `suffix`.
/// A path naming a file is kept whatever its name: the user asked for it.
/// Hidden folders, `target` and `node_modules` are skipped: they hold build
/// output and vendored code, never the user's detections.
pub fn find_files(paths: &[PathBuf], suffix: &str) -> std::io::Result<Vec<PathBuf>> {
    find_matching(paths, &|p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(suffix))
    })
}

/// Files under `paths` (folders recursively) that `wanted` accepts; a path naming a
/// file is kept whatever its name.
pub fn find_matching(
    paths: &[PathBuf],
    wanted: &dyn Fn(&Path) -> bool,
) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, wanted, &mut out)?;
        } else {
            // Surface a missing file as an error here rather than later.
            std::fs::metadata(p)?;
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, wanted: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                walk(&p, wanted, out)?;
            }
        } else if wanted(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// `path` as shown to the user: relative to the current folder when it is under it.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
