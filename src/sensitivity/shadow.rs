//! Shadow prices: the duals of the baseline's LP relaxation, read back through
//! [`RowKind`].
//!
//! In plain words: a shadow price says how much the objective would change if one number of
//! the instance changed by one, *all else equal and for small changes only* — it is the slope
//! of the LP optimum at the baseline, valid while the same constraints stay binding. It is
//! not the effect of a large change (run a scenario for that), and it is a property of the
//! LP relaxation, not of the rounded plan.
//!
//! - **Value of one more place** at practice p in phase t: raise `C[p,t]` and with it the hard
//!   bound `U[p,t]` by one. That is the right-hand side of the load row
//!   `Σ w·s + Σ w·h − e ≤ C[p,t]` (the excess column's range `U − C` is unchanged), so the
//!   objective changes by the row's dual `y ≤ 0`; the value reported is `−y ≥ 0`, the
//!   objective *decrease*. A practice without a load row in t (closed) has no value there.
//! - **Cost of one more NONI** in area a: `noni[a]` is in the right-hand side of every
//!   conservation row of a (`Σ s + Σ h + wait = R_a + noni_a`, t = 1..T) and of the phase-1
//!   registration row (`wait[1] ≤ noni_a + orphans`), so the objective changes by the sum of
//!   those duals; reported as the objective *increase*.
//!
//! HiGHS reports, for a minimisation, `y = ∂ objective / ∂ rhs`; `tests/sensitivity.rs`
//! checks both readings by perturbing an instance and re-solving the LP.
//!
//! Cost: O(rows).

use std::collections::BTreeMap;

use crate::format::{NoniCostFile, PlaceValueFile, PracticeValueFile, ShadowPricesFile};
use crate::lp::formulation::RowKind;
use crate::model::Instance;

/// What the numbers mean, copied into the report.
pub const NOTE: &str = "shadow prices of the baseline's LP relaxation: places[].value is how \
    much the objective would drop with one more place (ceiling and hard bound + 1) at that \
    practice in that phase; places_all_phases adds the phases up (one more place for the whole \
    plan); noni[].cost is how much the objective would rise with one more resident without a \
    GP in that area today. They hold for small changes only, while the same constraints bind; \
    for larger changes run a scenario";

/// Rounds away solver noise: values are reported to 1e-6.
fn clean(v: f64) -> f64 {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

/// The shadow prices of `instance` from the LP row duals and the formulation's row kinds.
pub fn shadow_prices(
    instance: &Instance,
    row_kinds: &[RowKind],
    duals: &[f64],
) -> ShadowPricesFile {
    let mut places = Vec::new();
    let mut per_practice: BTreeMap<usize, f64> = BTreeMap::new();
    let mut noni = vec![0.0; instance.areas.len()];
    for (kind, &y) in row_kinds.iter().zip(duals) {
        match *kind {
            RowKind::Load { practice, phase } => {
                places.push((practice, phase, -y));
                *per_practice.entry(practice).or_insert(0.0) -= y;
            }
            RowKind::Conservation { area, .. } => noni[area] += y,
            RowKind::Registrations { area, phase: 1 } => noni[area] += y,
            _ => {}
        }
    }
    let id = |p: usize| instance.practices[p].id.clone();
    let mut places: Vec<PlaceValueFile> = places
        .into_iter()
        .map(|(p, t, v)| PlaceValueFile {
            practice: id(p),
            phase: t as u32,
            value: clean(v),
        })
        .collect();
    places.sort_by(|a, b| a.practice.cmp(&b.practice).then(a.phase.cmp(&b.phase)));
    let mut places_all_phases: Vec<PracticeValueFile> = per_practice
        .into_iter()
        .map(|(p, v)| PracticeValueFile {
            practice: id(p),
            value: clean(v),
        })
        .collect();
    places_all_phases.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.practice.cmp(&b.practice))
    });
    let mut noni: Vec<NoniCostFile> = noni
        .into_iter()
        .enumerate()
        .map(|(a, cost)| NoniCostFile {
            area: instance.areas[a].id.clone(),
            cost: clean(cost),
        })
        .collect();
    noni.sort_by(|a, b| a.area.cmp(&b.area));
    ShadowPricesFile {
        note: NOTE.to_string(),
        places,
        places_all_phases,
        noni,
    }
}
