//! Time: the delays of the state machines and the clock they are measured against.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use time::OffsetDateTime;

/// How long each upstream state lasts before the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delays {
    /// A new connection's CREATING, before it turns ACTIVE.
    pub create: Duration,
    /// The Azure provisioning status PROVISIONING, after the connection turned ACTIVE.
    pub provisioning: Duration,
    /// A peering's PENDING, before SYNCING.
    pub peering_pending: Duration,
    /// A peering's SYNCING, before SYNCED.
    pub peering_syncing: Duration,
    /// A deleted connection's DELETING, before DELETED.
    pub delete: Duration,
}

impl Delays {
    /// Close to what the real service takes, for demos: long enough to watch a progress view.
    pub fn realistic() -> Self {
        Self {
            create: Duration::from_secs(8),
            provisioning: Duration::from_secs(6),
            peering_pending: Duration::from_secs(3),
            peering_syncing: Duration::from_secs(4),
            delete: Duration::from_secs(5),
        }
    }

    /// Short but non-zero, so browser tests still see every intermediate state.
    pub fn fast() -> Self {
        Self {
            create: Duration::from_millis(800),
            provisioning: Duration::from_millis(600),
            peering_pending: Duration::from_millis(300),
            peering_syncing: Duration::from_millis(500),
            delete: Duration::from_millis(500),
        }
    }

    /// Every transition done by the next read.
    pub fn instant() -> Self {
        Self {
            create: Duration::ZERO,
            provisioning: Duration::ZERO,
            peering_pending: Duration::ZERO,
            peering_syncing: Duration::ZERO,
            delete: Duration::ZERO,
        }
    }
}

impl Default for Delays {
    fn default() -> Self {
        Self::realistic()
    }
}

/// A clock that moves only when told to, so tests step through the state machines without
/// sleeping. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    start: OffsetDateTime,
    elapsed: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock reading the current time until it is advanced.
    pub fn new() -> Self {
        Self {
            start: OffsetDateTime::now_utc(),
            elapsed: Arc::default(),
        }
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let mut elapsed = self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
        *elapsed = elapsed.saturating_add(d);
    }

    fn now(&self) -> OffsetDateTime {
        let elapsed = *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
        self.start
            .saturating_add(elapsed.try_into().unwrap_or(time::Duration::MAX))
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

/// Where the simulator reads the time.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    Real,
    /// A clock moved by [`ManualClock::advance`] (or `Simulator::advance`).
    Manual(ManualClock),
}

impl Clock {
    pub(crate) fn now(&self) -> OffsetDateTime {
        match self {
            Clock::Real => OffsetDateTime::now_utc(),
            Clock::Manual(manual) => manual.now(),
        }
    }

    /// Advances a manual clock; the real clock cannot be moved, so this does nothing there.
    pub(crate) fn advance(&self, d: Duration) -> bool {
        match self {
            Clock::Real => false,
            Clock::Manual(manual) => {
                manual.advance(d);
                true
            }
        }
    }
}
