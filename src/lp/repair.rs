//! Rounding the LP relaxation into a feasible integer plan.
//!
//! Care weights make the LP fractional where loads meet their bounds (it trades a 1.15
//! patient for 1.15 patients of weight 1), and boxing every column to the floor/ceiling of
//! its LP value is often infeasible (states are chained over phases). So the rounding
//! replays the plan phase by phase in integers, checking every limit before each patient is
//! placed:
//!
//! 1. closures orphan whoever is left at a closing practice (orphaning and registering
//!    again in the same phase is never worse than a move: no move cost, no outflow);
//! 2. the LP's moves and registrations of the phase, rounded down, are placed all at once
//!    (swaps between full practices are common in the LP: it moves patients home in cycles);
//! 3. rounding down can leave a load a fraction above its bound; placements are taken back
//!    along short paths that end at a practice with room, so a swap cycle loses one patient,
//!    not all of them (see [`undo`]);
//! 4. residents still waiting are registered along augmenting chains (register at X, move
//!    one of X's original patients on to Y, and so on, until a practice with room) while
//!    that lowers the objective.
//!
//! Every limit is checked before a patient is placed and loads are brought back under their
//! bounds in step 3, so the result is feasible whenever no bound drops below a load the
//! rounding could not reduce in time; that case is detected and reported as `None`, and the
//! caller falls back to the MIP.
//!
//! Cost: O(T · (pairs + A·E + P)) plus the chain searches, see [`chains`].

use super::formulation::{Formulation, OriginPair};
use crate::model::Instance;

const EPS: f64 = 1e-9;

fn floor(v: f64) -> u64 {
    (v + 1e-6).floor().max(0.0) as u64
}

pub(super) mod chains;
mod keep;
mod undo;

/// Patients placed in a phase: moved from origin pair `origin`, or registered from the
/// waiting pool (`None`), into destination pair `destination`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement {
    origin: Option<usize>,
    destination: usize,
    patients: u64,
}

pub(super) struct Phase {
    t: usize,
    intake_left: Vec<u64>,
    outflow_left: Vec<u64>,
    moves_left: u64,
    bound: Vec<f64>,
}

pub(super) struct State<'a> {
    instance: &'a Instance,
    f: &'a Formulation,
    remain: Vec<u64>,
    joined: Vec<u64>,
    waiting: Vec<u64>,
    load: Vec<f64>,
}

impl State<'_> {
    /// Moves `k` patients of origin pair `i` to destination pair `j` (or back, if `!forward`).
    fn apply_move(&mut self, ph: &mut Phase, i: usize, j: usize, k: u64, forward: bool) {
        let (o, d) = (&self.f.origins[i], &self.f.destinations[j]);
        let wk = self.instance.areas[o.area].care_weight * k as f64;
        if forward {
            self.remain[i] -= k;
            self.joined[j] += k;
            self.load[o.practice] -= wk;
            self.load[d.practice] += wk;
            ph.outflow_left[o.practice] -= k;
            ph.intake_left[d.practice] -= k;
            ph.moves_left -= k;
        } else {
            self.remain[i] += k;
            self.joined[j] -= k;
            self.load[o.practice] += wk;
            self.load[d.practice] -= wk;
            ph.outflow_left[o.practice] += k;
            ph.intake_left[d.practice] += k;
            ph.moves_left += k;
        }
    }

    fn arrive(&mut self, ph: &mut Phase, j: usize, k: u64) {
        let d = &self.f.destinations[j];
        self.joined[j] += k;
        self.load[d.practice] += self.instance.areas[d.area].care_weight * k as f64;
        ph.intake_left[d.practice] -= k;
        ph.moves_left -= k;
    }

    /// Takes back one patient of `placement`: moved back to the origin, or waiting again.
    fn take_back(&mut self, ph: &mut Phase, placement: &mut Placement) {
        let j = placement.destination;
        match placement.origin {
            Some(i) => self.apply_move(ph, i, j, 1, false),
            None => {
                let d = &self.f.destinations[j];
                self.joined[j] -= 1;
                self.load[d.practice] -= self.instance.areas[d.area].care_weight;
                self.waiting[d.area] += 1;
                ph.intake_left[d.practice] += 1;
                ph.moves_left += 1;
            }
        }
        placement.patients -= 1;
    }
}

fn limits(instance: &Instance, t: usize, initial: &[f64]) -> Phase {
    let n = instance.practices.len();
    Phase {
        t,
        intake_left: (0..n)
            .map(|p| instance.intake_limit(p).unwrap_or(u64::MAX))
            .collect(),
        outflow_left: (0..n)
            .map(|p| instance.outflow_limit(p).unwrap_or(u64::MAX))
            .collect(),
        moves_left: instance.policy.max_moves_per_phase.unwrap_or(u64::MAX),
        bound: (0..n)
            .map(|p| match instance.closing_phase(p) {
                Some(k) if k <= t => 0.0,
                _ => instance.ceiling(p, t).max(initial[p]),
            })
            .collect(),
    }
}

/// A feasible integral solution near `lp` (column values), or `None` if the replay cannot
/// keep a load under a bound that drops.
pub fn repair(instance: &Instance, f: &Formulation, lp: &[f64]) -> Option<Vec<f64>> {
    let initial = instance.initial_loads();
    let mut st = State {
        instance,
        f,
        remain: f.origins.iter().map(|o| o.patients).collect(),
        joined: vec![0; f.destinations.len()],
        waiting: instance.areas.iter().map(|a| a.noni).collect(),
        load: initial.clone(),
    };
    let n_areas = instance.areas.len();
    let mut origins_of: Vec<Vec<usize>> = vec![Vec::new(); n_areas];
    for (i, o) in f.origins.iter().enumerate() {
        origins_of[o.area].push(i);
    }
    let mut destinations_of: Vec<Vec<usize>> = vec![Vec::new(); n_areas];
    for (j, d) in f.destinations.iter().enumerate() {
        destinations_of[d.area].push(j);
    }
    // Fill order: cheapest stay first (then practice index), per area.
    let mut by_cost = destinations_of.clone();
    for js in by_cost.iter_mut() {
        js.sort_by(|&x, &y| {
            let cx = f.columns[f.destinations[x].joined[0]].cost;
            let cy = f.columns[f.destinations[y].joined[0]].cost;
            cx.total_cmp(&cy).then(x.cmp(&y))
        });
    }
    let mut origins_at: Vec<Vec<usize>> = vec![Vec::new(); instance.practices.len()];
    for (i, o) in f.origins.iter().enumerate() {
        origins_at[o.practice].push(i);
    }
    let mut values = vec![0.0; f.columns.len()];

    for t in 1..=instance.phases() {
        let mut ph = limits(instance, t, &initial);
        // Wanted departures and arrivals of this phase, rounded down.
        let mut leave: Vec<u64> = f
            .origins
            .iter()
            .zip(&st.remain)
            .map(|(o, &r)| wanted_departures(o, r, t, lp))
            .collect();
        let mut arrive: Vec<u64> = f
            .destinations
            .iter()
            .zip(&st.joined)
            .map(|(d, &h)| floor(lp[d.joined[t - 1]]).saturating_sub(h))
            .collect();

        // 1. Closures orphan whoever is left (orphaning and registering again in the same
        // phase is never worse than a move: no move cost, no outflow).
        for (i, o) in f.origins.iter().enumerate() {
            if o.closes == Some(t) {
                st.waiting[o.area] += st.remain[i];
                st.load[o.practice] -= instance.areas[o.area].care_weight * st.remain[i] as f64;
                st.remain[i] = 0;
                // The LP's departures at the closure arrive as registrations of orphans.
                leave[i] = 0;
            }
        }
        // 2. The LP's moves and registrations, rounded down, all at once within the flow
        // limits (a swap between two full practices is fine within a phase).
        let mut placed: Vec<Placement> = Vec::new();
        for a in 0..n_areas {
            for &j in &destinations_of[a] {
                let q = f.destinations[j].practice;
                for &i in &origins_of[a] {
                    let p = f.origins[i].practice;
                    if p == q || leave[i] == 0 || arrive[j] == 0 {
                        continue;
                    }
                    let k = leave[i]
                        .min(arrive[j])
                        .min(ph.outflow_left[p])
                        .min(ph.intake_left[q])
                        .min(ph.moves_left);
                    if k > 0 {
                        leave[i] -= k;
                        arrive[j] -= k;
                        st.apply_move(&mut ph, i, j, k, true);
                        placed.push(Placement {
                            origin: Some(i),
                            destination: j,
                            patients: k,
                        });
                    }
                }
                let k = arrive[j]
                    .min(st.waiting[a])
                    .min(ph.intake_left[q])
                    .min(ph.moves_left);
                if k > 0 {
                    arrive[j] -= k;
                    st.waiting[a] -= k;
                    st.arrive(&mut ph, j, k);
                    placed.push(Placement {
                        origin: None,
                        destination: j,
                        patients: k,
                    });
                }
            }
            // Rounding each destination down can register fewer than the LP did in total:
            // offer the rest where the LP's fractions are largest (step 3 keeps what fits).
            let target = (lp[f.waiting[a][t - 1]] - 1e-6).ceil().max(0.0) as u64;
            let mut extra = st.waiting[a].saturating_sub(target);
            let mut candidates: Vec<(f64, usize)> = destinations_of[a]
                .iter()
                .map(|&j| (lp[f.destinations[j].joined[t - 1]] - st.joined[j] as f64, j))
                .filter(|&(r, _)| r > 1e-6)
                .collect();
            candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            for (_, j) in candidates {
                let q = f.destinations[j].practice;
                if extra == 0 || ph.moves_left == 0 {
                    break;
                }
                if ph.intake_left[q] > 0 {
                    extra -= 1;
                    st.waiting[a] -= 1;
                    st.arrive(&mut ph, j, 1);
                    placed.push(Placement {
                        origin: None,
                        destination: j,
                        patients: 1,
                    });
                }
            }
        }
        // 3. Rounding down departures can leave a load a fraction above its bound: undo
        // placements along paths that end where there is room (see `undo`).
        if (0..instance.practices.len()).any(|p| st.load[p] > ph.bound[p] + EPS) {
            if let Some(kept) = keep::solve(&st, &ph, &placed) {
                for (pl, k) in placed.iter_mut().zip(kept) {
                    while pl.patients > k {
                        st.take_back(&mut ph, pl);
                    }
                }
            }
            undo::cascade(&mut st, &mut ph, &mut placed);
        }
        // 4. Whoever still waits: registrations along chains, as far as room and limits go
        // and it pays.
        chains::fill(&mut st, &mut ph, &by_cost, &origins_at);
        if (0..instance.practices.len())
            .any(|p| st.load[p] > ph.bound[p] + 1e-6 * ph.bound[p].max(1.0))
        {
            return None;
        }
        record(instance, f, &st, &ph, &mut values);
    }
    Some(values)
}

/// Departures of origin pair `o` wanted in phase `t`: the LP's, rounded down.
fn wanted_departures(o: &OriginPair, remain: u64, t: usize, lp: &[f64]) -> u64 {
    match (o.remain.get(t - 1), o.closes) {
        (Some(&c), _) => remain.saturating_sub((lp[c] - 1e-6).ceil().max(0.0) as u64),
        (None, Some(k)) if k == t => floor(lp[o.leave_at_close.expect("closing pair")]).min(remain),
        _ => 0,
    }
}

/// Writes phase `ph.t`'s state into the column values.
fn record(instance: &Instance, f: &Formulation, st: &State, ph: &Phase, values: &mut [f64]) {
    let t = ph.t;
    for (i, o) in f.origins.iter().enumerate() {
        if let Some(&c) = o.remain.get(t - 1) {
            values[c] = st.remain[i] as f64;
        }
        if o.closes == Some(t) {
            // Closures orphan everyone; the orphans are registered again (step 1).
            values[o.leave_at_close.expect("closing pair")] = 0.0;
        }
    }
    for (j, d) in f.destinations.iter().enumerate() {
        values[d.joined[t - 1]] = st.joined[j] as f64;
    }
    for (a, cols) in f.waiting.iter().enumerate() {
        values[cols[t - 1]] = st.waiting[a] as f64;
    }
    for (p, cols) in f.excess.iter().enumerate() {
        if let Some(c) = cols[t - 1] {
            let col = &f.columns[c];
            values[c] = (st.load[p] - instance.ceiling(p, t)).clamp(col.lower, col.upper);
        }
    }
}
