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
//! 2. the LP's departures, arrivals and registrations of the phase, rounded down and paired
//!    per area, are placed all at once (swaps between full practices are common in the LP:
//!    it moves patients home in cycles), and where a load ends up above its bound,
//!    placements are taken back until none is (see [`undo`]);
//! 3. from that start, the keep program chooses the best integer part of the LP's
//!    departures, arrivals and registrations rounded up (plus a margin) within
//!    every limit of the phase (see [`keep`]); if HiGHS has no answer, step 2 stands;
//! 4. residents still waiting are registered along augmenting chains (register at X, move
//!    one of X's original patients on to Y, and so on, until a practice with room) while
//!    that lowers the objective;
//! 5. move budget still left: exchange cycles of patients of equal care weight, which keep
//!    every load as it is, while one pays at the LP's prices (see [`cycles`]).
//!
//! Every limit is checked before a patient is placed and loads are brought back under their
//! bounds in steps 2 and 3, so the result is feasible whenever no bound drops below a load the
//! rounding could not reduce in time; that case is detected and reported as `None`, and the
//! caller falls back to the MIP.
//!
//! Cost: O(T · (pairs + A·E + P)) plus the chain searches, see [`chains`].

use std::time::Instant;

use super::formulation::Formulation;
use crate::model::Instance;

const EPS: f64 = 1e-9;

/// An integral column value as a count.
fn count(v: f64) -> u64 {
    v.round().max(0.0) as u64
}

fn floor(v: f64) -> u64 {
    (v + 1e-6).floor().max(0.0) as u64
}

pub(super) mod chains;
mod cycles;
mod dive;
mod keep;
mod nets;
mod prices;
mod undo;

pub(super) use keep::CHOICE_MAX_COLUMNS;
pub use prices::Prices;

/// The LP solution a phase is rounded from, with what its duals say room in later phases
/// is worth (see [`prices`]; `None` where HiGHS gave no duals: the phase is then valued by
/// its own costs alone).
#[derive(Debug, Clone)]
pub struct Guide {
    /// The LP's column values.
    pub values: Vec<f64>,
    /// Prices from its row duals.
    pub prices: Option<Prices>,
}

/// Patients placed in a phase: moved from origin pair `origin`, or registered from the
/// waiting pool (`None`), into destination pair `destination`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placement {
    origin: Option<usize>,
    destination: usize,
    patients: u64,
}

#[derive(Clone)]
pub(super) struct Phase {
    t: usize,
    intake_left: Vec<u64>,
    outflow_left: Vec<u64>,
    moves_left: u64,
    bound: Vec<f64>,
}

#[derive(Clone)]
pub(super) struct State<'a> {
    instance: &'a Instance,
    f: &'a Formulation,
    remain: Vec<u64>,
    joined: Vec<u64>,
    waiting: Vec<u64>,
    load: Vec<f64>,
}

impl State<'_> {
    /// Takes the state after phase `t` from `values` (phase `t`'s columns integral), and
    /// sets phase `t`'s excess columns to exactly what the loads give.
    fn sync(&mut self, t: usize, values: &mut [f64]) {
        let (instance, f) = (self.instance, self.f);
        self.load.iter_mut().for_each(|l| *l = 0.0);
        for (i, o) in f.origins.iter().enumerate() {
            self.remain[i] = o.remain.get(t - 1).map_or(0, |&c| count(values[c]));
            self.load[o.practice] += instance.areas[o.area].care_weight * self.remain[i] as f64;
        }
        for (j, d) in f.destinations.iter().enumerate() {
            self.joined[j] = count(values[d.joined[t - 1]]);
            self.load[d.practice] += instance.areas[d.area].care_weight * self.joined[j] as f64;
        }
        for (a, cols) in f.waiting.iter().enumerate() {
            self.waiting[a] = count(values[cols[t - 1]]);
        }
        for (p, cols) in f.excess.iter().enumerate() {
            if let Some(c) = cols[t - 1] {
                let col = &f.columns[c];
                values[c] = (self.load[p] - instance.ceiling(p, t)).clamp(col.lower, col.upper);
            }
        }
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

/// How a rounding widens the LP's flows of a phase for its keep program, and how closely
/// the program is solved (see [`repair`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounding {
    /// The LP's flows rounded up are multiplied by this.
    pub stretch: u64,
    /// Up to this many patients more on each of them.
    pub margin: u64,
    /// A keep program stops once its plan is proved within this much (in the objective's
    /// units) of its optimum: proving the last few units took most of a small program's
    /// time (Enschede: 0.6 s to find its best plan, 2.2 s more to prove it).
    pub enough: f64,
    /// Where full practices choose their net changes, a keep program's dive (see
    /// [`dive`]) is its answer when within this much of the program's relaxation; 0: the
    /// program is always solved by branch and bound.
    pub quick: f64,
}

/// A feasible integral solution near `lp` (column values), or `None` if the replay cannot
/// keep a load under a bound that drops.
///
/// The keep programs are bounded by work (a node limit), so the result does not depend on
/// the machine; `deadline` only matters on instances too large for the time limit: each
/// keep program gets the time left, and once it has run out the remaining phases are
/// rounded down without one (like an LP cut short, that makes the plan depend on the clock,
/// and its status is `time_limit` anyway).
///
/// The keep program chooses from the LP's flows rounded up and times `rounding.stretch`,
/// plus up to `rounding.margin` patients on each. Where every practice is full, an exchange
/// of patients with different care weights is integral only at counts whose weights
/// balance (13 of weight 1.0 for 10 of weight 1.3), often larger than the LP's fractions;
/// a stretch or a margin lets the keep program find those, but it also makes its search
/// harder and lets it drift from the LP. None is better on every instance (see
/// `super::solve`).
///
/// After each phase, `refresh(t, values)` may return a new LP solution that agrees with the
/// plan up to phase `t` (`values` holds the plan's columns up to `t`); the following phases
/// are then rounded from it. It may also replace phase `t` in `values` by a better integral
/// phase (see [`super::phase_mip`]); the replay then continues from that phase.
pub fn repair(
    instance: &Instance,
    f: &Formulation,
    lp: Guide,
    rounding: Rounding,
    deadline: Instant,
    refresh: &mut Refresh<'_>,
) -> Option<Vec<f64>> {
    let mut lp_now = lp;
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
    // Fill order: cheapest stay first (then practice index), per area.
    let mut by_cost: Vec<Vec<usize>> = vec![Vec::new(); n_areas];
    for (j, d) in f.destinations.iter().enumerate() {
        by_cost[d.area].push(j);
    }
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
        // 1. Closures orphan whoever is left (orphaning and registering again in the same
        // phase is never worse than a move: no move cost, no outflow).
        for (i, o) in f.origins.iter().enumerate() {
            if o.closes == Some(t) {
                st.waiting[o.area] += st.remain[i];
                st.load[o.practice] -= instance.areas[o.area].care_weight * st.remain[i] as f64;
                st.remain[i] = 0;
            }
        }
        // 2. The LP's moves and registrations of the phase rounded down, placed in order
        // within the limits, and taken back where a load ends up over its bound (a swap
        // cycle rounded down rarely balances).
        let down = lp_counts(f, &st, t, &lp_now.values, Round::Down).placements(&st);
        let (mut down_st, mut down_ph) = (st.clone(), ph.clone());
        let mut placed = Vec::new();
        for pl in &down {
            place(&mut down_st, &mut down_ph, pl, pl.patients, &mut placed);
        }
        undo::cascade(&mut down_st, &mut down_ph, &mut placed);
        // 3. Started from that, the keep program chooses the best integer part of the LP's
        // departures, arrivals and registrations rounded up (and of what step 2 placed)
        // within every limit (see `keep`).
        let fallback = keep::Counts::of(&st, &placed);
        let caps =
            lp_counts(f, &st, t, &lp_now.values, Round::Up(rounding.stretch)).union(&fallback);
        let start = caps.aligned(&fallback);
        let started = Instant::now();
        let kept = keep::choose(
            &st,
            &ph,
            (&caps, rounding.margin),
            &start,
            (&lp_now.values, lp_now.prices.as_ref()),
            (deadline, rounding.enough, rounding.quick),
        );
        if std::env::var_os("SPREIDING_TRACE").is_some() {
            eprintln!(
                "  phase {t}: keep program over {} departures, arrivals and registrations, {:.2}s{}",
                caps.len(),
                started.elapsed().as_secs_f64(),
                if kept.is_some() { "" } else { ", no answer" }
            );
        }
        match kept {
            Some(kept) => {
                placed.clear();
                for pl in kept.placements(&st) {
                    place(&mut st, &mut ph, &pl, pl.patients, &mut placed);
                }
                // A kept value a hair over a bound: take back, newest first (see `undo`).
                if (0..instance.practices.len()).any(|p| st.load[p] > ph.bound[p] + EPS) {
                    undo::cascade(&mut st, &mut ph, &mut placed);
                }
            }
            None => (st, ph) = (down_st, down_ph),
        }
        // 4. Whoever still waits: registrations along chains, as far as room and limits go
        // and it pays.
        let verbose = std::env::var("SPREIDING_TRACE").is_ok_and(|v| v == "2");
        let moves_left = |ph: &Phase| match instance.policy.max_moves_per_phase {
            None => "no limit".to_string(),
            Some(_) => ph.moves_left.to_string(),
        };
        let after = |step: &str, st: &State, ph: &Phase| {
            if verbose {
                eprintln!(
                    "  phase {t}: after the {step} waiting {}, moves left {}",
                    st.waiting.iter().sum::<u64>(),
                    moves_left(ph)
                );
            }
        };
        if verbose {
            let lp_waiting: f64 = f.waiting.iter().map(|c| lp_now.values[c[t - 1]]).sum();
            eprintln!(
                "  phase {t}: waiting {} (LP {lp_waiting:.1}), moves left {}",
                st.waiting.iter().sum::<u64>(),
                moves_left(&ph)
            );
        }
        chains::fill(
            &mut st,
            &mut ph,
            (&by_cost, &origins_at),
            lp_now.prices.as_ref(),
        );
        after("chains", &st, &ph);
        // 5. Budget left over: exchange cycles of equal care weights, where they pay.
        cycles::fill(
            &mut st,
            &mut ph,
            (&by_cost, &origins_at),
            lp_now.prices.as_ref(),
        );
        after("cycles", &st, &ph);
        if (0..instance.practices.len())
            .any(|p| st.load[p] > ph.bound[p] + 1e-6 * ph.bound[p].max(1.0))
        {
            return None;
        }
        record(instance, f, &st, &ph, &mut values);
        let recorded = values.clone();
        if let Some(fresh) = refresh(t, &mut values) {
            lp_now = fresh;
        }
        // `refresh` may have re-optimised the phase (see `super::phase_mip`).
        if values != recorded {
            st.sync(t, &mut values);
        }
    }
    Some(values)
}

/// `refresh(t, values)` of [`repair`]: a new LP solution that agrees with the plan's
/// columns up to phase `t`, if there is one. It may change phase `t`'s columns of `values`
/// to another integral phase that keeps every row (the plan is then continued from that).
pub type Refresh<'a> = dyn FnMut(usize, &mut [f64]) -> Option<Guide> + 'a;

/// Which way the LP's departures, arrivals and registrations are rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// Up, times the stretch (see [`repair`]).
    Up(u64),
    Down,
}

/// The LP's departures, arrivals and registrations of phase `t`, rounded `how`
/// (departures at most the pair's patients, registrations at most the area's waiting).
fn lp_counts(f: &Formulation, st: &State, t: usize, lp: &[f64], how: Round) -> keep::Counts {
    let round = |v: f64| match how {
        Round::Up(stretch) => (v - 1e-6).ceil().max(0.0) as u64 * stretch,
        Round::Down => floor(v),
    };
    let mut counts = keep::Counts::default();
    for (i, o) in f.origins.iter().enumerate() {
        // Closing pairs were orphaned in step 1 and have none left.
        if let Some(&c) = o.remain.get(t - 1) {
            let k = round(st.remain[i] as f64 - lp[c]).min(st.remain[i]);
            if k > 0 {
                counts.leave.push((i, k));
            }
        }
    }
    for (j, d) in f.destinations.iter().enumerate() {
        let k = round(lp[d.joined[t - 1]] - st.joined[j] as f64);
        if k > 0 {
            counts.arrive.push((j, k));
        }
    }
    for (a, cols) in f.waiting.iter().enumerate() {
        let k = round(st.waiting[a] as f64 - lp[cols[t - 1]]).min(st.waiting[a]);
        if k > 0 {
            counts.register.push((a, k));
        }
    }
    counts
}

/// Places up to `k` patients of candidate `pl` as far as the state and limits allow, and
/// records what was placed.
fn place(st: &mut State, ph: &mut Phase, pl: &Placement, k: u64, placed: &mut Vec<Placement>) {
    let q = st.f.destinations[pl.destination].practice;
    let mut k = k.min(ph.intake_left[q]).min(ph.moves_left);
    match pl.origin {
        Some(i) => {
            let p = st.f.origins[i].practice;
            k = k.min(st.remain[i]).min(ph.outflow_left[p]);
            if k > 0 {
                st.apply_move(ph, i, pl.destination, k, true);
            }
        }
        None => {
            let a = st.f.destinations[pl.destination].area;
            k = k.min(st.waiting[a]);
            if k > 0 {
                st.waiting[a] -= k;
                st.arrive(ph, pl.destination, k);
            }
        }
    }
    if k > 0 {
        placed.push(Placement { patients: k, ..*pl });
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
