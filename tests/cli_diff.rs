//! `kql diff`: output and exit codes (0 same, 1 different, 2 trouble).

use std::path::{Path, PathBuf};
use std::process::Command;

fn kql(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kql"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kql");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DATA: &str = r#"[{"A": 1, "B": "x", "C": "x"}, {"A": 2, "B": "y", "C": "changed"}, {"A": 3, "B": "z", "C": "z"}]"#;

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kql-cli-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/T.json"), DATA).unwrap();
    std::fs::write(dir.join("old.kql"), "T | project A, B\n").unwrap();
    std::fs::write(dir.join("fewer.kql"), "T | project A, B | take 2\n").unwrap();
    std::fs::write(dir.join("renamed.kql"), "T | project A, B = C\n").unwrap();
    dir
}

#[test]
fn same_results_exit_0_and_differences_exit_1() {
    let dir = folder("basic");
    let (code, out, err) = kql(&["diff", "old.kql", "old.kql", "--data", "data"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with("0 added, 0 removed, 0 changed, 3 unchanged\n"),
        "{out}"
    );

    let (code, out, _) = kql(&["diff", "old.kql", "fewer.kql", "--data", "data"], &dir);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "--- old.kql (3 rows)\n+++ fewer.kql (2 rows)\n- {\"A\":3,\"B\":\"z\"}\n0 added, 1 removed, 0 changed, 2 unchanged\n"
    );
}

#[test]
fn a_key_shows_changed_cells() {
    let dir = folder("key");
    let (code, out, _) = kql(&["diff", "old.kql", "renamed.kql", "--data", "data"], &dir);
    assert_eq!(code, 1);
    assert!(
        out.contains("- {\"A\":2,\"B\":\"y\"}\n+ {\"A\":2,\"B\":\"changed\"}\n"),
        "{out}"
    );
    let (code, out, _) = kql(
        &[
            "diff",
            "old.kql",
            "renamed.kql",
            "--data",
            "data",
            "--key",
            "A",
        ],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("~ {\"A\":2}\n    B: \"y\" → \"changed\"\n"),
        "{out}"
    );
    assert!(
        out.ends_with("0 added, 0 removed, 1 changed, 2 unchanged\n"),
        "{out}"
    );
}

#[test]
fn old_may_be_a_committed_version() {
    let dir = folder("git");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(dir.join("rule.kql"), "T | project A, B\n").unwrap();
    git(&["add", "rule.kql"]);
    git(&["commit", "-qm", "rule"]);
    std::fs::write(dir.join("rule.kql"), "T | project A, B | take 2\n").unwrap();
    let (code, out, err) = kql(
        &["diff", "git:HEAD:rule.kql", "rule.kql", "--data", "data"],
        &dir,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("--- git:HEAD:rule.kql (3 rows)\n+++ rule.kql (2 rows)\n"),
        "{out}"
    );
    let (code, _, err) = kql(
        &["diff", "git:nope:rule.kql", "rule.kql", "--data", "data"],
        &dir,
    );
    assert_eq!(code, 2);
    assert!(err.contains("git show nope:rule.kql"), "{err}");
}

#[test]
fn trouble_exits_2_with_a_reason() {
    let dir = folder("trouble");
    std::fs::write(dir.join("broken.kql"), "T | project Nope\n").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["diff", "old.kql", "missing.kql", "--data", "data"],
            "cannot read missing.kql",
        ),
        (
            &["diff", "old.kql", "broken.kql", "--data", "data"],
            "broken.kql:1:13",
        ),
        (
            &["diff", "old.kql", "old.kql", "--data", "nodata"],
            "nodata",
        ),
        (
            &["diff", "old.kql", "old.kql", "--data", "data", "--key", "Z"],
            "key column `Z`",
        ),
        (
            &[
                "diff",
                "old.kql",
                "old.kql",
                "--data",
                "data",
                "--now",
                "yesterday",
            ],
            "`yesterday` is not a datetime",
        ),
        (&["diff", "old.kql", "old.kql"], "--data"),
    ];
    for (args, want) in cases {
        let (code, out, err) = kql(args, &dir);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: want {want:?} in {err}");
    }
}
