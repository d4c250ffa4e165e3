//! Unit tests of `csvout`.
use super::*;

#[test]
fn formula_like_text_is_neutralised() {
    assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(neutralise("-1"), "'-1");
    assert_eq!(neutralise("呼和浩特"), "呼和浩特");
}

/// Issue 12 item 14: the full-width forms a Chinese input method types are neutralised like the
/// ASCII ones; a full-width sign inside the text is not.
#[test]
fn full_width_formula_starts_are_neutralised() {
    for t in ["＝HYPERLINK(\"http://x\")", "＋1", "－1", "＠SUM(A1)"] {
        assert_eq!(neutralise(t), format!("'{t}"), "{t}");
    }
    assert_eq!(neutralise("甲＝乙"), "甲＝乙");
    assert_eq!(neutralise("（＝）"), "（＝）");
}
