//! One module per subcommand.

pub mod alerts;
pub mod check;
pub mod diff;
pub mod parse;
pub mod run;
pub mod source;
pub mod test;

/// `--product`: which copy of a Defender XDR table the schemas give (see schemas/SOURCE.md).
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ProductArg {
    /// Defender XDR advanced hunting: `Timestamp`, no `TimeGenerated`.
    Defender,
    /// A Sentinel workspace: the Defender tables also have `TimeGenerated`, `TenantId`,
    /// `SourceSystem` and `Type`.
    Sentinel,
}

impl From<ProductArg> for kql::io::Product {
    fn from(p: ProductArg) -> Self {
        match p {
            ProductArg::Defender => kql::io::Product::Defender,
            ProductArg::Sentinel => kql::io::Product::Sentinel,
        }
    }
}

/// Progress bars for long scans, when asked and when someone watches: standard error
/// is a terminal and no CI system runs the command (CI sets `CI`).
pub fn show_progress(wanted: bool) {
    use std::io::IsTerminal;
    let on = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    kql::io::progress::enable(on);
}
