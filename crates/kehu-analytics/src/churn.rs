//! Scoring a book for churn: the BG/NBD fit over its customers, then each
//! customer's risk from the signals of [`crate::risk`] (the history signals
//! from [`crate::trails`]). `kehu churn` lists, explains and backtests it;
//! `kehu report` takes its top customers, so both rank the same way.
//!
//! The book holds aggregated metrics, not transactions, so a customer's
//! BG/NBD observation is read from `[metrics]` as of the run's day
//! ([`Observation::from_metrics`]): x = orders_total − 1 repeat orders,
//! t_x = last_order − first_order and T = as-of − first_order, in weeks (an
//! order is a customer's purchases on one day). Customers without orders,
//! or whose figures disagree (last order before the first, first order after
//! the as-of day), are not scored and are counted as skipped.

use kehu_core::config::Churn as ChurnPolicy;
use kehu_core::{Config, Customer, Date};
use rayon::prelude::*;

use crate::bgnbd::{self, BgNbdFit, DAYS_PER_WEEK, FitError, Observation};
use crate::cadence::{FollowUpStatus, follow_up};
use crate::risk::{Risk, RiskInputs, risk, typical_gap_days};
use crate::trails::{self as history, Trails};
use crate::{PipelineGrade, Policy, PolicyError};

/// The settings of one scoring run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The day scored as of.
    pub as_of: Date,
    /// Days ahead for the expected orders.
    pub horizon_days: u32,
    /// kehu.toml `[churn]`: weights and bands.
    pub churn: ChurnPolicy,
}

/// One scored customer.
#[derive(Clone, Debug)]
pub struct Scored {
    /// Position of the customer in the book's list.
    pub index: usize,
    /// Its BG/NBD observation.
    pub obs: Observation,
    /// P(alive), when the model could be fitted.
    pub p_alive: Option<f64>,
    /// Expected orders in the horizon, when the model could be fitted.
    pub expected: Option<f64>,
    /// The signals that went in.
    pub inputs: RiskInputs,
    /// The score, band, signals and reasons.
    pub risk: Risk,
}

/// A whole book scored.
#[derive(Debug)]
pub struct Scoring {
    /// The fit over every scored customer.
    pub fit: Result<BgNbdFit, FitError>,
    /// Scored customers, in the book's (id) order.
    pub scored: Vec<Scored>,
    /// Customers not scored: (id, why).
    pub skipped: Vec<(String, &'static str)>,
    /// Whether the history signals were available.
    pub history: bool,
}

/// Why a customer has no observation.
pub fn why_unscored(customer: &Customer, as_of: Date) -> &'static str {
    let m = &customer.metrics;
    match (m.orders_total, m.first_order, m.last_order) {
        (None | Some(..=0), _, _) => "no orders",
        (_, None, _) => "no metrics.first_order",
        (_, _, None) => "no metrics.last_order",
        (_, Some(first), Some(last)) if last < first => "last_order before first_order",
        (_, Some(first), _) if first > as_of => "first order after the as-of day",
        _ => "orders_total disagrees with first_order and last_order",
    }
}

/// The tier names of kehu.toml, best first.
pub fn tier_order(config: &Config) -> Vec<String> {
    config.tiers.iter().map(|t| t.name.clone()).collect()
}

/// Whether the customer's follow-up is overdue (the agenda's computation:
/// the stricter of its pipeline grade's and its tier's cadence against its
/// last contact); `None` when no cadence applies.
fn overdue(policy: &Policy, customer: &Customer, as_of: Date) -> Option<bool> {
    let grade = customer
        .grade
        .pipeline
        .as_deref()
        .and_then(PipelineGrade::parse);
    let choice = policy.cadence_for(grade, customer.grade.tier.as_deref(), None)?;
    let state = follow_up(choice.cadence, customer.contact.last, as_of);
    Some(state.status == FollowUpStatus::Overdue)
}

/// The risk inputs of one customer, without the model's P(alive).
pub fn inputs(
    customer: &Customer,
    policy: &Policy,
    tiers: &[String],
    trails: Option<&Trails>,
    as_of: Date,
) -> RiskInputs {
    let m = &customer.metrics;
    let trail = trails.and_then(|t| t.get(&customer.id));
    let history = trails.is_some();
    RiskInputs {
        p_alive: None,
        days_since_order: m.last_order.map(|last| last.days_until(as_of)),
        typical_gap_days: typical_gap_days(m),
        downgrade: history.then(|| trail.and_then(|t| t.downgrade(tiers))),
        overdue: overdue(policy, customer, as_of),
        satisfaction: history
            .then(|| history::figure_trend(trail, history::satisfaction, m.satisfaction))
            .flatten(),
        revenue_12m: history
            .then(|| history::figure_trend(trail, history::revenue, m.revenue_12m))
            .flatten(),
    }
}

/// What scoring one customer needs besides the customer.
pub struct Scorer<'s> {
    /// kehu.toml for the computations.
    pub policy: &'s Policy,
    /// Tier names, best first.
    pub tiers: &'s [String],
    /// The model, when it could be fitted.
    pub fit: Option<&'s BgNbdFit>,
    /// The run's settings.
    pub settings: &'s Settings,
}

impl Scorer<'_> {
    /// Scores one customer (at `index` in the book) with its observation.
    pub fn score(
        &self,
        index: usize,
        customer: &Customer,
        obs: Observation,
        trails: Option<&Trails>,
    ) -> Scored {
        self.score_observed(index, customer, obs, None, trails)
    }

    /// [`Scorer::score`] with the model's P(alive) and expected orders when
    /// [`fit_and_model`] computed them already.
    fn score_observed(
        &self,
        index: usize,
        customer: &Customer,
        obs: Observation,
        modelled: Option<Modelled>,
        trails: Option<&Trails>,
    ) -> Scored {
        let (p_alive, expected) =
            modelled.unwrap_or_else(|| model(self.fit, &obs, self.settings.horizon_days));
        let mut inputs = inputs(
            customer,
            self.policy,
            self.tiers,
            trails,
            self.settings.as_of,
        );
        inputs.p_alive = p_alive;
        let churn = &self.settings.churn;
        let risk = risk(&inputs, &churn.weights, churn.high, churn.medium);
        Scored {
            index,
            obs,
            p_alive,
            expected,
            inputs,
            risk,
        }
    }
}

/// A customer's P(alive) and expected orders under the model.
type Modelled = (Option<f64>, Option<f64>);

/// P(alive) and the expected orders in `horizon_days` of one observation
/// under the fitted model (`None`s without one).
fn model(
    fit: Option<&BgNbdFit>,
    obs: &Observation,
    horizon_days: u32,
) -> (Option<f64>, Option<f64>) {
    let horizon_weeks = f64::from(horizon_days) / DAYS_PER_WEEK;
    match fit {
        Some(f) => (
            Some(f.params.p_alive(obs)),
            f.params.expected_transactions(obs, horizon_weeks),
        ),
        None => (None, None),
    }
}

/// A book's BG/NBD observations and the model fitted on them (and, from
/// [`fit_and_model`], what it says of each customer): the part of a scoring
/// that needs no history, so a caller can fit on one thread while it
/// fetches the history on another.
#[derive(Debug)]
pub struct Fitted {
    /// Every customer with orders: its position in the book, its
    /// observation, and its P(alive) and expected orders under the model
    /// when [`fit_and_model`] computed them.
    observed: Vec<(usize, Observation, Option<Modelled>)>,
    /// Customers not scored: (id, why).
    skipped: Vec<(String, &'static str)>,
    /// The fit over the observations.
    fit: Result<BgNbdFit, FitError>,
}

/// Reads every customer's observation as of `as_of` and fits the model.
pub fn fit_book(customers: &[Customer], as_of: Date) -> Fitted {
    let mut observed = Vec::with_capacity(customers.len());
    let mut skipped = Vec::new();
    for (index, customer) in customers.iter().enumerate() {
        match Observation::from_metrics(&customer.metrics, as_of) {
            Some(obs) => observed.push((index, obs, None)),
            None => skipped.push((customer.id.clone(), why_unscored(customer, as_of))),
        }
    }
    let observations: Vec<Observation> = observed.iter().map(|(_, o, _)| *o).collect();
    let fit = bgnbd::fit(&observations);
    Fitted {
        observed,
        skipped,
        fit,
    }
}

/// [`fit_book`] as of `settings.as_of`, then the model applied to each
/// customer (`settings.horizon_days` ahead), on the same thread: the
/// scoring that follows only adds the signals.
pub fn fit_and_model(customers: &[Customer], settings: &Settings) -> Fitted {
    let mut fitted = fit_book(customers, settings.as_of);
    let fit = fitted.fit.as_ref().ok();
    for (_, obs, modelled) in &mut fitted.observed {
        *modelled = Some(model(fit, obs, settings.horizon_days));
    }
    fitted
}

/// Scores every customer with orders. `trails` is the history read over
/// [`history::window`] (or `None` without history).
pub fn score_book(
    customers: &[Customer],
    config: &Config,
    trails: Option<&Trails>,
    settings: &Settings,
) -> Result<Scoring, PolicyError> {
    score_fitted(
        customers,
        config,
        trails,
        settings,
        fit_and_model(customers, settings),
    )
}

/// [`score_book`] with the model already fitted ([`fit_book`] on the same
/// customers with the same settings).
pub fn score_fitted(
    customers: &[Customer],
    config: &Config,
    trails: Option<&Trails>,
    settings: &Settings,
    fitted: Fitted,
) -> Result<Scoring, PolicyError> {
    // Both cores: the scores are independent, and by now the fit is done
    // and the history read.
    let (scored, (fit, skipped)) = with_scorer(config, settings, fitted, |scorer, observed| {
        observed
            .into_par_iter()
            .map(|(index, obs, modelled)| {
                scorer.score_observed(index, &customers[index], obs, modelled, trails)
            })
            .collect()
    })?;
    Ok(Scoring {
        fit,
        scored,
        skipped,
        history: trails.is_some(),
    })
}

/// [`score_fitted`] handing each scored customer to `visit` (in the book's
/// order) instead of keeping them all, for a caller that keeps a few (the
/// report's most at risk); returns the fit and the customers not scored.
pub fn score_each(
    customers: &[Customer],
    config: &Config,
    trails: Option<&Trails>,
    settings: &Settings,
    fitted: Fitted,
    mut visit: impl FnMut(Scored),
) -> Result<FitAndSkipped, PolicyError> {
    let ((), fit_and_skipped) = with_scorer(config, settings, fitted, |scorer, observed| {
        for (index, obs, modelled) in observed {
            visit(scorer.score_observed(index, &customers[index], obs, modelled, trails));
        }
    })?;
    Ok(fit_and_skipped)
}

/// Runs `score` with the scorer of `fitted` under `config` and the
/// customers to score; returns its result with the fit and the customers
/// not scored.
fn with_scorer<R>(
    config: &Config,
    settings: &Settings,
    fitted: Fitted,
    score: impl FnOnce(&Scorer<'_>, Vec<(usize, Observation, Option<Modelled>)>) -> R,
) -> Result<(R, FitAndSkipped), PolicyError> {
    let policy = Policy::from_config(config)?;
    let tiers = tier_order(config);
    let Fitted {
        observed,
        skipped,
        fit,
    } = fitted;
    let scorer = Scorer {
        policy: &policy,
        tiers: &tiers,
        fit: fit.as_ref().ok(),
        settings,
    };
    let out = score(&scorer, observed);
    Ok((out, (fit, skipped)))
}

/// What [`score_each`] returns besides the scores: the fit, and the
/// customers not scored with why.
pub type FitAndSkipped = (Result<BgNbdFit, FitError>, Vec<(String, &'static str)>);

/// Indices into `scoring.scored`, highest risk first, ties by id.
pub fn by_risk(scoring: &Scoring, customers: &[Customer]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scoring.scored.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&scoring.scored[a], &scoring.scored[b]);
        y.risk
            .score
            .total_cmp(&x.risk.score)
            .then_with(|| customers[x.index].id.cmp(&customers[y.index].id))
    });
    order
}
