//! For the round-down fallback (the keep program's start) and after the keep program: take
//! back placements into overloaded practices, newest first, until no load is above its
//! bound.
//!
//! Taking back a move raises its origin's load again, which can push that one over in turn,
//! so this may undo whole swap cycles; it always ends, because with nothing placed every
//! load is what it was before the phase.

use super::{EPS, Phase, Placement, State};

/// Takes back placements until every load is within its bound; drops emptied placements.
pub(super) fn cascade(st: &mut State, ph: &mut Phase, placed: &mut Vec<Placement>) {
    loop {
        let mut changed = false;
        for pl in placed.iter_mut().rev() {
            let q = st.f.destinations[pl.destination].practice;
            while pl.patients > 0 && st.load[q] > ph.bound[q] + EPS {
                st.take_back(ph, pl);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    placed.retain(|pl| pl.patients > 0);
}
