//! The ExpressRoute portal server: an axum app that proxies Console Connect with the user's API
//! key held in a server-side session, and records every change in a hash-chained audit history.

pub mod app;
pub mod audit;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod extract;
pub mod instance_lock;
pub mod metrics;
pub mod routes;
pub mod security;
pub mod serving;
pub mod session;
pub mod session_cache;
pub mod session_store;
pub mod sign_in_guard;
pub mod state;
pub mod testing;
pub mod timefmt;
pub mod under_way;
pub mod views;

pub use app::{Portal, build};
pub use config::Config;
pub use serving::serve_until_signal;
