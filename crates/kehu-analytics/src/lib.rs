//! Computations several kehu plugins share: the grades of DESIGN §3 (ABC,
//! RFM, value tiers, pipeline A–E, loyalty), follow-up cadence and urgency,
//! the BG/NBD model of Fader, Hardie & Lee (2005), churn risk and its
//! backtest.
//!
//! Every function here is pure and deterministic: the same inputs give the
//! same outputs, in the same order, on every machine. Ties are broken by
//! customer id; money is compared in integer cents. Every grade carries its
//! reason: kept as figures and put into words when displayed or serialized
//! ("cumulative share 78.2% ≤ 80%; revenue 1,250,000"), so grading a large
//! book does not pay for sentences nobody prints.
//!
//! Nothing here reads files. The functions take thresholds and windows as
//! plain values; [`Policy::from_config`] turns a parsed kehu.toml into them.
//!
//! | module | what |
//! | --- | --- |
//! | [`mod@abc`] | Pareto classes by cumulative revenue share |
//! | [`mod@rfm`] | quintile scores and the eight segments (+ `none`) |
//! | [`tier`] | value tiers from kehu.toml conditions ([`kehu_core::expr`]) |
//! | [`pipeline`] | A–E from stage and expected close |
//! | [`calibration`] | how many A/B/C deals closed within their promise |
//! | [`funnel`] | stage conversion and days per stage from transitions |
//! | [`loyalty`] | loyal / satisfied / at-risk / detractor |
//! | [`book`] | all of the above for a whole book, tiers last |
//! | [`cadence`], [`mod@urgency`] | follow-up intervals, due/overdue, the agenda's order |
//! | [`bgnbd`] | BG/NBD likelihood, fit, P(alive), expected purchases |
//! | [`mod@risk`], [`trails`], [`churn`], [`backtest`] | churn risk from weighted signals (history signals from trails), a book scored, and how good it was |
//! | [`lifecycle`] | new / growing / mature / declining / lapsed from orders and revenue history |
//! | [`complaints`] | complaints from history, satisfaction and complaint KPIs |
//! | [`service`] | the service level serving a customer, channel suggestions |
//! | [`policy`] | kehu.toml in the shape the computations take |
//! | [`flow`] | maximum flow, for `assign`'s bounds on its plans |

pub mod abc;
pub mod backtest;
pub mod bgnbd;
pub mod book;
pub mod cadence;
pub mod calibration;
pub mod churn;
pub mod complaints;
pub mod flow;
pub mod funnel;
pub mod lifecycle;
pub mod loyalty;
pub mod money;
pub mod pipeline;
pub mod policy;
mod ranking;
pub mod rfm;
pub mod risk;
pub mod service;
pub mod tier;
pub mod trails;
pub mod urgency;

pub use abc::{AbcClass, AbcGrade, AbcThresholds, abc};
pub use bgnbd::{BgNbdFit, BgNbdParams, FitError, Observation};
pub use book::{BookGrades, CustomerGrades, Grades, grade_book, grade_book_chosen, grade_book_map};
pub use cadence::{Cadence, CadenceChoice, FollowUp, FollowUpStatus};
pub use loyalty::{Indicators, Loyalty, LoyaltyGrade, LoyaltyRule, LoyaltyRules, Referral};
pub use money::{cents, format_cents};
pub use pipeline::{PipelineGrade, PipelineGradeResult, PipelineThresholds};
pub use policy::{Policy, PolicyError};
pub use rfm::{RfmError, RfmInput, RfmResult, RfmScores, RfmWindow, Segment, rfm};
pub use risk::{Risk, RiskBand, RiskInputs, risk};
pub use tier::{TierError, TierReason, TierResult, TierRule};
pub use urgency::{Urgency, urgency};
