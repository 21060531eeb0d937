//! Built-in sweeps: scenario generators behind `--sweep SPEC`.
//!
//! - `closure`: each practice in turn closes in phase 1 (`close:<id>`); practices that
//!   already close in phase 1 are skipped.
//! - `fte=+0.5` (any non-zero delta, `fte=-0.5` too): each practice in turn gets the extra
//!   fte from phase 1 on (`fte:<id>`); skipped are practices closed from phase 1 and those whose
//!   fte would drop to ≤ 0 in some phase.
//! - `PARAM=VALUES` for a policy parameter (`norm_per_fte`, `ceiling_ratio`, `max_walk_m`,
//!   `max_moves_per_phase`, `max_intake_per_phase`, `max_outflow_per_phase`), one scenario
//!   per value (`norm_per_fte=1800`). VALUES is one value, a comma list `a,b,c`, or a range
//!   `start:end:step`: start, start + step, … while below end, and end itself (the end is
//!   always included: `1800:2095:50` gives 1800, 1850, …, 2050, 2095).

use crate::format::{ScenarioChangeFile, SkippedFile};
use crate::model::Instance;

use super::scenario::Scenario;

/// The most scenarios one range may generate.
pub const MAX_SWEEP_VALUES: usize = 1000;

/// A parsed `--sweep` argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Sweep {
    /// Each practice closes in phase 1.
    Closure,
    /// Each practice gets `delta` fte.
    Fte(f64),
    /// A policy parameter takes each value.
    Policy(PolicyParam, Vec<f64>),
}

/// A policy parameter a sweep can vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyParam {
    /// `norm_per_fte` (> 0).
    NormPerFte,
    /// `ceiling_ratio` (> 0).
    CeilingRatio,
    /// `max_walk_m` (≥ 0).
    MaxWalkM,
    /// `max_moves_per_phase` (integer ≥ 0).
    MaxMovesPerPhase,
    /// `max_intake_per_phase` (integer ≥ 0).
    MaxIntakePerPhase,
    /// `max_outflow_per_phase` (integer ≥ 0).
    MaxOutflowPerPhase,
}

impl PolicyParam {
    const ALL: [(&'static str, PolicyParam); 6] = [
        ("norm_per_fte", PolicyParam::NormPerFte),
        ("ceiling_ratio", PolicyParam::CeilingRatio),
        ("max_walk_m", PolicyParam::MaxWalkM),
        ("max_moves_per_phase", PolicyParam::MaxMovesPerPhase),
        ("max_intake_per_phase", PolicyParam::MaxIntakePerPhase),
        ("max_outflow_per_phase", PolicyParam::MaxOutflowPerPhase),
    ];

    /// The field name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("", |(n, _)| n)
    }

    fn integer(self) -> bool {
        matches!(
            self,
            PolicyParam::MaxMovesPerPhase
                | PolicyParam::MaxIntakePerPhase
                | PolicyParam::MaxOutflowPerPhase
        )
    }

    fn change(self, value: f64) -> ScenarioChangeFile {
        // Integer parameters are checked to be whole numbers ≥ 0 when parsed.
        let count = Some(value as u64);
        match self {
            PolicyParam::NormPerFte => ScenarioChangeFile::NormPerFte { value },
            PolicyParam::CeilingRatio => ScenarioChangeFile::CeilingRatio { value },
            PolicyParam::MaxWalkM => ScenarioChangeFile::MaxWalkM { value },
            PolicyParam::MaxMovesPerPhase => ScenarioChangeFile::MaxMovesPerPhase { value: count },
            PolicyParam::MaxIntakePerPhase => ScenarioChangeFile::MaxIntakePerPhase {
                practice: None,
                value: count,
            },
            PolicyParam::MaxOutflowPerPhase => ScenarioChangeFile::MaxOutflowPerPhase {
                practice: None,
                value: count,
            },
        }
    }
}

/// A `--sweep` argument that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// Not `closure`, `fte=…` or a known parameter.
    #[error(
        "unknown sweep {0:?}; use closure, fte=DELTA, or one of norm_per_fte, ceiling_ratio, \
         max_walk_m, max_moves_per_phase, max_intake_per_phase, max_outflow_per_phase \
         followed by =VALUE, =A,B,C or =START:END:STEP"
    )]
    Unknown(String),
    /// A value that is not a number.
    #[error("{spec}: {value:?} is not a number")]
    NotANumber {
        /// The whole spec.
        spec: String,
        /// The offending part.
        value: String,
    },
    /// A number outside the parameter's range.
    #[error("{spec}: {message}")]
    OutOfRange {
        /// The whole spec.
        spec: String,
        /// What is wrong.
        message: String,
    },
}

impl SweepError {
    /// Stable snake_case code (docs/errors.md): `unknown_sweep`, `sweep_not_a_number`,
    /// `sweep_out_of_range`. The CLI prints it after the message, the server puts it in the
    /// problem's `errors`.
    pub fn code(&self) -> &'static str {
        match self {
            SweepError::Unknown(_) => code::UNKNOWN_SWEEP,
            SweepError::NotANumber { .. } => code::SWEEP_NOT_A_NUMBER,
            SweepError::OutOfRange { .. } => code::SWEEP_OUT_OF_RANGE,
        }
    }
}

/// The stable codes of [`SweepError`] (listed in `docs/errors.md`).
pub mod code {
    /// Not `closure`, `fte=…` or a known parameter, or not `KEY=VALUES`.
    pub const UNKNOWN_SWEEP: &str = "unknown_sweep";
    /// A value that is not a finite number.
    pub const SWEEP_NOT_A_NUMBER: &str = "sweep_not_a_number";
    /// A value outside the parameter's range, a bad range, or too many values.
    pub const SWEEP_OUT_OF_RANGE: &str = "sweep_out_of_range";
}

/// Parses one `--sweep` argument.
pub fn parse_sweep(spec: &str) -> Result<Sweep, SweepError> {
    let spec = spec.trim();
    if spec == "closure" {
        return Ok(Sweep::Closure);
    }
    let Some((key, values)) = spec.split_once('=') else {
        return Err(SweepError::Unknown(spec.to_string()));
    };
    let out_of_range = |message: String| SweepError::OutOfRange {
        spec: spec.to_string(),
        message,
    };
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| SweepError::NotANumber {
                spec: spec.to_string(),
                value: s.to_string(),
            })
    };
    if key.trim() == "fte" {
        let delta = number(values)?;
        if delta == 0.0 {
            return Err(out_of_range("the fte delta must not be 0".into()));
        }
        return Ok(Sweep::Fte(delta));
    }
    let Some(&(_, param)) = PolicyParam::ALL.iter().find(|(n, _)| *n == key.trim()) else {
        return Err(SweepError::Unknown(spec.to_string()));
    };
    let list: Vec<f64> = if let Some((start, rest)) = values.split_once(':') {
        let Some((end, step)) = rest.split_once(':') else {
            return Err(out_of_range("a range is START:END:STEP".into()));
        };
        let (start, end, step) = (number(start)?, number(end)?, number(step)?);
        if step <= 0.0 {
            return Err(out_of_range(format!("the step must be > 0, got {step}")));
        }
        if end < start {
            return Err(out_of_range(format!(
                "the end {end} is below the start {start}"
            )));
        }
        if (end - start) / step >= MAX_SWEEP_VALUES as f64 {
            return Err(out_of_range(format!(
                "more than {MAX_SWEEP_VALUES} values; use a larger step"
            )));
        }
        let mut list = Vec::new();
        for i in 0.. {
            // start + i·step, not accumulated, and cleaned of binary noise (1.0 + 3·0.05).
            let v = tidy(start + i as f64 * step);
            if v >= end - step * 1e-9 {
                break;
            }
            list.push(v);
        }
        list.push(end);
        list
    } else {
        values.split(',').map(number).collect::<Result<_, _>>()?
    };
    for &v in &list {
        let bad = match param {
            PolicyParam::NormPerFte | PolicyParam::CeilingRatio => v <= 0.0,
            _ => v < 0.0,
        };
        if bad {
            let bound = if v < 0.0 { "≥ 0" } else { "> 0" };
            return Err(out_of_range(format!(
                "{} must be {bound}, got {v}",
                param.name()
            )));
        }
        if param.integer() && (v.fract() != 0.0 || v > u32::MAX as f64) {
            return Err(out_of_range(format!(
                "{} is a whole number of patients, got {v}",
                param.name()
            )));
        }
    }
    Ok(Sweep::Policy(param, list))
}

/// Rounds away binary noise (`1800.0000000000002` → `1800`): nine decimals.
fn tidy(v: f64) -> f64 {
    format!("{v:.9}").parse().unwrap_or(v)
}

/// The scenarios of `sweep` on `instance`, and the ones it leaves out with the reason.
pub fn generate(
    sweep: &Sweep,
    spec: &str,
    instance: &Instance,
) -> (Vec<Scenario>, Vec<SkippedFile>) {
    let path = format!("--sweep {spec}");
    let mut scenarios = Vec::new();
    let mut skipped = Vec::new();
    match sweep {
        Sweep::Closure | Sweep::Fte(_) => {
            for (p, practice) in instance.practices.iter().enumerate() {
                let (prefix, change) = match sweep {
                    Sweep::Fte(delta) => (
                        "fte",
                        ScenarioChangeFile::Fte {
                            practice: practice.id.clone(),
                            phase: 1,
                            fte: None,
                            delta: Some(*delta),
                        },
                    ),
                    _ => (
                        "close",
                        ScenarioChangeFile::Close {
                            practice: practice.id.clone(),
                            phase: 1,
                        },
                    ),
                };
                let name = format!("{prefix}:{}", practice.id);
                if instance.closing_phase(p) == Some(1) {
                    skipped.push(SkippedFile {
                        name,
                        reason: "the practice already closes in phase 1".into(),
                    });
                    continue;
                }
                if let Sweep::Fte(delta) = sweep {
                    let lowest = (1..=instance.phases())
                        .map(|t| instance.fte(p, t))
                        .fold(f64::INFINITY, f64::min);
                    if lowest + delta <= 0.0 {
                        skipped.push(SkippedFile {
                            name,
                            reason: format!(
                                "its fte would drop to {} (must stay > 0)",
                                lowest + delta
                            ),
                        });
                        continue;
                    }
                }
                scenarios.push(Scenario {
                    name,
                    path: path.clone(),
                    changes: vec![change],
                });
            }
        }
        Sweep::Policy(param, values) => {
            for &v in values {
                scenarios.push(Scenario {
                    name: format!("{}={v}", param.name()),
                    path: path.clone(),
                    changes: vec![param.change(v)],
                });
            }
        }
    }
    (scenarios, skipped)
}
