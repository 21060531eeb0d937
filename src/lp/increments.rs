//! The LP handed to HiGHS: the formulation with per-phase increments instead of states.
//!
//! [`Formulation`] keeps a state per pair and phase (`s[i,t]` still there, `h[j,t]` joined)
//! with a monotone row between consecutive phases. That keeps rows short, but it gives the
//! LP one row per pair and phase, and HiGHS pays for them: on a 120-area city dual simplex
//! needed ~25,000 degenerate iterations (15 s), on a 500-area region the interior point
//! method ~195 s. Writing every state as a sum of increments, `h[j,t] = Σ_{τ≤t} f[j,τ]` and
//! `s[i,t] = R − Σ_{τ≤t} g[i,τ]` with `f, g ≥ 0`, turns the monotone rows into bounds and
//! leaves one row per origin pair (`Σ g (+ x) ≤ R`); the load and conservation rows get
//! longer (a state at phase t is t increments). The city's LP then takes 0.6 s, the
//! region's 56 s (docs/performance.md).
//!
//! The change of variables is an affine bijection between the two feasible sets, so both
//! LPs have the same optimum, vertices map to vertices, and the duals of every row the two
//! share (all but the monotone rows) are optimal duals of the formulation. The rounding, the
//! MIP and the plan keep working on the states: [`Increments::states`] maps a solution back.

use super::formulation::{Column, Formulation, Row, RowKind, Sense};

/// A column of the formulation as seen by the increments: outside any chain, or position
/// `k` of chain `g`.
#[derive(Debug, Clone, Copy)]
enum Place {
    Own(usize),
    Chain { chain: usize, position: usize },
}

/// One pair's states, phase by phase.
#[derive(Debug, Clone)]
struct Chain {
    /// The formulation's state columns.
    states: Vec<usize>,
    /// `R` for an origin pair (states count down from it), `None` for a destination.
    start: Option<f64>,
    /// Index of the first increment column; the chain's increments follow it.
    first: usize,
    /// A closing origin's departures at the close (the formulation's column).
    at_close: Option<usize>,
    /// The phase of those departures.
    closes: Option<usize>,
}

/// The LP in increments and the way back to the formulation's columns and rows.
#[derive(Debug, Clone)]
pub struct Increments {
    /// Columns of the LP.
    pub columns: Vec<Column>,
    /// Rows of the LP.
    pub rows: Vec<Row>,
    /// Constant of the objective (includes the formulation's offset).
    pub offset: f64,
    place: Vec<Place>,
    chains: Vec<Chain>,
    /// The formulation row of each LP row, for rows the two share.
    row_origin: Vec<Option<usize>>,
    n_rows: usize,
}

impl Increments {
    /// Rewrites `f`. Time and space linear in the LP's non-zeros.
    pub fn new(f: &Formulation) -> Increments {
        let n = f.columns.len();
        let mut place = vec![Place::Own(usize::MAX); n];
        let mut chains = Vec::with_capacity(f.origins.len() + f.destinations.len());
        for o in &f.origins {
            chains.push(Chain {
                states: o.remain.clone(),
                start: Some(o.patients as f64),
                first: 0,
                at_close: o.leave_at_close,
                closes: o.closes,
            });
        }
        for d in &f.destinations {
            chains.push(Chain {
                states: d.joined.clone(),
                start: None,
                first: 0,
                at_close: None,
                closes: None,
            });
        }
        for (g, chain) in chains.iter().enumerate() {
            for (position, &c) in chain.states.iter().enumerate() {
                place[c] = Place::Chain { chain: g, position };
            }
        }

        let mut columns = Vec::with_capacity(n);
        let mut offset = f.objective_offset;
        for (c, col) in f.columns.iter().enumerate() {
            if let Place::Own(_) = place[c] {
                place[c] = Place::Own(columns.len());
                columns.push(*col);
            }
        }
        for chain in &mut chains {
            chain.first = columns.len();
            // A state at phase t counts increments 1..=t, so increment τ carries the cost
            // of every state from τ on.
            let mut tail = 0.0;
            let mut costs = Vec::with_capacity(chain.states.len());
            for &c in chain.states.iter().rev() {
                tail += f.columns[c].cost;
                costs.push(tail);
            }
            costs.reverse();
            for cost in costs {
                let (cost, upper) = match chain.start {
                    Some(r) => (-cost, r),
                    None => (cost, f64::INFINITY),
                };
                columns.push(Column {
                    cost,
                    lower: 0.0,
                    upper,
                    integer: true,
                });
            }
            if let Some(r) = chain.start {
                offset += r * chain.states.iter().map(|&c| f.columns[c].cost).sum::<f64>();
            }
        }

        let mut increments = Increments {
            columns,
            rows: Vec::with_capacity(f.rows.len()),
            offset,
            place,
            chains,
            row_origin: Vec::with_capacity(f.rows.len()),
            n_rows: f.rows.len(),
        };
        let mut terms = Vec::new();
        for (r, row) in f.rows.iter().enumerate() {
            if f.row_kinds[r] == RowKind::Monotone {
                continue;
            }
            let row = increments.rewrite(row, &mut terms);
            increments.rows.push(row);
            increments.row_origin.push(Some(r));
        }
        // What the monotone rows of an origin said: never below zero (and the departures at
        // a closing phase come out of what is left).
        for chain in &increments.chains {
            let Some(start) = chain.start else { continue };
            let mut terms: Vec<(usize, f64)> = (0..chain.states.len())
                .map(|k| (chain.first + k, 1.0))
                .collect();
            if let Some(x) = chain.at_close
                && let Place::Own(col) = increments.place[x]
            {
                terms.push((col, 1.0));
            }
            increments.rows.push(Row {
                terms,
                sense: Sense::Le,
                rhs: start,
            });
            increments.row_origin.push(None);
        }
        increments
    }

    /// A row over the formulation's columns written over the LP's (`terms` is scratch
    /// space): a state becomes its start minus or plus its increments so far.
    pub fn rewrite(&self, row: &Row, terms: &mut Vec<(usize, f64)>) -> Row {
        terms.clear();
        let mut rhs = row.rhs;
        for &(c, a) in &row.terms {
            match self.place[c] {
                Place::Own(col) => terms.push((col, a)),
                Place::Chain { chain, position } => {
                    let chain = &self.chains[chain];
                    let a = match chain.start {
                        Some(start) => {
                            rhs -= a * start;
                            -a
                        }
                        None => a,
                    };
                    terms.extend((0..=position).map(|k| (chain.first + k, a)));
                }
            }
        }
        Row {
            terms: merged(terms),
            sense: row.sense,
            rhs,
        }
    }

    /// The formulation's column values of an LP solution.
    pub fn states(&self, values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.place.len()];
        for chain in &self.chains {
            let mut sum = 0.0;
            for (k, &c) in chain.states.iter().enumerate() {
                sum += values[chain.first + k];
                out[c] = match chain.start {
                    Some(start) => start - sum,
                    None => sum,
                };
            }
        }
        for (c, p) in self.place.iter().enumerate() {
            if let Place::Own(col) = *p {
                out[c] = values[col];
            }
        }
        out
    }

    /// The LP's column values of the formulation's `values` (the inverse of [`Self::states`]).
    pub fn increments(&self, values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.columns.len()];
        for (c, p) in self.place.iter().enumerate() {
            if let Place::Own(col) = *p {
                out[col] = values[c];
            }
        }
        for chain in &self.chains {
            let mut before = chain.start.unwrap_or(0.0);
            for (k, &c) in chain.states.iter().enumerate() {
                out[chain.first + k] = match chain.start {
                    Some(_) => before - values[c],
                    None => values[c] - before,
                };
                before = values[c];
            }
        }
        out
    }

    /// The LP columns of phase `t`'s increments (and departures at a close in phase `t`)
    /// with their values in `values`, the formulation's columns with phases up to `t` set.
    pub fn phase_values(&self, t: usize, values: &[f64]) -> Vec<(usize, f64)> {
        let mut out = Vec::with_capacity(self.chains.len());
        for chain in &self.chains {
            if let Some(&now) = chain.states.get(t - 1) {
                let before = match (t, chain.start) {
                    (1, Some(start)) => start,
                    (1, None) => 0.0,
                    _ => values[chain.states[t - 2]],
                };
                let step = match chain.start {
                    Some(_) => before - values[now],
                    None => values[now] - before,
                };
                out.push((chain.first + t - 1, step));
            }
            if let (Some(x), Some(k)) = (chain.at_close, chain.closes)
                && k == t
                && let Place::Own(col) = self.place[x]
            {
                out.push((col, values[x]));
            }
        }
        out
    }

    /// The formulation's row duals: those of the shared rows, 0 for monotone rows.
    pub fn duals(&self, row_duals: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_rows];
        for (&origin, &y) in self.row_origin.iter().zip(row_duals) {
            if let Some(r) = origin {
                out[r] = y;
            }
        }
        out
    }
}

/// `terms` sorted by column with duplicates added up and zeros dropped (a row with a state
/// at t and at t−1 of one chain has increments 1..t−1 cancel).
fn merged(terms: &mut [(usize, f64)]) -> Vec<(usize, f64)> {
    terms.sort_unstable_by_key(|t| t.0);
    let mut out: Vec<(usize, f64)> = Vec::with_capacity(terms.len());
    for &(c, a) in terms.iter() {
        match out.last_mut() {
            Some(last) if last.0 == c => last.1 += a,
            _ => out.push((c, a)),
        }
    }
    out.retain(|t| t.1 != 0.0);
    out
}

#[cfg(test)]
mod tests {
    use super::super::formulation::Sense;
    use super::super::solve::{lp_in_increments, lp_in_states};
    use super::*;
    use crate::geo::Distances;

    const INSTANCES: [&str; 6] = [
        include_str!("../../instances/small/closure.json"),
        include_str!("../../instances/small/growth.json"),
        include_str!("../../instances/small/care_weights.json"),
        include_str!("../../instances/small/transfer_limits.json"),
        include_str!("../../instances/small/white_spot.json"),
        include_str!("../../instances/enschede.json"),
    ];

    /// The LP in increments has the optimum of the LP in states, and its solution mapped back
    /// satisfies every row and bound of the formulation.
    #[test]
    fn same_optimum_and_feasible_states() {
        for text in INSTANCES {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let d = Distances::compute(&instance);
            for f in [
                Formulation::build(&instance, &d),
                Formulation::build(&instance, &d).weight_balanced(&instance),
            ] {
                let (states_value, _) = lp_in_states(&f);
                let (value, values, duals) = lp_in_increments(&f);
                assert!(
                    (value - states_value).abs() <= 1e-7 * states_value.abs().max(1.0),
                    "{}: increments {value} vs states {states_value}",
                    instance.name
                );
                assert_eq!(duals.len(), f.rows.len());
                let objective: f64 = f.objective_offset
                    + f.columns
                        .iter()
                        .zip(&values)
                        .map(|(c, v)| c.cost * v)
                        .sum::<f64>();
                assert!((objective - value).abs() <= 1e-6 * value.abs().max(1.0));
                for (c, v) in f.columns.iter().zip(&values) {
                    assert!(
                        *v >= c.lower - 1e-6 && *v <= c.upper + 1e-6,
                        "bound {c:?}: {v}"
                    );
                }
                for row in &f.rows {
                    let lhs: f64 = row.terms.iter().map(|&(c, a)| a * values[c]).sum();
                    let tol = 1e-6 * row.rhs.abs().max(1.0);
                    match row.sense {
                        Sense::Le => assert!(lhs <= row.rhs + tol, "{row:?}: {lhs}"),
                        Sense::Eq => assert!((lhs - row.rhs).abs() <= tol, "{row:?}: {lhs}"),
                    }
                }
            }
        }
    }

    /// Fixing every phase's increments from a solution in states and mapping back gives the
    /// same states: `phase_values` is the inverse of `states`, and `increments` gives the
    /// same increments at once.
    #[test]
    fn phase_values_invert_states() {
        for text in INSTANCES {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let d = Distances::compute(&instance);
            let f = Formulation::build(&instance, &d);
            let inc = Increments::new(&f);
            let (_, lp, _) = lp_in_increments(&f);
            for values in [f.idle_solution(&instance), lp] {
                let mut x = vec![f64::NAN; inc.columns.len()];
                for t in 1..=instance.phases() {
                    for (col, v) in inc.phase_values(t, &values) {
                        x[col] = v;
                    }
                }
                for (c, p) in inc.place.iter().enumerate() {
                    if let Place::Own(col) = *p {
                        x[col] = values[c];
                    }
                }
                assert!(
                    x.iter().all(|v| v.is_finite()),
                    "{}: unset increments",
                    instance.name
                );
                let back = inc.states(&x);
                for (a, b) in back.iter().zip(&values) {
                    assert!((a - b).abs() <= 1e-6, "{}: {a} vs {b}", instance.name);
                }
                for (a, b) in inc.increments(&values).iter().zip(&x) {
                    assert!((a - b).abs() <= 1e-6, "{}: {a} vs {b}", instance.name);
                }
            }
        }
    }

    /// Rows that cancel within a chain (intake: joined at t minus joined at t−1) keep only
    /// the phase's own increment.
    #[test]
    fn differences_of_states_become_one_increment() {
        let mut terms = vec![(3, 1.0), (1, 1.0), (3, -1.0), (2, 1.0), (1, -1.0)];
        assert_eq!(merged(&mut terms), vec![(2, 1.0)]);
    }
}
