//! Key figures of a plan, their difference from the baseline, and where a scenario makes
//! residents wait longer. Everything is read from the `PlanFile`, so a separate
//! `spreiding plan` run on the changed instance gives the same figures.

use std::collections::BTreeMap;

use crate::format::{AreaImpactFile, DeltaFile, FiguresFile, ImpactFile, PlanFile};

/// How many areas [`impact`] lists.
pub const IMPACT_AREAS: usize = 5;

/// The key figures of `plan`.
pub fn figures(plan: &PlanFile) -> FiguresFile {
    let excess_phase_sum = plan
        .phases
        .iter()
        .flat_map(|ph| &ph.loads)
        .map(|l| (l.load - l.ceiling).max(0.0))
        .sum();
    FiguresFile {
        waiting_end: plan.metrics.after.residents_without_gp,
        waiting_phase_sum: plan.metrics.per_phase.iter().map(|p| p.waiting).sum(),
        excess_phase_sum,
        out_of_district_share: plan.metrics.after.out_of_district_share,
        mean_walk_m: plan.metrics.after.mean_walk_m,
        moves: plan.metrics.per_phase.iter().map(|p| p.moves).sum(),
        objective: plan.objective.value,
        status: plan.status.clone(),
    }
}

fn signed(a: u64, b: u64) -> i64 {
    i64::try_from(i128::from(a) - i128::from(b)).unwrap_or(i64::MAX)
}

/// `scenario − baseline` for every numeric figure.
pub fn delta(scenario: &FiguresFile, baseline: &FiguresFile) -> DeltaFile {
    DeltaFile {
        waiting_end: signed(scenario.waiting_end, baseline.waiting_end),
        waiting_phase_sum: signed(scenario.waiting_phase_sum, baseline.waiting_phase_sum),
        excess_phase_sum: scenario.excess_phase_sum - baseline.excess_phase_sum,
        out_of_district_share: scenario.out_of_district_share - baseline.out_of_district_share,
        mean_walk_m: scenario.mean_walk_m - baseline.mean_walk_m,
        moves: signed(scenario.moves, baseline.moves),
        objective: scenario.objective - baseline.objective,
    }
}

/// Resident-phases waiting per area over the whole plan.
fn waiting_by_area(plan: &PlanFile) -> BTreeMap<&str, u64> {
    let mut sums = BTreeMap::new();
    for ph in &plan.phases {
        for w in &ph.waiting {
            *sums.entry(w.area.as_str()).or_insert(0) += w.patients;
        }
    }
    sums
}

/// For how long (phases with more residents waiting than the baseline's same phase) and
/// where (the [`IMPACT_AREAS`] areas with the most extra resident-phases waiting) `scenario`
/// leaves residents without a GP.
pub fn impact(scenario: &PlanFile, baseline: &PlanFile) -> ImpactFile {
    let phases = scenario
        .metrics
        .per_phase
        .iter()
        .zip(&baseline.metrics.per_phase)
        .filter(|(s, b)| s.waiting > b.waiting)
        .count();
    let base = waiting_by_area(baseline);
    let end: BTreeMap<&str, u64> = scenario
        .phases
        .last()
        .map(|ph| {
            ph.waiting
                .iter()
                .map(|w| (w.area.as_str(), w.patients))
                .collect()
        })
        .unwrap_or_default();
    let mut areas: Vec<AreaImpactFile> = waiting_by_area(scenario)
        .into_iter()
        .filter_map(|(area, sum)| {
            let extra = sum.saturating_sub(base.get(area).copied().unwrap_or(0));
            (extra > 0).then(|| AreaImpactFile {
                area: area.to_string(),
                extra_waiting_phase_sum: extra,
                waiting_end: end.get(area).copied().unwrap_or(0),
            })
        })
        .collect();
    areas.sort_by(|x, y| {
        y.extra_waiting_phase_sum
            .cmp(&x.extra_waiting_phase_sum)
            .then_with(|| x.area.cmp(&y.area))
    });
    areas.truncate(IMPACT_AREAS);
    ImpactFile {
        phases_waiting_above_baseline: u32::try_from(phases).unwrap_or(u32::MAX),
        areas,
    }
}
