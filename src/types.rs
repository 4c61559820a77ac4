//! Kusto's scalar types. A leaf module: the AST, the binder and the values all use it.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Type {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    DateTime,
    TimeSpan,
    Dynamic,
    Guid,
    /// A type `kql check` cannot know without data (a column of an open table such as
    /// `evaluate pivot`'s output, a result of something it could not bind). Only the
    /// binder's static check makes it; values never have it. Like Kusto.Language's
    /// `unknown`, it is accepted wherever a type is checked, so that one unknown does
    /// not cause a cascade of findings.
    Unknown,
}

impl Type {
    /// The type named by a KQL type keyword, aliases included
    /// (`double` → real, `date` → datetime, `time` → timespan, `boolean` → bool, `uuid`/`uniqueid` → guid).
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "bool" | "boolean" => Type::Bool,
            "int" => Type::Int,
            "long" => Type::Long,
            "real" | "double" => Type::Real,
            "decimal" => Type::Decimal,
            "string" => Type::String,
            "datetime" | "date" => Type::DateTime,
            "timespan" | "time" => Type::TimeSpan,
            "dynamic" => Type::Dynamic,
            "guid" | "uuid" | "uniqueid" => Type::Guid,
            _ => return None,
        })
    }

    /// The canonical KQL name, as `getschema` and `--format json` print it.
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Long => "long",
            Type::Real => "real",
            Type::Decimal => "decimal",
            Type::String => "string",
            Type::DateTime => "datetime",
            Type::TimeSpan => "timespan",
            Type::Dynamic => "dynamic",
            Type::Guid => "guid",
            Type::Unknown => "unknown",
        }
    }

    /// The .NET type name Kusto reports in result schemas (`Int64`, `Object`, ...).
    pub fn dotnet_name(self) -> &'static str {
        match self {
            Type::Bool => "Boolean",
            Type::Int => "Int32",
            Type::Long => "Int64",
            Type::Real => "Double",
            Type::Decimal => "Decimal",
            Type::String => "String",
            Type::DateTime => "DateTime",
            Type::TimeSpan => "TimeSpan",
            Type::Dynamic => "Object",
            Type::Guid => "Guid",
            Type::Unknown => "Object",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Long | Type::Real | Type::Decimal)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
