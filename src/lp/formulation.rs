//! The compact integer program of MODEL.md, built in time linear in its size.
//!
//! MODEL.md's literal decisions are `m[a,p,q,t]` (moves per origin *and* destination),
//! `y[a,q,t]` and `o[a,p,k]`, with cumulative sums in every load row. Two observations make
//! the model much smaller without changing its optimum (the `equivalence` test proves it on
//! small instances against the literal model):
//!
//! 1. Moves of one area's patients are interchangeable except for where they leave and where
//!    they arrive: every term and limit depends on `Σ_q m[a,p,q,t]` (departures) or
//!    `Σ_p m[a,p,q,t]` (arrivals), never on the pair. So the model keeps departures and
//!    arrivals per area and a per-area, per-phase balance; any integer split of the balance
//!    into (from, to) pairs is a valid move list ([`crate::plan`] does the split).
//! 2. State variables per phase replace cumulative sums: `s[a,p,t]` (today's patients of
//!    (a,p) still there after t, non-increasing) and `h[a,q,t]` (patients of a who joined q
//!    by the plan up to t, non-decreasing). Flows are their differences, so every row is short.
//!
//! Columns (all ≥ 0; the patient counts integer):
//! - `s[i,t]` for each registration pair i = (a,p), t < closing phase of p;
//! - `x[i]`: departures of pair i at p's closing phase k (the rest, `s[i,k−1] − x[i]`, is
//!   orphaned);
//! - `h[j,t]` for each eligible pair j = (a,q), q ∈ E(a);
//! - `wait[a,t]`;
//! - `e[p,t]` ∈ [0, U−C], continuous: the excess above the ceiling.
//!
//! Rows:
//! - monotone states: `s[i,t] − s[i,t−1] ≤ 0`, `h[j,t−1] − h[j,t] ≤ 0`, `x[i] ≤ s[i,k−1]`;
//! - nobody lost, per (a,t): `Σ s + Σ h + wait = R_a + noni_a`;
//! - waiting only shrinks, except by orphans, per (a,t): `wait[t] − wait[t−1] − orphans ≤ 0`
//!   (with conservation this says registrations ≥ 0: departures all arrive somewhere);
//! - load, per (p,t) before closing: `Σ w·s + Σ w·h − e ≤ C[p,t]`; with `e ≤ U−C` this is
//!   both `load ≤ U` and `e ≥ load − C`;
//! - intake per (q,t), outflow per (p,t) and moves per t, where the limit is finite.
//!
//! The objective of MODEL.md with the constant part (`W.move·R` of the telescoped moves)
//! kept in [`Formulation::objective_offset`].

use crate::geo::Distances;
use crate::model::Instance;

/// A column: cost, bounds, integrality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// Objective coefficient.
    pub cost: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound (may be infinite).
    pub upper: f64,
    /// Must take an integer value.
    pub integer: bool,
}

/// The sense of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `Σ ≤ rhs`.
    Le,
    /// `Σ = rhs`.
    Eq,
}

/// A sparse row `Σ coef·col (sense) rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `(column index, coefficient)`.
    pub terms: Vec<(usize, f64)>,
    /// ≤ or =.
    pub sense: Sense,
    /// Right-hand side.
    pub rhs: f64,
}

impl Row {
    /// `Σ coef·col` at `values`.
    pub fn activity(&self, values: &[f64]) -> f64 {
        self.terms.iter().map(|&(c, k)| k * values[c]).sum()
    }
}

/// What a row stands for, so duals can be read back (sensitivity runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A state is monotone.
    Monotone,
    /// Nobody lost in area a, phase t.
    Conservation {
        /// Area index.
        area: usize,
        /// Phase 1..=T.
        phase: usize,
    },
    /// Waiting only shrinks (area, phase).
    Registrations {
        /// Area index.
        area: usize,
        /// Phase 1..=T.
        phase: usize,
    },
    /// Load of a practice in a phase.
    Load {
        /// Practice index.
        practice: usize,
        /// Phase 1..=T.
        phase: usize,
    },
    /// Intake limit.
    Intake {
        /// Practice index.
        practice: usize,
        /// Phase 1..=T.
        phase: usize,
    },
    /// Outflow limit.
    Outflow {
        /// Practice index.
        practice: usize,
        /// Phase 1..=T.
        phase: usize,
    },
    /// City-wide moves per phase.
    Moves {
        /// Phase 1..=T.
        phase: usize,
    },
    /// A restriction used only for rounding (see [`Formulation::weight_balanced`]).
    WeightBalance {
        /// Practice index.
        practice: usize,
        /// Phase 1..=T.
        phase: usize,
    },
}

/// A registration pair (a,p) with `R[a,p] > 0` and its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginPair {
    /// Area index.
    pub area: usize,
    /// Practice index.
    pub practice: usize,
    /// `R[a,p]`.
    pub patients: u64,
    /// The practice's closing phase, if within the horizon.
    pub closes: Option<usize>,
    /// `s[i,t]` for t = 1..(closing phase or T+1): index t−1.
    pub remain: Vec<usize>,
    /// `x[i]`: departures at the closing phase.
    pub leave_at_close: Option<usize>,
}

/// An eligible pair (a,q), q ∈ E(a), and its `h[j,t]` columns (index t−1).
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationPair {
    /// Area index.
    pub area: usize,
    /// Practice index.
    pub practice: usize,
    /// `h[j,t]`.
    pub joined: Vec<usize>,
}

/// The built model with maps from domain indices to columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Formulation {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row>,
    /// What each row stands for.
    pub row_kinds: Vec<RowKind>,
    /// Constant added to the objective.
    pub objective_offset: f64,
    /// Registration pairs, sorted by (area, practice).
    pub origins: Vec<OriginPair>,
    /// Eligible pairs, sorted by (area, practice).
    pub destinations: Vec<DestinationPair>,
    /// `wait[a,t]`, index `[a][t−1]`.
    pub waiting: Vec<Vec<usize>>,
    /// `e[p,t]` where a load row exists, index `[p][t−1]`.
    pub excess: Vec<Vec<Option<usize>>>,
}

impl Formulation {
    /// The columns of phases 1..=`t`: states, waiting, excess and departures at a close.
    pub fn columns_up_to(&self, t: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for o in &self.origins {
            out.extend(o.remain.iter().take(t));
            if o.closes.is_some_and(|k| k <= t) {
                out.extend(o.leave_at_close);
            }
        }
        for d in &self.destinations {
            out.extend(d.joined.iter().take(t));
        }
        for cols in &self.waiting {
            out.extend(cols.iter().take(t));
        }
        for cols in &self.excess {
            out.extend(cols.iter().take(t).flatten());
        }
        out
    }

    /// The phase (1-based) of every column, in one pass: the phase of a state, waiting or
    /// excess column, and the closing phase for departures at a close. Column `c` is in
    /// [`Formulation::columns_up_to`]`(t)` exactly when its phase is at most `t`.
    pub fn column_phases(&self) -> Vec<usize> {
        let mut phase = vec![0; self.columns.len()];
        let chains = (self.origins.iter().map(|o| &o.remain))
            .chain(self.destinations.iter().map(|d| &d.joined))
            .chain(&self.waiting);
        for cols in chains {
            for (i, &c) in cols.iter().enumerate() {
                phase[c] = i + 1;
            }
        }
        for o in &self.origins {
            if let (Some(k), Some(c)) = (o.closes, o.leave_at_close) {
                phase[c] = k;
            }
        }
        for cols in &self.excess {
            for (i, c) in cols.iter().enumerate() {
                if let Some(c) = c {
                    phase[*c] = i + 1;
                }
            }
        }
        phase
    }
}

/// `E(a)` for every area: practices within `max_walk_m`, accepting and not closing, ascending.
pub fn eligible(instance: &Instance, distances: &Distances) -> Vec<Vec<usize>> {
    let receiving: Vec<usize> = (0..instance.practices.len())
        .filter(|&p| instance.receives(p))
        .collect();
    (0..instance.areas.len())
        .map(|a| {
            receiving
                .iter()
                .copied()
                .filter(|&q| distances.walk_m(a, q) <= instance.policy.max_walk_m)
                .collect()
        })
        .collect()
}

/// Per-patient, per-phase cost of being registered at p when living in a:
/// `W.out_of_district·[dist(a) ≠ dist(p)] + W.walk_km·d(a,p)/1000`.
pub fn stay_cost(instance: &Instance, distances: &Distances, a: usize, p: usize) -> f64 {
    let w = &instance.policy.weights;
    let ood = if instance.areas[a].district != instance.practices[p].district {
        w.out_of_district
    } else {
        0.0
    };
    ood + w.walk_km * distances.walk_m(a, p) / 1000.0
}

struct Builder {
    columns: Vec<Column>,
    rows: Vec<Row>,
    row_kinds: Vec<RowKind>,
}

impl Builder {
    fn column(&mut self, cost: f64, upper: f64, integer: bool) -> usize {
        self.columns.push(Column {
            cost,
            lower: 0.0,
            upper,
            integer,
        });
        self.columns.len() - 1
    }

    fn row(&mut self, kind: RowKind, terms: Vec<(usize, f64)>, sense: Sense, rhs: f64) {
        self.rows.push(Row { terms, sense, rhs });
        self.row_kinds.push(kind);
    }
}

impl Formulation {
    /// Builds the model. O(T·(pairs + A + P)) time and space.
    pub fn build(instance: &Instance, distances: &Distances) -> Formulation {
        let t_max = instance.phases();
        let n_areas = instance.areas.len();
        let n_practices = instance.practices.len();
        let weights = instance.policy.weights;
        let mut b = Builder {
            columns: Vec::new(),
            rows: Vec::new(),
            row_kinds: Vec::new(),
        };
        let mut offset = 0.0;

        // Columns of registration pairs.
        let mut origins = Vec::with_capacity(instance.registrations.len());
        for r in &instance.registrations {
            let closes = instance.closing_phase(r.practice);
            let last_held = closes.map_or(t_max, |k| k - 1);
            let c = stay_cost(instance, distances, r.area, r.practice);
            let upper = r.patients as f64;
            let remain: Vec<usize> = (1..=last_held)
                .map(|t| {
                    // Moves telescope: Σ_t departures = R − s[T] (or R − s[k−1] + x).
                    let move_cost = if t == last_held { -weights.moves } else { 0.0 };
                    b.column(c + move_cost, upper, true)
                })
                .collect();
            offset += weights.moves * upper;
            let leave_at_close = closes.map(|_| b.column(weights.moves, upper, true));
            origins.push(OriginPair {
                area: r.area,
                practice: r.practice,
                patients: r.patients,
                closes,
                remain,
                leave_at_close,
            });
        }

        // Columns of eligible pairs.
        let eligible = eligible(instance, distances);
        let mut destinations = Vec::new();
        for (a, qs) in eligible.iter().enumerate() {
            for &q in qs {
                let c = stay_cost(instance, distances, a, q);
                let joined = (1..=t_max)
                    .map(|_| b.column(c, f64::INFINITY, true))
                    .collect();
                destinations.push(DestinationPair {
                    area: a,
                    practice: q,
                    joined,
                });
            }
        }

        let waiting: Vec<Vec<usize>> = (0..n_areas)
            .map(|_| {
                (1..=t_max)
                    .map(|_| b.column(weights.waiting, f64::INFINITY, true))
                    .collect()
            })
            .collect();

        let initial_loads = instance.initial_loads();
        let mut excess = vec![vec![None; t_max]; n_practices];
        for (p, row) in excess.iter_mut().enumerate() {
            let held_until = instance.closing_phase(p).map_or(t_max, |k| k - 1);
            for (t, cell) in row.iter_mut().enumerate().take(held_until) {
                let c = instance.ceiling(p, t + 1);
                let room_above = (initial_loads[p].max(c) - c).max(0.0);
                *cell = Some(b.column(weights.excess, room_above, false));
            }
        }

        Self::monotone_rows(&mut b, &origins, &destinations);
        Self::area_rows(&mut b, instance, &origins, &destinations, &waiting);
        Self::practice_rows(&mut b, instance, &origins, &destinations, &excess);

        Formulation {
            columns: b.columns,
            rows: b.rows,
            row_kinds: b.row_kinds,
            objective_offset: offset,
            origins,
            destinations,
            waiting,
            excess,
        }
    }

    fn monotone_rows(b: &mut Builder, origins: &[OriginPair], destinations: &[DestinationPair]) {
        for o in origins {
            for w in o.remain.windows(2) {
                b.row(
                    RowKind::Monotone,
                    vec![(w[1], 1.0), (w[0], -1.0)],
                    Sense::Le,
                    0.0,
                );
            }
            if let (Some(x), Some(&last)) = (o.leave_at_close, o.remain.last()) {
                b.row(
                    RowKind::Monotone,
                    vec![(x, 1.0), (last, -1.0)],
                    Sense::Le,
                    0.0,
                );
            }
        }
        for d in destinations {
            for w in d.joined.windows(2) {
                b.row(
                    RowKind::Monotone,
                    vec![(w[0], 1.0), (w[1], -1.0)],
                    Sense::Le,
                    0.0,
                );
            }
        }
    }

    /// Conservation and registrations ≥ 0, per area and phase.
    fn area_rows(
        b: &mut Builder,
        instance: &Instance,
        origins: &[OriginPair],
        destinations: &[DestinationPair],
        waiting: &[Vec<usize>],
    ) {
        let n_areas = instance.areas.len();
        let mut origins_of: Vec<Vec<&OriginPair>> = vec![Vec::new(); n_areas];
        for o in origins {
            origins_of[o.area].push(o);
        }
        let mut destinations_of: Vec<Vec<&DestinationPair>> = vec![Vec::new(); n_areas];
        for d in destinations {
            destinations_of[d.area].push(d);
        }
        for a in 0..n_areas {
            let noni = instance.areas[a].noni as f64;
            let total = noni + origins_of[a].iter().map(|o| o.patients as f64).sum::<f64>();
            for t in 1..=instance.phases() {
                let mut terms = Vec::new();
                for o in &origins_of[a] {
                    if let Some(&s) = o.remain.get(t - 1) {
                        terms.push((s, 1.0));
                    }
                }
                for d in &destinations_of[a] {
                    terms.push((d.joined[t - 1], 1.0));
                }
                terms.push((waiting[a][t - 1], 1.0));
                b.row(
                    RowKind::Conservation { area: a, phase: t },
                    terms,
                    Sense::Eq,
                    total,
                );

                // wait[t] − wait[t−1] − Σ_{p closes at t} (s[i,t−1] − x[i]) ≤ 0.
                let mut terms = vec![(waiting[a][t - 1], 1.0)];
                let mut rhs = 0.0;
                if t == 1 {
                    rhs += noni;
                } else {
                    terms.push((waiting[a][t - 2], -1.0));
                }
                for o in origins_of[a].iter().filter(|o| o.closes == Some(t)) {
                    if t == 1 {
                        rhs += o.patients as f64;
                    } else {
                        terms.push((o.remain[t - 2], -1.0));
                    }
                    terms.push((o.leave_at_close.expect("closing pair"), 1.0));
                }
                b.row(
                    RowKind::Registrations { area: a, phase: t },
                    terms,
                    Sense::Le,
                    rhs,
                );
            }
        }
    }

    /// Load, intake and outflow per practice and phase; moves per phase.
    fn practice_rows(
        b: &mut Builder,
        instance: &Instance,
        origins: &[OriginPair],
        destinations: &[DestinationPair],
        excess: &[Vec<Option<usize>>],
    ) {
        let n_practices = instance.practices.len();
        let t_max = instance.phases();
        let mut origins_at: Vec<Vec<&OriginPair>> = vec![Vec::new(); n_practices];
        for o in origins {
            origins_at[o.practice].push(o);
        }
        let mut destinations_at: Vec<Vec<&DestinationPair>> = vec![Vec::new(); n_practices];
        for d in destinations {
            destinations_at[d.practice].push(d);
        }
        for p in 0..n_practices {
            for t in 1..=t_max {
                let Some(e) = excess[p][t - 1] else { continue };
                let mut terms = Vec::new();
                for o in &origins_at[p] {
                    terms.push((o.remain[t - 1], instance.areas[o.area].care_weight));
                }
                for d in &destinations_at[p] {
                    terms.push((d.joined[t - 1], instance.areas[d.area].care_weight));
                }
                terms.push((e, -1.0));
                let kind = RowKind::Load {
                    practice: p,
                    phase: t,
                };
                b.row(kind, terms, Sense::Le, instance.ceiling(p, t));
            }
            if let Some(limit) = instance
                .intake_limit(p)
                .filter(|_| !destinations_at[p].is_empty())
            {
                for t in 1..=t_max {
                    let mut terms = Vec::new();
                    for d in &destinations_at[p] {
                        terms.push((d.joined[t - 1], 1.0));
                        if t > 1 {
                            terms.push((d.joined[t - 2], -1.0));
                        }
                    }
                    let kind = RowKind::Intake {
                        practice: p,
                        phase: t,
                    };
                    b.row(kind, terms, Sense::Le, limit as f64);
                }
            }
            if let Some(limit) = instance
                .outflow_limit(p)
                .filter(|_| !origins_at[p].is_empty())
            {
                let last = instance.closing_phase(p).unwrap_or(t_max);
                for t in 1..=last {
                    let mut terms = Vec::new();
                    let mut rhs = limit as f64;
                    for o in &origins_at[p] {
                        // departures(t) = s[t−1] − s[t], or x at the closing phase.
                        match o.remain.get(t - 1) {
                            Some(&s) => {
                                terms.push((s, -1.0));
                                if t == 1 {
                                    rhs -= o.patients as f64;
                                } else {
                                    terms.push((o.remain[t - 2], 1.0));
                                }
                            }
                            None => terms.push((o.leave_at_close.expect("closing pair"), 1.0)),
                        }
                    }
                    let kind = RowKind::Outflow {
                        practice: p,
                        phase: t,
                    };
                    b.row(kind, terms, Sense::Le, rhs);
                }
            }
        }
        if let Some(limit) = instance.policy.max_moves_per_phase {
            for t in 1..=t_max {
                let mut terms = Vec::new();
                for d in destinations {
                    terms.push((d.joined[t - 1], 1.0));
                    if t > 1 {
                        terms.push((d.joined[t - 2], -1.0));
                    }
                }
                if !terms.is_empty() {
                    b.row(RowKind::Moves { phase: t }, terms, Sense::Le, limit as f64);
                }
            }
        }
    }
}

impl Formulation {
    /// A copy restricted so that a full practice only takes patients who weigh no more than
    /// those it lets go.
    ///
    /// With care weights, a practice at its bound can in the LP trade, say, 59 patients of
    /// weight 1.15 for 61.68 of weight 1.1: the load stays put, but no integer plan does
    /// that, and rounding such swap cycles loses most of them. For a practice whose
    /// ceiling leaves less room than one patient above today's load, the copy requires,
    /// for every care weight `w` that occurs there, that the number of its patients
    /// weighing at least `w` does not grow. That implies the load row (the load can only
    /// fall) and has integer data, so its solutions round well. It is a restriction, so the
    /// LP bound of the plan always comes from the unrestricted model; this copy only guides
    /// the rounding.
    pub fn weight_balanced(&self, instance: &Instance) -> Formulation {
        self.with_rows(&self.weight_balance_rows(instance, instance.phases()))
    }

    /// A copy with `rows` added after the formulation's own.
    pub fn with_rows(&self, rows: &[(RowKind, Row)]) -> Formulation {
        let mut f = self.clone();
        for (kind, row) in rows {
            f.rows.push(row.clone());
            f.row_kinds.push(*kind);
        }
        f
    }

    /// The rows of [`Formulation::weight_balanced`] for phases 1 to `last`.
    pub fn weight_balance_rows(&self, instance: &Instance, last: usize) -> Vec<(RowKind, Row)> {
        let initial = instance.initial_loads();
        let heaviest = instance
            .areas
            .iter()
            .map(|a| a.care_weight)
            .fold(0.0, f64::max);
        let n_practices = instance.practices.len();
        // (column at phase t, weight, patients today) per practice.
        let mut at: Vec<Vec<(&[usize], f64, u64)>> = vec![Vec::new(); n_practices];
        for o in &self.origins {
            at[o.practice].push((&o.remain, instance.areas[o.area].care_weight, o.patients));
        }
        for d in &self.destinations {
            at[d.practice].push((&d.joined, instance.areas[d.area].care_weight, 0));
        }
        let mut rows = Vec::new();
        for (p, cols) in at.iter().enumerate() {
            let mut weights: Vec<f64> = cols.iter().map(|c| c.1).collect();
            weights.sort_by(f64::total_cmp);
            weights.dedup();
            if weights.len() < 2 {
                continue; // one weight: the load row is already a count
            }
            for t in 1..=last.min(instance.phases()) {
                if self.excess[p][t - 1].is_none()
                    || instance.ceiling(p, t) - initial[p] >= heaviest
                {
                    continue;
                }
                for &w in &weights {
                    let mut terms = Vec::new();
                    let mut rhs = 0.0;
                    for &(c, cw, today) in &cols[..] {
                        if cw >= w {
                            if let Some(&col) = c.get(t - 1) {
                                terms.push((col, 1.0));
                            }
                            rhs += today as f64;
                        }
                    }
                    if !terms.is_empty() {
                        let kind = RowKind::WeightBalance {
                            practice: p,
                            phase: t,
                        };
                        let sense = Sense::Le;
                        rows.push((kind, Row { terms, sense, rhs }));
                    }
                }
            }
        }
        rows
    }

    /// The column values of the plan that moves nobody: today's patients stay, closures
    /// orphan everyone, nobody is registered. Always feasible, so there is always a plan.
    pub fn idle_solution(&self, instance: &Instance) -> Vec<f64> {
        let mut values = vec![0.0; self.columns.len()];
        let mut orphans_at = vec![vec![0.0; instance.phases() + 1]; instance.areas.len()];
        for o in &self.origins {
            for &s in &o.remain {
                values[s] = o.patients as f64;
            }
            if let Some(k) = o.closes {
                orphans_at[o.area][k] += o.patients as f64;
            }
        }
        for (a, cols) in self.waiting.iter().enumerate() {
            let mut waiting = instance.areas[a].noni as f64;
            for (t, &col) in cols.iter().enumerate() {
                waiting += orphans_at[a][t + 1];
                values[col] = waiting;
            }
        }
        let initial_loads = instance.initial_loads();
        for (p, cols) in self.excess.iter().enumerate() {
            for (t, col) in cols.iter().enumerate() {
                if let Some(col) = *col {
                    // Closing practices have no load row from their closing phase on, so any
                    // row here is for a phase in which the practice still holds everyone.
                    values[col] = (initial_loads[p] - instance.ceiling(p, t + 1)).max(0.0);
                }
            }
        }
        values
    }
}
