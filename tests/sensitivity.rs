//! Sensitivity runs: every scenario's figures equal a separate plan of the changed instance,
//! sweeps name and count their scenarios, invalid scenario files are rejected with paths,
//! output is deterministic, shadow prices are subgradients of the LP optimum.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use spreiding::format::ScenarioChangeFile;
use spreiding::geo::Distances;
use spreiding::lp::{self, Formulation, SolveOptions};
use spreiding::model::Instance;
use spreiding::sensitivity::figures::figures;
use spreiding::sensitivity::{self, Base, Scenario, Sweep, parse_scenarios, parse_sweep, prepare};
use spreiding::{planner, validate, verify};

fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(20),
        gap: 1e-4,
    }
}

fn text_of(path: &str) -> String {
    std::fs::read_to_string(format!("{}/instances/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("instance file")
}

fn base_of(text: &str) -> Base {
    let value: Value = serde_json::from_str(text).expect("json");
    Base::from_value(&value).expect("valid instance")
}

fn scenarios_of(json: &str) -> Vec<Scenario> {
    parse_scenarios(json).unwrap_or_else(|e| match e {
        sensitivity::ScenarioError::Invalid(p) => panic!("{p:#?}"),
        e => panic!("{e}"),
    })
}

fn sweep(base: &Base, spec: &str) -> Vec<Scenario> {
    let parsed = parse_sweep(spec).expect("sweep");
    sensitivity::generate(&parsed, spec, &base.instance).0
}

/// Runs `scenarios` on `text` and checks every scenario (and the baseline) against
/// `planner::plan` of the written-out, re-validated instance, and the plan against `verify`.
fn check_equal_to_plan(text: &str, scenarios: Vec<Scenario>) {
    let base = base_of(text);
    let prepared = prepare(&base, scenarios).expect("scenarios apply");
    let report = sensitivity::run(&base, &prepared, Vec::new(), &options(), &|_| {}).expect("run");
    assert_eq!(report.scenarios.len(), prepared.len());
    let base_plan = planner::plan(&base.instance, &options()).expect("plan");
    assert_eq!(report.baseline.figures, figures(&base_plan));
    for p in &prepared {
        let written = serde_json::to_string_pretty(&p.file).expect("serialize");
        let instance = validate::parse_instance(&written).expect("written instance is valid");
        assert_eq!(instance, p.instance, "{}: round trip", p.scenario.name);
        let plan = planner::plan(&instance, &options()).expect("plan");
        let check = verify::verify(&instance, &plan);
        assert!(
            check.is_ok(),
            "{}: {:#?}",
            p.scenario.name,
            check.violations
        );
        let result = report
            .scenarios
            .iter()
            .find(|r| r.name == p.scenario.name)
            .expect("scenario in report");
        assert_eq!(result.figures, figures(&plan), "{}", p.scenario.name);
    }
}

const SMALL_WHATIF: &str = r#"{
  "format": "spreiding/scenarios@1",
  "scenarios": [
    {"name": "P2 closes in phase 2", "changes": [{"kind": "close", "practice": "P2", "phase": 2}]},
    {"name": "P3 grows", "description": "more room", "changes": [
      {"kind": "fte", "practice": "P3", "phase": 2, "fte": 2.0},
      {"kind": "ceiling", "practice": "P2", "phase": 1, "ceiling": 6}]},
    {"name": "new practice later", "changes": [
      {"kind": "new_practice", "id": "N1", "district": "Centrum", "location": {"x": 100, "y": 100},
       "fte": 0.5, "phase": 2},
      {"kind": "noni", "area": "A1", "delta": 7}]},
    {"name": "policy", "changes": [
      {"kind": "norm_per_fte", "value": 6}, {"kind": "ceiling_ratio", "value": 1.1},
      {"kind": "max_walk_m", "value": 1200}, {"kind": "max_moves_per_phase", "value": 3},
      {"kind": "max_intake_per_phase", "value": 2},
      {"kind": "max_outflow_per_phase", "practice": "P2", "value": 1},
      {"kind": "accepting", "practice": "P3", "accepting": false}]}
  ]
}"#;

#[test]
fn scenario_figures_equal_a_separate_plan_of_the_changed_small_instance() {
    let text = text_of("small/closure.json");
    let base = base_of(&text);
    let mut scenarios = scenarios_of(SMALL_WHATIF);
    scenarios.extend(sweep(&base, "closure"));
    scenarios.extend(sweep(&base, "fte=+0.5"));
    scenarios.extend(sweep(&base, "norm_per_fte=4:10:3"));
    check_equal_to_plan(&text, scenarios);
}

#[test]
fn scenario_figures_equal_a_separate_plan_of_the_changed_generated_instance() {
    for seed in [3, 11] {
        let text = common::generated(seed, 8, 5, 3);
        let base = base_of(&text);
        let mut scenarios = sweep(&base, "closure");
        scenarios.extend(sweep(&base, "fte=-0.5"));
        scenarios.extend(sweep(&base, "ceiling_ratio=0.8:1.2:0.2"));
        scenarios.extend(sweep(&base, "max_walk_m=1500,2000"));
        scenarios.extend(scenarios_of(
            r#"{"format":"spreiding/scenarios@1","scenarios":[{"name":"more","changes":[
                {"kind":"noni","area":"A2","delta":4},
                {"kind":"new_practice","id":"NEW","location":{"x":2000,"y":2000},"fte":1,"ceiling":9}]}]}"#,
        ));
        check_equal_to_plan(&text, scenarios);
    }
}

#[test]
fn closure_sweep_names_every_practice_not_already_closed_in_phase_1() {
    let text = text_of("enschede.json");
    let base = base_of(&text);
    let (scenarios, skipped) = sensitivity::generate(&Sweep::Closure, "closure", &base.instance);
    let open = (0..base.instance.practices.len())
        .filter(|&p| base.instance.closing_phase(p) != Some(1))
        .count();
    assert_eq!(scenarios.len(), open);
    assert_eq!(
        scenarios.len() + skipped.len(),
        base.instance.practices.len()
    );
    for (s, p) in scenarios.iter().zip(&base.instance.practices) {
        assert_eq!(s.name, format!("close:{}", p.id));
        assert_eq!(
            s.changes,
            vec![ScenarioChangeFile::Close {
                practice: p.id.clone(),
                phase: 1
            }]
        );
    }
    // closure.json's P1 already closes in phase 1: skipped, with the reason.
    let small = base_of(&text_of("small/closure.json"));
    let (scenarios, skipped) = sensitivity::generate(&Sweep::Closure, "closure", &small.instance);
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["close:P2", "close:P3"]);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].name, "close:P1");
}

/// One area of 5 patients, registered at the only practice within walking distance; the
/// other practice is 5 km away.
const TINY: &str = r#"{"format":"spreiding/instance@1","name":"tiny",
  "policy":{"norm_per_fte":10,"phases":3,"max_moves_per_phase":null,
            "max_intake_per_phase":null,"max_outflow_per_phase":null},
  "areas":[{"id":"A","district":"D","location":{"x":0,"y":0},"noni":0}],
  "practices":[{"id":"NEAR","district":"D","location":{"x":500,"y":0},"fte":1},
               {"id":"FAR","district":"D","location":{"x":5000,"y":0},"fte":1}],
  "registrations":[{"area":"A","practice":"NEAR","patients":5}]}"#;

#[test]
fn closing_the_only_nearby_practice_leaves_its_patients_waiting_every_phase() {
    let base = base_of(TINY);
    let prepared = prepare(&base, sweep(&base, "closure")).expect("apply");
    let report = sensitivity::run(&base, &prepared, Vec::new(), &options(), &|_| {}).expect("run");
    assert_eq!(report.baseline.figures.waiting_end, 0);
    let near = &report.scenarios[0];
    assert_eq!(
        near.name, "close:NEAR",
        "the most harmful scenario comes first"
    );
    assert_eq!(near.figures.waiting_end, 5);
    assert_eq!(near.figures.waiting_phase_sum, 15);
    assert_eq!(near.delta.waiting_phase_sum, 15);
    assert_eq!(near.figures.moves, 0);
    assert_eq!(near.impact.phases_waiting_above_baseline, 3);
    assert_eq!(near.impact.areas.len(), 1);
    assert_eq!(near.impact.areas[0].area, "A");
    assert_eq!(near.impact.areas[0].extra_waiting_phase_sum, 15);
    // 3 phases × 5 waiting × 1000, minus the walk the baseline paid (5 × 0.65 km × 0.1 × 3).
    assert!((near.delta.objective - (15_000.0 - 0.975)).abs() < 1e-9);
    let far = &report.scenarios[1];
    assert_eq!(far.name, "close:FAR");
    assert_eq!(far.delta.objective, 0.0);
}

fn spreiding(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .args(args)
        .output()
        .expect("run spreiding")
}

/// A fresh directory for one test's files, removed when the test ends (also when it fails).
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("spreiding-sens-{name}-"))
        .tempdir()
        .unwrap()
}

#[test]
fn invalid_scenario_files_exit_2_with_every_problem_and_its_path() {
    let tmp = temp_dir("invalid");
    let dir = tmp.path();
    let instance = format!(
        "{}/instances/small/closure.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let out_json = dir.join("out.json");
    let out_csv = dir.join("out.csv");
    let check = |scenarios: &str, expected: &[&str]| {
        let file = dir.join("scenarios.json");
        std::fs::write(&file, scenarios).unwrap();
        let out = spreiding(&[
            "sensitivity",
            &instance,
            "--scenarios",
            file.to_str().unwrap(),
            "-o",
            out_json.to_str().unwrap(),
            "--csv",
            out_csv.to_str().unwrap(),
            "--write-instances",
            dir.join("inst").to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for e in expected {
            assert!(stderr.contains(e), "expected {e:?} in: {stderr}");
        }
        assert!(!stderr.contains("panicked"));
        assert!(!out_json.exists() && !out_csv.exists() && !dir.join("inst").exists());
    };
    // Structure: every problem of every scenario at once.
    check(
        r#"{"format":"spreiding/scenarios@1","scenarios":[
            {"name":"a","changes":[{"kind":"shut","practice":"P2"},
                                   {"kind":"fte","practice":"P2","fte":-1},
                                   {"kind":"close","practice":"P2","phse":2}]},
            {"name":"b","changes":[{"kind":"noni","area":"A1","delta":1.5},
                                   {"kind":"ceiling","practice":"P2"}]},
            {"changes":[]}]}"#,
        &[
            "scenarios[0].changes[0].kind: unknown kind \"shut\"",
            "[unknown_kind]",
            "scenarios[0].changes[1].fte: must be > 0",
            "scenarios[0].changes[2].phse",
            "[unknown_field]",
            "scenarios[1].changes[0].delta",
            "[not_integer]",
            "scenarios[1].changes[1].ceiling: missing",
            "scenarios[2].name: missing",
        ],
    );
    // Against the instance: references, phases, results, names.
    check(
        r#"{"format":"spreiding/scenarios@1","scenarios":[
            {"name":"x","changes":[{"kind":"close","practice":"P9"},
                                   {"kind":"ceiling","practice":"P2","phase":3,"ceiling":4}]},
            {"name":"x","changes":[{"kind":"noni","area":"A1","delta":-1}]},
            {"name":"y","changes":[{"kind":"new_practice","id":"P2","location":{"lat":52,"lon":6},"fte":1}]},
            {"name":"baseline","changes":[{"kind":"fte","practice":"P2","delta":-1}]}]}"#,
        &[
            "scenarios[0].changes[0].practice: no practice has id \"P9\" [unknown_practice]",
            "scenarios[0].changes[1].phase: must be a phase 1..=2, got 3 [phase_out_of_range]",
            "scenarios[1].name",
            "[duplicate_name]",
            "scenarios[1].changes[0].delta",
            "[noni_negative]",
            "scenarios[2].changes[0].id",
            "[duplicate_id]",
            "scenarios[2].changes[0].location",
            "[mixed_coordinates]",
            "scenarios[3].name",
            "[reserved_name]",
            "scenarios[3].changes[0].delta",
            "[fte_not_positive]",
        ],
    );
    check(
        r#"{"format":"spreiding/plan@1"}"#,
        &["format: must be", "[wrong_format]"],
    );
    check("{\"format\": ", &["invalid JSON at line 1"]);
    // Bad sweeps and no work at all are usage errors too; a sweep's problem has its code.
    for (args, expected) in [
        (
            vec![
                "sensitivity",
                instance.as_str(),
                "--sweep",
                "norm_per_fte=1:x:1",
            ],
            "error: --sweep norm_per_fte=1:x:1: \"x\" is not a number [sweep_not_a_number]",
        ),
        (
            vec!["sensitivity", instance.as_str(), "--sweep", "closures"],
            "error: --sweep unknown sweep \"closures\"; use closure, fte=DELTA, or one of",
        ),
        (
            vec!["sensitivity", instance.as_str(), "--sweep", "fte=0"],
            "error: --sweep fte=0: the fte delta must not be 0 [sweep_out_of_range]",
        ),
        (
            vec!["sensitivity", instance.as_str()],
            "error: nothing to run",
        ),
    ] {
        let out = spreiding(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn two_runs_give_the_same_bytes() {
    let tmp = temp_dir("determinism");
    let dir = tmp.path();
    let instance = format!(
        "{}/instances/small/out_of_district.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut outputs = Vec::new();
    for run in 0..2 {
        let json = dir.join(format!("run{run}.json"));
        let csv = dir.join(format!("run{run}.csv"));
        let out = spreiding(&[
            "sensitivity",
            &instance,
            "--sweep",
            "closure",
            "--sweep",
            "fte=+0.5",
            "--sweep",
            "ceiling_ratio=0.9:1.3:0.1",
            "-o",
            json.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((std::fs::read(&json).unwrap(), std::fs::read(&csv).unwrap()));
    }
    assert_eq!(outputs[0], outputs[1]);
    let report: Value = serde_json::from_slice(&outputs[0].0).unwrap();
    assert_eq!(report["format"], "spreiding/sensitivity@1");
    assert!(report["shadow_prices"]["places"].is_array());
}

/// The LP optimum (objective offset included) of `instance` with `edit` applied to the
/// formulation, or None if the LP is not solved to optimality.
fn lp_optimum(instance: &Instance, edit: impl Fn(&mut Formulation)) -> Option<f64> {
    let distances = Distances::compute(instance);
    let mut f = Formulation::build(instance, &distances);
    edit(&mut f);
    let idle = f.idle_solution(instance);
    let solved = lp::solve(instance, &f, idle, &options()).ok()?;
    solved.lp_row_duals.as_ref()?;
    Some(solved.bound)
}

/// f is convex in the right-hand side, and a shadow price y is a subgradient:
/// f(b + 1) − f(b) ≥ y ≥ f(b) − f(b − 1).
fn assert_subgradient(name: &str, y: f64, up: Option<f64>, at: f64, down: Option<f64>) {
    let tol = 1e-6 * at.abs().max(1.0);
    if let Some(up) = up {
        assert!(
            up - at >= y - tol,
            "{name}: f(b+1) − f(b) = {} < {y}",
            up - at
        );
    }
    if let Some(down) = down {
        assert!(
            at - down <= y + tol,
            "{name}: f(b) − f(b−1) = {} > {y}",
            at - down
        );
    }
}

#[test]
fn shadow_prices_match_perturbed_lp_optima() {
    let mut exact = 0;
    for path in [
        "small/growth.json",
        "small/care_weights.json",
        "small/transfer_limits.json",
    ] {
        let text = text_of(path);
        let base = base_of(&text);
        let at = lp_optimum(&base.instance, |_| {}).expect("lp");
        let detailed =
            planner::plan_detailed(&base.instance, base.distances(), &options()).expect("plan");
        let duals = detailed.lp_row_duals.expect("duals");
        let prices =
            sensitivity::shadow::shadow_prices(&base.instance, &detailed.row_kinds, &duals);
        // One more place: the load row's right-hand side + 1 (value = objective decrease).
        for place in &prices.places {
            let p = base
                .instance
                .practices
                .iter()
                .position(|q| q.id == place.practice)
                .unwrap();
            let row = detailed
                .row_kinds
                .iter()
                .position(|k| {
                    *k == lp::formulation::RowKind::Load {
                        practice: p,
                        phase: place.phase as usize,
                    }
                })
                .unwrap();
            let shifted = |d: f64| lp_optimum(&base.instance, |f| f.rows[row].rhs += d);
            let (up, down) = (shifted(1.0), shifted(-1.0));
            let name = format!("{path} place {} {}", place.practice, place.phase);
            assert_subgradient(&name, -place.value, up, at, down);
            if let (Some(up), Some(down)) = (up, down)
                && ((at - up) - place.value).abs() < 1e-6
                && ((down - at) - place.value).abs() < 1e-6
            {
                exact += 1;
            }
        }
        // One more NONI, through a scenario change (the whole pipeline).
        for n in &prices.noni {
            let noni = |delta: i64| {
                let s = Scenario {
                    name: "n".into(),
                    path: "test".into(),
                    changes: vec![ScenarioChangeFile::Noni {
                        area: n.area.clone(),
                        delta,
                    }],
                };
                let (_, instance) = sensitivity::apply::apply(&base.file, &s).ok()?;
                lp_optimum(&instance, |_| {})
            };
            let name = format!("{path} noni {}", n.area);
            assert_subgradient(&name, n.cost, noni(1), at, noni(-1));
        }
    }
    assert!(
        exact > 0,
        "some shadow price equals both one-sided differences"
    );
}

#[test]
fn growth_values_a_place_at_the_growing_practice_in_phase_2_at_a_registration() {
    // growth.json: in phase 2 P1 is full and 2 NONIs wait; one more place registers one of
    // them a phase earlier: 1000 saved, minus 0.05 walking for that phase.
    let base = base_of(&text_of("small/growth.json"));
    let detailed =
        planner::plan_detailed(&base.instance, base.distances(), &options()).expect("plan");
    let prices = sensitivity::shadow::shadow_prices(
        &base.instance,
        &detailed.row_kinds,
        &detailed.lp_row_duals.expect("duals"),
    );
    let p1_2 = prices
        .places
        .iter()
        .find(|p| p.practice == "P1" && p.phase == 2)
        .unwrap();
    assert!((p1_2.value - 999.95).abs() < 1e-6, "{p1_2:?}");
}

#[test]
fn sweep_specs_parse_with_an_inclusive_end() {
    let Sweep::Policy(_, values) = parse_sweep("norm_per_fte=1800:2095:50").unwrap() else {
        panic!()
    };
    assert_eq!(
        values,
        [1800.0, 1850.0, 1900.0, 1950.0, 2000.0, 2050.0, 2095.0]
    );
    let Sweep::Policy(_, values) = parse_sweep("ceiling_ratio=1.0:1.2:0.05").unwrap() else {
        panic!()
    };
    assert_eq!(values, [1.0, 1.05, 1.1, 1.15, 1.2]);
    let Sweep::Policy(_, values) = parse_sweep("max_walk_m=1000:3000:500").unwrap() else {
        panic!()
    };
    assert_eq!(values, [1000.0, 1500.0, 2000.0, 2500.0, 3000.0]);
    assert_eq!(parse_sweep("closure"), Ok(Sweep::Closure));
    assert_eq!(parse_sweep("fte=+0.5"), Ok(Sweep::Fte(0.5)));
    assert_eq!(parse_sweep("fte=-0.5"), Ok(Sweep::Fte(-0.5)));
    assert!(matches!(
        parse_sweep("max_intake_per_phase=100,150"),
        Ok(Sweep::Policy(_, v)) if v == [100.0, 150.0]
    ));
    for bad in [
        "closures",
        "fte=0",
        "fte=x",
        "norm_per_fte=0:100:10",
        "norm_per_fte=2000:1800:50",
        "norm_per_fte=1800:2095:0",
        "norm_per_fte=1800:2095",
        "ceiling_ratio=-1",
        "max_walk_m=1:1000000000:1",
        "max_intake_per_phase=1.5",
        "phases=3",
        "",
    ] {
        assert!(parse_sweep(bad).is_err(), "{bad:?} must be rejected");
    }
}

#[test]
fn fte_sweep_skips_practices_whose_fte_would_not_stay_positive() {
    let base = base_of(&text_of("small/growth.json"));
    // P2 has fte 0.625, P1 1.25 (then 1.75, 2.0).
    let (scenarios, skipped) =
        sensitivity::generate(&parse_sweep("fte=-1").unwrap(), "fte=-1", &base.instance);
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fte:P1"]);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].name, "fte:P2");
    // The delta reaches every later fte change: 0.25, 0.75, 1.0.
    let prepared = prepare(&base, scenarios).expect("apply");
    let i = &prepared[0].instance;
    assert_eq!(
        (1..=3).map(|t| i.fte(0, t)).collect::<Vec<_>>(),
        [0.25, 0.75, 1.0]
    );
}

#[test]
fn every_example_scenario_file_applies_to_its_instance() {
    let dir = format!("{}/instances/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // <instance>-<anything>.json applies to instances/<instance>.json.
        let instance = name.split('-').next().unwrap();
        let base = base_of(&text_of(&format!("{instance}.json")));
        let scenarios = scenarios_of(&std::fs::read_to_string(&path).unwrap());
        let prepared = prepare(&base, scenarios).unwrap_or_else(|p| panic!("{name}: {p:#?}"));
        assert!(!prepared.is_empty());
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn a_new_practice_opening_later_has_no_room_before_it_opens() {
    let base = base_of(TINY);
    let scenarios = scenarios_of(
        r#"{"format":"spreiding/scenarios@1","scenarios":[{"name":"n","changes":[
            {"kind":"new_practice","id":"NEW","location":{"x":0,"y":100},"fte":0.5,"phase":2},
            {"kind":"norm_per_fte","value":8}]}]}"#,
    );
    let prepared = prepare(&base, scenarios).expect("apply");
    let i = &prepared[0].instance;
    let new = i.practices.iter().position(|p| p.id == "NEW").unwrap();
    // Ceiling 0 in phase 1, then fte × the scenario's norm × ratio = 0.5 × 8 × 1.
    assert_eq!(
        (1..=3).map(|t| i.ceiling(new, t)).collect::<Vec<_>>(),
        [0.0, 4.0, 4.0]
    );
    assert!(i.receives(new));
}

#[test]
fn one_thread_gives_the_same_report_as_every_core() {
    let base = base_of(&text_of("small/out_of_district.json"));
    let mut scenarios = sweep(&base, "closure");
    scenarios.extend(sweep(&base, "fte=+0.5"));
    scenarios.extend(sweep(&base, "ceiling_ratio=0.8:1.2:0.2"));
    let prepared = prepare(&base, scenarios).expect("apply");
    let all = sensitivity::run(&base, &prepared, Vec::new(), &options(), &|_| {}).expect("run");
    let solved = std::sync::Mutex::new(Vec::new());
    let one = sensitivity::run_with(
        &base,
        &prepared,
        Vec::new(),
        &options(),
        sensitivity::Threads::Calling,
        &|name| solved.lock().unwrap().push(name.to_string()),
        &|| false,
    )
    .expect("run");
    assert_eq!(one, all);
    // On the calling thread: the baseline, then the scenarios in input order.
    let mut expected = vec!["baseline".to_string()];
    expected.extend(prepared.iter().map(|p| p.scenario.name.clone()));
    assert_eq!(solved.into_inner().unwrap(), expected);
}

#[test]
fn a_run_told_to_stop_starts_no_further_solve() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let base = base_of(&text_of("small/out_of_district.json"));
    let prepared = prepare(&base, sweep(&base, "closure")).expect("apply");
    assert_eq!(prepared.len(), 2);
    // (threads, solves after which `stop` says true, solves expected)
    for (threads, stop_after, expected) in [
        (sensitivity::Threads::Calling, 1, 1),
        (sensitivity::Threads::Calling, 0, 0),
        (sensitivity::Threads::AllCores, 0, 0),
    ] {
        let solves = AtomicUsize::new(0);
        let count = |_: &str| {
            solves.fetch_add(1, Ordering::SeqCst);
        };
        let stop = || solves.load(Ordering::SeqCst) >= stop_after;
        let result = sensitivity::run_with(
            &base,
            &prepared,
            Vec::new(),
            &options(),
            threads,
            &count,
            &stop,
        );
        assert!(
            matches!(result, Err(sensitivity::RunError::Stopped)),
            "{threads:?}: {result:?}"
        );
        assert_eq!(solves.into_inner(), expected, "{threads:?}");
    }
}
