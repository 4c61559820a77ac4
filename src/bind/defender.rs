//! `invoke FileProfile(x, y)` (see [`crate::defender`]): the binder's because its
//! first argument names a column (`SHA1`, or the string `"SHA1"`), which a KQL
//! function cannot take.

use super::recover::typed_plan;
use super::{Binder, Entry, Scope};
use crate::ast::{Arg, ExprKind, Literal};
use crate::defender::{file_profile_query, profile_key, PROFILE_COLUMNS};
use crate::error::{Code, Error, Result, Span};
use crate::plan::Plan;
use crate::table::Column;
use std::sync::Arc;

impl Binder<'_> {
    /// Whether `name` is Defender's FileProfile here (the product has it, and no `let`
    /// or stored function of that name hides it).
    pub(crate) fn is_file_profile(&self, name: &str, scope: &Scope) -> bool {
        name == "FileProfile"
            && scope.get(name).is_none()
            && self.catalog.product().has_defender_functions()
    }

    pub(crate) fn file_profile(
        &self,
        input: Plan,
        args: &[Arg],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let column = match args.first().map(|a| &a.value.kind) {
            None => "SHA1".to_string(),
            Some(ExprKind::Name(id)) => id.name.clone(),
            Some(ExprKind::Literal(Literal::String(s))) => s.clone(),
            Some(_) => return Err(Error::semantic(
                "the first argument of `FileProfile` names the hash column (`SHA1`, `SHA256`, ...)",
                args[0].value.span,
            )),
        };
        let at = args.first().map_or(span, |a| a.value.span);
        if profile_key(&column).is_none() {
            return Err(Error::semantic(
                format!("`FileProfile` looks files up by `SHA1`, `SHA256`, `MD5`, `InitiatingProcessSHA1` or `InitiatingProcessSHA256`, not `{column}`"),
                at,
            ));
        }
        if !input.schema.iter().any(|c| c.name == column) {
            return Err(Error::semantic(
                format!("`FileProfile`: the input has no column `{column}`"),
                at,
            )
            .with_code(Code::Ks(142)));
        }
        let limit = match args.get(1) {
            None => 100,
            Some(a) => match self.scalar(&a.value, &[], scope)?.constant() {
                Some(crate::value::Value::Long(n)) if (1..=1000).contains(n) => *n,
                Some(crate::value::Value::Int(n)) if (1..=1000).contains(n) => i64::from(*n),
                _ => {
                    return Err(Error::semantic(
                        "the second argument of `FileProfile` is how many rows to enrich: a constant from 1 to 1000",
                        a.value.span,
                    ))
                }
            },
        };
        if self.checking() {
            let mut schema: Vec<Column> = input
                .schema
                .iter()
                .filter(|c| c.name != "ProfileAvailability")
                .cloned()
                .collect();
            for (name, ty) in PROFILE_COLUMNS {
                if !schema.iter().any(|c| c.name == *name) {
                    schema.push(Column::new(*name, *ty));
                }
            }
            return Ok(typed_plan(schema));
        }
        if self.catalog.get("FileProfile").is_none() {
            return Err(Error::semantic(
                "`invoke FileProfile` reads a local `FileProfile` table, and none is loaded",
                span,
            )
            .with_hint("give its rows in the data folder (`FileProfile.json`: SHA1, SHA256, MD5, FileSize, GlobalPrevalence, ...)"));
        }
        let names: Vec<String> = input.schema.iter().map(|c| c.name.clone()).collect();
        let text = file_profile_query(&names, &column, limit).unwrap_or_default();
        let query = crate::syntax::parse(&text)?;
        let Some(crate::ast::StatementKind::Expr(e)) = query.statements.first().map(|s| &s.kind)
        else {
            return Err(Error::semantic("`FileProfile` could not be built", span));
        };
        let inner = Scope::default().with("T", Entry::Tabular(Arc::new(input)));
        self.tabular(e, &inner)
            .map_err(|e| Error::semantic(format!("`invoke FileProfile`: {}", e.message), span))
    }
}
