//! Why residents still wait at the end of the plan, per area.
//!
//! Three reasons, checked in this order:
//! - `white_spot`: no practice within `max_walk_m` receives patients at all;
//! - `capacity`: every practice within reach is at its hard bound `U` (no room for one more
//!   patient of this area's care weight);
//! - `phase_limits`: there is room within reach, but the per-phase intake, outflow or move
//!   limits ran out; `extra_phases` estimates how many more phases would place them at the
//!   pace those limits allow.

use super::Registered;
use crate::format::DiagnosticFile;
use crate::geo::Distances;
use crate::lp::formulation::eligible;
use crate::model::Instance;

/// One diagnostic per area with residents waiting after the last phase, by area id.
pub fn diagnose(
    instance: &Instance,
    distances: &Distances,
    end: &Registered,
) -> Vec<DiagnosticFile> {
    let t = instance.phases();
    let reach = eligible(instance, distances);
    let loads = end.loads(instance);
    let initial = instance.initial_loads();
    let mut out = Vec::new();
    for (a, area) in instance.areas.iter().enumerate() {
        let waiting = end.waiting[a];
        if waiting == 0 {
            continue;
        }
        let w = area.care_weight;
        let with_room: Vec<(usize, u64)> = reach[a]
            .iter()
            .map(|&q| {
                let bound = instance.ceiling(q, t).max(initial[q]);
                (q, ((bound - loads[q]) / w + 1e-9).floor().max(0.0) as u64)
            })
            .filter(|&(_, room)| room > 0)
            .collect();
        let (reason, message, extra_phases) = if reach[a].is_empty() {
            (
                "white_spot",
                format!(
                    "no practice that takes patients is within {} m walking",
                    instance.policy.max_walk_m
                ),
                None,
            )
        } else if with_room.is_empty() {
            (
                "capacity",
                match reach[a].len() {
                    1 => "the one practice within reach is at its bound".to_string(),
                    n => format!("all {n} practices within reach are at their bound"),
                },
                None,
            )
        } else {
            let room: u64 = with_room.iter().map(|r| r.1).sum();
            let pace = with_room
                .iter()
                .map(|&(q, room)| instance.intake_limit(q).unwrap_or(room).min(room))
                .sum::<u64>()
                .min(instance.policy.max_moves_per_phase.unwrap_or(u64::MAX))
                .max(1);
            let placeable = waiting.min(room);
            let phases = placeable.div_ceil(pace) as u32;
            let message = if placeable < waiting {
                format!(
                    "per-phase limits ran out; {placeable} of them fit in practices within reach, \
                     about {phases} more phase(s) at up to {pace} per phase"
                )
            } else {
                format!(
                    "per-phase limits ran out; about {phases} more phase(s) at up to {pace} per phase"
                )
            };
            ("phase_limits", message, Some(phases))
        };
        out.push(DiagnosticFile {
            area: area.id.clone(),
            waiting,
            reason: reason.to_string(),
            message,
            extra_phases,
        });
    }
    out.sort_by(|x, y| x.area.cmp(&y.area));
    out
}
