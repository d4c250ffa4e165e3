//! Units (计量单位): the units a header, a units row or a table note may state, grouped by what
//! they measure, and the exact conversion from one to a field's own unit (D8: 万元 → 元).
//!
//! A unit is either converted exactly or refused, never ignored: a header `劳动合同期限（月）` on a
//! field kept in years converts each value exactly (24 月 → 2 年; 13 月 has no exact value in
//! years and that cell is refused), `计息天数（月）` cannot be converted at all (a month has no
//! fixed number of days) and the column is refused with both units named.

use rust_decimal::Decimal;

use super::{split_header_unit, Field, FieldType};

/// What a unit measures, with each unit's size in the dimension's base as a fraction
/// (numerator, denominator): 万元 is (10000, 1) 元, 月 is (1, 12) 年.
struct Dimension {
    /// The vocabulary's unit codes (`fields.json`) measured in this dimension's base.
    codes: &'static [&'static str],
    units: &'static [(&'static [&'static str], u64, u64)],
}

/// Every unit the vocabulary's fields are kept in, and the units bureaus write them in. A unit
/// name may appear in several dimensions (个: places, items); the field decides which.
const DIMENSIONS: &[Dimension] = &[
    Dimension {
        codes: &["元"],
        units: &[
            (&["元"], 1, 1),
            (&["千元"], 1_000, 1),
            (&["万元"], 10_000, 1),
            (&["百万元"], 1_000_000, 1),
            (&["亿元"], 100_000_000, 1),
        ],
    },
    Dimension {
        codes: &["t"],
        units: &[
            (&["吨", "t"], 1, 1),
            (&["万吨", "万t"], 10_000, 1),
            (&["千克", "公斤", "kg"], 1, 1_000),
        ],
    },
    Dimension {
        codes: &["tce"],
        units: &[
            (&["吨标准煤", "吨标煤", "tce"], 1, 1),
            (&["万吨标准煤", "万吨标煤", "万tce"], 10_000, 1),
        ],
    },
    Dimension {
        codes: &["kWh"],
        units: &[
            (&["千瓦时", "度", "kWh"], 1, 1),
            (&["兆瓦时", "MWh"], 1_000, 1),
            (&["万千瓦时", "万度", "万kWh"], 10_000, 1),
            (&["亿千瓦时"], 100_000_000, 1),
        ],
    },
    Dimension {
        codes: &["kW"],
        units: &[
            (&["千瓦", "kW"], 1, 1),
            (&["兆瓦", "MW"], 1_000, 1),
            (&["万千瓦", "万kW"], 10_000, 1),
        ],
    },
    Dimension {
        codes: &["kVA"],
        units: &[(&["千伏安", "kVA"], 1, 1), (&["兆伏安", "MVA"], 1_000, 1)],
    },
    Dimension {
        codes: &["m2"],
        units: &[
            (&["平方米", "m2", "㎡", "m²"], 1, 1),
            (&["万平方米"], 10_000, 1),
            (&["公顷"], 10_000, 1),
            (&["平方公里", "km2", "k㎡"], 1_000_000, 1),
        ],
    },
    Dimension {
        codes: &["亩"],
        units: &[(&["亩"], 1, 1), (&["万亩"], 10_000, 1), (&["公顷"], 15, 1)],
    },
    Dimension {
        codes: &["year"],
        units: &[
            (&["年"], 1, 1),
            (&["季度", "季"], 1, 4),
            (&["月", "个月"], 1, 12),
        ],
    },
    Dimension {
        codes: &["month"],
        units: &[
            (&["月", "个月"], 1, 1),
            (&["季度", "季"], 3, 1),
            (&["年"], 12, 1),
        ],
    },
    Dimension {
        codes: &["day"],
        units: &[(&["天", "日"], 1, 1), (&["周"], 7, 1)],
    },
    Dimension {
        codes: &["hour"],
        units: &[(&["小时", "h"], 1, 1), (&["分钟"], 1, 60), (&["天"], 24, 1)],
    },
    Dimension {
        codes: &["person"],
        units: &[(&["人", "名"], 1, 1), (&["万人"], 10_000, 1)],
    },
    Dimension {
        codes: &["head"],
        units: &[
            (&["头", "只", "头只", "头、只", "头/只"], 1, 1),
            (&["万头", "万只"], 10_000, 1),
        ],
    },
    Dimension {
        codes: &["vehicle"],
        units: &[(&["辆"], 1, 1)],
    },
    Dimension {
        codes: &["bed"],
        units: &[(&["张", "床"], 1, 1)],
    },
    Dimension {
        codes: &["place"],
        units: &[(&["个", "托位"], 1, 1)],
    },
    Dimension {
        codes: &["item"],
        units: &[(&["个", "项", "家", "个/项/家"], 1, 1)],
    },
    Dimension {
        codes: &["household"],
        units: &[(&["户"], 1, 1)],
    },
    Dimension {
        codes: &["parcel"],
        units: &[(&["单", "件"], 1, 1)],
    },
    Dimension {
        codes: &["%"],
        units: &[(&["%", "％"], 1, 1), (&["‰"], 1, 10)],
    },
];

/// Whether a text is a unit this module knows (so a header's bracket holding it is a unit,
/// not part of the name).
pub fn is_unit_text(text: &str) -> bool {
    COUNT_WORDS.contains(&text)
        || DIMENSIONS
            .iter()
            .any(|d| d.units.iter().any(|(names, ..)| names.contains(&text)))
}

/// Words that count things one by one: on a whole-number field with no unit of its own
/// (`本条已享受次数`), a header stating one (`（次）`) labels the count and scales nothing.
const COUNT_WORDS: &[&str] = &[
    "次", "个", "项", "家", "名", "户", "件", "张", "台", "辆", "人", "只", "头", "单",
];

/// An exact conversion to a field's unit: multiply by `mul`, then divide by `div` (a value the
/// division leaves inexact is refused, not rounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub mul: u64,
    pub div: u64,
}

impl Scale {
    pub const ONE: Scale = Scale { mul: 1, div: 1 };

    fn reduced(mul: u64, div: u64) -> Scale {
        let g = gcd(mul, div).max(1);
        Scale {
            mul: mul / g,
            div: div / g,
        }
    }

    /// The value in the field's unit, when the conversion is exact.
    pub fn apply(self, v: Decimal) -> Option<Decimal> {
        let m = v.checked_mul(Decimal::from(self.mul))?;
        if self.div == 1 {
            return Some(m);
        }
        // m / div has a finite decimal exactly when what is left of div after cancelling with
        // m's digits has no prime factor but 2 and 5 (13 / 12 = 1.08333… does not end).
        let mantissa = m.mantissa().unsigned_abs();
        let mut rest = u128::from(self.div) / gcd_u128(mantissa, u128::from(self.div)).max(1);
        for p in [2, 5] {
            while rest.is_multiple_of(p) {
                rest /= p;
            }
        }
        if rest != 1 {
            return None;
        }
        m.checked_div(Decimal::from(self.div))
            .map(|q| q.normalize())
    }
}

fn gcd_u128(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd_u128(b, a % b)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Why a stated unit cannot be read for a field: the unit stated and the field's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMismatch {
    pub stated: String,
    /// The field's unit as a reader knows it (年, 元 …), or `None` when the field has none.
    pub field_unit: Option<String>,
}

impl std::fmt::Display for UnitMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field_unit {
            Some(u) => write!(f, "单位“{}”不能精确换算为本字段的单位“{u}”", self.stated),
            None => write!(f, "单位“{}”与本字段不符（本字段没有计量单位）", self.stated),
        }
    }
}

/// The field's unit as written in Chinese (the first name of its base unit, or the unit its
/// header states), for messages.
pub fn field_unit_name(field: &Field) -> Option<String> {
    match field.unit.as_deref() {
        Some(code) => match DIMENSIONS.iter().find(|d| d.codes.contains(&code)) {
            Some(d) => d
                .units
                .iter()
                .find(|u| u.1 == 1 && u.2 == 1)
                .map(|u| u.0[0].to_string()),
            None => Some(code.to_string()),
        },
        None if field.ty == FieldType::Money => Some("元".into()),
        None => split_header_unit(&field.header_zh).1,
    }
}

/// The exact conversion from `stated` to the field's unit, or why there is none. A field
/// without a unit of its own takes the unit its vocabulary header states (`获得称号数量（项）`);
/// a year field (申报年度) takes `年` as a label.
pub fn convert(field: &Field, stated: &str) -> Result<Scale, UnitMismatch> {
    let mismatch = || UnitMismatch {
        stated: stated.to_string(),
        field_unit: field_unit_name(field),
    };
    if field.ty == FieldType::Year && stated == "年" {
        return Ok(Scale::ONE);
    }
    let own_header_unit = split_header_unit(&field.header_zh).1;
    if field.unit.is_none() && own_header_unit.as_deref() == Some(stated) {
        return Ok(Scale::ONE);
    }
    if field.unit.is_none()
        && own_header_unit.is_none()
        && field.ty == FieldType::Integer
        && COUNT_WORDS.contains(&stated)
    {
        return Ok(Scale::ONE);
    }
    let dims: Vec<&Dimension> = match (field.unit.as_deref(), field.ty) {
        (Some(code), _) => DIMENSIONS
            .iter()
            .filter(|d| d.codes.contains(&code))
            .collect(),
        (None, FieldType::Money) => DIMENSIONS
            .iter()
            .filter(|d| d.codes.contains(&"元"))
            .collect(),
        (None, _) => match own_header_unit.as_deref() {
            // The vocabulary header's unit is the field's base.
            Some(own) => DIMENSIONS
                .iter()
                .filter(|d| {
                    d.units
                        .iter()
                        .any(|u| u.0.contains(&own) && u.1 == 1 && u.2 == 1)
                })
                .collect(),
            None => Vec::new(),
        },
    };
    for d in dims {
        if let Some((_, mul, div)) = d.units.iter().find(|u| u.0.contains(&stated)) {
            return Ok(Scale::reduced(*mul, *div));
        }
    }
    Err(mismatch())
}

/// A unit ending a cell's text (`12万元`, `2年`) for the field: the text before it and the
/// multiplier. The longest unit name ending the text is the one meant; when it does not belong
/// to the field, or converts only by division (`18个月` on a field in years), the text stays
/// whole and is reported as unreadable rather than guessed.
pub fn split_cell_unit<'a>(field: &Field, text: &'a str) -> (&'a str, Option<Decimal>) {
    let t = text.trim_end();
    let names = DIMENSIONS
        .iter()
        .flat_map(|d| d.units.iter().flat_map(|u| u.0.iter()))
        .chain(COUNT_WORDS);
    let longest = names
        .filter(|n| t.len() > n.len() && t.ends_with(**n))
        .max_by_key(|n| n.len());
    match longest.map(|n| (n, convert(field, n))) {
        Some((name, Ok(scale))) if scale.div == 1 => (
            t[..t.len() - name.len()].trim_end(),
            Some(Decimal::from(scale.mul)),
        ),
        _ => (text, None),
    }
}
