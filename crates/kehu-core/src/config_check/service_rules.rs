//! The consistency rules of service levels and targets: a tier's preferred
//! channels come from `[book] channels`, a pool service model belongs to a
//! pooled tier, and targets are shares and scores in range.

use super::Checker;
use crate::config::Config;

impl Checker<'_, '_> {
    pub(super) fn service(&mut self, config: &Config) {
        for (index, tier) in config.tiers.iter().enumerate() {
            let Some(service) = &tier.service else {
                continue;
            };
            let i = index.to_string();
            for (k, channel) in service.channels.iter().enumerate() {
                if !config.book.channels.is_empty() && !config.book.channels.contains(channel) {
                    let k = k.to_string();
                    self.error(
                        &["tiers", &i, "service", "channels", &k],
                        "unknown-value",
                        format!(
                            "unknown channel \"{channel}\" (kehu.toml [book] channels: {})",
                            config.book.channels.join(", ")
                        ),
                    );
                }
            }
            if service.model == crate::service::ServiceModel::Pool && !tier.pooled {
                self.warning(
                    &["tiers", &i, "service", "model"],
                    "pool-not-pooled",
                    format!(
                        "tier \"{}\" is served by a pool but is not `pooled = true`",
                        tier.name
                    ),
                );
            }
        }
        let t = &config.targets;
        if !(0.0..=1.0).contains(&t.satisfied_share) {
            self.error(
                &["targets", "satisfied_share"],
                "out-of-range",
                format!("{} is not a share (0..1)", t.satisfied_share),
            );
        }
        if !(1.0..=5.0).contains(&t.satisfied_score) {
            self.error(
                &["targets", "satisfied_score"],
                "out-of-range",
                format!("{} is not a satisfaction score (1..5)", t.satisfied_score),
            );
        }
        if t.complaints_per_customer.is_nan() || t.complaints_per_customer < 0.0 {
            self.error(
                &["targets", "complaints_per_customer"],
                "out-of-range",
                format!(
                    "{} is not a number of complaints",
                    t.complaints_per_customer
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config_check::tests::report;

    #[test]
    fn service_channels_come_from_the_book() {
        let text = "[[tiers]]\nname = \"big\"\nwhen = \"revenue_12m > 1\"\nservice = { model = \"pool\", channels = [\"call\", \"pigeon\"] }\n[[tiers]]\nname = \"rest\"\n";
        assert_eq!(
            report(text),
            [
                "kehu.toml:4:21: warning: tiers[0].service.model: tier \"big\" is served by a pool but is not `pooled = true`",
                "kehu.toml:4:49: error: tiers[0].service.channels[1]: unknown channel \"pigeon\" (kehu.toml [book] channels: call, visit, email, meeting, message)",
            ]
        );
    }

    #[test]
    fn targets_in_range_and_the_model_known() {
        assert_eq!(
            report("[targets]\nsatisfied_share = 95\nsatisfied_score = 0\n"),
            [
                "kehu.toml:2:19: error: targets.satisfied_share: 95 is not a share (0..1)",
                "kehu.toml:3:19: error: targets.satisfied_score: 0 is not a satisfaction score (1..5)",
            ]
        );
        let bad_model = report("[[tiers]]\nname = \"all\"\nservice = { model = \"butler\" }\n");
        assert_eq!(bad_model.len(), 1);
        assert!(
            bad_model[0].starts_with(
                "kehu.toml:3:21: error: tiers[0].service.model: unknown variant `butler`"
            ),
            "{bad_model:?}"
        );
    }
}
