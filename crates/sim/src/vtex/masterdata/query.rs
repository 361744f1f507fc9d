//! Master Data v1's query language (`docs/vtex/F-customers.md` §F.2; the OpenAPI file's "Query
//! examples" of `Searchdocuments` and `Scrolldocuments`): `_where` with `field=value`, `<>`,
//! `>`, `<`, `>=`, `<=`, `between a AND b`, `is null`, `is not null`, `AND`, `OR` and
//! parentheses, `*` wildcards in a value, nested fields one level deep (`a.b`); the simple
//! filters `?field=value`; and `_sort=field ASC|DESC`.
//!
//! **[sim's choices]** (VTEX does not document them): `AND` binds tighter than `OR`; a value
//! with spaces is written in double quotes; comparisons are numeric when both sides are
//! numbers, else by text (ISO dates compare correctly); equality is exact unless the settings
//! make it case-insensitive; a wildcard match ignores case.

use serde_json::{Map, Value};

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp {
        field: String,
        op: Op,
        value: String,
    },
    Between {
        field: String,
        low: String,
        high: String,
    },
    IsNull {
        field: String,
        negated: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Quoted(String),
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == '"' {
            let start = i + 1;
            let end = chars[start..]
                .iter()
                .position(|&c| c == '"')
                .ok_or("an unclosed quote")?;
            out.push(Token::Quoted(chars[start..start + end].iter().collect()));
            i = start + end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                if chars[i] == '"' {
                    break;
                }
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

fn keyword(t: Option<&Token>, k: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
}

/// Splits `field<op>value` at its first operator.
fn split_op(word: &str) -> Option<(&str, Op, &str)> {
    let idx = word.find(['=', '<', '>'])?;
    let rest = &word[idx..];
    let (op, len) = if rest.starts_with("<>") {
        (Op::Ne, 2)
    } else if rest.starts_with(">=") {
        (Op::Ge, 2)
    } else if rest.starts_with("<=") {
        (Op::Le, 2)
    } else if rest.starts_with('=') {
        (Op::Eq, 1)
    } else if rest.starts_with('>') {
        (Op::Gt, 1)
    } else {
        (Op::Lt, 1)
    };
    Some((&word[..idx], op, &word[idx + len..]))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => Ok(w),
            _ => Err("a value is missing".into()),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, String> {
        if depth > 32 {
            return Err("too deeply nested".into());
        }
        let mut ors = vec![self.term(depth)?];
        while keyword(self.peek(), "OR") {
            self.at += 1;
            ors.push(self.term(depth)?);
        }
        Ok(if ors.len() == 1 {
            ors.remove(0)
        } else {
            Expr::Or(ors)
        })
    }

    fn term(&mut self, depth: usize) -> Result<Expr, String> {
        let mut ands = vec![self.factor(depth)?];
        while keyword(self.peek(), "AND") {
            self.at += 1;
            ands.push(self.factor(depth)?);
        }
        Ok(if ands.len() == 1 {
            ands.remove(0)
        } else {
            Expr::And(ands)
        })
    }

    fn factor(&mut self, depth: usize) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                let e = self.expr(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(e),
                    _ => Err("a parenthesis is not closed".into()),
                }
            }
            Some(Token::Word(w)) => self.condition(w),
            _ => Err("a condition is missing".into()),
        }
    }

    fn condition(&mut self, word: String) -> Result<Expr, String> {
        if let Some((field, op, value)) = split_op(&word) {
            let field = field.to_owned();
            if field.is_empty() {
                return Err(format!("no field before the operator in {word:?}"));
            }
            let value = if value.is_empty() {
                self.value()?
            } else {
                value.to_owned()
            };
            return Ok(Expr::Cmp { field, op, value });
        }
        let field = word;
        if keyword(self.peek(), "between") {
            self.at += 1;
            let low = self.value()?;
            if !keyword(self.peek(), "AND") {
                return Err("between needs `AND`".into());
            }
            self.at += 1;
            let high = self.value()?;
            return Ok(Expr::Between { field, low, high });
        }
        if keyword(self.peek(), "is") {
            self.at += 1;
            let negated = keyword(self.peek(), "not");
            if negated {
                self.at += 1;
            }
            if !keyword(self.peek(), "null") {
                return Err("`is` needs `null` or `not null`".into());
            }
            self.at += 1;
            return Ok(Expr::IsNull { field, negated });
        }
        if let Some(Token::Word(w)) = self.peek().cloned()
            && let Some(("", op, value)) = split_op(&w)
        {
            self.at += 1;
            let value = if value.is_empty() {
                self.value()?
            } else {
                value.to_owned()
            };
            return Ok(Expr::Cmp { field, op, value });
        }
        Err(format!("{field:?} is not a condition"))
    }
}

/// Parses a `_where` expression.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        tokens: tokenize(s)?,
        at: 0,
    };
    let e = p.expr(0)?;
    if p.at < p.tokens.len() {
        return Err("text after the condition".into());
    }
    Ok(e)
}

impl Expr {
    /// Every field the condition reads.
    pub fn fields(&self, out: &mut Vec<String>) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.fields(out)),
            Expr::Cmp { field, .. } | Expr::Between { field, .. } | Expr::IsNull { field, .. } => {
                out.push(field.clone())
            }
        }
    }

    /// Whether the condition uses a `*` wildcard (throttled, §F.2).
    pub fn has_wildcard(&self) -> bool {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().any(Expr::has_wildcard),
            Expr::Cmp { value, .. } => value.contains('*'),
            _ => false,
        }
    }
}

/// A field's value as text (`None` for absent or null), one nested level (`a.b`).
pub fn lookup(doc: &Map<String, Value>, field: &str) -> Option<String> {
    let v = match field.split_once('.') {
        Some((a, b)) => doc.get(a)?.get(b)?,
        None => doc.get(field)?,
    };
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (
        pattern.to_lowercase().chars().collect(),
        text.to_lowercase().chars().collect(),
    );
    // Iterative wildcard match with backtracking to the last star.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// Whether a document satisfies the condition.
pub fn matches(e: &Expr, doc: &Map<String, Value>, case_insensitive: bool) -> bool {
    use std::cmp::Ordering::*;
    match e {
        Expr::And(v) => v.iter().all(|e| matches(e, doc, case_insensitive)),
        Expr::Or(v) => v.iter().any(|e| matches(e, doc, case_insensitive)),
        Expr::IsNull { field, negated } => {
            let null = lookup(doc, field).is_none_or(|s| s.is_empty());
            null != *negated
        }
        Expr::Between { field, low, high } => {
            lookup(doc, field).is_some_and(|v| order(&v, low) != Less && order(&v, high) != Greater)
        }
        Expr::Cmp { field, op, value } => {
            let Some(v) = lookup(doc, field) else {
                return *op == Op::Ne;
            };
            let eq = if value.contains('*') {
                glob(value, &v)
            } else if case_insensitive {
                v.to_lowercase() == value.to_lowercase()
            } else {
                v == *value
            };
            match op {
                Op::Eq => eq,
                Op::Ne => !eq,
                Op::Gt => order(&v, value) == Greater,
                Op::Lt => order(&v, value) == Less,
                Op::Ge => order(&v, value) != Less,
                Op::Le => order(&v, value) != Greater,
            }
        }
    }
}

/// `_sort`: `field ASC|DESC` (ASC when left out).
pub fn parse_sort(s: &str) -> Result<(String, bool), String> {
    let mut parts = s.split_whitespace();
    let field = parts.next().ok_or("an empty _sort")?.to_owned();
    let desc = match parts.next() {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("ASC") => false,
        Some(d) if d.eq_ignore_ascii_case("DESC") => true,
        Some(d) => return Err(format!("{d:?} is neither ASC nor DESC")),
    };
    if parts.next().is_some() {
        return Err("_sort takes one field".into());
    }
    Ok((field, desc))
}

/// Compares two documents by a field (absent last), for `_sort`.
pub fn compare(a: &Map<String, Value>, b: &Map<String, Value>, field: &str) -> std::cmp::Ordering {
    match (lookup(a, field), lookup(b, field)) {
        (Some(x), Some(y)) => order(&x, &y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_openapi_examples_parse_and_match() {
        let d = doc(
            json!({"firstName": "Jon", "lastName": "Doe", "createdIn": "2010-05-01T00:00:00Z", "age": 20, "number": 7, "address": {"city": "Rio"}}),
        );
        for (q, want) in [
            (
                "(firstName=Jon OR lastName=Smith) OR (createdIn between 2001-01-01 AND 2016-01-01)",
                true,
            ),
            ("createdIn between 2001-01-01 AND 2009-01-01", false),
            ("age between 18 AND 25", true),
            ("firstName=*o*", true),
            ("firstName is null", false),
            ("firstName is not null", true),
            ("middleName is null", true),
            ("firstName<>maria", true),
            ("number>5", true),
            ("number>10", false),
            ("createdIn<2001-01-01", false),
            ("address.city=Rio AND lastName=Doe", true),
            ("firstName=Jon AND lastName=Smith OR age=20", true),
            ("firstName = \"Jon\"", true),
        ] {
            let e = parse(q).unwrap_or_else(|err| panic!("{q}: {err}"));
            assert_eq!(matches(&e, &d, false), want, "{q}");
        }
    }

    #[test]
    fn broken_conditions_are_refused() {
        for q in [
            "",
            "(a=1",
            "a",
            "a between 1",
            "a is maybe",
            "a=1 b=2",
            "=1",
            "a=\"x",
        ] {
            assert!(parse(q).is_err(), "{q}");
        }
    }

    #[test]
    fn wildcards_match_like_globs() {
        assert!(glob("ana*@x.com", "Ana.Souza@X.com"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ac"));
        assert!(glob("*a*a*", "banana"));
    }

    #[test]
    fn sort_specs() {
        assert_eq!(parse_sort("email DESC"), Ok(("email".into(), true)));
        assert_eq!(parse_sort("email"), Ok(("email".into(), false)));
        assert!(parse_sort("email UP").is_err());
    }
}
