//! Rounding the LP relaxation into a feasible integer plan.
//!
//! Care weights make the LP fractional where loads meet their bounds, and boxing every
//! column to the floor/ceiling of its LP value is often infeasible (the states are chained
//! over phases). So the rounding replays the plan phase by phase in integers, following the
//! LP's targets and checking every limit before each patient is placed:
//!
//! 1. moves: per area, departures (LP departures rounded down) are paired with arrivals (LP
//!    arrivals rounded down), each unit only where the destination has room under `U`, its
//!    intake, the origin's outflow and the phase's move limit allow;
//! 2. closures: what is left at a closing practice is orphaned;
//! 3. registrations: the LP's registrations, rounded down, within the same limits;
//! 4. fill: waiting residents are registered where room is left and it lowers the objective,
//!    cheapest practice first; this wins back what rounding down lost.
//!
//! Departures only lower loads and every arrival is checked, so the result is feasible
//! whenever today's loads fit (they do: `U ≥ L0`) and no ceiling drops below a load that the
//! LP, but not the rounding, reduced in time; that last case is detected and reported as
//! `None`, and the caller falls back to the MIP.
//!
//! Cost: O(T · (pairs + A·E + P)), with E the largest eligible set of an area.

use super::formulation::{Formulation, OriginPair};
use crate::model::Instance;

const EPS: f64 = 1e-9;

fn floor(v: f64) -> u64 {
    (v + 1e-6).floor().max(0.0) as u64
}

struct Phase {
    t: usize,
    intake_left: Vec<u64>,
    outflow_left: Vec<u64>,
    moves_left: u64,
    bound: Vec<f64>,
}

struct State<'a> {
    instance: &'a Instance,
    f: &'a Formulation,
    remain: Vec<u64>,
    joined: Vec<u64>,
    waiting: Vec<u64>,
    load: Vec<f64>,
}

impl State<'_> {
    /// Units of area `a` that practice `q` can still take in this phase.
    fn room(&self, ph: &Phase, a: usize, q: usize) -> u64 {
        let w = self.instance.areas[a].care_weight;
        let by_load = ((ph.bound[q] - self.load[q]) / w + EPS).floor().max(0.0) as u64;
        by_load.min(ph.intake_left[q]).min(ph.moves_left)
    }

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

    /// Undoes moves, newest first, into every practice whose load is above its bound, until
    /// no load is (undoing can overload the origin, hence the loop; it ends because every
    /// round removes moves, and with no moves left every load is back to a feasible one).
    fn undo_overloads(
        &mut self,
        ph: &mut Phase,
        moves: &mut Vec<(usize, usize, u64)>,
        arrive: &mut [u64],
    ) {
        loop {
            let mut changed = false;
            for m in (0..moves.len()).rev() {
                let (i, j, k) = moves[m];
                let q = self.f.destinations[j].practice;
                let over = self.load[q] - ph.bound[q];
                if k == 0 || over <= 1e-9 {
                    continue;
                }
                let w = self.instance.areas[self.f.destinations[j].area].care_weight;
                let undo = ((over / w - EPS).ceil().max(1.0) as u64).min(k);
                self.apply_move(ph, i, j, undo, false);
                moves[m].2 -= undo;
                arrive[j] += undo;
                changed = true;
            }
            if !changed {
                break;
            }
        }
        moves.retain(|m| m.2 > 0);
    }

    fn arrive(&mut self, ph: &mut Phase, j: usize, k: u64) {
        let d = &self.f.destinations[j];
        self.joined[j] += k;
        self.load[d.practice] += self.instance.areas[d.area].care_weight * k as f64;
        ph.intake_left[d.practice] -= k;
        ph.moves_left -= k;
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
    for (a, js) in by_cost.iter_mut().enumerate() {
        js.sort_by(|&x, &y| {
            let cx = f.columns[f.destinations[x].joined[0]].cost;
            let cy = f.columns[f.destinations[y].joined[0]].cost;
            cx.total_cmp(&cy).then(x.cmp(&y))
        });
        let _ = a;
    }
    let mut values = vec![0.0; f.columns.len()];
    let mut departed_at_close = vec![0u64; f.origins.len()];

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

        // 1. Moves: all at once within the flow limits (a swap between two full practices
        // is fine within a phase), then undone where a load ends above its bound.
        let mut moves: Vec<(usize, usize, u64)> = Vec::new();
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
                        moves.push((i, j, k));
                    }
                }
            }
        }
        st.undo_overloads(&mut ph, &mut moves, &mut arrive);
        for &(i, _, k) in &moves {
            if f.origins[i].closes == Some(t) {
                departed_at_close[i] += k;
            }
        }
        // 2. Closures orphan whoever is left.
        for (i, o) in f.origins.iter().enumerate() {
            if o.closes == Some(t) {
                st.waiting[o.area] += st.remain[i];
                st.load[o.practice] -= instance.areas[o.area].care_weight * st.remain[i] as f64;
                st.remain[i] = 0;
            }
        }
        // 3. The LP's registrations, then 4. fill where it pays.
        for a in 0..n_areas {
            for &j in &destinations_of[a] {
                let k =
                    arrive[j]
                        .min(st.waiting[a])
                        .min(st.room(&ph, a, f.destinations[j].practice));
                if k > 0 {
                    st.waiting[a] -= k;
                    st.arrive(&mut ph, j, k);
                }
            }
        }
        for a in 0..n_areas {
            for &j in &by_cost[a] {
                if st.waiting[a] == 0 {
                    break;
                }
                let q = f.destinations[j].practice;
                let k = st.waiting[a].min(st.room(&ph, a, q));
                if k > 0 && pays(instance, f, &st, j, t) {
                    st.waiting[a] -= k;
                    st.arrive(&mut ph, j, k);
                }
            }
        }
        if (0..instance.practices.len())
            .any(|p| st.load[p] > ph.bound[p] + 1e-6 * ph.bound[p].max(1.0))
        {
            return None;
        }
        record(instance, f, &st, &ph, &departed_at_close, &mut values);
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

/// Whether registering one more waiting resident through destination pair `j` lowers the
/// objective over the phases left (waiting saved against staying and excess costs).
fn pays(instance: &Instance, f: &Formulation, st: &State, j: usize, t: usize) -> bool {
    let d = &f.destinations[j];
    let w = instance.policy.weights;
    let stay = f.columns[d.joined[0]].cost;
    let over =
        st.load[d.practice] + instance.areas[d.area].care_weight > instance.ceiling(d.practice, t);
    let excess = if over {
        w.excess * instance.areas[d.area].care_weight
    } else {
        0.0
    };
    w.waiting > stay + excess
}

/// Writes phase `ph.t`'s state into the column values.
fn record(
    instance: &Instance,
    f: &Formulation,
    st: &State,
    ph: &Phase,
    departed_at_close: &[u64],
    values: &mut [f64],
) {
    let t = ph.t;
    for (i, o) in f.origins.iter().enumerate() {
        if let Some(&c) = o.remain.get(t - 1) {
            values[c] = st.remain[i] as f64;
        }
        if o.closes == Some(t) {
            values[o.leave_at_close.expect("closing pair")] = departed_at_close[i] as f64;
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
