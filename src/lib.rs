//! Skylens core: CloudWatch Logs, X-Ray and Cost Explorer data in Polars frames.
//!
//! Data flows one way: [`source`] → [`parse`] → frames ([`model`]) → [`workspace`] →
//! [`analysis`] (the SQL in `queries/`) → [`export`] → CLI, desktop shell or UI.
//! See `ARCHITECTURE.md` for the map and its invariants.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod error;
pub mod export;
pub mod model;
pub mod parse;
pub mod render;
pub mod serve;
pub mod source;
pub mod workspace;

pub use error::{Error, Result};
