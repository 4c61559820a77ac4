//! The binder's side of stored functions ([`crate::stored`]): they are in scope under
//! every query (a `let` of the same name shadows one), they see each other, and an
//! error in one's body is reported at the call, naming the function's file.

use super::{Binder, Entry, Scope};
use crate::ast::FunctionDef;
use crate::error::{Error, Result, Span};
use crate::stored::StoredFunction;
use std::rc::Rc;
use std::sync::Arc;

/// Whether `f` may be called without parentheses (`imDns | ...`): Kusto allows it
/// when every parameter has a default.
pub(crate) fn bare_callable(f: &FunctionDef) -> bool {
    f.params.iter().all(|p| p.default.is_some())
}

/// Calls of stored functions nest at most this deep (Kusto refuses recursion; this
/// stops a function that calls itself).
const MAX_CALL_DEPTH: usize = 64;

impl Binder<'_> {
    /// The scope every query starts in: the catalog's stored functions.
    pub(crate) fn global_scope(&self) -> Scope {
        let mut scope = Scope::default();
        let mut stored = self.stored.borrow_mut();
        stored.clear();
        // The product's built-ins first: a stored function of the same name shadows one.
        let builtins: &[Arc<StoredFunction>] = if self.catalog.product().has_defender_functions() {
            crate::defender::builtins()
        } else {
            &[]
        };
        for sf in builtins.iter().chain(self.catalog.functions()) {
            let def = Rc::new(sf.def.clone());
            stored.push((def.clone(), sf.clone()));
            scope = scope.with(&sf.name, Entry::Function(def, Scope::default()));
        }
        *self.globals.borrow_mut() = scope.clone();
        scope
    }

    /// The stored function `f` is the definition of, if it is one.
    pub(crate) fn stored_function(&self, f: &FunctionDef) -> Option<Arc<StoredFunction>> {
        self.stored
            .borrow()
            .iter()
            .find(|(def, _)| std::ptr::eq(Rc::as_ptr(def), f))
            .map(|(_, sf)| sf.clone())
    }

    /// Binds part of a function's body with `bind`: for a stored function, its errors
    /// (and what a check records meanwhile) become errors at the call `at`.
    pub(crate) fn in_body<T>(
        &self,
        stored: Option<&StoredFunction>,
        at: Span,
        bind: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let Some(sf) = stored else {
            return bind();
        };
        let depth = self.call_depth.get();
        if depth >= MAX_CALL_DEPTH {
            return Err(Error::semantic(
                format!(
                    "calls of stored functions nest deeper than {MAX_CALL_DEPTH} (does `{}` call itself?)",
                    sf.name
                ),
                at,
            ));
        }
        self.call_depth.set(depth + 1);
        let (errors, warnings) = (self.recovered.borrow().len(), self.warnings.borrow().len());
        let r = bind().map_err(|e| sf.error_at_call(e, at));
        self.call_depth.set(depth);
        for list in [(&self.recovered, errors), (&self.warnings, warnings)] {
            for e in list.0.borrow_mut()[list.1..].iter_mut() {
                *e = sf.error_at_call(e.clone(), at);
            }
        }
        r
    }
}
