//! Value checks on a customer that read cleanly: its id against its file
//! name, its vocabulary against `kehu.toml`, and the plausibility of its
//! figures and dates.

use crate::config::{Config, POOL_PREFIX};
use crate::config_check::{keys, unknown_tier_message};
use crate::customer_file::{Field, FieldSpans, Problem, clip};
use crate::suggest::hint;
use crate::{Customer, Date, Text};

/// The largest amount of money a customer file may hold: a thousand
/// trillion, above any real account, and low enough that sums over a whole
/// book stay exact to the cent in `f64`. Larger is a typo or an attack.
pub const MAX_MONEY: f64 = 1e15;
/// The largest order count a customer file may hold; sums over a book of
/// a million customers stay far from `i64` overflow.
pub const MAX_COUNT: i64 = 1_000_000_000_000;
/// Referral likelihoods a customer file may state.
pub const REFERRALS: [&str; 3] = ["likely", "possible", "unlikely"];
/// ABC classes.
pub const ABC_CLASSES: [&str; 3] = ["A", "B", "C"];
/// Pipeline grades, best first.
pub const PIPELINE_GRADES: [&str; 5] = ["A", "B", "C", "D", "E"];
/// RFM segments (DESIGN §3), plus `none` for customers without orders.
pub const RFM_SEGMENTS: [&str; 9] = [
    "important-value",
    "important-develop",
    "important-keep",
    "important-retain",
    "general-value",
    "general-develop",
    "general-keep",
    "general-retain",
    "none",
];
/// Loyalty bands.
pub const LOYALTY_BANDS: [&str; 4] = ["loyal", "satisfied", "at-risk", "detractor"];
/// Churn risk bands.
pub const RISK_BANDS: [&str; 3] = ["high", "medium", "low"];

/// Whether `id` is a valid customer id: lowercase `[a-z0-9-]`, 2–64 characters.
pub fn is_valid_id(id: &str) -> bool {
    (2..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The canonical path of a customer file relative to the book root:
/// `customers/<id[0..2]>/<id>.toml`. `None` for an invalid id.
pub fn canonical_path(id: &str) -> Option<String> {
    is_valid_id(id).then(|| format!("customers/{}/{id}.toml", &id[..2]))
}

/// Whether `path` is `customers/<id[0..2]>/<id>.toml`, without allocating.
fn is_canonical(path: &str, id: &str) -> bool {
    id.len() >= 2
        && id.is_char_boundary(2)
        && path
            .strip_prefix("customers/")
            .and_then(|rest| rest.strip_prefix(&id[..2]))
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|rest| rest.strip_prefix(id))
            == Some(".toml")
}

/// `unknown owner "x" (kehu.toml defines alice, bruno)`, with a hint.
pub(crate) fn unknown_owner_message(owner: &str, config: &Config) -> String {
    format!(
        "unknown owner \"{}\" (kehu.toml defines {}){}",
        clip(owner),
        config
            .owners
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        hint(owner, config.owners.keys().map(String::as_str))
    )
}

/// What the checks need besides the customer.
pub(crate) struct Context<'a> {
    /// The policy; `None` when kehu.toml is unusable (vocabulary checks off).
    pub config: Option<&'a Config>,
    /// Dates after this are in the future.
    pub as_of: Date,
}

/// Checks the id against the file's place. Returns false when the id cannot
/// be trusted (invalid, or not the file's stem): such a file is not loaded.
pub(crate) fn check_id(
    path: &str,
    customer: &Customer,
    spans: &FieldSpans,
    out: &mut Vec<Problem>,
) -> bool {
    let at = spans.get(Field::Id);
    let id = customer.id.as_str();
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let stem = file_name.strip_suffix(".toml").unwrap_or(file_name);
    let mut trusted = true;
    if !is_valid_id(id) {
        out.push(Problem::error(
            "invalid-id",
            Some(Field::Id),
            at,
            format!(
                "\"{}\" is not a valid id: use 2 to 64 lowercase letters, digits and `-`",
                clip(id)
            ),
        ));
        trusted = false;
    }
    if id != stem {
        out.push(Problem::error(
            "id-mismatch",
            Some(Field::Id),
            at,
            format!(
                "id \"{}\" does not match the file name \"{file_name}\"",
                clip(id)
            ),
        ));
        trusted = false;
    }
    if trusted
        && !is_canonical(path, id)
        && let Some(canonical) = canonical_path(id)
    {
        out.push(Problem::warning(
            "misplaced-file",
            None,
            None,
            format!("not in its canonical place {canonical}"),
        ));
    }
    trusted
}

/// Replaces control characters (all but tab) in the customer's text fields
/// with U+FFFD and reports each field as an error. Such characters come only
/// from TOML escapes such as `\u001b`, and would otherwise reach every
/// table kehu and its plugins print: a name holding `ESC [2J` clears the
/// reader's terminal, an OSC 8 sequence plants a hidden link. The file still
/// loads for reading (so reports show the rest); its errors stop any
/// command from rewriting it.
pub(crate) fn neutralise_controls(c: &mut Customer, spans: &FieldSpans, out: &mut Vec<Problem>) {
    let mut v = Checker { spans, out };
    let mut flag = |field| {
        v.error(
            "control-character",
            field,
            "holds control characters (terminal escape codes?); shown as \u{FFFD}".to_owned(),
        );
    };
    if let Some(clean) = without_controls(&c.name) {
        c.name = clean;
        flag(Field::Name);
    }
    if let Some(clean) = without_controls(&c.stage) {
        c.stage = clean.into();
        flag(Field::Stage);
    }
    let g = &mut c.grade;
    for (field, value) in [
        (Field::Region, &mut c.region),
        (Field::Industry, &mut c.industry),
        (Field::Owner, &mut c.owner),
        (Field::Tier, &mut g.tier),
        (Field::Abc, &mut g.abc),
        (Field::Rfm, &mut g.rfm),
        (Field::Pipeline, &mut g.pipeline),
        (Field::Loyalty, &mut g.loyalty),
        (Field::Risk, &mut g.risk),
        (Field::Referral, &mut c.metrics.referral),
        (Field::ContactChannel, &mut c.contact.channel),
    ] {
        if let Some(value) = value.as_mut()
            && let Some(clean) = without_controls(value)
        {
            *value = clean.into();
            flag(field);
        }
    }
    for value in &mut g.pinned {
        if let Some(clean) = without_controls(value) {
            *value = clean;
            flag(Field::Pinned);
        }
    }
}

/// `value` with each forbidden control shown as U+FFFD; `None` when it has
/// none.
fn without_controls(value: &str) -> Option<String> {
    let replaced = |ch| {
        if is_forbidden_control(ch) {
            '\u{FFFD}'
        } else {
            ch
        }
    };
    value
        .chars()
        .any(is_forbidden_control)
        .then(|| value.chars().map(replaced).collect())
}

/// A character no text field may hold: C0 and C1 controls and DEL, except tab.
pub fn is_forbidden_control(ch: char) -> bool {
    ch.is_control() && ch != '\t'
}

/// Every value check on a structurally sound customer.
pub(crate) fn check_values(
    customer: &Customer,
    spans: &FieldSpans,
    ctx: &Context<'_>,
    out: &mut Vec<Problem>,
) {
    let mut v = Checker { spans, out };
    if customer.name.trim().is_empty() && spans.is_valid(Field::Name) {
        v.error("empty-value", Field::Name, "the name is empty".to_owned());
    }
    if let Some(config) = ctx.config {
        v.vocabulary(customer, config);
    }
    v.grades(customer);
    v.dates(customer, ctx.as_of);
    v.figures(customer);
}

struct Checker<'a> {
    spans: &'a FieldSpans,
    out: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn error(&mut self, code: &'static str, field: Field, message: String) {
        let at = self.spans.get(field);
        self.out
            .push(Problem::error(code, Some(field), at, message));
    }

    fn warning(&mut self, code: &'static str, field: Field, message: String) {
        let at = self.spans.get(field);
        self.out
            .push(Problem::warning(code, Some(field), at, message));
    }

    fn vocabulary(&mut self, c: &Customer, config: &Config) {
        if self.spans.is_valid(Field::Stage) && !config.book.stages.iter().any(|s| *s == c.stage) {
            self.error(
                "unknown-value",
                Field::Stage,
                format!(
                    "unknown stage \"{}\" (kehu.toml defines {}){}",
                    clip(&c.stage),
                    config.book.stages.join(", "),
                    hint(&c.stage, config.book.stages.iter().map(String::as_str))
                ),
            );
        }
        if let Some(region) = &c.region
            && !config.regions.is_empty()
            && !config.regions.contains_key(region.as_str())
        {
            self.error(
                "unknown-value",
                Field::Region,
                format!(
                    "unknown region \"{}\" (kehu.toml defines {}){}",
                    clip(region),
                    keys(&config.regions),
                    hint(region, config.regions.keys().map(String::as_str))
                ),
            );
        }
        if let Some(industry) = &c.industry
            && !config.industries.is_empty()
            && !config.industries.contains_key(industry.as_str())
        {
            self.error(
                "unknown-value",
                Field::Industry,
                format!(
                    "unknown industry \"{}\" (kehu.toml defines {}){}",
                    clip(industry),
                    keys(&config.industries),
                    hint(industry, config.industries.keys().map(String::as_str))
                ),
            );
        }
        let tier = c.grade.tier.as_deref().and_then(|name| config.tier(name));
        if let Some(name) = &c.grade.tier
            && tier.is_none()
        {
            self.error(
                "unknown-value",
                Field::Tier,
                unknown_tier_message(&clip(name), config),
            );
        }
        if let Some(owner) = &c.owner {
            self.owner(owner, c, tier, config);
        }
        if let Some(channel) = &c.contact.channel
            && !config.book.channels.is_empty()
            && !config.book.channels.iter().any(|c| c == channel)
        {
            self.error(
                "unknown-value",
                Field::ContactChannel,
                format!(
                    "unknown channel \"{}\" (kehu.toml defines {}){}",
                    clip(channel),
                    config.book.channels.join(", "),
                    hint(channel, config.book.channels.iter().map(String::as_str))
                ),
            );
        }
    }

    fn owner(
        &mut self,
        owner: &str,
        c: &Customer,
        tier: Option<&crate::config::Tier>,
        config: &Config,
    ) {
        if let Some(region) = owner.strip_prefix(POOL_PREFIX) {
            if !config.regions.is_empty() && !config.regions.contains_key(region) {
                self.error(
                    "unknown-value",
                    Field::Owner,
                    format!(
                        "unknown pool \"{}\": no region \"{}\" in kehu.toml",
                        clip(owner),
                        clip(region)
                    ),
                );
            } else if let Some(tier) = tier
                && !tier.pooled
            {
                self.error(
                    "pool-not-pooled",
                    Field::Owner,
                    format!(
                        "\"{owner}\" is a regional pool, but tier \"{}\" is not pooled",
                        tier.name
                    ),
                );
            } else if let Some(own_region) = &c.region
                && own_region != region
            {
                self.warning(
                    "pool-region",
                    Field::Owner,
                    format!("pool \"{owner}\" serves another region than \"{own_region}\""),
                );
            }
            return;
        }
        if config.owners.is_empty() {
            return;
        }
        match config.owners.get(owner) {
            None => self.error(
                "unknown-value",
                Field::Owner,
                unknown_owner_message(owner, config),
            ),
            Some(o) if !o.active => self.warning(
                "owner-inactive",
                Field::Owner,
                format!("owner \"{owner}\" is not active"),
            ),
            Some(_) => {}
        }
    }

    fn grades(&mut self, c: &Customer) {
        let g = &c.grade;
        let checks: [(Field, &Option<Text>, &[&str], bool); 5] = [
            (Field::Abc, &g.abc, &ABC_CLASSES, true),
            (Field::Pipeline, &g.pipeline, &PIPELINE_GRADES, true),
            (Field::Rfm, &g.rfm, &RFM_SEGMENTS, false),
            (Field::Loyalty, &g.loyalty, &LOYALTY_BANDS, false),
            (Field::Risk, &g.risk, &RISK_BANDS, false),
        ];
        for (field, value, allowed, strict) in checks {
            if let Some(value) = value
                && !allowed.contains(&value.as_str())
            {
                let message = format!(
                    "unknown value \"{}\" (expected {})",
                    clip(value),
                    allowed.join(", ")
                );
                if strict {
                    self.error("unknown-value", field, message);
                } else {
                    self.warning("unknown-value", field, message);
                }
            }
        }
        if let Some(referral) = &c.metrics.referral
            && !REFERRALS.contains(&referral.as_str())
        {
            self.error(
                "unknown-value",
                Field::Referral,
                format!(
                    "unknown referral \"{}\" (expected likely, possible or unlikely)",
                    clip(referral)
                ),
            );
        }
    }

    fn dates(&mut self, c: &Customer, as_of: Date) {
        for (field, date) in [
            (Field::Since, c.since),
            (Field::FirstOrder, c.metrics.first_order),
            (Field::LastOrder, c.metrics.last_order),
            (Field::ContactLast, c.contact.last),
        ] {
            if let Some(date) = date
                && date > as_of
            {
                self.error(
                    "future-date",
                    field,
                    format!("{date} is in the future (as of {as_of})"),
                );
            }
        }
        if let (Some(first), Some(last)) = (c.metrics.first_order, c.metrics.last_order)
            && first > last
        {
            self.warning(
                "inconsistent",
                Field::FirstOrder,
                format!("first order {first} is after the last order {last}"),
            );
        }
    }

    fn figures(&mut self, c: &Customer) {
        let m = &c.metrics;
        for (field, value) in [
            (Field::Revenue12m, m.revenue_12m),
            (Field::RevenueTotal, m.revenue_total),
        ] {
            match value {
                Some(v) if !v.is_finite() => {
                    self.error("not-finite", field, format!("{v} is not a number of money"));
                }
                Some(v) if v < 0.0 => {
                    self.error("negative-value", field, format!("{v} is negative"));
                }
                Some(v) if v > MAX_MONEY => {
                    self.error(
                        "out-of-range",
                        field,
                        format!("{v:e} is above the limit of {MAX_MONEY:e} (a typo?)"),
                    );
                }
                _ => {}
            }
        }
        for (field, value) in [
            (Field::OrdersTotal, m.orders_total),
            (Field::Orders12m, m.orders_12m),
        ] {
            match value {
                Some(v) if v < 0 => {
                    self.error("negative-value", field, format!("{v} is negative"));
                }
                Some(v) if v > MAX_COUNT => {
                    self.error(
                        "out-of-range",
                        field,
                        format!("{v} is above the limit of {MAX_COUNT} (a typo?)"),
                    );
                }
                _ => {}
            }
        }
        for (field, value, low, high) in [
            (Field::Satisfaction, m.satisfaction, 1.0, 5.0),
            (Field::Repurchase, m.repurchase, 0.0, 1.0),
        ] {
            match value {
                Some(v) if !v.is_finite() => {
                    self.error("not-finite", field, format!("{v} is not a number"));
                }
                Some(v) if !(low..=high).contains(&v) => {
                    self.error(
                        "out-of-range",
                        field,
                        format!("{v} is outside {low}..{high}"),
                    );
                }
                _ => {}
            }
        }
        if let (Some(year), Some(total)) = (m.orders_12m, m.orders_total)
            && year > total
            && total >= 0
        {
            self.warning(
                "inconsistent",
                Field::Orders12m,
                format!("{year} orders in 12 months but {total} in total"),
            );
        }
        if let (Some(year), Some(total)) = (m.revenue_12m, m.revenue_total)
            && year > total
            && total >= 0.0
        {
            self.warning(
                "inconsistent",
                Field::Revenue12m,
                format!("{year} revenue in 12 months but {total} in total"),
            );
        }
    }
}
