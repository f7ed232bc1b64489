//! A first pass that finds every unknown key at once.
//!
//! serde stops at the first unknown key, so a file with three typos would
//! take three runs to fix. Before the typed parse, the YAML is read as a
//! plain tree of spanned nodes and every mapping with a fixed set of keys is
//! checked against the keys the wire structs accept. Those key lists are
//! read from the wire structs themselves (serde hands them to
//! `deserialize_struct`), so they cannot drift apart from the parser.

use crate::diag::{Diagnostic, did_you_mean};
use crate::wire::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;

/// A YAML node, kept only as deep as the key check needs.
pub(crate) enum Node {
    /// A mapping, keys with their places.
    Map(Vec<(Spanned<Key>, Node)>),
    /// Anything else: a sequence (no fixed keys live in one), a scalar, null.
    Scalar,
}

/// A mapping key as text (numbers and booleans included).
pub(crate) struct Key(pub String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("null".to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = m.next_key::<Spanned<Key>>()? {
                    entries.push((k, m.next_value::<Node>()?));
                }
                Ok(Node::Map(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Node, A::Error> {
                while s.next_element::<Node>()?.is_some() {}
                Ok(Node::Scalar)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

/// The places in the file whose keys are fixed (the wire structs), and the
/// free mappings between them (names of sources, fields, targets).
#[derive(Clone, Copy)]
enum Shape {
    Top,
    Sources,
    Source,
    Complete,
    Export,
    RateLimit,
    Match,
    Fields,
    Field,
    Targets,
    Transform,
    Tax,
    Guards,
    Schedule,
    Free,
}

impl Shape {
    /// The accepted keys, when this place has a fixed set.
    fn keys(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Shape::Top => struct_fields::<WireRules>(),
            Shape::Source => struct_fields::<WireSource>(),
            Shape::Complete => struct_fields::<WireComplete>(),
            Shape::Export => struct_fields::<WireExport>(),
            Shape::RateLimit => struct_fields::<WireRateLimit>(),
            Shape::Match => struct_fields::<WireMatch>(),
            Shape::Field => struct_fields::<WireField>(),
            Shape::Transform => struct_fields::<WireTransform>(),
            Shape::Tax => struct_fields::<WireTax>(),
            Shape::Guards => struct_fields::<WireGuards>(),
            Shape::Schedule => struct_fields::<WireSchedule>(),
            Shape::Sources | Shape::Fields | Shape::Targets | Shape::Free => return None,
        })
    }

    /// The shape of the value under `key`.
    fn child(self, key: &str) -> Shape {
        match (self, key) {
            (Shape::Top, "sources") => Shape::Sources,
            (Shape::Top, "match") => Shape::Match,
            (Shape::Top, "fields") => Shape::Fields,
            (Shape::Top, "guards") => Shape::Guards,
            (Shape::Top, "schedule") => Shape::Schedule,
            (Shape::Sources, _) => Shape::Source,
            (Shape::Source, "complete") => Shape::Complete,
            (Shape::Source, "export") => Shape::Export,
            (Shape::Source, "rate_limit") => Shape::RateLimit,
            (Shape::Fields, _) => Shape::Field,
            (Shape::Field, "targets") => Shape::Targets,
            (Shape::Targets, _) => Shape::Transform,
            (Shape::Transform, "tax") => Shape::Tax,
            _ => Shape::Free,
        }
    }
}

/// Every unknown key in the document, in file order.
pub(crate) fn unknown_keys(file: &Path, root: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(file, root, Shape::Top, &mut out);
    out
}

fn walk(file: &Path, node: &Node, shape: Shape, out: &mut Vec<Diagnostic>) {
    let Node::Map(entries) = node else {
        return;
    };
    let keys = shape.keys();
    for (k, v) in entries {
        if let Some(keys) = keys
            && !keys.contains(&k.value.0.as_str())
        {
            out.push(
                Diagnostic::new(
                    file,
                    k.referenced.line(),
                    k.referenced.column(),
                    format!("unknown key `{}`", k.value.0),
                )
                .with_help(did_you_mean(&k.value.0, keys, "keys here")),
            );
            continue;
        }
        walk(file, v, shape.child(&k.value.0), out);
    }
}

/// The dotted path of the key that owns the value at `line:column` (for
/// type errors, which serde reports with a place but without a path): the
/// last key before that place, in document order, that sits on the same line
/// or to its left.
pub(crate) fn path_at(root: &Node, line: u64, column: u64) -> Option<String> {
    let mut keys = Vec::new();
    collect(root, "", &mut keys);
    keys.into_iter()
        .rfind(|(l, c, _)| (*l == line && *c <= column) || (*l < line && *c < column))
        .map(|(_, _, p)| p)
}

fn collect(node: &Node, prefix: &str, out: &mut Vec<(u64, u64, String)>) {
    let Node::Map(entries) = node else {
        return;
    };
    for (k, v) in entries {
        let path = if prefix.is_empty() {
            k.value.0.clone()
        } else {
            format!("{prefix}.{}", k.value.0)
        };
        out.push((k.referenced.line(), k.referenced.column(), path.clone()));
        collect(v, &path, out);
    }
}

/// The field names serde's derive gives `deserialize_struct` for `T`.
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut grab = Grab(&[]);
    let _ = T::deserialize(&mut grab);
    grab.0
}

/// A deserializer that only records the struct field list it is asked for.
struct Grab(&'static [&'static str]);

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for &mut Grab {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0 = fields;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lists_come_from_the_wire_structs() {
        assert_eq!(Shape::Schedule.keys(), Some(&["every", "cron"][..]));
        assert!(
            Shape::Source
                .keys()
                .is_some_and(|k| k.contains(&"absolute_stock"))
        );
        assert!(Shape::Top.keys().is_some_and(|k| k.contains(&"match")));
    }
}
