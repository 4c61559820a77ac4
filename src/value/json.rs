//! Values ⇄ JSON: what `parse_json` produces, and how dynamic values (and whole rows)
//! are written out.

use super::format::format_guid;
use super::time::{format_datetime_iso, format_timespan};
use super::{Bag, Str, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;
use std::borrow::Cow;
use std::sync::Arc;

/// A value as JSON, as Kusto clients show it: arrays and bags as JSON; datetime as an
/// ISO-8601 string with the fraction trimmed (`2017-01-01T00:00:00Z`); timespan
/// and guid as strings; real NaN/±inf as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn to_json(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Long(i) => J::from(*i),
        Value::Real(f) | Value::Decimal(f) => real_to_json(*f),
        Value::String(s) => J::String(s.to_string()),
        Value::DateTime(t) => J::String(format_datetime_iso(*t)),
        Value::TimeSpan(t) => J::String(format_timespan(*t)),
        Value::Guid(g) => J::String(format_guid(g.get())),
        Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Bag(b) => J::Object(b.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
    }
}

fn real_to_json(f: f64) -> J {
    match serde_json::Number::from_f64(f) {
        Some(n) => J::Number(n),
        None if f.is_nan() => J::String("NaN".into()),
        None if f > 0.0 => J::String("Infinity".into()),
        None => J::String("-Infinity".into()),
    }
}

/// A JSON value as a dynamic value: integers → Long (beyond i64 → Real), other numbers →
/// Real, strings stay strings, objects → Bag (key order kept), arrays → Array.
pub fn from_json(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Long(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(Arc::from(s.as_str())),
        J::Array(a) => Value::array(a.iter().map(from_json).collect()),
        J::Object(o) => {
            let bag: Bag = o
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), from_json(v)))
                .collect();
            Value::bag(bag)
        }
    }
}

/// Parses JSON text to a value, as `parse_json` does for valid JSON: the same value as
/// [`from_json`] of serde_json's parse, built directly (one allocation per string and
/// key instead of two, no intermediate tree).
pub fn parse_json_text(s: &str) -> Option<Value> {
    parse_with(s, Full(None))
}

/// [`parse_json_text`] of bytes (which must be UTF-8 where serde_json reads them).
pub fn parse_json_slice(b: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(b);
    let v = Full(None).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(v)
}

/// Where a parse takes its strings from: one shared copy of each repeated string (a
/// reader's interner), instead of an allocation per string.
pub trait SharedStrings {
    fn get(&mut self, s: &str) -> Str;
}

/// [`parse_json_slice`] with its strings and keys taken from `strings` (the same value).
pub fn parse_json_slice_with(
    b: &[u8],
    strings: &mut (dyn SharedStrings + 'static),
) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(b);
    let v = Full(Some(strings)).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(v)
}

/// Parses JSON text keeping only what `paths` reads (see [`JsonPaths`]): the text is
/// checked as wholly as by [`parse_json_text`] (the same parser, the same nesting
/// limit), so it is `None` exactly when that is, and every path of `paths` reads the
/// same value from both.
pub fn parse_json_paths(s: &str, paths: &JsonPaths) -> Option<Value> {
    parse_with(s, Pruned(paths))
}

fn parse_with<'de, S: DeserializeSeed<'de, Value = Value>>(s: &'de str, seed: S) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_str(s);
    let v = seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(v)
}

/// The member paths read from a dynamic value, as a tree of keys: `whole` when the
/// value itself is read (or indexed in a way not followed here), else the keys read
/// under it, each with what is read of it. An object value keeps only those keys;
/// any other value (array, scalar) is kept whole, so a member or index access on it
/// gives what it gives on the full value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonPaths {
    pub whole: bool,
    pub keys: Vec<(Str, JsonPaths)>,
}

impl JsonPaths {
    /// The need of the whole value.
    pub fn whole() -> JsonPaths {
        JsonPaths {
            whole: true,
            keys: Vec::new(),
        }
    }

    /// Adds `path` (keys from the root), read wholly at its end.
    pub fn add(&mut self, path: &[Str]) {
        self.add_under(path, &JsonPaths::whole());
    }

    /// Adds what `need` reads, under `path`.
    pub fn add_under(&mut self, path: &[Str], need: &JsonPaths) {
        if self.whole {
            return;
        }
        match path.split_first() {
            None => self.merge(need),
            Some((k, rest)) => {
                let i = match self.keys.iter().position(|(key, _)| key == k) {
                    Some(i) => i,
                    None => {
                        self.keys.push((k.clone(), JsonPaths::default()));
                        self.keys.len() - 1
                    }
                };
                self.keys[i].1.add_under(rest, need);
            }
        }
    }

    /// Adds everything `other` reads.
    pub fn merge(&mut self, other: &JsonPaths) {
        if self.whole {
            return;
        }
        if other.whole {
            *self = JsonPaths::whole();
            return;
        }
        for (k, sub) in &other.keys {
            self.add_under(std::slice::from_ref(k), sub);
        }
    }

    /// What is read under `key`, and the tree's own copy of the key.
    fn child(&self, key: &str) -> Option<(&Str, &JsonPaths)> {
        self.keys
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(k, p)| (k, p))
    }
}

/// A whole value (its strings from `.0` when given).
struct Full<'s>(Option<&'s mut (dyn SharedStrings + 'static)>);

/// A value of which only `.0` is kept.
struct Pruned<'a>(&'a JsonPaths);

/// A value checked and dropped.
struct Skip;

/// An object key: borrowed from the text when it has no escape.
struct Key;

impl<'de> DeserializeSeed<'de> for Full<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor(None, self.0))
    }
}

impl<'de> DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let keep = (!self.0.whole).then_some(self.0);
        d.deserialize_any(ValueVisitor(keep, None))
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// Builds a value; with `Some(paths)`, an object keeps only the keys of `paths`; with
/// `Some(strings)`, its strings and keys come from there.
struct ValueVisitor<'a, 's>(
    Option<&'a JsonPaths>,
    Option<&'s mut (dyn SharedStrings + 'static)>,
);

impl ValueVisitor<'_, '_> {
    fn string(&mut self, s: &str) -> Str {
        match &mut self.1 {
            Some(strings) => strings.get(s),
            None => Arc::from(s),
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor<'_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Long(i))
    }
    // As `from_json`: an integer beyond i64 is a real.
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::Real(u as f64), Value::Long))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Real(f))
    }
    fn visit_str<E: de::Error>(mut self, s: &str) -> Result<Value, E> {
        Ok(Value::String(self.string(s)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        // An array is kept whole, pruned or not (an index reads any element).
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Full(self.1.as_deref_mut()))? {
            items.push(v);
        }
        Ok(Value::array(items))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut bag = Bag::default();
        while let Some(k) = map.next_key_seed(Key)? {
            let (k, v) = match self.0 {
                None => (
                    self.string(&k),
                    map.next_value_seed(Full(self.1.as_deref_mut()))?,
                ),
                // A kept key is the tree's own (shared, not allocated per row).
                Some(paths) => match paths.child(&k) {
                    Some((key, sub)) => (key.clone(), map.next_value_seed(Pruned(sub))?),
                    None => {
                        map.next_value_seed(Skip)?;
                        continue;
                    }
                },
            };
            // A repeated key: the last value, at the first one's place (as serde_json's
            // ordered map does).
            bag.insert(k, v);
        }
        Ok(Value::bag(bag))
    }
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // `deserialize_any`, not `deserialize_ignored_any`: serde_json skips the latter
        // without its nesting limit, and the text must fail exactly where the full
        // parse fails.
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_order_and_types() {
        let text = r#"{"b":1,"a":[1.5,"x",null,true,{"c":-2}],"big":18446744073709551615}"#;
        let v = parse_json_text(text).unwrap();
        let Value::Bag(b) = &v else {
            panic!("not a bag")
        };
        assert_eq!(
            b.keys().map(|k| &**k).collect::<Vec<_>>(),
            ["b", "a", "big"]
        );
        assert!(matches!(b["b"], Value::Long(1)));
        assert!(matches!(b["big"], Value::Real(_)));
        assert_eq!(
            serde_json::to_string(&to_json(&v)).unwrap(),
            r#"{"b":1,"a":[1.5,"x",null,true,{"c":-2}],"big":1.8446744073709552e+19}"#
        );
    }

    /// Texts every parse must agree on: numbers at every edge, escapes, repeated keys,
    /// nesting at serde_json's limit of 128 (in a kept part and in a skipped one),
    /// invalid text of every kind.
    fn nasty_texts() -> Vec<String> {
        let mut t: Vec<String> = [
            r#"{"score":65,"geo":{"country":"BR","city":"Sao Paulo"},"flags":["a","b"]}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"geo":{"country":"A"},"geo":5}"#,
            r#"{"geo":5,"geo":{"country":"B","x":1}}"#,
            r#"{"geo":[{"country":"C"}],"score":"12"}"#,
            r#"{"a b":1,"a\u0020b":2,"":3,"\u00e9":4,"é":5}"#,
            r#"{"score":9223372036854775807,"x":9223372036854775808}"#,
            r#"{"score":18446744073709551615,"geo":18446744073709551616}"#,
            r#"{"score":-9223372036854775808,"geo":-9223372036854775809}"#,
            r#"{"score":-0,"geo":-0.0,"c":1.0,"d":1e2,"e":1E-2,"f":0.1e1}"#,
            r#"{"score":1e400}"#,
            r#"{"x":1e400,"score":1}"#,
            r#"{"score":01}"#,
            r#"{"x":"\ud800","score":1}"#,
            r#"{"x":"\ud83d\ude00","score":"\ud83d\ude00"}"#,
            r#"{"x":"\q","score":1}"#,
            r#"{"score":1,}"#,
            r#"{"score":1} x"#,
            r#"{"score":1} "#,
            "\u{feff}{\"score\":1}",
            r#"{"score":NaN}"#,
            r#"{'score':1}"#,
            r#"{"score":1"#,
            r#"{"x":{"y":[1,2,{"z":null}]},"score":true}"#,
            r#"[1,{"score":2}]"#,
            r#""just a string""#,
            "12",
            "null",
            "true",
            "",
            "{}",
            "[]",
            r#"{"geo":{},"score":{}}"#,
            r#"{"geo":{"country":{"deep":[1]}}}"#,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for depth in [126, 127, 128, 129, 200] {
            let open = "[".repeat(depth);
            let close = "]".repeat(depth);
            // Skipped, kept, and a deep object under a kept key.
            t.push(format!(r#"{{"x":{open}{close},"score":1}}"#));
            t.push(format!(r#"{{"score":{open}{close}}}"#));
            let obj = r#"{"country":"#.repeat(depth) + "1" + &"}".repeat(depth);
            t.push(format!(r#"{{"geo":{obj},"x":2}}"#));
        }
        t
    }

    fn text_of(v: &Option<Value>) -> String {
        format!("{v:?}")
    }

    #[test]
    fn the_direct_parse_is_serde_json_s_value_converted() {
        for t in nasty_texts() {
            let want = serde_json::from_str::<J>(&t).ok().map(|j| from_json(&j));
            assert_eq!(text_of(&parse_json_text(&t)), text_of(&want), "{t}");
            assert_eq!(
                text_of(&parse_json_slice(t.as_bytes())),
                text_of(&want),
                "{t}"
            );
        }
        // Bytes that are not UTF-8, in a string and outside one.
        for b in [
            &b"[\"\xff\"]"[..],
            b"[1,\xff]",
            b"{\"a\xc3\":1}",
            b"[\"\xc3\xa9\"]",
        ] {
            let want = serde_json::from_slice::<J>(b).ok().map(|j| from_json(&j));
            assert_eq!(text_of(&parse_json_slice(b)), text_of(&want), "{b:?}");
        }
        // The nesting cases straddle the limit: a skipped part too deep fails the text.
        let deep = |n: usize| format!(r#"{{"x":{}{},"score":1}}"#, "[".repeat(n), "]".repeat(n));
        let score = JsonPaths {
            whole: false,
            keys: vec![(Arc::from("score"), JsonPaths::whole())],
        };
        assert!(parse_json_paths(&deep(126), &score).is_some());
        assert!(parse_json_paths(&deep(200), &score).is_none());
    }

    /// Reads `path` the way `d.k` / `d['k']` do.
    fn read(v: &Value, path: &[&str]) -> Value {
        path.iter().fold(v.clone(), |v, k| match &v {
            Value::Bag(b) => b.get(*k).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        })
    }

    /// The sets of member paths the partial-parse tests read (the nasty texts' keys,
    /// missing ones, a whole value).
    const PATH_SETS: &[&[&[&str]]] = &[
        &[&["score"]],
        &[&["score"], &["geo", "country"]],
        &[&["geo"], &["geo", "country"]],
        &[&["geo", "country", "country"]],
        &[&["a b"], &[""], &["é"], &["a"]],
        &[&["x"], &["flags"]],
        &[&["missing", "deeper"]],
        &[&[]],
    ];

    /// The tree of a set of paths.
    fn paths_of(set: &[&[&str]]) -> JsonPaths {
        let mut paths = JsonPaths::default();
        for p in set {
            let keys: Vec<Str> = p.iter().map(|k| Arc::from(*k)).collect();
            paths.add(&keys);
        }
        paths
    }

    #[test]
    fn a_partial_parse_reads_the_same_at_every_path_it_keeps() {
        let path_sets = PATH_SETS;
        for t in nasty_texts() {
            let full = parse_json_text(&t);
            for set in path_sets {
                let paths = paths_of(set);
                let part = parse_json_paths(&t, &paths);
                assert_eq!(full.is_some(), part.is_some(), "{t} {set:?}");
                let (Some(full), Some(part)) = (&full, &part) else {
                    continue;
                };
                for p in *set {
                    for n in 0..=p.len() {
                        // Every prefix of a kept path that ends wholly (`geo`
                        // itself when `geo` is kept) reads the same.
                        if n < p.len() && !set.iter().any(|q| q[..] == p[..n]) {
                            continue;
                        }
                        assert_eq!(
                            format!("{:?}", read(full, &p[..n])),
                            format!("{:?}", read(part, &p[..n])),
                            "{t} {p:?}[..{n}]"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_hand_written_partial_parse_gives_what_serde_json_gives() {
        // Every text, with blanks around its tokens too, and every path set: where the
        // hand-written reading answers, it is the reference's value (keys in order), and
        // it answers for the plain texts.
        let path_sets = PATH_SETS;
        let mut answered = 0;
        for t in nasty_texts() {
            let spaced = t
                .replace(':', " : ")
                .replace(',', "\n,\t")
                .replace('{', "{ ");
            for t in [t, spaced] {
                for set in path_sets {
                    let paths = paths_of(set);
                    let want = parse_json_paths(&t, &paths);
                    if let Some(v) = crate::io::cursor::pruned_value(t.as_bytes(), &paths) {
                        answered += 1;
                        assert_eq!(format!("{want:?}"), format!("{:?}", Some(v)), "{t} {set:?}");
                    }
                }
            }
        }
        assert!(answered > 300, "answered {answered}");
        let geo = JsonPaths {
            whole: false,
            keys: vec![(Arc::from("geo"), JsonPaths::whole())],
        };
        let plain = r#"{"app":"Edge","score":65,"geo":{"country":"BR"},"flags":["a"]}"#;
        assert!(crate::io::cursor::pruned_value(plain.as_bytes(), &geo).is_some());
    }

    #[test]
    fn path_trees_merge_and_a_whole_need_absorbs_its_paths() {
        let k = |s: &str| -> Str { Arc::from(s) };
        let mut a = JsonPaths::default();
        a.add(&[k("geo"), k("country")]);
        a.add(&[k("score")]);
        a.add(&[k("geo"), k("city")]);
        assert_eq!(a.keys.len(), 2);
        assert_eq!(a.keys[0].1.keys.len(), 2);
        a.add(&[k("geo")]);
        assert!(a.keys[0].1.whole && a.keys[0].1.keys.is_empty());
        let mut b = JsonPaths::default();
        b.merge(&a);
        assert_eq!(a, b);
        b.add(&[]);
        assert_eq!(b, JsonPaths::whole());
    }

    #[test]
    fn special_reals_become_strings() {
        assert_eq!(to_json(&Value::Real(f64::NAN)), J::String("NaN".into()));
        assert_eq!(
            to_json(&Value::Real(f64::NEG_INFINITY)),
            J::String("-Infinity".into())
        );
        assert_eq!(
            to_json(&Value::TimeSpan(36_000_000_000)),
            J::String("01:00:00".into())
        );
    }

    /// Strings kept by their text (as a reader's interner keeps them).
    #[derive(Default)]
    struct Kept(std::collections::HashMap<String, Str>);

    impl SharedStrings for Kept {
        fn get(&mut self, s: &str) -> Str {
            self.0
                .entry(s.to_string())
                .or_insert_with(|| Arc::from(s))
                .clone()
        }
    }

    #[test]
    fn shared_strings_give_the_same_values_and_share_repeats() {
        let mut kept = Kept::default();
        for text in [
            r#"["t1","t2","t1",null,3,4.5,true,{"a":"t1","b":["t2",{"a":1}]},"\u00e9"]"#,
            r#"{"k":"v","k":"w","n":{"k":[]}}"#,
            r#""plain""#,
            "[]",
        ] {
            let plain = parse_json_slice(text.as_bytes()).expect("valid JSON");
            let shared = parse_json_slice_with(text.as_bytes(), &mut kept).expect("valid JSON");
            assert_eq!(plain, shared, "{text}");
        }
        // Invalid text is invalid either way.
        for text in [r#"["t1","#, r#"{"a":}"#] {
            assert_eq!(
                parse_json_slice_with(text.as_bytes(), &mut kept),
                None,
                "{text}"
            );
        }
        let Some(Value::Array(a)) = parse_json_slice_with(br#"["t9","t9"]"#, &mut kept) else {
            panic!("an array");
        };
        match (&a[0], &a[1]) {
            (Value::String(x), Value::String(y)) => assert!(Arc::ptr_eq(x, y)),
            other => panic!("two strings, got {other:?}"),
        }
    }
}
