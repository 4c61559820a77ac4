//! Row differences between two results.
