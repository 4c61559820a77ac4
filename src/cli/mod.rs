//! One module per subcommand.

pub mod alerts;
pub mod check;
pub mod diff;
pub mod externals;
pub mod parse;
pub mod run;
pub mod source;
pub mod tables;
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

/// How data files are read (`kql run`, `kql diff`, `kql tables`).
#[derive(clap::Args, Clone, Default)]
pub struct ReadArgs {
    /// A value that does not convert to its column's type stops the run with an error
    /// (by default it is read as null and counted in a warning).
    #[arg(long)]
    pub strict: bool,
    /// The time zone of datetime columns exported in local time (` [Local Time]` in a
    /// portal export's header), an IANA name such as `Europe/Paris`; without it they are
    /// read as UTC, with a warning.
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub tz: Option<chrono_tz::Tz>,
}

fn parse_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    kql::io::ReadOptions::zone(s)
}

impl ReadArgs {
    pub fn options(&self) -> kql::io::ReadOptions {
        kql::io::ReadOptions {
            strict: self.strict,
            tz: self.tz,
            ..Default::default()
        }
    }
}

/// The memory budget of each query (`kql run`, `kql test`, `kql diff`).
#[derive(clap::Args, Clone, Default)]
pub struct LimitArgs {
    /// The most memory one query may hold (rows of joins, groups, sort buffers,
    /// results, ...), such as `2GB` or `512MB`; past it the query stops with a
    /// low-memory error. Default: half the machine's memory, at most 32 GB. A query's
    /// `set max_memory_consumption_per_query_per_node=N;` can lower it.
    #[arg(long = "max-memory", value_name = "SIZE", value_parser = kql::limits::parse_size)]
    pub max_memory: Option<u64>,
}

impl LimitArgs {
    /// Makes the budget the one every query of this process runs with.
    pub fn apply(&self) {
        if let Some(b) = self.max_memory {
            kql::limits::set_max_memory(b);
        }
    }
}

/// Where `externaldata` URLs are found offline (`kql run`, `kql diff`).
#[derive(clap::Args, Clone, Default)]
pub struct ExternalArgs {
    /// A local copy of an externaldata URL: `URL=FILE` (repeatable).
    #[arg(long = "external", value_name = "URL=FILE", value_parser = parse_external)]
    pub external: Vec<(String, std::path::PathBuf)>,
    /// A folder of local copies of externaldata URLs, each named after its URL's last
    /// path segment (`https://host/lists/ips.txt` → `ips.txt`).
    #[arg(long = "external-dir", value_name = "DIR")]
    pub external_dir: Option<std::path::PathBuf>,
}

fn parse_external(s: &str) -> Result<(String, std::path::PathBuf), String> {
    kql::external::LocalExternals::parse_flag(s)
}

impl ExternalArgs {
    pub fn externals(&self, read: kql::io::ReadOptions) -> kql::external::LocalExternals {
        kql::external::LocalExternals {
            by_url: self
                .external
                .iter()
                .map(|(u, f)| (u.clone(), kql::external::Local::File(f.clone())))
                .collect(),
            dir: self.external_dir.clone(),
            read,
        }
    }
}

/// Writes `text` to standard output. A closed pipe (`kql tables | head`) ends the
/// writing quietly (`Ok`), as it does for `kql run`; `println!` would panic on it. Any
/// other failure (a full disk) is the error.
pub fn write_out(text: std::fmt::Arguments) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_fmt(text).and_then(|()| o.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// [`write_out`], its error said on standard error: false when the output could not be
/// written.
pub fn out(text: std::fmt::Arguments) -> bool {
    match write_out(text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            false
        }
    }
}

/// Prints the warnings of a run on standard error, one per line.
pub fn print_warnings(warnings: &[kql::warnings::Warning]) {
    for w in warnings {
        eprintln!("warning: {}", w.render());
    }
}
