//! `kql externals QUERY [--external URL=FILE]... [--external-dir DIR]`
//!
//! The URLs a query's `externaldata` operators read, with the local file name kql looks
//! for in `--external-dir` and, when copies are given, where each is found. Exit 0 when
//! every URL has a local copy (or none were given), 1 when one is missing, 2 on a usage
//! error.

use kql::external::{local_name, urls, Local};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The query file (`.kql`, `page.md#N`, a rule file); `-` reads standard input.
    pub query: String,
    #[command(flatten)]
    pub externals: super::ExternalArgs,
}

pub fn main(args: Args) -> ExitCode {
    let (doc, index) = match super::source::open(&args.query) {
        Ok(d) => d,
        Err(msg) => {
            eprintln!("error: {}", msg.trim_end());
            return ExitCode::from(2);
        }
    };
    let item = &doc.items[index];
    let query = match kql::syntax::parse(&item.query) {
        Ok(q) => q,
        Err(e) => {
            eprint!("{}", item.map.error(e).render(&doc.path, &doc.text));
            return ExitCode::from(1);
        }
    };
    let given = !args.externals.external.is_empty() || args.externals.external_dir.is_some();
    let local = args.externals.externals(kql::io::ReadOptions::default());
    let mut missing = false;
    let mut written = true;
    for u in urls(&query) {
        let (line, col) = line_col(&item.query, u.span.start);
        let place = format!("{}:{line}:{col}", doc.path);
        let format = u
            .format
            .map(|f| format!(" (format {f})"))
            .unwrap_or_default();
        let Some(url) = u.url else {
            written &= super::out(format_args!(
                "{place}: a URL computed by the query{format}: kql needs a constant string\n"
            ));
            missing = true;
            continue;
        };
        let name = local_name(&url);
        let found = if given {
            match local.find(&url) {
                Some(Local::File(p)) => format!(": {}", p.display()),
                Some(Local::Rows(_)) => ": rows".to_string(),
                None => {
                    missing = true;
                    ": no local copy".to_string()
                }
            }
        } else {
            String::new()
        };
        written &= super::out(format_args!("{place}: {url}{format} -> {name}{found}\n"));
    }
    if (missing && given) || !written {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The 1-based line and column (in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}
