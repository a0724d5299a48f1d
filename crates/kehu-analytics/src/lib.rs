//! Computations several kehu plugins share: the grades of DESIGN §3 (ABC,
//! RFM, value tiers, pipeline A–E, loyalty), follow-up cadence and urgency,
//! the BG/NBD model of Fader, Hardie & Lee (2005), and churn risk.
//!
//! Every function here is pure and deterministic: the same inputs give the
//! same outputs, in the same order, on every machine. Ties are broken by
//! customer id; money is compared in integer cents. Every grade carries a
//! short reason in words so a person can check it by hand.
//!
//! Nothing here reads files or `kehu.toml`: callers pass thresholds and
//! windows as plain values, so the functions are easy to test and reuse.

pub mod abc;
pub mod backtest;
pub mod bgnbd;
pub mod book;
pub mod cadence;
pub mod loyalty;
pub mod money;
pub mod pipeline;
pub mod policy;
pub mod rfm;
pub mod risk;
pub mod tier;
pub mod urgency;

pub use abc::{AbcClass, AbcGrade, AbcThresholds, abc};
pub use bgnbd::{BgNbdFit, BgNbdParams, FitError, Observation};
pub use book::{BookGrades, CustomerGrades, grade_book};
pub use cadence::{Cadence, CadenceChoice, FollowUp, FollowUpStatus};
pub use loyalty::{Indicators, Loyalty, LoyaltyGrade, LoyaltyRule, LoyaltyRules, Referral};
pub use money::{cents, format_cents};
pub use pipeline::{PipelineGrade, PipelineGradeResult, PipelineThresholds};
pub use policy::{Policy, PolicyError};
pub use rfm::{RfmError, RfmInput, RfmResult, RfmScores, RfmWindow, Segment, rfm};
pub use risk::{Risk, RiskBand, RiskInputs, risk};
pub use tier::{TierError, TierResult, TierRule};
pub use urgency::{Urgency, urgency};
