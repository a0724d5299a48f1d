//! The consistency rules of kehu.toml: vocabularies without duplicates,
//! a usable tier list with valid conditions, owners that name known
//! regions, industries and tiers, thresholds in order.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use super::{Checker, display_path, keys, unknown_tier_message};
use crate::config::{Cadence, Config, POOL_PREFIX};
use crate::diag::{Diagnostic, Pos};
use crate::{CONFIG_FILE, spans};

impl Checker<'_, '_> {
    pub(super) fn consistency(&mut self, config: &Config) {
        self.vocabularies(config);
        self.tiers(config);
        self.owners(config);
        self.thresholds(config);
    }

    fn vocabularies(&mut self, config: &Config) {
        if config.book.stages.is_empty() {
            self.error(
                &["book", "stages"],
                "empty-list",
                "no funnel stages defined".to_owned(),
            );
        }
        for (list, values) in [
            ("stages", &config.book.stages),
            ("channels", &config.book.channels),
        ] {
            let mut seen = HashSet::new();
            for (index, value) in values.iter().enumerate() {
                if !seen.insert(value.as_str()) {
                    let index = index.to_string();
                    self.error(
                        &["book", list, &index],
                        "duplicate-name",
                        format!("\"{value}\" is listed twice"),
                    );
                }
            }
        }
    }

    fn tiers(&mut self, config: &Config) {
        if config.tiers.is_empty() {
            self.error(
                &["tiers"],
                "empty-tiers",
                "no tiers defined; add at least one [[tiers]] table".to_owned(),
            );
            return;
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let last = config.tiers.len() - 1;
        for (index, tier) in config.tiers.iter().enumerate() {
            let i = index.to_string();
            if tier.name.trim().is_empty() {
                self.error(
                    &["tiers", &i, "name"],
                    "empty-name",
                    "a tier needs a name".to_owned(),
                );
            } else if let Some(first) = seen.insert(&tier.name, index) {
                self.error(
                    &["tiers", &i, "name"],
                    "duplicate-name",
                    format!("duplicate tier \"{}\" (also tiers[{first}])", tier.name),
                );
            }
            if tier.when.is_none() && index < last {
                self.warning(
                    &["tiers", &i, "name"],
                    "unreachable-tier",
                    format!(
                        "tier \"{}\" has no `when`, so every tier after it is unreachable",
                        tier.name
                    ),
                );
            }
            if !tier.weight.is_finite() || tier.weight < 0.0 {
                self.error(
                    &["tiers", &i, "weight"],
                    "out-of-range",
                    format!("weight {} must be a number of at least 0", tier.weight),
                );
            }
            if let Some(cadence) = tier.cadence {
                self.cadence(&["tiers", &i, "cadence"], cadence);
            }
            if let Some(when) = &tier.when
                && let Err(err) = crate::expr::parse(when)
            {
                let path = ["tiers", i.as_str(), "when"];
                let offset = spans::value_span(self.doc, &path)
                    .map(|span| string_offset(self.text, span, when, err.offset));
                self.diagnostics.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        "bad-condition",
                        format!(
                            "in the condition of tier \"{}\": {}",
                            tier.name, err.message
                        ),
                    )
                    .at(offset.map(|o| Pos::of_offset(self.text, o)))
                    .field(display_path(&path)),
                );
            }
        }
        if let Some(names) = &config.checks.key_account_tiers {
            for (index, name) in names.iter().enumerate() {
                if config.tier(name).is_none() {
                    let i = index.to_string();
                    self.error(
                        &["checks", "key_account_tiers", &i],
                        "unknown-tier",
                        unknown_tier_message(name, config),
                    );
                }
            }
        }
    }

    fn cadence(&mut self, path: &[&str], cadence: Cadence) {
        if cadence.ideal == 0 {
            self.error(
                path,
                "out-of-range",
                "cadence must be at least 1 day".to_owned(),
            );
        } else if cadence.max < cadence.ideal {
            self.error(
                path,
                "out-of-range",
                format!(
                    "max {} is shorter than ideal {}",
                    cadence.max, cadence.ideal
                ),
            );
        }
    }

    fn owners(&mut self, config: &Config) {
        for (id, owner) in &config.owners {
            if id.starts_with(POOL_PREFIX) {
                self.error(
                    &["owners", id],
                    "reserved-name",
                    format!(
                        "owner ids starting with `{POOL_PREFIX}` are reserved for regional pools"
                    ),
                );
            }
            match owner.capacity {
                Some(capacity) if !capacity.is_finite() || capacity <= 0.0 => self.warning(
                    &["owners", id, "capacity"],
                    "capacity-not-positive",
                    format!("owner \"{id}\" has capacity {capacity}: no customer can be assigned"),
                ),
                _ => {}
            }
            for (index, region) in owner.regions.iter().enumerate() {
                if !config.regions.is_empty() && !config.regions.contains_key(region) {
                    let i = index.to_string();
                    self.error(
                        &["owners", id, "regions", &i],
                        "unknown-value",
                        format!(
                            "unknown region \"{region}\" (kehu.toml defines {})",
                            keys(&config.regions)
                        ),
                    );
                }
            }
            for (index, industry) in owner.industries.iter().enumerate() {
                if !config.industries.is_empty() && !config.industries.contains_key(industry) {
                    let i = index.to_string();
                    self.error(
                        &["owners", id, "industries", &i],
                        "unknown-value",
                        format!(
                            "unknown industry \"{industry}\" (kehu.toml defines {})",
                            keys(&config.industries)
                        ),
                    );
                }
            }
            for (index, tier) in owner.tiers.iter().enumerate() {
                if config.tier(tier).is_none() {
                    let i = index.to_string();
                    self.error(
                        &["owners", id, "tiers", &i],
                        "unknown-tier",
                        unknown_tier_message(tier, config),
                    );
                }
            }
        }
    }

    fn thresholds(&mut self, config: &Config) {
        let abc = &config.abc;
        if !(abc.a > 0.0 && abc.a < abc.b && abc.b <= 1.0) {
            self.error(
                &["abc"],
                "out-of-range",
                format!("need 0 < a < b <= 1, found a = {} and b = {}", abc.a, abc.b),
            );
        }
        if let crate::config::RfmWindow::Months(0) = config.rfm.window {
            self.error(
                &["rfm", "window"],
                "out-of-range",
                "the window must be at least 1 month, or \"all\"".to_owned(),
            );
        }
        let p = &config.pipeline;
        if !(p.a_months >= 1 && p.a_months <= p.b_months && p.b_months <= p.c_months) {
            self.error(
                &["pipeline"],
                "out-of-range",
                format!(
                    "need 1 <= a_months <= b_months <= c_months, found {}, {}, {}",
                    p.a_months, p.b_months, p.c_months
                ),
            );
        }
        for (grade, cadence) in [
            ("A", config.cadence.a),
            ("B", config.cadence.b),
            ("C", config.cadence.c),
            ("D", config.cadence.d),
            ("E", config.cadence.e),
        ] {
            self.cadence(&["cadence", grade], cadence);
        }
        for (band, rule) in [
            ("loyal", &config.loyalty.loyal),
            ("satisfied", &config.loyalty.satisfied),
            ("detractor", &config.loyalty.detractor),
        ] {
            if let Some(s) = rule.satisfaction
                && !(1.0..=5.0).contains(&s)
            {
                self.error(
                    &["loyalty", band, "satisfaction"],
                    "out-of-range",
                    format!("satisfaction {s} is outside 1..5"),
                );
            }
            if let Some(r) = rule.repurchase
                && !(0.0..=1.0).contains(&r)
            {
                self.error(
                    &["loyalty", band, "repurchase"],
                    "out-of-range",
                    format!("repurchase {r} is outside 0..1"),
                );
            }
            if let Some(referral) = &rule.referral
                && !crate::validate::REFERRALS.contains(&referral.as_str())
            {
                self.error(
                    &["loyalty", band, "referral"],
                    "unknown-value",
                    format!(
                        "unknown referral \"{referral}\" (expected likely, possible or unlikely)"
                    ),
                );
            }
        }
        let churn = &config.churn;
        for (name, weight) in churn.weights.entries() {
            if !weight.is_finite() || weight < 0.0 {
                self.error(
                    &["churn", "weights", name],
                    "out-of-range",
                    format!("weight {weight} must be a number of at least 0"),
                );
            }
        }
        if churn.weights.entries().iter().all(|(_, w)| *w == 0.0) {
            self.error(
                &["churn", "weights"],
                "out-of-range",
                "every churn weight is 0".to_owned(),
            );
        }
        if !(churn.medium >= 0.0 && churn.medium < churn.high && churn.high <= 1.0) {
            self.error(
                &["churn"],
                "out-of-range",
                format!(
                    "need 0 <= medium < high <= 1, found medium = {} and high = {}",
                    churn.medium, churn.high
                ),
            );
        }
    }
}

/// The file offset of byte `offset` of a TOML string value whose source is
/// `text[span]` and whose decoded content is `content`. Exact when the
/// string has no escapes; otherwise the start of the value.
fn string_offset(text: &str, span: Range<usize>, content: &str, offset: usize) -> usize {
    let Some(raw) = text.get(span.clone()) else {
        return span.start;
    };
    let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    let mut start = quote;
    let inner = &raw[quote.min(raw.len())..];
    if quote == 3 {
        if inner.starts_with("\r\n") {
            start += 2;
        } else if inner.starts_with('\n') {
            start += 1;
        }
    }
    match raw.get(start..start + content.len()) {
        Some(source) if source == content => span.start + start + offset.min(content.len()),
        _ => span.start,
    }
}
