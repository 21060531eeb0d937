//! Applying a scenario's changes to the base instance document (`format::InstanceFile`).
//!
//! Changes are made at the document level and the result goes through the same semantic
//! validation as `spreiding plan` ([`validate::instance_from_file`]), so a scenario's plan is
//! exactly the plan of the changed instance file (which `--write-instances` writes out).
//!
//! How each kind maps onto instance@1:
//! - `close`, `fte`, `ceiling`: an entry appended to the practice's `changes` (in force from
//!   the named phase on; MODEL.md). An `fte` `delta` also adds to every later `fte` entry.
//! - `accepting`, `norm_per_fte`, `ceiling_ratio`, `max_walk_m`, the `max_*_per_phase` limits:
//!   the field itself, for the whole horizon.
//! - `new_practice` opening at phase 1: a practice with no patients. Opening at k > 1: an
//!   explicit ceiling 0 until k, then its `ceiling`, or fte × norm × ceiling_ratio computed
//!   with the scenario's final policy (instance@1 has no "opens" field).
//! - `noni`: added to the area's `noni`.
//!
//! Cost: O(changes + size of the instance) per scenario, plus one validation.

use crate::format::{ChangeFile, InstanceFile, LocationFile, PracticeFile, ScenarioChangeFile};
use crate::model::Instance;
use crate::validate::{self, Problem};

use super::scenario::{Scenario, code, problem};

/// Applies `scenario` to a copy of `base` and validates the result.
///
/// Problems carry the scenario's paths (`scenarios[1].changes[0].practice`).
pub fn apply(
    base: &InstanceFile,
    scenario: &Scenario,
) -> Result<(InstanceFile, Instance), Vec<Problem>> {
    let file = apply_changes(base, scenario, scenario.changes.len())?;
    match validate::instance_from_file(&file) {
        Ok(instance) => Ok((file, instance)),
        Err(_) => Err(attribute(base, scenario)),
    }
}

/// Finds the first change after which the instance stops being valid and reports the
/// instance's problems there.
fn attribute(base: &InstanceFile, scenario: &Scenario) -> Vec<Problem> {
    for j in 1..=scenario.changes.len() {
        let Ok(file) = apply_changes(base, scenario, j) else {
            continue;
        };
        if let Err(problems) = validate::instance_from_file(&file) {
            return problems
                .into_iter()
                .map(|p| {
                    problem(
                        format!("{}.changes[{}]", scenario.path, j - 1),
                        p.code,
                        format!("makes the instance invalid: {p}"),
                    )
                })
                .collect();
        }
    }
    vec![problem(
        scenario.path.clone(),
        code::INVALID_INSTANCE,
        "the changed instance is invalid",
    )]
}

/// The fte of `p` in force at phase `t` (changes sorted stably by phase; later entries win).
fn fte_at(p: &PracticeFile, t: u32) -> f64 {
    let mut changes: Vec<&ChangeFile> = p.changes.iter().filter(|c| c.phase <= t).collect();
    changes.sort_by_key(|c| c.phase);
    changes
        .iter()
        .filter_map(|c| c.fte)
        .next_back()
        .unwrap_or(p.fte)
}

fn is_wgs84(l: &LocationFile) -> bool {
    matches!(l, LocationFile::Wgs84 { .. })
}

/// Applies the first `count` changes; every problem with its path.
fn apply_changes(
    base: &InstanceFile,
    scenario: &Scenario,
    count: usize,
) -> Result<InstanceFile, Vec<Problem>> {
    let mut file = base.clone();
    let mut problems = Vec::new();
    let phases = file.policy.phases;
    // New practices opening after phase 1 whose ceiling follows fte: (index, phase).
    let mut openings: Vec<(usize, u32)> = Vec::new();
    for (j, change) in scenario.changes.iter().take(count).enumerate() {
        let path = format!("{}.changes[{j}]", scenario.path);
        let mut push = |suffix: &str, code: &'static str, message: String| {
            problems.push(problem(format!("{path}{suffix}"), code, message));
        };
        let practice_index =
            |file: &InstanceFile, id: &str| file.practices.iter().position(|p| p.id == id);
        let phase_ok = |phase: u32, push: &mut dyn FnMut(&str, &'static str, String)| {
            let ok = (1..=phases).contains(&phase);
            if !ok {
                push(
                    ".phase",
                    code::PHASE_OUT_OF_RANGE,
                    format!("must be a phase 1..={phases}, got {phase}"),
                );
            }
            ok
        };
        let find =
            |file: &InstanceFile, id: &str, push: &mut dyn FnMut(&str, &'static str, String)| {
                let found = practice_index(file, id);
                if found.is_none() {
                    push(
                        ".practice",
                        code::UNKNOWN_PRACTICE,
                        format!("no practice has id {id:?}"),
                    );
                }
                found
            };
        match change {
            ScenarioChangeFile::Close { practice, phase } => {
                let p = find(&file, practice, &mut push);
                if let (Some(p), true) = (p, phase_ok(*phase, &mut push)) {
                    file.practices[p].changes.push(ChangeFile {
                        phase: *phase,
                        fte: None,
                        ceiling: None,
                        closes: Some(true),
                    });
                }
            }
            ScenarioChangeFile::Fte {
                practice,
                phase,
                fte,
                delta,
            } => {
                let p = find(&file, practice, &mut push);
                if let (Some(p), true) = (p, phase_ok(*phase, &mut push)) {
                    let target = &mut file.practices[p];
                    let new_fte = match (fte, delta) {
                        (Some(f), _) => *f,
                        (None, Some(d)) => fte_at(target, *phase) + d,
                        (None, None) => continue,
                    };
                    let mut lowest = new_fte;
                    if let Some(d) = delta {
                        for c in target.changes.iter_mut().filter(|c| c.phase > *phase) {
                            if let Some(f) = c.fte.as_mut() {
                                *f += d;
                                lowest = lowest.min(*f);
                            }
                        }
                    }
                    target.changes.push(ChangeFile {
                        phase: *phase,
                        fte: Some(new_fte),
                        ceiling: None,
                        closes: None,
                    });
                    if lowest <= 0.0 || !lowest.is_finite() {
                        push(
                            if delta.is_some() { ".delta" } else { ".fte" },
                            code::FTE_NOT_POSITIVE,
                            format!(
                                "would leave practice {practice:?} with fte {lowest} from phase \
                                 {phase} on; fte must stay > 0 (to close it use kind \"close\")"
                            ),
                        );
                    }
                }
            }
            ScenarioChangeFile::Ceiling {
                practice,
                phase,
                ceiling,
            } => {
                let p = find(&file, practice, &mut push);
                if let (Some(p), true) = (p, phase_ok(*phase, &mut push)) {
                    file.practices[p].changes.push(ChangeFile {
                        phase: *phase,
                        fte: None,
                        ceiling: Some(*ceiling),
                        closes: None,
                    });
                }
            }
            ScenarioChangeFile::Accepting {
                practice,
                accepting,
            } => {
                if let Some(p) = find(&file, practice, &mut push) {
                    file.practices[p].accepting = *accepting;
                }
            }
            ScenarioChangeFile::NewPractice {
                id,
                name,
                district,
                location,
                fte,
                ceiling,
                phase,
            } => {
                let phase_fine = phase_ok(*phase, &mut push);
                if id.is_empty() {
                    push(".id", code::EMPTY_ID, "must not be empty".into());
                } else if practice_index(&file, id).is_some() {
                    push(
                        ".id",
                        code::DUPLICATE_ID,
                        format!("practice id {id:?} is already taken; choose another"),
                    );
                }
                let system = file
                    .areas
                    .first()
                    .map(|a| is_wgs84(&a.location))
                    .or_else(|| file.practices.first().map(|p| is_wgs84(&p.location)));
                if system.is_some_and(|wgs| wgs != is_wgs84(location)) {
                    push(
                        ".location",
                        code::MIXED_COORDINATES,
                        "the instance uses the other coordinate system; use the same one \
                         ({\"lat\", \"lon\"} or {\"x\", \"y\"}) as its areas"
                            .into(),
                    );
                }
                if phase_fine {
                    let opens_later = *phase > 1;
                    let changes = if opens_later {
                        if ceiling.is_none() {
                            openings.push((file.practices.len(), *phase));
                        }
                        vec![ChangeFile {
                            phase: *phase,
                            fte: None,
                            ceiling: Some(ceiling.unwrap_or(0.0)),
                            closes: None,
                        }]
                    } else {
                        Vec::new()
                    };
                    file.practices.push(PracticeFile {
                        id: id.clone(),
                        name: name.clone(),
                        district: district.clone(),
                        location: *location,
                        fte: *fte,
                        ceiling: if opens_later { Some(0.0) } else { *ceiling },
                        accepting: true,
                        max_intake_per_phase: None,
                        max_outflow_per_phase: None,
                        changes,
                    });
                }
            }
            ScenarioChangeFile::NormPerFte { value } => file.policy.norm_per_fte = *value,
            ScenarioChangeFile::CeilingRatio { value } => file.policy.ceiling_ratio = *value,
            ScenarioChangeFile::MaxWalkM { value } => file.policy.max_walk_m = *value,
            ScenarioChangeFile::MaxMovesPerPhase { value } => {
                file.policy.max_moves_per_phase = *value;
            }
            ScenarioChangeFile::MaxIntakePerPhase { practice, value } => match practice {
                None => file.policy.max_intake_per_phase = *value,
                Some(id) => {
                    if let Some(p) = find(&file, id, &mut push) {
                        file.practices[p].max_intake_per_phase = *value;
                    }
                }
            },
            ScenarioChangeFile::MaxOutflowPerPhase { practice, value } => match practice {
                None => file.policy.max_outflow_per_phase = *value,
                Some(id) => {
                    if let Some(p) = find(&file, id, &mut push) {
                        file.practices[p].max_outflow_per_phase = *value;
                    }
                }
            },
            ScenarioChangeFile::Noni { area, delta } => {
                match file.areas.iter_mut().find(|a| a.id == *area) {
                    None => push(
                        ".area",
                        code::UNKNOWN_AREA,
                        format!("no area has id {area:?}"),
                    ),
                    Some(a) => {
                        let result = i128::from(a.noni) + i128::from(*delta);
                        match u64::try_from(result) {
                            Ok(n) => a.noni = n,
                            Err(_) => push(
                                ".delta",
                                code::NONI_NEGATIVE,
                                format!(
                                    "would leave area {area:?} with {result} residents without \
                                     a GP (it has {}); the result must be ≥ 0",
                                    a.noni
                                ),
                            ),
                        }
                    }
                }
            }
        }
    }
    let per_fte = file.policy.norm_per_fte * file.policy.ceiling_ratio;
    for (p, phase) in openings {
        let fte = fte_at(&file.practices[p], phase);
        if let Some(c) = file.practices[p]
            .changes
            .iter_mut()
            .find(|c| c.phase == phase)
        {
            c.ceiling = Some(fte * per_fte);
        }
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}
