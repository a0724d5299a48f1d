//! The BG/NBD log-likelihood, equation (6) of Fader, Hardie & Lee (2005),
//! and its gradient.
//!
//! For one customer, written to stay finite for large x:
//!
//! ```text
//! A₁ = ln Γ(r+x) − ln Γ(r) + r ln α
//! A₂ = ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
//! A₃ = −(r+x) ln(α+T)
//! A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x)          (only when x > 0)
//! ℓ  = A₁ + A₂ + ln(e^A₃ + [x>0] e^A₄)
//! ```
//!
//! With w₃, w₄ the shares e^A₃ / (e^A₃ + e^A₄) and e^A₄ / (…), ψ the digamma:
//!
//! ```text
//! ∂ℓ/∂r = ψ(r+x) − ψ(r) + ln α − w₃ ln(α+T) − w₄ ln(α+t_x)
//! ∂ℓ/∂α = r/α − w₃ (r+x)/(α+T) − w₄ (r+x)/(α+t_x)
//! ∂ℓ/∂a = ψ(a+b) − ψ(a+b+x) + w₄ / a
//! ∂ℓ/∂b = ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − w₄ / (b+x−1)
//! ```
//!
//! and the second derivatives of [`hessian`], written out in
//! [`sum_prepared`].
//!
//! The book's total is the sum over groups of identical observations, each
//! weighted by its count.

use statrs::function::gamma::{digamma, ln_gamma};

use super::{BgNbdParams, Group};

/// ln Γ and ψ of the parameters alone, shared by every group.
struct Shared {
    lg_r: f64,
    ln_alpha: f64,
    ln_a: f64,
    lg_ab_minus_lg_b: f64,
    psi_r: f64,
    psi_ab: f64,
    psi_b: f64,
}

impl Shared {
    fn new(p: &BgNbdParams) -> Shared {
        Shared {
            lg_r: ln_gamma(p.r),
            ln_alpha: p.alpha.ln(),
            ln_a: p.a.ln(),
            lg_ab_minus_lg_b: ln_gamma(p.a + p.b) - ln_gamma(p.b),
            psi_r: digamma(p.r),
            psi_ab: digamma(p.a + p.b),
            psi_b: digamma(p.b),
        }
    }
}

/// The terms that depend on x and the parameters only. A book has few
/// distinct x (repeat-order counts) and many distinct (t_x, T), so these are
/// computed once per x per evaluation, not once per group.
#[derive(Clone, Copy, Default)]
struct PerX {
    /// A₁ + A₂ without the r ln α part (which is shared).
    a12: f64,
    /// ln(b + x − 1), for x > 0.
    ln_bx1: f64,
    /// ∂/∂r of A₁ without ln α.
    d_r: f64,
    /// ∂/∂a of A₂.
    d_a: f64,
    /// ∂/∂b of A₂.
    d_b: f64,
}

fn per_x(p: &BgNbdParams, s: &Shared, x: u32, with_grad: bool) -> PerX {
    let BgNbdParams { r, a, b, .. } = *p;
    let xf = f64::from(x);
    let a12 =
        ln_gamma(r + xf) - s.lg_r + s.lg_ab_minus_lg_b + ln_gamma(b + xf) - ln_gamma(a + b + xf);
    let ln_bx1 = if x > 0 { (b + xf - 1.0).ln() } else { 0.0 };
    if !with_grad {
        return PerX {
            a12,
            ln_bx1,
            ..PerX::default()
        };
    }
    let psi_abx = digamma(a + b + xf);
    PerX {
        a12,
        ln_bx1,
        d_r: digamma(r + xf) - s.psi_r,
        d_a: s.psi_ab - psi_abx,
        d_b: s.psi_ab + digamma(b + xf) - s.psi_b - psi_abx,
    }
}

/// Groups with the distinct times (T and t_x) they use, so that an
/// evaluation takes ln(α + t) once per distinct time instead of twice per
/// group: a book measured in days has a few thousand distinct times and
/// tens of thousands of groups. The sums are the same, bit for bit.
pub(crate) struct Prepared<'g> {
    groups: &'g [Group],
    /// The distinct times, sorted.
    times: Vec<f64>,
    /// Per group, the positions of its T and t_x in `times`.
    slots: Vec<(u32, u32)>,
}

impl<'g> Prepared<'g> {
    /// Indexes the times of `groups`.
    pub(crate) fn new(groups: &'g [Group]) -> Prepared<'g> {
        let mut times: Vec<f64> = groups.iter().flat_map(|g| [g.obs.t, g.obs.t_x]).collect();
        times.sort_unstable_by(f64::total_cmp);
        times.dedup_by(|a, b| a.to_bits() == b.to_bits());
        let slot = |t: f64| {
            let i = times
                .binary_search_by(|probe| probe.total_cmp(&t))
                .unwrap_or_default();
            u32::try_from(i).unwrap_or(u32::MAX)
        };
        let slots = groups
            .iter()
            .map(|g| (slot(g.obs.t), slot(g.obs.t_x)))
            .collect();
        Prepared {
            groups,
            times,
            slots,
        }
    }
}

/// How far an evaluation goes: the log-likelihood alone, with its
/// gradient, or with its gradient and Hessian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Order {
    /// ℓ only.
    Value,
    /// ℓ and ∇ℓ.
    Gradient,
    /// ℓ, ∇ℓ and ∇²ℓ.
    Hessian,
}

/// ℓ and, as far as asked, its gradient and Hessian in (r, α, a, b).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    /// The log-likelihood.
    pub(crate) ll: f64,
    /// ∂ℓ/∂(r, α, a, b).
    pub(crate) grad: [f64; 4],
    /// ∂²ℓ/∂(r, α, a, b)², symmetric.
    pub(crate) hess: [[f64; 4]; 4],
}

/// The per-x parts of the Hessian: for a whole number x,
/// ψ′(z + x) − ψ′(z) = −Σₖ₌₀..ₓ₋₁ 1/(z + k)², so the trigamma differences of
/// A₁ and A₂ are running sums, advanced as the groups' x grows.
#[derive(Clone, Copy, Default)]
struct Curvature {
    /// The x the sums run to (exclusive).
    x: u32,
    /// Σ 1/(r + k)².
    r: f64,
    /// Σ 1/(a + b + k)².
    ab: f64,
    /// Σ 1/(b + k)².
    b: f64,
}

impl Curvature {
    /// The sums up to `x`, from where they are (or from 0 when `x` is below).
    fn advance(&mut self, p: &BgNbdParams, x: u32) {
        if x < self.x {
            *self = Curvature::default();
        }
        while self.x < x {
            let k = f64::from(self.x);
            self.r += (p.r + k).powi(-2);
            self.ab += (p.a + p.b + k).powi(-2);
            self.b += (p.b + k).powi(-2);
            self.x += 1;
        }
    }
}

/// Walks the groups (sorted by x, as [`super::group`] leaves them, though
/// any order works) with the per-x terms computed once per run of equal x
/// and ln(α + t) once per distinct time.
///
/// The Hessian of one group, with ℓ = A₁ + A₂ + ln(e^A₃ + e^A₄):
/// ∇²ℓ = ∇²A₁ + ∇²A₂ + w₃ ∇²A₃ + w₄ ∇²A₄ + w₃ w₄ (∇A₃ − ∇A₄)(∇A₃ − ∇A₄)ᵀ.
pub(crate) fn sum_prepared(params: &BgNbdParams, prepared: &Prepared<'_>, order: Order) -> Sums {
    let BgNbdParams { r, alpha, a, b } = *params;
    let with_grad = order >= Order::Gradient;
    let with_hess = order == Order::Hessian;
    let s = Shared::new(params);
    let ln_times: Vec<f64> = prepared.times.iter().map(|t| (alpha + t).ln()).collect();
    let ln_time = |i: u32| ln_times.get(i as usize).copied().unwrap_or(f64::NAN);
    let mut ll = 0.0;
    let mut grad = [0.0; 4];
    let mut hess = [[0.0; 4]; 4];
    let mut cached: Option<(u32, PerX)> = None;
    let mut curvature = Curvature::default();
    for (g, &(t_slot, tx_slot)) in prepared.groups.iter().zip(&prepared.slots) {
        let px = match cached {
            Some((x, px)) if x == g.obs.x => px,
            _ => {
                let px = per_x(params, &s, g.obs.x, with_grad);
                cached = Some((g.obs.x, px));
                px
            }
        };
        let x = f64::from(g.obs.x);
        let w = f64::from(g.count);
        let ln_at = ln_time(t_slot);
        let a3 = -(r + x) * ln_at;
        let (lse, w3, w4, ln_atx) = if g.obs.x > 0 {
            let ln_atx = ln_time(tx_slot);
            let a4 = s.ln_a - px.ln_bx1 - (r + x) * ln_atx;
            // ln(e^A₃ + e^A₄) = A₃ + ln(1 + e^(A₄−A₃)), stably either way.
            let d = a4 - a3;
            if d > 0.0 {
                let e = (-d).exp();
                (a4 + e.ln_1p(), e / (1.0 + e), 1.0 / (1.0 + e), ln_atx)
            } else {
                let e = d.exp();
                (a3 + e.ln_1p(), 1.0 / (1.0 + e), e / (1.0 + e), ln_atx)
            }
        } else {
            (a3, 1.0, 0.0, 0.0)
        };
        ll += w * (px.a12 + r * s.ln_alpha + lse);
        if !with_grad {
            continue;
        }
        let inv_t = 1.0 / (alpha + g.obs.t);
        let d_r = px.d_r + s.ln_alpha - w3 * ln_at - w4 * ln_atx;
        let mut d_alpha = r / alpha - w3 * (r + x) * inv_t;
        let mut d_a = px.d_a;
        let mut d_b = px.d_b;
        let mut inv_tx = 0.0;
        let mut inv_bx1 = 0.0;
        if g.obs.x > 0 {
            inv_tx = 1.0 / (alpha + g.obs.t_x);
            inv_bx1 = 1.0 / (b + x - 1.0);
            d_alpha -= w4 * (r + x) * inv_tx;
            d_a += w4 / a;
            d_b -= w4 * inv_bx1;
        }
        grad[0] += w * d_r;
        grad[1] += w * d_alpha;
        grad[2] += w * d_a;
        grad[3] += w * d_b;
        if !with_hess {
            continue;
        }
        curvature.advance(params, g.obs.x);
        // ∇²A₁ + ∇²A₂ (A₁'s r ln α part included).
        let mut h = [[0.0; 4]; 4];
        h[0][0] = -curvature.r;
        h[0][1] = 1.0 / alpha;
        h[1][1] = -r / (alpha * alpha);
        h[2][2] = curvature.ab;
        h[2][3] = curvature.ab;
        h[3][3] = curvature.ab - curvature.b;
        // w₃ ∇²A₃ + w₄ ∇²A₄.
        h[0][1] -= w3 * inv_t;
        h[1][1] += w3 * (r + x) * inv_t * inv_t;
        if g.obs.x > 0 {
            h[0][1] -= w4 * inv_tx;
            h[1][1] += w4 * (r + x) * inv_tx * inv_tx;
            h[2][2] -= w4 / (a * a);
            h[3][3] += w4 * inv_bx1 * inv_bx1;
            // w₃ w₄ (∇A₃ − ∇A₄)(∇A₃ − ∇A₄)ᵀ.
            let v = [
                ln_atx - ln_at,
                (r + x) * (inv_tx - inv_t),
                -1.0 / a,
                inv_bx1,
            ];
            let w34 = w3 * w4;
            for (j, vj) in v.iter().enumerate() {
                for (k, vk) in v.iter().enumerate().skip(j) {
                    h[j][k] += w34 * vj * vk;
                }
            }
        }
        for j in 0..4 {
            for k in j..4 {
                hess[j][k] += w * h[j][k];
            }
        }
    }
    for (j, k) in [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)] {
        hess[j][k] = hess[k][j];
    }
    Sums { ll, grad, hess }
}

/// The sums over `groups`, their times indexed for this call.
fn sum_groups(params: &BgNbdParams, groups: &[Group], order: Order) -> Sums {
    sum_prepared(params, &Prepared::new(groups), order)
}

/// The log-likelihood of the grouped observations under `params`.
pub fn log_likelihood(params: &BgNbdParams, groups: &[Group]) -> f64 {
    sum_groups(params, groups, Order::Value).ll
}

/// The log-likelihood and its gradient with respect to (r, α, a, b).
pub fn gradient(params: &BgNbdParams, groups: &[Group]) -> (f64, [f64; 4]) {
    let sums = sum_groups(params, groups, Order::Gradient);
    (sums.ll, sums.grad)
}

/// The log-likelihood, its gradient and its Hessian with respect to
/// (r, α, a, b): what a Newton step needs.
pub fn hessian(params: &BgNbdParams, groups: &[Group]) -> (f64, [f64; 4], [[f64; 4]; 4]) {
    let sums = sum_groups(params, groups, Order::Hessian);
    (sums.ll, sums.grad, sums.hess)
}

#[cfg(test)]
mod tests {
    use super::super::{Observation, group};
    use super::*;

    fn sample_groups() -> Vec<Group> {
        group(&[
            Observation {
                x: 0,
                t_x: 0.0,
                t: 38.0,
            },
            Observation {
                x: 1,
                t_x: 2.0,
                t: 30.0,
            },
            Observation {
                x: 4,
                t_x: 25.5,
                t: 36.0,
            },
            Observation {
                x: 4,
                t_x: 25.5,
                t: 36.0,
            },
            Observation {
                x: 12,
                t_x: 37.9,
                t: 38.0,
            },
        ])
    }

    /// The point the derivatives are checked at.
    const AT: BgNbdParams = BgNbdParams {
        r: 0.3,
        alpha: 5.0,
        a: 0.9,
        b: 2.2,
    };

    /// `AT` with parameter `k` (r, α, a, b) moved by `delta`.
    fn bumped(k: usize, delta: f64) -> BgNbdParams {
        let mut q = [AT.r, AT.alpha, AT.a, AT.b];
        q[k] += delta;
        BgNbdParams {
            r: q[0],
            alpha: q[1],
            a: q[2],
            b: q[3],
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let groups = sample_groups();
        let (ll, grad) = gradient(&AT, &groups);
        assert!((ll - log_likelihood(&AT, &groups)).abs() < 1e-10);
        let h = 1e-6;
        for (k, analytic) in grad.iter().enumerate() {
            let bump = |delta: f64| log_likelihood(&bumped(k, delta), &groups);
            let numeric = (bump(h) - bump(-h)) / (2.0 * h);
            assert!(
                (numeric - analytic).abs() < 1e-5 * numeric.abs().max(1.0),
                "parameter {k}: analytic {analytic} numeric {numeric}"
            );
        }
    }

    #[test]
    fn hessian_matches_finite_differences_of_the_gradient() {
        let groups = sample_groups();
        let (ll, grad, hess) = hessian(&AT, &groups);
        assert!((ll - log_likelihood(&AT, &groups)).abs() < 1e-10);
        assert_eq!(grad, gradient(&AT, &groups).1);
        let h = 1e-6;
        for (j, row) in hess.iter().enumerate() {
            let up = gradient(&bumped(j, h), &groups).1;
            let down = gradient(&bumped(j, -h), &groups).1;
            for (k, analytic) in row.iter().enumerate() {
                let numeric = (up[k] - down[k]) / (2.0 * h);
                assert!(
                    (numeric - analytic).abs() < 1e-5 * numeric.abs().max(1.0),
                    "({j}, {k}): analytic {analytic} numeric {numeric}"
                );
            }
        }
    }

    #[test]
    fn single_customer_without_repeats_has_closed_form() {
        // x = 0: ℓ = r ln α − r ln(α+T)  (A₂ = 0).
        let p = BgNbdParams {
            r: 0.5,
            alpha: 3.0,
            a: 1.0,
            b: 2.0,
        };
        let g = group(&[Observation {
            x: 0,
            t_x: 0.0,
            t: 10.0,
        }]);
        let want = 0.5 * (3.0f64).ln() - 0.5 * (13.0f64).ln();
        assert!((log_likelihood(&p, &g) - want).abs() < 1e-12);
    }
}
