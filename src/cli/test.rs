//! `kql test`

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Paths.
    pub paths: Vec<String>,
}

pub fn main(args: Args) -> ExitCode {
    let _ = args.paths;
    ExitCode::from(2)
}
