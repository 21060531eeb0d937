//! Experiment: turn a HiGHS solution file of the states-form MPS (written by
//! `lp_options` with MPS=) into a plan JSON, to verify and compare it.
//! `cargo run --release --example sol_plan -- INSTANCE SOLUTION OUT`
use spreiding::geo::Distances;
use spreiding::lp::Formulation;
use spreiding::plan::{self, SolveSummary};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(&args[0]).unwrap();
    let instance = spreiding::validate::parse_instance(&text).unwrap();
    let d = Distances::compute(&instance);
    let f = Formulation::build(&instance, &d);
    let sol = std::fs::read_to_string(&args[1]).unwrap();
    let mut values = vec![0.0; f.columns.len()];
    let mut in_cols = false;
    for line in sol.lines() {
        if line.starts_with("# Columns") {
            in_cols = true;
            continue;
        }
        if in_cols {
            if line.starts_with('#') {
                break;
            }
            let mut it = line.split_whitespace();
            let (Some(name), Some(v)) = (it.next(), it.next()) else {
                break;
            };
            let Some(i) = name.strip_prefix('c').and_then(|s| s.parse::<usize>().ok()) else {
                continue;
            };
            values[i] = v.parse::<f64>().unwrap();
        }
    }
    for (v, c) in values.iter_mut().zip(&f.columns) {
        if c.integer {
            *v = v.round();
        }
    }
    let phases = plan::flows(&instance, &f, &values).unwrap();
    let summary = SolveSummary {
        bound: 0.0,
        gap_tolerance: 1e-4,
        method: "mip".into(),
        size: (0, 0, 0),
    };
    let p = plan::build(&instance, &d, &phases, &summary);
    std::fs::write(&args[2], serde_json::to_string_pretty(&p).unwrap()).unwrap();
}
