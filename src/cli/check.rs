//! `kql check PATH...`: parse and bind the queries of detection files (folders:
//! every `.kql`, `.csl`, `.kusto`, Markdown page, Sentinel YAML rule, ARM template
//! and Defender rule under them) against table schemas, without data; and check the
//! fields of rules as Sentinel's CI does.
//!
//! Exit codes: 0 no error (warnings allowed unless `--deny-warnings`); 1 an error
//! was found in a query; 2 trouble before checking (a path that does not exist,
//! no query file, an invalid `--schema` file or `--data` folder).

use kql::rules::{self, Read};
use kql::validate::diagnostic::{self, Diagnostic, Severity};
use kql::validate::{check, walk};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// file:line:col, the line and a caret under the spot.
    Human,
    /// One JSON document with every finding.
    Json,
    /// GitHub Actions workflow annotations (`::error file=...,line=...::message`).
    Github,
    /// A JUnit XML report: one test case per file.
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).
    Sarif,
}

#[derive(clap::Args)]
pub struct Args {
    /// Detection files, or folders searched for them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A table schema file (kql's `{"name", "columns": [{"name", "type"}]}`, Azure-Sentinel's
    /// `{"Name", "Properties"}`, or a getschema export as CSV or JSON), or a folder of them;
    /// repeatable. Replaces the built-in schema of a table with the same name.
    #[arg(long, value_name = "FILE|DIR")]
    pub schema: Vec<PathBuf>,
    /// Which copy of the Defender XDR tables to check against.
    #[arg(long, value_enum, default_value = "sentinel")]
    pub product: super::ProductArg,
    /// Also know the tables of this data folder (their schemas, as `kql run` reads them).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// A folder of stored functions the queries call: `.kql` definitions, Sentinel
    /// parser `.yaml` files (ASIM), CustomFunctions `.json` signatures (result columns).
    #[arg(long, value_name = "DIR")]
    pub functions: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Exit 0 when the paths hold no detection (for hooks given whatever files changed).
    #[arg(long)]
    pub allow_empty: bool,
    /// Also list (on standard error) the files found that hold no detection.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn main(args: Args) -> ExitCode {
    let product: kql::io::Product = args.product.into();
    let catalog =
        match check::catalog(&args.schema, args.data.as_deref(), product).and_then(|mut c| {
            if let Some(dir) = &args.functions {
                kql::stored::add_dir(&mut c, dir)?;
            }
            c.set_product(product.into());
            Ok(c)
        }) {
            Ok(c) => c,
            Err(e) => {
                eprint!("kql check: {}", e.render("", ""));
                return ExitCode::from(2);
            }
        };
    let files = match walk::find_matching(&args.paths, &rules::is_candidate) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kql check: {e}");
            return ExitCode::from(2);
        }
    };
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut shown_files = Vec::new();
    for f in &files {
        let shown = walk::display(f);
        match rules::read_file(f, &shown) {
            Ok(Read::Doc(doc)) => {
                // A panic (a bug in kql) is an error of this file; the others are checked.
                match kql::guard::catch(|| check::check_document(&doc, &catalog)) {
                    Ok(found) => diags.extend(found),
                    Err(m) => diags.push(Diagnostic::from_error(
                        &shown,
                        "",
                        &kql::Error::new(
                            kql::ErrorKind::Runtime,
                            format!("internal error: {m} while checking {shown}"),
                        ),
                        Severity::Error,
                    )),
                }
                shown_files.push(shown);
            }
            Ok(Read::Skipped(why)) => {
                if args.verbose {
                    eprintln!("kql check: skipped {shown}: {why}");
                }
            }
            Err(e) => {
                diags.push(Diagnostic::from_error(
                    &shown,
                    "",
                    &kql::Error::new(kql::ErrorKind::Io, format!("cannot read {shown}: {e}")),
                    Severity::Error,
                ));
                shown_files.push(shown);
            }
        }
    }
    if shown_files.is_empty() {
        if args.allow_empty {
            return ExitCode::SUCCESS;
        }
        eprintln!("kql check: no detections found (.kql, .csl, .kusto, Markdown with ```kql, Sentinel YAML or ARM rules, Defender rules){}", if args.verbose { "" } else { "; -v lists the files skipped" });
        return ExitCode::from(2);
    }
    let files = shown_files.clone();
    let summary = diagnostic::summarize(files.len(), &diags);
    let text = match args.format {
        Format::Human => diagnostic::human(&diags, &summary),
        Format::Json => diagnostic::json(&diags, &summary),
        Format::Github => diagnostic::github(&diags, &summary),
        Format::Junit => diagnostic::junit(&shown_files, &diags, &summary),
        Format::Sarif => diagnostic::sarif(&diags),
    };
    let written = super::out(format_args!("{text}"));
    let failed = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0) || !written;
    ExitCode::from(u8::from(failed))
}
