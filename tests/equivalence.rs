//! The compact formulation has the same optimum as MODEL.md's literal model.
//!
//! The literal model is written here straight from MODEL.md: one integer per
//! (area, from, to, phase) move, per (area, practice, phase) registration and per closing
//! orphan, with cumulative sums. Both are solved to proven optimality (gap 0) on small
//! generated instances and their optima compared.

// Index loops mirror MODEL.md's sums on purpose.
#![allow(clippy::needless_range_loop, clippy::collapsible_if)]

mod common;

use std::time::Duration;

use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
use spreiding::geo::Distances;
use spreiding::lp::SolveOptions;
use spreiding::model::Instance;
use spreiding::{planner, validate};

/// Optimum of the literal model of MODEL.md.
fn literal_optimum(inst: &Instance) -> f64 {
    let d = Distances::compute(inst);
    let (na, np, nt) = (inst.areas.len(), inst.practices.len(), inst.phases());
    let w = inst.policy.weights;
    let r = |a: usize, p: usize| -> f64 {
        inst.registrations
            .iter()
            .filter(|x| x.area == a && x.practice == p)
            .map(|x| x.patients as f64)
            .sum()
    };
    let eligible = |a: usize, q: usize| {
        d.walk_m(a, q) <= inst.policy.max_walk_m
            && inst.practices[q].accepting
            && inst.closing_phase(q).is_none()
    };
    let mut vars = ProblemVariables::new();
    let int = || variable().integer().min(0);
    // m[a][p][q][t], y[a][q][t], o[a][p]
    let mut m = vec![vec![vec![vec![None; nt]; np]; np]; na];
    let mut y = vec![vec![vec![None; nt]; np]; na];
    let mut o = vec![vec![None; np]; na];
    for a in 0..na {
        for p in 0..np {
            if r(a, p) > 0.0 {
                for q in (0..np).filter(|&q| q != p && eligible(a, q)) {
                    for t in 0..nt {
                        m[a][p][q][t] = Some(vars.add(int()));
                    }
                }
                if inst.closing_phase(p).is_some() {
                    o[a][p] = Some(vars.add(int()));
                }
            }
        }
        for q in (0..np).filter(|&q| eligible(a, q)) {
            for t in 0..nt {
                y[a][q][t] = Some(vars.add(int()));
            }
        }
    }
    let excess: Vec<Vec<Variable>> = (0..np)
        .map(|_| (0..nt).map(|_| vars.add(variable().min(0))).collect())
        .collect();
    // Expressions of MODEL.md's derived quantities (t is 1-based in MODEL.md, 0-based here).
    let remain = |a: usize, p: usize, t: usize| -> Expression {
        let mut e = Expression::from(r(a, p));
        for tau in 0..=t {
            for q in 0..np {
                if let Some(v) = m[a][p][q][tau] {
                    e -= v;
                }
            }
            if let (Some(v), true) = (o[a][p], inst.closing_phase(p) == Some(tau + 1)) {
                e -= v;
            }
        }
        e
    };
    let n = |a: usize, p: usize, t: usize| -> Expression {
        let mut e = remain(a, p, t);
        for tau in 0..=t {
            for rr in 0..np {
                if let Some(v) = m[a][rr][p][tau] {
                    e += v;
                }
            }
            if let Some(v) = y[a][p][tau] {
                e += v;
            }
        }
        e
    };
    let waiting = |a: usize, t: usize| -> Expression {
        let mut e = Expression::from(inst.areas[a].noni as f64);
        for p in 0..np {
            if let (Some(v), Some(k)) = (o[a][p], inst.closing_phase(p)) {
                if k <= t + 1 {
                    e += v;
                }
            }
        }
        for tau in 0..=t {
            for q in 0..np {
                if let Some(v) = y[a][q][tau] {
                    e -= v;
                }
            }
        }
        e
    };
    let l0 = inst.initial_loads();
    let mut objective = Expression::from(0.0);
    let mut constraints = Vec::new();
    for t in 0..nt {
        for a in 0..na {
            objective += w.waiting * waiting(a, t);
            constraints.push(waiting(a, t).geq(0.0));
            for p in 0..np {
                let stay = if inst.areas[a].district != inst.practices[p].district {
                    w.out_of_district
                } else {
                    0.0
                } + w.walk_km * d.walk_m(a, p) / 1000.0;
                objective += stay * n(a, p, t);
                constraints.push(remain(a, p, t).geq(0.0));
                if inst.closing_phase(p).is_some_and(|k| k <= t + 1) {
                    constraints.push(remain(a, p, t).eq(0.0));
                }
            }
        }
        let mut all_moves = Expression::from(0.0);
        for p in 0..np {
            let mut load = Expression::from(0.0);
            let (mut intake, mut outflow) = (Expression::from(0.0), Expression::from(0.0));
            for a in 0..na {
                load += inst.areas[a].care_weight * n(a, p, t);
                for q in 0..np {
                    if let Some(v) = m[a][q][p][t] {
                        intake += v;
                        all_moves += v;
                    }
                    if let Some(v) = m[a][p][q][t] {
                        outflow += v;
                    }
                }
                if let Some(v) = y[a][p][t] {
                    intake += v;
                    all_moves += v;
                }
            }
            let c = inst.ceiling(p, t + 1);
            let u = if inst.closing_phase(p).is_some_and(|k| k <= t + 1) {
                0.0
            } else {
                c.max(l0[p])
            };
            constraints.push(load.clone().leq(u));
            constraints.push((load - excess[p][t]).leq(c));
            objective += w.excess * excess[p][t];
            if let Some(limit) = inst.intake_limit(p) {
                constraints.push(intake.leq(limit as f64));
            }
            if let Some(limit) = inst.outflow_limit(p) {
                constraints.push(outflow.leq(limit as f64));
            }
        }
        if let Some(g) = inst.policy.max_moves_per_phase {
            constraints.push(all_moves.leq(g as f64));
        }
    }
    for v in m.iter().flatten().flatten().flatten().flatten() {
        objective += w.moves * *v;
    }
    let mut problem = vars
        .minimise(objective.clone())
        .using(highs)
        .set_mip_rel_gap(0.0)
        .unwrap()
        .set_threads(1);
    for c in constraints {
        problem.add_constraint(c);
    }
    let solution = problem.solve().expect("literal model solves");
    solution.eval(&objective)
}

#[test]
fn compact_model_has_the_literal_models_optimum() {
    for seed in 0..24 {
        let text = common::generated(seed, 5, 4, 3);
        let inst = validate::parse_instance(&text).unwrap();
        let options = SolveOptions {
            time_limit: Duration::from_secs(30),
            gap: 1e-7,
        };
        let plan = planner::plan(&inst, &options).unwrap();
        let literal = literal_optimum(&inst);
        assert_eq!(plan.status, "optimal", "seed {seed}");
        assert!(
            (plan.objective.value - literal).abs() <= 1e-6 * literal.abs().max(1.0),
            "seed {seed}: compact {} ≠ literal {literal}",
            plan.objective.value
        );
    }
}
