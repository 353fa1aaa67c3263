//! Black-box tests of the simulator over HTTP: a fresh simulator per test on a loopback port,
//! with a manual clock so the state machines are stepped, never waited for.

mod auth;
mod connections;
mod faults;
mod harness;
mod paths;
mod peering;
mod ports;
mod requests;
