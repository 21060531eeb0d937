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
//!    that lowers the objective;
//! 5. move budget still left: exchange cycles of patients of equal care weight, which keep
//!    every load as it is, while one pays at the LP's prices (see [`cycles`]).
//!
//! Every limit is checked before a patient is placed and loads are brought back under their
//! bounds in step 3, so the result is feasible whenever no bound drops below a load the
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
mod keep;
mod prices;
mod undo;

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

/// A feasible integral solution near `lp` (column values), or `None` if the replay cannot
/// keep a load under a bound that drops.
///
/// The keep programs are bounded by work (a node limit), so the result does not depend on
/// the machine; `deadline` only matters on instances too large for the time limit: each
/// keep program gets the time left, and once it has run out the remaining phases are
/// rounded down without one (like an LP cut short, that makes the plan depend on the clock,
/// and its status is `time_limit` anyway).
///
/// The keep program chooses from the LP's flows rounded up and multiplied by `stretch`
/// (1: the LP's flows). Where every practice is full, an exchange of patients with
/// different care weights is integral only at counts whose weights balance, often larger
/// than the LP's fractions; a stretch of 2 lets the keep program find those, but it also
/// lets it drift from the LP. Neither is better on every instance (see `super::solve`).
///
/// After each phase, `refresh(t, values)` may return a new LP solution that agrees with the
/// plan up to phase `t` (`values` holds the plan's columns up to `t`); the following phases
/// are then rounded from it. It may also replace phase `t` in `values` by a better integral
/// phase (see [`super::phase_mip`]); the replay then continues from that phase.
pub fn repair(
    instance: &Instance,
    f: &Formulation,
    lp: Guide,
    stretch: u64,
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
        // 1. Closures orphan whoever is left (orphaning and registering again in the same
        // phase is never worse than a move: no move cost, no outflow).
        for (i, o) in f.origins.iter().enumerate() {
            if o.closes == Some(t) {
                st.waiting[o.area] += st.remain[i];
                st.load[o.practice] -= instance.areas[o.area].care_weight * st.remain[i] as f64;
                st.remain[i] = 0;
            }
        }
        // 2. The LP's moves and registrations of the phase, rounded up, paired per area; the
        // keep program chooses the best integer part within every limit (see `keep`).
        let up = candidates(
            f,
            &st,
            t,
            &lp_now.values,
            (&origins_of, &destinations_of),
            Round::Up(stretch),
        );
        let mut placed = Vec::new();
        let started = Instant::now();
        let kept = keep::choose(&st, &ph, &up, lp_now.prices.as_ref(), deadline);
        if std::env::var_os("SPREIDING_TRACE").is_some() {
            eprintln!(
                "  phase {t}: keep program over {} candidates, {:.2}s{}",
                up.len(),
                started.elapsed().as_secs_f64(),
                if kept.is_some() { "" } else { ", no answer" }
            );
        }
        match kept {
            Some(kept) => {
                for (pl, k) in up.iter().zip(kept) {
                    place(&mut st, &mut ph, pl, k, &mut placed);
                }
            }
            None => {
                // No answer: the LP's flows rounded down, in order, within the limits.
                let down = candidates(
                    f,
                    &st,
                    t,
                    &lp_now.values,
                    (&origins_of, &destinations_of),
                    Round::Down,
                );
                for pl in &down {
                    place(&mut st, &mut ph, pl, pl.patients, &mut placed);
                }
            }
        }
        // 3. A load can still be above its bound (rounding down departures; a kept value a
        // hair over): take placements back along paths that end where there is room.
        if (0..instance.practices.len()).any(|p| st.load[p] > ph.bound[p] + EPS) {
            undo::cascade(&mut st, &mut ph, &mut placed);
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

/// Which way the LP's flows are rounded into candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// Up, then times the stretch (see [`repair`]).
    Up(u64),
    Down,
}

fn round(v: f64, how: Round) -> u64 {
    match how {
        Round::Up(_) => (v - 1e-6).ceil().max(0.0) as u64,
        Round::Down => floor(v),
    }
}

/// The LP's departures and arrivals of phase `t` in area order, rounded `how` (up: times
/// the stretch, departures at most the pair's patients), paired into moves (origin pair →
/// destination pair of the same area) and registrations. Limits are not applied here;
/// registrations of an area may add up to more than its waiting.
fn candidates(
    f: &Formulation,
    st: &State,
    t: usize,
    lp: &[f64],
    (origins_of, destinations_of): (&[Vec<usize>], &[Vec<usize>]),
    how: Round,
) -> Vec<Placement> {
    let (opposite, stretch) = match how {
        Round::Up(stretch) => (Round::Down, stretch),
        Round::Down => (Round::Up(1), 1),
    };
    let mut out = Vec::new();
    for (a, destinations) in destinations_of.iter().enumerate() {
        // Departures: today's patients minus the LP's remaining, rounded the other way.
        // Closing pairs were orphaned in step 1 and have none left.
        let mut leave: Vec<(usize, u64)> = origins_of[a]
            .iter()
            .filter_map(|&i| {
                let o = &f.origins[i];
                let c = *o.remain.get(t - 1)?;
                let leave = st.remain[i].saturating_sub(round(lp[c], opposite));
                Some((i, (leave * stretch).min(st.remain[i])))
            })
            .collect();
        for &j in destinations {
            let q = f.destinations[j].practice;
            let mut arrive = stretch
                * round(lp[f.destinations[j].joined[t - 1]], how).saturating_sub(st.joined[j]);
            for (i, left) in leave.iter_mut() {
                if arrive == 0 {
                    break;
                }
                if *left == 0 || f.origins[*i].practice == q {
                    continue;
                }
                let k = arrive.min(*left);
                *left -= k;
                arrive -= k;
                out.push(Placement {
                    origin: Some(*i),
                    destination: j,
                    patients: k,
                });
            }
            let k = arrive.min(st.waiting[a]);
            if k > 0 {
                out.push(Placement {
                    origin: None,
                    destination: j,
                    patients: k,
                });
            }
        }
    }
    out
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
