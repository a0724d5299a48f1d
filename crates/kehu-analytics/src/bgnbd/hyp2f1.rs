//! The Gauss hypergeometric function 2F1(a, b; c; z) for 0 ≤ z < 1, by its
//! power series.
//!
//! No maintained Rust crate offers 2F1 for real arguments, so this is the
//! textbook series (Abramowitz & Stegun 15.1.1):
//!
//! ```text
//! 2F1(a, b; c; z) = Σₖ tₖ,   t₀ = 1,   tₖ₊₁ = tₖ · (a+k)(b+k) / ((c+k)(k+1)) · z
//! ```
//!
//! summed until the tail left is below 10⁻¹⁵ of the running sum: the ratio
//! of successive terms tends monotonically to z, so once it is below 1 the
//! tail is bounded by a geometric series with ratio q = max(|ratio|, z). The series converges for |z| < 1, geometrically with ratio z;
//! BG/NBD calls it with z = t / (α + T + t), below 1 for every finite
//! horizon. The loop is capped at [`MAX_TERMS`]; hitting the cap returns
//! `None` rather than a wrong number.

/// The most terms summed before giving up (z within about 10⁻⁴ of 1).
pub const MAX_TERMS: usize = 1_000_000;

/// 2F1(a, b; c; z) for 0 ≤ z < 1 and c not a non-positive integer; `None`
/// outside that domain or when the series does not converge in
/// [`MAX_TERMS`] terms.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return None;
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return None;
    }
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    for k in 0..MAX_TERMS {
        let k = k as f64;
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        term *= ratio;
        sum += term;
        if term == 0.0 {
            return Some(sum);
        }
        // Later ratios tend to z, monotonically, so none exceeds q and the
        // tail is at most |term| · q / (1 − q).
        let q = ratio.abs().max(z);
        if q < 1.0 && term.abs() * q / (1.0 - q) <= 1e-15 * sum.abs() {
            return Some(sum);
        }
        if !sum.is_finite() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol * y.abs().max(1.0)
    }

    #[test]
    fn closed_forms() {
        // 2F1(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.1f64, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            assert!(
                close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want, 1e-12),
                "z={z}"
            );
        }
        // 2F1(a, b; b; z) = (1 − z)^(−a)
        for (a, z) in [(0.5f64, 0.3f64), (2.5, 0.7), (-1.5, 0.4)] {
            let want = (1.0 - z).powf(-a);
            assert!(close(hyp2f1(a, 3.0, 3.0, z).unwrap(), want, 1e-12));
        }
        // 2F1(1/2, 1; 3/2; z²) = atanh(z) / z
        let z: f64 = 0.8;
        let want = z.atanh() / z;
        assert!(close(hyp2f1(0.5, 1.0, 1.5, z * z).unwrap(), want, 1e-12));
        // A terminating series: 2F1(−2, b; c; z) is a polynomial.
        let (b, c, z) = (3.0, 4.0, 0.5);
        let want = 1.0 - 2.0 * b / c * z + b * (b + 1.0) / (c * (c + 1.0)) * z * z;
        assert!(close(hyp2f1(-2.0, b, c, z).unwrap(), want, 1e-14));
    }

    #[test]
    fn refuses_outside_the_domain() {
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, -0.1), None);
        assert_eq!(hyp2f1(1.0, 1.0, -2.0, 0.5), None);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, f64::NAN), None);
    }
}
