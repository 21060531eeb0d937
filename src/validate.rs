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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::format::{
    AreaFile, ChangeFile, INSTANCE_FORMAT, InstanceFile, LocationFile, PLAN_FORMAT, PolicyFile,
    PracticeFile, RegistrationFile, WalkEdgeFile, WalkGraphFile, WalkNodeFile, WeightsFile,
};
use crate::model::{
    Area, Change, Instance, Point, Policy, Practice, Registration, WalkGraph, Weights,
};

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

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
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

// ---------------------------------------------------------------------------------------------
// Structural pass: the JSON value
// ---------------------------------------------------------------------------------------------

const TOP_FIELDS: &[&str] = &[
    "format",
    "name",
    "policy",
    "areas",
    "practices",
    "registrations",
    "walk_graph",
    "extensions",
];
const POLICY_FIELDS: &[&str] = &[
    "norm_per_fte",
    "ceiling_ratio",
    "max_walk_m",
    "detour_factor",
    "phases",
    "phase_labels",
    "max_moves_per_phase",
    "max_intake_per_phase",
    "max_outflow_per_phase",
    "weights",
];
const WEIGHT_FIELDS: &[&str] = &["waiting", "excess", "out_of_district", "move", "walk_km"];
const AREA_FIELDS: &[&str] = &[
    "id",
    "name",
    "district",
    "location",
    "residents",
    "noni",
    "care_weight",
];
const PRACTICE_FIELDS: &[&str] = &[
    "id",
    "name",
    "district",
    "location",
    "fte",
    "ceiling",
    "accepting",
    "max_intake_per_phase",
    "max_outflow_per_phase",
    "changes",
];
const CHANGE_FIELDS: &[&str] = &["phase", "fte", "ceiling", "closes"];
const REGISTRATION_FIELDS: &[&str] = &["area", "practice", "patients"];
const GRAPH_FIELDS: &[&str] = &["nodes", "edges"];
const NODE_FIELDS: &[&str] = &["id", "location"];
const EDGE_FIELDS: &[&str] = &["from", "to", "length_m"];

const A_STRING: &str = "a string";
const A_NUMBER: &str = "a number";
const A_COUNT: &str = "an integer ≥ 0";
const A_BOOLEAN: &str = "true or false";
const AN_ARRAY: &str = "an array";
const AN_OBJECT: &str = "an object";
const A_LOCATION: &str =
    "a location, {\"lat\": …, \"lon\": …} (WGS84 degrees) or {\"x\": …, \"y\": …} (RD New metres)";

/// Stands in for an object that is not one, so its fields decode to placeholders.
static EMPTY_OBJECT: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// Stands in for an unusable location until [`Decoder::fill_locations`] replaces it.
const PLACEHOLDER_LOCATION: LocationFile = LocationFile::Wgs84 { lat: 0.0, lon: 0.0 };

/// How many candidate comparisons the "did you mean" searches may spend per document.
const SUGGESTION_BUDGET: usize = 2_000_000;

/// The structural pass. Every reader returns `None` (or a placeholder) after *rejecting* the
/// value: recording a problem and marking the path as poisoned. Problems under a poisoned
/// path are not recorded, and semantic problems about it are hidden ([`Decoder::hides`]).
#[derive(Default)]
struct Decoder {
    problems: Vec<Problem>,
    poisoned: HashSet<String>,
    /// `policy.phases` as decoded, for messages about a change's phase.
    phases: usize,
}

impl Decoder {
    /// Whether `path` is a poisoned path or lies under one.
    fn covered(&self, path: &str) -> bool {
        path.char_indices()
            .filter(|&(_, c)| c == '.' || c == '[')
            .map(|(i, _)| &path[..i])
            .chain(std::iter::once(path))
            .any(|prefix| self.poisoned.contains(prefix))
    }

    /// Whether some poisoned path lies strictly under `path`.
    fn poisoned_below(&self, path: &str) -> bool {
        !path.is_empty()
            && self.poisoned.iter().any(|q| {
                q.strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
    }

    /// Whether an id list (`areas`, `practices`, `walk_graph.nodes`) lost an id: the list,
    /// one of its elements or an element's `id` was rejected.
    fn ids_incomplete(&self, list: &str) -> bool {
        self.covered(list)
            || self.poisoned.iter().any(|q| {
                q.strip_prefix(list)
                    .and_then(|rest| rest.strip_prefix('['))
                    .and_then(|rest| rest.split_once(']'))
                    .is_some_and(|(_, after)| after.is_empty() || after == ".id")
            })
    }

    /// Whether a semantic problem of the best-effort file only echoes a structural one.
    fn hides(&self, problem: &Problem) -> bool {
        if self.covered(&problem.path) || self.poisoned_below(&problem.path) {
            return true;
        }
        match problem.code {
            code::UNKNOWN_AREA => self.ids_incomplete("areas"),
            code::UNKNOWN_PRACTICE => self.ids_incomplete("practices"),
            code::UNKNOWN_NODE => self.ids_incomplete("walk_graph.nodes"),
            code::PHASE_OUT_OF_RANGE | code::PHASE_LABELS_COUNT => self.covered("policy.phases"),
            _ => false,
        }
    }

    fn push(&mut self, problem: Problem) {
        if !self.covered(&problem.path) {
            self.problems.push(problem);
        }
    }

    fn reject(&mut self, path: &str, code: &'static str, message: String) {
        self.push(Problem::new(path, code, message));
        self.poisoned.insert(path.to_string());
    }

    fn wrong_type(&mut self, value: &Value, path: &str, expected: &str) {
        let mut message = format!("must be {expected}, got {}", describe(value));
        if let Value::String(s) = value
            && (expected == A_NUMBER || expected == A_COUNT)
            && s.trim().parse::<f64>().is_ok()
        {
            message.push_str("; write the number without quotes");
        }
        self.reject(path, code::WRONG_TYPE, message);
    }

    /// Checks that `value` is an object and reports its unknown fields.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(map) = value else {
            self.wrong_type(value, path, AN_OBJECT);
            return None;
        };
        for key in map.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let mut message = format!("unknown field {}", quoted(key));
            match closest(key, known.iter().copied()) {
                Some(near) => message.push_str(&format!(" (did you mean \"{near}\"?)")),
                None => message.push_str(&format!("; expected one of: {}", known.join(", "))),
            }
            if path.is_empty() {
                message.push_str("; data of other tools goes under \"extensions\"");
            }
            self.push(Problem::new(join(path, key), code::UNKNOWN_FIELD, message));
        }
        Some(map)
    }

    /// [`Decoder::object`], or an empty object (whose fields then decode to placeholders).
    fn object_or_empty<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        known: &[&str],
    ) -> &'v Map<String, Value> {
        self.object(value, path, known).unwrap_or(&*EMPTY_OBJECT)
    }

    /// A field that must be present.
    fn required<T>(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
        what: &str,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        let field = join(path, key);
        match map.get(key) {
            None => {
                self.reject(
                    &field,
                    code::MISSING_FIELD,
                    format!("required field \"{key}\" is missing; add it as {what}"),
                );
                None
            }
            Some(value) => read(self, value, &field),
        }
    }

    /// A field that takes `default` when absent (`null` is a wrong type).
    fn defaulted<T>(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
        default: T,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> T {
        match map.get(key) {
            None => default,
            Some(value) => read(self, value, &join(path, key)).unwrap_or(default),
        }
    }

    /// A field that takes `absent` when absent and `None` when `null`.
    fn nullable<T>(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        key: &str,
        absent: Option<T>,
        read: impl FnOnce(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        match map.get(key) {
            None => absent,
            Some(Value::Null) => None,
            Some(value) => read(self, value, &join(path, key)),
        }
    }

    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong_type(value, path, A_STRING);
                None
            }
        }
    }

    fn number(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value {
            Value::Number(n) => n.as_f64(),
            _ => {
                self.wrong_type(value, path, A_NUMBER);
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(value, path, A_BOOLEAN);
                None
            }
        }
    }

    /// A count: a JSON integer ≥ 0 that fits 64 bits (`12.0` is not one).
    fn count(&mut self, value: &Value, path: &str) -> Option<u64> {
        let Value::Number(n) = value else {
            self.wrong_type(value, path, A_COUNT);
            return None;
        };
        if let Some(count) = n.as_u64() {
            return Some(count);
        }
        let x = n.as_f64().unwrap_or(f64::NAN);
        let (code, message) = if n.is_i64() || (x < 0.0 && x.fract() == 0.0) {
            (code::NEGATIVE, format!("must be ≥ 0, got {n}"))
        } else if x.fract() != 0.0 {
            (
                code::NOT_INTEGER,
                format!("must be a whole number ≥ 0, got {n}"),
            )
        } else if x < 18_446_744_073_709_551_616.0 {
            (
                code::NOT_INTEGER,
                format!(
                    "must be written as a whole number without a decimal point, got {n}; write {:.0}",
                    x.abs()
                ),
            )
        } else {
            (
                code::NOT_INTEGER,
                format!("must be a whole number below 2^64, got {n}"),
            )
        };
        self.reject(path, code, message);
        None
    }

    /// `policy.phases`: a count that must also fit the file's `u32`.
    fn phases(&mut self, value: &Value, path: &str) -> Option<u32> {
        let phases = self.count(value, path)?;
        u32::try_from(phases).ok().or_else(|| {
            let problem = phases_problem(path, phases);
            self.reject(path, problem.code, problem.message);
            None
        })
    }

    /// A change's `phase`: a count that must also fit the file's `u32`.
    fn change_phase(&mut self, value: &Value, path: &str) -> Option<u32> {
        let phase = self.count(value, path)?;
        u32::try_from(phase).ok().or_else(|| {
            let problem = change_phase_problem(path, phase, self.phases);
            self.reject(path, problem.code, problem.message);
            None
        })
    }

    /// An array whose every element becomes a `T` (a placeholder when unusable), so that
    /// indices stay those of the document.
    fn list<T>(
        &mut self,
        value: &Value,
        path: &str,
        mut element: impl FnMut(&mut Self, &Value, &str) -> T,
    ) -> Option<Vec<T>> {
        let Value::Array(items) = value else {
            self.wrong_type(value, path, AN_ARRAY);
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| element(self, item, &index(path, i)))
                .collect(),
        )
    }

    /// The whole document; `None` when nothing more is worth checking (not an object, or
    /// another format).
    fn instance(&mut self, value: &Value) -> Option<InstanceFile> {
        let Value::Object(top) = value else {
            self.wrong_type(
                value,
                "",
                "a JSON object with \"format\": \"spreiding/instance@1\"",
            );
            return None;
        };
        if let Some(Value::String(format)) = top.get("format")
            && let Some(problem) = format_problem(format)
        {
            self.push(problem);
            return None;
        }
        self.object(value, "", TOP_FIELDS);
        let format = self
            .required(top, "", "format", "\"spreiding/instance@1\"", Self::string)
            .unwrap_or_else(|| INSTANCE_FORMAT.to_string());
        let name = self.defaulted(top, "", "name", String::new(), Self::string);
        let policy = self.defaulted(top, "", "policy", PolicyFile::default(), Self::policy);
        self.phases = policy.phases as usize;
        let areas = self
            .required(top, "", "areas", "an array of areas", |s, v, p| {
                s.list(v, p, Self::area)
            })
            .unwrap_or_default();
        let practices = self
            .required(top, "", "practices", "an array of practices", |s, v, p| {
                s.list(v, p, Self::practice)
            })
            .unwrap_or_default();
        let registrations = self.defaulted(top, "", "registrations", Vec::new(), |s, v, p| {
            s.list(v, p, Self::registration)
        });
        let walk_graph = self.nullable(top, "", "walk_graph", None, Self::walk_graph);
        let mut file = InstanceFile {
            format,
            name,
            policy,
            areas,
            practices,
            registrations,
            walk_graph,
            // Free-form and never checked: not copied.
            extensions: None,
        };
        self.fill_locations(&mut file);
        Some(file)
    }

    fn policy(&mut self, value: &Value, path: &str) -> Option<PolicyFile> {
        let map = self.object(value, path, POLICY_FIELDS)?;
        let d = PolicyFile::default();
        let policy = PolicyFile {
            norm_per_fte: self.defaulted(map, path, "norm_per_fte", d.norm_per_fte, Self::number),
            ceiling_ratio: self.defaulted(
                map,
                path,
                "ceiling_ratio",
                d.ceiling_ratio,
                Self::number,
            ),
            max_walk_m: self.defaulted(map, path, "max_walk_m", d.max_walk_m, Self::number),
            detour_factor: self.defaulted(
                map,
                path,
                "detour_factor",
                d.detour_factor,
                Self::number,
            ),
            phases: self.defaulted(map, path, "phases", d.phases, Self::phases),
            phase_labels: self.nullable(map, path, "phase_labels", None, |s, v, p| {
                s.list(v, p, |s, v, p| s.string(v, p).unwrap_or_default())
            }),
            max_moves_per_phase: self.nullable(
                map,
                path,
                "max_moves_per_phase",
                d.max_moves_per_phase,
                Self::count,
            ),
            max_intake_per_phase: self.nullable(
                map,
                path,
                "max_intake_per_phase",
                d.max_intake_per_phase,
                Self::count,
            ),
            max_outflow_per_phase: self.nullable(
                map,
                path,
                "max_outflow_per_phase",
                d.max_outflow_per_phase,
                Self::count,
            ),
            weights: self.defaulted(map, path, "weights", d.weights, Self::weights),
        };
        Some(policy)
    }

    fn weights(&mut self, value: &Value, path: &str) -> Option<WeightsFile> {
        let map = self.object(value, path, WEIGHT_FIELDS)?;
        let d = WeightsFile::default();
        Some(WeightsFile {
            waiting: self.defaulted(map, path, "waiting", d.waiting, Self::number),
            excess: self.defaulted(map, path, "excess", d.excess, Self::number),
            out_of_district: self.defaulted(
                map,
                path,
                "out_of_district",
                d.out_of_district,
                Self::number,
            ),
            r#move: self.defaulted(map, path, "move", d.r#move, Self::number),
            walk_km: self.defaulted(map, path, "walk_km", d.walk_km, Self::number),
        })
    }

    /// A location's shape: exactly `{lat, lon}` or exactly `{x, y}`, numbers. Its ranges are
    /// the semantic pass's. An unusable location poisons its own path, so that
    /// [`Decoder::fill_locations`] can find it.
    fn location(&mut self, value: &Value, path: &str) -> Option<LocationFile> {
        let location = self.location_shape(value, path);
        if location.is_none() {
            self.poisoned.insert(path.to_string());
        }
        location
    }

    fn location_shape(&mut self, value: &Value, path: &str) -> Option<LocationFile> {
        let Value::Object(map) = value else {
            let message = format!("must be {A_LOCATION}, got {}", describe(value));
            self.reject(path, code::BAD_LOCATION, message);
            return None;
        };
        let exactly =
            |a: &str, b: &str| map.len() == 2 && map.contains_key(a) && map.contains_key(b);
        if exactly("lat", "lon") {
            let lat = self.required(map, path, "lat", A_NUMBER, Self::number);
            let lon = self.required(map, path, "lon", A_NUMBER, Self::number);
            Some(LocationFile::Wgs84 {
                lat: lat?,
                lon: lon?,
            })
        } else if exactly("x", "y") {
            let x = self.required(map, path, "x", A_NUMBER, Self::number);
            let y = self.required(map, path, "y", A_NUMBER, Self::number);
            Some(LocationFile::Rd { x: x?, y: y? })
        } else {
            let keys: Vec<String> = map.keys().map(|k| quoted(k)).collect();
            let mut message = format!(
                "must be {A_LOCATION}, got {}",
                if keys.is_empty() {
                    "an empty object".to_string()
                } else {
                    format!("fields {}", keys.join(", "))
                }
            );
            let absent = ["lat", "lon", "x", "y"]
                .into_iter()
                .filter(|k| !map.contains_key(*k));
            for key in map.keys() {
                if let Some(near) = closest(key, absent.clone()) {
                    message.push_str(&format!("; did you mean \"{near}\" for {}?", quoted(key)));
                }
            }
            self.reject(path, code::BAD_LOCATION, message);
            None
        }
    }

    fn location_field(&mut self, map: &Map<String, Value>, path: &str) -> LocationFile {
        self.required(map, path, "location", A_LOCATION, Self::location)
            .unwrap_or(PLACEHOLDER_LOCATION)
    }

    /// Replaces every placeholder location by the first usable one, so that the semantic
    /// pass sees one coordinate system wherever the structural pass saw none.
    fn fill_locations(&self, file: &mut InstanceFile) {
        let mut slots: Vec<(String, &mut LocationFile)> = Vec::new();
        for (i, a) in file.areas.iter_mut().enumerate() {
            slots.push((format!("areas[{i}].location"), &mut a.location));
        }
        for (i, p) in file.practices.iter_mut().enumerate() {
            slots.push((format!("practices[{i}].location"), &mut p.location));
        }
        if let Some(graph) = &mut file.walk_graph {
            for (i, n) in graph.nodes.iter_mut().enumerate() {
                slots.push((format!("walk_graph.nodes[{i}].location"), &mut n.location));
            }
        }
        let first = slots
            .iter()
            .find(|(path, _)| !self.covered(path))
            .map(|(_, location)| **location);
        if let Some(first) = first {
            for (path, location) in slots {
                if self.covered(&path) {
                    *location = first;
                }
            }
        }
    }

    fn area(&mut self, value: &Value, path: &str) -> AreaFile {
        let map = self.object_or_empty(value, path, AREA_FIELDS);
        AreaFile {
            id: self
                .required(map, path, "id", A_STRING, Self::string)
                .unwrap_or_default(),
            name: self.nullable(map, path, "name", None, Self::string),
            district: self.defaulted(map, path, "district", String::new(), Self::string),
            location: self.location_field(map, path),
            residents: self.nullable(map, path, "residents", None, Self::count),
            noni: self.defaulted(map, path, "noni", 0, Self::count),
            care_weight: self.defaulted(map, path, "care_weight", 1.0, Self::number),
        }
    }

    fn practice(&mut self, value: &Value, path: &str) -> PracticeFile {
        let map = self.object_or_empty(value, path, PRACTICE_FIELDS);
        PracticeFile {
            id: self
                .required(map, path, "id", A_STRING, Self::string)
                .unwrap_or_default(),
            name: self.nullable(map, path, "name", None, Self::string),
            district: self.defaulted(map, path, "district", String::new(), Self::string),
            location: self.location_field(map, path),
            fte: self
                .required(
                    map,
                    path,
                    "fte",
                    "a number of full-time GPs > 0",
                    Self::number,
                )
                .unwrap_or(1.0),
            ceiling: self.nullable(map, path, "ceiling", None, Self::number),
            accepting: self.defaulted(map, path, "accepting", true, Self::boolean),
            max_intake_per_phase: self.nullable(
                map,
                path,
                "max_intake_per_phase",
                None,
                Self::count,
            ),
            max_outflow_per_phase: self.nullable(
                map,
                path,
                "max_outflow_per_phase",
                None,
                Self::count,
            ),
            changes: self.defaulted(map, path, "changes", Vec::new(), |s, v, p| {
                s.list(v, p, Self::change)
            }),
        }
    }

    fn change(&mut self, value: &Value, path: &str) -> ChangeFile {
        let map = self.object_or_empty(value, path, CHANGE_FIELDS);
        ChangeFile {
            phase: self
                .required(map, path, "phase", "a phase number ≥ 1", Self::change_phase)
                .unwrap_or(1),
            fte: self.nullable(map, path, "fte", None, Self::number),
            ceiling: self.nullable(map, path, "ceiling", None, Self::number),
            closes: self.nullable(map, path, "closes", None, Self::boolean),
        }
    }

    fn registration(&mut self, value: &Value, path: &str) -> RegistrationFile {
        let map = self.object_or_empty(value, path, REGISTRATION_FIELDS);
        RegistrationFile {
            area: self
                .required(map, path, "area", "an area id", Self::string)
                .unwrap_or_default(),
            practice: self
                .required(map, path, "practice", "a practice id", Self::string)
                .unwrap_or_default(),
            patients: self
                .required(map, path, "patients", A_COUNT, Self::count)
                .unwrap_or(0),
        }
    }

    fn walk_graph(&mut self, value: &Value, path: &str) -> Option<WalkGraphFile> {
        let map = self.object(value, path, GRAPH_FIELDS)?;
        let nodes = self
            .required(map, path, "nodes", "an array of nodes", |s, v, p| {
                s.list(v, p, Self::node)
            })
            .unwrap_or_default();
        let edges = self
            .required(map, path, "edges", "an array of edges", |s, v, p| {
                s.list(v, p, Self::edge)
            })
            .unwrap_or_default();
        Some(WalkGraphFile { nodes, edges })
    }

    fn node(&mut self, value: &Value, path: &str) -> WalkNodeFile {
        let map = self.object_or_empty(value, path, NODE_FIELDS);
        WalkNodeFile {
            id: self
                .required(map, path, "id", A_STRING, Self::string)
                .unwrap_or_default(),
            location: self.location_field(map, path),
        }
    }

    fn edge(&mut self, value: &Value, path: &str) -> WalkEdgeFile {
        let map = self.object_or_empty(value, path, EDGE_FIELDS);
        WalkEdgeFile {
            from: self
                .required(map, path, "from", "a node id", Self::string)
                .unwrap_or_default(),
            to: self
                .required(map, path, "to", "a node id", Self::string)
                .unwrap_or_default(),
            length_m: self
                .required(
                    map,
                    path,
                    "length_m",
                    "a length in metres ≥ 0",
                    Self::number,
                )
                .unwrap_or(0.0),
        }
    }
}

/// A JSON value in a message: its type, and the value itself when short.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", quoted(s)),
        Value::Array(items) => format!("an array of {} item(s)", items.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Sort key putting `path` in document order: per level, the field's position in its object
/// (a missing field after the present ones) or the array index.
fn document_key(root: &Value, path: &str) -> Vec<usize> {
    let mut key = Vec::new();
    let mut node = Some(root);
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (field, indices) = part
            .split_once('[')
            .map_or((part, ""), |(f, rest)| (f, rest));
        let position = match node {
            Some(Value::Object(map)) => {
                let position = map.keys().position(|k| k == field).unwrap_or(map.len());
                node = map.get(field);
                position
            }
            _ => {
                node = None;
                usize::MAX
            }
        };
        key.push(position);
        for i in indices
            .split('[')
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches(']'))
        {
            let i = i.parse::<usize>().unwrap_or(usize::MAX);
            key.push(i);
            node = match node {
                Some(Value::Array(items)) => items.get(i),
                _ => None,
            };
        }
    }
    key
}

// ---------------------------------------------------------------------------------------------
// Semantic pass: the file struct, building the model as it checks
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum System {
    Wgs84,
    Rd,
}

impl System {
    fn describe(self) -> &'static str {
        match self {
            System::Wgs84 => "WGS84 {\"lat\", \"lon\"}",
            System::Rd => "RD New {\"x\", \"y\"}",
        }
    }
}

struct Checker {
    problems: Vec<Problem>,
    /// The coordinate system of the first location seen, and where.
    system: Option<(System, String)>,
    suggestion_budget: usize,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            problems: Vec::new(),
            system: None,
            suggestion_budget: SUGGESTION_BUDGET,
        }
    }
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, code: &'static str, message: String) {
        self.problems.push(Problem::new(path, code, message));
    }

    /// A real that must be finite and > 0, reported under its own `code`.
    fn positive(&mut self, path: impl Into<String>, value: f64, code: &'static str) {
        if !value.is_finite() {
            self.push(
                path,
                code,
                format!("must be a finite number > 0, got {value}"),
            );
        } else if value <= 0.0 {
            self.push(path, code, format!("must be > 0, got {value}"));
        }
    }

    /// A finite real that must be at most `max` (see [`max`]); not finite is reported
    /// elsewhere.
    fn at_most(&mut self, path: impl Into<String>, value: f64, max: f64) {
        if value.is_finite() && value.abs() > max {
            self.push(
                path,
                code::TOO_LARGE,
                format!(
                    "must be at most {max} in size, got {value:e}; no real instance comes near"
                ),
            );
        }
    }

    /// A real that must be finite and ≥ 0.
    fn non_negative(&mut self, path: impl Into<String>, value: f64) {
        if !value.is_finite() {
            self.push(
                path,
                code::NOT_FINITE,
                format!("must be a finite number ≥ 0, got {value}"),
            );
        } else if value < 0.0 {
            self.push(path, code::NEGATIVE, format!("must be ≥ 0, got {value}"));
        }
    }

    fn policy(&mut self, p: &PolicyFile) -> Policy {
        self.positive(
            "policy.norm_per_fte",
            p.norm_per_fte,
            code::NORM_NOT_POSITIVE,
        );
        self.positive(
            "policy.ceiling_ratio",
            p.ceiling_ratio,
            code::CEILING_RATIO_NOT_POSITIVE,
        );
        self.non_negative("policy.max_walk_m", p.max_walk_m);
        if !(p.detour_factor.is_finite() && p.detour_factor >= 1.0) {
            self.push(
                "policy.detour_factor",
                code::DETOUR_BELOW_ONE,
                format!(
                    "must be a finite number ≥ 1 (walking is never shorter than the straight line), got {}",
                    p.detour_factor
                ),
            );
        }
        self.at_most("policy.detour_factor", p.detour_factor, max::DETOUR_FACTOR);
        let phases = phases_in_range(p.phases);
        if phases.is_none() {
            self.problems
                .push(phases_problem("policy.phases", u64::from(p.phases)));
        }
        let phase_labels = match (phases, &p.phase_labels) {
            (Some(t), Some(labels)) => {
                if labels.len() != t {
                    self.push(
                        "policy.phase_labels",
                        code::PHASE_LABELS_COUNT,
                        format!(
                            "has {} label(s) but policy.phases is {t}; give exactly one label per phase, or leave phase_labels out",
                            labels.len()
                        ),
                    );
                }
                labels.clone()
            }
            (Some(t), None) => (1..=t).map(|t| format!("phase {t}")).collect(),
            (None, _) => Vec::new(),
        };
        let w = &p.weights;
        for (key, value) in [
            ("waiting", w.waiting),
            ("excess", w.excess),
            ("out_of_district", w.out_of_district),
            ("move", w.r#move),
            ("walk_km", w.walk_km),
        ] {
            self.non_negative(format!("policy.weights.{key}"), value);
            self.at_most(
                format!("policy.weights.{key}"),
                value,
                max::OBJECTIVE_WEIGHT,
            );
        }
        Policy {
            norm_per_fte: p.norm_per_fte,
            ceiling_ratio: p.ceiling_ratio,
            max_walk_m: p.max_walk_m,
            detour_factor: p.detour_factor,
            phases: phases.unwrap_or(0),
            phase_labels,
            max_moves_per_phase: p.max_moves_per_phase,
            max_intake_per_phase: p.max_intake_per_phase,
            max_outflow_per_phase: p.max_outflow_per_phase,
            weights: Weights {
                waiting: w.waiting,
                excess: w.excess,
                out_of_district: w.out_of_district,
                moves: w.r#move,
                walk_km: w.walk_km,
            },
        }
    }

    /// An id of list `list` (`areas`, `practices`, `walk_graph.nodes`) at index `i`:
    /// non-empty and not seen before in the list.
    fn id<'f>(&mut self, list: &str, i: usize, id: &'f str, seen: &mut HashMap<&'f str, usize>) {
        let path = format!("{list}[{i}].id");
        if id.is_empty() {
            self.push(
                path,
                code::EMPTY_ID,
                "must be a non-empty string".to_string(),
            );
        } else if let Some(&first) = seen.get(id) {
            self.push(
                path,
                code::DUPLICATE_ID,
                format!(
                    "duplicate id {}, first used by {list}[{first}]; give each entry its own id",
                    quoted(id)
                ),
            );
        } else {
            seen.insert(id, i);
        }
    }

    fn location(&mut self, path: String, location: &LocationFile) -> Point {
        let (system, point) = match *location {
            LocationFile::Wgs84 { lat, lon } => {
                if !(-90.0..=90.0).contains(&lat) {
                    let hint = if lat.abs() > 1000.0 {
                        "; this looks like RD New metres: write {\"x\", \"y\"} instead"
                    } else {
                        ""
                    };
                    self.push(
                        format!("{path}.lat"),
                        code::BAD_LOCATION,
                        format!("must be a latitude in [-90, 90] degrees, got {lat}{hint}"),
                    );
                }
                if !(-180.0..=180.0).contains(&lon) {
                    self.push(
                        format!("{path}.lon"),
                        code::BAD_LOCATION,
                        format!("must be a longitude in [-180, 180] degrees, got {lon}"),
                    );
                }
                (System::Wgs84, Point::Wgs84 { lat, lon })
            }
            LocationFile::Rd { x, y } => {
                for (key, value) in [("x", x), ("y", y)] {
                    if !value.is_finite() {
                        self.push(
                            format!("{path}.{key}"),
                            code::BAD_LOCATION,
                            format!("must be a finite number of metres, got {value}"),
                        );
                    }
                    self.at_most(format!("{path}.{key}"), value, max::RD_METRES);
                }
                (System::Rd, Point::Rd { x, y })
            }
        };
        match &self.system {
            None => self.system = Some((system, path)),
            Some((first, first_path)) if *first != system => {
                let message = format!(
                    "uses {} but the instance uses {} (first at {first_path}); convert it so that areas, practices and walk_graph nodes share one system",
                    system.describe(),
                    first.describe(),
                );
                self.push(path, code::MIXED_COORDINATES, message);
            }
            Some(_) => {}
        }
        point
    }

    fn area<'f>(&mut self, i: usize, a: &'f AreaFile, seen: &mut HashMap<&'f str, usize>) -> Area {
        self.id("areas", i, &a.id, seen);
        let location = self.location(format!("areas[{i}].location"), &a.location);
        self.positive(
            format!("areas[{i}].care_weight"),
            a.care_weight,
            code::CARE_WEIGHT_NOT_POSITIVE,
        );
        self.at_most(
            format!("areas[{i}].care_weight"),
            a.care_weight,
            max::CARE_WEIGHT,
        );
        Area {
            id: a.id.clone(),
            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            district: a.district.clone(),
            location,
            residents: a.residents,
            noni: a.noni,
            care_weight: a.care_weight,
        }
    }

    fn practice<'f>(
        &mut self,
        i: usize,
        p: &'f PracticeFile,
        phases: Option<usize>,
        seen: &mut HashMap<&'f str, usize>,
    ) -> Practice {
        let path = format!("practices[{i}]");
        self.id("practices", i, &p.id, seen);
        let location = self.location(format!("{path}.location"), &p.location);
        self.positive(format!("{path}.fte"), p.fte, code::FTE_NOT_POSITIVE);
        if let Some(ceiling) = p.ceiling {
            self.non_negative(format!("{path}.ceiling"), ceiling);
        }
        let mut changes: Vec<Change> = p
            .changes
            .iter()
            .enumerate()
            .map(|(j, c)| self.change(&format!("{path}.changes[{j}]"), c, phases))
            .collect();
        changes.sort_by_key(|c| c.phase);
        Practice {
            id: p.id.clone(),
            name: p.name.clone().unwrap_or_else(|| p.id.clone()),
            district: p.district.clone(),
            location,
            fte: p.fte,
            ceiling: p.ceiling,
            accepting: p.accepting,
            max_intake_per_phase: p.max_intake_per_phase,
            max_outflow_per_phase: p.max_outflow_per_phase,
            changes,
        }
    }

    fn change(&mut self, path: &str, c: &ChangeFile, phases: Option<usize>) -> Change {
        if let Some(t) = phases
            && !(1..=t).contains(&(c.phase as usize))
        {
            self.problems.push(change_phase_problem(
                &format!("{path}.phase"),
                u64::from(c.phase),
                t,
            ));
        }
        if let Some(fte) = c.fte {
            self.positive(format!("{path}.fte"), fte, code::FTE_NOT_POSITIVE);
        }
        if let Some(ceiling) = c.ceiling {
            self.non_negative(format!("{path}.ceiling"), ceiling);
        }
        if c.fte.is_none() && c.ceiling.is_none() && c.closes.is_none() {
            self.push(
                path,
                code::EMPTY_CHANGE,
                "changes nothing; set at least one of \"fte\", \"ceiling\" or \"closes\", or remove it"
                    .to_string(),
            );
        }
        Change {
            phase: c.phase as usize,
            fte: c.fte,
            ceiling: c.ceiling,
            closes: c.closes.unwrap_or(false),
        }
    }

    /// Resolves a reference to `id` in `ids` (whose entries, in file order, are `names`),
    /// or reports it with a "did you mean".
    fn reference<'f>(
        &mut self,
        path: String,
        code: &'static str,
        noun: &str,
        id: &str,
        ids: &HashMap<&str, usize>,
        names: impl Iterator<Item = &'f str> + Clone,
    ) -> Option<usize> {
        if let Some(&i) = ids.get(id) {
            return Some(i);
        }
        let mut message = format!("no {noun} has id {}", quoted(id));
        let candidates = names.clone().count();
        if self.suggestion_budget >= candidates {
            self.suggestion_budget -= candidates;
            if let Some(near) = closest(id, names) {
                message.push_str(&format!("; did you mean {}?", quoted(near)));
            }
        }
        self.push(path, code, message);
        None
    }

    fn registration(
        &mut self,
        i: usize,
        r: &RegistrationFile,
        file: &InstanceFile,
        areas: &HashMap<&str, usize>,
        practices: &HashMap<&str, usize>,
    ) -> Option<(usize, usize)> {
        let area = self.reference(
            format!("registrations[{i}].area"),
            code::UNKNOWN_AREA,
            "area",
            &r.area,
            areas,
            file.areas.iter().map(|a| a.id.as_str()),
        );
        let practice = self.reference(
            format!("registrations[{i}].practice"),
            code::UNKNOWN_PRACTICE,
            "practice",
            &r.practice,
            practices,
            file.practices.iter().map(|p| p.id.as_str()),
        );
        Some((area?, practice?))
    }

    fn walk_graph(&mut self, g: &WalkGraphFile) -> WalkGraph {
        let mut seen = HashMap::new();
        let nodes: Vec<Point> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                self.id("walk_graph.nodes", i, &n.id, &mut seen);
                self.location(format!("walk_graph.nodes[{i}].location"), &n.location)
            })
            .collect();
        let names = g.nodes.iter().map(|n| n.id.as_str());
        let mut edges = Vec::with_capacity(g.edges.len());
        for (i, e) in g.edges.iter().enumerate() {
            let path = format!("walk_graph.edges[{i}]");
            let from = self.reference(
                format!("{path}.from"),
                code::UNKNOWN_NODE,
                "walk_graph node",
                &e.from,
                &seen,
                names.clone(),
            );
            let to = self.reference(
                format!("{path}.to"),
                code::UNKNOWN_NODE,
                "walk_graph node",
                &e.to,
                &seen,
                names.clone(),
            );
            if !(e.length_m.is_finite() && e.length_m >= 0.0) {
                self.push(
                    format!("{path}.length_m"),
                    code::BAD_LENGTH,
                    format!("must be a finite length ≥ 0 in metres, got {}", e.length_m),
                );
            }
            self.at_most(format!("{path}.length_m"), e.length_m, max::EDGE_METRES);
            if let (Some(from), Some(to)) = (from, to) {
                edges.push((from, to, e.length_m));
            }
        }
        WalkGraph { nodes, edges }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The structural pass's best-effort file must equal serde's reading of a valid document,
    /// defaults included; otherwise the two passes would check different things.
    #[test]
    fn decoder_agrees_with_serde_on_a_full_instance() {
        let value: Value = serde_json::from_str(
            r#"{
              "format": "spreiding/instance@1", "name": "n",
              "policy": {"norm_per_fte": 1800, "phases": 2, "phase_labels": ["a", "b"],
                         "max_moves_per_phase": null, "weights": {"move": 2}},
              "areas": [{"id": "A", "location": {"x": 1, "y": 2}, "residents": null, "noni": 3}],
              "practices": [{"id": "P", "name": null, "location": {"x": 0, "y": 0}, "fte": 1,
                             "ceiling": 10.5, "accepting": false, "max_intake_per_phase": 7,
                             "changes": [{"phase": 2, "closes": true}, {"phase": 1, "fte": null, "ceiling": 3}]}],
              "registrations": [{"area": "A", "practice": "P", "patients": 4}],
              "walk_graph": {"nodes": [{"id": "n", "location": {"x": 0, "y": 1}}],
                             "edges": [{"from": "n", "to": "n", "length_m": 0}]},
              "extensions": {"anything": [1, 2]}
            }"#,
        )
        .unwrap();
        let mut decoder = Decoder::default();
        let lenient = decoder.instance(&value).unwrap();
        assert!(decoder.problems.is_empty(), "{:?}", decoder.problems);
        let mut file = InstanceFile::deserialize(&value).unwrap();
        assert!(file.extensions.take().is_some());
        assert_eq!(
            serde_json::to_value(&lenient).unwrap(),
            serde_json::to_value(&file).unwrap()
        );
    }

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

    #[test]
    fn document_key_follows_field_order_then_indices() {
        let value: Value =
            serde_json::from_str(r#"{"practices": [{"fte": 1, "id": "a"}], "areas": []}"#).unwrap();
        assert!(document_key(&value, "practices[0].id") < document_key(&value, "areas"));
        assert!(document_key(&value, "practices[0].fte") < document_key(&value, "practices[0].id"));
        assert!(document_key(&value, "practices[0].id") < document_key(&value, "practices[0].x"));
    }
}
