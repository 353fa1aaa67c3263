//! Refreshing a view while what it shows is still moving (CREATING, SYNCING…): a tick signal
//! the page's reads depend on, bumped about every two seconds for as long as it is asked to
//! (or after the wait the portal last asked for with `Retry-After`, when that is longer),
//! and whenever the browser tab is shown again, since what a hidden tab shows may have
//! changed meanwhile (a colleague's order, a peering changed elsewhere).

use crate::shared::Fetch;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

const INTERVAL_S: u32 = 2;
const INTERVAL_MS: u32 = INTERVAL_S * 1_000;
/// The pace said to people, which a test keeps equal to [`INTERVAL_S`].
const PACE: &str = "every 2 s";

/// How long to wait before the next tick at `now`: the interval, or longer while the portal
/// has asked not to be asked again before `quiet_until` (both ms since the epoch).
fn tick_delay(now: f64, quiet_until: f64) -> u32 {
    let asked = (quiet_until - now).ceil();
    if asked > f64::from(INTERVAL_MS) {
        // A Retry-After is whole seconds in a u32, so this fits.
        asked.min(f64::from(u32::MAX)) as u32
    } else {
        INTERVAL_MS
    }
}

/// Whole seconds from `now` until `quiet_until` (both ms since the epoch), rounded up; 0 when
/// that time has come.
pub fn seconds_left(now: f64, quiet_until: f64) -> u32 {
    let left = ((quiet_until - now) / 1000.0).ceil();
    if left > 0.0 {
        left.min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// A page's refresh clock. Its reads ([`Poll::resource`]) run again on each tick.
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    tick: RwSignal<u32>,
    /// Bumped each time one of its reads answers, changed or not.
    answered: RwSignal<u32>,
    scheduled: StoredValue<bool>,
    /// Whether the tick waiting is held back past the pace by a wait the portal asked for.
    held: RwSignal<bool>,
    /// Whether the page is refreshing at all: what it follows is still moving, and its last
    /// read did not fail in a way reading again cannot mend.
    running: RwSignal<bool>,
}

impl Poll {
    pub fn new() -> Self {
        let poll = Poll {
            tick: RwSignal::new(0),
            answered: RwSignal::new(0),
            scheduled: StoredValue::new(false),
            held: RwSignal::new(false),
            running: RwSignal::new(false),
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

    /// A read of the page, run again on each tick: a [`Fetch`] whose every answer, changed or
    /// not, the clock hears of.
    pub fn resource<T, Fut>(self, fetcher: impl Fn() -> Fut + 'static) -> Fetch<T>
    where
        T: 'static,
        Fut: Future<Output = T> + 'static,
    {
        crate::shared::resource(move || {
            self.tick.track();
            let pending = fetcher();
            async move {
                let value = pending.await;
                self.answered.try_update(|n| *n += 1);
                value
            }
        })
    }

    /// Ticks while `busy` says so. `busy` is checked again whenever what it reads changes and
    /// whenever one of the clock's reads answers, so the next tick is set after each answer
    /// even when it brought back what is already shown (and `busy` reads only a
    /// [`crate::shared::settled`] value, which did not change). At most one tick is waiting at
    /// any time, however many reads answer in between.
    pub fn while_busy(self, busy: impl Fn() -> bool + 'static) {
        crate::shared::effect(move || {
            self.answered.track();
            let busy = busy();
            if self.running.try_get_untracked() == Some(!busy) {
                self.running.set(busy);
            }
            if busy && !self.scheduled.get_value() {
                self.scheduled.set_value(true);
                spawn_local(async move {
                    let now = web_sys::js_sys::Date::now();
                    let delay = tick_delay(now, crate::api::quiet_until());
                    // Said until the next tick is set, not undone for the read in between:
                    // a note in a live region would otherwise flicker at each attempt.
                    self.hold(delay > INTERVAL_MS);
                    TimeoutFuture::new(delay).await;
                    // The page may be gone by now; then there is nothing to refresh.
                    if self.scheduled.try_set_value(false).is_none() {
                        self.tick.try_update(|t| *t += 1);
                    }
                });
            }
        });
    }

    fn hold(self, held: bool) {
        if self.held.try_get_untracked() == Some(!held) {
            self.held.set(held);
        }
    }

    /// How the page refreshes, to end a note such as "refreshing …": at its pace, or not
    /// before the wait the portal asked for is over (the error shown says how long it is).
    pub fn pace(self) -> impl Fn() -> &'static str + Copy {
        move || {
            if self.held.get() {
                "paused while Console Connect asks to wait"
            } else {
                PACE
            }
        }
    }

    /// Whether the page refreshes by itself now: a note that says it does is shown only then.
    pub fn running(self) -> bool {
        self.running.get()
    }

    /// Refresh now (after a change the user made).
    pub fn now(&self) {
        self.tick.try_update(|t| *t += 1);
    }
}

/// For [`Poll::while_busy`] on a page that keeps showing a value through a refresh that failed
/// ([`crate::shared::last_read`]): whether that value, as last read (`shown`), is still
/// `moving`, and the latest read did not fail in a way reading again cannot mend (a network
/// or portal failure is retried at the same pace, a missing connection is not).
pub fn still_moving<T: Send + Sync + 'static>(
    read: Fetch<crate::api::ApiResult<T>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_their_pace_unless_the_portal_asked_for_a_longer_wait() {
        let now = 1_700_000_000_000.0;
        assert_eq!(tick_delay(now, 0.0), INTERVAL_MS);
        assert_eq!(
            tick_delay(now, now - 60_000.0),
            INTERVAL_MS,
            "a wait that is over"
        );
        assert_eq!(tick_delay(now, now + 1_500.0), INTERVAL_MS);
        assert_eq!(tick_delay(now, now + 30_000.0), 30_000);
        assert_eq!(tick_delay(now, now + 29_999.2), 30_000, "rounded up");
    }

    #[test]
    fn the_pace_said_is_the_pace_kept() {
        assert_eq!(PACE, format!("every {INTERVAL_S} s"));
    }

    #[test]
    fn the_seconds_left_of_a_wait_are_rounded_up_and_end_at_zero() {
        let now = 1_700_000_000_000.0;
        assert_eq!(seconds_left(now, 0.0), 0);
        assert_eq!(seconds_left(now, now), 0);
        assert_eq!(seconds_left(now, now + 1.0), 1);
        assert_eq!(seconds_left(now, now + 8_000.0), 8);
        assert_eq!(seconds_left(now, now + 8_001.0), 9);
    }
}
