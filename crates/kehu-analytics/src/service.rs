//! Service levels applied to customers: which level serves a customer (its
//! tier's, else the default tier's), the channel to suggest for its next
//! follow-up, and whether it belongs in a standard mass contact.
//!
//! The agenda suggests channels and builds the batch lists from these; the
//! CLI uses [`service_of`] to warn when a contact leaves the service model.

use kehu_core::Config;
use kehu_core::service::{ServiceLevel, ServiceModel};

/// The tier that serves a customer and its service level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Served<'c> {
    /// The tier's name.
    pub tier: &'c str,
    /// Its service level.
    pub level: &'c ServiceLevel,
}

impl Served<'_> {
    /// The channel to suggest for a follow-up: the tier's first preferred
    /// channel; `None` when the tier names none.
    pub fn channel(&self) -> Option<&str> {
        self.level.channels.first().map(String::as_str)
    }

    /// Whether the customer is served by a pool (standard, batched contact).
    pub fn is_pooled(&self) -> bool {
        self.level.model == ServiceModel::Pool
    }

    /// `strategic prefers visit, meeting, call` for messages.
    pub fn describe(&self) -> String {
        if self.level.channels.is_empty() {
            format!("{} ({})", self.tier, self.level.model.as_str())
        } else {
            format!(
                "{} ({}) prefers {}",
                self.tier,
                self.level.model.as_str(),
                self.level.channels.join(", ")
            )
        }
    }
}

/// The service level of a customer of tier `tier` (the default, last tier
/// when it has none or an unknown one); `None` when that tier sets none.
pub fn service_of<'c>(config: &'c Config, tier: Option<&str>) -> Option<Served<'c>> {
    let tier = tier
        .and_then(|name| config.tier(name))
        .or_else(|| config.default_tier())?;
    tier.service.as_ref().map(|level| Served {
        tier: &tier.name,
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tier_or_the_default_tier_serves() {
        let config = Config::default();
        let strategic = service_of(&config, Some("strategic")).unwrap();
        assert_eq!(strategic.channel(), Some("visit"));
        assert!(!strategic.is_pooled());
        assert!(strategic.level.allows("call"));
        assert!(!strategic.level.allows("message"));
        assert_eq!(
            strategic.describe(),
            "strategic (dedicated) prefers visit, meeting, call"
        );
        let none = service_of(&config, None).unwrap();
        assert_eq!(none.tier, "small");
        assert!(none.is_pooled());
        assert_eq!(none.channel(), Some("email"));
        assert_eq!(service_of(&config, Some("gold")).unwrap().tier, "small");
        let mut bare = Config::default();
        bare.tiers[3].service = None;
        assert_eq!(service_of(&bare, None), None);
    }
}
