//! Stored against computed: for every customer and every selected grade,
//! whether the file agrees with the policy, and what to do when it does not.
//! The computations themselves are `kehu_analytics::grade_book`'s.

use kehu_analytics::{BookGrades, CustomerGrades, Policy, TierRule, grade_book};
use kehu_core::{Customer, Date};
use kehu_plugin::policy::is_pinned;
use kehu_plugin_sdk::PluginError;
use rayon::prelude::*;

use crate::field::{Field, FieldSet, Reason};

/// How a stored grade compares with the computed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// They agree.
    Unchanged,
    /// They differ and the field is not pinned: `classify` regrades it.
    Regrade,
    /// They differ but a person pinned the field: left as it is.
    Pinned,
}

impl Status {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unchanged => "unchanged",
            Status::Regrade => "regrade",
            Status::Pinned => "pinned",
        }
    }
}

/// One grade of one customer, stored and computed.
#[derive(Clone, Copy)]
pub struct Cell<'a> {
    /// The customer.
    pub customer: &'a Customer,
    /// Its computed grades (reasons are worded on demand).
    pub grades: &'a CustomerGrades,
    /// Which grade.
    pub field: Field,
    /// What the file says.
    pub stored: Option<&'a str>,
    /// What the policy says.
    pub computed: Option<&'a str>,
    /// Whether a person pinned the field.
    pub pinned: bool,
    /// The comparison.
    pub status: Status,
    /// The assessment and the customer's place in it, for the reason.
    assessment: &'a Assessment<'a>,
    index: usize,
}

impl<'a> Cell<'a> {
    /// Why the computed value, in words when displayed.
    pub fn reason(&self) -> Reason<'a> {
        self.assessment.reason(self.index, self.field)
    }

    /// The "to" column: the computed value, or `pinned (computed: X)` when
    /// a pin keeps the stored one.
    pub fn new_column(&self) -> String {
        let computed = self.computed.unwrap_or(NONE);
        match self.status {
            Status::Pinned => format!("pinned (computed: {computed})"),
            Status::Unchanged | Status::Regrade => computed.to_owned(),
        }
    }

    /// The "from" column.
    pub fn old_column(&self) -> &str {
        self.stored.unwrap_or(NONE)
    }
}

/// How an absent grade shows in tables.
pub const NONE: &str = "(none)";

/// The whole book graded under one policy.
pub struct Assessment<'a> {
    /// The customers, in the book's (id) order.
    pub customers: &'a [Customer],
    /// Their grades, in the same order, and the RFM means.
    pub grades: BookGrades,
    /// The grades compared.
    pub fields: FieldSet,
    /// The policy's tiers, for their reasons.
    pub tiers: Vec<TierRule>,
    /// The day graded.
    pub as_of: Date,
}

impl<'a> Assessment<'a> {
    /// Grades `customers` under `policy` as of `as_of`.
    pub fn new(
        customers: &'a [Customer],
        policy: &Policy,
        as_of: Date,
        fields: FieldSet,
    ) -> Result<Assessment<'a>, PluginError> {
        let grades =
            grade_book(customers, policy, as_of).map_err(|e| PluginError::Data(e.to_string()))?;
        Ok(Assessment {
            customers,
            grades,
            fields,
            tiers: policy.tier_rules(),
            as_of,
        })
    }

    /// The selected grades of customer `index`, in file order.
    pub fn cells(&self, index: usize) -> impl Iterator<Item = Cell<'_>> {
        let customer = &self.customers[index];
        let grades = &self.grades.customers[index];
        self.fields.iter().map(move |field| {
            let stored = field.stored(&customer.grade);
            let computed = field.computed(grades);
            let pinned = is_pinned(customer, field.path());
            let status = if stored == computed {
                Status::Unchanged
            } else if pinned {
                Status::Pinned
            } else {
                Status::Regrade
            };
            Cell {
                customer,
                grades,
                field,
                stored,
                computed,
                pinned,
                status,
                assessment: self,
                index,
            }
        })
    }

    /// Why customer `index`'s `field` is what was computed, in words when
    /// displayed.
    pub fn reason(&self, index: usize, field: Field) -> Reason<'_> {
        let grades = &self.grades.customers[index];
        let fields = grades.fields(&self.customers[index], self.as_of);
        field.reason(grades, &self.tiers, fields)
    }

    /// Every selected grade of every customer, customers in id order.
    pub fn all_cells(&self) -> impl Iterator<Item = Cell<'_>> {
        (0..self.customers.len()).flat_map(move |i| self.cells(i))
    }

    /// The cells whose stored value differs (regrades and pins).
    pub fn differences(&self) -> impl Iterator<Item = Cell<'_>> {
        self.all_cells().filter(|c| c.status != Status::Unchanged)
    }

    /// Counts of cells per status: (unchanged, regrade, pinned), the
    /// customers counted in parallel.
    pub fn counts(&self) -> Counts {
        let mut counts = (0..self.customers.len())
            .into_par_iter()
            .fold(Counts::default, |mut counts, index| {
                for cell in self.cells(index) {
                    match cell.status {
                        Status::Unchanged => counts.unchanged += 1,
                        Status::Regrade => counts.regrades += 1,
                        Status::Pinned => counts.pinned += 1,
                    }
                }
                counts
            })
            .reduce(Counts::default, |a, b| Counts {
                customers: 0,
                unchanged: a.unchanged + b.unchanged,
                regrades: a.regrades + b.regrades,
                pinned: a.pinned + b.pinned,
            });
        counts.customers = self.customers.len();
        counts
    }
}

/// How many grades agree, need a regrade, or are held by a pin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Customers graded.
    pub customers: usize,
    /// Grades that agree.
    pub unchanged: usize,
    /// Grades to change.
    pub regrades: usize,
    /// Grades that differ but are pinned.
    pub pinned: usize,
}
