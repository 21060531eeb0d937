//! The domain model the solver works on: a validated instance with ids turned into indices.
//!
//! Built only by [`crate::validate`], so every value here already satisfies MODEL.md's
//! validity rules (counts ≥ 0, fte > 0, phases in range, one coordinate system, …).

/// A point in the instance's one coordinate system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// WGS84 degrees.
    Wgs84 {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// RD New metres.
    Rd {
        /// Easting.
        x: f64,
        /// Northing.
        y: f64,
    },
}

/// The objective weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Per resident without a GP, per phase.
    pub waiting: f64,
    /// Per unit of load above a ceiling, per phase.
    pub excess: f64,
    /// Per patient outside their district, per phase.
    pub out_of_district: f64,
    /// Per move.
    pub moves: f64,
    /// Per patient-km, per phase.
    pub walk_km: f64,
}

/// The planning rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Patients per full-time GP.
    pub norm_per_fte: f64,
    /// Ceiling = fte × norm × ratio.
    pub ceiling_ratio: f64,
    /// Eligibility radius in metres.
    pub max_walk_m: f64,
    /// Straight-line → walking factor.
    pub detour_factor: f64,
    /// T.
    pub phases: usize,
    /// One label per phase.
    pub phase_labels: Vec<String>,
    /// G (None = no limit).
    pub max_moves_per_phase: Option<u64>,
    /// Default intake limit.
    pub max_intake_per_phase: Option<u64>,
    /// Default outflow limit.
    pub max_outflow_per_phase: Option<u64>,
    /// Objective weights.
    pub weights: Weights,
}

/// Where patients live.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// The instance's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// District (wijk) label.
    pub district: String,
    /// Location.
    pub location: Point,
    /// Population, if given.
    pub residents: Option<u64>,
    /// Residents without a GP today.
    pub noni: u64,
    /// Care weight `w[a]`.
    pub care_weight: f64,
}

/// A change of a practice from a phase on.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// 1..=T.
    pub phase: usize,
    /// New fte.
    pub fte: Option<f64>,
    /// New explicit ceiling.
    pub ceiling: Option<f64>,
    /// Closes at this phase.
    pub closes: bool,
}

/// A GP practice.
#[derive(Debug, Clone, PartialEq)]
pub struct Practice {
    /// The instance's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// District label.
    pub district: String,
    /// Location.
    pub location: Point,
    /// Full-time GPs today.
    pub fte: f64,
    /// Explicit ceiling today.
    pub ceiling: Option<f64>,
    /// Takes patients at all.
    pub accepting: bool,
    /// Own intake limit.
    pub max_intake_per_phase: Option<u64>,
    /// Own outflow limit.
    pub max_outflow_per_phase: Option<u64>,
    /// Changes, sorted by phase (stable: later entries of one phase win).
    pub changes: Vec<Change>,
}

/// `R[a,p] > 0`: patients of area `area` at practice `practice` today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// Index into [`Instance::areas`].
    pub area: usize,
    /// Index into [`Instance::practices`].
    pub practice: usize,
    /// Patients (duplicates in the file are summed).
    pub patients: u64,
}

/// A footpath network, ids resolved to indices.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkGraph {
    /// Node locations.
    pub nodes: Vec<Point>,
    /// Undirected edges (from, to, metres).
    pub edges: Vec<(usize, usize, f64)>,
}

/// A validated instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Name copied into plans.
    pub name: String,
    /// The rules.
    pub policy: Policy,
    /// Areas in file order.
    pub areas: Vec<Area>,
    /// Practices in file order.
    pub practices: Vec<Practice>,
    /// One entry per (area, practice) with patients > 0, sorted by (area, practice).
    pub registrations: Vec<Registration>,
    /// Footpaths, if any.
    pub walk_graph: Option<WalkGraph>,
}

impl Instance {
    /// Number of phases T.
    pub fn phases(&self) -> usize {
        self.policy.phases
    }

    /// The phase at which practice `p` closes, if it does within the horizon.
    pub fn closing_phase(&self, p: usize) -> Option<usize> {
        self.practices[p]
            .changes
            .iter()
            .filter(|c| c.closes)
            .map(|c| c.phase)
            .min()
    }

    /// Whether practice `p` may receive patients (accepting and not closing in the horizon).
    pub fn receives(&self, p: usize) -> bool {
        self.practices[p].accepting && self.closing_phase(p).is_none()
    }

    /// `fte[p,t]`: the fte in force at phase `t` (0 = today).
    pub fn fte(&self, p: usize, t: usize) -> f64 {
        let practice = &self.practices[p];
        let mut fte = practice.fte;
        for change in practice.changes.iter().filter(|c| c.phase <= t) {
            if let Some(f) = change.fte {
                fte = f;
            }
        }
        fte
    }

    /// `C[p,t]`: the explicit ceiling in force at `t` if any, else fte × norm × ratio
    /// (unrounded); 0 from the closing phase on.
    pub fn ceiling(&self, p: usize, t: usize) -> f64 {
        let practice = &self.practices[p];
        if self.closing_phase(p).is_some_and(|k| k <= t) {
            return 0.0;
        }
        let mut explicit = practice.ceiling;
        for change in practice.changes.iter().filter(|c| c.phase <= t) {
            if let Some(c) = change.ceiling {
                explicit = Some(c);
            }
        }
        explicit.unwrap_or_else(|| {
            self.fte(p, t) * self.policy.norm_per_fte * self.policy.ceiling_ratio
        })
    }

    /// Intake limit `In[p]`: the practice's own, else the policy's.
    pub fn intake_limit(&self, p: usize) -> Option<u64> {
        self.practices[p]
            .max_intake_per_phase
            .or(self.policy.max_intake_per_phase)
    }

    /// Outflow limit `Out[p]`: the practice's own, else the policy's.
    pub fn outflow_limit(&self, p: usize) -> Option<u64> {
        self.practices[p]
            .max_outflow_per_phase
            .or(self.policy.max_outflow_per_phase)
    }

    /// `L0[p] = Σ_a w[a]·R[a,p]`, today's care-weighted load of every practice.
    pub fn initial_loads(&self) -> Vec<f64> {
        let mut loads = vec![0.0; self.practices.len()];
        for r in &self.registrations {
            loads[r.practice] += self.areas[r.area].care_weight * r.patients as f64;
        }
        loads
    }
}
