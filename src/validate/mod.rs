//! Instance validation: JSON text → [`Instance`], with every problem at once.
//!
//! Two passes share the work, so that no rule is written twice:
//!
//! 1. The *structural* pass walks the [`serde_json::Value`] by hand. It is the only code that
//!    knows about JSON: value types, unknown and missing fields, counts written as JSON
//!    integers, the shape of a location. Alongside its problems it builds a best-effort
//!    [`InstanceFile`], with placeholders where a value was unusable.
//! 2. The *semantic* pass, [`instance_from_file`], checks an [`InstanceFile`]: ranges, ids,
//!    references, phases, one coordinate system. It builds the [`Instance`] as it checks, so
//!    a file it accepts always converts.
//!
//! When the structural pass finds nothing, the value is deserialized by serde into
//! [`InstanceFile`] and handed to the semantic pass. Otherwise the semantic pass still runs on
//! the best-effort file, and its problems are added unless they are echoes of a structural
//! one (a problem at or under a rejected value, a reference into an id list with a rejected
//! id, a phase checked against a rejected `phases`). Either way the problems are sorted in
//! document order. Every code is listed with its fix in `docs/errors.md`.
//!
//! Cost: linear in the size of the document, plus a bounded "did you mean" search per unknown
//! field or id.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::format::{INSTANCE_FORMAT, InstanceFile, PLAN_FORMAT};
use crate::model::{Area, Instance, Practice, Registration};

mod check;
mod decode;

use check::Checker;
use decode::{Decoder, document_key};

/// The largest `policy.phases` accepted: ten years of months, far beyond any real plan, and
/// small enough that a typo such as `4000` is caught before it builds a huge model.
pub const MAX_PHASES: u32 = 120;

/// Sane maxima for reals MODEL.md only bounds below. Each is far beyond any real instance,
/// and each keeps the model within what HiGHS accepts and what f64 sums hold: a care weight
/// of 1e20 made HiGHS refuse the model, a practice at y = 1e308 made its walking distance
/// (and the objective) infinite.
pub mod max {
    /// `areas[].care_weight` (real ones are 1 to 3).
    pub const CARE_WEIGHT: f64 = 100.0;
    /// Each of `policy.weights` (the defaults are 0.1 to 1,000).
    pub const OBJECTIVE_WEIGHT: f64 = 1e6;
    /// `policy.detour_factor` (real ones are 1.2 to 1.5).
    pub const DETOUR_FACTOR: f64 = 100.0;
    /// `|x|` and `|y|` of RD New locations, in metres (the Netherlands: 0 to 620 km).
    pub const RD_METRES: f64 = 1e7;
    /// `walk_graph.edges[].length_m`.
    pub const EDGE_METRES: f64 = 1e7;
}

/// One thing wrong with an input: JSON path, stable code, message saying what is wrong and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a JSON path such as `practices[3].fte`; empty for the document itself.
    pub path: String,
    /// A stable snake_case code, listed in `docs/errors.md`.
    pub code: &'static str,
    /// What is wrong and what to do, lowercase, without a trailing period.
    pub message: String,
}

impl Problem {
    fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `practices[3].fte: must be > 0, got -1 [fte_not_positive]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} [{}]", self.message, self.code)
    }
}

/// Why an instance text was rejected.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// Not JSON at all: serde_json's message with line and column.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error (0 when it is at the start of a line, e.g. empty text).
        column: usize,
        /// serde_json's description, without its position suffix.
        message: String,
    },
    /// Valid JSON but not a valid instance: every problem found.
    #[error("the instance has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
}

/// Parses and validates instance text (a leading UTF-8 byte-order mark is ignored).
pub fn parse_instance(text: &str) -> Result<Instance, InstanceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        InstanceError::Syntax {
            line: e.line(),
            column: e.column(),
            message: full.strip_suffix(&position).unwrap_or(&full).to_string(),
        }
    })?;
    instance_from_value(&value).map_err(InstanceError::Invalid)
}

/// Validates a parsed JSON value and converts it, or returns every problem in document order.
pub fn instance_from_value(value: &Value) -> Result<Instance, Vec<Problem>> {
    let mut decoder = Decoder::default();
    let Some(lenient) = decoder.instance(value) else {
        return Err(decoder.problems);
    };
    let mut problems = if decoder.problems.is_empty() {
        let file = match InstanceFile::deserialize(value) {
            Ok(file) => file,
            Err(e) => {
                return Err(vec![Problem::new(
                    "",
                    code::SCHEMA,
                    format!(
                        "the instance passed validation but does not deserialize: {e}; please report this as a bug"
                    ),
                )]);
            }
        };
        match instance_from_file(&file) {
            Ok(instance) => return Ok(instance),
            Err(problems) => problems,
        }
    } else {
        let mut problems = std::mem::take(&mut decoder.problems);
        if let Err(semantic) = instance_from_file(&lenient) {
            problems.extend(semantic.into_iter().filter(|p| !decoder.hides(p)));
        }
        problems
    };
    problems.sort_by_cached_key(|p| document_key(value, &p.path));
    Err(problems)
}

/// Converts an already-validated file struct (used when the caller built the struct itself,
/// e.g. scenario runs), checking every semantic rule; problems come in field order.
pub fn instance_from_file(file: &InstanceFile) -> Result<Instance, Vec<Problem>> {
    if let Some(problem) = format_problem(&file.format) {
        return Err(vec![problem]);
    }
    let mut check = Checker::default();
    let policy = check.policy(&file.policy);
    let phases = phases_in_range(file.policy.phases);

    let mut area_ids = HashMap::new();
    let areas: Vec<Area> = file
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| check.area(i, a, &mut area_ids))
        .collect();
    let mut practice_ids = HashMap::new();
    let practices: Vec<Practice> = file
        .practices
        .iter()
        .enumerate()
        .map(|(i, p)| check.practice(i, p, phases, &mut practice_ids))
        .collect();

    let mut summed: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for (i, r) in file.registrations.iter().enumerate() {
        if let Some(key) = check.registration(i, r, file, &area_ids, &practice_ids) {
            let patients = summed.entry(key).or_insert(0);
            *patients = patients.saturating_add(r.patients);
        }
    }
    let registrations = summed
        .into_iter()
        .filter(|&(_, patients)| patients > 0)
        .map(|((area, practice), patients)| Registration {
            area,
            practice,
            patients,
        })
        .collect();

    let walk_graph = file.walk_graph.as_ref().map(|g| check.walk_graph(g));

    if check.problems.is_empty() {
        Ok(Instance {
            name: file.name.clone(),
            policy,
            areas,
            practices,
            registrations,
            walk_graph,
        })
    } else {
        Err(check.problems)
    }
}

/// The stable problem codes; `docs/errors.md` explains each with its fix.
mod code {
    pub const SCHEMA: &str = "schema";
    pub const WRONG_FORMAT: &str = "wrong_format";
    pub const MISSING_FIELD: &str = "missing_field";
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    pub const WRONG_TYPE: &str = "wrong_type";
    pub const NOT_INTEGER: &str = "not_integer";
    pub const NEGATIVE: &str = "negative";
    pub const NOT_FINITE: &str = "not_finite";
    pub const FTE_NOT_POSITIVE: &str = "fte_not_positive";
    pub const CARE_WEIGHT_NOT_POSITIVE: &str = "care_weight_not_positive";
    pub const NORM_NOT_POSITIVE: &str = "norm_not_positive";
    pub const CEILING_RATIO_NOT_POSITIVE: &str = "ceiling_ratio_not_positive";
    pub const DETOUR_BELOW_ONE: &str = "detour_below_one";
    pub const PHASES_OUT_OF_RANGE: &str = "phases_out_of_range";
    pub const PHASE_LABELS_COUNT: &str = "phase_labels_count";
    pub const PHASE_OUT_OF_RANGE: &str = "phase_out_of_range";
    pub const EMPTY_CHANGE: &str = "empty_change";
    pub const BAD_LOCATION: &str = "bad_location";
    pub const MIXED_COORDINATES: &str = "mixed_coordinates";
    pub const EMPTY_ID: &str = "empty_id";
    pub const DUPLICATE_ID: &str = "duplicate_id";
    pub const UNKNOWN_AREA: &str = "unknown_area";
    pub const UNKNOWN_PRACTICE: &str = "unknown_practice";
    pub const UNKNOWN_NODE: &str = "unknown_node";
    pub const BAD_LENGTH: &str = "bad_length";
    pub const TOO_LARGE: &str = "too_large";
}

// ---------------------------------------------------------------------------------------------
// Rules shared by both passes
// ---------------------------------------------------------------------------------------------

/// A `format` other than ours: reported alone, since the rest would only be noise.
fn format_problem(format: &str) -> Option<Problem> {
    if format == INSTANCE_FORMAT {
        return None;
    }
    let hint = if format == PLAN_FORMAT {
        "; this is a plan, not an instance"
    } else {
        ""
    };
    Some(Problem::new(
        "format",
        code::WRONG_FORMAT,
        format!(
            "must be \"{INSTANCE_FORMAT}\", got {}{hint}",
            quoted(format)
        ),
    ))
}

/// `phases` when it is in 1..=[`MAX_PHASES`].
fn phases_in_range(phases: u32) -> Option<usize> {
    (1..=MAX_PHASES)
        .contains(&phases)
        .then_some(phases as usize)
}

fn phases_problem(path: &str, phases: u64) -> Problem {
    Problem::new(
        path,
        code::PHASES_OUT_OF_RANGE,
        format!("must be between 1 and {MAX_PHASES}, got {phases}"),
    )
}

fn change_phase_problem(path: &str, phase: u64, phases: usize) -> Problem {
    Problem::new(
        path,
        code::PHASE_OUT_OF_RANGE,
        format!("must be a phase between 1 and {phases} (policy.phases), got {phase}"),
    )
}

/// A string as JSON, cut short when long.
fn quoted(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{}…", serde_json::Value::from(cut))
    } else {
        serde_json::Value::from(s).to_string()
    }
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// The first candidate closest to `word` within edit distance 2 (and closer than the word's
/// own length, so `x` never suggests `y`).
fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate.chars().count().abs_diff(len) > 2 {
            continue;
        }
        let d = edit_distance(word, candidate);
        if d <= 2 && d < len && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_transposition_as_one() {
        assert_eq!(edit_distance("ftee", "fte"), 1);
        assert_eq!(edit_distance("dsitrict", "district"), 1);
        assert_eq!(
            closest("pratcice", ["practice", "patients"]),
            Some("practice")
        );
        assert_eq!(closest("x", ["y"]), None);
    }
}
