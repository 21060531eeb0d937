//! Windows around the room an integer plan leaves in pieces.
//!
//! Ceilings are `fte × norm` and care weights 1.0–1.3, so a full practice in an integer
//! plan usually keeps a *fragment* of room: less than one more patient of any area near it
//! (0.65 here, 0.4 there). The LP fills every fragment with a fraction of a patient; the
//! plan leaves them empty, and on a 120-area city that was most of its gap to the bound
//! (five to six residents per phase waiting longer than in the LP). Fragments of nearby
//! practices can be pooled: practice A sends a 1.3 patient to B and takes a 1.1 one back,
//! and A's room grows by 0.2 while B's shrinks by as much, until one of them has room for
//! a whole waiting patient. That is a small integer program over the practices involved,
//! which is what a window of [`super::neighbourhood`] solves, but the nearest-neighbour
//! windows rarely hold the right practices (on that city the three fragments of 0.15, 0.5
//! and 0.4 that one waiting area could reach were 2 km apart, with other practices between).
//!
//! So these windows are read off the plan: for every phase and every area with residents
//! still waiting, the practices within its reach that hold a fragment smaller than one of
//! its patients, if together they hold room for one, free from that phase on. The plan
//! changes as windows improve it, so the list is drawn again after every pass.

use super::formulation::{Formulation, RowKind};
use super::neighbourhood::Window;
use crate::model::Instance;

/// Room below this (in care-weighted patients) counts as none: loads are sums of care
/// weights with two decimals, so real fragments are at least 0.01.
const MIN_FRAGMENT: f64 = 1e-6;

/// Practices per fragment window at most. Windows of four practices took up to 1.5 s on
/// the 120-area city against 0.1–0.3 s for three; the largest fragments are taken first,
/// so a fourth is rarely needed.
const MAX_PRACTICES: usize = 4;

/// Pooling fragments takes moves, and where the move budget binds a window can only spend
/// what its own practices give up. So each window is also drawn with one more practice,
/// for this many of those the waiting area can reach that take the most patients in the
/// phase (on the 120-area city: 18.1k gained against 17.2k without; five donors and
/// windows of five practices gained nothing more).
const DONORS: usize = 2;

/// Where the load rows and the eligible practices of `f` are, for drawing windows quickly.
pub(super) struct Fragments<'a> {
    /// Per practice and phase (index t−1): its load row and excess column, if it has a
    /// load row.
    load: Vec<Vec<Option<(usize, usize)>>>,
    /// Per area: the practices it may register at, ascending.
    eligible: Vec<Vec<usize>>,
    /// Per area: its care weight.
    weight: Vec<f64>,
    /// Per practice: the `joined` columns of its destination pairs.
    joined_at: Vec<Vec<&'a [usize]>>,
}

impl<'a> Fragments<'a> {
    /// Indexes `f`. Linear in its rows and pairs.
    pub fn new(instance: &Instance, f: &'a Formulation) -> Fragments<'a> {
        let phases = instance.phases();
        let mut load = vec![vec![None; phases]; instance.practices.len()];
        for (r, kind) in f.row_kinds.iter().enumerate() {
            if let RowKind::Load { practice, phase } = *kind
                && let Some(e) = f.excess[practice][phase - 1]
            {
                load[practice][phase - 1] = Some((r, e));
            }
        }
        let mut eligible = vec![Vec::new(); instance.areas.len()];
        let mut joined_at = vec![Vec::new(); instance.practices.len()];
        for d in &f.destinations {
            eligible[d.area].push(d.practice);
            joined_at[d.practice].push(d.joined.as_slice());
        }
        Fragments {
            load,
            eligible,
            weight: instance.areas.iter().map(|a| a.care_weight).collect(),
            joined_at,
        }
    }

    /// Room of practice `p` in phase `t` up to its hard bound `U`, at row activities
    /// `activity` and column values `values`; `None` without a load row (closed).
    fn room(
        &self,
        f: &Formulation,
        activity: &[f64],
        values: &[f64],
        p: usize,
        t: usize,
    ) -> Option<f64> {
        let (r, e) = self.load[p][t - 1]?;
        // The row is `load − e ≤ C` with `e ≤ U − C`, so `U − load = C + ē − (row + e)`.
        Some(f.rows[r].rhs + f.columns[e].upper - activity[r] - values[e])
    }

    /// Patients who join practice `p` in phase `t` (moves and registrations).
    fn arrivals(&self, values: &[f64], p: usize, t: usize) -> f64 {
        self.joined_at[p]
            .iter()
            .map(|j| values[j[t - 1]] - if t > 1 { values[j[t - 2]] } else { 0.0 })
            .sum()
    }

    /// The windows of the plan `values` (with row activities `activity`), each with what
    /// registering one more patient in it at once would save: most valuable first (earliest
    /// phase), then the larger pool, then the practices' indices. Each window (practices
    /// and phases) appears once.
    pub fn windows(&self, f: &Formulation, activity: &[f64], values: &[f64]) -> Vec<(f64, Window)> {
        let phases = f.waiting.first().map_or(0, Vec::len);
        let mut rooms = vec![0.0; self.load.len()];
        let mut out: Vec<(f64, f64, Window)> = Vec::new();
        for t in 1..=phases {
            for (p, room) in rooms.iter_mut().enumerate() {
                *room = self.room(f, activity, values, p, t).unwrap_or(0.0);
            }
            for (a, cols) in f.waiting.iter().enumerate() {
                if values[cols[t - 1]] < 0.5 {
                    continue;
                }
                let w = self.weight[a];
                let mut pieces: Vec<(f64, usize)> = self.eligible[a]
                    .iter()
                    .map(|&q| (rooms[q], q))
                    .filter(|&(room, _)| room > MIN_FRAGMENT && room < w - MIN_FRAGMENT)
                    .collect();
                pieces.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                let mut pool = 0.0;
                let mut window = Vec::new();
                for &(room, q) in pieces.iter().take(MAX_PRACTICES) {
                    pool += room;
                    window.push(q);
                    if pool >= w - MIN_FRAGMENT {
                        break;
                    }
                }
                if pool < w - MIN_FRAGMENT || window.len() < 2 {
                    continue;
                }
                let saving: f64 = cols[t - 1..].iter().map(|&c| f.columns[c].cost).sum();
                // The phases before t stay as they are: the window pools fragments from t
                // on. (On the 120-area city that found the same plan as windows over every
                // phase, in smaller programs; windows of phase t alone found nothing, as
                // what they register in t also needs room in every later phase.)
                let from_t = |practices| Window {
                    practices,
                    phases: Some((t, phases)),
                };
                let mut donors: Vec<(f64, usize)> = self.eligible[a]
                    .iter()
                    .filter(|q| !window.contains(q))
                    .map(|&q| (self.arrivals(values, q, t), q))
                    .filter(|&(n, _)| n > 0.5)
                    .collect();
                donors.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                let mut sorted = window.clone();
                sorted.sort_unstable();
                out.push((saving, pool, from_t(sorted)));
                if window.len() < MAX_PRACTICES {
                    for &(_, q) in donors.iter().take(DONORS) {
                        let mut with = window.clone();
                        with.push(q);
                        with.sort_unstable();
                        out.push((saving, pool, from_t(with)));
                    }
                }
            }
        }
        out.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then(y.1.total_cmp(&x.1))
                .then_with(|| x.2.cmp(&y.2))
        });
        let mut seen = std::collections::BTreeSet::new();
        out.into_iter()
            .filter(|(_, _, w)| seen.insert(w.clone()))
            .map(|(saving, _, w)| (saving, w))
            .collect()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::geo::Distances;

    /// Four practices on a line, 100 m apart, all within reach of every area. P1 (ceiling 2)
    /// holds one patient of care weight 1.5 and P4 (ceiling 1.5) one of weight 1.0: each
    /// keeps a fragment of 0.5. P2 and P3 (ceiling 1) are full. One resident of area A
    /// (weight 1.0) waits. Only swapping P1's and P4's patients (2 moves) makes room for
    /// them, at P1, and the nearest-neighbour windows ({P1,P2,P3} and {P2,P3,P4}) never hold
    /// both P1 and P4. `phases` phases, all alike.
    pub(in crate::lp) fn apart(phases: usize) -> Instance {
        let practice = |id: &str, x: f64, ceiling: f64| {
            serde_json::json!({
                "id": id, "name": id, "district": "D", "location": {"x": x, "y": 0},
                "fte": 1.0, "ceiling": ceiling, "accepting": true,
                "max_intake_per_phase": null, "max_outflow_per_phase": null, "changes": []
            })
        };
        let area = |id: &str, x: f64, residents: u32, noni: u32, w: f64| {
            serde_json::json!({
                "id": id, "name": id, "district": "D", "location": {"x": x, "y": 50},
                "residents": residents, "noni": noni, "care_weight": w
            })
        };
        let registration =
            |a: &str, p: &str| serde_json::json!({"area": a, "practice": p, "patients": 1});
        let text = serde_json::json!({
            "format": "spreiding/instance@1",
            "name": "fragments apart",
            "policy": {
                "norm_per_fte": 10, "ceiling_ratio": 1.0, "max_walk_m": 2000,
                "detour_factor": 1.0, "phases": phases,
                "phase_labels": (1..=phases).map(|t| format!("F{t}")).collect::<Vec<_>>(),
                "max_moves_per_phase": null, "max_intake_per_phase": null,
                "max_outflow_per_phase": null,
                "weights": {"waiting": 1000, "excess": 100, "out_of_district": 10,
                            "move": 1, "walk_km": 0.1}
            },
            "areas": [area("A", 150.0, 2, 1, 1.0), area("B", 0.0, 1, 0, 1.5),
                      area("F", 150.0, 2, 0, 1.0)],
            "practices": [practice("P1", 0.0, 2.0), practice("P2", 100.0, 1.0),
                          practice("P3", 200.0, 1.0), practice("P4", 300.0, 1.5)],
            "registrations": [registration("B", "P1"), registration("F", "P2"),
                              registration("F", "P3"), registration("A", "P4")],
            "walk_graph": null
        })
        .to_string();
        crate::validate::parse_instance(&text).expect("valid instance")
    }

    /// From the plan that moves nobody, the one window is P1 and P4 (no donors: nobody
    /// arrives anywhere), worth the waiting resident's one phase.
    #[test]
    fn the_window_pools_the_two_fragments() {
        let instance = apart(1);
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let values = f.idle_solution(&instance);
        let activity: Vec<f64> = f.rows.iter().map(|r| r.activity(&values)).collect();
        let fragments = Fragments::new(&instance, &f);
        assert_eq!(fragments.room(&f, &activity, &values, 0, 1), Some(0.5));
        assert_eq!(fragments.room(&f, &activity, &values, 1, 1), Some(0.0));
        assert_eq!(fragments.room(&f, &activity, &values, 3, 1), Some(0.5));
        let window = Window {
            practices: vec![0, 3],
            phases: Some((1, 1)),
        };
        assert_eq!(
            fragments.windows(&f, &activity, &values),
            vec![(1000.0, window)]
        );
    }
}
