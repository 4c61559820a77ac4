//! Pattern statements: `declare pattern p = (a:string)[path:string] { ("x").["y"] = { ... }; }`
//! and their invocations `p("x").y`, `p("x").["y"]`, `p("x")` (no path). An invocation
//! is the definition whose argument values (and path) equal the call's, compared as
//! strings; one that no definition covers is an error naming every such reference.

use super::{Binder, Entry, Scope};
use crate::ast::{Arg, Expr, ExprKind, Ident, PatternDecl, StatementKind};
use crate::error::{Error, Result, Span};
use crate::plan::Plan;
use crate::value::Value;
use std::rc::Rc;

/// An invocation found in an expression: the pattern, its call arguments and path.
pub(crate) struct Invocation<'e> {
    pub decl: Rc<PatternDecl>,
    pub scope: Scope,
    pub func: &'e Ident,
    pub args: &'e [Arg],
    pub path: Option<&'e Ident>,
}

impl Binder<'_> {
    /// `e` as a pattern invocation, when its head names a pattern in scope.
    pub(crate) fn pattern_invocation<'e>(
        &self,
        e: &'e Expr,
        scope: &Scope,
    ) -> Option<Invocation<'e>> {
        let (call, path) = match &e.kind {
            ExprKind::Member { expr, name } => (&**expr, Some(name)),
            ExprKind::Call { .. } => (e, None),
            _ => return None,
        };
        let ExprKind::Call { func, args } = &call.kind else {
            return None;
        };
        match scope.get(&func.name) {
            Some(Entry::Pattern(decl, pscope)) => Some(Invocation {
                decl: decl.clone(),
                scope: pscope.clone(),
                func,
                args,
                path,
            }),
            _ => None,
        }
    }

    /// Binds the definition an invocation selects.
    pub(crate) fn invoke_pattern(
        &self,
        inv: Invocation<'_>,
        span: Span,
        caller: &Scope,
    ) -> Result<Plan> {
        let mut values = Vec::new();
        for a in inv.args {
            values.push(self.pattern_value(&a.value, caller)?);
        }
        let path = inv.path.map(|p| p.name.clone());
        let reference = || {
            let args: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            let mut r = format!("{}({})", inv.func.name, args.join(", "));
            if let Some(p) = &path {
                r.push_str(&format!(".['{p}']"));
            }
            r
        };
        let decl = &inv.decl;
        if !decl.rules.is_empty() {
            if values.len() != decl.params.len() {
                return Err(Error::semantic(
                    format!(
                        "pattern `{}` takes {} argument(s), not {}",
                        decl.name.name,
                        decl.params.len(),
                        values.len()
                    ),
                    span,
                ));
            }
            if path.is_some() != decl.path.is_some() {
                let want = if decl.path.is_some() {
                    "needs a path (`.name` after the arguments)"
                } else {
                    "takes no path"
                };
                return Err(Error::semantic(
                    format!("pattern `{}` {want}", decl.name.name),
                    span,
                ));
            }
        }
        for rule in &decl.rules {
            let mut keys = Vec::new();
            for a in &rule.args {
                keys.push(self.pattern_value(a, &inv.scope)?);
            }
            let rule_path = match &rule.path {
                Some(p) => Some(self.pattern_value(p, &inv.scope)?),
                None => None,
            };
            if keys == values && rule_path == path {
                return self.pattern_body(&rule.body, &inv.scope, decl, rule.span);
            }
        }
        Err(Error::semantic(
            format!(
                "One or more pattern references were not declared. Detected pattern references: [\"{}\"]",
                reference()
            ),
            span,
        ))
    }

    /// A pattern argument or key: a constant, compared as its string form.
    fn pattern_value(&self, e: &Expr, scope: &Scope) -> Result<String> {
        let b = self.scalar(e, &[], scope)?;
        match b.constant() {
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(v) => Ok(crate::value::tostring(v)),
            None => Err(Error::semantic(
                "a pattern argument must be a constant",
                e.span,
            )),
        }
    }

    fn pattern_body(
        &self,
        body: &[crate::ast::Statement],
        scope: &Scope,
        decl: &PatternDecl,
        span: Span,
    ) -> Result<Plan> {
        let mut scope = scope.clone();
        let Some((last, lets)) = body.split_last() else {
            return Err(Error::semantic("the pattern definition is empty", span));
        };
        for st in lets {
            if let StatementKind::Let { name, value } = &st.kind {
                scope = self.bind_let(&scope, name, value)?;
            }
        }
        let StatementKind::Expr(e) = &last.kind else {
            return Err(Error::semantic(
                format!(
                    "a definition of pattern `{}` must end with an expression",
                    decl.name.name
                ),
                last.span,
            ));
        };
        self.tabular(e, &scope)
    }
}
