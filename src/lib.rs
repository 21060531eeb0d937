//! spreiding: plans how GP patients in a Dutch city are redistributed over its practices,
//! phase by phase, as a capacity-constrained integer program solved with HiGHS.
//!
//! The flow is *instance → validated model → distances → formulation → solution → plan →
//! outputs*; each step is a module:
//!
//! - [`format`](mod@format): serde types of `spreiding/instance@1` and `spreiding/plan@1`;
//! - [`validate`]: JSON text → [`model::Instance`], every problem at once with its path;
//! - [`geo`]: walking distances (haversine, RD New, footpath graph);
//! - [`lp`]: the formulation and the HiGHS solve (LP, rounding, MIP);
//! - [`plan`]: solution → phased move lists, metrics and diagnostics;
//! - [`verify`]: an independent re-check of a plan against MODEL.md;
//! - [`sensitivity`]: scenarios, sweeps and shadow prices beside the baseline.
//! - [`serve`]: the HTTP JSON API over the same calls and documents (`spreiding serve`).
//!
//! The library does no file I/O: readers take text or `impl Read`, writers return values or
//! take `impl Write`. Only [`serve`] touches sockets.
//!
//! The internals are documented for the engineers who work on them: read these docs with
//! `cargo doc --no-deps --document-private-items`, where the links from public items into
//! private modules (the rounding's steps, the solver's constants) resolve.
#![warn(missing_docs)]
#![allow(rustdoc::private_intra_doc_links)]

pub mod format;
pub mod geo;
pub mod lp;
pub mod model;
pub mod plan;
pub mod planner;
pub mod sensitivity;
pub mod serve;
pub mod validate;
pub mod verify;
