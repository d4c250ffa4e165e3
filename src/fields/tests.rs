//! Unit tests of `fields`.
use super::*;

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
    assert_eq!(m.scale, Decimal::from(10_000));
    let m = v.match_header("节水量(万吨)").unwrap();
    assert_eq!(m.scale, Decimal::from(10_000));
    assert_eq!(v.match_header("water_saved_t").unwrap().scale, Decimal::ONE);
    assert!(v.match_header("固定资产投资额（万吨）").is_none());
    assert_eq!(v.get(v.match_header("获得称号/认定名称").unwrap().field).key, "title");
}

#[test]
fn splits_cell_units() {
    let v = vocab();
    let f = v.get(v.id("fixed_asset_investment").unwrap());
    assert_eq!(split_cell_unit(f, "12万元"), ("12", Some(Decimal::from(10_000))));
    assert_eq!(split_cell_unit(f, "300元"), ("300", Some(Decimal::ONE)));
    assert_eq!(split_cell_unit(f, "300"), ("300", None));
}

#[test]
fn alias_errors_name_the_file() {
    let mut v = vocab();
    let err = v.add_aliases("[aliases]\nno_such = [\"x\"]\n", Path::new("aliases.toml")).unwrap_err();
    assert_eq!(err.to_string(), "aliases aliases.toml: alias `x` names unknown field `no_such`");
    let err = v.add_aliases("[aliases]\ntitle = [\"节水量\"]\n", Path::new("aliases.toml")).unwrap_err();
    assert_eq!(err.to_string(), "aliases aliases.toml: header `节水量` would match both `water_saved_t` and `title`");
}
