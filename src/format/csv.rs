//! The plan as four CSV tables (`moves.csv`, `registrations.csv`, `loads.csv`,
//! `waiting.csv`) for planners who work in a spreadsheet: one header row, comma-separated,
//! a `phase` and `label` column on every row.

use std::io::Write;

use super::PlanFile;

/// The tables of a plan, by file name.
pub const TABLES: [&str; 4] = ["moves.csv", "registrations.csv", "loads.csv", "waiting.csv"];

/// Writes table `name` (one of [`TABLES`]) of `plan` to `out`.
pub fn write_table(plan: &PlanFile, name: &str, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    match name {
        "moves.csv" => {
            w.write_record(["phase", "label", "area", "from", "to", "patients"])?;
            for ph in &plan.phases {
                for m in &ph.moves {
                    let (phase, n) = (ph.phase.to_string(), m.patients.to_string());
                    w.write_record([&phase, &ph.label, &m.area, &m.from, &m.to, &n])?;
                }
            }
        }
        "registrations.csv" => {
            w.write_record(["phase", "label", "area", "practice", "patients"])?;
            for ph in &plan.phases {
                for r in &ph.registrations {
                    let (phase, n) = (ph.phase.to_string(), r.patients.to_string());
                    w.write_record([&phase, &ph.label, &r.area, &r.practice, &n])?;
                }
            }
        }
        "loads.csv" => {
            w.write_record(["phase", "label", "practice", "load", "ceiling"])?;
            for ph in &plan.phases {
                for l in &ph.loads {
                    let phase = ph.phase.to_string();
                    let (load, ceiling) = (l.load.to_string(), l.ceiling.to_string());
                    w.write_record([&phase, &ph.label, &l.practice, &load, &ceiling])?;
                }
            }
        }
        _ => {
            w.write_record(["phase", "label", "area", "patients"])?;
            for ph in &plan.phases {
                for q in &ph.waiting {
                    let (phase, n) = (ph.phase.to_string(), q.patients.to_string());
                    w.write_record([&phase, &ph.label, &q.area, &n])?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}
