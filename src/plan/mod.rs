//! From a solution to `spreiding/plan@1`: phased move lists, loads, waiting lists, the
//! objective recomputed from the plan itself, metrics before and after, and diagnostics.

pub mod diagnostics;
pub mod flows;
mod metrics;

pub use flows::{InconsistentSolution, PhaseFlows, flows};

use crate::format::{
    CountAtFile, LoadFile, MetricsFile, MoveFile, ObjectiveFile, PLAN_FORMAT, PhaseCountsFile,
    PhaseFile, PlanFile, SolverFile, TermsFile, WaitingFile,
};
use crate::geo::Distances;
use crate::model::Instance;

/// Who is registered where after a phase: `n[a,p]` (row-major by area) and `waiting[a]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    practices: usize,
    /// `n[a,p]`.
    pub patients: Vec<u64>,
    /// `waiting[a]`.
    pub waiting: Vec<u64>,
}

impl Registered {
    /// Today's registrations.
    pub fn today(instance: &Instance) -> Registered {
        let practices = instance.practices.len();
        let mut patients = vec![0; instance.areas.len() * practices];
        for r in &instance.registrations {
            patients[r.area * practices + r.practice] += r.patients;
        }
        Registered {
            practices,
            patients,
            waiting: instance.areas.iter().map(|a| a.noni).collect(),
        }
    }

    /// `n[a,p]`.
    pub fn at(&self, a: usize, p: usize) -> u64 {
        self.patients[a * self.practices + p]
    }

    /// Applies one phase (orphans first, so they can be registered in the same phase).
    pub fn apply(&mut self, phase: &PhaseFlows) {
        let np = self.practices;
        for &(a, p, k) in &phase.orphans {
            self.patients[a * np + p] -= k;
            self.waiting[a] += k;
        }
        for &(a, from, to, k) in &phase.moves {
            self.patients[a * np + from] -= k;
            self.patients[a * np + to] += k;
        }
        for &(a, q, k) in &phase.registrations {
            self.waiting[a] -= k;
            self.patients[a * np + q] += k;
        }
    }

    /// Care-weighted load of every practice.
    pub fn loads(&self, instance: &Instance) -> Vec<f64> {
        let mut loads = vec![0.0; self.practices];
        for (a, area) in instance.areas.iter().enumerate() {
            for (p, load) in loads.iter_mut().enumerate() {
                let n = self.at(a, p);
                if n > 0 {
                    *load += area.care_weight * n as f64;
                }
            }
        }
        loads
    }
}

/// What the solver reports beside the flows.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveSummary {
    /// Proved lower bound on the optimum.
    pub bound: f64,
    /// Gap under which the plan counts as optimal.
    pub gap_tolerance: f64,
    /// Method name.
    pub method: String,
    /// Model size: columns, rows, non-zeros.
    pub size: (u64, u64, u64),
}

/// Objective terms of one phase's state (weights applied).
fn phase_terms(instance: &Instance, d: &Distances, reg: &Registered, t: usize) -> TermsFile {
    let w = instance.policy.weights;
    let mut terms = TermsFile {
        waiting: w.waiting * reg.waiting.iter().sum::<u64>() as f64,
        ..TermsFile::default()
    };
    let loads = reg.loads(instance);
    for (p, load) in loads.iter().enumerate() {
        terms.excess += w.excess * (load - instance.ceiling(p, t)).max(0.0);
    }
    let (mut outside, mut km) = (0u64, 0.0);
    for (a, area) in instance.areas.iter().enumerate() {
        for (p, practice) in instance.practices.iter().enumerate() {
            let n = reg.at(a, p);
            if n > 0 {
                if area.district != practice.district {
                    outside += n;
                }
                km += n as f64 * d.walk_m(a, p) / 1000.0;
            }
        }
    }
    terms.out_of_district = w.out_of_district * outside as f64;
    terms.walk = w.walk_km * km;
    terms
}

fn sorted_by_ids<T>(mut items: Vec<T>, key: impl Fn(&T) -> Vec<&str>) -> Vec<T> {
    items.sort_by(|x, y| key(x).cmp(&key(y)));
    items
}

/// Builds the plan file: replays the flows from today, recomputes every objective term and
/// metric from the replay, and explains the residents still waiting at the end.
pub fn build(
    instance: &Instance,
    distances: &Distances,
    phases: &[PhaseFlows],
    summary: &SolveSummary,
) -> PlanFile {
    let w = instance.policy.weights;
    let area_id = |a: usize| instance.areas[a].id.as_str();
    let practice_id = |p: usize| instance.practices[p].id.as_str();
    let mut reg = Registered::today(instance);
    let before = metrics::snapshot(instance, distances, &reg, 0);
    let mut terms = TermsFile::default();
    let mut out_phases = Vec::with_capacity(phases.len());
    let mut per_phase = Vec::with_capacity(phases.len());
    for (i, phase) in phases.iter().enumerate() {
        let t = i + 1;
        reg.apply(phase);
        let pt = phase_terms(instance, distances, &reg, t);
        terms.waiting += pt.waiting;
        terms.excess += pt.excess;
        terms.out_of_district += pt.out_of_district;
        terms.walk += pt.walk;
        let moved: u64 = phase.moves.iter().map(|m| m.3).sum();
        terms.r#move += w.moves * moved as f64;

        let moves = phase
            .moves
            .iter()
            .map(|&(a, from, to, k)| MoveFile {
                area: area_id(a).to_string(),
                from: practice_id(from).to_string(),
                to: practice_id(to).to_string(),
                patients: k,
            })
            .collect();
        let counts_at = |list: &[(usize, usize, u64)]| {
            let items = list
                .iter()
                .map(|&(a, p, k)| CountAtFile {
                    area: area_id(a).to_string(),
                    practice: practice_id(p).to_string(),
                    patients: k,
                })
                .collect();
            sorted_by_ids(items, |c: &CountAtFile| vec![&c.area, &c.practice])
        };
        let loads = reg
            .loads(instance)
            .into_iter()
            .enumerate()
            .map(|(p, load)| LoadFile {
                practice: practice_id(p).to_string(),
                load,
                ceiling: instance.ceiling(p, t),
            })
            .collect();
        let waiting = reg
            .waiting
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k > 0)
            .map(|(a, &k)| WaitingFile {
                area: area_id(a).to_string(),
                patients: k,
            })
            .collect();
        per_phase.push(PhaseCountsFile {
            phase: t as u32,
            moves: moved,
            registrations: phase.registrations.iter().map(|r| r.2).sum(),
            orphaned: phase.orphans.iter().map(|o| o.2).sum(),
            waiting: reg.waiting.iter().sum(),
        });
        out_phases.push(PhaseFile {
            phase: t as u32,
            label: instance.policy.phase_labels[i].clone(),
            moves: sorted_by_ids(moves, |m: &MoveFile| vec![&m.area, &m.from, &m.to]),
            registrations: counts_at(&phase.registrations),
            orphaned: counts_at(&phase.orphans),
            loads: sorted_by_ids(loads, |l: &LoadFile| vec![&l.practice]),
            waiting: sorted_by_ids(waiting, |w: &WaitingFile| vec![&w.area]),
        });
    }
    let after = metrics::snapshot(instance, distances, &reg, instance.phases());
    let value = terms.waiting + terms.excess + terms.out_of_district + terms.r#move + terms.walk;
    let bound = summary.bound.min(value);
    let gap = (value - bound) / value.abs().max(1.0);
    PlanFile {
        format: PLAN_FORMAT.to_string(),
        instance: instance.name.clone(),
        status: if gap <= summary.gap_tolerance {
            "optimal"
        } else {
            "time_limit"
        }
        .to_string(),
        objective: ObjectiveFile {
            value,
            lp_bound: bound,
            gap,
            terms,
        },
        phases: out_phases,
        metrics: MetricsFile {
            before,
            after,
            per_phase,
        },
        diagnostics: diagnostics::diagnose(instance, distances, &reg),
        solver: Some(SolverFile {
            method: summary.method.clone(),
            variables: summary.size.0,
            constraints: summary.size.1,
            nonzeros: summary.size.2,
        }),
    }
}
