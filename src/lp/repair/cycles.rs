//! Exchange cycles: where the keep program and the chains leave part of the phase's move
//! budget unused, move patients around cycles of practices (P1 → P2 → … → P1), every link
//! a patient of the same care weight, while a cycle pays at the LP's prices.
//!
//! Where every practice is full the LP moves patients home in swap cycles that trade
//! patients of different care weights; those often have no integer part (a synthetic city
//! with 12 phases: 397 of 1,200 moves of phase 1 unused, the LP re-solved after it 52k
//! higher). A cycle of equal weights leaves every load as it was, so it is integral and
//! feasible whatever the room. Cycles are found with Bellman–Ford per care weight over the
//! practices, each link the best-priced move of that weight between the two practices.
//!
//! Cost per cycle: O(P · links) for the search, links ≤ origin pairs × eligible practices.

use super::{Phase, Prices, State};

/// At most this many cycles per phase, so that a phase's cost stays bounded.
const MAX_CYCLES: usize = 200;

/// A cycle must gain more than this (objective units) to be placed: less is price noise.
const MIN_GAIN: f64 = 1e-3;

/// One link: move a patient of origin pair `origin` to destination pair `destination`.
#[derive(Debug, Clone, Copy)]
struct Link {
    origin: usize,
    destination: usize,
    cost: f64,
}

/// Places exchange cycles while the budget lasts and one pays (with prices only: without
/// them a cycle's value for later phases is not known).
pub(super) fn fill(
    st: &mut State,
    ph: &mut Phase,
    (destinations_of, origins_at): (&[Vec<usize>], &[Vec<usize>]),
    prices: Option<&Prices>,
) {
    let Some(prices) = prices else { return };
    // Without a move budget nothing is left over to use, and cycles would only compete
    // with the keep program's own exchanges: on the city without any per-phase limit,
    // 200 cycles of hundreds of patients each, priced one patient at a time, took the LP
    // re-solved after phase 1 from +0.77M to +4.25M; with intake and outflow limits but no
    // budget the city went from 0.21% to 0.29%.
    if st.instance.policy.max_moves_per_phase.is_none() {
        return;
    }
    let mut weights: Vec<f64> = st.instance.areas.iter().map(|a| a.care_weight).collect();
    weights.sort_by(f64::total_cmp);
    weights.dedup();
    for _ in 0..MAX_CYCLES {
        if ph.moves_left < 2 {
            return;
        }
        let Some(cycle) = weights
            .iter()
            .find_map(|&w| negative_cycle(st, ph, w, (destinations_of, origins_at), prices))
        else {
            return;
        };
        let mut k = ph.moves_left / cycle.len() as u64;
        for link in &cycle {
            let p = st.f.origins[link.origin].practice;
            let q = st.f.destinations[link.destination].practice;
            k = k
                .min(st.remain[link.origin])
                .min(ph.outflow_left[p])
                .min(ph.intake_left[q]);
        }
        if k == 0 {
            return;
        }
        for link in &cycle {
            st.apply_move(ph, link.origin, link.destination, k, true);
        }
    }
}

/// A cycle of moves of patients of care weight `w` whose prices add up to less than
/// `-MIN_GAIN`, each practice on it once, if there is one.
fn negative_cycle(
    st: &State,
    ph: &Phase,
    w: f64,
    (destinations_of, origins_at): (&[Vec<usize>], &[Vec<usize>]),
    prices: &Prices,
) -> Option<Vec<Link>> {
    let n = st.instance.practices.len();
    let hurdle = prices.budget(ph.t);
    // The cheapest link per (from, to) practice pair.
    let mut best: std::collections::BTreeMap<(usize, usize), Link> = Default::default();
    for (p, origins) in origins_at.iter().enumerate() {
        if ph.outflow_left[p] == 0 {
            continue;
        }
        for &i in origins {
            let o = &st.f.origins[i];
            if st.remain[i] == 0 || st.instance.areas[o.area].care_weight != w {
                continue;
            }
            for &j in &destinations_of[o.area] {
                let q = st.f.destinations[j].practice;
                if q == p || ph.intake_left[q] == 0 {
                    continue;
                }
                // Each move also uses a unit of the budget, worth what the LP's last move
                // in this phase gained: a cycle must do at least as well per move, or the
                // budget is better left to the windows (on 250 × 150 × 8, cycles taken at
                // any gain cost 0.1%).
                let cost = prices.placement(st.f, Some(i), j, ph.t) + hurdle;
                let link = Link {
                    origin: i,
                    destination: j,
                    cost,
                };
                best.entry((p, q))
                    .and_modify(|l| {
                        if cost < l.cost {
                            *l = link;
                        }
                    })
                    .or_insert(link);
            }
        }
    }
    if best.is_empty() {
        return None;
    }
    let links: Vec<((usize, usize), Link)> = best.into_iter().collect();
    // Bellman–Ford from a virtual source at distance 0 to every practice.
    let mut dist = vec![0.0f64; n];
    let mut pred: Vec<Option<usize>> = vec![None; n]; // index into `links`
    let mut changed_at = None;
    for _ in 0..n {
        changed_at = None;
        for (e, &((p, q), link)) in links.iter().enumerate() {
            if dist[p] + link.cost < dist[q] - 1e-9 {
                dist[q] = dist[p] + link.cost;
                pred[q] = Some(e);
                changed_at = Some(q);
            }
        }
        changed_at?;
    }
    // Still relaxing after n rounds: walking back n steps lands on a cycle.
    let mut x = changed_at?;
    for _ in 0..n {
        x = links[pred[x]?].0.0;
    }
    let mut cycle = Vec::new();
    let start = x;
    loop {
        let ((p, _), link) = links[pred[x]?];
        cycle.push(link);
        x = p;
        if x == start {
            break;
        }
        if cycle.len() > n {
            return None;
        }
    }
    cycle.reverse();
    let cost: f64 = cycle.iter().map(|l| l.cost).sum();
    (cost < -MIN_GAIN).then_some(cycle)
}

#[cfg(test)]
mod tests {
    use crate::lp::repair::prices::tests::rounded;

    /// Two full practices (ceilings far below their loads, so each stays at today's load),
    /// a move budget of 9 in one phase. A1 (weight 1.3) and A3 (1.0) live in P1's district
    /// but are registered at P2, A2 (1.0) the other way round; moving one home gains 9.1
    /// (A1, A2) or 9.06 (A3, which lives 200 m from P1). The LP sends all 5 of A2 to P2 and
    /// brings back 3.33 of A1 and 0.67 of A3; the keep program can only realise one A2–A3
    /// swap (no count of A1 balances in weight), and the cycles use the budget left for
    /// three more (18.16 per two moves, above the LP's 8.93 per move). Optimum: four swaps,
    /// excess 100 × 14.5, out of district 10 × 7, walk 0.1 × 7.6 km, 8 moves = 1,528.76
    /// (one swap: 1,583.24).
    const UNEVEN_SWAP: &str = r#"{
      "format": "spreiding/instance@1", "name": "uneven swap",
      "policy": {"norm_per_fte": 1, "ceiling_ratio": 1.0, "max_walk_m": 2000,
                 "detour_factor": 1.0, "phases": 1, "max_moves_per_phase": 9,
                 "max_intake_per_phase": null, "max_outflow_per_phase": null},
      "areas": [
        {"id": "A1", "district": "W", "location": {"x": 0, "y": 0}, "residents": 5,
         "noni": 0, "care_weight": 1.3},
        {"id": "A2", "district": "E", "location": {"x": 1000, "y": 0}, "residents": 5,
         "noni": 0},
        {"id": "A3", "district": "W", "location": {"x": 200, "y": 0}, "residents": 5,
         "noni": 0}],
      "practices": [
        {"id": "P1", "district": "W", "location": {"x": 0, "y": 0}, "fte": 1.0},
        {"id": "P2", "district": "E", "location": {"x": 1000, "y": 0}, "fte": 1.0}],
      "registrations": [
        {"area": "A1", "practice": "P2", "patients": 5},
        {"area": "A2", "practice": "P1", "patients": 5},
        {"area": "A3", "practice": "P2", "patients": 5}]
    }"#;

    #[test]
    fn an_equal_weight_cycle_uses_the_budget_an_uneven_swap_cannot() {
        let (value, optimum) = rounded(UNEVEN_SWAP, true);
        assert!((optimum - 1_528.76).abs() < 1e-6, "optimum {optimum}");
        assert!((value - optimum).abs() < 1e-6, "rounded {value}");
    }
}
