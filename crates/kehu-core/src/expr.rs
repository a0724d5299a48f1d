//! Conditions over a customer: the language of tier rules in `kehu.toml`.
//!
//! A tier's `when` is a boolean expression such as
//!
//! ```text
//! revenue_12m >= 1_000_000 or (abc == "A" and satisfaction >= 4)
//! ```
//!
//! It is parsed once ([`parse`]) into an [`Expr`], checked for unknown fields
//! and mismatched types before any customer is seen, and then evaluated
//! against each customer through the [`Fields`] trait.
//!
//! # Grammar
//!
//! ```text
//! expr       := or
//! or         := and ( "or" and )*
//! and        := not ( "and" not )*
//! not        := "not" not | primary
//! primary    := "(" expr ")" | comparison
//! comparison := operand op operand
//!             | operand "in" "[" literal ( "," literal )* ","? "]"
//! op         := "==" | "!=" | "<" | "<=" | ">" | ">="
//! operand    := identifier | literal
//! literal    := number | string | date
//! number     := "-"? digits ( "." digits )?      digits may hold "_" separators: 1_000_000
//! string     := '"' chars '"' | "'" chars "'"    backslash escapes \" \' \\ \n \t
//! date       := YYYY-MM-DD                       a bare date: 2026-01-31
//! identifier := [a-z_][a-z0-9_]*                 one of the names of [`Field`]
//! ```
//!
//! Keywords (`and`, `or`, `not`, `in`) are lowercase. Whitespace (spaces,
//! tabs, newlines) separates tokens and is otherwise ignored. `or` binds
//! looser than `and`, which binds looser than `not`; comparisons do not chain
//! (`1 < x < 3` is an error: write `x > 1 and x < 3`).
//!
//! # Types
//!
//! Every field has a type: number, text or date ([`FieldType`]). Both sides
//! of a comparison must have the same type, checked at parse time. A string
//! literal compared with a date field must be a `YYYY-MM-DD` date
//! (`last_order >= "2026-01-01"` is the same as `last_order >= 2026-01-01`).
//! Text compares by `==`, `!=` and `in` only; numbers and dates by all six
//! operators.
//!
//! # Missing values
//!
//! A customer may lack a field (no survey yet, no orders). **Any comparison
//! that involves a missing value is false**, whatever the operator, including
//! `!=` and `in`. `not` inverts the result as usual, so
//! `not (satisfaction >= 4)` holds for a customer without a satisfaction
//! score. To test for presence, compare with a value every present field
//! satisfies, e.g. `satisfaction >= 0`.
//!
//! # Errors
//!
//! [`ExprError`] carries the byte offset into the condition text where the
//! problem starts (an unknown identifier is reported at its first byte), so
//! a caller that knows where the text sits in `kehu.toml` can point at the
//! line and column.

use std::cmp::Ordering;
use std::fmt;

use crate::{Customer, Date};

/// Why a condition text is not a valid expression, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct ExprError {
    /// Byte offset into the condition text where the problem starts.
    pub offset: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl ExprError {
    fn new(offset: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            offset,
            message: message.into(),
        }
    }
}

/// The type of a field or literal; both sides of a comparison share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A number (money, counts, scores, days).
    Number,
    /// A text value (stage, region, grades …).
    Text,
    /// A calendar date.
    Date,
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldType::Number => "a number",
            FieldType::Text => "text",
            FieldType::Date => "a date",
        })
    }
}

macro_rules! fields {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal : $ty:ident ),+ $(,)?) => {
        /// A customer field or computed grade a condition may name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $( $(#[$doc])* $variant ),+
        }

        impl Field {
            /// Every field, in declaration order (for help texts and suggestions).
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The identifier that names this field in a condition.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }

            /// The type of the field's values.
            pub fn field_type(self) -> FieldType {
                match self { $(Field::$variant => FieldType::$ty),+ }
            }

            /// The field an identifier names, if any.
            pub fn from_name(name: &str) -> Option<Field> {
                match name { $($name => Some(Field::$variant),)+ _ => None }
            }
        }
    };
}

fields! {
    /// The customer id.
    Id = "id": Text,
    /// The display name.
    Name = "name": Text,
    /// Region id.
    Region = "region": Text,
    /// Industry id.
    Industry = "industry": Text,
    /// Account manager id.
    Owner = "owner": Text,
    /// Funnel stage.
    Stage = "stage": Text,
    /// Start of the relationship.
    Since = "since": Date,
    /// Expected close of the open deal or next order.
    ExpectedClose = "expected_close": Date,
    /// Revenue over the last twelve months.
    Revenue12m = "revenue_12m": Number,
    /// All-time revenue.
    RevenueTotal = "revenue_total": Number,
    /// Orders over the last twelve months.
    Orders12m = "orders_12m": Number,
    /// All-time orders.
    OrdersTotal = "orders_total": Number,
    /// Date of the first order.
    FirstOrder = "first_order": Date,
    /// Date of the latest order.
    LastOrder = "last_order": Date,
    /// Latest survey score, 1..5.
    Satisfaction = "satisfaction": Number,
    /// Repurchase probability, 0..1.
    Repurchase = "repurchase": Number,
    /// Referral likelihood: likely | possible | unlikely.
    Referral = "referral": Text,
    /// Date of the latest contact.
    LastContact = "last_contact": Date,
    /// Days from the latest order to the as-of date.
    DaysSinceLastOrder = "days_since_last_order": Number,
    /// Days from the latest contact to the as-of date.
    DaysSinceContact = "days_since_contact": Number,
    /// Pareto class A, B or C (computed).
    Abc = "abc": Text,
    /// RFM segment, e.g. `important-value` (computed).
    Rfm = "rfm": Text,
    /// Pipeline grade A..E (computed).
    Pipeline = "pipeline": Text,
    /// Loyalty: loyal | satisfied | at-risk | detractor (computed).
    Loyalty = "loyalty": Text,
    /// Churn risk band: high | medium | low (as stored).
    Risk = "risk": Text,
}

/// A value a field has for one customer, or a literal in a condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A number.
    Number(f64),
    /// A text, borrowed from the customer or the expression.
    Text(&'a str),
    /// A calendar date.
    Date(Date),
}

impl Value<'_> {
    fn field_type(&self) -> FieldType {
        match self {
            Value::Number(_) => FieldType::Number,
            Value::Text(_) => FieldType::Text,
            Value::Date(_) => FieldType::Date,
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::Text(s) => write!(f, "\"{s}\""),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// Formats a number for reasons: thousands separated by commas, at most two
/// decimals, no trailing zeros (`1250000` → `1,250,000`; `4.5` → `4.5`).
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let negative = n < 0.0;
    let cents = (n.abs() * 100.0).round() as u128;
    let whole = cents / 100;
    let frac = cents % 100;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    if negative && cents != 0 {
        out.push('-');
    }
    // The first group holds 1..=3 digits, every later group exactly 3.
    let first = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    out.push_str(&digits[..first.min(digits.len())]);
    let mut at = first;
    while at < digits.len() {
        out.push(',');
        out.push_str(&digits[at..at + 3]);
        at += 3;
    }
    if frac != 0 {
        let text = format!("{frac:02}");
        out.push('.');
        out.push_str(text.trim_end_matches('0'));
    }
    out
}

/// Where a condition finds a customer's values.
///
/// `None` means the customer has no value for the field; every comparison
/// with it is false (see the module docs).
pub trait Fields {
    /// The value of `field` for this customer, if it has one.
    fn get(&self, field: Field) -> Option<Value<'_>>;
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written in a condition.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator as printed in reasons (`≥`, `≤`, `≠` …).
    pub fn pretty(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "≠",
            CmpOp::Lt => "<",
            CmpOp::Le => "≤",
            CmpOp::Gt => ">",
            CmpOp::Ge => "≥",
        }
    }

    /// The operator that holds exactly when this one does not.
    pub fn negated(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// A literal value owned by the expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
    /// A date.
    Date(Date),
}

impl Literal {
    fn value(&self) -> Value<'_> {
        match self {
            Literal::Number(n) => Value::Number(*n),
            Literal::Text(s) => Value::Text(s),
            Literal::Date(d) => Value::Date(*d),
        }
    }
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A customer field.
    Field(Field),
    /// A constant.
    Literal(Literal),
}

impl Operand {
    fn field_type(&self) -> FieldType {
        match self {
            Operand::Field(f) => f.field_type(),
            Operand::Literal(l) => l.value().field_type(),
        }
    }

    fn resolve<'a, F: Fields + ?Sized>(&'a self, fields: &'a F) -> Option<Value<'a>> {
        match self {
            Operand::Field(f) => fields.get(*f),
            Operand::Literal(l) => Some(l.value()),
        }
    }
}

impl fmt::Display for Literal {
    /// Prints the literal as the grammar reads it (`1000000`, `"A"`, `2026-01-31`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Date(d) => write!(f, "{d}"),
            Literal::Text(s) => {
                f.write_str("\"")?;
                for ch in s.chars() {
                    match ch {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(field) => f.write_str(field.name()),
            Operand::Literal(l) => write!(f, "{l}"),
        }
    }
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Either side holds.
    Or(Box<Expr>, Box<Expr>),
    /// Both sides hold.
    And(Box<Expr>, Box<Expr>),
    /// The inner condition does not hold.
    Not(Box<Expr>),
    /// `left op right`.
    Compare {
        /// Left operand.
        left: Operand,
        /// Operator.
        op: CmpOp,
        /// Right operand.
        right: Operand,
    },
    /// `operand in [a, b, …]`: equal to one of the literals.
    In {
        /// The tested operand.
        operand: Operand,
        /// The accepted values.
        set: Vec<Literal>,
    },
}

fn compare(a: Value<'_>, b: Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(&y),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(&y)),
        _ => None,
    }
}

impl Expr {
    /// Whether the condition holds for a customer. A comparison with a
    /// missing value is false.
    pub fn eval<F: Fields + ?Sized>(&self, fields: &F) -> bool {
        match self {
            Expr::Or(a, b) => a.eval(fields) || b.eval(fields),
            Expr::And(a, b) => a.eval(fields) && b.eval(fields),
            Expr::Not(a) => !a.eval(fields),
            Expr::Compare { left, op, right } => {
                match (left.resolve(fields), right.resolve(fields)) {
                    (Some(a), Some(b)) => compare(a, b).is_some_and(|ord| op.holds(ord)),
                    _ => false,
                }
            }
            Expr::In { operand, set } => match operand.resolve(fields) {
                Some(v) => set
                    .iter()
                    .any(|l| compare(v, l.value()) == Some(Ordering::Equal)),
                None => false,
            },
        }
    }

    /// Whether the condition holds, with the deciding terms in words, e.g.
    /// `(true, "revenue_12m 1,250,000 ≥ 1,000,000")` or
    /// `(false, "revenue_12m 50,000 < 1,000,000 and abc \"B\" ≠ \"A\"")`.
    ///
    /// For a true `or` the first true side is named; for a false `or` both
    /// sides; for a true `and` both; for a false `and` the first false side.
    pub fn explain<F: Fields + ?Sized>(&self, fields: &F) -> (bool, String) {
        match self {
            Expr::Or(a, b) => {
                let (ra, ta) = a.explain(fields);
                if ra {
                    return (true, ta);
                }
                let (rb, tb) = b.explain(fields);
                if rb {
                    (true, tb)
                } else {
                    (false, format!("{ta} and {tb}"))
                }
            }
            Expr::And(a, b) => {
                let (ra, ta) = a.explain(fields);
                if !ra {
                    return (false, ta);
                }
                let (rb, tb) = b.explain(fields);
                if rb {
                    (true, format!("{ta} and {tb}"))
                } else {
                    (false, tb)
                }
            }
            Expr::Not(a) => {
                let (r, t) = a.explain(fields);
                (!r, t)
            }
            Expr::Compare { left, op, right } => {
                let (lv, rv) = (left.resolve(fields), right.resolve(fields));
                let holds = self.eval(fields);
                let shown = if holds { *op } else { op.negated() };
                let side = |operand: &Operand, v: Option<Value<'_>>| match (operand, v) {
                    (Operand::Field(f), Some(v)) => format!("{} {v}", f.name()),
                    (Operand::Field(f), None) => format!("{} missing", f.name()),
                    (Operand::Literal(_), Some(v)) => v.to_string(),
                    (Operand::Literal(l), None) => l.value().to_string(),
                };
                if lv.is_none() || rv.is_none() {
                    let missing = if lv.is_none() { left } else { right };
                    return (false, format!("{missing} missing"));
                }
                (
                    holds,
                    format!("{} {} {}", side(left, lv), shown.pretty(), side(right, rv)),
                )
            }
            Expr::In { operand, set } => {
                let holds = self.eval(fields);
                let Some(v) = operand.resolve(fields) else {
                    return (false, format!("{operand} missing"));
                };
                let list: Vec<String> = set.iter().map(|l| l.value().to_string()).collect();
                let word = if holds { "in" } else { "not in" };
                (holds, format!("{operand} {v} {word} [{}]", list.join(", ")))
            }
        }
    }

    /// Every field the condition names, sorted and without repeats.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out.sort();
        out.dedup();
        out
    }

    fn collect_fields(&self, out: &mut Vec<Field>) {
        let mut push = |o: &Operand| {
            if let Operand::Field(f) = o {
                out.push(*f);
            }
        };
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.collect_fields(out);
                b.collect_fields(out);
            }
            Expr::Not(a) => a.collect_fields(out),
            Expr::Compare { left, right, .. } => {
                push(left);
                push(right);
            }
            Expr::In { operand, .. } => push(operand),
        }
    }
}

impl fmt::Display for Expr {
    /// Prints the condition back in the grammar, fully parenthesised where
    /// precedence needs it, so `parse(&e.to_string()) == Ok(e)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn wrap(e: &Expr, parent_and: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match e {
                Expr::Or(..) => write!(f, "({e})"),
                Expr::And(..) if !parent_and => write!(f, "({e})"),
                _ => write!(f, "{e}"),
            }
        }
        match self {
            Expr::Or(a, b) => write!(f, "{a} or {b}"),
            Expr::And(a, b) => {
                wrap(a, true, f)?;
                f.write_str(" and ")?;
                wrap(b, true, f)
            }
            Expr::Not(a) => {
                f.write_str("not ")?;
                match **a {
                    Expr::Not(_) => write!(f, "{a}"),
                    _ => write!(f, "({a})"),
                }
            }
            Expr::Compare { left, op, right } => write!(f, "{left} {} {right}", op.symbol()),
            Expr::In { operand, set } => {
                write!(f, "{operand} in [")?;
                for (i, l) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{l}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Parses a condition text into an expression, checking field names and
/// types. Errors carry the byte offset of the offending token.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: text.len(),
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(t) => Err(ExprError::new(
            t.offset,
            format!(
                "unexpected {} after a complete condition",
                t.kind.describe()
            ),
        )),
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Ident(String),
    Number(f64),
    Str(String),
    Date(Date),
    Op(CmpOp),
    And,
    Or,
    Not,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Ident(s) => format!("identifier `{s}`"),
            Kind::Number(n) => format!("number {}", format_number(*n)),
            Kind::Str(s) => format!("string \"{s}\""),
            Kind::Date(d) => format!("date {d}"),
            Kind::Op(op) => format!("`{}`", op.symbol()),
            Kind::And => "`and`".into(),
            Kind::Or => "`or`".into(),
            Kind::Not => "`not`".into(),
            Kind::In => "`in`".into(),
            Kind::LParen => "`(`".into(),
            Kind::RParen => "`)`".into(),
            Kind::LBracket => "`[`".into(),
            Kind::RBracket => "`]`".into(),
            Kind::Comma => "`,`".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    offset: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = |kind: Kind| Token {
            kind,
            offset: start,
        };
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                tokens.push(single(Kind::LParen));
                i += 1;
            }
            b')' => {
                tokens.push(single(Kind::RParen));
                i += 1;
            }
            b'[' => {
                tokens.push(single(Kind::LBracket));
                i += 1;
            }
            b']' => {
                tokens.push(single(Kind::RBracket));
                i += 1;
            }
            b',' => {
                tokens.push(single(Kind::Comma));
                i += 1;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    (b'=', Some(b'=')) => (CmpOp::Eq, 2),
                    (b'!', Some(b'=')) => (CmpOp::Ne, 2),
                    (b'<', Some(b'=')) => (CmpOp::Le, 2),
                    (b'>', Some(b'=')) => (CmpOp::Ge, 2),
                    (b'<', _) => (CmpOp::Lt, 1),
                    (b'>', _) => (CmpOp::Gt, 1),
                    (b'=', _) => {
                        return Err(ExprError::new(start, "`=` is not an operator; use `==`"));
                    }
                    _ => {
                        return Err(ExprError::new(
                            start,
                            "`!` is not an operator; use `not` or `!=`",
                        ));
                    }
                };
                tokens.push(single(Kind::Op(op)));
                i += len;
            }
            b'"' | b'\'' => {
                let (s, next) = lex_string(text, start)?;
                tokens.push(single(Kind::Str(s)));
                i = next;
            }
            b'-' | b'0'..=b'9' | b'.' => {
                let (kind, next) = lex_number(text, start)?;
                tokens.push(single(kind));
                i = next;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                let kind = match word {
                    "and" => Kind::And,
                    "or" => Kind::Or,
                    "not" => Kind::Not,
                    "in" => Kind::In,
                    _ => Kind::Ident(word.to_owned()),
                };
                tokens.push(single(kind));
            }
            _ => {
                let ch = text[start..].chars().next().unwrap_or('?');
                let hint = match ch {
                    '&' => "; use `and`",
                    '|' => "; use `or`",
                    _ => "",
                };
                return Err(ExprError::new(
                    start,
                    format!("unexpected character `{ch}`{hint}"),
                ));
            }
        }
    }
    Ok(tokens)
}

fn lex_string(text: &str, start: usize) -> Result<(String, usize), ExprError> {
    let quote = text.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((rel, ch)) = chars.next() {
        let at = start + 1 + rel;
        if ch == quote {
            return Ok((out, at + 1));
        }
        if ch == '\\' {
            let Some((_, esc)) = chars.next() else {
                break;
            };
            out.push(match esc {
                '"' => '"',
                '\'' => '\'',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                other => {
                    return Err(ExprError::new(
                        at,
                        format!("unknown escape `\\{other}` in a string"),
                    ));
                }
            });
        } else {
            out.push(ch);
        }
    }
    Err(ExprError::new(start, "string is not closed"))
}

fn lex_number(text: &str, start: usize) -> Result<(Kind, usize), ExprError> {
    let bytes = text.as_bytes();
    // A bare date: exactly YYYY-MM-DD, not followed by more of a word.
    if bytes.len() >= start + 10 {
        let cand = &bytes[start..start + 10];
        let shape = cand.iter().enumerate().all(|(k, b)| {
            if k == 4 || k == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        let ends = bytes
            .get(start + 10)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'));
        if shape && ends {
            let s = &text[start..start + 10];
            return s
                .parse::<Date>()
                .map(|d| (Kind::Date(d), start + 10))
                .map_err(|_| ExprError::new(start, format!("`{s}` is not a real day")));
        }
    }
    let mut i = start;
    if bytes[i] == b'-' {
        i += 1;
    }
    let digits_from = i;
    let mut clean = String::new();
    if bytes[start] == b'-' {
        clean.push('-');
    }
    let mut seen_dot = false;
    let mut last_was_digit = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            clean.push(b as char);
            last_was_digit = true;
        } else if b == b'_' {
            if !last_was_digit {
                return Err(ExprError::new(i, "`_` must stand between digits"));
            }
            last_was_digit = false;
        } else if b == b'.' && !seen_dot {
            if !last_was_digit {
                return Err(ExprError::new(i, "a decimal point needs digits before it"));
            }
            seen_dot = true;
            last_was_digit = false;
            clean.push('.');
        } else {
            break;
        }
        i += 1;
    }
    if i == digits_from {
        return Err(ExprError::new(start, "`-` must be followed by a number"));
    }
    if !last_was_digit {
        return Err(ExprError::new(
            i - 1,
            "a number must end with a digit (no trailing `_` or `.`)",
        ));
    }
    if bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return Err(ExprError::new(
            i,
            "a number runs into a word; separate them with a space",
        ));
    }
    clean
        .parse::<f64>()
        .map(|n| (Kind::Number(n), i))
        .map_err(|_| ExprError::new(start, format!("`{}` is not a number", &text[start..i])))
}

// ---------------------------------------------------------------- parser

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, kind: &Kind) -> bool {
        if self.peek().is_some_and(|t| &t.kind == kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.offset)
    }

    fn expected(&self, what: &str) -> ExprError {
        match self.peek() {
            Some(t) => ExprError::new(
                t.offset,
                format!("expected {what}, found {}", t.kind.describe()),
            ),
            None => ExprError::new(self.end, format!("expected {what}, found the end")),
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.eat(&Kind::Or) {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.not()?;
        while self.eat(&Kind::And) {
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.eat(&Kind::Not) {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        if self.peek().is_some_and(|t| t.kind == Kind::LParen) {
            let open = self.here();
            self.pos += 1;
            let inner = self.or()?;
            if !self.eat(&Kind::RParen) {
                return Err(match self.peek() {
                    None => ExprError::new(open, "`(` is never closed"),
                    Some(_) => self.expected("`)` or an operator"),
                });
            }
            return Ok(inner);
        }
        self.comparison()
    }

    fn operand(&mut self) -> Result<(Operand, usize), ExprError> {
        let at = self.here();
        let Some(token) = self.next() else {
            return Err(ExprError::new(
                self.end,
                "expected a field or a value, found the end",
            ));
        };
        let operand = match token.kind {
            Kind::Ident(name) => match Field::from_name(&name) {
                Some(f) => Operand::Field(f),
                None => return Err(unknown_field(&name, at)),
            },
            Kind::Number(n) => Operand::Literal(Literal::Number(n)),
            Kind::Str(s) => Operand::Literal(Literal::Text(s)),
            Kind::Date(d) => Operand::Literal(Literal::Date(d)),
            other => {
                self.pos -= 1;
                return Err(ExprError::new(
                    at,
                    format!("expected a field or a value, found {}", other.describe()),
                ));
            }
        };
        Ok((operand, at))
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let (left, left_at) = self.operand()?;
        if self.eat(&Kind::In) {
            return self.in_list(left, left_at);
        }
        let op_at = self.here();
        let op = match self.peek().map(|t| &t.kind) {
            Some(Kind::Op(op)) => *op,
            _ => return Err(self.expected("a comparison (==, !=, <, <=, >, >=) or `in`")),
        };
        self.pos += 1;
        let (right, right_at) = self.operand()?;
        let (left, right) = unify(left, left_at, right, right_at)?;
        let ty = left.field_type();
        if ty == FieldType::Text && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            return Err(ExprError::new(
                op_at,
                format!(
                    "`{}` does not order text; compare text with `==`, `!=` or `in`",
                    op.symbol()
                ),
            ));
        }
        if let Some(Token {
            kind: Kind::Op(_),
            offset,
        }) = self.peek()
        {
            return Err(ExprError::new(
                *offset,
                "comparisons do not chain; join them with `and`",
            ));
        }
        Ok(Expr::Compare { left, op, right })
    }

    fn in_list(&mut self, operand: Operand, at: usize) -> Result<Expr, ExprError> {
        if !self.eat(&Kind::LBracket) {
            return Err(self.expected("`[` after `in`"));
        }
        let mut set = Vec::new();
        loop {
            if self.eat(&Kind::RBracket) {
                break;
            }
            let (item, item_at) = self.operand()?;
            let (_, item) = unify(operand.clone(), at, item, item_at)?;
            match item {
                Operand::Literal(l) => set.push(l),
                Operand::Field(f) => {
                    return Err(ExprError::new(
                        item_at,
                        format!("`in` lists take values, not fields (`{}`)", f.name()),
                    ));
                }
            }
            if self.eat(&Kind::Comma) {
                continue;
            }
            if self.eat(&Kind::RBracket) {
                break;
            }
            return Err(self.expected("`,` or `]`"));
        }
        if set.is_empty() {
            return Err(ExprError::new(at, "an `in` list needs at least one value"));
        }
        Ok(Expr::In { operand, set })
    }
}

/// Checks that two operands share a type, turning a string literal into a
/// date where it meets a date field.
fn unify(
    left: Operand,
    left_at: usize,
    right: Operand,
    right_at: usize,
) -> Result<(Operand, Operand), ExprError> {
    let as_date = |o: Operand, at: usize| -> Result<Operand, ExprError> {
        match o {
            Operand::Literal(Literal::Text(s)) => s
                .parse::<Date>()
                .map(|d| Operand::Literal(Literal::Date(d)))
                .map_err(|_| ExprError::new(at, format!("\"{s}\" is not a date (YYYY-MM-DD)"))),
            other => Ok(other),
        }
    };
    let (left, right) = match (left.field_type(), right.field_type()) {
        (FieldType::Date, FieldType::Text) => (left, as_date(right, right_at)?),
        (FieldType::Text, FieldType::Date) => (as_date(left, left_at)?, right),
        _ => (left, right),
    };
    let (lt, rt) = (left.field_type(), right.field_type());
    if lt != rt {
        let (field_side, other_at, other) = match (&left, &right) {
            (Operand::Field(_), _) => (&left, right_at, rt),
            _ => (&right, left_at, lt),
        };
        return Err(ExprError::new(
            other_at,
            format!(
                "`{field_side}` is {}, but this is {other}",
                field_side.field_type()
            ),
        ));
    }
    Ok((left, right))
}

fn unknown_field(name: &str, at: usize) -> ExprError {
    let suggestion = Field::ALL
        .iter()
        .map(|f| (edit_distance(name, f.name()), f.name()))
        .filter(|(d, _)| *d <= 2)
        .min();
    let hint = match suggestion {
        Some((_, s)) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    ExprError::new(at, format!("unknown field `{name}`{hint}"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------- customers

/// A customer's values for conditions: its file, the as-of date for the
/// `days_since_*` fields, and the grades computed in this run (which take
/// precedence over the grades stored in the file, so a tier condition sees
/// the ABC class `classify` is about to write, not last week's).
#[derive(Clone, Copy, Debug)]
pub struct CustomerFields<'a> {
    /// The customer file.
    pub customer: &'a Customer,
    /// The day the condition is evaluated on.
    pub as_of: Date,
    /// Computed Pareto class, if any.
    pub abc: Option<&'a str>,
    /// Computed RFM segment, if any.
    pub rfm: Option<&'a str>,
    /// Computed pipeline grade, if any.
    pub pipeline: Option<&'a str>,
    /// Computed loyalty, if any.
    pub loyalty: Option<&'a str>,
}

impl<'a> CustomerFields<'a> {
    /// Values from the file alone (stored grades), as of a date.
    pub fn new(customer: &'a Customer, as_of: Date) -> CustomerFields<'a> {
        CustomerFields {
            customer,
            as_of,
            abc: None,
            rfm: None,
            pipeline: None,
            loyalty: None,
        }
    }
}

impl Fields for CustomerFields<'_> {
    fn get(&self, field: Field) -> Option<Value<'_>> {
        let c = self.customer;
        let m = &c.metrics;
        let g = &c.grade;
        fn text(s: &Option<String>) -> Option<Value<'_>> {
            s.as_deref().map(Value::Text)
        }
        let num = |n: Option<f64>| n.filter(|x| x.is_finite()).map(Value::Number);
        let count = |n: Option<i64>| n.map(|x| Value::Number(x as f64));
        let date = |d: Option<Date>| d.map(Value::Date);
        let since = |d: Option<Date>| d.map(|d| Value::Number(d.days_until(self.as_of) as f64));
        match field {
            Field::Id => Some(Value::Text(&c.id)),
            Field::Name => Some(Value::Text(&c.name)),
            Field::Region => text(&c.region),
            Field::Industry => text(&c.industry),
            Field::Owner => text(&c.owner),
            Field::Stage => (!c.stage.is_empty()).then_some(Value::Text(&c.stage)),
            Field::Since => date(c.since),
            Field::ExpectedClose => date(c.expected_close),
            Field::Revenue12m => num(m.revenue_12m),
            Field::RevenueTotal => num(m.revenue_total),
            Field::Orders12m => count(m.orders_12m),
            Field::OrdersTotal => count(m.orders_total),
            Field::FirstOrder => date(m.first_order),
            Field::LastOrder => date(m.last_order),
            Field::Satisfaction => num(m.satisfaction),
            Field::Repurchase => num(m.repurchase),
            Field::Referral => text(&m.referral),
            Field::LastContact => date(c.contact.last),
            Field::DaysSinceLastOrder => since(m.last_order),
            Field::DaysSinceContact => since(c.contact.last),
            Field::Abc => self.abc.map(Value::Text).or_else(|| text(&g.abc)),
            Field::Rfm => self.rfm.map(Value::Text).or_else(|| text(&g.rfm)),
            Field::Pipeline => self.pipeline.map(Value::Text).or_else(|| text(&g.pipeline)),
            Field::Loyalty => self.loyalty.map(Value::Text).or_else(|| text(&g.loyalty)),
            Field::Risk => text(&g.risk),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metrics;

    fn acme() -> Customer {
        Customer {
            id: "acme".into(),
            name: "ACME".into(),
            region: Some("east".into()),
            stage: "won".into(),
            metrics: Metrics {
                revenue_12m: Some(1_250_000.0),
                orders_12m: Some(42),
                last_order: Date::from_ymd(2026, 10, 28),
                satisfaction: Some(4.5),
                ..Metrics::default()
            },
            ..Customer::default()
        }
    }

    fn as_of() -> Date {
        Date::from_ymd(2026, 11, 22).unwrap()
    }

    fn eval(text: &str, c: &Customer) -> bool {
        parse(text).unwrap().eval(&CustomerFields::new(c, as_of()))
    }

    fn err(text: &str) -> ExprError {
        parse(text).unwrap_err()
    }

    #[test]
    fn evaluates_the_issue_example() {
        let text = r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#;
        let mut c = acme();
        assert!(eval(text, &c));
        c.metrics.revenue_12m = Some(10.0);
        assert!(!eval(text, &c));
        c.grade.abc = Some("A".into());
        assert!(eval(text, &c));
        c.metrics.satisfaction = Some(3.9);
        assert!(!eval(text, &c));
    }

    #[test]
    fn precedence_and_over_or_not_over_and() {
        let c = acme();
        // and binds tighter: true or (false and false) = true
        assert!(eval(
            r#"stage == "won" or stage == "x" and region == "y""#,
            &c
        ));
        // (true or false) and false = false with parentheses
        assert!(!eval(
            r#"(stage == "won" or stage == "x") and region == "y""#,
            &c
        ));
        assert!(eval(r#"not region == "west" and stage == "won""#, &c));
        assert!(!eval(r#"not (region == "east" and stage == "won")"#, &c));
        assert!(eval(r#"not not stage == "won""#, &c));
    }

    #[test]
    fn numbers_with_separators_decimals_and_signs() {
        let c = acme();
        assert!(eval("revenue_12m == 1_250_000", &c));
        assert!(eval("revenue_12m > 1_249_999.99", &c));
        assert!(eval("satisfaction == 4.5", &c));
        assert!(eval("satisfaction > -1", &c));
        assert!(eval("1_000_000 <= revenue_12m", &c));
        assert!(eval("orders_12m != 41", &c));
    }

    #[test]
    fn dates_bare_or_quoted_and_days_since() {
        let c = acme();
        assert!(eval("last_order == 2026-10-28", &c));
        assert!(eval(r#"last_order >= "2026-10-01""#, &c));
        assert!(eval("days_since_last_order == 25", &c));
        assert!(!eval("last_order < 2026-01-01", &c));
    }

    #[test]
    fn missing_values_make_comparisons_false() {
        let c = acme();
        assert!(!eval("repurchase >= 0", &c));
        assert!(!eval("repurchase != 0.5", &c));
        assert!(!eval(r#"industry != "retail""#, &c));
        assert!(!eval(r#"industry in ["retail"]"#, &c));
        assert!(eval("not (repurchase >= 0.5)", &c));
        assert!(!eval("days_since_contact > 0", &c));
    }

    #[test]
    fn in_lists() {
        let c = acme();
        assert!(eval(r#"region in ["north", "east",]"#, &c));
        assert!(!eval(r#"region in ['south']"#, &c));
        assert!(eval("orders_12m in [1, 42]", &c));
    }

    #[test]
    fn computed_grades_take_precedence_over_stored() {
        let mut c = acme();
        c.grade.abc = Some("C".into());
        let e = parse(r#"abc == "A""#).unwrap();
        let mut f = CustomerFields::new(&c, as_of());
        assert!(!e.eval(&f));
        f.abc = Some("A");
        assert!(e.eval(&f));
        c.grade.abc = None;
        assert!(!e.eval(&CustomerFields::new(&c, as_of())));
    }

    #[test]
    fn explains_in_words() {
        let c = acme();
        let f = CustomerFields::new(&c, as_of());
        let e = parse(r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#).unwrap();
        assert_eq!(
            e.explain(&f),
            (true, "revenue_12m 1,250,000 ≥ 1,000,000".to_string())
        );
        let e = parse(r#"revenue_12m >= 2_000_000 or abc == "A""#).unwrap();
        assert_eq!(
            e.explain(&f),
            (
                false,
                "revenue_12m 1,250,000 < 2,000,000 and abc missing".to_string()
            )
        );
        let e = parse(r#"region in ["east"] and satisfaction > 4"#).unwrap();
        assert_eq!(
            e.explain(&f),
            (
                true,
                r#"region "east" in ["east"] and satisfaction 4.5 > 4"#.to_string()
            )
        );
    }

    #[test]
    fn display_round_trips() {
        for text in [
            r#"revenue_12m >= 1000000 or (abc == "A" and satisfaction >= 4)"#,
            r#"(stage == "won" or stage == "lead") and not (region in ["a", "b\"q"])"#,
            "not not orders_total > 3",
            "last_order >= 2026-01-01",
        ] {
            let e = parse(text).unwrap();
            assert_eq!(parse(&e.to_string()).unwrap(), e, "{e}");
        }
    }

    #[test]
    fn lists_named_fields() {
        let e = parse(r#"revenue_12m >= 1 or (abc == "A" and revenue_12m > 2)"#).unwrap();
        assert_eq!(e.fields(), vec![Field::Revenue12m, Field::Abc]);
    }

    #[test]
    fn unknown_identifier_is_reported_at_its_offset() {
        let e = err(r#"revenue_12m >= 1 or revenu_total > 5"#);
        assert_eq!(e.offset, 20);
        assert!(e.message.contains("unknown field `revenu_total`"), "{e}");
        assert!(e.message.contains("did you mean `revenue_total`"), "{e}");
        let e = err("colour == \"red\"");
        assert_eq!(e.offset, 0);
        assert!(!e.message.contains("did you mean"));
    }

    #[test]
    fn type_errors_point_at_the_wrong_side() {
        let e = err(r#"revenue_12m >= "lots""#);
        assert_eq!(e.offset, 15);
        assert!(
            e.message
                .contains("`revenue_12m` is a number, but this is text")
        );
        let e = err(r#"abc > "A""#);
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("does not order text"));
        let e = err(r#"last_order > "soon""#);
        assert_eq!(e.offset, 13);
        assert!(e.message.contains("not a date"));
        let e = err("region in [1]");
        assert_eq!(e.offset, 11);
    }

    #[test]
    fn syntax_errors_have_offsets() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "found the end"),
            ("revenue_12m >=", 14, "found the end"),
            ("revenue_12m = 5", 12, "use `==`"),
            ("revenue_12m >= 5 && abc == \"A\"", 17, "use `and`"),
            ("(revenue_12m >= 5", 0, "never closed"),
            ("revenue_12m >= 5)", 16, "after a complete condition"),
            ("1 < orders_12m < 3", 15, "do not chain"),
            ("abc == \"A", 7, "not closed"),
            ("revenue_12m >= 1__0", 17, "between digits"),
            ("revenue_12m >= 10_", 17, "end with a digit"),
            ("revenue_12m >= 5k", 16, "runs into a word"),
            ("last_order > 2026-02-30", 13, "not a real day"),
            ("revenue_12m", 11, "expected a comparison"),
            ("revenue_12m >= 1 or", 19, "found the end"),
            ("and abc == \"A\"", 0, "found `and`"),
            ("region in []", 0, "at least one value"),
            ("region in [\"a\" \"b\"]", 15, "`,` or `]`"),
            ("abc == \"\\q\"", 8, "unknown escape"),
            ("satisfaction >= 4 €", 18, "unexpected character `€`"),
        ];
        for (text, offset, needle) in cases {
            let e = err(text);
            assert_eq!(e.offset, *offset, "{text}: {e}");
            assert!(e.message.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn formats_numbers_for_reasons() {
        assert_eq!(format_number(1_250_000.0), "1,250,000");
        assert_eq!(format_number(999.0), "999");
        assert_eq!(format_number(1000.5), "1,000.5");
        assert_eq!(format_number(-12_345.678), "-12,345.68");
        assert_eq!(format_number(0.0), "0");
    }
}
