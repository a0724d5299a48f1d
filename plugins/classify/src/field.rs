//! The five grades `classify` computes, as they are named on the command
//! line and stored in a customer's `[grade]` table.

use std::fmt;

use kehu_analytics::abc::AbcReason;
use kehu_analytics::loyalty::LoyaltyReason;
use kehu_analytics::pipeline::PipelineReason;
use kehu_analytics::rfm::RfmReason;
use kehu_analytics::{CustomerGrades, TierReason, TierRule};
use kehu_core::Grade;
use kehu_core::expr::CustomerFields;

/// One grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Value tier from the kehu.toml conditions.
    Tier,
    /// Pareto class.
    Abc,
    /// RFM segment.
    Rfm,
    /// Pipeline grade A–E.
    Pipeline,
    /// Loyalty.
    Loyalty,
}

impl Field {
    /// Every grade, in the order of a customer file's `[grade]` table.
    pub const ALL: [Field; 5] = [
        Field::Tier,
        Field::Abc,
        Field::Rfm,
        Field::Pipeline,
        Field::Loyalty,
    ];

    /// The name on the command line and in `[grade]`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Tier => "tier",
            Field::Abc => "abc",
            Field::Rfm => "rfm",
            Field::Pipeline => "pipeline",
            Field::Loyalty => "loyalty",
        }
    }

    /// The dotted path a changeset edits.
    pub fn path(self) -> &'static str {
        match self {
            Field::Tier => "grade.tier",
            Field::Abc => "grade.abc",
            Field::Rfm => "grade.rfm",
            Field::Pipeline => "grade.pipeline",
            Field::Loyalty => "grade.loyalty",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The names, for messages: "tier, abc, rfm, pipeline or loyalty".
    pub fn names() -> &'static str {
        "tier, abc, rfm, pipeline or loyalty"
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The value stored in the customer file.
    pub fn stored(self, grade: &Grade) -> Option<&str> {
        match self {
            Field::Tier => grade.tier.as_deref(),
            Field::Abc => grade.abc.as_deref(),
            Field::Rfm => grade.rfm.as_deref(),
            Field::Pipeline => grade.pipeline.as_deref(),
            Field::Loyalty => grade.loyalty.as_deref(),
        }
    }

    /// The computed value; `None` when there is nothing to grade (loyalty
    /// without any indicator, a tier list that is empty).
    pub fn computed(self, grades: &CustomerGrades) -> Option<&str> {
        match self {
            Field::Tier => grades.tier.as_ref().map(|t| t.name.as_str()),
            Field::Abc => Some(grades.abc.class.as_str()),
            Field::Rfm => Some(grades.rfm.segment.as_str()),
            Field::Pipeline => Some(grades.pipeline.grade.as_str()),
            Field::Loyalty => grades.loyalty.as_ref().map(|l| l.loyalty.as_str()),
        }
    }

    /// Why the computed value, in words when displayed; `tiers` and
    /// `fields` are what the tier was classified with.
    pub fn reason<'a>(
        self,
        grades: &'a CustomerGrades,
        tiers: &'a [TierRule],
        fields: CustomerFields<'a>,
    ) -> Reason<'a> {
        match self {
            Field::Tier => grades
                .tier
                .as_ref()
                .map_or(Reason::Text("no tiers defined"), |t| {
                    Reason::Tier(t.reason(tiers, fields))
                }),
            Field::Abc => Reason::Abc(&grades.abc.reason),
            Field::Rfm => Reason::Rfm(&grades.rfm.reason),
            Field::Pipeline => Reason::Pipeline(&grades.pipeline.reason),
            Field::Loyalty => grades.loyalty.as_ref().map_or(
                Reason::Text("no satisfaction, repurchase or referral to judge"),
                |l| Reason::Loyalty(&l.reason),
            ),
        }
    }
}

/// Why a grade is what it is: worded when displayed, straight into the
/// output (a JSON report of a large book words half a million of them).
pub enum Reason<'a> {
    /// The tier condition that decided.
    Tier(TierReason<'a, CustomerFields<'a>>),
    /// The Pareto class.
    Abc(&'a AbcReason),
    /// The RFM scores.
    Rfm(&'a RfmReason),
    /// The pipeline grade.
    Pipeline(&'a PipelineReason),
    /// Loyalty.
    Loyalty(&'a LoyaltyReason),
    /// Nothing to grade.
    Text(&'static str),
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Tier(reason) => reason.fmt(out),
            Reason::Abc(reason) => reason.fmt(out),
            Reason::Rfm(reason) => reason.fmt(out),
            Reason::Pipeline(reason) => reason.fmt(out),
            Reason::Loyalty(reason) => reason.fmt(out),
            Reason::Text(text) => out.write_str(text),
        }
    }
}

/// A set of grades, iterated in [`Field::ALL`] order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSet(u8);

impl FieldSet {
    /// All five.
    pub fn all() -> FieldSet {
        FieldSet(Field::ALL.iter().fold(0, |bits, f| bits | f.bit()))
    }

    /// None.
    pub fn empty() -> FieldSet {
        FieldSet(0)
    }

    /// Adds a grade.
    pub fn insert(&mut self, field: Field) {
        self.0 |= field.bit();
    }

    /// Whether the set holds `field`.
    pub fn contains(self, field: Field) -> bool {
        self.0 & field.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The grades in file order.
    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The names, for JSON.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Field::name).collect()
    }
}
