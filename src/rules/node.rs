//! A policy file as a tree of spanned TOML values, and the serde `Deserializer` over that tree
//! that the syntax layer ([`super::syntax`]) is read with. It owns two things serde and `toml`
//! do not give together:
//!
//! - **a span on every node**, so a refusal anywhere — an unknown key three tables deep, a bad
//!   amount inside a case of a piecewise formula — points at its own line. (`toml`'s own
//!   deserializer keeps spans too, but serde's `#[serde(tag = "…")]` and `untagged` enums buffer
//!   their content and drop them: a `Spanned<T>` inside one fails to deserialize.)
//! - **how a policy file names an enum's variant.** An enum whose serde name reads
//!   `"<noun> by kind"` is *tagged*: the table's `kind` key names the variant and the other keys
//!   are its fields (`{ kind = "rate", base = …, rate = … }`). One named `"<noun> by key"` is
//!   *keyed*: the first of its variants (in declaration order) whose name is a key of the table
//!   is chosen and the whole table is its content (`{ scale = A, by = "10%" }` is `scale`);
//!   `"<noun> by key, else <variant>"` falls back to that variant when no key names one; a
//!   scalar chooses the variant named by its TOML type (`string`, `integer` …) when there is one.
//!   Any other enum is a closed set written as a string (`method = "pro_rata"`).
//!
//! Refusals are [`SyntaxError`]s with the loader's own wording (serde's defaults name Rust
//! types); a struct's serde name is the noun its messages use (`"a bracket"`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde_spanned::de::{is_spanned, SpannedDeserializer};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// What went wrong, before it is rendered (so a tagged table can add its tag to the keys it
/// accepts, and a struct its noun to a missing key).
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Message(String),
    UnknownKey {
        key: String,
        expected: Vec<&'static str>,
    },
    Missing(&'static str),
    /// A closed set's value that is none of its names; `key` is the key it was written under.
    UnknownName {
        key: Option<String>,
        value: String,
        expected: &'static [&'static str],
    },
}

/// A refusal while reading a policy file's syntax, at the span of the node it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    problem: Problem,
    span: Option<Range<usize>>,
}

impl SyntaxError {
    /// A refusal at a span the caller knows (used by the syntax layer's own checks).
    pub fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            problem: Problem::Message(message.into()),
            span: Some(span),
        }
    }

    /// Byte offset of the node the refusal is about (0 when unknown).
    pub fn offset(&self) -> usize {
        self.span.as_ref().map_or(0, |s| s.start)
    }

    /// Attaches the span of the node being read unless an inner node already gave its own.
    fn at(mut self, span: &Range<usize>) -> Self {
        if self.span.is_none() {
            self.span = Some(span.clone());
        }
        self
    }

    /// A missing key raised at this level is worded with the table's noun.
    fn missing_in(self, noun: &str) -> Self {
        match self.problem {
            Problem::Missing(key) if self.span.is_none() && !noun.is_empty() => {
                Self::msg(format!("{noun} needs `{key}`"))
            }
            _ => self,
        }
    }

    fn msg(message: impl Into<String>) -> Self {
        Self {
            problem: Problem::Message(message.into()),
            span: None,
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Message(m) => f.write_str(m),
            Problem::UnknownKey { key, expected } => write!(
                f,
                "unknown key `{key}` here; expected one of: {}",
                expected.join(", ")
            ),
            Problem::Missing(key) => write!(f, "`{key}` is missing here"),
            Problem::UnknownName {
                key,
                value,
                expected,
            } => {
                if let Some(key) = key {
                    write!(f, "{key} ")?;
                }
                write!(f, "`{value}` is not one of: {}", expected.join(", "))
            }
        }
    }
}

impl std::error::Error for SyntaxError {}

impl de::Error for SyntaxError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::msg(msg.to_string())
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self {
            problem: Problem::UnknownKey {
                key: field.to_string(),
                expected: expected.to_vec(),
            },
            span: None,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            problem: Problem::Missing(field),
            span: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self {
            problem: Problem::UnknownName {
                key: None,
                value: variant.to_string(),
                expected,
            },
            span: None,
        }
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        match unexp {
            Unexpected::Float(v) => Self::msg(float_refused(v)),
            _ => Self::msg(format!("expected {exp}, found {unexp}")),
        }
    }
}

/// TOML floats are binary: no amount, rate or count is read from one.
pub fn float_refused(v: f64) -> String {
    format!("{v} is a TOML float, which is inexact; write it as a string: \"{v}\"")
}

/// One value of the file with its span (byte range).
pub struct Node<'i> {
    value: DeValue<'i>,
    span: Range<usize>,
}

impl<'i> From<Spanned<DeValue<'i>>> for Node<'i> {
    fn from(s: Spanned<DeValue<'i>>) -> Self {
        let span = s.span();
        Node {
            value: s.into_inner(),
            span,
        }
    }
}

impl<'i> Node<'i> {
    /// Parses a whole document; a TOML syntax error keeps its span.
    pub fn parse(text: &'i str) -> Result<Self, SyntaxError> {
        let table = DeTable::parse(text).map_err(|e| SyntaxError {
            problem: Problem::Message(e.message().trim_end().to_string()),
            span: e.span(),
        })?;
        let span = table.span();
        Ok(Node {
            value: DeValue::Table(table.into_inner()),
            span,
        })
    }

    /// Where each top-level table of the file starts, with the string it has under `key` when
    /// it is an item of the array of tables `array` (`[[rule]]` and its `id`): a refusal inside
    /// a rule names it. A header's span covers the header, so the table holding an offset is
    /// the last one starting before it (sub-tables such as `[rule.formula]` are not top-level).
    pub fn tables_named(&self, array: &str, key: &str) -> Vec<(usize, Option<String>)> {
        let DeValue::Table(t) = &self.value else {
            return Vec::new();
        };
        let mut starts = Vec::new();
        for (name, value) in t {
            let items: Vec<&Spanned<DeValue>> = match value.get_ref() {
                DeValue::Array(items) => items.iter().collect(),
                DeValue::Table(_) => vec![value],
                _ => continue,
            };
            for item in items {
                let id = (name.get_ref() == array)
                    .then(|| {
                        item.get_ref()
                            .get(key)?
                            .get_ref()
                            .as_str()
                            .map(str::to_string)
                    })
                    .flatten();
                starts.push((item.span().start, id));
            }
        }
        starts.sort();
        starts
    }
}

/// The name (under `key`) of the table [`Node::tables_named`] found holding `offset`.
pub fn table_at(starts: &[(usize, Option<String>)], offset: usize) -> Option<&str> {
    starts
        .iter()
        .take_while(|(start, _)| *start <= offset)
        .last()
        .and_then(|(_, id)| id.as_deref())
}

/// The TOML type of a value, as a keyed enum's scalar variant is named.
fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "string",
        DeValue::Integer(_) => "integer",
        DeValue::Float(_) => "float",
        DeValue::Boolean(_) => "boolean",
        DeValue::Datetime(_) => "datetime",
        DeValue::Array(_) => "array",
        DeValue::Table(_) => "table",
    }
}

const SCALARS: [&str; 6] = ["string", "integer", "float", "boolean", "datetime", "array"];

/// How an enum's variant is named in the file (see the module docs).
enum Dispatch {
    Plain,
    Tag {
        noun: &'static str,
        tag: &'static str,
    },
    Key {
        noun: &'static str,
        otherwise: Option<&'static str>,
    },
}

impl Dispatch {
    fn of(name: &'static str) -> Self {
        let Some((noun, rule)) = name.split_once(" by ") else {
            return Dispatch::Plain;
        };
        match rule.split_once(", else ") {
            Some(("key", otherwise)) => Dispatch::Key {
                noun,
                otherwise: Some(otherwise),
            },
            None if rule == "key" => Dispatch::Key {
                noun,
                otherwise: None,
            },
            _ => Dispatch::Tag { noun, tag: rule },
        }
    }
}

impl<'de> Node<'de> {
    fn table_struct<V: Visitor<'de>>(
        self,
        noun: &str,
        tag: Option<&'static str>,
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        let span = self.span.clone();
        match self.value {
            DeValue::Table(t) => visitor
                .visit_map(Entries::new(t, tag))
                .map_err(|e| e.missing_in(noun).at(&span)),
            other => Err(SyntaxError::new(
                format!("{noun} must be a table, found {}", type_name(&other)),
                span,
            )),
        }
    }

    fn tagged<V: Visitor<'de>>(
        self,
        noun: &'static str,
        tag: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        let span = self.span;
        let kinds = variants.join(", ");
        let DeValue::Table(mut table) = self.value else {
            return Err(SyntaxError::new(
                format!("{noun} must be a table with `{tag}` (one of: {kinds})"),
                span,
            ));
        };
        let Some((_, name)) = table.remove_entry(tag) else {
            return Err(SyntaxError::new(
                format!("{noun} needs `{tag}`; {tag}s are {kinds}"),
                span,
            ));
        };
        let name_span = name.span();
        let Some(chosen) = name
            .get_ref()
            .as_str()
            .and_then(|n| variants.iter().find(|v| **v == n))
        else {
            let written = match name.get_ref() {
                DeValue::String(s) => s.to_string(),
                other => type_name(other).to_string(),
            };
            return Err(SyntaxError::new(
                format!("unknown {noun} {tag} `{written}`; {tag}s are {kinds}"),
                name_span,
            ));
        };
        visitor.visit_enum(Chosen {
            name: chosen,
            noun,
            tag: Some(tag),
            content: Node {
                value: DeValue::Table(table),
                span,
            },
        })
    }

    fn keyed<V: Visitor<'de>>(
        self,
        noun: &'static str,
        otherwise: Option<&'static str>,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        let chosen = match &self.value {
            DeValue::Table(t) => variants
                .iter()
                .find(|v| t.contains_key(**v))
                .copied()
                .or(otherwise),
            scalar => variants.iter().find(|v| **v == type_name(scalar)).copied(),
        };
        let Some(name) = chosen else {
            let markers: Vec<&str> = variants
                .iter()
                .filter(|v| !SCALARS.contains(v) && Some(**v) != otherwise)
                .copied()
                .collect();
            let message = match &self.value {
                DeValue::Table(_) => {
                    format!("{noun} is a table with one of: {}", markers.join(", "))
                }
                DeValue::Float(f) => {
                    let what = noun.trim_start_matches("an ").trim_start_matches("a ");
                    format!(
                        "{what} {}",
                        float_refused(f.as_str().parse().unwrap_or(f64::NAN))
                    )
                }
                other => format!("{noun} must be a table, found {}", type_name(other)),
            };
            return Err(SyntaxError::new(message, self.span));
        };
        visitor.visit_enum(Chosen {
            name,
            noun,
            tag: None,
            content: self,
        })
    }
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = SyntaxError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SyntaxError> {
        let span = self.span;
        match self.value {
            DeValue::String(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            DeValue::String(Cow::Owned(s)) => visitor.visit_string(s),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(v) => visitor.visit_i64(v),
                Err(_) => Err(SyntaxError::msg(format!("integer {i} is out of range"))),
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                Ok(v) => visitor.visit_f64(v),
                Err(_) => Err(SyntaxError::msg(format!("float {f} is out of range"))),
            },
            DeValue::Boolean(b) => visitor.visit_bool(b),
            DeValue::Datetime(d) => visitor.visit_string(d.to_string()),
            DeValue::Array(a) => visitor.visit_seq(Items {
                iter: a.into_iter(),
            }),
            DeValue::Table(t) => visitor.visit_map(Entries::new(t, None)),
        }
        .map_err(|e| e.at(&span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SyntaxError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        if is_spanned(name) {
            let span = self.span.clone();
            return visitor
                .visit_map(SpannedDeserializer::new(self, span.clone()))
                .map_err(|e| e.at(&span));
        }
        self.table_struct(name, None, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        match Dispatch::of(name) {
            Dispatch::Tag { noun, tag } => self.tagged(noun, tag, variants, visitor),
            Dispatch::Key { noun, otherwise } => self.keyed(noun, otherwise, variants, visitor),
            Dispatch::Plain => {
                let span = self.span;
                match self.value {
                    DeValue::String(s) => visitor
                        .visit_enum(s.into_owned().into_deserializer())
                        .map_err(|e: SyntaxError| e.at(&span)),
                    other => Err(SyntaxError::new(
                        format!(
                            "expected one of: {}; found {}",
                            variants.join(", "),
                            type_name(&other)
                        ),
                        span,
                    )),
                }
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, SyntaxError> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// The entries of a table; `tag` is the key a tagged enum already read (it is listed among
/// the keys the table accepts).
struct Entries<'i> {
    iter: <DeTable<'i> as IntoIterator>::IntoIter,
    value: Option<(String, Node<'i>)>,
    tag: Option<&'static str>,
}

impl<'i> Entries<'i> {
    fn new(t: DeTable<'i>, tag: Option<&'static str>) -> Self {
        Entries {
            iter: t.into_iter(),
            value: None,
            tag,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = SyntaxError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SyntaxError> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some((key.get_ref().to_string(), value.into()));
        let span = key.span();
        let key = Node {
            value: DeValue::String(key.into_inner()),
            span: span.clone(),
        };
        seed.deserialize(key).map(Some).map_err(|mut e| {
            if let (Problem::UnknownKey { expected, .. }, Some(tag)) = (&mut e.problem, self.tag) {
                expected.insert(0, tag);
            }
            e.at(&span)
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, SyntaxError> {
        let Some((key, node)) = self.value.take() else {
            return Err(SyntaxError::msg("a value without its key"));
        };
        seed.deserialize(node).map_err(|mut e| {
            if let Problem::UnknownName { key: k @ None, .. } = &mut e.problem {
                *k = Some(key);
            }
            e
        })
    }
}

struct Items<'i> {
    iter: <toml::de::DeArray<'i> as IntoIterator>::IntoIter,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = SyntaxError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SyntaxError> {
        self.iter
            .next()
            .map(|item| seed.deserialize(Node::from(item)))
            .transpose()
    }
}

/// The variant a tagged or keyed enum chose, with its content.
struct Chosen<'i> {
    name: &'static str,
    noun: &'static str,
    tag: Option<&'static str>,
    content: Node<'i>,
}

impl<'de> EnumAccess<'de> for Chosen<'de> {
    type Error = SyntaxError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SyntaxError> {
        let name: de::value::BorrowedStrDeserializer<'de, SyntaxError> =
            de::value::BorrowedStrDeserializer::new(self.name);
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> VariantAccess<'de> for Chosen<'de> {
    type Error = SyntaxError;

    fn unit_variant(self) -> Result<(), SyntaxError> {
        match (&self.content.value, self.tag) {
            (DeValue::Table(t), Some(tag)) => match t.iter().next() {
                None => Ok(()),
                Some((key, _)) => Err(SyntaxError {
                    problem: Problem::UnknownKey {
                        key: key.get_ref().to_string(),
                        expected: vec![tag],
                    },
                    span: Some(key.span()),
                }),
            },
            _ => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SyntaxError> {
        seed.deserialize(self.content)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        de::Deserializer::deserialize_any(self.content, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SyntaxError> {
        let noun = match self.tag {
            Some(tag) => format!("{} {tag} `{}`", self.noun, self.name),
            None => format!("{} `{}`", self.noun, self.name),
        };
        self.content.table_struct(&noun, self.tag, visitor)
    }
}
