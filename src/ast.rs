//! The syntax tree of a KQL query: plain enums, a byte span on every node.
//!
//! Scalar and tabular expressions share one [`Expr`] type because the parser cannot
//! always tell them apart (`let x = Foo;` names a table or a scalar); the binder decides.
//! A pipeline `T | where ... | extend ...` is [`ExprKind::Pipeline`]; an operator that
//! produces rows from nothing (`print`, `datatable`, `range`, `union`, ...) stands as
//! [`ExprKind::Source`] at the head of a pipeline or alone.

use crate::error::Span;
use crate::types::Type;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    pub statements: Vec<Statement>,
    pub span: Span,
    /// What the parser accepted but warns about (Kusto accepts it silently).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::error::Error>,
    /// When parsed recovering from errors (`kql check`): the names declared by
    /// statements that did not parse (`let x = <error>`), which stand for unknowns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<Ident>,
    /// How many statements did not parse (when recovering).
    #[serde(skip_serializing_if = "is_zero")]
    pub broken: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum StatementKind {
    /// `let name = value`
    Let { name: Ident, value: LetValue },
    /// `set name [= value]`
    Set { name: Ident, value: Option<Expr> },
    /// `declare query_parameters(name:type [= default], ...)`
    DeclareQueryParameters(Vec<Param>),
    /// `declare pattern name [= (args)[path] { (values).[path] = { body }; ... }]`
    Pattern(PatternDecl),
    /// `alias database x = cluster(...).database(...)` and similar, kept as text.
    Other { keyword: Ident, text: String },
    /// A tabular (or scalar) expression whose result is returned.
    Expr(Expr),
}

/// A pattern: string tuples mapped to tabular expressions. Declared without `=`, it has
/// no rules (every invocation is an error naming the missing references).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternDecl {
    pub name: Ident,
    /// `(name:string, ...)`; empty for a pattern declared without a definition.
    pub params: Vec<Param>,
    /// `[path:string]`
    pub path: Option<Param>,
    pub rules: Vec<PatternRule>,
    pub span: Span,
}

/// `("USA").["New York"] = { print Capital = "Albany" }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternRule {
    pub args: Vec<Expr>,
    pub path: Option<Expr>,
    /// `let` statements then one final expression, as in a function body.
    pub body: Vec<Statement>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LetValue {
    /// `let x = expr` (scalar or tabular; decided by the binder).
    Expr(Expr),
    /// `let f = (params) { body }`
    Function(FunctionDef),
    /// `let v = view (params) { body }`
    View(FunctionDef),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunctionDef {
    pub params: Vec<Param>,
    /// `let` statements then one final expression.
    pub body: Vec<Statement>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Param {
    pub name: Ident,
    pub ty: ParamType,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ParamType {
    Scalar(Type),
    /// `T:(*)` is `Tabular { columns: vec![], open: true }`; `T:(a:string)` lists columns;
    /// `T:(a:string, *)` is both.
    Tabular {
        columns: Vec<ColumnDecl>,
        open: bool,
    },
}

/// `name: type` as in `datatable(a:int)`, tabular parameters and `typeof(a:int, ...)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnDecl {
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    Literal(Literal),
    /// A bare or quoted (`['a b']`) name: a column, a let, a table or a parameter.
    Name(Ident),
    /// `$left.Col` / `$right.Col` inside `join ... on`.
    JoinSide {
        side: JoinSide,
        name: Ident,
    },
    /// `*` as an argument (`arg_max(t, *)`, `count(*)`) or a column wildcard.
    Star,
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x in (a, b)`, `x !in~ (T)`, `x has_any (a, b)`, `x has_all (dynamic([...]))`.
    /// The list may hold scalars, dynamic arrays, or one tabular expression.
    List {
        op: ListOp,
        negated: bool,
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `x between (low .. high)`, `x !between (...)`.
    Between {
        negated: bool,
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `f(args)`, also `toscalar(...)`, `materialize(...)`, `table("T")`, `not(x)`,
    /// and a call to a user function. `count()` too.
    Call {
        func: Ident,
        args: Vec<Arg>,
    },
    /// `a.b` (dynamic property, or `T.Col`).
    Member {
        expr: Box<Expr>,
        name: Ident,
    },
    /// `a[i]`, `a["key"]`.
    Index {
        expr: Box<Expr>,
        index: Box<Expr>,
    },
    /// `typeof(string)` or `typeof(a:string, b:long)`.
    TypeOf(Vec<ColumnDecl>),
    /// `(expr)`; kept so that printing and naming see what the user wrote.
    Paren(Box<Expr>),
    /// `source | op | op ...`
    Pipeline {
        source: Box<Expr>,
        ops: Vec<Operator>,
    },
    /// An operator that produces rows without input (`print`, `datatable`, `range`,
    /// `union`, `externaldata`, `find`, `search`, `evaluate`).
    Source(Box<Operator>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum JoinSide {
    Left,
    Right,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arg {
    /// `name = value` in calls that take named arguments.
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Neg,
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    EqCi,
    /// `!~`
    NeCi,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `has`, `!contains_cs`, ... : `negated` is the `!` form, `case_sensitive` the `_cs` form.
    Str {
        op: StrOp,
        negated: bool,
        case_sensitive: bool,
    },
    /// `matches regex`
    MatchesRegex,
    /// `Col:"term"`: a term match (`has`); in `search`, the term's wildcards apply
    /// (`Col:"err*"` is `Col hasprefix "err"`).
    SearchTerm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StrOp {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ListOp {
    /// `in` (case-sensitive) / `in~` (`case_insensitive`).
    In {
        case_insensitive: bool,
    },
    HasAny,
    HasAll,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Literal {
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    /// `decimal(1.5)`: the literal text.
    Decimal(String),
    String(String),
    /// `datetime(...)`: the text between the parentheses, trimmed; the binder parses it.
    DateTime(String),
    /// In 100 ns ticks.
    TimeSpan(i64),
    /// `guid(...)`: the text between the parentheses.
    Guid(String),
    Dynamic(Dyn),
    /// `long(null)`, `datetime(null)`, `dynamic(null)`, ...
    Null(Type),
}

/// The contents of `dynamic(...)`: JSON, with single-quoted strings and typed literals allowed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Dyn {
    Null,
    Array(Vec<Dyn>),
    Bag(Vec<(String, Dyn)>),
    /// A scalar: a JSON number, string or bool, or a typed literal such as `datetime(...)`.
    Scalar(Box<Literal>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operator {
    pub kind: OperatorKind,
    pub span: Span,
}

/// `name = value` options written between an operator and its body:
/// `kind=leftouter`, `hint.strategy=broadcast`, `withsource=T`, `bagexpansion=array`,
/// `with_itemindex=i`, `isfuzzy=true`, `hint.shufflekey=K`, ...
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpParam {
    pub name: Ident,
    pub value: Expr,
}

/// `[name =] expr` in extend/project/summarize/print/serialize.
/// `(a, b) = f(x)` gives several names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedExpr {
    pub names: Vec<Ident>,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SortKey {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NullsOrder {
    First,
    Last,
}

/// A column name or a wildcard pattern (`Prefix*`) in project-away/keep/reorder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnPattern {
    pub pattern: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MvExpandItem {
    pub name: Option<Ident>,
    pub expr: Expr,
    pub to_type: Option<Type>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ParseKind {
    Simple,
    Regex,
    Relaxed,
}

/// One element of a `parse` pattern: a string literal to match, or a capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ParsePart {
    Literal(String),
    /// `*`
    Skip,
    Capture {
        name: Ident,
        ty: Option<Type>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum JoinOn {
    /// `on A, B`: the same name on both sides.
    Column(Ident),
    /// `$left.a == $right.b`
    Equal { left: Ident, right: Ident },
}

/// One `step` of `scan`: `step Name [output=all|last|none]: Condition [=> Col = Expr, ...];`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScanStep {
    pub name: Ident,
    /// `all`, `last` or `none` as written (`all` when absent).
    pub output: Ident,
    pub condition: Expr,
    pub assigns: Vec<(Ident, Expr)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum OperatorKind {
    Where(Expr),
    Extend(Vec<NamedExpr>),
    Project(Vec<NamedExpr>),
    ProjectAway(Vec<ColumnPattern>),
    ProjectKeep(Vec<ColumnPattern>),
    ProjectRename(Vec<(Ident, Ident)>),
    /// Patterns with an optional order (`asc`, `desc`, `granny-asc`, `granny-desc` as text).
    ProjectReorder(Vec<(ColumnPattern, Option<String>)>),
    Summarize {
        params: Vec<OpParam>,
        aggregates: Vec<NamedExpr>,
        by: Vec<NamedExpr>,
    },
    /// `take` and `limit`.
    Take(Expr),
    Top {
        count: Expr,
        by: SortKey,
    },
    /// `top-nested`: kept as clauses of (count, of-expression, with-others, aggregate).
    TopNested(Vec<TopNestedClause>),
    /// `sort by` / `order by`.
    Sort(Vec<SortKey>),
    /// `distinct a, b`, `distinct A = f(x)` or `distinct *` (then `Expr::Star`).
    Distinct(Vec<NamedExpr>),
    /// `count`, or `count as Name` (Kusto.Language names the column so).
    Count(Option<Ident>),
    Join {
        params: Vec<OpParam>,
        right: Expr,
        on: Vec<JoinOn>,
    },
    Lookup {
        params: Vec<OpParam>,
        right: Expr,
        on: Vec<JoinOn>,
    },
    Union {
        params: Vec<OpParam>,
        /// Table expressions; a bare name may hold wildcards (`Sec*`) as `ExprKind::Name`.
        tables: Vec<Expr>,
    },
    MvExpand {
        params: Vec<OpParam>,
        items: Vec<MvExpandItem>,
        limit: Option<Expr>,
    },
    MvApply {
        params: Vec<OpParam>,
        items: Vec<MvExpandItem>,
        limit: Option<Expr>,
        /// `on (subquery)`: a pipeline whose source is the implicit expanded row set.
        body: Expr,
    },
    Parse {
        kind: ParseKind,
        /// `parse-where` keeps only rows that match.
        filter: bool,
        params: Vec<OpParam>,
        expr: Expr,
        pattern: Vec<ParsePart>,
    },
    ParseKv {
        expr: Expr,
        columns: Vec<ColumnDecl>,
        with: Vec<OpParam>,
    },
    MakeSeries {
        params: Vec<OpParam>,
        aggregates: Vec<NamedExpr>,
        /// `default = value` of each aggregate, in the same order (None: the type's default).
        defaults: Vec<Option<Expr>>,
        /// `on Timestamp`
        axis: Expr,
        from: Option<Expr>,
        to: Option<Expr>,
        step: Expr,
        by: Vec<NamedExpr>,
    },
    Evaluate {
        params: Vec<OpParam>,
        call: Expr,
        /// The output schema after `:`, if given (`(*, a:string)`: a column named `*`
        /// keeps the input's columns).
        schema: Option<Vec<ColumnDecl>>,
    },
    Invoke(Expr),
    As {
        params: Vec<OpParam>,
        name: Ident,
    },
    Serialize(Vec<NamedExpr>),
    Render {
        chart: Ident,
        with: Vec<OpParam>,
    },
    GetSchema,
    Search {
        params: Vec<OpParam>,
        /// `in (T1, T2)`
        tables: Vec<Expr>,
        predicate: Expr,
    },
    Find {
        params: Vec<OpParam>,
        tables: Vec<Expr>,
        predicate: Expr,
        project: Vec<Expr>,
    },
    Fork(Vec<Expr>),
    Facet {
        columns: Vec<Ident>,
        with: Option<Expr>,
    },
    Sample(Expr),
    SampleDistinct {
        count: Expr,
        column: Expr,
    },
    /// `top-hitters N of expr [by summed]`
    TopHitters {
        count: Expr,
        of: Expr,
        by: Option<Expr>,
    },
    /// `scan [with_match_id=Id] [declare (Col:type [= default], ...)] with (step ...; ...)`.
    Scan {
        match_id: Option<Ident>,
        declare: Vec<(ColumnDecl, Option<Expr>)>,
        steps: Vec<ScanStep>,
    },
    /// `partition [params] by Column (subquery)`: the subquery, a pipeline whose source
    /// is the implicit rows of one partition, runs once per value of the column.
    Partition {
        params: Vec<OpParam>,
        by: Ident,
        body: Expr,
        /// The legacy form `{ subquery }`, whose subquery has a source of its own.
        braces: bool,
    },
    /// `reduce`, `consume`, `make-graph`, `graph-*`, ...:
    /// operators kql parses but keeps only as raw text (`text` is the operator's whole source).
    Opaque {
        name: String,
        text: String,
    },
    Print(Vec<NamedExpr>),
    Datatable {
        columns: Vec<ColumnDecl>,
        values: Vec<Expr>,
    },
    Range {
        column: Ident,
        from: Expr,
        to: Expr,
        step: Expr,
    },
    Externaldata {
        columns: Vec<ColumnDecl>,
        uris: Vec<Expr>,
        with: Vec<OpParam>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopNestedClause {
    pub count: Option<Expr>,
    pub of: NamedExpr,
    pub others: Option<Expr>,
    pub by: NamedExpr,
    pub order: Option<SortOrder>,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }
}

impl BinaryOp {
    /// The operator as KQL spells it (`==`, `!has_cs`, `matches regex`): the name the
    /// binder looks up in the function registry and the printer shows.
    pub fn kql_name(self) -> String {
        let fixed = match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::EqCi => "=~",
            BinaryOp::NeCi => "!~",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::MatchesRegex => "matches regex",
            BinaryOp::SearchTerm => ":",
            BinaryOp::Str {
                op,
                negated,
                case_sensitive,
            } => {
                let base = match op {
                    StrOp::Has => "has",
                    StrOp::HasPrefix => "hasprefix",
                    StrOp::HasSuffix => "hassuffix",
                    StrOp::Contains => "contains",
                    StrOp::StartsWith => "startswith",
                    StrOp::EndsWith => "endswith",
                };
                return format!(
                    "{}{base}{}",
                    if negated { "!" } else { "" },
                    if case_sensitive { "_cs" } else { "" }
                );
            }
        };
        fixed.to_string()
    }
}

impl OperatorKind {
    /// The operator's name as written in KQL (for messages: "`scan` is not supported yet").
    pub fn name(&self) -> &str {
        match self {
            OperatorKind::Where(_) => "where",
            OperatorKind::Extend(_) => "extend",
            OperatorKind::Project(_) => "project",
            OperatorKind::ProjectAway(_) => "project-away",
            OperatorKind::ProjectKeep(_) => "project-keep",
            OperatorKind::ProjectRename(_) => "project-rename",
            OperatorKind::ProjectReorder(_) => "project-reorder",
            OperatorKind::Summarize { .. } => "summarize",
            OperatorKind::Take(_) => "take",
            OperatorKind::Top { .. } => "top",
            OperatorKind::TopNested(_) => "top-nested",
            OperatorKind::Sort(_) => "sort",
            OperatorKind::Distinct(_) => "distinct",
            OperatorKind::Count(_) => "count",
            OperatorKind::Join { .. } => "join",
            OperatorKind::Lookup { .. } => "lookup",
            OperatorKind::Union { .. } => "union",
            OperatorKind::MvExpand { .. } => "mv-expand",
            OperatorKind::MvApply { .. } => "mv-apply",
            OperatorKind::Parse { filter: false, .. } => "parse",
            OperatorKind::Parse { filter: true, .. } => "parse-where",
            OperatorKind::ParseKv { .. } => "parse-kv",
            OperatorKind::MakeSeries { .. } => "make-series",
            OperatorKind::Evaluate { .. } => "evaluate",
            OperatorKind::Invoke(_) => "invoke",
            OperatorKind::As { .. } => "as",
            OperatorKind::Serialize(_) => "serialize",
            OperatorKind::Render { .. } => "render",
            OperatorKind::GetSchema => "getschema",
            OperatorKind::Search { .. } => "search",
            OperatorKind::Find { .. } => "find",
            OperatorKind::Fork(_) => "fork",
            OperatorKind::Facet { .. } => "facet",
            OperatorKind::Sample(_) => "sample",
            OperatorKind::SampleDistinct { .. } => "sample-distinct",
            OperatorKind::TopHitters { .. } => "top-hitters",
            OperatorKind::Scan { .. } => "scan",
            OperatorKind::Partition { .. } => "partition",
            OperatorKind::Opaque { name, .. } => name,
            OperatorKind::Print(_) => "print",
            OperatorKind::Datatable { .. } => "datatable",
            OperatorKind::Range { .. } => "range",
            OperatorKind::Externaldata { .. } => "externaldata",
        }
    }
}
