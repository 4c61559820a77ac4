//! `kql parse FILE...`: exit 0 when every file parses, 1 otherwise.

use kql::syntax::{self, printer};
use std::io::Read;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files to parse; `-` reads standard input.
    pub files: Vec<String>,
    /// Print the syntax tree: `--ast` as an indented tree, `--ast json` as JSON.
    #[arg(long, num_args = 0..=1, default_missing_value = "tree")]
    pub ast: Option<String>,
}

pub fn main(mut args: Args) -> ExitCode {
    // `--ast FILE` (no format): clap took the file as the format; give it back.
    if let Some(a) = args.ast.as_deref() {
        if a != "tree" && a != "json" {
            args.files.insert(0, a.to_string());
            args.ast = Some("tree".into());
        }
    }
    if args.files.is_empty() {
        eprintln!("error: no files to parse (use `-` for standard input)");
        return ExitCode::from(2);
    }
    let mut ok = true;
    for file in &args.files {
        let (name, source) = match read(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot read {file}: {e}");
                ok = false;
                continue;
            }
        };
        match syntax::parse(&source) {
            Ok(q) => match args.ast.as_deref() {
                Some("json") => match serde_json::to_string_pretty(&q) {
                    Ok(j) => ok &= super::out(format_args!("{j}\n")),
                    Err(e) => {
                        eprintln!("error: {e}");
                        ok = false;
                    }
                },
                Some(_) => {
                    ok &= super::out(format_args!("{}\n", printer::query_sx(&q).pretty(100)))
                }
                None => {}
            },
            Err(e) => {
                eprint!("{}", e.render(&name, &source));
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn read(file: &str) -> std::io::Result<(String, String)> {
    if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(("<stdin>".into(), s))
    } else {
        Ok((file.into(), std::fs::read_to_string(file)?))
    }
}
