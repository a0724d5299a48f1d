//! The recursive-descent parser and the type checks of comparisons.

use super::lex::{Kind, Token, lex};
use super::{CmpOp, Expr, ExprError, Field, FieldType, Literal, Operand};
use crate::Date;

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
