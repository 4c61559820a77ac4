//! Name resolution and typing: AST → a typed plan the executor runs.
