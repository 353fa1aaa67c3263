//! A stateful stand-in for PCCW Global's Console Connect API: the Azure ExpressRoute endpoints
//! with their state machines, seeded demo data, fault injection and a request log. The portal
//! embeds it as its sandbox; tests drive it with a manual clock.
//!
//! - [`Delays`], [`Clock`] and [`ManualClock`] decide how fast the states move.
//! - [`Route`], [`Fault`] and [`RecordedRequest`] are the test controls, also reachable over
//!   HTTP under `/__sim/`.
//! - [`demo`] publishes the sandbox's API keys and service keys.

mod admin;
mod auth;
mod clock;
pub mod demo;
mod error;
mod faults;
mod handlers;
mod requests;
mod routes;
mod state;

pub use clock::{Clock, Delays, ManualClock};
pub use faults::Fault;
pub use requests::RecordedRequest;
pub use routes::Route;

use faults::Faults;
use requests::RequestLog;
use state::{Now, World};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the simulator behaves.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub delays: Delays,
    pub clock: Clock,
}

/// The simulator: clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    delays: Delays,
    clock: Clock,
    shared: Mutex<Shared>,
}

/// Everything that changes, behind the one lock: no handler holds it across an await.
pub(crate) struct Shared {
    pub(crate) world: World,
    pub(crate) faults: Faults,
    pub(crate) requests: RequestLog,
}

impl Simulator {
    /// A simulator holding the demo data.
    pub fn new(config: Config) -> Self {
        let world = demo::seed(config.clock.now());
        Self {
            inner: Arc::new(Inner {
                delays: config.delays,
                clock: config.clock,
                shared: Mutex::new(Shared {
                    world,
                    faults: Faults::default(),
                    requests: RequestLog::default(),
                }),
            }),
        }
    }

    /// The whole API, `/__sim/` control routes included.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// Serves the API on `listener` until the task is dropped.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Serves on a free loopback port in a background task, stopped when the result is dropped.
    pub async fn spawn_on_loopback(self) -> std::io::Result<RunningSimulator> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(self.clone().serve(listener));
        Ok(RunningSimulator {
            addr,
            base_url: format!("http://{addr}"),
            simulator: self,
            server,
        })
    }

    /// Applies `fault` to the requests of `route` (every route for [`Route::Any`]) until cleared
    /// or its `times` run out. A route's own fault wins over the `Any` one.
    pub fn set_fault(&self, route: Route, fault: Fault) {
        self.lock().faults.set(route, fault);
    }

    /// The faults in force, each with its route, in the order they were set.
    pub fn faults(&self) -> Vec<(Route, Fault)> {
        self.lock().faults.all()
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Every API request received so far (not the `/__sim/` ones), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.all()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Moves a manual clock forward; a real clock cannot be moved, so this does nothing there.
    pub fn advance(&self, d: Duration) {
        self.inner.clock.advance(d);
    }

    /// Like [`Simulator::advance`], telling whether the clock is manual (and so moved).
    pub(crate) fn advance_clock(&self, d: Duration) -> bool {
        self.inner.clock.advance(d)
    }

    /// The shared state. A handler that panicked cannot leave the world half-changed in a way
    /// worth refusing every later request for, so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner
            .shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the world at the current time, under the lock. The time is read inside the
    /// lock so that changes are applied in the order of their timestamps.
    pub(crate) fn world<T>(&self, f: impl FnOnce(&mut World, &Now) -> T) -> T {
        let mut shared = self.lock();
        let now = Now {
            at: self.inner.clock.now(),
            delays: &self.inner.delays,
        };
        f(&mut shared.world, &now)
    }
}

/// A simulator serving on a loopback port; dropping it stops accepting connections.
pub struct RunningSimulator {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub simulator: Simulator,
    server: JoinHandle<std::io::Result<()>>,
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}
