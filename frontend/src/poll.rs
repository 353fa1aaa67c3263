//! Refreshing a view while what it shows is still moving (CREATING, SYNCING…): a tick signal
//! the page's reads depend on, bumped about every two seconds for as long as it is asked to
//! (or after the wait the portal last asked for with `Retry-After`, when that is longer),
//! and whenever the browser tab is shown again, since what a hidden tab shows may have
//! changed meanwhile (a colleague's order, a peering changed elsewhere). A page that lists what
//! colleagues change ([`Poll::also_when_idle`]) reads again at a slower pace while nothing in
//! it moves and its tab is shown, so a console left open picks up a colleague's order.

use crate::components::session_notice::IDLE_WARNING_MS;
use crate::session::{Auth, SessionState};
use crate::shared::Fetch;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

const INTERVAL_S: u32 = 2;
const INTERVAL_MS: u32 = INTERVAL_S * 1_000;
/// The pace said to people, which a test keeps equal to [`INTERVAL_S`].
const PACE: &str = "every 2 s";
/// The pace of a page read again while nothing in it moves ([`Poll::also_when_idle`]).
const IDLE_MS: u32 = 30_000;

/// The tick waiting, if any: at the pace of a page whose content moves, or at the idle one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    Nothing,
    Idle,
    Busy,
}

/// Whether a page's idle read may go at `now`, the session having been kept alive last at
/// `last_success` (ms since the epoch) with an idle timeout of `idle_timeout_ms`: not once its
/// idle end is as near as the session's warning of it, so a page nobody uses stops reading
/// before its session ends, rather than meeting the end with a read.
fn idle_read_goes(now: f64, last_success: f64, idle_timeout_ms: f64) -> bool {
    let window = IDLE_WARNING_MS.min(idle_timeout_ms / 2.0);
    now < last_success + idle_timeout_ms - window
}

/// Which tick to set now, if any, for a page that is `busy` or not, reading again when idle
/// or not, with `waiting` already set: a busy page's tick in place of an idle one (which would
/// keep it waiting up to the idle pace), an idle one when nothing waits.
fn to_set(busy: bool, idle: bool, waiting: Waiting) -> Option<Waiting> {
    match (busy, waiting) {
        (true, Waiting::Busy) => None,
        (true, _) => Some(Waiting::Busy),
        (false, Waiting::Nothing) if idle => Some(Waiting::Idle),
        (false, _) => None,
    }
}

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
    /// The tick waiting, and how many have been set: a tick replaced by another is dropped.
    waiting: StoredValue<(Waiting, u32)>,
    /// Whether the page reads again at the idle pace while nothing in it moves: with the
    /// session whose idle end that stops before.
    idle: StoredValue<Option<Auth>>,
    /// The latest idle tick: the reads it runs are the app's own doing.
    idle_tick: StoredValue<Option<u32>>,
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
            waiting: StoredValue::new((Waiting::Nothing, 0)),
            idle: StoredValue::new(None),
            idle_tick: StoredValue::new(None),
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

    /// Reads the page again every [`IDLE_MS`] while nothing in it moves and its tab is shown
    /// (a hidden tab reads again once shown), until the session's idle end nears: for a list
    /// of what colleagues change. These reads are the app's own doing, sent unattended.
    pub fn also_when_idle(self) -> Self {
        self.idle.set_value(Some(Auth::get()));
        self
    }

    /// Whether an idle read may go now (see [`idle_read_goes`]).
    fn idle_read_may_go(self) -> bool {
        let timeout = self.idle.try_get_value().flatten().and_then(|auth| {
            auth.state.try_with_untracked(|s| match s {
                SessionState::SignedIn(s) => Some(s.idle_timeout_seconds as f64 * 1000.0),
                _ => None,
            })
        });
        timeout.flatten().is_some_and(|timeout| {
            idle_read_goes(
                web_sys::js_sys::Date::now(),
                crate::api::last_success(),
                timeout,
            )
        })
    }

    /// A read of the page, run again on each tick: a [`Fetch`] whose every answer, changed or
    /// not, the clock hears of.
    pub fn resource<T, Fut>(self, fetcher: impl Fn() -> Fut + 'static) -> Fetch<T>
    where
        T: 'static,
        Fut: Future<Output = T> + 'static,
    {
        crate::shared::resource(move || {
            let tick = self.tick.get();
            let by_itself = self.idle_tick.try_get_value().flatten() == Some(tick);
            let pending = fetcher();
            async move {
                let value = crate::api::read_by_itself(pending, by_itself).await;
                self.answered.try_update(|n| *n += 1);
                value
            }
        })
    }

    /// Ticks while `busy` says so. `busy` is checked again whenever what it reads changes and
    /// whenever one of the clock's reads answers, so the next tick is set after each answer
    /// even when it brought back what is already shown (and `busy` reads only a
    /// [`crate::shared::settled`] value, which did not change). At most one tick is waiting at
    /// any time, however many reads answer in between. A page read again when idle has its
    /// idle tick set the same way while it is not busy.
    pub fn while_busy(self, busy: impl Fn() -> bool + 'static) {
        crate::shared::effect(move || {
            self.answered.track();
            let busy = busy();
            if self.running.try_get_untracked() == Some(!busy) {
                self.running.set(busy);
            }
            let (waiting, set) = self.waiting.get_value();
            let Some(kind) = to_set(busy, self.idle.get_value().is_some(), waiting) else {
                return;
            };
            let this = set.wrapping_add(1);
            self.waiting.set_value((kind, this));
            spawn_local(async move {
                let now = web_sys::js_sys::Date::now();
                let (pace, delay) = match kind {
                    Waiting::Idle => (
                        IDLE_MS,
                        tick_delay(now, crate::api::quiet_until()).max(IDLE_MS),
                    ),
                    _ => (INTERVAL_MS, tick_delay(now, crate::api::quiet_until())),
                };
                // Said until the next tick is set, not undone for the read in between:
                // a note in a live region would otherwise flicker at each attempt.
                self.hold(delay > pace);
                let mut delay = delay;
                loop {
                    TimeoutFuture::new(delay).await;
                    // The page may be gone by now, or this tick replaced by another; then
                    // there is nothing to do.
                    if self.waiting.try_get_value().map(|(_, set)| set) != Some(this) {
                        return;
                    }
                    // A hidden tab is read again when it is shown, not while nobody sees it;
                    // a session near its idle end, once someone uses the page again.
                    if kind == Waiting::Idle && !document().hidden() && !self.idle_read_may_go() {
                        delay = IDLE_MS;
                        continue;
                    }
                    self.waiting.set_value((Waiting::Nothing, this));
                    if kind == Waiting::Busy || !document().hidden() {
                        let next = self.tick.get_untracked().wrapping_add(1);
                        if kind == Waiting::Idle {
                            self.idle_tick.set_value(Some(next));
                        }
                        self.tick.set(next);
                    }
                    return;
                }
            });
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
    fn a_busy_page_has_its_tick_set_at_once_and_an_idle_one_only_when_nothing_waits() {
        use Waiting::{Busy, Idle, Nothing};
        // While what the page shows moves: one busy tick, which also replaces an idle one.
        assert_eq!(to_set(true, false, Nothing), Some(Busy));
        assert_eq!(to_set(true, true, Nothing), Some(Busy));
        assert_eq!(to_set(true, true, Idle), Some(Busy));
        assert_eq!(to_set(true, true, Busy), None);
        assert_eq!(to_set(true, false, Busy), None);
        // While nothing moves: an idle tick for a page read again when idle, once.
        assert_eq!(to_set(false, true, Nothing), Some(Idle));
        assert_eq!(to_set(false, true, Idle), None);
        assert_eq!(
            to_set(false, true, Busy),
            None,
            "the busy tick waiting stands"
        );
        assert_eq!(to_set(false, false, Nothing), None);
        assert_eq!(to_set(false, false, Idle), None);
    }

    #[test]
    fn idle_reads_stop_as_the_sessions_idle_end_nears() {
        let success = 1_700_000_000_000.0;
        let minute = 60_000.0;
        // Thirty minutes without a request end the session; its warning comes five before.
        let timeout = 30.0 * minute;
        assert!(idle_read_goes(success, success, timeout));
        assert!(idle_read_goes(success + 24.0 * minute, success, timeout));
        assert!(!idle_read_goes(success + 25.0 * minute, success, timeout));
        assert!(!idle_read_goes(success + 31.0 * minute, success, timeout));
        // One minute: the warning comes half-way.
        assert!(idle_read_goes(success + 29_000.0, success, minute));
        assert!(!idle_read_goes(success + 30_000.0, success, minute));
        // Never a success: never an idle read.
        assert!(!idle_read_goes(success, 0.0, timeout));
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
