//! Experiment: solve the LP relaxation of an instance with extra HiGHS options and time it.
//! `cargo run --release --example lp_options -- INSTANCE [option=value ...]`
//!
//! Environment: `STATES=1` solves the formulation as written (states and monotone rows)
//! instead of in increments as the planner does; `BALANCED=1` the weight-balanced copy;
//! `LOG=1` shows HiGHS's log; `MPS=path` writes the model as free MPS instead of solving
//! (`INT=1` marks the integer columns), to run other solvers on it.
use std::time::Instant;

use highs::{RowProblem, Sense as HSense};
use spreiding::geo::Distances;
use spreiding::lp::Formulation;
use spreiding::lp::formulation::Sense;
use spreiding::lp::increments::Increments;

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
    if let Some(path) = std::env::var_os("MPS") {
        write_mps(&f, std::path::Path::new(&path));
        return;
    }
    // As the planner solves it (increments), unless STATES=1.
    let incremental = !std::env::var("STATES").is_ok_and(|v| v == "1");
    if incremental {
        let inc = Increments::new(&f);
        f.columns = inc.columns;
        f.rows = inc.rows;
        f.objective_offset = inc.offset;
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
    if incremental {
        println!(
            "increments: cols {} rows {} nnz {} | solve {:.2}s | status {:?} obj {:.3} simplex it {} ipm it {}",
            f.columns.len(),
            f.rows.len(),
            f.rows.iter().map(|r| r.terms.len()).sum::<usize>(),
            (t3 - t2).as_secs_f64(),
            s.status(),
            s.objective_value() + f.objective_offset,
            s.simplex_iteration_count(),
            s.ipm_iteration_count()
        );
        return;
    }
    let sol = s.get_solution();
    let v = sol.columns();
    if let Some(path) = std::env::var_os("DUMP") {
        // LP states per pair: [area, practice, "o"|"d", [value per phase]].
        let mut out = Vec::new();
        for o in &f.origins {
            let vals: Vec<f64> = o.remain.iter().map(|&c| v[c]).collect();
            out.push(format!("[{}, {}, \"o\", {:?}]", o.area, o.practice, vals));
        }
        for d in &f.destinations {
            let vals: Vec<f64> = d.joined.iter().map(|&c| v[c]).collect();
            out.push(format!("[{}, {}, \"d\", {:?}]", d.area, d.practice, vals));
        }
        std::fs::write(path, format!("[{}]", out.join(",\n"))).unwrap();
    }
    let sum =
        |ix: &mut dyn Iterator<Item = usize>| ix.map(|c| f.columns[c].cost * v[c]).sum::<f64>();
    let wait = sum(&mut f.waiting.iter().flatten().copied());
    let exc = sum(&mut f.excess.iter().flatten().flatten().copied());
    let frac = v
        .iter()
        .zip(&f.columns)
        .filter(|(x, c)| c.integer && (**x - x.round()).abs() > 1e-6)
        .count();
    let moving = f
        .origins
        .iter()
        .filter(|o| {
            let last = o.remain.last().map_or(0.0, |&c| v[c]);
            last < o.patients as f64 - 1e-6
        })
        .count();
    let used = f
        .destinations
        .iter()
        .filter(|d| v[*d.joined.last().unwrap()] > 1e-6)
        .count();
    println!(
        "origin pairs moving {moving}/{}; destination pairs used {used}/{}",
        f.origins.len(),
        f.destinations.len()
    );
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

/// Free MPS of the LP relaxation, for running other solvers on the same model.
fn write_mps(f: &Formulation, path: &std::path::Path) {
    use std::fmt::Write as _;
    let mut by_col: Vec<Vec<(usize, f64)>> = vec![Vec::new(); f.columns.len()];
    for (r, row) in f.rows.iter().enumerate() {
        for &(c, k) in &row.terms {
            by_col[c].push((r, k));
        }
    }
    let mut s = String::from("NAME spreiding\nROWS\n N obj\n");
    for (r, row) in f.rows.iter().enumerate() {
        let t = if row.sense == Sense::Le { "L" } else { "E" };
        writeln!(s, " {t} r{r}").unwrap();
    }
    s.push_str("COLUMNS\n");
    let integer = std::env::var_os("INT").is_some();
    for (c, col) in f.columns.iter().enumerate() {
        let marked = integer && col.integer;
        if marked {
            s.push_str(" MARKER 'MARKER' 'INTORG'\n");
        }
        if col.cost != 0.0 {
            writeln!(s, " c{c} obj {}", col.cost).unwrap();
        }
        for &(r, k) in &by_col[c] {
            writeln!(s, " c{c} r{r} {k}").unwrap();
        }
        if marked {
            s.push_str(" MARKER 'MARKER' 'INTEND'\n");
        }
    }
    s.push_str("RHS\n");
    for (r, row) in f.rows.iter().enumerate() {
        if row.rhs != 0.0 {
            writeln!(s, " rhs r{r} {}", row.rhs).unwrap();
        }
    }
    s.push_str("BOUNDS\n");
    for (c, col) in f.columns.iter().enumerate() {
        if col.upper.is_finite() {
            writeln!(s, " UP bnd c{c} {}", col.upper).unwrap();
        } else if integer && col.integer {
            // MPS readers take marked integer columns without bounds as binary.
            writeln!(s, " PL bnd c{c}").unwrap();
        }
    }
    s.push_str("ENDATA\n");
    std::fs::write(path, s).unwrap();
}
