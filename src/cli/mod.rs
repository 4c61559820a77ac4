//! One module per subcommand.

pub mod check;
pub mod diff;
pub mod parse;
pub mod run;
pub mod test;
