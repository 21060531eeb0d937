//! The report as a CSV table and as a terminal table (plain text; the CLI prints it).

use std::fmt::Write as _;
use std::io::Write;

use crate::format::{FiguresFile, SensitivityFile};

/// The CSV header: figures, then their deltas, then the impact.
pub const CSV_HEADER: [&str; 18] = [
    "name",
    "status",
    "waiting_end",
    "waiting_phase_sum",
    "excess_phase_sum",
    "out_of_district_share",
    "mean_walk_m",
    "moves",
    "objective",
    "delta_waiting_end",
    "delta_waiting_phase_sum",
    "delta_excess_phase_sum",
    "delta_out_of_district_share",
    "delta_mean_walk_m",
    "delta_moves",
    "delta_objective",
    "phases_waiting_above_baseline",
    "areas_waiting_longer",
];

fn figure_cells(f: &FiguresFile) -> Vec<String> {
    vec![
        f.status.clone(),
        f.waiting_end.to_string(),
        f.waiting_phase_sum.to_string(),
        f.excess_phase_sum.to_string(),
        f.out_of_district_share.to_string(),
        f.mean_walk_m.to_string(),
        f.moves.to_string(),
        f.objective.to_string(),
    ]
}

/// Writes the baseline and every scenario (in report order) as CSV.
pub fn write_csv(report: &SensitivityFile, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    let mut row = vec![report.baseline.name.clone()];
    row.extend(figure_cells(&report.baseline.figures));
    row.extend(["0", "0", "0", "0", "0", "0", "0", "0", ""].map(String::from));
    w.write_record(&row)?;
    for s in &report.scenarios {
        let mut row = vec![s.name.clone()];
        row.extend(figure_cells(&s.figures));
        let d = &s.delta;
        row.extend([
            d.waiting_end.to_string(),
            d.waiting_phase_sum.to_string(),
            d.excess_phase_sum.to_string(),
            d.out_of_district_share.to_string(),
            d.mean_walk_m.to_string(),
            d.moves.to_string(),
            d.objective.to_string(),
            s.impact.phases_waiting_above_baseline.to_string(),
            s.impact
                .areas
                .iter()
                .map(|a| format!("{} +{}", a.area, a.extra_waiting_phase_sum))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn signed(v: f64, decimals: usize) -> String {
    if v.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
        "0".into()
    } else {
        format!("{v:+.decimals$}")
    }
}

/// How many entries the terminal lists of shadow prices show.
pub const TOP: usize = 10;

/// The terminal table: baseline, every scenario with its deltas, and the shadow prices in
/// plain words.
pub fn table(report: &SensitivityFile) -> String {
    let mut s = String::new();
    let b = &report.baseline.figures;
    let _ = writeln!(
        s,
        "{}: baseline {} — objective {:.1}; {} without a GP at the end, {} resident-phases \
         waiting, excess {:.0}, out of district {:.1}%, mean walk {:.0} m, {} moves",
        report.instance,
        b.status,
        b.objective,
        b.waiting_end,
        b.waiting_phase_sum,
        b.excess_phase_sum,
        b.out_of_district_share * 100.0,
        b.mean_walk_m,
        b.moves
    );
    let width = report
        .scenarios
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        s,
        "\n{:<width$}  {:<10} {:>13} {:>15} {:>13} {:>12} {:>11} {:>11} {:>14}  {:>6}  where",
        "scenario",
        "status",
        "waiting end",
        "waiting phases",
        "excess",
        "outside %",
        "walk m",
        "moves",
        "Δ objective",
        "longer"
    );
    for r in &report.scenarios {
        let (f, d) = (&r.figures, &r.delta);
        let pair = |v: String, dv: String| format!("{v} ({dv})");
        let where_ = r
            .impact
            .areas
            .iter()
            .take(3)
            .map(|a| format!("{} +{}", a.area, a.extra_waiting_phase_sum))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "{:<width$}  {:<10} {:>13} {:>15} {:>13} {:>12} {:>11} {:>11} {:>14}  {:>6}  {}",
            r.name,
            f.status,
            pair(f.waiting_end.to_string(), signed(d.waiting_end as f64, 0)),
            pair(
                f.waiting_phase_sum.to_string(),
                signed(d.waiting_phase_sum as f64, 0)
            ),
            pair(
                format!("{:.0}", f.excess_phase_sum),
                signed(d.excess_phase_sum, 0)
            ),
            pair(
                format!("{:.1}", f.out_of_district_share * 100.0),
                signed(d.out_of_district_share * 100.0, 1)
            ),
            pair(format!("{:.0}", f.mean_walk_m), signed(d.mean_walk_m, 0)),
            pair(f.moves.to_string(), signed(d.moves as f64, 0)),
            signed(d.objective, 1),
            r.impact.phases_waiting_above_baseline,
            where_
        );
    }
    for k in &report.skipped {
        let _ = writeln!(s, "{:<width$}  skipped: {}", k.name, k.reason);
    }
    let _ = writeln!(
        s,
        "\nSorted by {}. \"longer\": phases with more residents waiting than in the baseline; \
         \"where\": areas with the most extra resident-phases waiting.",
        report.sorted_by
    );
    match &report.shadow_prices {
        None => {
            let _ = writeln!(
                s,
                "\nNo shadow prices: the baseline's LP relaxation did not solve to optimality."
            );
        }
        Some(sp) => {
            let helpful: Vec<_> = sp
                .places_all_phases
                .iter()
                .filter(|p| p.value > 0.0)
                .take(TOP)
                .collect();
            let _ = writeln!(
                s,
                "\nWhere one extra place helps most (objective decrease for one more place in \
                 every phase; LP shadow prices, valid for small changes only):"
            );
            if helpful.is_empty() {
                let _ = writeln!(s, "  nowhere: no practice's ceiling binds in the LP");
            }
            for p in helpful {
                let _ = writeln!(s, "  {:<12} {:>12.1}", p.practice, p.value);
            }
            let mut noni: Vec<_> = sp.noni.iter().filter(|n| n.cost > 0.0).collect();
            noni.sort_by(|x, y| y.cost.total_cmp(&x.cost).then_with(|| x.area.cmp(&y.area)));
            let _ = writeln!(
                s,
                "What one more resident without a GP costs (objective increase), highest first:"
            );
            for n in noni.iter().take(TOP) {
                let _ = writeln!(s, "  {:<12} {:>12.1}", n.area, n.cost);
            }
        }
    }
    s
}
