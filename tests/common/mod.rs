//! Helpers shared by the integration tests: solve an instance and check the plan with the
//! independent verifier, and a small deterministic instance generator.
#![allow(dead_code)]

use std::time::Duration;

use spreiding::format::PlanFile;
use spreiding::lp::SolveOptions;
use spreiding::model::Instance;
use spreiding::{planner, validate, verify};

/// Reads `instances/<path>`.
pub fn instance(path: &str) -> Instance {
    let text = std::fs::read_to_string(format!("{}/instances/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("instance file");
    validate::parse_instance(&text).expect("valid instance")
}

/// Solves with a short time limit and asserts that `verify` accepts the plan.
pub fn solve_and_verify(instance: &Instance, gap: f64) -> PlanFile {
    let options = SolveOptions {
        time_limit: Duration::from_secs(5),
        gap,
    };
    let plan = planner::plan(instance, &options).expect("plan");
    let report = verify::verify(instance, &plan);
    assert!(
        report.is_ok(),
        "plan of {} fails verify: {:#?}",
        instance.name,
        report.violations
    );
    assert!(
        (report.value - plan.objective.value).abs() <= 1e-6 * plan.objective.value.abs().max(1.0)
    );
    plan
}

/// A linear congruential generator: deterministic instances without a dependency.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A random instance@1 text in RD coordinates: `areas` areas, `practices` practices on a
/// 4 km square, registrations, NONIs, care weights, a closure and limits.
pub fn generated(seed: u64, areas: usize, practices: usize, phases: usize) -> String {
    let mut r = Lcg(seed);
    let districts = ["Noord", "Zuid", "Oost"];
    let mut area_json = Vec::new();
    for a in 0..areas {
        area_json.push(format!(
            r#"{{"id":"A{a}","district":"{}","location":{{"x":{},"y":{}}},"noni":{},"care_weight":{}}}"#,
            districts[r.next(3) as usize],
            r.next(4000),
            r.next(4000),
            r.next(6),
            [1.0, 1.0, 1.15, 1.3][r.next(4) as usize]
        ));
    }
    let mut practice_json = Vec::new();
    for p in 0..practices {
        let change = match (p, r.next(3)) {
            (0, _) => format!(
                r#",{{"phase":{},"closes":true}}"#,
                1 + r.next(phases as u64)
            ),
            (_, 0) => format!(
                r#",{{"phase":{},"fte":{}}}"#,
                1 + r.next(phases as u64),
                1 + r.next(3)
            ),
            _ => String::new(),
        };
        practice_json.push(format!(
            r#"{{"id":"P{p}","district":"{}","location":{{"x":{},"y":{}}},"fte":{},"accepting":{},"changes":[{}]}}"#,
            districts[r.next(3) as usize],
            r.next(4000),
            r.next(4000),
            0.5 + r.next(3) as f64 * 0.5,
            r.next(8) != 0,
            change.trim_start_matches(',')
        ));
    }
    let mut reg_json = Vec::new();
    for a in 0..areas {
        for p in 0..practices {
            if r.next(3) == 0 {
                reg_json.push(format!(
                    r#"{{"area":"A{a}","practice":"P{p}","patients":{}}}"#,
                    1 + r.next(9)
                ));
            }
        }
    }
    format!(
        r#"{{"format":"spreiding/instance@1","name":"generated {seed}","policy":{{"norm_per_fte":12,"max_walk_m":2500,"detour_factor":1.2,"phases":{phases},"max_moves_per_phase":{},"max_intake_per_phase":{},"max_outflow_per_phase":{}}},"areas":[{}],"practices":[{}],"registrations":[{}]}}"#,
        8 + r.next(10),
        2 + r.next(4),
        2 + r.next(4),
        area_json.join(","),
        practice_json.join(","),
        reg_json.join(",")
    )
}
