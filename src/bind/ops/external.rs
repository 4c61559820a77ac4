//! `externaldata (columns) [urls] with (props)`: a plan leaf with the declared columns.
//! The rows come at run time from the session's [`crate::external::Externals`]; the
//! binder reads no file (so `kql check` types it with no data at all).

use super::*;
use crate::external::ExternalSpec;

/// The properties `externaldata` takes (Kusto docs, externaldata-operator.md).
const PROPERTIES: &[&str] = &["format", "ignoreFirstRecord", "ingestionMapping"];

impl Binder<'_> {
    pub(super) fn externaldata(
        &self,
        columns: &[ast::ColumnDecl],
        uris: &[Expr],
        with: &[ast::OpParam],
        span: Span,
        scope: &Scope,
    ) -> Result<Plan> {
        let schema: Vec<Column> = columns
            .iter()
            .map(|c| Column::new(c.name.name.clone(), c.ty))
            .collect();
        if schema.is_empty() {
            return Err(Error::semantic(
                "externaldata needs at least one column",
                span,
            ));
        }
        let mut spec = ExternalSpec {
            columns: schema.clone(),
            uris: Vec::new(),
            format: None,
            ignore_first: false,
            mapping: None,
            span,
        };
        for u in uris {
            let b = self.scalar(u, &[], scope)?;
            match b.constant() {
                Some(Value::String(s)) => spec.uris.push((s.to_string(), u.span)),
                _ => {
                    return Err(Error::semantic(
                        "an externaldata URL must be a constant string",
                        u.span,
                    ))
                }
            }
        }
        if spec.uris.is_empty() {
            return Err(Error::semantic("externaldata needs a URL", span));
        }
        for p in with {
            let name = p.name.name.as_str();
            let Some(known) = PROPERTIES.iter().find(|k| k.eq_ignore_ascii_case(name)) else {
                let mut e = Error::unsupported(format!("with ({name}=...)"), p.name.span);
                if let Some(n) = nearest(name, PROPERTIES.iter().copied()) {
                    e = e.with_hint(format!("did you mean `{n}`?"));
                }
                return Err(e);
            };
            let bound = self.scalar(&p.value, &[], scope);
            let value = match (
                bound.as_ref().ok().and_then(|b| b.constant()),
                &p.value.kind,
            ) {
                (Some(v), _) => v.clone(),
                // `format=csv`: a bare word that names no constant is the word itself
                // (Kusto.Language binds it so), not an unknown column.
                (None, ExprKind::Name(id)) => Value::String(id.name.as_str().into()),
                _ => {
                    bound?;
                    return Err(Error::semantic(
                        format!("`{known}` must be a constant"),
                        p.value.span,
                    ));
                }
            };
            match (*known, &value) {
                ("format", Value::String(s)) => spec.format = Some(s.to_ascii_lowercase()),
                ("ignoreFirstRecord", Value::Bool(b)) => spec.ignore_first = *b,
                ("ignoreFirstRecord", Value::String(s)) if s.eq_ignore_ascii_case("true") => {
                    spec.ignore_first = true
                }
                ("ignoreFirstRecord", Value::String(s)) if s.eq_ignore_ascii_case("false") => {}
                ("ingestionMapping", Value::String(s)) => spec.mapping = Some(s.to_string()),
                _ => {
                    return Err(Error::semantic(
                        format!("`{known}` does not take this value"),
                        p.value.span,
                    ))
                }
            }
        }
        Ok(Plan {
            kind: PlanKind::External(Arc::new(spec)),
            schema,
        })
    }
}
