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

mod customer;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;

use crate::Date;

pub use customer::CustomerFields;
pub use parse::parse;

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
            Value::Number(n) => Number(*n).fmt(f),
            Value::Text(s) => write!(f, "\"{s}\""),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// Formats a number for reasons: thousands separated by commas, at most two
/// decimals, no trailing zeros (`1250000` → `1,250,000`; `4.5` → `4.5`).
pub fn format_number(n: f64) -> String {
    Number(n).to_string()
}

/// A number written as [`format_number`] does, straight into a formatter:
/// reasons of a large book are written without a `String` per figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if !n.is_finite() {
            return write!(f, "{n}");
        }
        // In u64 cents whenever they fit (a u128 conversion or division is
        // a call into the runtime, and a report words hundreds of thousands
        // of amounts); amounts beyond (1.8e17) are not money, but are
        // written as integers all the same.
        let cents = (n.abs() * 100.0).round();
        let (whole, frac) = if cents < u64::MAX as f64 {
            let cents = cents as u64;
            (u128::from(cents / 100), (cents % 100) as u8)
        } else {
            let cents = cents as u128;
            (cents / 100, (cents % 100) as u8)
        };
        // u128::MAX has 39 digits: with 12 commas, 51 bytes.
        let mut digits = [0u8; 39];
        let mut len = 0;
        // Digits in u64 once the rest fits.
        let mut rest = whole;
        while u64::try_from(rest).is_err() {
            digits[len] = b'0' + (rest % 10) as u8;
            len += 1;
            rest /= 10;
        }
        let mut rest = rest as u64;
        loop {
            digits[len] = b'0' + (rest % 10) as u8;
            len += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let mut out = [0u8; 64];
        let mut at = 0;
        if n < 0.0 && cents != 0.0 {
            out[0] = b'-';
            at = 1;
        }
        for i in (0..len).rev() {
            out[at] = digits[i];
            at += 1;
            if i > 0 && i % 3 == 0 {
                out[at] = b',';
                at += 1;
            }
        }
        if frac != 0 {
            out[at] = b'.';
            out[at + 1] = b'0' + frac / 10;
            at += 2;
            if frac % 10 != 0 {
                out[at] = b'0' + frac % 10;
                at += 1;
            }
        }
        // Only ASCII digits, commas, a sign and a point were written.
        f.pad(std::str::from_utf8(&out[..at]).map_err(|_| fmt::Error)?)
    }
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

/// A condition's deciding terms in words ([`Expr::explanation`]).
pub struct Explanation<'e, F: ?Sized> {
    expr: &'e Expr,
    fields: &'e F,
}

impl<F: Fields + ?Sized> fmt::Display for Explanation<'_, F> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.write_explanation(self.fields, out)
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
        (self.eval(fields), self.explanation(fields).to_string())
    }

    /// [`Expr::explain`]'s words, written when displayed: a report of every
    /// customer's tier words each reason straight into its output, without
    /// building a string per customer.
    pub fn explanation<'e, F: Fields + ?Sized>(&'e self, fields: &'e F) -> Explanation<'e, F> {
        Explanation { expr: self, fields }
    }

    fn write_explanation<F: Fields + ?Sized>(
        &self,
        fields: &F,
        out: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        let both = |a: &Expr, b: &Expr, out: &mut fmt::Formatter<'_>| {
            a.write_explanation(fields, out)?;
            out.write_str(" and ")?;
            b.write_explanation(fields, out)
        };
        match self {
            Expr::Or(a, b) if a.eval(fields) => a.write_explanation(fields, out),
            Expr::Or(a, b) if b.eval(fields) => b.write_explanation(fields, out),
            Expr::Or(a, b) => both(a, b, out),
            Expr::And(a, _) if !a.eval(fields) => a.write_explanation(fields, out),
            Expr::And(a, b) if b.eval(fields) => both(a, b, out),
            Expr::And(_, b) => b.write_explanation(fields, out),
            Expr::Not(a) => a.write_explanation(fields, out),
            Expr::Compare { left, op, right } => {
                let (Some(lv), Some(rv)) = (left.resolve(fields), right.resolve(fields)) else {
                    let missing = if left.resolve(fields).is_none() {
                        left
                    } else {
                        right
                    };
                    return write!(out, "{missing} missing");
                };
                let shown = if self.eval(fields) { *op } else { op.negated() };
                let side = |operand: &Operand, value: Value<'_>, out: &mut fmt::Formatter<'_>| {
                    match operand {
                        Operand::Field(f) => write!(out, "{} {value}", f.name()),
                        Operand::Literal(_) => write!(out, "{value}"),
                    }
                };
                side(left, lv, out)?;
                write!(out, " {} ", shown.pretty())?;
                side(right, rv, out)
            }
            Expr::In { operand, set } => {
                let Some(v) = operand.resolve(fields) else {
                    return write!(out, "{operand} missing");
                };
                let word = if self.eval(fields) { "in" } else { "not in" };
                write!(out, "{operand} {v} {word} [")?;
                for (i, literal) in set.iter().enumerate() {
                    if i > 0 {
                        out.write_str(", ")?;
                    }
                    write!(out, "{}", literal.value())?;
                }
                out.write_str("]")
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
