//! Unit tests of `fields`.
use super::*;
use rust_decimal::Decimal;

fn vocab() -> Vocabulary {
    let json = r#"[
      {"key":"fixed_asset_investment","header_zh":"固定资产投资额（元）","type":"money_yuan","unit":"元","meaning":"","source":"form"},
      {"key":"water_saved_t","header_zh":"节水量（吨）","type":"quantity","unit":"t","meaning":"","source":"form"},
      {"key":"title","header_zh":"获得称号/认定名称","type":"text","unit":null,"meaning":"","source":"form"}
    ]"#;
    Vocabulary::from_json(json, Path::new("fields.json")).unwrap()
}

#[test]
fn matches_headers_with_units() {
    let v = vocab();
    let m = v.match_header(" 固定资产投资额（万元）").unwrap();
    assert_eq!(v.get(m.field).key, "fixed_asset_investment");
    assert_eq!(
        m.scale,
        Scale {
            mul: 10_000,
            div: 1
        }
    );
    let m = v.match_header("节水量(万吨)").unwrap();
    assert_eq!(
        m.scale,
        Scale {
            mul: 10_000,
            div: 1
        }
    );
    assert_eq!(v.match_header("water_saved_t").unwrap().scale, Scale::ONE);
    assert!(v.match_header("固定资产投资额（万吨）").is_none());
    assert_eq!(
        v.get(v.match_header("获得称号/认定名称").unwrap().field)
            .key,
        "title"
    );
}

#[test]
fn splits_cell_units() {
    let v = vocab();
    let f = v.get(v.id("fixed_asset_investment").unwrap());
    assert_eq!(
        split_cell_unit(f, "12万元"),
        ("12", Some(Decimal::from(10_000)))
    );
    assert_eq!(split_cell_unit(f, "300元"), ("300", Some(Decimal::ONE)));
    assert_eq!(split_cell_unit(f, "300"), ("300", None));
}

#[test]
fn alias_errors_name_the_file() {
    let mut v = vocab();
    let err = v
        .add_aliases("[aliases]\nno_such = [\"x\"]\n", Path::new("aliases.toml"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "aliases aliases.toml: alias `x` names unknown field `no_such`"
    );
    let err = v
        .add_aliases(
            "[aliases]\ntitle = [\"节水量\"]\n",
            Path::new("aliases.toml"),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "aliases aliases.toml: header `节水量` would match both `water_saved_t` and `title`"
    );
}

fn field(key: &str, header: &str, ty: &str, unit: Option<&str>) -> Field {
    let unit = unit
        .map(|u| format!("\"{u}\""))
        .unwrap_or_else(|| "null".into());
    let json = format!(
        r#"[{{"key":"{key}","header_zh":"{header}","type":"{ty}","unit":{unit},"source":"form"}}]"#
    );
    Vocabulary::from_json(&json, Path::new("fields.json"))
        .unwrap()
        .get(0)
        .clone()
}

#[test]
fn header_units_convert_exactly_or_not_at_all() {
    let years = field(
        "contract_years",
        "劳动合同期限（年）",
        "quantity",
        Some("year"),
    );
    // 19.1: months on a field kept in years divide by 12; each value must stay exact.
    let months = convert(&years, "月").unwrap();
    assert_eq!(months, Scale { mul: 1, div: 12 });
    assert_eq!(months.apply(Decimal::from(24)), Some(Decimal::from(2)));
    assert_eq!(months.apply(Decimal::from(18)), Some(Decimal::new(15, 1)));
    assert_eq!(months.apply(Decimal::from(13)), None);
    assert_eq!(
        convert(&years, "季度").unwrap().apply(Decimal::from(6)),
        Some(Decimal::new(15, 1))
    );
    // A day count has no exact length in years: refused, both units named.
    let err = convert(&years, "天").unwrap_err();
    assert_eq!(err.to_string(), "单位“天”不能精确换算为本字段的单位“年”");
    let days = field("interest_days", "计息天数（天）", "integer", Some("day"));
    assert_eq!(convert(&days, "周").unwrap(), Scale { mul: 7, div: 1 });
    assert_eq!(
        convert(&days, "月").unwrap_err().to_string(),
        "单位“月”不能精确换算为本字段的单位“天”"
    );
    let months_field = field(
        "loan_term_months",
        "贷款期限（月）",
        "integer",
        Some("month"),
    );
    assert_eq!(
        convert(&months_field, "年").unwrap(),
        Scale { mul: 12, div: 1 }
    );
    // Every unit the vocabulary knows, not only time: 吨 ↔ 万吨 ↔ 千克, 千瓦时 ↔ 万千瓦时, ㎡, 人.
    let t = field("water_saved_t", "节水量（吨）", "quantity", Some("t"));
    assert_eq!(convert(&t, "千克").unwrap(), Scale { mul: 1, div: 1000 });
    assert_eq!(
        convert(&t, "万吨").unwrap(),
        Scale {
            mul: 10_000,
            div: 1
        }
    );
    assert!(convert(&t, "万元").is_err());
    let kwh = field("power_saved", "节电量（千瓦时）", "quantity", Some("kWh"));
    assert_eq!(
        convert(&kwh, "万千瓦时").unwrap(),
        Scale {
            mul: 10_000,
            div: 1
        }
    );
    let area = field(
        "floor_area_m2",
        "建筑面积（平方米）",
        "quantity",
        Some("m2"),
    );
    assert_eq!(convert(&area, "㎡").unwrap(), Scale::ONE);
    assert_eq!(
        convert(&area, "亩").unwrap_err().to_string(),
        "单位“亩”不能精确换算为本字段的单位“平方米”"
    );
    let people = field("employees", "从业人员（人）", "quantity", Some("person"));
    assert_eq!(convert(&people, "人").unwrap(), Scale::ONE);
    assert!(convert(&people, "台").is_err());
    // A field without a unit takes its vocabulary header's; a count labels a unitless count.
    let titles = field("title_count", "获得称号数量（项）", "integer", None);
    assert_eq!(convert(&titles, "项").unwrap(), Scale::ONE);
    assert!(convert(&titles, "万元").is_err());
    let times = field("prior_payout_count", "本条已享受次数", "integer", None);
    assert_eq!(convert(&times, "次").unwrap(), Scale::ONE);
    let year = field("application_year", "申报年度", "year", None);
    assert_eq!(convert(&year, "年").unwrap(), Scale::ONE);
}

#[test]
fn a_header_unit_that_does_not_convert_is_found_but_not_matched() {
    let mut v = vocab();
    v.fields.push(field(
        "contract_years",
        "劳动合同期限（年）",
        "quantity",
        Some("year"),
    ));
    v.by_header.insert("劳动合同期限".into(), 3);
    let m = v.match_header("劳动合同期限（月）").unwrap();
    assert_eq!(m.scale, Scale { mul: 1, div: 12 });
    assert!(v.match_header("劳动合同期限（天）").is_none());
    assert_eq!(
        v.find_header("劳动合同期限（天）"),
        Some((3, Some("天".into())))
    );
}

#[test]
fn annotated_headers_bind_to_their_field() {
    let v = vocab();
    for h in [
        "固定资产投资额（万元）（必填）",
        "*固定资产投资额\n（万元）",
        "固定资产投资额 （万元）*",
        "固定资产投资额【万元】（选填）",
        "＊ 固定资产投资额(万元)",
    ] {
        let m = v.match_header(h).unwrap_or_else(|| panic!("{h}"));
        assert_eq!(
            (v.get(m.field).key.as_str(), m.scale),
            (
                "fixed_asset_investment",
                Scale {
                    mul: 10_000,
                    div: 1
                }
            ),
            "{h}"
        );
    }
    assert_eq!(
        split_header_unit("统一社会信用代码（18位）").0,
        "统一社会信用代码"
    );
    assert_eq!(
        split_header_unit("申报日期（如：2024-01-01）").0,
        "申报日期"
    );
    assert_eq!(
        strip_annotations("固定资产投资额（万元）（核定数）"),
        ("固定资产投资额(万元)".into(), Figure::Approved)
    );
    assert_eq!(
        strip_annotations("固定资产投资额（申报数）").1,
        Figure::Claimed
    );
    // Notes run together in one bracket are notes; one part that is not keeps the bracket.
    assert_eq!(
        split_header_unit("统一社会信用代码（必填，18位）").0,
        "统一社会信用代码"
    );
    assert_eq!(
        strip_annotations("固定资产投资额（核定数、必填）"),
        ("固定资产投资额".into(), Figure::Approved)
    );
    assert_eq!(
        strip_annotations("固定资产投资额（必填，含税）").0,
        "固定资产投资额(必填，含税)"
    );
    // A qualifier that changes the meaning is kept: the header does not bind.
    assert!(v.match_header("固定资产投资额（含税）").is_none());
}

#[test]
fn cell_units_only_multiply() {
    let years = field(
        "contract_years",
        "劳动合同期限（年）",
        "quantity",
        Some("year"),
    );
    assert_eq!(split_cell_unit(&years, "3年"), ("3", Some(Decimal::ONE)));
    // 18个月 on a field in years would divide: left whole, reported as unreadable.
    assert_eq!(split_cell_unit(&years, "18个月"), ("18个月", None));
    let months = field(
        "loan_term_months",
        "贷款期限（月）",
        "integer",
        Some("month"),
    );
    assert_eq!(
        split_cell_unit(&months, "2年"),
        ("2", Some(Decimal::from(12)))
    );
    let t = field("water_saved_t", "节水量（吨）", "quantity", Some("t"));
    // The longest unit ending the text is the one meant: 万kWh is not 万 + a unit of mass.
    assert_eq!(split_cell_unit(&t, "5万kWh"), ("5万kWh", None));
}

#[test]
fn the_vocabulary_headers_stay_distinct_without_their_units() {
    let v = Vocabulary::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config")).unwrap();
    let mut seen = std::collections::HashMap::new();
    for (id, f) in v.iter() {
        let (name, unit) = split_header_unit(&f.header_zh);
        if let Some(u) = &unit {
            assert!(
                convert(f, u).is_ok(),
                "{}: its own header unit {u} must convert",
                f.key
            );
        }
        if let Some(other) = seen.insert(name.clone(), f.key.clone()) {
            panic!("{} and {other} share the header name {name}", f.key);
        }
        assert_eq!(
            v.match_header(&f.header_zh).map(|m| m.field),
            Some(id),
            "{}",
            f.key
        );
    }
}
