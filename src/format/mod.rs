//! Serde types of the file formats: `spreiding/instance@1` and `spreiding/plan@1`.
//!
//! This is the only module that derives `Serialize`/`Deserialize`. The domain model in
//! [`crate::model`] is built from these types after [`crate::validate`] has accepted them,
//! so the solver never sees an unchecked value.

pub mod csv;
pub mod instance;
pub mod plan;

pub use instance::*;
pub use plan::*;

/// The `format` tag of an instance file.
pub const INSTANCE_FORMAT: &str = "spreiding/instance@1";
/// The `format` tag of a plan file.
pub const PLAN_FORMAT: &str = "spreiding/plan@1";
