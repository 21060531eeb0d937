//! Choosing a phase's moves and registrations from the LP's, as a small integer program.
//!
//! Rounding the LP's flows down loses up to one patient per flow: where the phase's move
//! budget or every practice is full, the LP's fractions add up to whole patients that a
//! floor never places (on a 120-area city that was ~200 residents left waiting per phase).
//! Rounding up overshoots. So this program takes the LP's departures (per origin pair),
//! arrivals (per destination pair) and registrations (per area) rounded *up*, plus a margin
//! (see `super::repair`), and keeps the best integer part of each, with every limit of the
//! phase as a row — each practice's load bound (`Σ w·in − Σ w·out ≤ bound − load`), its
//! intake and outflow, the phase's move budget — and the excess above the ceiling priced as
//! in the objective. Per area, arrivals = departures + registrations: any departure of an
//! area can pair with any of its arrivals, so there are no pairs to choose.
//!
//! Where every practice is full, only exchanges whose care weights balance are integral.
//! The program branches on what decides that: per practice and care weight, the integer
//! total of arrivals and of departures (continuous columns below them). With the totals
//! fixed, what is left is a flow (per care weight: from the practices patients leave,
//! through their areas, to the practices they join), whose vertices are integral, so a
//! simplex solve with the totals fixed gives the integer placements. The program starts
//! from the caller's fallback (the LP's flows rounded down), so it is never worse than that
//! by its own measure. On the 120-area city the plan ends at 0.024% above the LP bound
//! against 0.029% with an integer column per flow; on 500 × 300 × 4 it gains only with a
//! margin (0.059% against 0.076%): there phase 1, where every practice sits at today's load
//! exactly, is still no better than the start (see `docs/performance.md`).
//!
//! Even so, where every practice is full B&B finds few integer totals that balance (each
//! practice's load row is an equality knapsack): on a 60-area instance without transfer limits
//! the program ended at its start, 2.3% above the LP. So a practice that the LP leaves
//! full at a fractional net change chooses its net change per care weight from a list of
//! integer ones that fit (see [`super::nets`]), and every pair there is an entry, so that
//! the patients such a change needs are in reach; that instance then ends at 0.02% (one
//! phase; docs/performance.md). On models above [`CHOICE_MAX_COLUMNS`] only the
//! [`CHOOSING_AT_MOST`] full practices with the largest exchanges choose.
//! Such a program is hard for HiGHS (root cuts and sub-MIPs: ~1 s a phase on Enschede), so
//! where the caller allows a quick answer it first dives (see [`super::dive`]) and takes
//! the dive's plan when it is close enough to the program's relaxation.
//!
//! Each kept patient is valued by the LP's reduced cost of the placement over the phases
//! left, with the rows of this phase left to the program (see [`super::prices`]): so the
//! LP's moves that make room for a later phase (ahead of a closure, for a growth) keep their
//! value. Without duals (an LP that stopped early) it is valued by the stay costs it
//! changes and the move itself, and the value of room for later phases is not seen.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use highs::{RowProblem, Sense};

use super::super::solve::{configure, has_feasible_solution, solve_counted};
use super::dive;
use super::nets::{self, Choices, Class};
use super::{Phase, Placement, Prices, State};

/// The most branch-and-bound nodes per phase: the solve must end the same way on every
/// machine, so it is bounded by work, not by the clock. The best solution found within it
/// is used even if not proved optimal.
const MAX_NODES: i32 = 2_000;

/// The nodes of a program on a model above [`MANY_CANDIDATES_MAX_COLUMNS`] where full
/// practices choose among candidates: with twice [`MAX_NODES`] a 250 × 150 × 8 instance
/// (33.6k columns, programs of 20–90 s) ran into the 300 s limit; with this many it ends
/// at 0.0080% above the LP bound in 211 s, a 150 × 80 × 8 one (19k columns) at 0.0104%
/// against 0.0135%, a 120 × 60 × 12 city at 0.0477% against 0.0501% (and 57 s sooner).
/// On the 120-area city twice [`MAX_NODES`] pay: seed 42 ends at 0.0204% against 0.0259%.
const FEW_CANDIDATES_NODES: i32 = 1_000;

/// Every full practice chooses among candidate net changes (see [`nets`]) on models up to
/// this many columns; above it only the [`CHOOSING_AT_MOST`] with the largest exchanges
/// do. With all of them (55–87 a phase) the programs with every pair of the full practices
/// take so long that the plan is cut by the 300 s limit: on a 500 × 300 × 12 region (103k
/// columns) the keep program of phase 2 alone ran 95 s, and the plan ended at 0.89% above
/// the LP bound against 0.088% without.
pub(in crate::lp) const CHOICE_MAX_COLUMNS: usize = 40_000;

/// On models above [`CHOICE_MAX_COLUMNS`], the full practices that choose their net
/// changes in a phase: those whose LP exchanges are largest (care-weighted patients
/// arriving and leaving), the others keep their totals as on smaller models without
/// choices. This bounds the program whatever the region's size. On the 500 × 300 × 12
/// region (two runs side by side): 40 give 0.0718% above the LP bound in 222 s, 20 give
/// 0.0929%, none 0.0883%.
const CHOOSING_AT_MOST: usize = 40;

/// The nodes of a program where at most [`CHOOSING_AT_MOST`] practices choose (models
/// above [`CHOICE_MAX_COLUMNS`]): HiGHS's root heuristics find most of what these
/// programs give (region, phase 2 with every full practice choosing: within 0.1% of the
/// 95 s optimum after 5.5 s). With these and 40 practices the region's plan takes 200 s
/// alone on the cores (its programs 6–16 s each).
const CAPPED_CHOICE_NODES: i32 = 50;

/// Models up to this many columns get [`nets::KEPT`] candidates per full practice, bigger
/// ones [`nets::KEPT_FEW`] (and [`FEW_CANDIDATES_NODES`]): with 48 the programs of a
/// 120 × 60 × 12 city (19k columns) ran that plan into the 300 s limit and 250 × 150 × 8
/// (33.6k columns) ended at 0.095% above the LP bound; with 16 they end at 0.048%
/// (against 0.075% without choices) and 0.008% (against 0.032%). On the 120-area city
/// (9.5k columns) 48 are better: 0.0098% against 0.0178%.
const MANY_CANDIDATES_MAX_COLUMNS: usize = 12_000;

/// What keeping one of the LP's own arrivals is worth beyond its price, so that where prices
/// tie (no resource of the phase binds, as when the LP empties a practice ahead of its
/// closure at no cost of its own) the program follows the LP's flow instead of dropping it.
/// Small against every weight that matters (10 m of walk for one phase at the default
/// `walk_km` weight).
const TIE: f64 = 1e-3;

/// What a phase may place, per area: departures per origin pair, arrivals per destination
/// pair, registrations; each with the most the program may take or, for a start and for
/// its answer, how many it takes. Any departure of an area can pair with any of its arrivals, so the
/// program needs no pairs: per area, arrivals = departures + registrations.
#[derive(Debug, Clone, Default)]
pub(super) struct Counts {
    /// (origin pair, count).
    pub leave: Vec<(usize, u64)>,
    /// (destination pair, count).
    pub arrive: Vec<(usize, u64)>,
    /// (area, count).
    pub register: Vec<(usize, u64)>,
}

impl Counts {
    /// How many entries: departures, arrivals and registrations.
    pub fn len(&self) -> usize {
        self.leave.len() + self.arrive.len() + self.register.len()
    }

    /// Every entry in the program's column order: departures, arrivals, registrations.
    fn entries(&self) -> impl Iterator<Item = &(usize, u64)> {
        self.leave.iter().chain(&self.arrive).chain(&self.register)
    }

    /// The counts of `other` at this one's entries (0 where `other` has none); `other`'s
    /// entries must all be among this one's.
    pub fn aligned(&self, other: &Counts) -> Counts {
        fn align(mine: &[(usize, u64)], theirs: &[(usize, u64)]) -> Vec<(usize, u64)> {
            let index: HashMap<usize, u64> = theirs.iter().copied().collect();
            mine.iter()
                .map(|&(k, _)| (k, index.get(&k).copied().unwrap_or(0)))
                .collect()
        }
        Counts {
            leave: align(&self.leave, &other.leave),
            arrive: align(&self.arrive, &other.arrive),
            register: align(&self.register, &other.register),
        }
    }

    /// Each entry of both, with the larger count.
    pub fn union(&self, other: &Counts) -> Counts {
        fn merge(a: &[(usize, u64)], b: &[(usize, u64)]) -> Vec<(usize, u64)> {
            let mut out: Vec<(usize, u64)> = a.to_vec();
            let mut index: HashMap<usize, usize> =
                a.iter().enumerate().map(|(n, &(k, _))| (k, n)).collect();
            for &(k, c) in b {
                let n = *index.entry(k).or_insert_with(|| {
                    out.push((k, 0));
                    out.len() - 1
                });
                out[n].1 = out[n].1.max(c);
            }
            out
        }
        Counts {
            leave: merge(&self.leave, &other.leave),
            arrive: merge(&self.arrive, &other.arrive),
            register: merge(&self.register, &other.register),
        }
    }

    /// The counts of `placed`.
    pub fn of(st: &State, placed: &[Placement]) -> Counts {
        let mut c = Counts::default();
        for pl in placed {
            c.arrive.push((pl.destination, pl.patients));
            match pl.origin {
                Some(i) => c.leave.push((i, pl.patients)),
                None => c
                    .register
                    .push((st.f.destinations[pl.destination].area, pl.patients)),
            }
        }
        let sum = |v: &mut Vec<(usize, u64)>| {
            let mut m: HashMap<usize, u64> = HashMap::new();
            let mut order = Vec::new();
            for &(k, n) in v.iter() {
                *m.entry(k).or_insert_with(|| {
                    order.push(k);
                    0
                }) += n;
            }
            *v = order.into_iter().map(|k| (k, m[&k])).collect();
        };
        sum(&mut c.leave);
        sum(&mut c.arrive);
        sum(&mut c.register);
        c
    }

    /// The counts as placements: per area, departures paired with arrivals at another
    /// practice in order, then registrations; what cannot be paired is left out.
    pub fn placements(&self, st: &State) -> Vec<Placement> {
        let f = st.f;
        let n_areas = st.instance.areas.len();
        let mut leave: Vec<Vec<(usize, u64)>> = vec![Vec::new(); n_areas];
        for &(i, k) in self.leave.iter().filter(|e| e.1 > 0) {
            leave[f.origins[i].area].push((i, k));
        }
        let mut register = vec![0; n_areas];
        for &(a, k) in &self.register {
            register[a] += k;
        }
        let mut out = Vec::new();
        for &(j, mut arrive) in self.arrive.iter().filter(|e| e.1 > 0) {
            let d = &f.destinations[j];
            for (i, left) in leave[d.area].iter_mut() {
                if arrive == 0 {
                    break;
                }
                if *left == 0 || f.origins[*i].practice == d.practice {
                    continue;
                }
                let k = arrive.min(*left);
                (*left, arrive) = (*left - k, arrive - k);
                out.push(Placement {
                    origin: Some(*i),
                    destination: j,
                    patients: k,
                });
            }
            let k = arrive.min(register[d.area]);
            if k > 0 {
                register[d.area] -= k;
                out.push(Placement {
                    origin: None,
                    destination: j,
                    patients: k,
                });
            }
        }
        out
    }
}

/// How many of each entry of `caps` to place (none placed yet): up to its cap plus
/// `margin`, starting from `start` (counts at the entries of `caps`, a feasible placement),
/// proved within `enough` of the program's optimum (or at its node limit), or a dive's plan
/// within `quick` of the program's relaxation; `None` if HiGHS found no solution (the
/// caller then keeps the start).
pub(super) fn choose(
    st: &State,
    ph: &Phase,
    (caps, margin): (&Counts, u64),
    start: &Counts,
    (lp, prices): (&[f64], Option<&Prices>),
    (deadline, enough, quick): (Instant, f64, f64),
) -> Option<Counts> {
    if caps.len() == 0 {
        return Some(Counts::default());
    }
    let seconds_left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    };
    if seconds_left() <= 0.0 {
        return None;
    }
    // A full practice may need patients the LP does not move to balance its exchanges:
    // every pair there becomes an entry (see `nets`).
    let capped = st.f.columns.len() > CHOICE_MAX_COLUMNS;
    let full = {
        let groups = Groups::new(st, caps);
        let classes = classes(st, ph, (caps, margin), start, lp, &groups);
        let mut full = vec![false; st.instance.practices.len()];
        let mut exchanges = Vec::new();
        for (x, list) in classes {
            full[x] = nets::is_full(&list, ph.bound[x] - st.load[x]);
            if full[x] {
                let volume: f64 = list.iter().map(|c| c.weight * c.lp.abs()).sum();
                exchanges.push((volume, x));
            }
        }
        if capped {
            exchanges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, x) in exchanges.iter().skip(CHOOSING_AT_MOST) {
                full[x] = false;
            }
        }
        full
    };
    let caps = &caps.union(&every_pair_at(st, ph.t, &full));
    let start = &caps.aligned(start);
    let groups = Groups::new(st, caps);
    let (choices, margins) = {
        let mut classes = classes(st, ph, (caps, margin), start, lp, &groups);
        classes.retain(|&x, _| full[x]);
        full_practices(st, ph, (caps, margin), classes, &groups)
    };
    let choosing = !choices.is_empty();
    let program = totals_program(st, ph, (caps, &margins), prices, &groups, &choices);
    let mut start = program.start(st, caps, start, &groups);
    let trace = std::env::var_os("SPREIDING_TRACE").is_some();
    // Where full practices choose and a quick answer may do, dive first (see `dive`): its
    // plan is kept when within `quick` of the program's relaxation, else it is HiGHS's start.
    let dived = (choosing && quick > 0.0)
        .then(|| dive::dive(&program.pb, &program.choices, seconds_left()))
        .flatten()
        .and_then(|d| {
            let picked: Vec<Choices> = choices
                .iter()
                .zip(&d.picks)
                .map(|(c, &k)| Choices {
                    classes: c.classes.clone(),
                    nets: vec![c.nets[k].clone()],
                })
                .collect();
            let fixed = totals_program(st, ph, (caps, &margins), prices, &groups, &picked);
            let nodes = node_limit(st, false);
            let solved = branch_and_bound(fixed.pb, None, nodes, (seconds_left(), enough))?;
            let lost = solved.objective_value() - d.bound;
            if trace {
                eprintln!("    dive: {lost:.1} above the program's relaxation");
            }
            // The fixed program's columns are the program's, less the choices.
            let mut values = solved.get_solution().columns().to_vec();
            values.truncate(start.len() - program.choices.iter().map(Vec::len).sum::<usize>());
            values.extend(program.picking(&d.picks));
            Some((values, lost))
        });
    let values = match dived {
        Some((values, lost)) if lost <= quick => values,
        dived => {
            if let Some((values, _)) = dived {
                start = values;
            }
            let nodes = node_limit(st, choosing);
            let solved =
                branch_and_bound(program.pb, Some(&start), nodes, (seconds_left(), enough))?;
            if trace {
                eprintln!(
                    "    keep program: {} full practices ({} candidates), {:?}, value {:.1}, gap {:.2e}",
                    program.choices.len(),
                    program.choices.iter().map(Vec::len).sum::<usize>(),
                    solved.status(),
                    solved.objective_value(),
                    solved.mip_gap()
                );
            }
            solved.get_solution().columns().to_vec()
        }
    };
    let n = caps.len();
    let totals: Vec<f64> = values[2 * n..][..groups.keys.len()]
        .iter()
        .map(|v| v.round().max(0.0))
        .collect();
    // The totals fixed, the rest is a flow problem: its vertices are integral.
    let flows = flows_program(st, ph.t, (caps, &margins), prices, &groups, &totals);
    let mut model = flows.try_optimise(Sense::Minimise).ok()?;
    configure(&mut model, seconds_left(), false).ok()?;
    model.try_set_option("solver", "simplex").ok()?;
    let values = match solve_counted(model) {
        Ok(solved) if has_feasible_solution(&solved) => solved.get_solution().columns().to_vec(),
        // Out of time or numerically off: the program's own values, rounded down.
        _ => values[..2 * n].to_vec(),
    };
    if trace {
        let fractional = values
            .iter()
            .filter(|v| (*v - v.round()).abs() > 1e-6)
            .count();
        if fractional > 0 {
            eprintln!("    keep program: {fractional} fractional flows rounded down");
        }
    }
    let count = |v: f64| (v + 1e-6).floor().max(0.0) as u64;
    let mut kept = (0..n).map(|e| count(values[e]) + count(values[n + e]));
    let mut take = |entries: &[(usize, u64)]| -> Vec<(usize, u64)> {
        entries
            .iter()
            .map(|&(k, _)| (k, kept.next().unwrap_or(0)))
            .collect()
    };
    Some(Counts {
        leave: take(&caps.leave),
        arrive: take(&caps.arrive),
        register: take(&caps.register),
    })
}

/// Solves `pb` by branch and bound, from `start` if given (HiGHS ignores a start it finds
/// infeasible), until proved within `enough` or after `nodes` nodes; `None` if HiGHS found
/// no solution.
fn branch_and_bound(
    pb: RowProblem,
    start: Option<&[f64]>,
    nodes: i32,
    (seconds, enough): (f64, f64),
) -> Option<highs::SolvedModel> {
    let mut model = pb.try_optimise(Sense::Minimise).ok()?;
    if let Some(start) = start {
        let _ = model.try_set_solution(Some(start), None, None, None);
    }
    configure(&mut model, seconds, false).ok()?;
    model.try_set_option("mip_max_nodes", nodes).ok()?;
    model.try_set_option("mip_rel_gap", 1e-9).ok()?;
    model.try_set_option("mip_abs_gap", enough.max(1e-6)).ok()?;
    let solved = solve_counted(model).ok()?;
    has_feasible_solution(&solved).then_some(solved)
}

/// The full practices' candidate net changes (see [`nets`]) and every entry's margin: the
/// entries of a full practice may go up to [`nets::RADIUS`] beyond their cap, so that
/// counts whose care weights balance are in reach; the others get `margin`.
/// `classes` are every practice's (see [`classes`]).
fn full_practices(
    st: &State,
    ph: &Phase,
    (caps, margin): (&Counts, u64),
    classes: BTreeMap<usize, Vec<Class>>,
    groups: &Groups,
) -> (Vec<Choices>, Vec<u64>) {
    let room = room_beyond_caps(st, caps);
    let kept = if many_candidates(st) {
        nets::KEPT
    } else {
        nets::KEPT_FEW
    };
    let mut full = vec![false; st.instance.practices.len()];
    let mut choices = Vec::new();
    for (x, list) in classes {
        if let Some(c) = nets::choices(list, ph.bound[x] - st.load[x], kept) {
            full[x] = true;
            choices.push(c);
        }
    }
    let margins = groups
        .of
        .iter()
        .zip(&room)
        .map(|(g, &room)| match g {
            Some(g) if full[groups.keys[*g].0] => room.min(margin.max(nets::RADIUS as u64)),
            _ => room.min(margin),
        })
        .collect();
    (choices, margins)
}

/// The branch-and-bound nodes of a phase's program, by the model's size: twice
/// [`MAX_NODES`] up to [`MANY_CANDIDATES_MAX_COLUMNS`], [`FEW_CANDIDATES_NODES`] up to
/// [`CHOICE_MAX_COLUMNS`], above it [`CAPPED_CHOICE_NODES`] where practices `choosing`
/// their net changes make the program hard, else [`MAX_NODES`].
///
/// Twice [`MAX_NODES`] paid before full practices chose their net changes, on models up to
/// 40k columns (250 × 150 × 8, 33.6k columns: 0.0305% → 0.0296%; 500 × 300 × 4: 0.0587% →
/// 0.0560%; a city with 12 phases 0.1255% → 0.1192%; a city without a move budget 0.2255%
/// → 0.1972%) for about twice the rounding's time, which the 500-area region (103k
/// columns, 169 s) could not spare; with choices only the smallest models keep them (see
/// [`FEW_CANDIDATES_NODES`]).
fn node_limit(st: &State, choosing: bool) -> i32 {
    let columns = st.f.columns.len();
    if columns <= MANY_CANDIDATES_MAX_COLUMNS {
        2 * MAX_NODES
    } else if columns <= CHOICE_MAX_COLUMNS {
        FEW_CANDIDATES_NODES
    } else if choosing {
        CAPPED_CHOICE_NODES
    } else {
        MAX_NODES
    }
}

/// Whether the model is small enough for [`nets::KEPT`] candidates per full practice and
/// twice [`MAX_NODES`] (see [`MANY_CANDIDATES_MAX_COLUMNS`]).
fn many_candidates(st: &State) -> bool {
    st.f.columns.len() <= MANY_CANDIDATES_MAX_COLUMNS
}

/// Every practice's net change per care weight: the LP's, the start's, and the range the
/// entries allow with a full practice's margin (see [`full_practices`]).
fn classes(
    st: &State,
    ph: &Phase,
    (caps, margin): (&Counts, u64),
    start: &Counts,
    lp: &[f64],
    groups: &Groups,
) -> BTreeMap<usize, Vec<Class>> {
    let (f, t) = (st.f, ph.t);
    let wide = margin.max(nets::RADIUS as u64);
    let room = room_beyond_caps(st, caps);
    let (nl, na) = (caps.leave.len(), caps.arrive.len());
    // The LP's departures and arrivals of the phase, per entry.
    let lp_amount = |e: usize, k: usize| -> f64 {
        if e < nl {
            (st.remain[k] as f64 - lp[f.origins[k].remain[t - 1]]).max(0.0)
        } else if e < nl + na {
            (lp[f.destinations[k].joined[t - 1]] - st.joined[k] as f64).max(0.0)
        } else {
            0.0
        }
    };
    let n_groups = groups.keys.len();
    let (mut lp_sum, mut start_sum, mut most) = (
        vec![0.0; n_groups],
        vec![0_i64; n_groups],
        vec![0_i64; n_groups],
    );
    for (e, (&(k, cap), &(_, s))) in caps.entries().zip(start.entries()).enumerate() {
        if let Some(g) = groups.of[e] {
            lp_sum[g] += lp_amount(e, k);
            start_sum[g] += s as i64;
            most[g] += cap.saturating_add(room[e].min(wide)).min(1 << 40) as i64;
        }
    }
    let mut classes: BTreeMap<usize, Vec<Class>> = BTreeMap::new();
    for (g, &(x, weight, arrive)) in groups.keys.iter().enumerate() {
        let list = classes.entry(x).or_default();
        let c = match list.iter().position(|c| c.weight == weight) {
            Some(c) => c,
            None => {
                list.push(Class {
                    weight,
                    arrive: None,
                    leave: None,
                    range: (0, 0),
                    lp: 0.0,
                    start: 0,
                });
                list.len() - 1
            }
        };
        let class = &mut list[c];
        if arrive {
            class.arrive = Some(g);
            class.range.1 = most[g];
            class.lp += lp_sum[g];
            class.start += start_sum[g];
        } else {
            class.leave = Some(g);
            class.range.0 = -most[g];
            class.lp -= lp_sum[g];
            class.start -= start_sum[g];
        }
    }
    classes
}

/// Every pair at the practices marked in `full` that patients could leave or join in phase
/// `t`, as entries of no count.
fn every_pair_at(st: &State, t: usize, full: &[bool]) -> Counts {
    let f = st.f;
    let leave = f
        .origins
        .iter()
        .enumerate()
        .filter(|(i, o)| full[o.practice] && st.remain[*i] > 0 && o.remain.len() >= t)
        .map(|(i, _)| (i, 0))
        .collect();
    let arrive = f
        .destinations
        .iter()
        .enumerate()
        .filter(|(_, d)| full[d.practice])
        .map(|(j, _)| (j, 0))
        .collect();
    Counts {
        leave,
        arrive,
        register: Vec::new(),
    }
}

/// The entries grouped by the practice their patients arrive at or leave, per care
/// weight: the integer totals of the program.
struct Groups {
    /// Per column (departures, then arrivals, then registrations), its group; `None` for a
    /// registration.
    of: Vec<Option<usize>>,
    /// Per group: its practice, the care weight, and whether it counts arrivals.
    keys: Vec<(usize, f64, bool)>,
}

impl Groups {
    fn new(st: &State, caps: &Counts) -> Groups {
        let mut index: HashMap<(usize, u64, bool), usize> = HashMap::new();
        let mut keys = Vec::new();
        let mut group = |practice: usize, weight: f64, arrive: bool| {
            *index
                .entry((practice, weight.to_bits(), arrive))
                .or_insert_with(|| {
                    keys.push((practice, weight, arrive));
                    keys.len() - 1
                })
        };
        let (f, areas) = (st.f, &st.instance.areas);
        let mut of = Vec::with_capacity(caps.len());
        for &(i, _) in &caps.leave {
            let o = &f.origins[i];
            of.push(Some(group(o.practice, areas[o.area].care_weight, false)));
        }
        for &(j, _) in &caps.arrive {
            let d = &f.destinations[j];
            of.push(Some(group(d.practice, areas[d.area].care_weight, true)));
        }
        of.extend(caps.register.iter().map(|_| None));
        Groups { of, keys }
    }
}

/// What each column (departures, arrivals, registrations) costs per patient: a move costs
/// its departure plus its arrival.
fn costs(st: &State, caps: &Counts, prices: Option<&Prices>, t: usize) -> Vec<f64> {
    let (inst, f) = (st.instance, st.f);
    let w = inst.policy.weights;
    let phases_left = (inst.phases() - t + 1) as f64;
    let leave = caps.leave.iter().map(|&(i, _)| {
        let o = &f.origins[i];
        match prices {
            // The LP's reduced costs, later phases included (see `prices`).
            Some(prices) => -prices.after(f, &o.remain, t),
            None => {
                // The last remain column carries −W.move (moves telescope); add it back.
                let last = if o.remain.len() == 1 { w.moves } else { 0.0 };
                -(f.columns[o.remain[0]].cost + last) * phases_left + w.moves
            }
        }
    });
    let arrive = caps.arrive.iter().map(|&(j, _)| {
        let d = &f.destinations[j];
        match prices {
            Some(prices) => prices.after(f, &d.joined, t),
            None => f.columns[d.joined[0]].cost * phases_left,
        }
    });
    let register = caps.register.iter().map(|&(a, _)| match prices {
        Some(prices) => -prices.after(f, &f.waiting[a], t),
        None => -w.waiting * phases_left,
    });
    leave.chain(arrive).chain(register).collect()
}

/// Per entry of `caps`, how many more than its cap there are: the pair's patients or the
/// area's waiting (arrivals are not bounded by their own entry).
fn room_beyond_caps(st: &State, caps: &Counts) -> Vec<u64> {
    let leave = caps
        .leave
        .iter()
        .map(|&(i, cap)| st.remain[i].saturating_sub(cap));
    let arrive = caps.arrive.iter().map(|_| u64::MAX);
    let register = caps
        .register
        .iter()
        .map(|&(a, cap)| st.waiting[a].saturating_sub(cap));
    leave.chain(arrive).chain(register).collect()
}

/// Two columns per entry of `caps` (departures, arrivals, registrations): up to its cap,
/// then up to its margin (`margins`, per entry: see [`full_practices`]), the second priced
/// a little higher so that where prices tie the program follows the LP; and a row per
/// area: arrivals = departures + registrations. Returns the columns (every entry's first,
/// then every entry's second).
fn flow_columns(
    st: &State,
    t: usize,
    (caps, margins): (&Counts, &[u64]),
    prices: Option<&Prices>,
    pb: &mut RowProblem,
) -> Vec<highs::Col> {
    let f = st.f;
    let costs = costs(st, caps, prices, t);
    let entries: Vec<(usize, u64)> = caps.entries().copied().collect();
    let n = entries.len();
    let (nl, na) = (caps.leave.len(), caps.arrive.len());
    // Keeping the LP's own arrivals is worth a little more (`TIE`).
    let tie = |e: usize| if (nl..nl + na).contains(&e) { TIE } else { 0.0 };
    let mut cols: Vec<highs::Col> = (0..n)
        .map(|e| pb.add_column(costs[e] - tie(e), 0.0..=entries[e].1 as f64))
        .collect();
    for (e, &margin) in margins.iter().enumerate() {
        cols.push(pb.add_column(costs[e] + 2.0 * TIE, 0.0..=margin as f64));
    }
    let area = |e: usize| {
        let k = entries[e].0;
        if e < nl {
            (f.origins[k].area, -1.0)
        } else if e < nl + na {
            (f.destinations[k].area, 1.0)
        } else {
            (k, -1.0)
        }
    };
    let mut rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); st.instance.areas.len()];
    for (c, &col) in cols.iter().enumerate() {
        let (a, sign) = area(c % n);
        rows[a].push((col, sign));
    }
    for terms in rows.into_iter().filter(|r| !r.is_empty()) {
        pb.add_row(0.0..=0.0, terms);
    }
    cols
}

/// Per group, its columns.
fn members(groups: &Groups, cols: &[highs::Col]) -> Vec<Vec<highs::Col>> {
    let mut members = vec![Vec::new(); groups.keys.len()];
    for (c, &col) in cols.iter().enumerate() {
        if let Some(g) = groups.of[c % groups.of.len()] {
            members[g].push(col);
        }
    }
    members
}

/// The keep program and where its excess columns are.
struct Program {
    pb: RowProblem,
    /// Per excess column, its practice and ceiling.
    excess: Vec<(usize, f64)>,
    /// Per full practice, the binary columns of the candidate net changes it chooses
    /// from (the start's first).
    choices: Vec<Vec<highs::Col>>,
}

impl Program {
    /// `start` as the program's column values: the entries, the totals, the excess.
    fn start(&self, st: &State, caps: &Counts, start: &Counts, groups: &Groups) -> Vec<f64> {
        let (base, extra): (Vec<f64>, Vec<f64>) = start
            .entries()
            .zip(caps.entries())
            .map(|(&(_, k), &(_, cap))| (k.min(cap) as f64, k.saturating_sub(cap) as f64))
            .unzip();
        let mut sums = vec![0.0; groups.keys.len()];
        for (g, (&b, &e)) in groups.of.iter().zip(base.iter().zip(&extra)) {
            if let Some(g) = *g {
                sums[g] += b + e;
            }
        }
        let mut out = base;
        out.extend(extra);
        let mut load = st.load.clone();
        for (&(x, weight, arrive), &sum) in groups.keys.iter().zip(&sums) {
            load[x] += if arrive { weight * sum } else { -weight * sum };
        }
        out.extend(sums);
        out.extend(self.excess.iter().map(|&(x, c)| (load[x] - c).max(0.0)));
        out.extend(self.picking(&vec![0; self.choices.len()]));
        out
    }

    /// The choice columns' values where each full practice takes the candidate of `picks`.
    fn picking<'a>(&'a self, picks: &'a [usize]) -> impl Iterator<Item = f64> + 'a {
        self.choices.iter().zip(picks).flat_map(|(cols, &pick)| {
            (0..cols.len()).map(move |k| if k == pick { 1.0 } else { 0.0 })
        })
    }
}

/// The keep program: two columns per entry of `caps` (see [`flow_columns`]), then one
/// integer column per group totalling its members, then the excess columns. Every limit of the phase is a row
/// over the totals.
fn totals_program(
    st: &State,
    ph: &Phase,
    (caps, margins): (&Counts, &[u64]),
    prices: Option<&Prices>,
    groups: &Groups,
    choices: &[Choices],
) -> Program {
    let inst = st.instance;
    let w = inst.policy.weights;
    let n = inst.practices.len();
    let mut pb = RowProblem::default();
    let cols = flow_columns(st, ph.t, (caps, margins), prices, &mut pb);
    let totals: Vec<highs::Col> = groups
        .keys
        .iter()
        .map(|_| pb.add_integer_column(0.0, 0.0..))
        .collect();
    for (members, &total) in members(groups, &cols).into_iter().zip(&totals) {
        let terms = members.into_iter().map(|c| (c, 1.0));
        pb.add_row(0.0..=0.0, terms.chain([(total, -1.0)]));
    }
    let mut load_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    let mut intake_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    let mut outflow_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    for (&(x, weight, arrive), &col) in groups.keys.iter().zip(&totals) {
        if arrive {
            load_rows[x].push((col, weight));
            intake_rows[x].push((col, 1.0));
        } else {
            load_rows[x].push((col, -weight));
            outflow_rows[x].push((col, 1.0));
        }
    }
    let mut excess = Vec::new();
    for (x, terms) in load_rows.iter_mut().enumerate() {
        if terms.is_empty() {
            continue;
        }
        pb.add_row(..=ph.bound[x] - st.load[x], terms.iter().copied());
        // Excess above the ceiling: e ≥ load + Σ terms − C.
        let c = inst.ceiling(x, ph.t);
        if ph.bound[x] > c {
            // With prices, the later phases' excess is in them (the duals of their load
            // rows); without, this phase's excess is assumed to last.
            let excess_phases = if prices.is_some() {
                1.0
            } else {
                (inst.phases() - ph.t + 1) as f64
            };
            let e = pb.add_column(w.excess * excess_phases, 0.0..);
            excess.push((x, c));
            terms.push((e, -1.0));
            pb.add_row(..=c - st.load[x], terms.iter().copied());
        }
    }
    let limited = |left: u64| (left != u64::MAX).then_some(left as f64);
    for (x, terms) in intake_rows.into_iter().enumerate() {
        if let (false, Some(left)) = (terms.is_empty(), limited(ph.intake_left[x])) {
            pb.add_row(..=left, terms);
        }
    }
    for (x, terms) in outflow_rows.into_iter().enumerate() {
        if let (false, Some(left)) = (terms.is_empty(), limited(ph.outflow_left[x])) {
            pb.add_row(..=left, terms);
        }
    }
    if let Some(left) = limited(ph.moves_left) {
        let arrivals = groups.keys.iter().zip(&totals).filter(|(k, _)| k.2);
        pb.add_row(..=left, arrivals.map(|(_, &col)| (col, 1.0)));
    }
    // Full practices: one candidate net change each, the totals tied to it.
    let mut columns = Vec::new();
    for choice in choices {
        let picks: Vec<highs::Col> = choice
            .nets
            .iter()
            .map(|_| pb.add_integer_column(0.0, 0.0..=1.0))
            .collect();
        pb.add_row(1.0..=1.0, picks.iter().map(|&b| (b, 1.0)));
        columns.push(picks.clone());
        for (c, class) in choice.classes.iter().enumerate() {
            let arrive = class.arrive.map(|g| (totals[g], 1.0));
            let leave = class.leave.map(|g| (totals[g], -1.0));
            let chosen = picks
                .iter()
                .zip(&choice.nets)
                .filter(|(_, net)| net[c] != 0)
                .map(|(&b, net)| (b, -(net[c] as f64)));
            pb.add_row(0.0..=0.0, arrive.into_iter().chain(leave).chain(chosen));
        }
    }
    Program {
        pb,
        excess,
        choices: columns,
    }
}

/// The keep program with its totals fixed at `totals`: every row over the totals is then
/// settled, and what is left is a flow (per care weight, from the practices patients leave
/// through their areas to the practices they join, registrations entering at the areas),
/// so its matrix is totally unimodular and a simplex vertex is integral.
fn flows_program(
    st: &State,
    t: usize,
    (caps, margins): (&Counts, &[u64]),
    prices: Option<&Prices>,
    groups: &Groups,
    totals: &[f64],
) -> RowProblem {
    let mut pb = RowProblem::default();
    let cols = flow_columns(st, t, (caps, margins), prices, &mut pb);
    for (members, &total) in members(groups, &cols).into_iter().zip(totals) {
        pb.add_row(total..=total, members.into_iter().map(|c| (c, 1.0)));
    }
    pb
}

#[cfg(test)]
mod tests {
    use super::{Counts, State};
    use crate::geo::Distances;
    use crate::lp::Formulation;

    /// One area of 10 residents, 4 waiting, registered at P1 (6) and P2 (4); P3 is empty.
    const ONE_AREA: &str = r#"{
      "format": "spreiding/instance@1", "name": "one area",
      "policy": {"norm_per_fte": 10, "ceiling_ratio": 1.0, "max_walk_m": 5000,
                 "detour_factor": 1.0, "phases": 1, "max_moves_per_phase": null,
                 "max_intake_per_phase": null, "max_outflow_per_phase": null},
      "areas": [{"id": "A1", "district": "C", "location": {"x": 0, "y": 0},
                 "residents": 14, "noni": 4}],
      "practices": [
        {"id": "P1", "district": "C", "location": {"x": 100, "y": 0}, "fte": 1.0},
        {"id": "P2", "district": "C", "location": {"x": 200, "y": 0}, "fte": 1.0},
        {"id": "P3", "district": "C", "location": {"x": 300, "y": 0}, "fte": 1.0}],
      "registrations": [{"area": "A1", "practice": "P1", "patients": 6},
                        {"area": "A1", "practice": "P2", "patients": 4}]
    }"#;

    /// Per area, departures are paired with arrivals at another practice in order, then
    /// registrations; an arrival at the practice a departure leaves is not paired with it.
    #[test]
    fn counts_pair_into_moves_and_registrations() {
        let instance = crate::validate::parse_instance(ONE_AREA).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let st = State {
            instance: &instance,
            f: &f,
            remain: f.origins.iter().map(|o| o.patients).collect(),
            joined: vec![0; f.destinations.len()],
            waiting: vec![4],
            load: instance.initial_loads(),
        };
        let origin = |p: usize| f.origins.iter().position(|o| o.practice == p).unwrap();
        let destination = |q: usize| f.destinations.iter().position(|d| d.practice == q).unwrap();
        // 3 leave P1 and 2 leave P2; 3 arrive at P2, 4 at P3; 2 are registered.
        let counts = Counts {
            leave: vec![(origin(0), 3), (origin(1), 2)],
            arrive: vec![(destination(1), 3), (destination(2), 4)],
            register: vec![(0, 2)],
        };
        let moves: Vec<(Option<usize>, usize, u64)> = counts
            .placements(&st)
            .iter()
            .map(|pl| {
                let from = pl.origin.map(|i| f.origins[i].practice);
                (from, f.destinations[pl.destination].practice, pl.patients)
            })
            .collect();
        assert_eq!(moves, [(Some(0), 1, 3), (Some(1), 2, 2), (None, 2, 2)]);
        // Leaving P1 and arriving at P1 is no move at all.
        let counts = Counts {
            leave: vec![(origin(0), 2)],
            arrive: vec![(destination(0), 2)],
            register: vec![],
        };
        assert!(counts.placements(&st).is_empty());
    }
}
