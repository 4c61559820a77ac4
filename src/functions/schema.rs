//! `buildschema(d)`: the minimal schema admitting every value of a dynamic column, as
//! Kusto documents it: a bag's properties map to the schema of their values, an
//! array's elements to the key "`indexer`", and a property seen with several kinds of
//! value to the union of them (an array of types, in first-seen order).

use super::AggState;
use crate::value::{Bag, Value};
use indexmap::IndexMap;

/// The schema of the values seen at one place.
#[derive(Default)]
struct Node {
    /// Primitive type names and the container, in first-seen order.
    kinds: Vec<Kind>,
    /// Properties (and "`indexer`" for array elements) when a container was seen.
    children: IndexMap<String, Node>,
}

#[derive(PartialEq)]
enum Kind {
    Primitive(&'static str),
    Container,
}

const INDEXER: &str = "`indexer`";

impl Node {
    fn add(&mut self, v: &Value) {
        let kind = match v {
            Value::Null => return,
            Value::Bag(bag) => {
                for (k, x) in bag.iter() {
                    self.children.entry(k.to_string()).or_default().add(x);
                }
                Kind::Container
            }
            Value::Array(items) => {
                let slot = self.children.entry(INDEXER.to_string()).or_default();
                for x in items.iter() {
                    slot.add(x);
                }
                Kind::Container
            }
            other => Kind::Primitive(primitive(other)),
        };
        if !self.kinds.contains(&kind) {
            self.kinds.push(kind);
        }
    }

    fn to_value(&self) -> Value {
        let mut types: Vec<Value> = self
            .kinds
            .iter()
            .map(|k| match k {
                Kind::Primitive(name) => Value::str(name),
                Kind::Container => {
                    let mut bag = Bag::default();
                    for (k, n) in &self.children {
                        bag.insert(k.as_str().into(), n.to_value());
                    }
                    Value::bag(bag)
                }
            })
            .collect();
        match types.len() {
            0 => Value::Null,
            1 => types.pop().unwrap_or(Value::Null),
            _ => Value::array(types),
        }
    }
}

/// Kusto's name of a scalar's type inside a dynamic value.
fn primitive(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Long(_) => "long",
        Value::Real(_) => "double",
        Value::Decimal(_) => "decimal",
        Value::DateTime(_) => "datetime",
        Value::TimeSpan(_) => "timespan",
        Value::Guid(_) => "guid",
        _ => "string",
    }
}

#[derive(Default)]
pub(super) struct BuildSchema {
    root: Node,
}

impl AggState for BuildSchema {
    fn update(&mut self, args: &[Value]) {
        self.root.add(&args[0]);
    }
    fn finish(&mut self) -> Vec<Value> {
        vec![std::mem::take(&mut self.root).to_value()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{parse_json_text, to_json_text};

    #[test]
    fn documented_example() {
        let mut s = BuildSchema::default();
        for j in [
            r#"{"x":1, "y":3.5}"#,
            r#"{"x":"somevalue", "z":[1, 2, 3]}"#,
            r#"{"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]}"#,
        ] {
            s.update(&[parse_json_text(j).unwrap()]);
        }
        assert_eq!(
            to_json_text(&s.finish()[0]),
            r#"{"x":["long","string"],"y":["double",{"w":"string"}],"z":{"`indexer`":["long","string"]},"t":{"`indexer`":"string"}}"#
        );
    }
}
