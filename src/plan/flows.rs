//! From the formulation's state values to per-phase moves, registrations and orphans.
//!
//! The formulation knows, per area and phase, how many patients leave each practice and how
//! many join each practice, not who goes where. Any split of that balance is a valid move
//! list; this one is deterministic: first cancel a practice's own departures against its own
//! arrivals (a move from p to p is no move; cancelling never breaks a limit and saves the
//! move cost), then pair the remaining departures and arrivals in index order (north-west
//! corner). Arrivals left over are registrations of waiting residents.

use crate::lp::Formulation;
use crate::model::Instance;

/// Everything that happens in one phase, by indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhaseFlows {
    /// (area, from, to, patients).
    pub moves: Vec<(usize, usize, usize, u64)>,
    /// (area, practice, patients).
    pub registrations: Vec<(usize, usize, u64)>,
    /// (area, practice, patients).
    pub orphans: Vec<(usize, usize, u64)>,
}

/// The solution is not a consistent plan (a solver or formulation bug, never user error).
#[derive(Debug, thiserror::Error)]
#[error("the solution is inconsistent: {0}")]
pub struct InconsistentSolution(pub String);

fn count(v: f64) -> u64 {
    v.round().max(0.0) as u64
}

/// Splits the solution into phases 1..=T (index t−1).
pub fn flows(
    instance: &Instance,
    f: &Formulation,
    values: &[f64],
) -> Result<Vec<PhaseFlows>, InconsistentSolution> {
    let t_max = instance.phases();
    let n_areas = instance.areas.len();
    let mut origins_of = vec![Vec::new(); n_areas];
    for o in &f.origins {
        origins_of[o.area].push(o);
    }
    let mut destinations_of = vec![Vec::new(); n_areas];
    for d in &f.destinations {
        destinations_of[d.area].push(d);
    }
    let mut phases = vec![PhaseFlows::default(); t_max];
    for a in 0..n_areas {
        for t in 1..=t_max {
            let mut leaving: Vec<(usize, u64)> = Vec::new();
            for o in &origins_of[a] {
                let before = if t == 1 {
                    o.patients
                } else {
                    o.remain.get(t - 2).map_or(0, |&c| count(values[c]))
                };
                let (departed, orphaned) = match (o.remain.get(t - 1), o.closes) {
                    (Some(&c), _) => (before.saturating_sub(count(values[c])), 0),
                    (None, Some(k)) if k == t => {
                        let x = count(values[o.leave_at_close.expect("closing pair")]).min(before);
                        (x, before - x)
                    }
                    _ => (0, 0),
                };
                if departed > 0 {
                    leaving.push((o.practice, departed));
                }
                if orphaned > 0 {
                    phases[t - 1].orphans.push((a, o.practice, orphaned));
                }
            }
            let mut joining: Vec<(usize, u64)> = Vec::new();
            for d in &destinations_of[a] {
                let now = count(values[d.joined[t - 1]]);
                let before = if t == 1 {
                    0
                } else {
                    count(values[d.joined[t - 2]])
                };
                if now < before {
                    return Err(InconsistentSolution(format!(
                        "patients of area {} left practice {} after joining it",
                        instance.areas[a].id, instance.practices[d.practice].id
                    )));
                }
                if now > before {
                    joining.push((d.practice, now - before));
                }
            }
            cancel_own(&mut leaving, &mut joining);
            pair(a, &leaving, &joining, &mut phases[t - 1]).map_err(|()| {
                InconsistentSolution(format!(
                    "more patients of area {} leave than arrive in phase {t}",
                    instance.areas[a].id
                ))
            })?;
        }
    }
    Ok(phases)
}

/// Cancels departures from p against arrivals at p (both lists ascending by practice).
fn cancel_own(leaving: &mut [(usize, u64)], joining: &mut [(usize, u64)]) {
    for (p, out) in leaving.iter_mut() {
        if let Some((_, into)) = joining.iter_mut().find(|(q, _)| q == p) {
            let both = (*out).min(*into);
            *out -= both;
            *into -= both;
        }
    }
}

/// North-west corner pairing of departures with arrivals; the rest of the arrivals are
/// registrations. `Err` if departures exceed arrivals.
fn pair(
    area: usize,
    leaving: &[(usize, u64)],
    joining: &[(usize, u64)],
    out: &mut PhaseFlows,
) -> Result<(), ()> {
    let mut arrivals: Vec<(usize, u64)> = joining.iter().copied().filter(|j| j.1 > 0).collect();
    let mut next = 0;
    for &(from, mut n) in leaving.iter().filter(|l| l.1 > 0) {
        while n > 0 {
            let Some((to, room)) = arrivals.get_mut(next) else {
                return Err(());
            };
            let k = n.min(*room);
            out.moves.push((area, from, *to, k));
            n -= k;
            *room -= k;
            if *room == 0 {
                next += 1;
            }
        }
    }
    for &(q, n) in arrivals.iter().skip(next).filter(|a| a.1 > 0) {
        out.registrations.push((area, q, n));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_practice_departures_cancel_against_arrivals() {
        let mut leaving = vec![(0, 5), (1, 2)];
        let mut joining = vec![(1, 3), (2, 4)];
        cancel_own(&mut leaving, &mut joining);
        let mut out = PhaseFlows::default();
        pair(7, &leaving, &joining, &mut out).unwrap();
        // p1: 2 out, 3 in → 0 out, 1 in. Then 5 from p0: 1 → p1, 4 → p2.
        assert_eq!(out.moves, vec![(7, 0, 1, 1), (7, 0, 2, 4)]);
        assert!(out.registrations.is_empty());
    }

    #[test]
    fn arrivals_beyond_departures_are_registrations() {
        let mut out = PhaseFlows::default();
        pair(0, &[(0, 2)], &[(1, 1), (2, 4)], &mut out).unwrap();
        assert_eq!(out.moves, vec![(0, 0, 1, 1), (0, 0, 2, 1)]);
        assert_eq!(out.registrations, vec![(0, 2, 3)]);
    }
}
