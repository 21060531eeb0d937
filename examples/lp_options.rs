//! Experiment: solve the LP relaxation of an instance with extra HiGHS options and time it.
//! `cargo run --release --example lp_options -- INSTANCE [option=value ...]`
use std::time::Instant;

use highs::{RowProblem, Sense as HSense};
use spreiding::geo::Distances;
use spreiding::lp::Formulation;
use spreiding::lp::formulation::Sense;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(&args[0]).unwrap();
    let instance = spreiding::validate::parse_instance(&text).unwrap();
    let t0 = Instant::now();
    let d = Distances::compute(&instance);
    let mut f = Formulation::build(&instance, &d);
    if std::env::var_os("BALANCED").is_some() {
        f = f.weight_balanced(&instance);
    }
    let t1 = Instant::now();
    let mut p = RowProblem::default();
    let cols: Vec<_> = f
        .columns
        .iter()
        .map(|c| p.add_column(c.cost, c.lower..c.upper))
        .collect();
    for r in &f.rows {
        let terms: Vec<_> = r.terms.iter().map(|&(c, k)| (cols[c], k)).collect();
        match r.sense {
            Sense::Le => p.add_row(..=r.rhs, terms),
            Sense::Eq => p.add_row(r.rhs..=r.rhs, terms),
        }
    }
    let mut m = p.optimise(HSense::Minimise);
    m.set_option("threads", 1);
    m.set_option("output_flag", std::env::var_os("LOG").is_some());
    for kv in &args[1..] {
        let (k, v) = kv.split_once('=').unwrap();
        if let Ok(i) = v.parse::<i32>() {
            m.set_option(k, i);
        } else if let Ok(x) = v.parse::<f64>() {
            m.set_option(k, x);
        } else if v == "true" || v == "false" {
            m.set_option(k, v == "true");
        } else {
            m.set_option(k, v);
        }
    }
    let t2 = Instant::now();
    let s = m.solve();
    let t3 = Instant::now();
    let sol = s.get_solution();
    let v = sol.columns();
    let sum =
        |ix: &mut dyn Iterator<Item = usize>| ix.map(|c| f.columns[c].cost * v[c]).sum::<f64>();
    let wait = sum(&mut f.waiting.iter().flatten().copied());
    let exc = sum(&mut f.excess.iter().flatten().flatten().copied());
    let frac = v
        .iter()
        .zip(&f.columns)
        .filter(|(x, c)| c.integer && (**x - x.round()).abs() > 1e-6)
        .count();
    for t in 0..instance.phases() {
        let w: f64 = f.waiting.iter().map(|c| v[c[t]]).sum();
        let wc: f64 = f
            .waiting
            .iter()
            .map(|c| (v[c[t]] - 1e-6).ceil().max(0.0))
            .sum();
        println!("phase {} LP waiting {w:.2} (sum of ceilings {wc})", t + 1);
    }
    println!(
        "LP terms: waiting {wait:.1} excess {exc:.1} rest {:.1}; fractional integer columns {frac}",
        s.objective_value() + f.objective_offset - wait - exc
    );
    println!(
        "cols {} rows {} nnz {} | build {:.2}s load {:.2}s solve {:.2}s | status {:?} obj {:.3} simplex it {} ipm it {}",
        f.columns.len(),
        f.rows.len(),
        f.rows.iter().map(|r| r.terms.len()).sum::<usize>(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64(),
        s.status(),
        s.objective_value() + f.objective_offset,
        s.simplex_iteration_count(),
        s.ipm_iteration_count()
    );
}
