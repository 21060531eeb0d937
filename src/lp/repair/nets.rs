//! Candidate net changes for full practices: the keep program's choice among integer
//! vectors whose care weights fit.
//!
//! A practice at its bound can only exchange patients whose care weights balance: with
//! weights 1.0 and 1.15 it may take 20 of weight 1.15 for 23 of weight 1.0, not 1,293.04
//! for 1,487 as the LP does. Branch-and-bound on integer totals per care weight finds such
//! points poorly (an equality knapsack per practice: on a 60-area instance without
//! transfer limits HiGHS found no integer plan at all in 500 s, nor one better than ours
//! from it).
//! So each practice whose LP net change leaves it no room for another patient gets a list
//! of integer net changes per care weight, near the LP's and each filling the practice as
//! far as the weights allow; the program chooses one per practice (a binary column each)
//! and ties the practice's totals to it. The choice is easy for HiGHS (one row per
//! practice, a handful per care weight), and with the totals fixed the rest is a flow, as
//! before. On that instance a one-phase program in this form solved to 0.004% above the
//! LP in 6 s (docs/performance.md).

use std::collections::BTreeMap;

/// Candidates enumerated per practice at most: the product of the ranges of all care
/// weights but the last, whose count is then the most that fits.
const MAX_ENUMERATED: usize = 20_000;

/// How far a candidate's count of one care weight may be from the LP's, at most, and so
/// how far beyond its cap the keep program may take an entry at a full practice. At least
/// the period of the weights' exact exchanges (23 for weights 1.0 and 1.15), or a practice
/// trading two weights may have no candidate that fills it exactly.
pub(super) const RADIUS: i64 = 40;

/// Candidates kept per practice: half of them the nearest to the LP's net change (L1
/// distance) that fill the practice exactly, half the nearest others.
pub(super) const KEPT: usize = 48;

/// Candidates kept per practice on bigger models, whose programs would take too long with
/// [`KEPT`] (see `keep::MANY_CANDIDATES_MAX_COLUMNS`).
pub(super) const KEPT_FEW: usize = 16;

/// One care weight's share of a practice's net change.
#[derive(Debug, Clone)]
pub(super) struct Class {
    /// The care weight.
    pub weight: f64,
    /// The program's total of arrivals of this weight, if it has one.
    pub arrive: Option<usize>,
    /// The program's total of departures of this weight, if it has one.
    pub leave: Option<usize>,
    /// Least and most net change the entries allow (departures negative).
    pub range: (i64, i64),
    /// The LP's net change.
    pub lp: f64,
    /// The start's net change.
    pub start: i64,
}

/// A full practice's classes and the net changes it may choose from (one count per class;
/// the start's first, so that the start stays a solution of the program).
#[derive(Debug, Clone)]
pub(super) struct Choices {
    pub classes: Vec<Class>,
    pub nets: Vec<Vec<i64>>,
}

/// Whether the LP's net change leaves a practice with `room` no room for another patient
/// of its lightest care weight, and is fractional: where it is integral (as in a
/// weight-balanced LP) the program's totals reach it without a choice.
pub(super) fn is_full(classes: &[Class], room: f64) -> bool {
    let lightest = classes
        .iter()
        .map(|c| c.weight)
        .fold(f64::INFINITY, f64::min);
    let lp_load: f64 = classes.iter().map(|c| c.weight * c.lp).sum();
    let fractional = classes.iter().any(|c| (c.lp - c.lp.round()).abs() > 1e-6);
    fractional && lp_load >= room - lightest + 1e-9
}

/// The candidates of a practice with `room` left (bound minus load), at most `kept` of
/// them besides the start's, or `None` when the LP's net change leaves room for another
/// patient of the lightest weight (no exchange there has to balance) or the classes are
/// too many to enumerate.
pub(super) fn choices(classes: Vec<Class>, room: f64, kept: usize) -> Option<Choices> {
    if !is_full(&classes, room) {
        return None;
    }
    // The count of the most flexible weight is the one that is derived.
    let last = (0..classes.len()).max_by_key(|&c| {
        (
            classes[c].range.1 - classes[c].range.0,
            std::cmp::Reverse(c),
        )
    })?;
    let free: Vec<usize> = (0..classes.len()).filter(|&c| c != last).collect();
    let mut radius = RADIUS;
    let window = |c: &Class, r: i64| {
        let mid = c.lp.round() as i64;
        ((mid - r).max(c.range.0), (mid + r).min(c.range.1))
    };
    let size = |r: i64| -> f64 {
        free.iter()
            .map(|&c| {
                let (lo, hi) = window(&classes[c], r);
                (hi - lo + 1).max(0) as f64
            })
            .product()
    };
    while radius > 0 && size(radius) > MAX_ENUMERATED as f64 {
        radius -= 1;
    }
    if size(radius) > MAX_ENUMERATED as f64 {
        return None;
    }
    let windows: Vec<(i64, i64)> = free.iter().map(|&c| window(&classes[c], radius)).collect();
    if windows.iter().any(|&(lo, hi)| lo > hi) {
        return None;
    }
    // Keyed by (L1 distance to the LP in millipatients, counts): a deterministic order.
    // Those that fill the practice exactly and the others apart: where no practice has
    // room, only exact ones can all be chosen together.
    let mut exact: BTreeMap<(u64, Vec<i64>), ()> = BTreeMap::new();
    let mut inexact: BTreeMap<(u64, Vec<i64>), ()> = BTreeMap::new();
    let mut z: Vec<i64> = windows.iter().map(|w| w.0).collect();
    let l = &classes[last];
    loop {
        let used: f64 = free
            .iter()
            .zip(&z)
            .map(|(&c, &k)| classes[c].weight * k as f64)
            .sum();
        let fits = ((room - used) / l.weight + 1e-9).floor() as i64;
        let k = fits.min(l.range.1);
        if k >= l.range.0 {
            let mut net = vec![0; classes.len()];
            for (&c, &v) in free.iter().zip(&z) {
                net[c] = v;
            }
            net[last] = k;
            let distance: f64 = classes
                .iter()
                .zip(&net)
                .map(|(c, &v)| (v as f64 - c.lp).abs())
                .sum();
            let waste = room - used - k as f64 * l.weight;
            let found = if waste <= 1e-6 {
                &mut exact
            } else {
                &mut inexact
            };
            found.insert(((distance * 1000.0).round() as u64, net), ());
            if found.len() > kept / 2 {
                found.pop_last();
            }
        }
        // Next point of the box, odometer style.
        let mut i = 0;
        loop {
            if i == z.len() {
                let start: Vec<i64> = classes.iter().map(|c| c.start).collect();
                let mut nets = vec![start.clone()];
                let found = exact.into_keys().chain(inexact.into_keys());
                nets.extend(found.map(|(_, n)| n).filter(|n| *n != start));
                return Some(Choices { classes, nets });
            }
            if z[i] < windows[i].1 {
                z[i] += 1;
                break;
            }
            z[i] = windows[i].0;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Class, KEPT, RADIUS, choices};

    fn class(weight: f64, range: (i64, i64), lp: f64) -> Class {
        Class {
            weight,
            arrive: None,
            leave: None,
            range,
            lp,
            start: 0,
        }
    }

    /// A full practice trading weight 1.0 for weight 1.15 gets only exchanges that fit:
    /// the start first, then the nearest that fills it exactly (1,495 out for 1,300 in),
    /// and among the others the nearest to the LP's (1,487 for 1,293 leaves 0.05 of room).
    #[test]
    fn a_full_practice_chooses_among_exchanges_that_fit() {
        let c = choices(
            vec![
                class(1.0, (-2000, 0), -1487.0),
                class(1.15, (0, 2000), 1_487.0 / 1.15),
            ],
            0.0,
            KEPT,
        )
        .expect("a full practice has candidates");
        assert_eq!(c.nets[0], [0, 0]);
        assert_eq!(c.nets[1], [-1495, 1300]);
        assert!(c.nets.contains(&vec![-1487, 1293]));
        for net in &c.nets {
            let load = net[0] as f64 + 1.15 * net[1] as f64;
            assert!(load <= 1e-9, "{net:?} overfills the practice");
            let far = (net[1] as f64 - 1293.04).abs();
            assert!(
                net == &[0, 0] || far <= RADIUS as f64,
                "{net:?} is far from the LP"
            );
        }
    }

    /// A practice the LP leaves room in gets no candidates: its totals stay free.
    #[test]
    fn a_practice_with_room_gets_none() {
        let c = choices(vec![class(1.0, (-10, 10), 3.0)], 5.0, KEPT);
        assert!(c.is_none());
    }
}
