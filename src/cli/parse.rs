//! `kql parse FILE...`

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files to parse; `-` reads standard input.
    pub files: Vec<String>,
}

pub fn main(args: Args) -> ExitCode {
    let _ = args.files;
    ExitCode::from(2)
}
