//! Findings of `kql check` and their renderings.
