//! `spreiding/scenarios@1` text → [`Scenario`]s, with every problem at once.
//!
//! The JSON value is walked by hand, like [`crate::validate`] does for instances, so that each
//! problem carries its own path (`scenarios[2].changes[0].fte`) and a stable code. Checks that
//! need no instance (types, unknown fields, ranges) are made here; references to practices and
//! areas and phase numbers are checked when the changes are applied ([`super::apply`]).
//!
//! Cost: linear in the size of the document.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::format::{LocationFile, SCENARIOS_FORMAT, ScenarioChangeFile};
use crate::validate::Problem;

/// A named list of changes to the base instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Unique name (`close:P03`, or the scenario file's `name`).
    pub name: String,
    /// Where it came from, as the prefix of problem paths (`scenarios[2]`, `--sweep closure`).
    pub path: String,
    /// The changes, applied in order.
    pub changes: Vec<ScenarioChangeFile>,
}

/// Why a scenario text was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Not JSON at all.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// Valid JSON but not a valid scenario file: every problem found.
    #[error("the scenarios have {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
}

/// The stable problem codes of scenario files (listed in `docs/errors.md`). Codes shared with
/// instances keep the instance's meaning.
pub mod code {
    /// `format` is not `spreiding/scenarios@1`.
    pub const WRONG_FORMAT: &str = "wrong_format";
    /// A required field is absent.
    pub const MISSING_FIELD: &str = "missing_field";
    /// A field the format does not have.
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    /// A value of the wrong JSON type.
    pub const WRONG_TYPE: &str = "wrong_type";
    /// A count that is not a JSON integer.
    pub const NOT_INTEGER: &str = "not_integer";
    /// A value that must be ≥ 0.
    pub const NEGATIVE: &str = "negative";
    /// An fte (or its result) that is not > 0.
    pub const FTE_NOT_POSITIVE: &str = "fte_not_positive";
    /// A norm that is not > 0.
    pub const NORM_NOT_POSITIVE: &str = "norm_not_positive";
    /// A ceiling ratio that is not > 0.
    pub const CEILING_RATIO_NOT_POSITIVE: &str = "ceiling_ratio_not_positive";
    /// A phase outside 1..=phases.
    pub const PHASE_OUT_OF_RANGE: &str = "phase_out_of_range";
    /// A location that is not `{lat, lon}` or `{x, y}` in range.
    pub const BAD_LOCATION: &str = "bad_location";
    /// A location in the other coordinate system than the instance's.
    pub const MIXED_COORDINATES: &str = "mixed_coordinates";
    /// An empty id.
    pub const EMPTY_ID: &str = "empty_id";
    /// A new practice's id that is already taken.
    pub const DUPLICATE_ID: &str = "duplicate_id";
    /// A reference to an area the instance does not have.
    pub const UNKNOWN_AREA: &str = "unknown_area";
    /// A reference to a practice the instance does not have.
    pub const UNKNOWN_PRACTICE: &str = "unknown_practice";
    /// A `kind` the format does not have.
    pub const UNKNOWN_KIND: &str = "unknown_kind";
    /// An `fte` change with both or neither of `fte` and `delta`.
    pub const FTE_OR_DELTA: &str = "fte_or_delta";
    /// A NONI change that would leave fewer than 0 residents without a GP.
    pub const NONI_NEGATIVE: &str = "noni_negative";
    /// An empty scenario name.
    pub const EMPTY_NAME: &str = "empty_name";
    /// Two scenarios with the same name (or the same file name once sanitised).
    pub const DUPLICATE_NAME: &str = "duplicate_name";
    /// A scenario named `baseline`.
    pub const RESERVED_NAME: &str = "reserved_name";
    /// The changes make the instance invalid in a way the checks above do not name.
    pub const INVALID_INSTANCE: &str = "invalid_instance";
}

pub(super) fn problem(path: String, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        path,
        code,
        message: message.into(),
    }
}

/// Parses and checks scenario text (a leading UTF-8 byte-order mark is ignored).
pub fn parse_scenarios(text: &str) -> Result<Vec<Scenario>, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        ScenarioError::Syntax {
            line: e.line(),
            column: e.column(),
            message: full.strip_suffix(&position).unwrap_or(&full).to_string(),
        }
    })?;
    scenarios_from_value(&value).map_err(ScenarioError::Invalid)
}

/// Checks a parsed scenario document; every problem in document order.
pub fn scenarios_from_value(value: &Value) -> Result<Vec<Scenario>, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(top) = value.as_object() else {
        return Err(vec![problem(
            String::new(),
            code::WRONG_TYPE,
            "must be an object with \"format\" and \"scenarios\"",
        )]);
    };
    for key in top.keys() {
        if !["format", "scenarios"].contains(&key.as_str()) {
            problems.push(unknown_field(key, key, &["format", "scenarios"]));
        }
    }
    match top.get("format") {
        Some(Value::String(f)) if f == SCENARIOS_FORMAT => {}
        Some(other) => {
            return Err(vec![problem(
                "format".into(),
                code::WRONG_FORMAT,
                format!("must be \"{SCENARIOS_FORMAT}\", got {other}"),
            )]);
        }
        None => problems.push(problem(
            "format".into(),
            code::MISSING_FIELD,
            format!("missing; add \"format\": \"{SCENARIOS_FORMAT}\""),
        )),
    }
    let mut scenarios = Vec::new();
    match top.get("scenarios") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(s) = decode_scenario(&format!("scenarios[{i}]"), item, &mut problems) {
                    scenarios.push(s);
                }
            }
        }
        Some(_) => problems.push(problem(
            "scenarios".into(),
            code::WRONG_TYPE,
            "must be an array of scenarios",
        )),
        None => problems.push(problem(
            "scenarios".into(),
            code::MISSING_FIELD,
            "missing; add \"scenarios\": [{\"name\": ..., \"changes\": [...]}]",
        )),
    }
    if problems.is_empty() {
        Ok(scenarios)
    } else {
        Err(problems)
    }
}

fn unknown_field(path: &str, key: &str, known: &[&str]) -> Problem {
    problem(
        path.to_string(),
        code::UNKNOWN_FIELD,
        format!(
            "unknown field {key:?}; expected one of: {}",
            known.join(", ")
        ),
    )
}

fn decode_scenario(path: &str, value: &Value, problems: &mut Vec<Problem>) -> Option<Scenario> {
    let Some(obj) = value.as_object() else {
        problems.push(problem(
            path.to_string(),
            code::WRONG_TYPE,
            "must be an object with \"name\" and \"changes\"",
        ));
        return None;
    };
    const KNOWN: [&str; 3] = ["name", "description", "changes"];
    for key in obj.keys() {
        if !KNOWN.contains(&key.as_str()) {
            problems.push(unknown_field(&format!("{path}.{key}"), key, &KNOWN));
        }
    }
    let before = problems.len();
    let mut fields = Fields {
        obj,
        path,
        problems,
    };
    let name = fields.string("name", true);
    let _description = fields.string("description", false);
    let mut changes = Vec::new();
    match obj.get("changes") {
        Some(Value::Array(items)) => {
            for (j, item) in items.iter().enumerate() {
                if let Some(c) = decode_change(&format!("{path}.changes[{j}]"), item, problems) {
                    changes.push(c);
                }
            }
        }
        Some(_) => problems.push(problem(
            format!("{path}.changes"),
            code::WRONG_TYPE,
            "must be an array of changes",
        )),
        None => problems.push(problem(
            format!("{path}.changes"),
            code::MISSING_FIELD,
            "missing; add \"changes\": [...]",
        )),
    }
    let name = name.flatten()?;
    (problems.len() == before).then(|| Scenario {
        name,
        path: path.to_string(),
        changes,
    })
}

/// The fields of each change kind (besides `kind`).
fn fields_of(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "close" => &["practice", "phase"],
        "fte" => &["practice", "phase", "fte", "delta"],
        "ceiling" => &["practice", "phase", "ceiling"],
        "accepting" => &["practice", "accepting"],
        "new_practice" => &[
            "id", "name", "district", "location", "fte", "ceiling", "phase",
        ],
        "norm_per_fte" | "ceiling_ratio" | "max_walk_m" | "max_moves_per_phase" => &["value"],
        "max_intake_per_phase" | "max_outflow_per_phase" => &["practice", "value"],
        "noni" => &["area", "delta"],
        _ => return None,
    })
}

const KINDS: &str = "close, fte, ceiling, accepting, new_practice, norm_per_fte, ceiling_ratio, \
                     max_walk_m, max_moves_per_phase, max_intake_per_phase, \
                     max_outflow_per_phase, noni";

fn decode_change(
    path: &str,
    value: &Value,
    problems: &mut Vec<Problem>,
) -> Option<ScenarioChangeFile> {
    let Some(obj) = value.as_object() else {
        problems.push(problem(
            path.to_string(),
            code::WRONG_TYPE,
            "must be an object with a \"kind\"",
        ));
        return None;
    };
    let kind = match obj.get("kind") {
        Some(Value::String(k)) => k.as_str(),
        Some(_) => {
            problems.push(problem(
                format!("{path}.kind"),
                code::WRONG_TYPE,
                format!("must be a string, one of: {KINDS}"),
            ));
            return None;
        }
        None => {
            problems.push(problem(
                format!("{path}.kind"),
                code::MISSING_FIELD,
                format!("missing; one of: {KINDS}"),
            ));
            return None;
        }
    };
    let Some(known) = fields_of(kind) else {
        problems.push(problem(
            format!("{path}.kind"),
            code::UNKNOWN_KIND,
            format!("unknown kind {kind:?}; one of: {KINDS}"),
        ));
        return None;
    };
    let before = problems.len();
    for key in obj.keys() {
        if key != "kind" && !known.contains(&key.as_str()) {
            problems.push(unknown_field(&format!("{path}.{key}"), key, known));
        }
    }
    let mut f = Fields {
        obj,
        path,
        problems,
    };
    let change = match kind {
        "close" => {
            let practice = f.string("practice", true);
            let phase = f.phase();
            ScenarioChangeFile::Close {
                practice: practice??,
                phase: phase?,
            }
        }
        "fte" => {
            let practice = f.string("practice", true);
            let phase = f.phase();
            let fte = f.number("fte", false);
            let delta = f.number("delta", false);
            let (fte, delta) = (fte?, delta?);
            if fte.is_some() == delta.is_some() {
                f.push(
                    String::new(),
                    code::FTE_OR_DELTA,
                    "give exactly one of \"fte\" (the new value) and \"delta\" (added to it)",
                );
            }
            if let Some(v) = fte.filter(|&v| v <= 0.0) {
                f.push(
                    ".fte".into(),
                    code::FTE_NOT_POSITIVE,
                    format!("must be > 0, got {v}; to close a practice use kind \"close\""),
                );
            }
            ScenarioChangeFile::Fte {
                practice: practice??,
                phase: phase?,
                fte,
                delta,
            }
        }
        "ceiling" => {
            let practice = f.string("practice", true);
            let phase = f.phase();
            let ceiling = f.non_negative("ceiling");
            ScenarioChangeFile::Ceiling {
                practice: practice??,
                phase: phase?,
                ceiling: ceiling??,
            }
        }
        "accepting" => {
            let practice = f.string("practice", true);
            let accepting = f.boolean("accepting");
            ScenarioChangeFile::Accepting {
                practice: practice??,
                accepting: accepting??,
            }
        }
        "new_practice" => {
            let id = f.string("id", true);
            let name = f.string("name", false);
            let district = f.string("district", false);
            let location = f.location("location");
            let fte = f.number("fte", true);
            let ceiling = f.nullable_non_negative("ceiling");
            let phase = f.phase();
            let fte = fte??;
            if fte <= 0.0 {
                f.push(
                    ".fte".into(),
                    code::FTE_NOT_POSITIVE,
                    format!("must be > 0, got {fte}"),
                );
            }
            ScenarioChangeFile::NewPractice {
                id: id??,
                name: name?,
                district: district?.unwrap_or_default(),
                location: location??,
                fte,
                ceiling: ceiling?,
                phase: phase?,
            }
        }
        "norm_per_fte" | "ceiling_ratio" => {
            let value = f.number("value", true)??;
            if value <= 0.0 {
                let c = if kind == "norm_per_fte" {
                    code::NORM_NOT_POSITIVE
                } else {
                    code::CEILING_RATIO_NOT_POSITIVE
                };
                f.push(".value".into(), c, format!("must be > 0, got {value}"));
            }
            if kind == "norm_per_fte" {
                ScenarioChangeFile::NormPerFte { value }
            } else {
                ScenarioChangeFile::CeilingRatio { value }
            }
        }
        "max_walk_m" => ScenarioChangeFile::MaxWalkM {
            value: f.non_negative("value")??,
        },
        "max_moves_per_phase" => ScenarioChangeFile::MaxMovesPerPhase {
            value: f.limit("value")?,
        },
        "max_intake_per_phase" | "max_outflow_per_phase" => {
            let practice = f.string("practice", false);
            let value = f.limit("value");
            let (practice, value) = (practice?, value?);
            if kind == "max_intake_per_phase" {
                ScenarioChangeFile::MaxIntakePerPhase { practice, value }
            } else {
                ScenarioChangeFile::MaxOutflowPerPhase { practice, value }
            }
        }
        _ => {
            let area = f.string("area", true);
            let delta = f.integer("delta");
            ScenarioChangeFile::Noni {
                area: area??,
                delta: delta??,
            }
        }
    };
    (problems.len() == before).then_some(change)
}

/// Typed access to an object's fields. Each getter returns `None` when it reported a problem,
/// `Some(None)` when an optional field is absent.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    path: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Fields<'a> {
    fn push(&mut self, suffix: String, code: &'static str, message: impl Into<String>) {
        self.problems
            .push(problem(format!("{}{suffix}", self.path), code, message));
    }

    /// The field's value, or `Some(None)` if absent (a problem if `required`).
    fn get(&mut self, key: &str, required: bool) -> Option<Option<&'a Value>> {
        let obj: &'a Map<String, Value> = self.obj;
        match obj.get(key) {
            Some(v) => Some(Some(v)),
            None if required => {
                self.push(format!(".{key}"), code::MISSING_FIELD, "missing");
                None
            }
            None => Some(None),
        }
    }

    fn wrong_type(&mut self, key: &str, expected: &str, got: &Value) {
        let got = match got {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        self.push(
            format!(".{key}"),
            code::WRONG_TYPE,
            format!("must be {expected}, got {got}"),
        );
    }

    fn string(&mut self, key: &str, required: bool) -> Option<Option<String>> {
        match self.get(key, required)? {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(v) => {
                self.wrong_type(key, "a string", v);
                None
            }
        }
    }

    fn boolean(&mut self, key: &str) -> Option<Option<bool>> {
        match self.get(key, true)? {
            None => Some(None),
            Some(Value::Bool(b)) => Some(Some(*b)),
            Some(v) => {
                self.wrong_type(key, "true or false", v);
                None
            }
        }
    }

    fn number(&mut self, key: &str, required: bool) -> Option<Option<f64>> {
        match self.get(key, required)? {
            None => Some(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(v) if v.is_finite() => Some(Some(v)),
                _ => {
                    self.wrong_type(key, "a finite number", &Value::Null);
                    None
                }
            },
            Some(v) => {
                self.wrong_type(key, "a number", v);
                None
            }
        }
    }

    fn non_negative(&mut self, key: &str) -> Option<Option<f64>> {
        let v = self.number(key, true)?;
        if let Some(x) = v.filter(|&x| x < 0.0) {
            self.push(
                format!(".{key}"),
                code::NEGATIVE,
                format!("must be ≥ 0, got {x}"),
            );
            return None;
        }
        Some(v)
    }

    fn nullable_non_negative(&mut self, key: &str) -> Option<Option<f64>> {
        if matches!(self.obj.get(key), Some(Value::Null) | None) {
            return Some(None);
        }
        self.non_negative(key)
    }

    fn integer(&mut self, key: &str) -> Option<Option<i64>> {
        match self.get(key, true)? {
            None => Some(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) => Some(Some(v)),
                None => {
                    self.push(
                        format!(".{key}"),
                        code::NOT_INTEGER,
                        format!("must be a whole number (no decimal point), got {n}"),
                    );
                    None
                }
            },
            Some(v) => {
                self.wrong_type(key, "an integer", v);
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Value) -> Option<u64> {
        match value {
            Value::Number(n) => match n.as_u64() {
                Some(v) => Some(v),
                None if n.as_i64().is_some_and(|v| v < 0)
                    || n.as_f64().is_some_and(|v| v < 0.0) =>
                {
                    self.push(
                        format!(".{key}"),
                        code::NEGATIVE,
                        format!("must be ≥ 0, got {n}"),
                    );
                    None
                }
                None => {
                    self.push(
                        format!(".{key}"),
                        code::NOT_INTEGER,
                        format!("must be a whole number (no decimal point), got {n}"),
                    );
                    None
                }
            },
            v => {
                self.wrong_type(key, "an integer", v);
                None
            }
        }
    }

    /// `phase`: absent = 1; ≥ 1 (the upper bound is checked against the instance).
    fn phase(&mut self) -> Option<u32> {
        let Some(v) = self.obj.get("phase") else {
            return Some(1);
        };
        let n = self.count("phase", v)?;
        match u32::try_from(n) {
            Ok(p) if p >= 1 => Some(p),
            _ => {
                self.push(
                    ".phase".into(),
                    code::PHASE_OUT_OF_RANGE,
                    format!("must be a phase 1..=phases, got {n}"),
                );
                None
            }
        }
    }

    /// A per-phase limit: an integer ≥ 0 or `null` (no limit); required.
    fn limit(&mut self, key: &str) -> Option<Option<u64>> {
        match self.get(key, true)? {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => Some(Some(self.count(key, v)?)),
        }
    }

    fn location(&mut self, key: &str) -> Option<Option<LocationFile>> {
        let Some(v) = self.get(key, true)? else {
            return Some(None);
        };
        let obj = v.as_object();
        let num = |k: &str| obj.and_then(|o| o.get(k)).and_then(Value::as_f64);
        let keys: HashSet<&str> = obj
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let location = if keys == HashSet::from(["lat", "lon"]) {
            match (num("lat"), num("lon")) {
                (Some(lat), Some(lon))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                {
                    Some(LocationFile::Wgs84 { lat, lon })
                }
                _ => None,
            }
        } else if keys == HashSet::from(["x", "y"]) {
            match (num("x"), num("y")) {
                (Some(x), Some(y)) => Some(LocationFile::Rd { x, y }),
                _ => None,
            }
        } else {
            None
        };
        if location.is_none() {
            self.push(
                format!(".{key}"),
                code::BAD_LOCATION,
                "must be {\"lat\", \"lon\"} in degrees (lat in [-90, 90], lon in [-180, 180]) \
                 or {\"x\", \"y\"} in RD New metres",
            );
            return None;
        }
        Some(location)
    }
}
