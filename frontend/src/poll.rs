//! Refreshing a view while what it shows is still moving (CREATING, SYNCING…): a tick signal
//! the page's reads depend on, bumped about every two seconds for as long as it is asked to,
//! and whenever the browser tab is shown again, since what a hidden tab shows may have
//! changed meanwhile (a colleague's order, a peering changed elsewhere).

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;

const INTERVAL_MS: u32 = 2_000;

/// A page's refresh clock. Reads that track it run again on each tick.
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    tick: RwSignal<u32>,
    scheduled: StoredValue<bool>,
}

impl Poll {
    pub fn new() -> Self {
        let poll = Poll {
            tick: RwSignal::new(0),
            scheduled: StoredValue::new(false),
        };
        // `visibilitychange` is the document's, and reaches the window as it bubbles.
        let shown_again = window_event_listener_untyped("visibilitychange", move |_| {
            if !document().hidden() {
                poll.now();
            }
        });
        on_cleanup(move || shown_again.remove());
        poll
    }

    /// Ticks while `busy` says so. `busy` is re-checked whenever what it reads changes, and at
    /// most one tick is waiting at any time, however many reads answer in between.
    ///
    /// The next tick is set when a read answers, so `busy` must read the page's resources
    /// themselves ([`crate::shared::Fetch`]), which tell of every answer. A
    /// [`crate::shared::settled`] value tells only of changes: after a refresh that brought
    /// back what was already shown, nothing would set the next tick and the page would stop
    /// refreshing while its connection is still moving.
    pub fn while_busy(self, busy: impl Fn() -> bool + 'static) {
        crate::shared::effect(move || {
            if busy() && !self.scheduled.get_value() {
                self.scheduled.set_value(true);
                spawn_local(async move {
                    TimeoutFuture::new(INTERVAL_MS).await;
                    // The page may be gone by now; then there is nothing to refresh.
                    if self.scheduled.try_set_value(false).is_none() {
                        self.tick.try_update(|t| *t += 1);
                    }
                });
            }
        });
    }

    /// Tracks the clock: call inside a read that should re-run on each tick.
    pub fn track(&self) {
        self.tick.track();
    }

    /// Refresh now (after a change the user made).
    pub fn now(&self) {
        self.tick.try_update(|t| *t += 1);
    }
}

/// For [`Poll::while_busy`] on a page that keeps showing a value through a refresh that failed
/// ([`crate::shared::last_read`]): whether that value, as last read (`shown`), is still
/// `moving`, and the latest read did not fail in a way reading again cannot mend (a network
/// or portal failure is retried at the same pace, a missing connection is not). Reads `read`,
/// so that every answer, failed or not, checks again.
pub fn still_moving<T: Send + Sync + 'static>(
    read: crate::shared::Fetch<crate::api::ApiResult<T>>,
    shown: Memo<Option<T>>,
    moving: impl Fn(&T) -> bool,
) -> bool {
    let mendable = read.with(|r| match r {
        Some(Err(e)) => e.may_pass_on_retry(),
        _ => true,
    });
    mendable && shown.with(|v| v.as_ref().is_some_and(moving))
}

impl Default for Poll {
    fn default() -> Self {
        Self::new()
    }
}
