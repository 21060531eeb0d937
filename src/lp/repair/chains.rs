//! Augmenting chains: register a waiting resident at a practice, making room there by moving
//! one of its original patients on to another practice, and so on, until a practice with
//! room. Breadth-first over practices, so chains are as short as possible.
//!
//! Cost per search: O(Σ over practices of (origin pairs × eligible practices of their area)).

use super::{EPS, Phase, Prices, State};

/// One link of a chain: registration (`origin: None`) or move of origin pair `i`, into
/// destination pair `j`.
#[derive(Debug, Clone, Copy)]
struct Link {
    origin: Option<usize>,
    destination: usize,
}

/// Registers waiting residents along chains while one pays, area by area.
pub(super) fn fill(
    st: &mut State,
    ph: &mut Phase,
    (by_cost, origins_at): (&[Vec<usize>], &[Vec<usize>]),
    prices: Option<&Prices>,
) {
    for a in 0..st.instance.areas.len() {
        while st.waiting[a] > 0 && ph.moves_left > 0 {
            let Some(chain) = search(st, ph, a, by_cost, origins_at) else {
                break;
            };
            let k = bottleneck(st, ph, a, &chain);
            if k == 0 || !pays(st, ph, &chain, prices) {
                break;
            }
            apply(st, ph, a, &chain, k);
        }
    }
}

fn weight_in(st: &State, link: &Link) -> f64 {
    st.instance.areas[st.f.destinations[link.destination].area].care_weight
}

fn weight_out(st: &State, link: &Link) -> f64 {
    link.origin
        .map_or(0.0, |i| st.instance.areas[st.f.origins[i].area].care_weight)
}

/// Shortest chain for area `a`, as links from the registration to the last move.
fn search(
    st: &State,
    ph: &Phase,
    a: usize,
    by_cost: &[Vec<usize>],
    origins_at: &[Vec<usize>],
) -> Option<Vec<Link>> {
    let n_practices = st.instance.practices.len();
    let mut parent: Vec<Option<(usize, Link)>> = vec![None; n_practices]; // (previous practice, link into here)
    let mut seen = vec![false; n_practices];
    let mut queue = std::collections::VecDeque::new();
    const START: usize = usize::MAX;
    for &j in &by_cost[a] {
        let q = st.f.destinations[j].practice;
        if !seen[q] && ph.intake_left[q] > 0 {
            seen[q] = true;
            parent[q] = Some((
                START,
                Link {
                    origin: None,
                    destination: j,
                },
            ));
            queue.push_back((q, st.instance.areas[a].care_weight));
        }
    }
    while let Some((x, w_in)) = queue.pop_front() {
        if st.load[x] + w_in <= ph.bound[x] + EPS {
            let mut chain = Vec::new();
            let mut at = x;
            while at != START {
                let (prev, link) = parent[at].expect("visited practice has a parent");
                chain.push(link);
                at = prev;
            }
            chain.reverse();
            return Some(chain);
        }
        if ph.outflow_left[x] == 0 {
            continue;
        }
        for &i in &origins_at[x] {
            let o = &st.f.origins[i];
            let w_out = st.instance.areas[o.area].care_weight;
            if st.remain[i] == 0 || st.load[x] + w_in - w_out > ph.bound[x] + EPS {
                continue;
            }
            for &j in &by_cost[o.area] {
                let y = st.f.destinations[j].practice;
                if !seen[y] && ph.intake_left[y] > 0 {
                    seen[y] = true;
                    parent[y] = Some((
                        x,
                        Link {
                            origin: Some(i),
                            destination: j,
                        },
                    ));
                    queue.push_back((y, w_out));
                }
            }
        }
    }
    None
}

/// How many residents the chain can take at once.
fn bottleneck(st: &State, ph: &Phase, a: usize, chain: &[Link]) -> u64 {
    let moves = chain.len() as u64; // registration + moves, one unit of G each
    let mut k = st.waiting[a].min(ph.moves_left / moves);
    for (n, link) in chain.iter().enumerate() {
        let x = st.f.destinations[link.destination].practice;
        k = k.min(ph.intake_left[x]);
        let w_in = weight_in(st, link);
        let w_out = chain.get(n + 1).map_or(0.0, |next| weight_out(st, next));
        if let Some(next) = chain.get(n + 1) {
            let i = next.origin.expect("moves after the first link");
            k = k.min(st.remain[i]).min(ph.outflow_left[x]);
        }
        let net = w_in - w_out;
        if net > 0.0 {
            let room = ((ph.bound[x] - st.load[x]) / net + EPS).floor().max(0.0) as u64;
            k = k.min(room);
        }
    }
    k
}

/// Whether one resident placed along the chain lowers the objective over the phases left:
/// with `prices`, each link at its reduced cost in the LP (see [`Prices`]), without, by the
/// stay costs it changes and the move.
fn pays(st: &State, ph: &Phase, chain: &[Link], prices: Option<&Prices>) -> bool {
    let inst = st.instance;
    let w = inst.policy.weights;
    let phases_left = (inst.phases() - ph.t + 1) as f64;
    // Later phases' excess is in the prices when there are any.
    let excess_phases = if prices.is_some() { 1.0 } else { phases_left };
    let mut cost = match prices {
        Some(_) => 0.0,
        None => -w.waiting * phases_left,
    };
    for (n, link) in chain.iter().enumerate() {
        let d = &st.f.destinations[link.destination];
        if let Some(prices) = prices {
            // The LP's reduced cost of the link, later phases included (see `prices`).
            cost += prices.placement(st.f, link.origin, link.destination, ph.t);
        } else {
            let mut per_phase = st.f.columns[d.joined[0]].cost;
            if let Some(i) = link.origin {
                let o = &st.f.origins[i];
                per_phase -= st.f.columns[o.remain[0]].cost
                    + if o.remain.len() == 1 { w.moves } else { 0.0 };
                cost += w.moves;
            }
            cost += per_phase * phases_left;
        }
        let net = weight_in(st, link) - chain.get(n + 1).map_or(0.0, |next| weight_out(st, next));
        let c = inst.ceiling(d.practice, ph.t);
        let before = (st.load[d.practice] - c).max(0.0);
        let after = (st.load[d.practice] + net - c).max(0.0);
        cost += w.excess * (after - before) * excess_phases;
    }
    cost < 0.0
}

fn apply(st: &mut State, ph: &mut Phase, a: usize, chain: &[Link], k: u64) {
    // Moves first (from the far end), so every load stays within its bound.
    for link in chain.iter().rev() {
        match link.origin {
            Some(i) => st.apply_move(ph, i, link.destination, k, true),
            None => {
                st.waiting[a] -= k;
                st.arrive(ph, link.destination, k);
            }
        }
    }
}
