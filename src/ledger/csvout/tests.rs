//! Unit tests of `csvout`.
use super::*;

#[test]
fn formula_like_text_is_neutralised() {
    assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(neutralise("-1"), "'-1");
    assert_eq!(neutralise("呼和浩特"), "呼和浩特");
}
