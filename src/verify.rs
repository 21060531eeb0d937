//! Independent re-check of a plan against its instance (MODEL.md, "Constraints" and "Plan").
//!
//! [`verify`] replays a `spreiding/plan@1` file phase by phase from today's registrations,
//! using only the validated [`Instance`], the walking [`Distances`] and the plan's moves,
//! registrations and orphans. It shares no code with the formulation ([`crate::lp`]) or the
//! plan builder ([`crate::plan`]), so a bug in either cannot hide itself here.
//!
//! The replay keeps, per (area, practice), the `original` patients (today's, still there) and
//! the `arrived` ones (placed by the plan, never to be moved again), and per area the waiting
//! pool. Within a phase, orphans join the pool first, then registrations draw from it, then
//! moves apply; every rule is then checked on the phase's totals, as MODEL.md states it.
//! An entry naming an unknown area or practice is reported and left out of the replay.
//! Patients still at a practice after it closed are reported and dropped: a closed practice
//! holds nobody, so they count as lost.
//!
//! Every broken rule becomes a [`Violation`] with a stable code from [`code`]; no plan makes
//! it panic. Cost: O(plan size + A·P·T) time, O(A·P) memory (plus [`Distances::compute`]).

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::format::{CountAtFile, MoveFile, PLAN_FORMAT, PhaseFile, PlanFile, TermsFile};
use crate::geo::Distances;
use crate::model::Instance;

/// Stable violation codes, one per rule.
pub mod code {
    /// `format` is not `spreiding/plan@1`.
    pub const FORMAT_TAG: &str = "format_tag";
    /// `instance` is not the instance's name.
    pub const INSTANCE_NAME: &str = "instance_name";
    /// `status` is neither `optimal` nor `time_limit`.
    pub const STATUS: &str = "status";
    /// `phases` does not hold exactly T entries.
    pub const PHASE_COUNT: &str = "phase_count";
    /// A phase entry's `phase` is not its position 1..=T.
    pub const PHASE_NUMBER: &str = "phase_number";
    /// A phase entry's `label` is not the policy's label for that phase.
    pub const PHASE_LABEL: &str = "phase_label";
    /// An area id the instance does not have.
    pub const UNKNOWN_AREA: &str = "unknown_area";
    /// A practice id the instance does not have.
    pub const UNKNOWN_PRACTICE: &str = "unknown_practice";
    /// A list entry with `patients: 0`.
    pub const ZERO_PATIENTS: &str = "zero_patients";
    /// Two entries of one list of a phase with the same id fields.
    pub const DUPLICATE_ENTRY: &str = "duplicate_entry";
    /// A list not sorted by its id fields (the determinism contract).
    pub const UNSORTED_LIST: &str = "unsorted_list";
    /// A move whose `from` and `to` are the same practice.
    pub const MOVE_TO_SAME_PRACTICE: &str = "move_to_same_practice";
    /// A move or registration to a practice beyond `max_walk_m` of the area.
    pub const DESTINATION_TOO_FAR: &str = "destination_too_far";
    /// A move or registration to a practice with `accepting: false`.
    pub const DESTINATION_NOT_ACCEPTING: &str = "destination_not_accepting";
    /// A move or registration to a practice that closes within the horizon.
    pub const DESTINATION_CLOSING: &str = "destination_closing";
    /// A move out of a practice after its closing phase (left out of the replay).
    pub const MOVE_FROM_CLOSED_PRACTICE: &str = "move_from_closed_practice";
    /// Moves and orphans take more than today's patients still there, the rest having
    /// arrived by the plan: arrived patients are never moved again.
    pub const ARRIVED_MOVED_AGAIN: &str = "arrived_moved_again";
    /// Moves and orphans take more patients than are registered there at all.
    pub const MORE_THAN_REGISTERED: &str = "more_than_registered";
    /// Orphans at a practice in a phase that is not its closing phase.
    pub const ORPHAN_OUTSIDE_CLOSING_PHASE: &str = "orphan_outside_closing_phase";
    /// A practice still holds patients from its closing phase on.
    pub const CLOSED_PRACTICE_NOT_EMPTY: &str = "closed_practice_not_empty";
    /// Registrations take more residents than are waiting in the area.
    pub const WAITING_NEGATIVE: &str = "waiting_negative";
    /// Constraint 1: `load[p,t] > U[p,t]`.
    pub const OVER_CAPACITY: &str = "over_capacity";
    /// Constraint 2: moves in + registrations above `In[p]`.
    pub const INTAKE_OVER_LIMIT: &str = "intake_over_limit";
    /// Constraint 2: moves out above `Out[p]`.
    pub const OUTFLOW_OVER_LIMIT: &str = "outflow_over_limit";
    /// Constraint 3: moves + registrations of a phase above `G`.
    pub const PHASE_OVER_LIMIT: &str = "phase_over_limit";
    /// Constraint 5: an area's registered + waiting residents differ from today's.
    pub const PATIENTS_LOST: &str = "patients_lost";
    /// A practice missing from a phase's `loads`.
    pub const LOAD_MISSING: &str = "load_missing";
    /// A reported load or ceiling differs from the replay.
    pub const LOAD_MISMATCH: &str = "load_mismatch";
    /// A reported waiting count differs from the replay (absent = 0).
    pub const WAITING_MISMATCH: &str = "waiting_mismatch";
    /// An `objective.terms` entry differs from the recomputed term.
    pub const OBJECTIVE_TERM: &str = "objective_term";
    /// `objective.value` differs from the recomputed value.
    pub const OBJECTIVE_VALUE: &str = "objective_value";
    /// `objective.gap` is not `(value − lp_bound) / max(1, |value|)`.
    pub const OBJECTIVE_GAP: &str = "objective_gap";
    /// `objective.lp_bound` is above the plan's value.
    pub const LP_BOUND_ABOVE_VALUE: &str = "lp_bound_above_value";
}

/// Slack on `d(a,q) ≤ max_walk_m`, in metres.
pub const WALK_TOLERANCE_M: f64 = 1e-9;
/// Relative slack on loads and ceilings: `1e-6 · max(1, |expected|)`.
pub const LOAD_TOLERANCE: f64 = 1e-6;
/// Relative slack on objective terms, value and bound: `1e-6 · max(1, |value|)`.
pub const OBJECTIVE_TOLERANCE: f64 = 1e-6;
/// Absolute slack on the gap.
pub const GAP_TOLERANCE: f64 = 1e-9;

/// A broken rule: stable code plus a message naming phase, area, practice and the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// One of the [`code`] constants.
    pub code: &'static str,
    /// What is wrong, where, and by how much.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Result of a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every broken rule, in phase order.
    pub violations: Vec<Violation>,
    /// Objective terms recomputed from the plan (weights applied), and their sum.
    pub terms: TermsFile,
    /// Sum of [`Report::terms`].
    pub value: f64,
}

impl Report {
    /// Whether the plan breaks no rule.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Why a text is not a plan@1 file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Not JSON.
    #[error("plan is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// JSON, but not tagged `spreiding/plan@1`.
    #[error("not a spreiding/plan@1 file: format is {}", .found.as_deref().unwrap_or("missing"))]
    Format {
        /// The `format` value found, if any.
        found: Option<String>,
    },
    /// Tagged plan@1, but fields are missing or of the wrong type.
    #[error("plan does not have the plan@1 shape at line {line}, column {column}: {message}")]
    Shape {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The missing or mistyped field.
        message: String,
    },
}

/// Parses plan@1 text: syntax errors with line and column, a wrong `format` tag, or a shape
/// that is not plan@1 (missing fields, wrong types). Unknown fields are allowed.
pub fn parse_plan(text: &str) -> Result<PlanFile, PlanError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let (line, column, message) = located(&e);
        PlanError::Syntax {
            line,
            column,
            message,
        }
    })?;
    match value.get("format") {
        Some(serde_json::Value::String(tag)) if tag == PLAN_FORMAT => {}
        Some(serde_json::Value::String(tag)) => {
            return Err(PlanError::Format {
                found: Some(tag.clone()),
            });
        }
        other => {
            return Err(PlanError::Format {
                found: other.map(|v| v.to_string()),
            });
        }
    }
    serde_json::from_str(text).map_err(|e| {
        let (line, column, message) = located(&e);
        PlanError::Shape {
            line,
            column,
            message,
        }
    })
}

/// Line, column and the message of a serde_json error without its " at line … column …".
fn located(e: &serde_json::Error) -> (usize, usize, String) {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    (e.line(), e.column(), message)
}

/// Checks `plan` against `instance`: every rule of MODEL.md, the plan's reported loads and
/// waiting counts, and its objective. Computes the walking distances itself.
pub fn verify(instance: &Instance, plan: &PlanFile) -> Report {
    verify_with_distances(instance, &Distances::compute(instance), plan)
}

/// [`verify`] with distances already computed for `instance`.
pub fn verify_with_distances(instance: &Instance, walk: &Distances, plan: &PlanFile) -> Report {
    let mut check = Checker::new(instance, walk);
    check.header(plan);
    let mut replay = Replay::today(instance);
    let mut sums = Sums::default();
    for t in 1..=instance.phases() {
        let phase = plan.phases.get(t - 1);
        let mut flows = Flows::new(instance.practices.len());
        if let Some(phase) = phase {
            check.lists(t, phase);
            check.orphans(t, &phase.orphaned, &mut replay, &mut flows);
            check.registrations(t, &phase.registrations, &mut replay, &mut flows);
            check.moves(t, &phase.moves, &mut replay, &mut flows);
        }
        check.remains(t, &mut replay, &mut flows);
        check.closed_practices(t, &mut replay);
        check.waiting(t, &replay);
        let loads = check.loads_and_terms(t, &mut replay, &mut sums);
        check.limits(t, &flows);
        if let Some(phase) = phase {
            check.reported(t, phase, &loads, &replay);
        }
        sums.moved += flows.moved as f64;
        replay.waiting_before.clone_from(&replay.waiting);
    }
    let (terms, value) = check.objective(plan, &sums);
    Report {
        violations: check.violations,
        terms,
        value,
    }
}

/// The replayed state after a phase.
struct Replay {
    practices: usize,
    /// Today's patients still there, per (area, practice), row-major by area.
    original: Vec<i128>,
    /// Patients placed by the plan (moves in, registrations), per (area, practice).
    arrived: Vec<i128>,
    /// Residents without a GP, per area.
    waiting: Vec<i128>,
    /// `waiting` after the previous phase.
    waiting_before: Vec<i128>,
    /// `Σ_p R + noni` per area: what registered + waiting must always add up to.
    residents: Vec<i128>,
    /// Registered + waiting − residents after the previous phase, per area.
    imbalance: Vec<i128>,
}

impl Replay {
    fn today(instance: &Instance) -> Replay {
        let (areas, practices) = (instance.areas.len(), instance.practices.len());
        let mut original = vec![0i128; areas * practices];
        let waiting: Vec<i128> = instance.areas.iter().map(|a| i128::from(a.noni)).collect();
        let mut residents = waiting.clone();
        for r in &instance.registrations {
            if r.area < areas && r.practice < practices {
                original[r.area * practices + r.practice] += i128::from(r.patients);
                residents[r.area] += i128::from(r.patients);
            }
        }
        Replay {
            practices,
            arrived: vec![0; original.len()],
            original,
            waiting_before: waiting.clone(),
            waiting,
            residents,
            imbalance: vec![0; areas],
        }
    }

    fn cell(&self, a: usize, p: usize) -> usize {
        a * self.practices + p
    }

    /// `n[a,p]`: registered patients of `a` at `p`.
    fn registered(&self, cell: usize) -> i128 {
        self.original[cell] + self.arrived[cell]
    }
}

/// What one phase moved.
struct Flows {
    /// Moves in + registrations, per practice.
    intake: Vec<i128>,
    /// Moves out, per practice.
    outflow: Vec<i128>,
    /// Moves + registrations.
    placed: i128,
    /// Moves.
    moved: i128,
    /// (area, practice) cells that lost original patients (moves out, orphans).
    sources: Vec<usize>,
}

impl Flows {
    fn new(practices: usize) -> Flows {
        Flows {
            intake: vec![0; practices],
            outflow: vec![0; practices],
            placed: 0,
            moved: 0,
            sources: Vec::new(),
        }
    }
}

/// Unweighted objective sums over t = 1..=T.
#[derive(Default)]
struct Sums {
    waiting: f64,
    excess: f64,
    out_of_district: f64,
    walk_m: f64,
    moved: f64,
}

/// The rules, applied phase by phase to a [`Replay`]; collects the violations.
struct Checker<'a> {
    instance: &'a Instance,
    walk: &'a Distances,
    area_ids: HashMap<&'a str, usize>,
    practice_ids: HashMap<&'a str, usize>,
    closing: Vec<Option<usize>>,
    initial_loads: Vec<f64>,
    violations: Vec<Violation>,
}

impl<'a> Checker<'a> {
    fn new(instance: &'a Instance, walk: &'a Distances) -> Checker<'a> {
        let mut area_ids = HashMap::new();
        for (i, a) in instance.areas.iter().enumerate() {
            area_ids.entry(a.id.as_str()).or_insert(i);
        }
        let mut practice_ids = HashMap::new();
        for (i, p) in instance.practices.iter().enumerate() {
            practice_ids.entry(p.id.as_str()).or_insert(i);
        }
        Checker {
            instance,
            walk,
            area_ids,
            practice_ids,
            closing: (0..instance.practices.len())
                .map(|p| instance.closing_phase(p))
                .collect(),
            initial_loads: instance.initial_loads(),
            violations: Vec::new(),
        }
    }

    fn flag(&mut self, code: &'static str, message: String) {
        self.violations.push(Violation { code, message });
    }

    fn area_id(&self, a: usize) -> &'a str {
        &self.instance.areas[a].id
    }

    fn practice_id(&self, p: usize) -> &'a str {
        &self.instance.practices[p].id
    }

    fn area(&mut self, t: usize, list: &str, id: &str) -> Option<usize> {
        let found = self.area_ids.get(id).copied();
        if found.is_none() {
            self.flag(
                code::UNKNOWN_AREA,
                format!("phase {t}, {list}: unknown area {id:?}"),
            );
        }
        found
    }

    fn practice(&mut self, t: usize, list: &str, id: &str) -> Option<usize> {
        let found = self.practice_ids.get(id).copied();
        if found.is_none() {
            self.flag(
                code::UNKNOWN_PRACTICE,
                format!("phase {t}, {list}: unknown practice {id:?}"),
            );
        }
        found
    }

    /// "phase t, area A, practice P": where a rule is broken.
    fn at(&self, t: usize, a: usize, p: usize) -> String {
        format!(
            "phase {t}, area {}, practice {}",
            self.area_id(a),
            self.practice_id(p)
        )
    }

    /// Area and practice of a list entry, both known, or `None` (reported).
    fn pair(&mut self, t: usize, list: &str, area: &str, practice: &str) -> Option<(usize, usize)> {
        let a = self.area(t, list, area);
        let p = self.practice(t, list, practice);
        a.zip(p)
    }

    /// Format tag, instance name, status, diagnostics' areas, one phase entry per phase in order.
    fn header(&mut self, plan: &PlanFile) {
        let (name, phases) = (&self.instance.name, self.instance.phases());
        if plan.format != PLAN_FORMAT {
            let msg = format!("format is {:?}, expected {PLAN_FORMAT:?}", plan.format);
            self.flag(code::FORMAT_TAG, msg);
        }
        if plan.instance != *name {
            let msg = format!("plan is for instance {:?}, not {name:?}", plan.instance);
            self.flag(code::INSTANCE_NAME, msg);
        }
        if plan.status != "optimal" && plan.status != "time_limit" {
            let msg = format!(
                "status is {:?}, expected optimal or time_limit",
                plan.status
            );
            self.flag(code::STATUS, msg);
        }
        if plan.phases.len() != phases {
            let msg = format!(
                "plan has {} phases, the instance {phases}",
                plan.phases.len()
            );
            self.flag(code::PHASE_COUNT, msg);
        }
        for diagnostic in &plan.diagnostics {
            if !self.area_ids.contains_key(diagnostic.area.as_str()) {
                let msg = format!("diagnostics: unknown area {:?}", diagnostic.area);
                self.flag(code::UNKNOWN_AREA, msg);
            }
        }
        for (i, phase) in plan.phases.iter().enumerate() {
            if phase.phase as usize != i + 1 {
                let msg = format!("entry {} of phases is numbered {}", i + 1, phase.phase);
                self.flag(code::PHASE_NUMBER, msg);
            }
            let label = self.instance.policy.phase_labels.get(i);
            if let Some(label) = label.filter(|label| **label != phase.label) {
                let msg = format!(
                    "phase {} is labelled {:?}, not {label:?}",
                    i + 1,
                    phase.label
                );
                self.flag(code::PHASE_LABEL, msg);
            }
        }
    }

    /// Zero counts, duplicates and sort order of every list of a phase.
    fn lists(&mut self, t: usize, phase: &PhaseFile) {
        let moves = phase.moves.iter();
        let moves = moves.map(|m| (vec![&*m.area, &*m.from, &*m.to], Some(m.patients)));
        self.list(t, "moves", "(area, from, to)", moves);
        let regs = phase.registrations.iter();
        let regs = regs.map(|r| (vec![&*r.area, &*r.practice], Some(r.patients)));
        self.list(t, "registrations", "(area, practice)", regs);
        let orphans = phase.orphaned.iter();
        let orphans = orphans.map(|o| (vec![&*o.area, &*o.practice], Some(o.patients)));
        self.list(t, "orphaned", "(area, practice)", orphans);
        let loads = phase.loads.iter().map(|l| (vec![&*l.practice], None));
        self.list(t, "loads", "practice", loads);
        let waiting = phase
            .waiting
            .iter()
            .map(|w| (vec![&*w.area], Some(w.patients)));
        self.list(t, "waiting", "area", waiting);
    }

    /// One list: keys strictly increasing (sorted, no duplicates), counts above 0.
    fn list<'k>(
        &mut self,
        t: usize,
        list: &str,
        fields: &str,
        entries: impl Iterator<Item = (Vec<&'k str>, Option<u64>)>,
    ) {
        let (mut seen, mut reported, mut unsorted) = (HashSet::new(), HashSet::new(), false);
        let mut previous: Option<Vec<&str>> = None;
        for (key, patients) in entries {
            let name = key.join(", ");
            if patients == Some(0) {
                self.flag(
                    code::ZERO_PATIENTS,
                    format!("phase {t}, {list}: {name} has 0 patients"),
                );
            }
            if let Some(before) = previous
                .as_ref()
                .filter(|before| **before > key && !unsorted)
            {
                let msg = format!(
                    "phase {t}, {list}: not sorted by {fields}: {name} comes after {}",
                    before.join(", ")
                );
                self.flag(code::UNSORTED_LIST, msg);
                unsorted = true;
            }
            if !seen.insert(key.clone()) && reported.insert(key.clone()) {
                self.flag(
                    code::DUPLICATE_ENTRY,
                    format!("phase {t}, {list}: {name} appears twice"),
                );
            }
            previous = Some(key);
        }
    }

    /// `q ∈ E(a)`: within walking distance, accepting, not closing in the horizon.
    fn destination(&mut self, t: usize, what: &str, a: usize, q: usize) {
        let (d, max) = (self.walk.walk_m(a, q), self.instance.policy.max_walk_m);
        let at = self.at(t, a, q);
        if !at_most(d, max + WALK_TOLERANCE_M) {
            let msg = format!("{at}: {what} to a practice {d} m away, the limit is {max} m");
            self.flag(code::DESTINATION_TOO_FAR, msg);
        }
        if !self.instance.practices[q].accepting {
            let msg = format!("{at}: {what} to a practice that does not accept patients");
            self.flag(code::DESTINATION_NOT_ACCEPTING, msg);
        }
        if let Some(k) = self.closing[q] {
            let msg = format!("{at}: {what} to a practice that closes at phase {k}");
            self.flag(code::DESTINATION_CLOSING, msg);
        }
    }

    /// Orphans leave today's patients of (a,p) for a's waiting pool, only at p's closing phase.
    fn orphans(
        &mut self,
        t: usize,
        orphans: &[CountAtFile],
        replay: &mut Replay,
        flows: &mut Flows,
    ) {
        for o in orphans {
            let Some((a, p)) = self.pair(t, "orphaned", &o.area, &o.practice) else {
                continue;
            };
            if self.closing[p] != Some(t) {
                let when = match self.closing[p] {
                    Some(k) => format!("the practice closes at phase {k}"),
                    None => "the practice does not close within the horizon".to_string(),
                };
                let msg = format!(
                    "{}: {} patients orphaned, but {when}",
                    self.at(t, a, p),
                    o.patients
                );
                self.flag(code::ORPHAN_OUTSIDE_CLOSING_PHASE, msg);
            }
            let cell = replay.cell(a, p);
            replay.original[cell] -= i128::from(o.patients);
            replay.waiting[a] += i128::from(o.patients);
            flows.sources.push(cell);
        }
    }

    /// Registrations draw from the area's waiting pool and arrive at an eligible practice.
    fn registrations(
        &mut self,
        t: usize,
        regs: &[CountAtFile],
        replay: &mut Replay,
        flows: &mut Flows,
    ) {
        for r in regs {
            let Some((a, q)) = self.pair(t, "registrations", &r.area, &r.practice) else {
                continue;
            };
            self.destination(t, "registration", a, q);
            let (patients, cell) = (i128::from(r.patients), replay.cell(a, q));
            replay.waiting[a] -= patients;
            replay.arrived[cell] += patients;
            flows.intake[q] += patients;
            flows.placed += patients;
        }
    }

    /// Moves take today's patients of (a, from) to an eligible `to`.
    fn moves(&mut self, t: usize, moves: &[MoveFile], replay: &mut Replay, flows: &mut Flows) {
        for m in moves {
            let to = self.practice(t, "moves", &m.to);
            let Some(((a, from), to)) = self.pair(t, "moves", &m.area, &m.from).zip(to) else {
                continue;
            };
            if from == to {
                let msg = format!(
                    "{}: move of {} patients to itself",
                    self.at(t, a, from),
                    m.patients
                );
                self.flag(code::MOVE_TO_SAME_PRACTICE, msg);
                continue;
            }
            if let Some(k) = self.closing[from].filter(|&k| t > k) {
                let at = self.at(t, a, from);
                let msg = format!(
                    "{at}: move of {} patients out, but it closed at phase {k}",
                    m.patients
                );
                self.flag(code::MOVE_FROM_CLOSED_PRACTICE, msg);
                continue;
            }
            self.destination(t, "move", a, to);
            let patients = i128::from(m.patients);
            let (source, target) = (replay.cell(a, from), replay.cell(a, to));
            replay.original[source] -= patients;
            replay.arrived[target] += patients;
            flows.sources.push(source);
            flows.outflow[from] += patients;
            flows.intake[to] += patients;
            flows.placed += patients;
            flows.moved += patients;
        }
    }

    /// `remain[a,p,t] ≥ 0` for every (a,p) that lost patients this phase.
    fn remains(&mut self, t: usize, replay: &mut Replay, flows: &mut Flows) {
        flows.sources.sort_unstable();
        flows.sources.dedup();
        for &cell in &flows.sources {
            let (original, arrived) = (replay.original[cell], replay.arrived[cell]);
            if original >= 0 {
                continue;
            }
            let at = self.at(t, cell / replay.practices, cell % replay.practices);
            let taken = format!(
                "{at}: moves and orphans take {} more than today's patients there",
                -original
            );
            if original + arrived >= 0 {
                let msg =
                    format!("{taken}; the {arrived} who arrived by the plan may not move again");
                self.flag(code::ARRIVED_MOVED_AGAIN, msg);
            } else {
                let msg = format!("{taken}, and only {arrived} arrived by the plan");
                self.flag(code::MORE_THAN_REGISTERED, msg);
            }
        }
    }

    /// From its closing phase on a practice holds nobody; whoever is left there is dropped.
    fn closed_practices(&mut self, t: usize, replay: &mut Replay) {
        for p in 0..replay.practices {
            let Some(k) = self.closing[p].filter(|&k| k <= t) else {
                continue;
            };
            for a in 0..self.instance.areas.len() {
                let cell = replay.cell(a, p);
                let left = replay.registered(cell);
                if left > 0 {
                    let msg = format!(
                        "{}: {left} patients left, but it closes at phase {k}",
                        self.at(t, a, p)
                    );
                    self.flag(code::CLOSED_PRACTICE_NOT_EMPTY, msg);
                    replay.original[cell] = 0;
                    replay.arrived[cell] = 0;
                }
            }
        }
    }

    /// `waiting[a,t] ≥ 0`, reported in the phases it changes.
    fn waiting(&mut self, t: usize, replay: &Replay) {
        let changes = replay
            .waiting
            .iter()
            .zip(&replay.waiting_before)
            .enumerate();
        for (a, (&now, &before)) in changes {
            if now < 0 && now != before {
                let area = self.area_id(a);
                let msg = format!("phase {t}, area {area}: registrations leave {now} waiting");
                self.flag(code::WAITING_NEGATIVE, msg);
            }
        }
    }

    /// Loads (constraint 1), nobody lost (constraint 5) and the phase's objective sums.
    fn loads_and_terms(&mut self, t: usize, replay: &mut Replay, sums: &mut Sums) -> Vec<f64> {
        let instance = self.instance;
        let mut loads = vec![0.0; replay.practices];
        for (a, area) in instance.areas.iter().enumerate() {
            let mut registered = 0i128;
            for (p, practice) in instance.practices.iter().enumerate() {
                let n = replay.registered(replay.cell(a, p));
                registered += n;
                loads[p] += area.care_weight * n as f64;
                if area.district != practice.district {
                    sums.out_of_district += n as f64;
                }
                sums.walk_m += n as f64 * self.walk.walk_m(a, p);
            }
            let (waiting, residents) = (replay.waiting[a], replay.residents[a]);
            let imbalance = registered + waiting - residents;
            if imbalance != replay.imbalance[a] {
                let msg = format!(
                    "phase {t}, area {}: {registered} registered + {waiting} waiting, but {residents} residents",
                    area.id
                );
                self.flag(code::PATIENTS_LOST, msg);
                replay.imbalance[a] = imbalance;
            }
            sums.waiting += waiting as f64;
        }
        for (p, &load) in loads.iter().enumerate() {
            let (ceiling, today) = (instance.ceiling(p, t), self.initial_loads[p]);
            sums.excess += (load - ceiling).max(0.0);
            let bound = match self.closing[p] {
                Some(k) if k <= t => 0.0,
                _ => ceiling.max(today),
            };
            if !at_most(load, bound + LOAD_TOLERANCE * bound.abs().max(1.0)) {
                let practice = self.practice_id(p);
                let msg = format!(
                    "phase {t}, practice {practice}: load {load} above U = {bound} (ceiling {ceiling}, today {today})"
                );
                self.flag(code::OVER_CAPACITY, msg);
            }
        }
        loads
    }

    /// Constraints 2 and 3: intake and outflow per practice, moves + registrations per phase.
    fn limits(&mut self, t: usize, flows: &Flows) {
        for p in 0..flows.intake.len() {
            let practice = self.practice_id(p);
            let limits = [
                (
                    "intake",
                    code::INTAKE_OVER_LIMIT,
                    flows.intake[p],
                    self.instance.intake_limit(p),
                ),
                (
                    "outflow",
                    code::OUTFLOW_OVER_LIMIT,
                    flows.outflow[p],
                    self.instance.outflow_limit(p),
                ),
            ];
            for (what, code, count, limit) in limits {
                if let Some(limit) = limit.filter(|&l| count > i128::from(l)) {
                    let msg = format!(
                        "phase {t}, practice {practice}: {what} {count} above its limit {limit}"
                    );
                    self.flag(code, msg);
                }
            }
        }
        let limit = self.instance.policy.max_moves_per_phase;
        if let Some(limit) = limit.filter(|&g| flows.placed > i128::from(g)) {
            let msg = format!(
                "phase {t}: {} moves + registrations, the limit is {limit}",
                flows.placed
            );
            self.flag(code::PHASE_OVER_LIMIT, msg);
        }
    }

    /// The phase's `loads` (every practice) and `waiting` (areas with patients) match the replay.
    fn reported(&mut self, t: usize, phase: &PhaseFile, loads: &[f64], replay: &Replay) {
        let mut reported_loads = vec![None; loads.len()];
        for l in &phase.loads {
            if let Some(p) = self.practice(t, "loads", &l.practice) {
                reported_loads[p].get_or_insert((l.load, l.ceiling));
            }
        }
        for (p, reported) in reported_loads.into_iter().enumerate() {
            let practice = self.practice_id(p);
            let Some((load, ceiling)) = reported else {
                self.flag(
                    code::LOAD_MISSING,
                    format!("phase {t}: loads has no entry for {practice}"),
                );
                continue;
            };
            for (what, got, expected) in [
                ("load", load, loads[p]),
                ("ceiling", ceiling, self.instance.ceiling(p, t)),
            ] {
                if !within(got, expected, LOAD_TOLERANCE * expected.abs().max(1.0)) {
                    let msg = format!(
                        "phase {t}, practice {practice}: {what} {got} reported, {expected} replayed"
                    );
                    self.flag(code::LOAD_MISMATCH, msg);
                }
            }
        }
        let mut reported_waiting = vec![None; replay.waiting.len()];
        for w in &phase.waiting {
            if let Some(a) = self.area(t, "waiting", &w.area) {
                reported_waiting[a].get_or_insert(i128::from(w.patients));
            }
        }
        for (a, reported) in reported_waiting.into_iter().enumerate() {
            let (got, expected) = (reported.unwrap_or(0), replay.waiting[a]);
            if expected >= 0 && got != expected {
                let area = self.area_id(a);
                let msg =
                    format!("phase {t}, area {area}: {got} waiting reported, {expected} replayed");
                self.flag(code::WAITING_MISMATCH, msg);
            }
        }
    }

    /// Recomputes the objective, compares it with the plan's, and checks gap and bound.
    fn objective(&mut self, plan: &PlanFile, sums: &Sums) -> (TermsFile, f64) {
        let w = self.instance.policy.weights;
        let terms = TermsFile {
            waiting: w.waiting * sums.waiting,
            excess: w.excess * sums.excess,
            out_of_district: w.out_of_district * sums.out_of_district,
            r#move: w.moves * sums.moved,
            walk: w.walk_km * sums.walk_m / 1000.0,
        };
        let value =
            terms.waiting + terms.excess + terms.out_of_district + terms.r#move + terms.walk;
        let tolerance = OBJECTIVE_TOLERANCE * value.abs().max(1.0);
        let reported = &plan.objective;
        let pairs = [
            ("waiting", reported.terms.waiting, terms.waiting),
            ("excess", reported.terms.excess, terms.excess),
            (
                "out_of_district",
                reported.terms.out_of_district,
                terms.out_of_district,
            ),
            ("move", reported.terms.r#move, terms.r#move),
            ("walk", reported.terms.walk, terms.walk),
        ];
        for (name, got, expected) in pairs {
            if !within(got, expected, tolerance) {
                let msg = format!("objective term {name} is {got}, recomputed {expected}");
                self.flag(code::OBJECTIVE_TERM, msg);
            }
        }
        if !within(reported.value, value, tolerance) {
            let msg = format!("objective value is {}, recomputed {value}", reported.value);
            self.flag(code::OBJECTIVE_VALUE, msg);
        }
        let scale = reported.value.abs().max(1.0);
        let gap = (reported.value - reported.lp_bound) / scale;
        if !within(reported.gap, gap, GAP_TOLERANCE) {
            let msg = format!(
                "objective gap is {}, (value − lp_bound) / max(1, |value|) = {gap}",
                reported.gap
            );
            self.flag(code::OBJECTIVE_GAP, msg);
        }
        if !at_most(
            reported.lp_bound,
            reported.value + OBJECTIVE_TOLERANCE * scale,
        ) {
            let msg = format!(
                "lp_bound {} is above the value {}",
                reported.lp_bound, reported.value
            );
            self.flag(code::LP_BOUND_ABOVE_VALUE, msg);
        }
        (terms, value)
    }
}

/// `|got − expected| ≤ tolerance`; false when either is NaN.
fn within(got: f64, expected: f64, tolerance: f64) -> bool {
    (got - expected).abs() <= tolerance
}

/// `x ≤ bound`; false when either is NaN.
fn at_most(x: f64, bound: f64) -> bool {
    x <= bound
}
