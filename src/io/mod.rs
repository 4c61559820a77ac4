//! Reading tables and schemas from files, writing results.
