//! Reading one customer file into the model, reporting every syntax and type
//! problem at once.
//!
//! This does not go through serde: it walks the spanned TOML document the
//! `toml` parser builds anyway, so each field's byte offset is at hand for
//! the value checks, every wrong type in the file is reported (not only the
//! first), and unknown keys are found in the same pass.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeString, DeTable, DeValue};

use crate::diag::Severity;
use crate::{Customer, Date, Text};

/// A field of the customer file that the model holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Field {
    Id,
    Name,
    Region,
    Industry,
    Owner,
    Since,
    Stage,
    ExpectedClose,
    Grade,
    Tier,
    Abc,
    Rfm,
    Pipeline,
    Loyalty,
    Risk,
    Pinned,
    Metrics,
    Revenue12m,
    RevenueTotal,
    OrdersTotal,
    Orders12m,
    FirstOrder,
    LastOrder,
    Satisfaction,
    Repurchase,
    Referral,
    Contact,
    ContactLast,
    ContactChannel,
    Plan,
    PlanReviewed,
}

const FIELD_COUNT: usize = Field::PlanReviewed as usize + 1;

impl Field {
    /// The dotted path of the field in the file.
    pub(crate) fn path(self) -> &'static str {
        use Field::*;
        match self {
            Id => "id",
            Name => "name",
            Region => "region",
            Industry => "industry",
            Owner => "owner",
            Since => "since",
            Stage => "stage",
            ExpectedClose => "expected_close",
            Grade => "grade",
            Tier => "grade.tier",
            Abc => "grade.abc",
            Rfm => "grade.rfm",
            Pipeline => "grade.pipeline",
            Loyalty => "grade.loyalty",
            Risk => "grade.risk",
            Pinned => "grade.pinned",
            Metrics => "metrics",
            Revenue12m => "metrics.revenue_12m",
            RevenueTotal => "metrics.revenue_total",
            OrdersTotal => "metrics.orders_total",
            Orders12m => "metrics.orders_12m",
            FirstOrder => "metrics.first_order",
            LastOrder => "metrics.last_order",
            Satisfaction => "metrics.satisfaction",
            Repurchase => "metrics.repurchase",
            Referral => "metrics.referral",
            Contact => "contact",
            ContactLast => "contact.last",
            ContactChannel => "contact.channel",
            Plan => "plan",
            PlanReviewed => "plan.reviewed",
        }
    }

    fn top(key: &str) -> Option<Field> {
        use Field::*;
        Some(match key {
            "id" => Id,
            "name" => Name,
            "region" => Region,
            "industry" => Industry,
            "owner" => Owner,
            "since" => Since,
            "stage" => Stage,
            "expected_close" => ExpectedClose,
            "grade" => Grade,
            "metrics" => Metrics,
            "contact" => Contact,
            "plan" => Plan,
            _ => return None,
        })
    }

    fn grade(key: &str) -> Option<Field> {
        use Field::*;
        Some(match key {
            "tier" => Tier,
            "abc" => Abc,
            "rfm" => Rfm,
            "pipeline" => Pipeline,
            "loyalty" => Loyalty,
            "risk" => Risk,
            "pinned" => Pinned,
            _ => return None,
        })
    }

    fn metrics(key: &str) -> Option<Field> {
        use Field::*;
        Some(match key {
            "revenue_12m" => Revenue12m,
            "revenue_total" => RevenueTotal,
            "orders_total" => OrdersTotal,
            "orders_12m" => Orders12m,
            "first_order" => FirstOrder,
            "last_order" => LastOrder,
            "satisfaction" => Satisfaction,
            "repurchase" => Repurchase,
            "referral" => Referral,
            _ => return None,
        })
    }

    fn contact(key: &str) -> Option<Field> {
        match key {
            "last" => Some(Field::ContactLast),
            "channel" => Some(Field::ContactChannel),
            _ => None,
        }
    }
}

/// Grade fields `pinned` may name (plus `owner`, which `assign` respects).
pub(crate) const PINNABLE: [&str; 7] =
    ["tier", "abc", "rfm", "pipeline", "loyalty", "risk", "owner"];

/// Byte offsets (into the text) of each field's value; `u32::MAX` when absent.
/// Also records which fields had a value of the wrong type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldSpans {
    starts: [u32; FIELD_COUNT],
    wrong: u32,
}

const _: () = assert!(FIELD_COUNT <= 32, "`wrong` is a bit set in a u32");

impl FieldSpans {
    fn new() -> Self {
        FieldSpans {
            starts: [u32::MAX; FIELD_COUNT],
            wrong: 0,
        }
    }

    fn set_wrong(&mut self, field: Field) {
        self.wrong |= 1 << field as u32;
    }

    /// Whether the file has the field with a value of the right type.
    pub(crate) fn is_valid(&self, field: Field) -> bool {
        self.get(field).is_some() && self.wrong & (1 << field as u32) == 0
    }

    fn set(&mut self, field: Field, span: &Range<usize>) {
        self.starts[field as usize] = u32::try_from(span.start).unwrap_or(u32::MAX - 1);
    }

    /// Where the value of `field` starts, if the file has it.
    pub(crate) fn get(&self, field: Field) -> Option<usize> {
        let offset = self.starts[field as usize];
        (offset != u32::MAX).then_some(offset as usize)
    }

    /// One bit per field the file has (bit `Field as u32`).
    pub(crate) fn present(&self) -> u32 {
        self.starts
            .iter()
            .enumerate()
            .filter(|(_, start)| **start != u32::MAX)
            .fold(0, |mask, (i, _)| mask | 1 << i)
    }

    /// Spans of a file that read without problems, rebuilt from
    /// [`FieldSpans::present`]: every field is valid and sits at offset 0
    /// (a reused file with any problem is parsed again to place it).
    pub(crate) fn from_present(mask: u32) -> Self {
        let mut spans = FieldSpans::new();
        for (i, start) in spans.starts.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *start = 0;
            }
        }
        spans
    }
}

/// A problem found in one file, placed by byte offset; turned into a
/// [`crate::Diagnostic`] (with line and column) only when reported.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub severity: Severity,
    pub code: &'static str,
    pub field: Option<String>,
    pub message: String,
    pub offset: Option<usize>,
}

impl Problem {
    pub(crate) fn error(
        code: &'static str,
        field: Option<Field>,
        offset: Option<usize>,
        message: String,
    ) -> Self {
        Problem {
            severity: Severity::Error,
            code,
            field: field.map(|f| f.path().to_owned()),
            message,
            offset,
        }
    }

    pub(crate) fn warning(
        code: &'static str,
        field: Option<Field>,
        offset: Option<usize>,
        message: String,
    ) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(code, field, offset, message)
        }
    }
}

/// The outcome of reading a file's text.
pub(crate) struct Read {
    /// The customer as far as it could be read (wrongly typed fields left
    /// at their defaults).
    pub customer: Customer,
    /// Where each field's value is.
    pub spans: FieldSpans,
    /// True when the file is structurally sound: valid TOML, every known
    /// field of the right type, the required fields present.
    pub sound: bool,
    /// True when some string may span lines (a multi-line string, or an
    /// unknown key kehu did not look into): conflict markers could hide there.
    pub multiline: bool,
    /// Where the keys of `[plan]` are, for its value checks.
    pub plan_spans: crate::plan_file::PlanSpans,
}

/// Parses `text` into a customer, pushing every syntax, type and unknown-key
/// problem onto `problems`. Returns `None` when the TOML itself is broken.
pub(crate) fn read(text: &str, problems: &mut Vec<Problem>) -> Option<Read> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(_) => {
            // Slow path for broken files only: recover to list every error.
            let (_, errors) = DeTable::parse_recoverable(text);
            for err in errors {
                let placed = place_syntax_error(text, &err);
                problems.push(Problem {
                    severity: Severity::Error,
                    code: "toml-syntax",
                    field: placed.field,
                    message: placed.message,
                    offset: placed.offset,
                });
            }
            return None;
        }
    };
    let before = problems.len();
    let mut reader = Reader {
        customer: Customer::default(),
        spans: FieldSpans::new(),
        multiline: false,
        plan_spans: Default::default(),
        problems,
    };
    reader.root(doc.get_ref());
    let Reader {
        customer,
        spans,
        multiline,
        plan_spans,
        ..
    } = reader;
    for field in [Field::Id, Field::Name, Field::Stage] {
        if spans.get(field).is_none() {
            // Placed at the top of the file, as the `toml` crate places a
            // missing field of the root table.
            problems.push(Problem::error(
                "missing-field",
                Some(field),
                Some(0),
                format!("missing required field `{}`", field.path()),
            ));
        }
    }
    let sound = !problems[before..]
        .iter()
        .any(|p| p.severity == Severity::Error);
    Some(Read {
        customer,
        spans,
        sound,
        multiline,
        plan_spans,
    })
}

struct Reader<'p> {
    customer: Customer,
    spans: FieldSpans,
    multiline: bool,
    plan_spans: crate::plan_file::PlanSpans,
    problems: &'p mut Vec<Problem>,
}

type Entry<'a, 'i> = (&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>);

impl Reader<'_> {
    fn root(&mut self, doc: &DeTable<'_>) {
        for (key, value) in doc.iter() {
            let Some(field) = Field::top(key.get_ref()) else {
                self.unknown(None, (key, value));
                continue;
            };
            self.spans.set(field, &value.span());
            use Field::*;
            match field {
                Id => self.customer.id = self.string(field, value).unwrap_or_default(),
                Name => self.customer.name = self.string(field, value).unwrap_or_default(),
                Region => self.customer.region = self.string(field, value).map(Text::from),
                Industry => self.customer.industry = self.string(field, value).map(Text::from),
                Owner => self.customer.owner = self.string(field, value).map(Text::from),
                Since => self.customer.since = self.date(field, value),
                Stage => self.customer.stage = self.string(field, value).unwrap_or_default().into(),
                ExpectedClose => self.customer.expected_close = self.date(field, value),
                Plan => {
                    let Some(table) = self.table(field, value) else {
                        continue;
                    };
                    let before = self.problems.len();
                    let (plan, spans) =
                        crate::plan_file::read(table, self.problems, &mut self.multiline);
                    if let Some(at) = spans.get("plan.reviewed") {
                        self.spans.set(PlanReviewed, &(at..at));
                        if self.problems[before..].iter().any(|p| {
                            p.severity == Severity::Error
                                && p.field.as_deref() == Some("plan.reviewed")
                        }) {
                            self.spans.set_wrong(PlanReviewed);
                        }
                    }
                    self.customer.plan = Some(Box::new(plan));
                    self.plan_spans = spans;
                }
                Grade | Metrics | Contact => {
                    let Some(table) = self.table(field, value) else {
                        continue;
                    };
                    for entry in table.iter() {
                        match field {
                            Grade => self.grade(entry),
                            Metrics => self.metrics(entry),
                            _ => self.contact(entry),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn grade(&mut self, (key, value): Entry<'_, '_>) {
        let Some(field) = Field::grade(key.get_ref()) else {
            self.unknown(Some(Field::Grade), (key, value));
            return;
        };
        self.spans.set(field, &value.span());
        let grade = &mut self.customer.grade;
        let slot = match field {
            Field::Tier => &mut grade.tier,
            Field::Abc => &mut grade.abc,
            Field::Rfm => &mut grade.rfm,
            Field::Pipeline => &mut grade.pipeline,
            Field::Loyalty => &mut grade.loyalty,
            Field::Risk => &mut grade.risk,
            _ => {
                let pinned = self.pinned(value);
                self.customer.grade.pinned = pinned;
                return;
            }
        };
        let text = string_of(value.get_ref());
        self.multiline |= text.is_some_and(|t| t.contains('\n'));
        *slot = text.map(Text::from);
        if slot.is_none() {
            self.wrong_type(field, value, "a string");
        }
    }

    fn pinned(&mut self, value: &Spanned<DeValue<'_>>) -> Vec<String> {
        let Some(items) = self.array(Field::Pinned, value) else {
            return Vec::new();
        };
        let mut pinned = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(name) if PINNABLE.contains(&name) => pinned.push(name.to_owned()),
                Some(name) => {
                    self.problems.push(Problem::error(
                        "unknown-pinned-field",
                        Some(Field::Pinned),
                        Some(item.span().start),
                        format!(
                            "\"{name}\" is not a field that can be pinned (expected one of {})",
                            PINNABLE.join(", ")
                        ),
                    ));
                    pinned.push(name.to_owned());
                }
                None => self.wrong_type(Field::Pinned, item, "a string"),
            }
        }
        pinned
    }

    fn metrics(&mut self, (key, value): Entry<'_, '_>) {
        let Some(field) = Field::metrics(key.get_ref()) else {
            self.unknown(Some(Field::Metrics), (key, value));
            return;
        };
        self.spans.set(field, &value.span());
        use Field::*;
        match field {
            Revenue12m => self.customer.metrics.revenue_12m = self.float(field, value),
            RevenueTotal => self.customer.metrics.revenue_total = self.float(field, value),
            OrdersTotal => self.customer.metrics.orders_total = self.count(field, value),
            Orders12m => self.customer.metrics.orders_12m = self.count(field, value),
            FirstOrder => self.customer.metrics.first_order = self.date(field, value),
            LastOrder => self.customer.metrics.last_order = self.date(field, value),
            Satisfaction => self.customer.metrics.satisfaction = self.float(field, value),
            Repurchase => self.customer.metrics.repurchase = self.float(field, value),
            _ => self.customer.metrics.referral = self.string(field, value).map(Text::from),
        }
    }

    fn contact(&mut self, (key, value): Entry<'_, '_>) {
        let Some(field) = Field::contact(key.get_ref()) else {
            self.unknown(Some(Field::Contact), (key, value));
            return;
        };
        self.spans.set(field, &value.span());
        if field == Field::ContactLast {
            self.customer.contact.last = self.date(field, value);
        } else {
            self.customer.contact.channel = self.string(field, value).map(Text::from);
        }
    }

    fn unknown(&mut self, table: Option<Field>, (key, _value): Entry<'_, '_>) {
        self.multiline = true;
        let name = key.get_ref();
        let path = match table {
            Some(table) => format!("{}.{name}", table.path()),
            None => name.to_string(),
        };
        self.problems.push(Problem {
            severity: Severity::Warning,
            code: "unknown-key",
            field: Some(path),
            message: format!("unknown key `{name}` (kept in the file, ignored by kehu)"),
            offset: Some(key.span().start),
        });
    }

    fn wrong_type(&mut self, field: Field, value: &Spanned<DeValue<'_>>, expected: &str) {
        self.spans.set_wrong(field);
        self.problems.push(Problem::error(
            "wrong-type",
            Some(field),
            Some(value.span().start),
            format!("expected {expected}, found {}", describe(value.get_ref())),
        ));
    }

    fn string(&mut self, field: Field, value: &Spanned<DeValue<'_>>) -> Option<String> {
        let text = string_of(value.get_ref());
        self.multiline |= text.is_some_and(|t| t.contains('\n'));
        let text = text.map(str::to_owned);
        if text.is_none() {
            self.wrong_type(field, value, "a string");
        }
        text
    }

    fn table<'a, 'i>(
        &mut self,
        field: Field,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<&'a DeTable<'i>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.wrong_type(field, value, "a table");
        }
        table
    }

    fn array<'a, 'i>(
        &mut self,
        field: Field,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<&'a DeArray<'i>> {
        let array = value.get_ref().as_array();
        if array.is_none() {
            self.wrong_type(field, value, "an array of strings");
        }
        array
    }

    fn float(&mut self, field: Field, value: &Spanned<DeValue<'_>>) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|i| i as f64),
            _ => {
                self.wrong_type(field, value, "a number");
                return None;
            }
        };
        if parsed.is_none() {
            self.problems.push(Problem::error(
                "out-of-range",
                Some(field),
                Some(value.span().start),
                "the number is too large".to_owned(),
            ));
        }
        parsed
    }

    fn count(&mut self, field: Field, value: &Spanned<DeValue<'_>>) -> Option<i64> {
        let DeValue::Integer(i) = value.get_ref() else {
            self.wrong_type(field, value, "a whole number");
            return None;
        };
        let parsed = i64::from_str_radix(i.as_str(), i.radix()).ok();
        if parsed.is_none() {
            self.problems.push(Problem::error(
                "out-of-range",
                Some(field),
                Some(value.span().start),
                "the number is too large".to_owned(),
            ));
        }
        parsed
    }

    fn date(&mut self, field: Field, value: &Spanned<DeValue<'_>>) -> Option<Date> {
        let (date, wrong) = read_date(value, field.path(), self.problems);
        if wrong {
            self.spans.set_wrong(field);
        }
        date
    }
}

/// Reads a TOML date, pushing its problems under the dotted `path`; the
/// flag is true when the value is not a date at all (a wrong type). A quoted
/// date is read, with a warning.
pub(crate) fn read_date(
    value: &Spanned<DeValue<'_>>,
    path: &str,
    problems: &mut Vec<Problem>,
) -> (Option<Date>, bool) {
    let at = Some(value.span().start);
    let problem = |severity, code, message| Problem {
        severity,
        code,
        field: Some(path.to_owned()),
        message,
        offset: at,
    };
    match value.get_ref() {
        DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                let date = Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day));
                if date.is_none() {
                    problems.push(problem(
                        Severity::Error,
                        "wrong-type",
                        format!("{dt} is not a real day"),
                    ));
                }
                (date, false)
            }
            _ => {
                problems.push(problem(
                    Severity::Error,
                    "wrong-type",
                    format!(
                        "expected a date such as 2026-11-18, found {}",
                        describe(value.get_ref())
                    ),
                ));
                (None, true)
            }
        },
        DeValue::String(text) => match text.parse::<Date>() {
            Ok(date) => {
                problems.push(problem(
                    Severity::Warning,
                    "date-as-string",
                    format!("the date is quoted; write it as a TOML date: {date}"),
                ));
                (Some(date), false)
            }
            Err(_) => {
                problems.push(problem(
                    Severity::Error,
                    "wrong-type",
                    format!("expected a date such as 2026-11-18, found \"{text}\""),
                ));
                (None, false)
            }
        },
        other => {
            problems.push(problem(
                Severity::Error,
                "wrong-type",
                format!(
                    "expected a date such as 2026-11-18, found {}",
                    describe(other)
                ),
            ));
            (None, true)
        }
    }
}

pub(crate) fn string_of<'a>(value: &'a DeValue<'_>) -> Option<&'a str> {
    match value {
        DeValue::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// `integer 42`, `a table`, … for type messages.
pub(crate) fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("string \"{}\"", clip(s)),
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("float {f}"),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => match (d.date, d.time) {
            (Some(_), None) => format!("date {d}"),
            (None, Some(_)) => format!("time {d}"),
            _ => format!("date-time {d}"),
        },
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

/// Shortens long user text in messages (at a character boundary).
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A TOML syntax error with its place: byte offset, and the top-level field
/// when the parser gave no place of its own.
pub(crate) struct PlacedSyntax {
    /// Where it is, as a byte offset into the text.
    pub offset: Option<usize>,
    /// The top-level key of the line it names, when the place was found by
    /// [`place_syntax_error`] rather than given by the parser.
    pub field: Option<String>,
    /// What it says.
    pub message: String,
}

/// Places a syntax error. The parser's recursion limit, hit by a dotted key
/// of thousands of parts (`deep.a.a.a… = 1`), comes without a place: the
/// deepest key in the file is where it is, so the error names that line and
/// its top-level field, as every other error does.
pub(crate) fn place_syntax_error(text: &str, err: &toml::de::Error) -> PlacedSyntax {
    let message = syntax_message(text, err);
    if let Some(span) = err.span() {
        return PlacedSyntax {
            offset: Some(span.start),
            field: None,
            message,
        };
    }
    let mut deepest: Option<(usize, &str, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let key = match trimmed.strip_prefix('[') {
            Some(header) => header.trim_start_matches('[').split(']').next(),
            None => trimmed.split('=').next(),
        };
        let Some(key) = key
            .map(str::trim)
            .filter(|k| !k.is_empty() && !k.starts_with('#'))
        else {
            continue;
        };
        let depth = key.matches('.').count() + 1;
        if deepest.is_none_or(|(_, _, most)| depth > most) {
            deepest = Some((start + (line.len() - trimmed.len()), key, depth));
        }
    }
    match deepest.filter(|(_, _, depth)| *depth > 1) {
        Some((at, key, depth)) => PlacedSyntax {
            offset: Some(at),
            field: key.split('.').next().map(|top| clip(top.trim())),
            message: format!("{message}: the key `{}` is {depth} levels deep", clip(key)),
        },
        None => PlacedSyntax {
            offset: None,
            field: None,
            message,
        },
    }
}

/// The parser's message, naming the key for duplicates.
pub(crate) fn syntax_message(text: &str, err: &toml::de::Error) -> String {
    let message = err.message();
    match err.span().and_then(|span| text.get(span)) {
        Some(key) if message == "duplicate key" && !key.is_empty() => {
            format!("duplicate key `{}`", clip(key))
        }
        _ => message.to_owned(),
    }
}
