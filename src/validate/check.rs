//! `kql check`: parse and bind query files against schemas, without data.
