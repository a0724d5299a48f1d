//! BG/NBD recovers the parameters it simulated: customers drawn from the
//! model's own story (Poisson purchases at a Gamma-distributed rate, drop-out
//! after each repeat purchase with a Beta-distributed probability) are fitted
//! back, and the estimates land near the truth.

use kehu_analytics::bgnbd::{BgNbdFit, BgNbdParams, Observation, fit, group, hessian};

/// xorshift64*, deterministic.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        // In (0, 1): never 0, so logs stay finite.
        (bits as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        // Box–Muller.
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by boosting.
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.unit().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.unit();
            if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        x / (x + y)
    }
}

fn simulate(truth: BgNbdParams, customers: usize, rng: &mut Rng) -> Vec<Observation> {
    (0..customers)
        .map(|i| {
            let t_end = 26.0 + (i % 27) as f64; // 26..52 weeks observed
            let lambda = rng.gamma(truth.r) / truth.alpha;
            let p = rng.beta(truth.a, truth.b);
            let (mut t, mut x, mut t_x) = (0.0, 0u32, 0.0);
            loop {
                t += -rng.unit().ln() / lambda;
                if t > t_end {
                    break;
                }
                x += 1;
                t_x = t;
                if rng.unit() < p {
                    break;
                }
            }
            Observation { x, t_x, t: t_end }
        })
        .collect()
}

/// 30,000 customers simulated from `(r, α, a, b)` with the RNG seeded
/// `seed`, and the fit on them.
fn simulated_fit(
    [r, alpha, a, b]: [f64; 4],
    seed: u64,
) -> (BgNbdParams, Vec<Observation>, BgNbdFit) {
    let truth = BgNbdParams { r, alpha, a, b };
    let obs = simulate(truth, 30_000, &mut Rng(seed));
    let f = fit(&obs).unwrap();
    (truth, obs, f)
}

#[test]
fn fit_recovers_simulated_parameters() {
    let (truth, _, f) = simulated_fit([0.243, 4.414, 0.793, 2.426], 0x5DEE_CE66_D1CE_4E5B);
    let within = |got: f64, want: f64, rel: f64| (got - want).abs() <= rel * want;
    let p = f.params;
    assert!(within(p.r, truth.r, 0.05), "r {p:?}");
    assert!(within(p.alpha, truth.alpha, 0.05), "alpha {p:?}");
    assert!(within(p.a, truth.a, 0.15), "a {p:?}");
    assert!(within(p.b, truth.b, 0.20), "b {p:?}");
    println!("truth {truth:?}\nfit   {p:?}");
}

/// The fit is the maximum itself: on a book large enough that Newton starts
/// from a fit on a sample of its groups, the gradient at the answer is zero
/// and the Hessian there is negative definite.
#[test]
fn fit_is_the_exact_maximum() {
    let (_, obs, f) = simulated_fit([0.5, 2.0, 0.6, 40.0], 0x0DDB_A11C_AFE5_1DE5);
    assert!(
        f.distinct > 20_000,
        "{} groups: too few for a sample",
        f.distinct
    );
    let p = f.params;
    let (ll, g, h) = hessian(&p, &group(&obs));
    assert!((ll - f.log_likelihood).abs() < 1e-6);
    // The gradient in θ = ln p, per customer.
    let v = [p.r, p.alpha, p.a, p.b];
    let n = obs.len() as f64;
    for k in 0..4 {
        assert!((g[k] * v[k] / n).abs() < 1e-9, "gradient {g:?} at {p:?}");
    }
    // −H positive definite: its Cholesky factorisation goes through.
    let mut l = [[0.0f64; 4]; 4];
    for i in 0..4 {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = -h[i][i] - s;
                assert!(d > 0.0, "not a maximum: {h:?}");
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (-h[i][j] - s) / l[j][j];
            }
        }
    }
    assert!(f.iterations <= 10, "{} Newton iterations", f.iterations);
}
