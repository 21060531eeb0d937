//! Planning end to end: hand-computed optima of the small instances (instances/small/README.md
//! shows each by hand), every example instance solves and verifies, generated instances keep
//! every limit, and the same instance gives the same bytes.

mod common;

use common::{generated, instance, solve_and_verify};
use spreiding::validate;

/// Solves `instances/small/<name>` and checks the optimum and its terms.
fn check_optimum(name: &str, value: f64, waiting: f64, out_of_district: f64, moves: f64) {
    let plan = solve_and_verify(&instance(&format!("small/{name}")), 1e-9);
    let o = &plan.objective;
    assert_eq!(plan.status, "optimal", "{name}");
    assert!(
        (o.value - value).abs() < 1e-6,
        "{name}: objective {} ≠ {value}",
        o.value
    );
    assert!(
        (o.terms.waiting - waiting).abs() < 1e-9,
        "{name}: waiting {}",
        o.terms.waiting
    );
    assert!(
        (o.terms.out_of_district - out_of_district).abs() < 1e-9,
        "{name}"
    );
    assert!(
        (o.terms.r#move - moves).abs() < 1e-9,
        "{name}: moves {}",
        o.terms.r#move
    );
    assert!(o.gap.abs() < 1e-9, "{name}: gap {}", o.gap);
}

#[test]
fn closing_practice_orphans_its_patients_and_they_are_registered_at_once() {
    check_optimum("closure.json", 1.6, 0.0, 0.0, 0.0);
    let plan = solve_and_verify(&instance("small/closure.json"), 1e-9);
    let phase1 = &plan.phases[0];
    assert_eq!(phase1.orphaned.iter().map(|o| o.patients).sum::<u64>(), 5);
    assert_eq!(
        phase1.registrations.iter().map(|r| r.patients).sum::<u64>(),
        5
    );
    assert!(phase1.moves.is_empty());
}

#[test]
fn growing_practice_takes_waiting_residents_once_its_ceiling_rises() {
    check_optimum("growth.json", 8003.05, 8000.0, 0.0, 0.0);
}

#[test]
fn white_spot_residents_wait_and_are_diagnosed() {
    check_optimum("white_spot.json", 6000.624, 6000.0, 0.0, 0.0);
    let plan = solve_and_verify(&instance("small/white_spot.json"), 1e-9);
    assert!(plan.diagnostics.iter().any(|d| d.reason == "white_spot"));
}

#[test]
fn intake_limit_spreads_registrations_over_phases() {
    check_optimum("transfer_limits.json", 5003.1, 5000.0, 0.0, 0.0);
    let plan = solve_and_verify(&instance("small/transfer_limits.json"), 1e-9);
    for phase in &plan.phases {
        let taken: u64 = phase.registrations.iter().map(|r| r.patients).sum();
        assert!(taken <= 3);
    }
}

#[test]
fn care_weights_decide_who_gets_the_limited_room() {
    check_optimum("care_weights.json", 2001.72, 2000.0, 0.0, 0.0);
}

#[test]
fn out_of_district_patients_move_home_when_room_allows() {
    check_optimum("out_of_district.json", 66.36, 0.0, 60.0, 3.0);
}

#[test]
fn every_example_instance_solves_and_verifies() {
    let dir = format!("{}/instances", env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![format!("{dir}/enschede.json")];
    for sub in ["small", "synthetic"] {
        for entry in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path.display().to_string());
            }
        }
    }
    assert!(files.len() >= 8);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let inst = validate::parse_instance(&text).unwrap();
        let plan = solve_and_verify(&inst, 1e-4);
        assert!(
            plan.objective.lp_bound <= plan.objective.value + 1e-6,
            "{file}"
        );
    }
}

#[test]
fn enschede_plan_houses_every_resident_the_lp_houses() {
    let inst = instance("enschede.json");
    let plan = solve_and_verify(&inst, 1e-4);
    let before = &plan.metrics.before;
    let after = &plan.metrics.after;
    // 1,494 wait today; the closure adds 1,000; the growing practices take 150 per phase each.
    assert_eq!(before.residents_without_gp, 1494);
    assert!(after.residents_without_gp < before.residents_without_gp + 1000);
    assert_eq!(
        after.registered + after.residents_without_gp,
        before.registered + 1494
    );
}

#[test]
fn generated_instances_keep_every_limit_and_lose_nobody() {
    for seed in 0..12 {
        let text = generated(seed, 6, 5, 3);
        let inst = validate::parse_instance(&text).expect("generated instance is valid");
        let plan = solve_and_verify(&inst, 1e-4);
        let total: u64 = inst.registrations.iter().map(|r| r.patients).sum::<u64>()
            + inst.areas.iter().map(|a| a.noni).sum::<u64>();
        let after = &plan.metrics.after;
        assert_eq!(
            after.registered + after.residents_without_gp,
            total,
            "seed {seed}"
        );
        assert!(plan.objective.lp_bound <= plan.objective.value + 1e-6);
    }
}

#[test]
fn the_same_instance_gives_the_same_bytes() {
    for file in ["small/care_weights.json", "small/closure.json"] {
        let inst = instance(file);
        let a = serde_json::to_string(&solve_and_verify(&inst, 1e-4)).unwrap();
        let b = serde_json::to_string(&solve_and_verify(&inst, 1e-4)).unwrap();
        assert_eq!(a, b, "{file}");
    }
    let text = generated(99, 8, 6, 3);
    let inst = validate::parse_instance(&text).unwrap();
    let a = serde_json::to_string(&solve_and_verify(&inst, 1e-4)).unwrap();
    let b = serde_json::to_string(&solve_and_verify(&inst, 1e-4)).unwrap();
    assert_eq!(a, b);
}
