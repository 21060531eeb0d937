//! Serde types of the file formats: `spreiding/instance@1`, `spreiding/plan@1`, and the
//! sensitivity formats `spreiding/scenarios@1` and `spreiding/sensitivity@1`.
//!
//! This is the only module that derives `Serialize`/`Deserialize`. The domain model in
//! [`crate::model`] is built from these types after [`crate::validate`] has accepted them,
//! so the solver never sees an unchecked value.

pub mod csv;
pub mod instance;
pub mod plan;
pub mod sensitivity;

pub use instance::*;
pub use plan::*;
pub use sensitivity::*;

/// The `format` tag of an instance file.
pub const INSTANCE_FORMAT: &str = "spreiding/instance@1";
/// The `format` tag of a plan file.
pub const PLAN_FORMAT: &str = "spreiding/plan@1";
