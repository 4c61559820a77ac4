//! One module per subcommand.

pub mod alerts;
pub mod check;
pub mod diff;
pub mod parse;
pub mod run;
pub mod source;
pub mod test;
