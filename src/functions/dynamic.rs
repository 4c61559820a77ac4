//! Functions over dynamic values: arrays, property bags and sets.
//!
//! A function that expects an array and receives anything else (a bag, a scalar, null)
//! gives null, as Kusto does for `array_length`.

use super::ops::{arith, values_equal, Arith};
use super::{num_i64, pure, sig, text, Bound, FnError};
use super::{ArgInfo, Want};
use crate::types::Type;
use crate::value::{compare, Bag, Value};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "array_length",
    "pack_array",
    "bag_pack",
    "pack",
    "pack_dictionary",
    "bag_keys",
    "bag_merge",
    "bag_remove_keys",
    "bag_has_key",
    "array_concat",
    "array_slice",
    "array_sort_asc",
    "array_sort_desc",
    "array_index_of",
    "array_reverse",
    "set_has_element",
    "set_union",
    "set_intersect",
    "set_difference",
    "array_sum",
    "array_split",
    "array_shift_left",
    "array_shift_right",
    "array_rotate_left",
    "array_rotate_right",
    "zip",
    "range",
    "bag_zip",
    "bag_set_key",
    "jaccard_index",
    "array_iff",
    "array_iif",
    "extract_json",
    "extractjson",
];

fn arr(v: &Value) -> Option<&Arc<Vec<Value>>> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        "array_length" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Long, |a| {
                arr(&a[0]).map_or(Value::Null, |x| Value::Long(x.len() as i64))
            })
        }),
        "pack_array" => sig(name, args, 1, usize::MAX, &[Any]).and_then(|_| {
            super::ops::typed(Type::Dynamic, super::Kernel::PackArray, |a| {
                Value::array(a.to_vec())
            })
        }),
        "bag_pack" | "pack" | "pack_dictionary" => bind_pack(name, args),
        "bag_keys" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| match &a[0] {
                Value::Bag(b) => Value::array(b.keys().map(|k| Value::String(k.clone())).collect()),
                _ => Value::Null,
            })
        }),
        "bag_merge" => sig(name, args, 2, 64, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut out = Bag::default();
                for v in a {
                    if let Value::Bag(b) = v {
                        for (k, x) in b.iter() {
                            out.entry(k.clone()).or_insert_with(|| x.clone());
                        }
                    }
                }
                Value::bag(out)
            })
        }),
        "bag_remove_keys" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| match (&a[0], arr(&a[1])) {
                (Value::Bag(_), Some(keys)) => {
                    let mut out = a[0].clone();
                    for k in keys.iter() {
                        out = remove_path(&out, &key_path(&text(k)));
                    }
                    out
                }
                _ => Value::Null,
            })
        }),
        "bag_has_key" => sig(name, args, 2, 2, &[Dynamic, Str]).and_then(|_| {
            pure(Type::Bool, |a| match &a[0] {
                Value::Bag(_) => {
                    let path = key_path(&text(&a[1]));
                    let mut cur = &a[0];
                    for seg in &path {
                        match cur {
                            Value::Bag(b) => match b.get(seg.as_str()) {
                                Some(v) => cur = v,
                                None => return Value::Bool(false),
                            },
                            _ => return Value::Bool(false),
                        }
                    }
                    Value::Bool(true)
                }
                _ => Value::Null,
            })
        }),
        "array_concat" => sig(name, args, 1, 64, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let mut out = Vec::new();
                for v in a {
                    match arr(v) {
                        Some(x) => out.extend(x.iter().cloned()),
                        None => return Value::Null,
                    }
                }
                Value::array(out)
            })
        }),
        "array_slice" => sig(name, args, 3, 3, &[Dynamic, Integer, Integer]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let (Some(x), Some(s), Some(e)) = (arr(&a[0]), num_i64(&a[1]), num_i64(&a[2]))
                else {
                    return Value::Null;
                };
                let len = x.len() as i64;
                let s = if s < 0 { (len + s).max(0) } else { s };
                let e = if e < 0 { len + e } else { e.min(len - 1) };
                if s > e || s >= len {
                    return Value::array(vec![]);
                }
                Value::array(x[s as usize..=e as usize].to_vec())
            })
        }),
        "array_sort_asc" | "array_sort_desc" => bind_sort(name, args),
        "array_index_of" => sig(name, args, 2, 5, &[Dynamic, Any, Integer, Integer, Integer])
            .and_then(|_| {
                pure(Type::Long, |a| {
                    let Some(x) = arr(&a[0]) else {
                        return Value::Null;
                    };
                    let len = x.len() as i64;
                    let mut start = a.get(2).and_then(num_i64).unwrap_or(0);
                    if start < 0 {
                        start = (len + start).max(0);
                    }
                    let length = a.get(3).and_then(num_i64).unwrap_or(-1);
                    let end = if length < 0 {
                        len
                    } else {
                        start.saturating_add(length).min(len)
                    };
                    let occurrence = a.get(4).and_then(num_i64).unwrap_or(1);
                    let mut seen = 0;
                    for i in start..end {
                        if values_equal(&x[i as usize], &a[1]) {
                            seen += 1;
                            if seen == occurrence {
                                return Value::Long(i);
                            }
                        }
                    }
                    Value::Long(-1)
                })
            }),
        "array_reverse" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                arr(&a[0]).map_or(Value::Null, |x| {
                    Value::array(x.iter().rev().cloned().collect())
                })
            })
        }),
        "set_has_element" => sig(name, args, 2, 2, &[Dynamic, Any]).and_then(|_| {
            pure(Type::Bool, |a| match arr(&a[0]) {
                Some(x) => Value::Bool(x.iter().any(|v| values_equal(v, &a[1]))),
                None => Value::Null,
            })
        }),
        "set_union" | "set_intersect" | "set_difference" => bind_set(name, args),
        "array_sum" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Real, |a| {
                let Some(x) = arr(&a[0]) else {
                    return Value::Null;
                };
                let mut sum = 0.0;
                for v in x.iter() {
                    match super::num_f64(v) {
                        Some(f) => sum += f,
                        None => return Value::Null,
                    }
                }
                Value::Real(sum)
            })
        }),
        "array_split" => sig(name, args, 2, 2, &[Dynamic, Any]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Some(x) = arr(&a[0]) else {
                    return Value::Null;
                };
                let len = x.len() as i64;
                let idx: Vec<i64> = match &a[1] {
                    Value::Array(i) => i.iter().filter_map(num_i64).collect(),
                    v => num_i64(v).into_iter().collect(),
                };
                let mut cuts: Vec<usize> = idx
                    .iter()
                    .map(|i| (if *i < 0 { len + i } else { *i }).clamp(0, len) as usize)
                    .collect();
                cuts.sort_unstable();
                let mut out = Vec::new();
                let mut prev = 0;
                for c in cuts.into_iter().chain(std::iter::once(x.len())) {
                    out.push(Value::array(x[prev..c.max(prev)].to_vec()));
                    prev = c.max(prev);
                }
                Value::array(out)
            })
        }),
        "array_shift_left" | "array_shift_right" => sig(name, args, 2, 3, &[Dynamic, Integer, Any])
            .and_then(|_| {
                let left = name.ends_with("left");
                pure(Type::Dynamic, move |a| {
                    let (Some(x), Some(n)) = (arr(&a[0]), num_i64(&a[1])) else {
                        return Value::Null;
                    };
                    let fill = a.get(2).cloned().unwrap_or(Value::Null);
                    let len = x.len() as i64;
                    let shift = if left { n } else { n.saturating_neg() };
                    let out = (0..len)
                        .map(|i| {
                            let j = i.saturating_add(shift);
                            if (0..len).contains(&j) {
                                x[j as usize].clone()
                            } else {
                                fill.clone()
                            }
                        })
                        .collect();
                    Value::array(out)
                })
            }),
        "array_rotate_left" | "array_rotate_right" => sig(name, args, 2, 2, &[Dynamic, Integer])
            .and_then(|_| {
                let left = name.ends_with("left");
                pure(Type::Dynamic, move |a| {
                    let (Some(x), Some(n)) = (arr(&a[0]), num_i64(&a[1])) else {
                        return Value::Null;
                    };
                    if x.is_empty() {
                        return Value::array(vec![]);
                    }
                    let len = x.len() as i64;
                    let shift = (if left { n } else { n.wrapping_neg() }).rem_euclid(len);
                    Value::array(
                        (0..len)
                            .map(|i| x[((i + shift) % len) as usize].clone())
                            .collect(),
                    )
                })
            }),
        "zip" => sig(name, args, 2, 16, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let arrays: Option<Vec<&Arc<Vec<Value>>>> = a.iter().map(arr).collect();
                let Some(arrays) = arrays else {
                    return Value::Null;
                };
                let n = arrays.iter().map(|x| x.len()).max().unwrap_or(0);
                Value::array(
                    (0..n)
                        .map(|i| {
                            Value::array(
                                arrays
                                    .iter()
                                    .map(|x| x.get(i).cloned().unwrap_or(Value::Null))
                                    .collect(),
                            )
                        })
                        .collect(),
                )
            })
        }),
        "range" => bind_range(args),
        "array_iff" | "array_iif" => sig(name, args, 3, 3, &[Dynamic, Any, Any]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Some(cond) = arr(&a[0]) else {
                    return Value::Null;
                };
                let pick = |v: &Value, i: usize| match v {
                    Value::Array(x) => x.get(i).cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let out = cond
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        Value::Bool(true) => pick(&a[1], i),
                        Value::Bool(false) => pick(&a[2], i),
                        v if v.is_number() => {
                            if super::num_f64(v).is_some_and(|f| f != 0.0) {
                                pick(&a[1], i)
                            } else {
                                pick(&a[2], i)
                            }
                        }
                        _ => Value::Null,
                    })
                    .collect();
                Value::array(out)
            })
        }),
        "extract_json" | "extractjson" => bind_extract_json(name, args),
        "bag_zip" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            // Only the keys must be an array; missing values are null.
            pure(Type::Dynamic, |a| match arr(&a[0]) {
                Some(keys) => {
                    let vals = arr(&a[1]);
                    let mut b = Bag::default();
                    for (i, k) in keys.iter().enumerate() {
                        if let Value::String(k) = k {
                            let v = vals.and_then(|v| v.get(i)).cloned().unwrap_or(Value::Null);
                            b.insert(k.clone(), v);
                        }
                    }
                    Value::bag(b)
                }
                None => Value::Null,
            })
        }),
        "bag_set_key" => sig(name, args, 3, 3, &[Dynamic, Str, Any]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Value::Bag(_) = &a[0] else {
                    return Value::Null;
                };
                set_path(&a[0], &key_path(&text(&a[1])), &a[2])
            })
        }),
        "jaccard_index" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            pure(Type::Real, |a| match (arr(&a[0]), arr(&a[1])) {
                (Some(x), Some(y)) => {
                    let sx: HashSet<&Value> = x.iter().collect();
                    let sy: HashSet<&Value> = y.iter().collect();
                    let union = sx.union(&sy).count();
                    if union == 0 {
                        return Value::Real(f64::NAN);
                    }
                    Value::Real(sx.intersection(&sy).count() as f64 / union as f64)
                }
                _ => Value::Null,
            })
        }),
        _ => return None,
    })
}

/// The segments of a bag key: a plain key, or a JSONPath (`$.a.b`, `$['a']["b"]`).
fn key_path(k: &str) -> Vec<String> {
    let Some(rest) = k.strip_prefix('$') else {
        return vec![k.to_string()];
    };
    let mut out = Vec::new();
    let mut s = rest;
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(r[..end].to_string());
            s = &r[end..];
        } else if let Some(r) = s.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(r[..end].trim_matches(['\'', '"']).to_string());
            s = r.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    out
}

/// A copy of bag `v` with `value` set at `path` (intermediate bags are created).
fn set_path(v: &Value, path: &[String], value: &Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return value.clone();
    };
    let mut b = match v {
        Value::Bag(b) => (**b).clone(),
        _ => Bag::default(),
    };
    let inner = b.get(first.as_str()).cloned().unwrap_or(Value::Null);
    b.insert(Arc::from(first.as_str()), set_path(&inner, rest, value));
    Value::bag(b)
}

/// A copy of `v` without the key at `path` (unchanged when the path is absent).
fn remove_path(v: &Value, path: &[String]) -> Value {
    let (Value::Bag(b), Some((first, rest))) = (v, path.split_first()) else {
        return v.clone();
    };
    if !b.contains_key(first.as_str()) {
        return v.clone();
    }
    let out: Bag = b
        .iter()
        .filter(|(k, _)| !(rest.is_empty() && k.as_ref() == first.as_str()))
        .map(|(k, x)| {
            if k.as_ref() == first.as_str() {
                (k.clone(), remove_path(x, rest))
            } else {
                (k.clone(), x.clone())
            }
        })
        .collect();
    Value::bag(out)
}

/// `extract_json(path, text[, typeof(T)])`: a JSONPath (`$.a.b`, `$['a']`, `$.a[0]`)
/// into JSON text; the result is a string unless a type is given.
fn bind_extract_json(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 2, 3, &[Want::Str, Want::Any, Want::Any])?;
    let ty = match args.get(2) {
        None => Type::String,
        Some(a) => match a.constant {
            Some(Value::String(s)) => {
                Type::from_name(s).ok_or_else(|| FnError::Type(2, format!("unknown type `{s}`")))?
            }
            _ => return Err(FnError::Type(2, "expected typeof(T)".into())),
        },
    };
    pure(ty, move |a| {
        let doc = match &a[1] {
            Value::String(s) => match crate::value::parse_json_text(s) {
                Some(v) => v,
                None => return Value::null_of(ty),
            },
            other => other.clone(),
        };
        let mut cur = doc;
        for seg in json_path(&text(&a[0])) {
            cur = match seg {
                Seg::Key(k) => match &cur {
                    Value::Bag(b) => b.get(k.as_str()).cloned().unwrap_or(Value::Null),
                    _ => Value::Null,
                },
                Seg::Index(i) => super::ops::index_value(&cur, &Value::Long(i)),
            };
        }
        match (ty, &cur) {
            (_, Value::Null) => Value::null_of(ty),
            (Type::Dynamic, _) => cur,
            (Type::String, Value::String(_)) => cur,
            (_, Value::String(s)) => super::string::convert_text(s, ty),
            _ => super::string::convert_text(&super::text(&cur), ty),
        }
    })
}

enum Seg {
    Key(String),
    Index(i64),
}

fn json_path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut s = p.trim().strip_prefix('$').unwrap_or(p.trim());
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(Seg::Key(r[..end].to_string()));
            s = &r[end..];
        } else if let Some(r) = s.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let inner = r[..end].trim();
            match inner.parse::<i64>() {
                Ok(i) => out.push(Seg::Index(i)),
                Err(_) => out.push(Seg::Key(inner.trim_matches(['\'', '"']).to_string())),
            }
            s = r.get(end + 1..).unwrap_or("");
        } else {
            break;
        }
    }
    out
}

fn bind_pack(name: &str, args: &[ArgInfo]) -> Bound {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(FnError::Arity(format!(
            "`{name}` expects key/value pairs (an even count of arguments), got {}",
            args.len()
        )));
    }
    for i in (0..args.len()).step_by(2) {
        super::expect(name, args, i, Want::Str)?;
    }
    pure(Type::Dynamic, |a| {
        let mut b = Bag::with_capacity_and_hasher(a.len() / 2, Default::default());
        for kv in a.chunks(2) {
            b.insert(Arc::from(text(&kv[0]).as_ref()), kv[1].clone());
        }
        Value::bag(b)
    })
}

/// `array_sort_asc(a1[, a2, ...][, nulls_last])`: sorts a1; with several arrays, each
/// other array is reordered as a1 was (null where its length differs from a1's) and
/// the result is the array of the reordered arrays (the binder gives each its own
/// column, see [`tuple_outputs`](super::tuple_outputs)).
fn bind_sort(name: &str, args: &[ArgInfo]) -> Bound {
    super::arity(name, args, 1, usize::MAX)?;
    let nulls_arg = args.len() >= 2 && args.last().is_some_and(|a| a.ty == Type::Bool);
    let arrays = args.len() - nulls_arg as usize;
    let desc = name.ends_with("desc");
    pure(Type::Dynamic, move |a| {
        let nulls_last = if nulls_arg {
            a.last().and_then(Value::as_bool).unwrap_or(true)
        } else {
            true
        };
        let Some(x) = arr(&a[0]) else {
            return if arrays > 1 {
                Value::array(vec![Value::Null; arrays])
            } else {
                Value::Null
            };
        };
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&i, &j| sort_order(&x[i], &x[j], desc, nulls_last));
        let reorder = |v: &Value| match arr(v) {
            Some(y) if y.len() == x.len() => {
                Value::array(order.iter().map(|&i| y[i].clone()).collect())
            }
            _ => Value::Null,
        };
        if arrays == 1 {
            return reorder(&a[0]);
        }
        Value::array(a[..arrays].iter().map(reorder).collect())
    })
}

fn sort_order(p: &Value, q: &Value, desc: bool, nulls_last: bool) -> Ordering {
    match (p.is_null(), q.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) if nulls_last => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, true) if nulls_last => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => {
            let o = compare(p, q);
            if desc {
                o.reverse()
            } else {
                o
            }
        }
    }
}

fn bind_set(name: &str, args: &[ArgInfo]) -> Bound {
    sig(name, args, 2, 64, &[Want::Dynamic])?;
    let kind = match name {
        "set_union" => 0,
        "set_intersect" => 1,
        _ => 2,
    };
    pure(Type::Dynamic, move |a| {
        let arrays: Option<Vec<&Arc<Vec<Value>>>> = a.iter().map(arr).collect();
        let Some(arrays) = arrays else {
            return Value::Null;
        };
        let mut seen: HashSet<&Value> = HashSet::new();
        let mut out = Vec::new();
        match kind {
            0 => {
                for x in &arrays {
                    for v in x.iter() {
                        if seen.insert(v) {
                            out.push(v.clone());
                        }
                    }
                }
            }
            1 => {
                let others: Vec<HashSet<&Value>> =
                    arrays[1..].iter().map(|x| x.iter().collect()).collect();
                for v in arrays[0].iter() {
                    if others.iter().all(|s| s.contains(v)) && seen.insert(v) {
                        out.push(v.clone());
                    }
                }
            }
            _ => {
                let others: HashSet<&Value> = arrays[1..].iter().flat_map(|x| x.iter()).collect();
                for v in arrays[0].iter() {
                    if !others.contains(v) && seen.insert(v) {
                        out.push(v.clone());
                    }
                }
            }
        }
        Value::array(out)
    })
}

const RANGE_MAX: usize = 1 << 20;

fn bind_range(args: &[ArgInfo]) -> Bound {
    super::arity("range", args, 2, 3)?;
    pure(Type::Dynamic, |a| {
        let step = match a.get(2) {
            Some(s) => s.clone(),
            None => match &a[0] {
                Value::DateTime(_) | Value::TimeSpan(_) => {
                    Value::TimeSpan(crate::value::TICKS_PER_HOUR)
                }
                _ => Value::Long(1),
            },
        };
        let mut out = Vec::new();
        let mut cur = a[0].clone();
        let ascending = match super::ops::order(&step, &arith(Arith::Sub, &step, &step)) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Less) => false,
            _ => return Value::Null,
        };
        while out.len() < RANGE_MAX {
            match super::ops::order(&cur, &a[1]) {
                Some(Ordering::Greater) if ascending => break,
                Some(Ordering::Less) if !ascending => break,
                None => break,
                _ => {}
            }
            out.push(cur.clone());
            cur = arith(Arith::Add, &cur, &step);
        }
        Value::array(out)
    })
}
