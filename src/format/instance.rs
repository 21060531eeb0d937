//! `spreiding/instance@1`: the input a planner hands to spreiding (see MODEL.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A whole instance file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceFile {
    /// Always `spreiding/instance@1`.
    pub format: String,
    /// Free-text name, copied into the plan.
    #[serde(default)]
    pub name: String,
    /// Policy parameters; every field has a default.
    #[serde(default)]
    pub policy: PolicyFile,
    /// Where patients live.
    pub areas: Vec<AreaFile>,
    /// GP practices.
    pub practices: Vec<PracticeFile>,
    /// Today's registrations: patients of an area at a practice.
    #[serde(default)]
    pub registrations: Vec<RegistrationFile>,
    /// Optional footpath network.
    #[serde(default)]
    pub walk_graph: Option<WalkGraphFile>,
    /// Free-form data of other tools; ignored by spreiding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub extensions: Option<serde_json::Value>,
}

/// `policy`: the planning rules. Absent fields take MODEL.md's defaults; an explicit `null`
/// on a `max_*_per_phase` field means "no limit".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Registered patients per full-time GP (NZa: 2,095).
    #[serde(default = "default_norm")]
    #[schema(default = 2095.0)]
    pub norm_per_fte: f64,
    /// Ceiling = fte × norm × ceiling_ratio unless a practice sets its own.
    #[serde(default = "default_one")]
    pub ceiling_ratio: f64,
    /// Walking distance beyond which a practice is not an eligible destination.
    #[serde(default = "default_max_walk")]
    #[schema(default = 2000.0)]
    pub max_walk_m: f64,
    /// Straight line × this factor approximates walking where no graph path exists.
    #[serde(default = "default_detour")]
    #[schema(default = 1.3)]
    pub detour_factor: f64,
    /// Number of phases T.
    #[serde(default = "default_phases")]
    #[schema(default = 4)]
    pub phases: u32,
    /// One label per phase (default `phase 1` … `phase T`).
    #[serde(default)]
    pub phase_labels: Option<Vec<String>>,
    /// G: moves plus registrations per phase, city-wide.
    #[serde(default = "default_max_moves")]
    #[schema(value_type = Option<u64>, default = 1500)]
    pub max_moves_per_phase: Limit,
    /// In: patients a practice takes per phase.
    #[serde(default = "default_max_flow")]
    #[schema(value_type = Option<u64>, default = 150)]
    pub max_intake_per_phase: Limit,
    /// Out: patients a practice hands over per phase.
    #[serde(default = "default_max_flow")]
    #[schema(value_type = Option<u64>, default = 150)]
    pub max_outflow_per_phase: Limit,
    /// Objective weights.
    #[serde(default)]
    pub weights: WeightsFile,
}

/// A per-phase limit: `None` is "no limit".
pub type Limit = Option<u64>;

fn default_norm() -> f64 {
    2095.0
}
fn default_one() -> f64 {
    1.0
}
fn default_max_walk() -> f64 {
    2000.0
}
fn default_detour() -> f64 {
    1.3
}
fn default_phases() -> u32 {
    4
}
fn default_max_moves() -> Limit {
    Some(1500)
}
fn default_max_flow() -> Limit {
    Some(150)
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            norm_per_fte: default_norm(),
            ceiling_ratio: default_one(),
            max_walk_m: default_max_walk(),
            detour_factor: default_detour(),
            phases: default_phases(),
            phase_labels: None,
            max_moves_per_phase: default_max_moves(),
            max_intake_per_phase: default_max_flow(),
            max_outflow_per_phase: default_max_flow(),
            weights: WeightsFile::default(),
        }
    }
}

/// `policy.weights`: the price of each objective term.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    /// Per resident without a GP, per phase.
    #[serde(default = "w_waiting")]
    #[schema(default = 1000.0)]
    pub waiting: f64,
    /// Per weighted patient above a ceiling, per phase.
    #[serde(default = "w_excess")]
    #[schema(default = 100.0)]
    pub excess: f64,
    /// Per patient registered outside their district, per phase.
    #[serde(default = "w_ood")]
    #[schema(default = 10.0)]
    pub out_of_district: f64,
    /// Per move.
    #[serde(default = "w_move")]
    #[schema(default = 1.0)]
    pub r#move: f64,
    /// Per patient-kilometre of walking distance, per phase.
    #[serde(default = "w_walk")]
    #[schema(default = 0.1)]
    pub walk_km: f64,
}

fn w_waiting() -> f64 {
    1000.0
}
fn w_excess() -> f64 {
    100.0
}
fn w_ood() -> f64 {
    10.0
}
fn w_move() -> f64 {
    1.0
}
fn w_walk() -> f64 {
    0.1
}

impl Default for WeightsFile {
    fn default() -> Self {
        WeightsFile {
            waiting: w_waiting(),
            excess: w_excess(),
            out_of_district: w_ood(),
            r#move: w_move(),
            walk_km: w_walk(),
        }
    }
}

/// A location: WGS84 degrees or RD New metres (one system per instance).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum LocationFile {
    /// WGS84 latitude/longitude in degrees.
    Wgs84 {
        /// Latitude, −90..90.
        lat: f64,
        /// Longitude, −180..180.
        lon: f64,
    },
    /// Dutch RD New (EPSG:28992), metres.
    Rd {
        /// Easting.
        x: f64,
        /// Northing.
        y: f64,
    },
}

/// An area where patients live.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaFile {
    /// Unique, non-empty.
    pub id: String,
    /// Display name (defaults to the id).
    #[serde(default)]
    pub name: Option<String>,
    /// The district (wijk) label.
    #[serde(default)]
    pub district: String,
    /// Where the area's patients are taken to live.
    pub location: LocationFile,
    /// Population (informational).
    #[serde(default)]
    pub residents: Option<u64>,
    /// Residents without a GP today.
    #[serde(default)]
    pub noni: u64,
    /// Care weight of a patient from this area (default 1).
    #[serde(default = "default_one")]
    pub care_weight: f64,
}

/// A GP practice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeFile {
    /// Unique, non-empty.
    pub id: String,
    /// Display name (defaults to the id).
    #[serde(default)]
    pub name: Option<String>,
    /// The district (wijk) label.
    #[serde(default)]
    pub district: String,
    /// Where the practice is.
    pub location: LocationFile,
    /// Full-time GPs today.
    pub fte: f64,
    /// Explicit ceiling today; `null` = fte × norm × ceiling_ratio.
    #[serde(default)]
    pub ceiling: Option<f64>,
    /// Whether the practice takes patients at all.
    #[serde(default = "default_true")]
    pub accepting: bool,
    /// Own intake limit per phase; `null` = the policy's.
    #[serde(default)]
    pub max_intake_per_phase: Option<u64>,
    /// Own outflow limit per phase; `null` = the policy's.
    #[serde(default)]
    pub max_outflow_per_phase: Option<u64>,
    /// Changes from a phase on.
    #[serde(default)]
    pub changes: Vec<ChangeFile>,
}

fn default_true() -> bool {
    true
}

/// A change to a practice, in force from `phase` on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeFile {
    /// 1..=phases.
    pub phase: u32,
    /// New fte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fte: Option<f64>,
    /// New explicit ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<f64>,
    /// The practice closes at this phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<bool>,
}

/// Patients of an area registered at a practice today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationFile {
    /// Area id.
    pub area: String,
    /// Practice id.
    pub practice: String,
    /// Number of patients.
    pub patients: u64,
}

/// An undirected footpath network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkGraphFile {
    /// Junctions.
    pub nodes: Vec<WalkNodeFile>,
    /// Footpaths between junctions.
    pub edges: Vec<WalkEdgeFile>,
}

/// A junction of the footpath network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkNodeFile {
    /// Unique node id.
    pub id: String,
    /// Where it is.
    pub location: LocationFile,
}

/// A footpath.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkEdgeFile {
    /// One end.
    pub from: String,
    /// Other end.
    pub to: String,
    /// Length in metres.
    pub length_m: f64,
}
