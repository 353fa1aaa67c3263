//! The routed screens, one module each.

pub mod audit;
pub mod audit_event;
pub mod connection;
pub mod connections;
pub mod create;
pub mod delete;
pub mod not_found;
pub mod peering;
pub mod progress;
pub mod sign_in;
pub mod verify;
