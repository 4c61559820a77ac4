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
