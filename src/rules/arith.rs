//! Arithmetic written as a clause writes it (算式): `"0.5万 × capacity_mw + 2万"`,
//! `"min(base, 30% × total_investment)"`. An expression string that is a single name is what
//! it always was — a field key (or a `let` name) —, so every existing policy reads the same.
//!
//! ```text
//! sum     := product (("+" | "-" | "−") product)*
//! product := factor (("*" | "×" | "/" | "÷") factor)*
//! factor  := number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
//! number  := digits ["." digits] ["万" | "亿" | "%"]
//! ```
//! Functions: `min`, `max` (two or more arguments), `ceil`, `floor` (one). Numbers are exact
//! decimals (`"2万"` is 20000, `"30%"` is 0.3); there is no unary minus (a negative constant
//! in a policy is a subtraction, written as one).

use rust_decimal::Decimal;

use super::text::{parse_amount, parse_rate};
use super::Expr;

/// Parses `text`, resolving each name with `name` (a `let` value or a numeric field).
pub fn parse_arith(
    text: &str,
    name: &mut dyn FnMut(&str) -> Result<Expr, String>,
) -> Result<Expr, String> {
    let tokens = tokens(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        name,
    };
    let e = p.sum()?;
    match p.tokens.get(p.pos) {
        None => Ok(e),
        Some(t) => Err(format!(
            "`{text}`: unexpected {} after a complete expression",
            t.show()
        )),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(Decimal),
    Name(String),
    Op(char),
    Open,
    Close,
    Comma,
}

impl Token {
    fn show(&self) -> String {
        match self {
            Token::Number(n) => format!("number {}", crate::domain::money::plain(*n)),
            Token::Name(n) => format!("`{n}`"),
            Token::Op(c) => format!("`{c}`"),
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::Comma => "`,`".into(),
        }
    }
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '+' | '-' | '−' | '*' | '×' | '/' | '÷' => {
                out.push(Token::Op(match c {
                    '−' => '-',
                    '×' => '*',
                    '÷' => '/',
                    c => c,
                }));
                chars.next();
            }
            '(' | '（' => {
                out.push(Token::Open);
                chars.next();
            }
            ')' | '）' => {
                out.push(Token::Close);
                chars.next();
            }
            ',' | '，' => {
                out.push(Token::Comma);
                chars.next();
            }
            c if c.is_ascii_digit() => {
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' || matches!(d, '万' | '亿' | '%') {
                        end = j + d.len_utf8();
                        chars.next();
                        if matches!(d, '万' | '亿' | '%') {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                let n = &text[i..end];
                let v = if n.ends_with('%') {
                    parse_rate(n)
                } else {
                    parse_amount(n)
                };
                out.push(Token::Number(
                    v.ok_or_else(|| format!("`{text}`: `{n}` is not a number"))?,
                ));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = i;
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Name(text[i..end].to_string()));
            }
            other => return Err(format!("`{text}`: `{other}` is not part of an expression")),
        }
    }
    if out.is_empty() {
        return Err("an expression is empty".into());
    }
    Ok(out)
}

struct Parser<'n> {
    tokens: Vec<Token>,
    pos: usize,
    name: &'n mut dyn FnMut(&str) -> Result<Expr, String>,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// Terms joined by + and −, kept flat: `a + b − c` is (a + b) − c.
    fn sum(&mut self) -> Result<Expr, String> {
        let mut acc = self.product()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let rhs = self.product()?;
            acc = match (op, acc) {
                ('+', Expr::Sum(mut xs)) => {
                    xs.push(rhs);
                    Expr::Sum(xs)
                }
                ('+', a) => Expr::Sum(vec![a, rhs]),
                (_, Expr::Minus(mut xs)) => {
                    xs.push(rhs);
                    Expr::Minus(xs)
                }
                (_, a) => Expr::Minus(vec![a, rhs]),
            };
        }
        Ok(acc)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut acc = self.factor()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let rhs = self.factor()?;
            acc = match (op, acc) {
                ('*', Expr::Product(mut xs)) => {
                    xs.push(rhs);
                    Expr::Product(xs)
                }
                ('*', a) => Expr::Product(vec![a, rhs]),
                (_, a) => Expr::Quotient(Box::new(a), Box::new(rhs)),
            };
        }
        Ok(acc)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Number(n)) => Ok(Expr::Const(n)),
            Some(Token::Open) => {
                let e = self.sum()?;
                self.close()?;
                Ok(e)
            }
            Some(Token::Name(n)) if self.peek() == Some(&Token::Open) => {
                self.pos += 1;
                let mut args = vec![self.sum()?];
                while self.peek() == Some(&Token::Comma) {
                    self.pos += 1;
                    args.push(self.sum()?);
                }
                self.close()?;
                call(&n, args)
            }
            Some(Token::Name(n)) => (self.name)(&n),
            Some(t) => Err(format!(
                "expected a number, a name or `(`, found {}",
                t.show()
            )),
            None => Err("the expression ends where a number or a name was expected".into()),
        }
    }

    fn close(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Token::Close) => Ok(()),
            Some(t) => Err(format!("expected `)`, found {}", t.show())),
            None => Err("a `(` is not closed".into()),
        }
    }
}

fn call(name: &str, mut args: Vec<Expr>) -> Result<Expr, String> {
    match (name, args.len()) {
        ("min", n) if n >= 2 => Ok(Expr::Min(args)),
        ("max", n) if n >= 2 => Ok(Expr::Max(args)),
        ("ceil", 1) => Ok(Expr::Ceil(Box::new(args.remove(0)))),
        ("floor", 1) => Ok(Expr::Floor(Box::new(args.remove(0)))),
        ("min" | "max", _) => Err(format!("`{name}` takes two or more values")),
        ("ceil" | "floor", _) => Err(format!("`{name}` takes one value")),
        _ => Err(format!(
            "`{name}(…)` is not a function; functions are min, max, ceil, floor"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Expr, String> {
        parse_arith(text, &mut |n| Ok(Expr::Param(n.to_string())))
    }

    fn d(s: &str) -> Expr {
        Expr::Const(s.parse().unwrap())
    }

    #[test]
    fn a_single_name_is_the_name_and_operators_bind_as_in_school() {
        assert_eq!(parse("capacity"), Ok(Expr::Param("capacity".into())));
        let p = |n: &str| Expr::Param(n.into());
        assert_eq!(
            parse("0.5万 × capacity + 2万 - bonus"),
            Ok(Expr::Minus(vec![
                Expr::Sum(vec![
                    Expr::Product(vec![d("5000"), p("capacity")]),
                    d("20000")
                ]),
                p("bonus")
            ]))
        );
        assert_eq!(
            parse("min(a, 30% * (b + c)) / 12"),
            Ok(Expr::Quotient(
                Box::new(Expr::Min(vec![
                    p("a"),
                    Expr::Product(vec![d("0.3"), Expr::Sum(vec![p("b"), p("c")])])
                ])),
                Box::new(d("12"))
            ))
        );
    }

    #[test]
    fn malformed_arithmetic_is_refused_with_what_is_wrong() {
        assert_eq!(
            parse("a +").unwrap_err(),
            "the expression ends where a number or a name was expected"
        );
        assert_eq!(parse("(a + b").unwrap_err(), "a `(` is not closed");
        assert_eq!(
            parse("a b").unwrap_err(),
            "`a b`: unexpected `b` after a complete expression"
        );
        assert_eq!(
            parse("a ^ 2").unwrap_err(),
            "`a ^ 2`: `^` is not part of an expression"
        );
        assert_eq!(
            parse("sqrt(a)").unwrap_err(),
            "`sqrt(…)` is not a function; functions are min, max, ceil, floor"
        );
        assert_eq!(
            parse("1.2.3万").unwrap_err(),
            "`1.2.3万`: `1.2.3万` is not a number"
        );
    }
}
