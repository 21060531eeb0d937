//! The binary as a user runs it: exit codes, messages with paths, atomic outputs.

use std::path::Path;
use std::process::{Command, Output};

fn spreiding(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .args(args)
        .output()
        .expect("run spreiding")
}

fn instance_path(name: &str) -> String {
    format!("{}/instances/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory for one test's files, removed when the test ends (also when it fails).
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("spreiding-cli-{name}-"))
        .tempdir()
        .unwrap()
}

/// Writes `json` as an instance, runs `plan` on it and checks exit 2, the message, and that
/// no output file appeared.
fn check_rejected(json: &str, expected: &[&str]) {
    let tmp = temp_dir(&format!("bad{}", json.len()));
    let dir = tmp.path();
    let input = dir.join("instance.json");
    std::fs::write(&input, json).unwrap();
    let plan = dir.join("plan.json");
    let out = spreiding(&[
        "plan",
        input.to_str().unwrap(),
        "-o",
        plan.to_str().unwrap(),
        "--csv",
        dir.join("csv").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in: {stderr}");
    }
    assert!(!plan.exists(), "a rejected instance must not leave a plan");
    assert!(!dir.join("csv").exists());
    assert!(!stderr.contains("panicked"));
}

#[test]
fn bad_instances_exit_2_with_every_problem_and_its_path() {
    check_rejected("{\"format\": ", &["line 1"]);
    check_rejected("[]", &["wrong_type"]);
    check_rejected(
        r#"{"format":"spreiding/instance@1","areas":[{"id":"A","location":{"x":0,"y":0}}],
            "practices":[{"id":"P","location":{"x":0,"y":0},"fte":-1}],
            "registrations":[{"area":"A","practice":"Q","patients":1.5}]}"#,
        &[
            "practices[0].fte",
            "registrations[0].practice",
            "registrations[0].patients",
        ],
    );
    check_rejected(
        r#"{"format":"spreiding/instance@1","areas":[{"id":"A","location":{"lat":52.2,"lon":6.9}}],
            "practices":[{"id":"P","location":{"x":0,"y":0},"fte":1}],"typo":1}"#,
        &["mixed_coordinates", "unknown_field"],
    );
}

#[test]
fn validate_accepts_the_example_and_rejects_a_missing_file() {
    let ok = spreiding(&["validate", &instance_path("enschede.json")]);
    assert_eq!(ok.status.code(), Some(0));
    let missing = spreiding(&["validate", "/nonexistent/instance.json"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(spreiding(&["plan"]).status.code(), Some(2));
    assert_eq!(spreiding(&["frobnicate"]).status.code(), Some(2));
    let bad_gap = spreiding(&["plan", &instance_path("small/closure.json"), "--gap", "-1"]);
    assert_eq!(bad_gap.status.code(), Some(2));
}

#[test]
fn plan_writes_json_and_csv_that_verify() {
    let tmp = temp_dir("plan");
    let dir = tmp.path();
    let plan = dir.join("plan.json");
    let csv = dir.join("csv");
    let instance = instance_path("small/transfer_limits.json");
    let out = spreiding(&[
        "plan",
        &instance,
        "-o",
        plan.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("phase 1") && summary.contains("without a GP"));
    for (name, header) in [
        ("moves.csv", "phase,label,area,from,to,patients"),
        ("registrations.csv", "phase,label,area,practice,patients"),
        ("loads.csv", "phase,label,practice,load,ceiling"),
        ("waiting.csv", "phase,label,area,patients"),
    ] {
        let text = std::fs::read_to_string(csv.join(name)).unwrap();
        assert_eq!(text.lines().next(), Some(header), "{name}");
    }
    let registrations = std::fs::read_to_string(csv.join("registrations.csv")).unwrap();
    assert!(registrations.lines().count() > 1);
    let verified = spreiding(&["verify", &instance, plan.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(0));
}

#[test]
fn verify_rejects_a_tampered_plan_with_exit_1() {
    let tmp = temp_dir("tamper");
    let dir = tmp.path();
    let plan = dir.join("plan.json");
    let instance = instance_path("small/closure.json");
    let out = spreiding(&["plan", &instance, "-o", plan.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&plan).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["phases"][0]["registrations"][0]["patients"] = serde_json::json!(99);
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, json.to_string()).unwrap();
    let verified = spreiding(&["verify", &instance, tampered.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(1));
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "not json").unwrap();
    assert_eq!(
        spreiding(&["verify", &instance, garbage.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn stdout_plan_equals_file_plan() {
    let tmp = temp_dir("stdout");
    let dir = tmp.path();
    let plan = dir.join("plan.json");
    let instance = instance_path("small/growth.json");
    let to_file = spreiding(&["plan", &instance, "-o", plan.to_str().unwrap(), "-q"]);
    assert_eq!(to_file.status.code(), Some(0));
    let to_stdout = spreiding(&["plan", &instance, "-q"]);
    assert_eq!(std::fs::read(Path::new(&plan)).unwrap(), to_stdout.stdout);
    // `-o -` is standard output too (as for `sensitivity`), not a file named "-".
    let dash = Command::new(env!("CARGO_BIN_EXE_spreiding"))
        .current_dir(dir)
        .args(["plan", &instance, "-o", "-", "-q"])
        .output()
        .expect("run spreiding");
    assert_eq!(dash.status.code(), Some(0));
    assert_eq!(dash.stdout, to_stdout.stdout);
    assert!(!dir.join("-").exists());
}
