//! The semantic pass: checks the values and references of an [`InstanceFile`], building the
//! model as it checks; apart from `decode.rs` since it also checks files built without JSON.

use std::collections::HashMap;

use super::{
    Problem, change_phase_problem, closest, code, max, phases_in_range, phases_problem, quoted,
};
use crate::format::{
    AreaFile, ChangeFile, InstanceFile, LocationFile, PolicyFile, PracticeFile, RegistrationFile,
    WalkGraphFile,
};
use crate::model::{Area, Change, Point, Policy, Practice, WalkGraph, Weights};

/// How many candidate comparisons the "did you mean" searches may spend per document.
const SUGGESTION_BUDGET: usize = 2_000_000;

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

pub(super) struct Checker {
    pub(super) problems: Vec<Problem>,
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

    pub(super) fn policy(&mut self, p: &PolicyFile) -> Policy {
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

    pub(super) fn area<'f>(
        &mut self,
        i: usize,
        a: &'f AreaFile,
        seen: &mut HashMap<&'f str, usize>,
    ) -> Area {
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

    pub(super) fn practice<'f>(
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

    pub(super) fn registration(
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

    pub(super) fn walk_graph(&mut self, g: &WalkGraphFile) -> WalkGraph {
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
