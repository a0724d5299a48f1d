//! A seeded random source with the few draws the generators need.
//!
//! Everything random in kehu-bench goes through [`Rng`], a ChaCha8 stream from
//! one `u64` seed, so a book is a pure function of its seed and size: the same
//! seed gives the same bytes on every machine and every run.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Deterministic random draws for the generators.
pub struct Rng {
    inner: ChaCha8Rng,
}

impl Rng {
    /// A stream fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.inner.random::<f64>()
    }

    /// A uniform float in `[low, high)`.
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// A uniform integer in `low..=high`.
    pub fn int(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        self.inner.random_range(low..=high)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        // 1 - unit() lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A log-normal draw whose logarithm has mean `mu` and deviation `sigma`.
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// One element of a non-empty slice, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let index = self.int(0, items.len() as i64 - 1) as usize;
        &items[index]
    }

    /// One value from `(value, weight)` pairs, with probability proportional
    /// to its weight. The slice must be non-empty.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut ticket = self.int(0, i64::from(total.max(1)) - 1);
        for (value, weight) in items {
            if ticket < i64::from(*weight) {
                return *value;
            }
            ticket -= i64::from(*weight);
        }
        items[items.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.unit().to_bits(), b.unit().to_bits());
        }
        assert_ne!(Rng::new(7).unit(), Rng::new(8).unit());
    }

    #[test]
    fn weighted_never_picks_zero_weight() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            assert_ne!(rng.weighted(&[("a", 3), ("b", 0), ("c", 1)]), "b");
        }
    }
}
