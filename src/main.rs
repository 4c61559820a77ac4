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
    Parse {
        /// Files to parse; `-` reads standard input.
        files: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { files } => {
            let _ = files;
            ExitCode::from(2)
        }
    }
}
