//! The structural pass: walks the JSON value and reports wrong types and unknown or missing
//! fields at their JSON paths; apart from `check.rs` as the only code that knows about JSON.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{Problem, change_phase_problem, closest, code, format_problem, phases_problem, quoted};
use crate::format::{
    AreaFile, ChangeFile, INSTANCE_FORMAT, InstanceFile, LocationFile, PolicyFile, PracticeFile,
    RegistrationFile, WalkEdgeFile, WalkGraphFile, WalkNodeFile, WeightsFile,
};

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

/// The structural pass. Every reader returns `None` (or a placeholder) after *rejecting* the
/// value: recording a problem and marking the path as poisoned. Problems under a poisoned
/// path are not recorded, and semantic problems about it are hidden ([`Decoder::hides`]).
#[derive(Default)]
pub(super) struct Decoder {
    pub(super) problems: Vec<Problem>,
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
    pub(super) fn hides(&self, problem: &Problem) -> bool {
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
    pub(super) fn instance(&mut self, value: &Value) -> Option<InstanceFile> {
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
pub(super) fn document_key(root: &Value, path: &str) -> Vec<usize> {
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

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
    fn document_key_follows_field_order_then_indices() {
        let value: Value =
            serde_json::from_str(r#"{"practices": [{"fte": 1, "id": "a"}], "areas": []}"#).unwrap();
        assert!(document_key(&value, "practices[0].id") < document_key(&value, "areas"));
        assert!(document_key(&value, "practices[0].fte") < document_key(&value, "practices[0].id"));
        assert!(document_key(&value, "practices[0].id") < document_key(&value, "practices[0].x"));
    }
}
