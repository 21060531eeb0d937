//! The independent plan checker: a hand-computed plan passes, every broken rule is caught.
//!
//! The instance is built as a `model::Instance` directly (not through `validate`), so these
//! tests depend on nothing but the checker, the model and the distances.

use spreiding::format::{
    CountAtFile, DiagnosticFile, LoadFile, MetricsFile, MoveFile, ObjectiveFile, PLAN_FORMAT,
    PhaseFile, PlanFile, SnapshotFile, TermsFile, WaitingFile,
};
use spreiding::model::{Area, Change, Instance, Point, Policy, Practice, Registration, Weights};
use spreiding::verify::{PlanError, code, parse_plan, verify};

// Two districts on an RD grid (metres), detour factor 1, max walk 1500 m:
//
//   A2 (0,800) "Zuid", w = 1.5        P2 (0,1400) "Zuid", explicit ceiling 80
//   A1 (0,0)   "Noord", w = 1, noni 10  P1 (600,0) "Noord", fte 1 × norm 1000 → ceiling 1000
//
// d(A1,P1) = 600, d(A1,P2) = 1400, d(A2,P1) = 1000, d(A2,P2) = 600.
// Today: A1@P1 800, A1@P2 40, A2@P1 60, A2@P2 30.
// L0[P1] = 800 + 1.5·60 = 890 → U = max(1000, 890) = 1000.
// L0[P2] = 40 + 1.5·30 = 85   → U = max(80, 85) = 85.
fn two_districts() -> Instance {
    let area = |id: &str, district: &str, y: f64, noni: u64, care_weight: f64| Area {
        id: id.into(),
        name: id.into(),
        district: district.into(),
        location: Point::Rd { x: 0.0, y },
        residents: None,
        noni,
        care_weight,
    };
    let practice = |id: &str, district: &str, x: f64, y: f64, ceiling: Option<f64>| Practice {
        id: id.into(),
        name: id.into(),
        district: district.into(),
        location: Point::Rd { x, y },
        fte: 1.0,
        ceiling,
        accepting: true,
        max_intake_per_phase: None,
        max_outflow_per_phase: None,
        changes: vec![],
    };
    let registration = |area, practice, patients| Registration {
        area,
        practice,
        patients,
    };
    Instance {
        name: "Twee wijken".into(),
        policy: Policy {
            norm_per_fte: 1000.0,
            ceiling_ratio: 1.0,
            max_walk_m: 1500.0,
            detour_factor: 1.0,
            phases: 2,
            phase_labels: vec!["Q1".into(), "Q2".into()],
            max_moves_per_phase: Some(100),
            max_intake_per_phase: Some(50),
            max_outflow_per_phase: Some(50),
            weights: Weights {
                waiting: 1000.0,
                excess: 100.0,
                out_of_district: 10.0,
                moves: 1.0,
                walk_km: 0.1,
            },
        },
        areas: vec![
            area("A1", "Noord", 0.0, 10, 1.0),
            area("A2", "Zuid", 800.0, 0, 1.5),
        ],
        practices: vec![
            practice("P1", "Noord", 600.0, 0.0, None),
            practice("P2", "Zuid", 0.0, 1400.0, Some(80.0)),
        ],
        registrations: vec![
            registration(0, 0, 800),
            registration(0, 1, 40),
            registration(1, 0, 60),
            registration(1, 1, 30),
        ],
        walk_graph: None,
    }
}

fn mv(area: &str, from: &str, to: &str, patients: u64) -> MoveFile {
    MoveFile {
        area: area.into(),
        from: from.into(),
        to: to.into(),
        patients,
    }
}

fn at(area: &str, practice: &str, patients: u64) -> CountAtFile {
    CountAtFile {
        area: area.into(),
        practice: practice.into(),
        patients,
    }
}

fn load(practice: &str, load: f64, ceiling: f64) -> LoadFile {
    LoadFile {
        practice: practice.into(),
        load,
        ceiling,
    }
}

fn waiting(area: &str, patients: u64) -> WaitingFile {
    WaitingFile {
        area: area.into(),
        patients,
    }
}

fn phase(phase: u32, label: &str) -> PhaseFile {
    PhaseFile {
        phase,
        label: label.into(),
        moves: vec![],
        registrations: vec![],
        orphaned: vec![],
        loads: vec![],
        waiting: vec![],
    }
}

fn plan(value: f64, terms: TermsFile, phases: Vec<PhaseFile>) -> PlanFile {
    let lp_bound = value - 10.0;
    let snapshot = SnapshotFile {
        residents_without_gp: 0,
        registered: 0,
        out_of_district_share: 0.0,
        mean_walk_m: 0.0,
        p90_walk_m: 0.0,
        practices_above_ceiling: 0,
        excess_total: 0.0,
    };
    PlanFile {
        format: PLAN_FORMAT.into(),
        instance: "Twee wijken".into(),
        status: "optimal".into(),
        objective: ObjectiveFile {
            value,
            lp_bound,
            gap: 10.0 / value.abs().max(1.0),
            terms,
        },
        phases,
        metrics: MetricsFile {
            before: snapshot.clone(),
            after: snapshot,
            per_phase: vec![],
        },
        diagnostics: vec![],
        solver: None,
    }
}

// Phase 1: A1 P2→P1 40, A2 P1→P2 26; A1's 10 keep waiting.
//   n: A1@P1 840 (800 + 40 arrived), A1@P2 0, A2@P1 34, A2@P2 56 (30 + 26 arrived).
//   load P1 = 840 + 1.5·34 = 891; P2 = 1.5·56 = 84 → excess 4.
//   out of district: A2@P1 34. walk: 840·600 + 34·1000 + 56·600 = 571 600 m.
// Phase 2: register A1's 10 at P1.
//   n: A1@P1 850, A2@P1 34, A2@P2 56; load P1 = 901, P2 = 84 → excess 4.
//   out of district 34. walk: 850·600 + 34 000 + 33 600 = 577 600 m.
// Objective:
//   waiting         1000 · (10 + 0)                = 10 000
//   excess           100 · (4 + 4)                 =    800
//   out_of_district   10 · (34 + 34)               =    680
//   walk             0.1 · (571.6 + 577.6)         =    114.92
//   move               1 · (40 + 26)               =     66
//   value                                          = 11 660.92
const TWO_DISTRICTS_TERMS: TermsFile = TermsFile {
    waiting: 10_000.0,
    excess: 800.0,
    out_of_district: 680.0,
    r#move: 66.0,
    walk: 114.92,
};
const TWO_DISTRICTS_VALUE: f64 = 11_660.92;

fn two_districts_plan() -> PlanFile {
    let mut first = phase(1, "Q1");
    first.moves = vec![mv("A1", "P2", "P1", 40), mv("A2", "P1", "P2", 26)];
    first.loads = vec![load("P1", 891.0, 1000.0), load("P2", 84.0, 80.0)];
    first.waiting = vec![waiting("A1", 10)];
    let mut second = phase(2, "Q2");
    second.registrations = vec![at("A1", "P1", 10)];
    second.loads = vec![load("P1", 901.0, 1000.0), load("P2", 84.0, 80.0)];
    plan(
        TWO_DISTRICTS_VALUE,
        TWO_DISTRICTS_TERMS,
        vec![first, second],
    )
}

// The same instance with P2 closing at phase 2.
// Phase 1: A1 P2→P1 40 (P2 is never a destination now); A1's 10 wait.
//   n: A1@P1 840, A2@P1 60, A2@P2 30; load P1 = 840 + 90 = 930, P2 = 45 (ceiling 80).
//   out of district 60; walk 840·600 + 60·1000 + 30·600 = 582 000 m.
// Phase 2: P2 closes and orphans A2's 30; A1's 10 and those 30 are registered at P1 at once.
//   n: A1@P1 850, A2@P1 90; load P1 = 850 + 135 = 985; intake P1 = 40 ≤ 50.
//   out of district 90; walk 510 000 + 90 000 = 600 000 m.
// Objective: waiting 1000·10 = 10 000; excess 0; out_of_district 10·150 = 1 500;
//   walk 0.1·1 182 = 118.2; move 40 → value 11 658.2.
fn p2_closes_at_phase_2(instance: &mut Instance) {
    instance.practices[1].changes.push(Change {
        phase: 2,
        fte: None,
        ceiling: None,
        closes: true,
    });
}

fn closing_plan() -> PlanFile {
    let mut first = phase(1, "Q1");
    first.moves = vec![mv("A1", "P2", "P1", 40)];
    first.loads = vec![load("P1", 930.0, 1000.0), load("P2", 45.0, 80.0)];
    first.waiting = vec![waiting("A1", 10)];
    let mut second = phase(2, "Q2");
    second.orphaned = vec![at("A2", "P2", 30)];
    second.registrations = vec![at("A1", "P1", 10), at("A2", "P1", 30)];
    second.loads = vec![load("P1", 985.0, 1000.0), load("P2", 0.0, 0.0)];
    let terms = TermsFile {
        waiting: 10_000.0,
        excess: 0.0,
        out_of_district: 1_500.0,
        r#move: 40.0,
        walk: 118.2,
    };
    plan(11_658.2, terms, vec![first, second])
}

fn assert_close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: got {got}, expected {expected}"
    );
}

fn codes(instance: &Instance, plan: &PlanFile) -> Vec<&'static str> {
    verify(instance, plan)
        .violations
        .iter()
        .map(|v| v.code)
        .collect()
}

/// Verifies `plan` (the two-district plan after `plan_change`) against the two-district
/// instance after `instance_change`, and asserts that `expected` is among the violations.
fn check_violation_with(
    instance_change: impl Fn(&mut Instance),
    base: PlanFile,
    plan_change: impl Fn(&mut PlanFile),
    expected: &str,
) {
    let mut instance = two_districts();
    instance_change(&mut instance);
    let mut plan = base;
    plan_change(&mut plan);
    let report = verify(&instance, &plan);
    assert!(
        report.violations.iter().any(|v| v.code == expected),
        "expected {expected}, got {:#?}",
        report.violations
    );
    for v in &report.violations {
        assert!(!v.message.is_empty(), "{v:?} has no message");
    }
}

fn check_violation(plan_change: impl Fn(&mut PlanFile), expected: &str) {
    check_violation_with(|_| {}, two_districts_plan(), plan_change, expected);
}

#[test]
fn correct_plan_passes_with_the_hand_computed_objective() {
    let report = verify(&two_districts(), &two_districts_plan());
    assert_eq!(report.violations, vec![]);
    assert!(report.is_ok());
    assert_close(report.terms.waiting, 10_000.0, "waiting");
    assert_close(report.terms.excess, 800.0, "excess");
    assert_close(report.terms.out_of_district, 680.0, "out_of_district");
    assert_close(report.terms.r#move, 66.0, "move");
    assert_close(report.terms.walk, 114.92, "walk");
    assert_close(report.value, TWO_DISTRICTS_VALUE, "value");
}

// Doing nothing, both phases as today: A1's 10 wait; P2's load 85 is 5 above its ceiling;
// out of district A1@P2 40 + A2@P1 60 = 100; walk 800·600 + 40·1400 + 60·1000 + 30·600
// = 614 000 m. Objective: 1000·20 + 100·10 + 10·200 + 0.1·1228 + 0 = 23 122.8.
#[test]
fn doing_nothing_is_a_valid_but_costly_plan() {
    let phases = (1..=2)
        .map(|t| {
            let mut idle = phase(t, ["Q1", "Q2"][t as usize - 1]);
            idle.loads = vec![load("P1", 890.0, 1000.0), load("P2", 85.0, 80.0)];
            idle.waiting = vec![waiting("A1", 10)];
            idle
        })
        .collect();
    let terms = TermsFile {
        waiting: 20_000.0,
        excess: 1_000.0,
        out_of_district: 2_000.0,
        r#move: 0.0,
        walk: 122.8,
    };
    let report = verify(&two_districts(), &plan(23_122.8, terms, phases));
    assert_eq!(report.violations, vec![]);
    assert_close(report.value, 23_122.8, "value");
}

#[test]
fn orphans_of_a_closing_practice_can_be_registered_in_the_same_phase() {
    let mut instance = two_districts();
    p2_closes_at_phase_2(&mut instance);
    let report = verify(&instance, &closing_plan());
    assert_eq!(report.violations, vec![]);
    assert_close(report.value, 11_658.2, "value");
}

#[test]
fn destination_exactly_at_max_walk_is_eligible() {
    let mut instance = two_districts();
    instance.policy.max_walk_m = 600.0; // every move and registration of the plan walks 600 m
    assert_eq!(codes(&instance, &two_districts_plan()), Vec::<&str>::new());
}

#[test]
fn plan_with_time_limit_status_and_no_limits_passes() {
    let mut instance = two_districts();
    instance.policy.max_moves_per_phase = None;
    instance.policy.max_intake_per_phase = None;
    instance.policy.max_outflow_per_phase = None;
    let mut plan = two_districts_plan();
    plan.status = "time_limit".into();
    assert_eq!(codes(&instance, &plan), Vec::<&str>::new());
}

#[test]
fn each_broken_rule_is_caught_with_its_code() {
    type Mutation = fn(&mut PlanFile);
    let cases: &[(&str, Mutation)] = &[
        (code::FORMAT_TAG, |p| p.format = "spreiding/plan@2".into()),
        (code::INSTANCE_NAME, |p| p.instance = "Drie wijken".into()),
        (code::STATUS, |p| p.status = "feasible".into()),
        (code::PHASE_COUNT, |p| {
            p.phases.pop();
        }),
        (code::PHASE_NUMBER, |p| p.phases[1].phase = 3),
        (code::PHASE_LABEL, |p| p.phases[0].label = "2026-Q1".into()),
        (code::UNKNOWN_AREA, |p| {
            p.phases[0].moves[0].area = "A9".into()
        }),
        (code::UNKNOWN_PRACTICE, |p| {
            p.phases[1].registrations[0].practice = "P9".into()
        }),
        (code::UNKNOWN_PRACTICE, |p| {
            p.phases[1].loads[1].practice = "P9".into()
        }),
        (code::UNKNOWN_AREA, |p| {
            p.diagnostics.push(DiagnosticFile {
                area: "A9".into(),
                waiting: 1,
                reason: "white_spot".into(),
                message: "no practice within walking distance".into(),
                extra_phases: None,
            })
        }),
        (code::ZERO_PATIENTS, |p| {
            p.phases[1].registrations.push(at("A2", "P2", 0))
        }),
        (code::DUPLICATE_ENTRY, |p| {
            p.phases[1].registrations.push(at("A1", "P1", 1))
        }),
        (code::UNSORTED_LIST, |p| p.phases[0].moves.reverse()),
        (code::UNSORTED_LIST, |p| p.phases[0].loads.reverse()),
        (code::MOVE_TO_SAME_PRACTICE, |p| {
            p.phases[1].moves.push(mv("A2", "P2", "P2", 1))
        }),
        // today's 30 of A2 at P2 plus 1 of the 26 who arrived in phase 1
        (code::ARRIVED_MOVED_AGAIN, |p| {
            p.phases[1].moves.push(mv("A2", "P2", "P1", 31))
        }),
        // all 40 of A1 at P2 left in phase 1 and nobody arrived there
        (code::MORE_THAN_REGISTERED, |p| {
            p.phases[1].moves.push(mv("A1", "P2", "P1", 1))
        }),
        (code::ORPHAN_OUTSIDE_CLOSING_PHASE, |p| {
            p.phases[0].orphaned.push(at("A2", "P2", 1))
        }),
        (code::WAITING_NEGATIVE, |p| {
            p.phases[1].registrations[0].patients = 11
        }),
        // P2: 85 − 40 + 1.5·27 = 85.5 > U = 85
        (code::OVER_CAPACITY, |p| p.phases[0].moves[1].patients = 27),
        (code::LOAD_MISSING, |p| {
            p.phases[1].loads.pop();
        }),
        (code::LOAD_MISMATCH, |p| p.phases[0].loads[0].load = 890.0),
        (code::LOAD_MISMATCH, |p| p.phases[0].loads[1].ceiling = 85.0),
        (code::WAITING_MISMATCH, |p| p.phases[0].waiting.clear()),
        (code::WAITING_MISMATCH, |p| {
            p.phases[1].waiting.push(waiting("A2", 3))
        }),
        (code::OBJECTIVE_TERM, |p| p.objective.terms.walk = 114.0),
        (code::OBJECTIVE_VALUE, |p| {
            p.objective.value += 1.0;
            p.objective.lp_bound += 1.0;
        }),
        (code::OBJECTIVE_GAP, |p| p.objective.gap = 0.0),
        (code::LP_BOUND_ABOVE_VALUE, |p| {
            p.objective.lp_bound = p.objective.value + 1.0;
            p.objective.gap = -1.0 / p.objective.value;
        }),
    ];
    for &(expected, change) in cases {
        check_violation(change, expected);
    }
}

#[test]
fn a_wrong_objective_value_alone_is_reported_once() {
    let mut plan = two_districts_plan();
    plan.objective.value += 0.5;
    plan.objective.gap = (plan.objective.value - plan.objective.lp_bound) / plan.objective.value;
    assert_eq!(codes(&two_districts(), &plan), vec![code::OBJECTIVE_VALUE]);
}

#[test]
fn moves_to_ineligible_practices_are_caught() {
    let base = two_districts_plan;
    // 600 m walks against a 599.999 m limit
    check_violation_with(
        |i| i.policy.max_walk_m = 599.999,
        base(),
        |_| {},
        code::DESTINATION_TOO_FAR,
    );
    check_violation_with(
        |i| i.practices[0].accepting = false,
        base(),
        |_| {},
        code::DESTINATION_NOT_ACCEPTING,
    );
    // P1 closes at phase 2: the phase-1 move and the phase-2 registration go to it
    let p1_closes = |i: &mut Instance| {
        i.practices[0].changes.push(Change {
            phase: 2,
            fte: None,
            ceiling: None,
            closes: true,
        });
    };
    check_violation_with(p1_closes, base(), |_| {}, code::DESTINATION_CLOSING);
}

#[test]
fn phase_limits_are_caught() {
    let base = two_districts_plan;
    // phase 1: intake P1 = 40, outflow P2 = 40, moves + registrations = 66
    check_violation_with(
        |i| i.practices[0].max_intake_per_phase = Some(39),
        base(),
        |_| {},
        code::INTAKE_OVER_LIMIT,
    );
    check_violation_with(
        |i| i.practices[1].max_outflow_per_phase = Some(39),
        base(),
        |_| {},
        code::OUTFLOW_OVER_LIMIT,
    );
    check_violation_with(
        |i| i.policy.max_moves_per_phase = Some(65),
        base(),
        |_| {},
        code::PHASE_OVER_LIMIT,
    );
    let exact = |i: &mut Instance| {
        i.practices[0].max_intake_per_phase = Some(40);
        i.practices[1].max_outflow_per_phase = Some(40);
        i.policy.max_moves_per_phase = Some(66);
    };
    let mut instance = two_districts();
    exact(&mut instance);
    assert_eq!(codes(&instance, &two_districts_plan()), Vec::<&str>::new());
}

#[test]
fn patients_neither_moved_nor_orphaned_by_a_closing_practice_are_lost() {
    // orphan and register 25 of A2's 30: 5 stay at P2 after it closed
    let fewer_orphans = |p: &mut PlanFile| {
        p.phases[1].orphaned[0].patients = 25;
        p.phases[1].registrations[1].patients = 25;
    };
    check_violation_with(
        p2_closes_at_phase_2,
        closing_plan(),
        fewer_orphans,
        code::CLOSED_PRACTICE_NOT_EMPTY,
    );
    check_violation_with(
        p2_closes_at_phase_2,
        closing_plan(),
        fewer_orphans,
        code::PATIENTS_LOST,
    );
}

#[test]
fn closing_practice_that_keeps_its_patients_is_caught() {
    // the two-district plan never empties P2
    check_violation_with(
        p2_closes_at_phase_2,
        two_districts_plan(),
        |_| {},
        code::CLOSED_PRACTICE_NOT_EMPTY,
    );
}

#[test]
fn orphans_at_a_closing_practice_before_its_closing_phase_are_caught() {
    let early = |p: &mut PlanFile| {
        let orphans = std::mem::take(&mut p.phases[1].orphaned);
        p.phases[0].orphaned = orphans;
    };
    check_violation_with(
        p2_closes_at_phase_2,
        closing_plan(),
        early,
        code::ORPHAN_OUTSIDE_CLOSING_PHASE,
    );
}

#[test]
fn moves_out_of_a_practice_after_it_closed_are_caught() {
    let p2_closes_at_phase_1 = |i: &mut Instance| {
        i.practices[1].changes.push(Change {
            phase: 1,
            fte: None,
            ceiling: None,
            closes: true,
        });
    };
    let late_move = |p: &mut PlanFile| p.phases[1].moves.push(mv("A2", "P2", "P1", 1));
    check_violation_with(
        p2_closes_at_phase_1,
        two_districts_plan(),
        late_move,
        code::MOVE_FROM_CLOSED_PRACTICE,
    );
}

#[test]
fn moves_out_in_the_closing_phase_are_allowed() {
    // P2 closes at phase 2; A2's 30 move to P1 in that phase instead of being orphaned
    let mut instance = two_districts();
    p2_closes_at_phase_2(&mut instance);
    let mut plan = closing_plan();
    plan.phases[1].orphaned.clear();
    plan.phases[1].registrations.pop();
    plan.phases[1].moves = vec![mv("A2", "P2", "P1", 30)];
    plan.objective.terms.r#move = 70.0;
    plan.objective.value = 11_688.2;
    plan.objective.lp_bound = plan.objective.value - 10.0;
    plan.objective.gap = 10.0 / plan.objective.value;
    assert_eq!(verify(&instance, &plan).violations, vec![]);
}

#[test]
fn hostile_plans_are_reported_not_panicked_on() {
    let instance = two_districts();
    let mut plan = two_districts_plan();
    plan.phases[0].moves.push(mv("A2", "P1", "P2", u64::MAX));
    plan.phases[0].registrations = vec![
        at("A1", "P1", u64::MAX),
        at("A1", "P1", u64::MAX),
        at("??", "??", 0),
    ];
    plan.phases[0].orphaned = vec![at("A1", "P1", u64::MAX)];
    plan.phases[1].waiting = vec![waiting("A1", u64::MAX)];
    plan.phases.push(phase(0, ""));
    plan.objective.value = f64::NAN;
    plan.objective.terms.walk = f64::INFINITY;
    let report = verify(&instance, &plan);
    assert!(!report.is_ok());
    assert!(report.value.is_finite());

    plan.phases.clear();
    let codes: Vec<_> = verify(&instance, &plan)
        .violations
        .iter()
        .map(|v| v.code)
        .collect();
    assert!(codes.contains(&code::PHASE_COUNT), "{codes:?}");
}

#[test]
fn violation_messages_name_phase_area_practice_and_numbers() {
    let mut plan = two_districts_plan();
    plan.phases[0].moves[1].patients = 27;
    let report = verify(&two_districts(), &plan);
    let over = report
        .violations
        .iter()
        .find(|v| v.code == code::OVER_CAPACITY)
        .expect("over capacity");
    assert!(
        over.message.contains("phase 1") && over.message.contains("P2"),
        "{}",
        over.message
    );
    assert!(
        over.message.contains("85.5") && over.message.contains("85"),
        "{}",
        over.message
    );
    assert_eq!(over.to_string(), format!("over_capacity: {}", over.message));
}

#[test]
fn plan_text_round_trips_through_parse_plan() {
    let plan = two_districts_plan();
    let text = serde_json::to_string_pretty(&plan).expect("serialises");
    assert_eq!(parse_plan(&text), Ok(plan));
}

#[test]
fn parse_plan_reports_syntax_errors_with_line_and_column() {
    let err = parse_plan("{\n  \"format\": \"spreiding/plan@1\",\n  oops\n}").unwrap_err();
    assert!(
        matches!(
            err,
            PlanError::Syntax {
                line: 3,
                column: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn parse_plan_rejects_other_formats() {
    let err = parse_plan(r#"{"format": "spreiding/instance@1", "areas": []}"#).unwrap_err();
    assert_eq!(
        err,
        PlanError::Format {
            found: Some("spreiding/instance@1".into())
        }
    );
    let err = parse_plan("[1, 2]").unwrap_err();
    assert_eq!(err, PlanError::Format { found: None });
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn parse_plan_reports_a_wrong_shape() {
    let err = parse_plan(r#"{"format": "spreiding/plan@1", "instance": "x"}"#).unwrap_err();
    assert!(
        matches!(&err, PlanError::Shape { message, .. } if message.contains("status")),
        "{err:?}"
    );
}
