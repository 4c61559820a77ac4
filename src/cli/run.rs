//! `kql run QUERY --data DIR`

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The query file; `-` reads standard input.
    pub query: String,
}

pub fn main(args: Args) -> ExitCode {
    let _ = args.query;
    ExitCode::from(2)
}
