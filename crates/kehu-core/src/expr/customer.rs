//! A customer file as the values a condition reads.

use super::{Field, Fields, Value};
use crate::{Customer, Date, Text};

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
        fn text(s: &Option<Text>) -> Option<Value<'_>> {
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
