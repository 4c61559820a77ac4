//! The `kql` command: parses arguments, calls the library, prints. Nothing else.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kql",
    version,
    about = "Run KQL detections offline against local JSON tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse query files and report syntax errors.
    Parse(cli::parse::Args),
    /// Run a query against a folder of JSON tables.
    Run(cli::run::Args),
    /// Check query files against table schemas, without data.
    Check(cli::check::Args),
    /// Run the detection tests declared next to the queries.
    Test(cli::test::Args),
    /// Run two versions of a query on the same data and show what changed.
    Diff(cli::diff::Args),
    /// List the externaldata URLs of a query and the local files kql looks for.
    Externals(cli::externals::Args),
    /// List the tables of a data folder: files, formats, rows, columns and their types.
    Tables(cli::tables::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 2; --help and --version exit 0.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Parse(args) => cli::parse::main(args),
        Command::Run(args) => cli::run::main(args),
        Command::Check(args) => cli::check::main(args),
        Command::Test(args) => cli::test::main(args),
        Command::Diff(args) => cli::diff::main(args),
        Command::Tables(args) => cli::tables::main(args),
        Command::Externals(args) => cli::externals::main(args),
    }
}
