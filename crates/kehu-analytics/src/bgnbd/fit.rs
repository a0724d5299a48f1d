//! Maximum-likelihood fit of BG/NBD.
//!
//! The optimiser is L-BFGS with a Moré–Thuente line search from the
//! maintained `argmin` crate, run on θ = (ln r, ln α, ln a, ln b) so every
//! step keeps the parameters positive. It minimises −ℓ/N (the mean negative
//! log-likelihood, so tolerances do not depend on the book's size) with the
//! analytic gradient of [`super::gradient`], chained through θ
//! (∂/∂θₖ = pₖ ∂/∂pₖ). Start: r = α = a = b = 1, except α = the mean T, a
//! rate-scale guess that keeps the first steps in range.
//!
//! On tiny or degenerate books (a handful of customers, everyone buying at
//! the same rhythm) the likelihood has no interior maximum: parameters run
//! towards 0 or ∞ until the cost stops improving, and the fit returns that
//! point (finite, but not meaningful). Callers should fit on a real sample
//! (the CDNOW sample has 2,357 customers) and say so when the book is small.

use std::cell::RefCell;

use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::Serialize;

use super::likelihood::{Prepared, sum_prepared};
use super::{BgNbdParams, Observation, group};

/// Why a fit failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    /// Nothing to fit.
    #[error("no customers with orders to fit BG/NBD on")]
    NoCustomers,
    /// Every customer has the same behaviour with no repeat purchase: the
    /// likelihood has no maximum.
    #[error("no customer made a repeat purchase: BG/NBD cannot be fitted")]
    NoRepeats,
    /// The optimiser stopped on an error.
    #[error("BG/NBD fit failed: {0}")]
    Optimiser(String),
    /// The optimiser ended on a point that is not finite.
    #[error("BG/NBD fit did not converge to finite parameters")]
    NotFinite,
}

/// A fitted model and how it was obtained.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BgNbdFit {
    /// The parameters at the maximum.
    pub params: BgNbdParams,
    /// The log-likelihood there (summed over customers).
    pub log_likelihood: f64,
    /// Customers used.
    pub customers: usize,
    /// Distinct (x, t_x, T) triples the likelihood was summed over.
    pub distinct: usize,
    /// Optimiser iterations.
    pub iterations: u64,
}

struct Problem<'a> {
    groups: Prepared<'a>,
    n: f64,
    /// The last point evaluated, with −ℓ/N and its gradient in θ: the line
    /// search asks for the cost and the gradient at the same point, and one
    /// pass over the groups gives both.
    last: RefCell<Option<Evaluated>>,
}

/// A point θ, −ℓ/N there, and its gradient in θ.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

impl Problem<'_> {
    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>), ArgminError> {
        if let Some((_, cost, grad)) = self
            .last
            .borrow()
            .as_ref()
            .filter(|(at, _, _)| at.as_slice() == theta)
        {
            return Ok((*cost, grad.clone()));
        }
        let p = params_of(theta)?;
        let (ll, g) = sum_prepared(&p, &self.groups, true);
        let chain = [p.r, p.alpha, p.a, p.b];
        let grad: Vec<f64> = g.iter().zip(chain).map(|(d, v)| -d * v / self.n).collect();
        // A non-finite point is infinitely bad; the line search backs off.
        let cost = if ll.is_finite() {
            -ll / self.n
        } else {
            f64::INFINITY
        };
        *self.last.borrow_mut() = Some((theta.to_vec(), cost, grad.clone()));
        Ok((cost, grad))
    }
}

fn params_of(theta: &[f64]) -> Result<BgNbdParams, ArgminError> {
    match theta {
        [r, alpha, a, b] => Ok(BgNbdParams {
            r: r.exp(),
            alpha: alpha.exp(),
            a: a.exp(),
            b: b.exp(),
        }),
        _ => Err(ArgminError::msg("BG/NBD has four parameters")),
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Vec<f64>) -> Result<f64, ArgminError> {
        Ok(self.eval(theta)?.0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, theta: &Vec<f64>) -> Result<Vec<f64>, ArgminError> {
        Ok(self.eval(theta)?.1)
    }
}

/// Fits BG/NBD to the observations by maximum likelihood.
pub fn fit(observations: &[Observation]) -> Result<BgNbdFit, FitError> {
    if observations.is_empty() {
        return Err(FitError::NoCustomers);
    }
    if observations.iter().all(|o| o.x == 0) {
        return Err(FitError::NoRepeats);
    }
    let groups = group(observations);
    let n = observations.len() as f64;
    let mean_t = observations.iter().map(|o| o.t).sum::<f64>() / n;
    let start = vec![0.0, mean_t.max(1.0).ln(), 0.0, 0.0];

    let problem = Problem {
        groups: Prepared::new(&groups),
        n,
        last: RefCell::new(None),
    };
    let line_search = MoreThuenteLineSearch::new();
    let solver = LBFGS::new(line_search, 8)
        .with_tolerance_grad(1e-10)
        .and_then(|s| s.with_tolerance_cost(1e-15))
        .map_err(|e| FitError::Optimiser(e.to_string()))?;
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start).max_iters(500))
        .run()
        .map_err(|e| FitError::Optimiser(e.to_string()))?;
    let state = result.state();
    let theta = state.get_best_param().ok_or(FitError::NotFinite)?;
    let params = params_of(theta).map_err(|e| FitError::Optimiser(e.to_string()))?;
    let ll = sum_prepared(&params, &Prepared::new(&groups), false).0;
    if ![params.r, params.alpha, params.a, params.b, ll]
        .iter()
        .all(|v| v.is_finite())
    {
        return Err(FitError::NotFinite);
    }
    Ok(BgNbdFit {
        params,
        log_likelihood: ll,
        customers: observations.len(),
        distinct: groups.len(),
        iterations: state.get_iter(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_cannot_be_fitted() {
        assert_eq!(fit(&[]), Err(FitError::NoCustomers));
        let none = [Observation {
            x: 0,
            t_x: 0.0,
            t: 10.0,
        }; 3];
        assert_eq!(fit(&none), Err(FitError::NoRepeats));
    }

    #[test]
    fn small_and_odd_books_fit_or_fail_cleanly() {
        let o = |x, t_x, t| Observation { x, t_x, t };
        let books: Vec<Vec<Observation>> = vec![
            vec![o(1, 5.0, 5.0)],
            vec![o(1, 5.0, 5.0), o(0, 0.0, 5.0)],
            vec![o(3, 10.0, 10.0); 50],
            vec![o(2, 1.0, 100.0), o(0, 0.0, 100.0), o(7, 99.0, 100.0)],
            vec![o(1, 0.1, 0.2), o(40, 500.0, 520.0), o(0, 0.0, 0.0)],
        ];
        for book in books {
            match fit(&book) {
                Ok(f) => {
                    let p = f.params;
                    assert!(
                        [p.r, p.alpha, p.a, p.b]
                            .iter()
                            .all(|v| v.is_finite() && *v > 0.0)
                    );
                    assert!(f.log_likelihood.is_finite());
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
    }
}
