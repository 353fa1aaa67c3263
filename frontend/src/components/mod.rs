//! Reusable pieces of the pages.

pub mod company;
pub mod details;
pub mod diff;
pub mod feedback;
pub mod field;
pub mod keys;
pub mod names;
pub mod note;
pub mod router;
pub mod session_notice;
pub mod shell;
pub mod status;
pub mod steps;
