//! The BG/NBD model of customer purchases (Fader, Hardie & Lee 2005,
//! "Counting your customers the easy way: an alternative to the Pareto/NBD
//! model", Marketing Science 24(2)).
//!
//! While alive, a customer buys at a Poisson rate λ, with λ ~ Gamma(r, α)
//! across customers; after each purchase it drops out with probability p,
//! p ~ Beta(a, b). Each customer is summarised by an [`Observation`]: x
//! repeat purchases, the time t_x of the last one and the length T of the
//! observation period, both measured from the first purchase, in weeks.
//!
//! - [`log_likelihood`], [`gradient`] and [`hessian`]: equation (6) of the
//!   paper and its first and second derivatives, over customers grouped by identical (x, t_x, T)
//!   ([`group`]), so the cost grows with distinct triples, not customers.
//! - [`fit`]: maximum likelihood by Newton's method (L-BFGS from crate
//!   `argmin` where Newton cannot reach a maximum) on the logarithms of the
//!   four parameters, which keeps them positive.
//! - [`BgNbdParams::p_alive`] (equation 13) and
//!   [`BgNbdParams::expected_transactions`] (equation 10, which needs the
//!   Gauss hypergeometric function, [`hyp2f1()`]).

mod fit;
pub mod hyp2f1;
mod likelihood;

use kehu_core::{Date, Metrics};
use serde::Serialize;

pub use fit::{BgNbdFit, FitError, fit};
pub use hyp2f1::hyp2f1;
pub use likelihood::{gradient, hessian, log_likelihood};

/// Days in a week: BG/NBD time is measured in weeks.
pub const DAYS_PER_WEEK: f64 = 7.0;

/// One customer's purchase summary, time in weeks from the first purchase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// Repeat purchases (purchases after the first).
    pub x: u32,
    /// Time of the last purchase (0 when x = 0).
    pub t_x: f64,
    /// Length of the observation: from the first purchase to the as-of date.
    pub t: f64,
}

impl Observation {
    /// From whole days: first purchase to last, and first purchase to as-of.
    pub fn from_days(x: u32, t_x_days: i64, t_days: i64) -> Observation {
        Observation {
            x,
            t_x: t_x_days as f64 / DAYS_PER_WEEK,
            t: t_days as f64 / DAYS_PER_WEEK,
        }
    }

    /// From a customer's `[metrics]` as of a day: x = orders_total − 1,
    /// t_x = last_order − first_order, T = as-of − first_order. `None` when
    /// a figure is missing or they disagree (no orders, last before first,
    /// first after the as-of date).
    pub fn from_metrics(metrics: &Metrics, as_of: Date) -> Option<Observation> {
        let orders = metrics.orders_total?;
        let first = metrics.first_order?;
        let last = metrics.last_order?;
        let x = u32::try_from(orders.checked_sub(1)?).ok()?;
        let t_x = first.days_until(last);
        let t = first.days_until(as_of);
        if t_x < 0 || t < t_x || (x > 0 && t_x == 0 && orders > 1 && first == last) {
            // x repeat orders on the first day cannot be: an order is a day.
            return None;
        }
        Some(Observation::from_days(x, t_x, t))
    }
}

/// Identical observations and how many customers share them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The shared observation.
    pub obs: Observation,
    /// How many customers have it.
    pub count: u32,
}

/// Groups identical (x, t_x, T) triples, sorted by x, t_x, T. O(n log n).
pub fn group(observations: &[Observation]) -> Vec<Group> {
    let mut sorted: Vec<Observation> = observations.to_vec();
    sorted.sort_unstable_by(|p, q| {
        p.x.cmp(&q.x)
            .then(p.t_x.total_cmp(&q.t_x))
            .then(p.t.total_cmp(&q.t))
    });
    let mut groups: Vec<Group> = Vec::new();
    for obs in sorted {
        match groups.last_mut() {
            Some(g)
                if g.obs.x == obs.x
                    && g.obs.t_x.to_bits() == obs.t_x.to_bits()
                    && g.obs.t.to_bits() == obs.t.to_bits() =>
            {
                g.count += 1;
            }
            _ => groups.push(Group { obs, count: 1 }),
        }
    }
    groups
}

/// The four parameters of the model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BgNbdParams {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Scale (in weeks) of the Gamma distribution of purchase rates.
    pub alpha: f64,
    /// First shape of the Beta distribution of drop-out probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of drop-out probabilities.
    pub b: f64,
}

impl BgNbdParams {
    /// ln of the odds-of-death term of equations (6) and (13):
    /// ln[a / (b + x − 1)] + (r + x) ln[(α + T) / (α + t_x)], for x > 0.
    fn log_dead_odds(&self, obs: &Observation) -> Option<f64> {
        if obs.x == 0 {
            return None;
        }
        let x = f64::from(obs.x);
        Some(
            self.a.ln() - (self.b + x - 1.0).ln()
                + (self.r + x) * ((self.alpha + obs.t).ln() - (self.alpha + obs.t_x).ln()),
        )
    }

    /// P(alive | x, t_x, T), equation (13): 1 for a customer with no repeat
    /// purchase (in BG/NBD a customer can only drop out after a purchase).
    pub fn p_alive(&self, obs: &Observation) -> f64 {
        match self.log_dead_odds(obs) {
            None => 1.0,
            Some(l) => 1.0 / (1.0 + l.exp()),
        }
    }

    /// Expected purchases in the next `horizon` weeks of a customer with
    /// this history, equation (10). `None` when 2F1 does not converge
    /// (a horizon enormous next to α + T) or for a = 1, where the formula
    /// has a removable singularity this implementation does not handle.
    pub fn expected_transactions(&self, obs: &Observation, horizon: f64) -> Option<f64> {
        if horizon <= 0.0 {
            return Some(0.0);
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        if (a - 1.0).abs() < 1e-9 {
            return None;
        }
        let x = f64::from(obs.x);
        let z = horizon / (alpha + obs.t + horizon);
        let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z)?;
        let power = ((r + x) * ((alpha + obs.t) / (alpha + obs.t + horizon)).ln()).exp();
        let head = (a + b + x - 1.0) / (a - 1.0) * (1.0 - power * f);
        let denom = 1.0 + self.log_dead_odds(obs).map_or(0.0, f64::exp);
        Some(head / denom)
    }

    /// Expected purchases of a new customer in its first `t` weeks,
    /// equation (9): the model's prediction for a cohort, to compare with
    /// what a cohort did.
    pub fn expected_transactions_new(&self, t: f64) -> Option<f64> {
        if t <= 0.0 {
            return Some(0.0);
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        if (a - 1.0).abs() < 1e-9 {
            return None;
        }
        let f = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))?;
        let power = (r * (alpha / (alpha + t)).ln()).exp();
        Some((a + b - 1.0) / (a - 1.0) * (1.0 - power * f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAPER: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn groups_identical_triples() {
        let o = |x, a, b| Observation::from_days(x, a, b);
        let g = group(&[o(1, 7, 70), o(0, 0, 70), o(1, 7, 70), o(1, 14, 70)]);
        assert_eq!(g.len(), 3);
        assert_eq!((g[0].obs.x, g[0].count), (0, 1));
        assert_eq!((g[1].obs.t_x, g[1].count), (1.0, 2));
        assert_eq!(g[1].obs.t, 10.0);
    }

    #[test]
    fn p_alive_behaves() {
        let fresh = Observation::from_days(0, 0, 100);
        assert_eq!(PAPER.p_alive(&fresh), 1.0);
        // Same frequency: a later last purchase means more likely alive.
        let early = Observation {
            x: 3,
            t_x: 5.0,
            t: 39.0,
        };
        let late = Observation {
            x: 3,
            t_x: 35.0,
            t: 39.0,
        };
        assert!(PAPER.p_alive(&early) < PAPER.p_alive(&late));
        assert!(PAPER.p_alive(&late) < 1.0);
        // Last purchase at T: odds a/(b+x−1).
        let now = Observation {
            x: 2,
            t_x: 39.0,
            t: 39.0,
        };
        let want = 1.0 / (1.0 + 0.793 / (2.426 + 1.0));
        assert!((PAPER.p_alive(&now) - want).abs() < 1e-12);
    }

    #[test]
    fn expected_transactions_match_the_paper() {
        // Fader & Hardie's worked example for the CDNOW fit: a customer with
        // x = 2, t_x = 30.43, T = 38.86 is expected to make 1.226 purchases
        // in the next 39 weeks.
        let obs = Observation {
            x: 2,
            t_x: 30.43,
            t: 38.86,
        };
        let e = PAPER.expected_transactions(&obs, 39.0).unwrap();
        assert!((e - 1.226).abs() < 5e-4, "{e}");
        // Equation (10) with no history (x = 0, T = 0) is equation (9).
        let blank = Observation {
            x: 0,
            t_x: 0.0,
            t: 0.0,
        };
        let cond = PAPER.expected_transactions(&blank, 39.0).unwrap();
        let new = PAPER.expected_transactions_new(39.0).unwrap();
        assert!((cond - new).abs() < 1e-12);
        // More history of frequent buying → more expected.
        let busy = Observation {
            x: 10,
            t_x: 38.0,
            t: 38.86,
        };
        assert!(PAPER.expected_transactions(&busy, 39.0).unwrap() > e);
        assert_eq!(PAPER.expected_transactions(&obs, 0.0), Some(0.0));
        // A new customer's expectation grows with time.
        let e39 = PAPER.expected_transactions_new(39.0).unwrap();
        let e78 = PAPER.expected_transactions_new(78.0).unwrap();
        assert!(0.0 < e39 && e39 < e78);
    }

    #[test]
    fn observation_from_metrics() {
        let m = Metrics {
            orders_total: Some(3),
            first_order: Date::from_ymd(1997, 1, 1),
            last_order: Date::from_ymd(1997, 8, 2),
            ..Metrics::default()
        };
        let as_of = Date::from_ymd(1997, 9, 30).unwrap();
        let o = Observation::from_metrics(&m, as_of).unwrap();
        assert_eq!(o.x, 2);
        assert!((o.t_x - 213.0 / 7.0).abs() < 1e-12);
        assert!((o.t - 272.0 / 7.0).abs() < 1e-12);
        let none = Metrics {
            orders_total: Some(0),
            ..m.clone()
        };
        assert_eq!(Observation::from_metrics(&none, as_of), None);
        let before = Date::from_ymd(1997, 6, 1).unwrap();
        assert_eq!(Observation::from_metrics(&m, before), None);
    }

    #[test]
    fn agrees_with_lifetimes() {
        // (x, t_x, T, P(alive), E[13 weeks], E[52 weeks]) computed with the
        // Python package lifetimes 0.11.3 (BetaGeoFitter,
        // conditional_probability_alive and
        // conditional_expected_number_of_purchases_up_to_time) at the
        // paper's parameters: an independent implementation.
        let cases: [(u32, f64, f64, f64, f64, f64); 7] = [
            (0, 0.0, 38.86, 1.0, 0.06992659460176161, 0.2520730222824504),
            (
                1,
                2.0,
                30.0,
                0.2748725860483938,
                0.12001469630840983,
                0.4070369605892511,
            ),
            (
                2,
                30.43,
                38.86,
                0.726578570080673,
                0.45720978654671607,
                1.5587208064320972,
            ),
            (
                5,
                12.5,
                39.0,
                0.054682417531851005,
                0.0790415095876141,
                0.2619321759687906,
            ),
            (
                12,
                38.0,
                38.5,
                0.9361740711628657,
                3.1578962832302175,
                10.234113164519025,
            ),
            (
                30,
                70.0,
                78.0,
                0.6436903721555763,
                2.9046623797245883,
                10.12412933482482,
            ),
            (
                3,
                1.0,
                60.0,
                0.0018122875999710276,
                0.0011265154469322603,
                0.003965615974642035,
            ),
        ];
        for (x, t_x, t, alive, e13, e52) in cases {
            let obs = Observation { x, t_x, t };
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-3);
            assert!(close(PAPER.p_alive(&obs), alive), "P(alive) {obs:?}");
            let got13 = PAPER.expected_transactions(&obs, 13.0).unwrap();
            assert!(close(got13, e13), "E13 {obs:?}: {got13} vs {e13}");
            let got52 = PAPER.expected_transactions(&obs, 52.0).unwrap();
            assert!(close(got52, e52), "E52 {obs:?}: {got52} vs {e52}");
        }
    }
}
