//! The session's end, seen coming. The server ends a session after a time without requests
//! (the idle timeout) and at a fixed time after sign-in (the lifetime). Under the header this
//! says, minutes ahead, when either is near: the idle end with a button to stay signed in, the
//! lifetime (which nothing extends) so the user can finish first, and a session that has ended
//! with a way back to this page after signing in. A user who has been working meanwhile is not
//! asked: their requests kept the session alive, so it is read again quietly for its new end.
//! Before an idle end is announced the server is asked how the session stands, without that
//! counting as activity: another tab of the same session may have kept it alive.

use crate::components::feedback::ErrorBanner;
use crate::session::Auth;
use crate::{api, format, nav};
use leptos::prelude::*;
use leptos::task::spawn_local;
use models::ApiError;
use models::api::SessionView;
use std::time::Duration;
use web_sys::js_sys::Date;

/// How long before the idle end the warning shows (less for idle timeouts under ten minutes:
/// half of the timeout).
pub const IDLE_WARNING_MS: f64 = 5.0 * 60_000.0;
/// How long before the end of the lifetime the warning shows.
pub const LIMIT_WARNING_MS: f64 = 10.0 * 60_000.0;
const TICK: Duration = Duration::from_secs(5);
/// How often a tab announcing the idle end asks the server again whether it still holds.
const CHECK_EVERY_MS: f64 = 60_000.0;

/// The session's ends as the server last described them, in ms since the epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// When it ends if no request comes (never after `ends`).
    pub idle_ends: f64,
    /// When it ends whatever happens.
    pub ends: f64,
    /// When the server said so.
    pub described_at: f64,
    /// The idle timeout itself (ms): how long the session lasts without a request.
    pub idle_timeout: f64,
}

impl Clock {
    /// The ends of `session` as told at `described_at` (this browser's clock), counted from
    /// the seconds left, not the server's times, so a clock that is off does not matter. The
    /// server counts whole seconds; its session can outlast what it said by up to one, added
    /// so that "ended" is never said early.
    pub fn counted_from(described_at: f64, session: &SessionView) -> Clock {
        let at = |seconds: u64| described_at + seconds as f64 * 1000.0 + 1000.0;
        Clock {
            idle_ends: at(session.idle_seconds_left),
            ends: at(session.seconds_left),
            described_at,
            idle_timeout: session.idle_timeout_seconds as f64 * 1000.0,
        }
    }
}

/// What there is to say about the session at a given moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outlook {
    Fine,
    /// The idle end is near but the user has been active since: read the session again.
    Renew,
    /// The idle end is near and nothing has happened: warn, and offer to stay.
    IdleSoon {
        at: f64,
    },
    /// The lifetime's end is near (staying would not help).
    LimitSoon {
        at: f64,
    },
    Ended {
        idle: bool,
    },
}

/// `last_success` is when the portal last answered a call (each one keeps the session alive).
pub fn outlook(clock: &Clock, now: f64, last_success: f64) -> Outlook {
    if now >= clock.ends {
        return Outlook::Ended { idle: false };
    }
    let active = last_success > clock.described_at;
    // Half the timeout, not half of what was left when the session was described: a session
    // read again quietly near its end has little left, and its warning would come late.
    let window = IDLE_WARNING_MS.min(clock.idle_timeout / 2.0);
    if clock.idle_ends < clock.ends && now >= clock.idle_ends - window {
        return if active {
            Outlook::Renew
        } else if now >= clock.idle_ends {
            Outlook::Ended { idle: true }
        } else {
            Outlook::IdleSoon {
                at: clock.idle_ends,
            }
        };
    }
    if clock.ends - now <= LIMIT_WARNING_MS {
        return Outlook::LimitSoon { at: clock.ends };
    }
    Outlook::Fine
}

/// What is shown for `outlook`: an idle end is only announced once the server has confirmed it
/// (`checked`), since another tab of the same session may have kept it alive meanwhile.
pub fn shown(outlook: Outlook, checked: bool) -> Outlook {
    match outlook {
        Outlook::IdleSoon { .. } | Outlook::Ended { idle: true } if !checked => Outlook::Fine,
        other => other,
    }
}

/// Whether what the server said, for the description of the session `clock` counts from and at
/// the time `confirmed` (`(described_at, at)`), confirms `outlook`: a warning needs a check of
/// that description, and an idle end one made once it had come, since a check made while it was
/// only near says nothing of a request another tab sent after it.
pub fn confirmed(outlook: Outlook, clock: &Clock, confirmed: (f64, f64)) -> bool {
    let (described_at, at) = confirmed;
    described_at == clock.described_at
        && (outlook != Outlook::Ended { idle: true } || at >= clock.idle_ends)
}

/// Whether the server's idle end (`seen`, just read) is later than the one this tab counts
/// with: then something else, another tab, kept the session alive.
pub fn kept_alive_elsewhere(counted: &Clock, seen: &Clock) -> bool {
    seen.idle_ends > counted.idle_ends + 2_000.0
}

#[component]
pub fn SessionNotice() -> impl IntoView {
    let auth = Auth::get();
    let now = RwSignal::new(Date::now());
    if let Ok(handle) = set_interval_with_handle(move || now.set(Date::now()), TICK) {
        on_cleanup(move || handle.clear());
    }
    // When the server said the session is gone. A call answered since was made with a session
    // again (signed in anew in another tab): this tab's is no longer said to have ended.
    let gone: RwSignal<Option<f64>> = RwSignal::new(None);
    let renewing = RwSignal::new(false);
    let failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    // Reads the session again: asked to stay signed in, as activity that keeps it alive; for
    // a user who has been working, quietly (their requests kept it alive already), so that an
    // untouched page never extends its own session.
    let renew = move |stay: bool| {
        if renewing.get_untracked() {
            return;
        }
        renewing.set(true);
        spawn_local(async move {
            let result = if stay {
                api::refresh_session().await
            } else {
                api::session_status().await
            };
            renewing.try_set(false);
            match result {
                Ok(s) => {
                    failed.try_set(None);
                    auth.set(s);
                }
                Err(e) if e.is_signed_out() => {
                    gone.try_set(Some(Date::now()));
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    };
    // An idle end this tab sees coming is checked with the server before it is announced, and
    // again every minute while it is, and once it has come (without counting as activity):
    // `checked_for` is the description last confirmed, and when.
    let checked_for = RwSignal::new((f64::NAN, f64::NEG_INFINITY));
    let last_check = StoredValue::new(f64::NEG_INFINITY);
    let checking = StoredValue::new(false);
    let check = move |counted: Clock| {
        if checking.get_value() {
            return;
        }
        checking.set_value(true);
        last_check.set_value(Date::now());
        spawn_local(async move {
            let result = api::session_status().await;
            checking.try_set_value(false);
            match result {
                Ok(s) => {
                    let seen = Clock::counted_from(Date::now(), &s);
                    if kept_alive_elsewhere(&counted, &seen) {
                        auth.set(s);
                    } else {
                        checked_for.try_set((counted.described_at, Date::now()));
                    }
                }
                Err(e) if e.is_signed_out() => {
                    gone.try_set(Some(Date::now()));
                }
                // The server cannot say: announce what this tab counts.
                Err(_) => {
                    checked_for.try_set((counted.described_at, Date::now()));
                }
            }
        });
    };
    // Re-judged on every tick and whenever the session is described again; the notice changes
    // only when the judgement does, so a button keeps its focus.
    let state = RwSignal::new(Outlook::Fine);
    crate::shared::effect(move || {
        let ended = gone.get();
        // Looked at on every tick, since what says so is not a signal.
        now.track();
        if ended.is_some_and(|at| api::last_success() > at) {
            // Read again for the session's new ends.
            gone.set(None);
            renew(false);
            return;
        }
        // Someone typing into a long form asks the portal nothing for a long while: the session
        // is kept for them, as their requests would have kept it, no more often than the portal
        // renews it for requests (a quarter of the idle timeout, at most a minute).
        if ended.is_none()
            && let Some(s) = auth.session()
        {
            let keep_every = (s.idle_timeout_seconds as f64 * 250.0).min(60_000.0);
            let last = api::last_success();
            if api::last_typed() > last && now.get_untracked() - last >= keep_every {
                renew(true);
            }
        }
        let next = if ended.is_some() {
            Outlook::Ended { idle: true }
        } else {
            match auth.session() {
                Some(s) => {
                    let clock = Clock::counted_from(auth.described_at.get_value(), &s);
                    let next = outlook(&clock, now.get(), api::last_success());
                    let checked = confirmed(next, &clock, checked_for.get());
                    let due = now.get_untracked() - last_check.get_value() >= CHECK_EVERY_MS;
                    if shown(next, false) != next && (!checked || due) {
                        check(clock);
                    }
                    shown(next, checked)
                }
                None => Outlook::Fine,
            }
        };
        if next == Outlook::Renew {
            renew(false);
        }
        if state.get_untracked() != next {
            state.set(next);
        }
    });

    move || {
        let (message, action) = match state.get() {
            Outlook::Fine | Outlook::Renew => return None,
            Outlook::IdleSoon { at } => (
                format!(
                    "Without activity your session ends at {}, your time.",
                    format::local_clock(at)
                ),
                view! {
                    <button
                        type="button"
                        class="secondary"
                        data-test="stay-signed-in"
                        disabled=renewing
                        on:click=move |_| renew(true)
                    >
                        {move || if renewing.get() { "Staying…" } else { "Stay signed in" }}
                    </button>
                    {move || failed.get().map(|e| view! { <ErrorBanner error=e/> })}
                }
                .into_any(),
            ),
            Outlook::LimitSoon { at } => (
                format!(
                    "Your session reaches its time limit at {} and cannot be extended: finish what you are doing, then sign in again.",
                    format::local_clock(at)
                ),
                ().into_any(),
            ),
            Outlook::Ended { idle } => (
                if idle {
                    "Your session has ended after a time without activity.".to_owned()
                } else {
                    "Your session has reached its time limit and ended.".to_owned()
                },
                view! {
                    // The app is told the session ended, as a refused call tells it, and goes to
                    // sign-in itself: still signed in here, it would be sent back from there.
                    <a
                        href=nav::sign_in_path(nav::Why::Expired, nav::current().as_deref())
                        data-test="sign-in-again"
                        on:click=|ev| {
                            ev.prevent_default();
                            api::session_ended();
                        }
                    >
                        "Sign in again and come back to this page"
                    </a>
                }
                .into_any(),
            ),
        };
        let tone = if matches!(state.get_untracked(), Outlook::Ended { .. }) {
            "notice bad session-notice"
        } else {
            "notice warn session-notice"
        };
        Some(view! {
            // An alert: a region inserted already filled is not read out as a status is.
            <div class=tone role="alert" data-test="session-notice">
                <p>{message}</p>
                {action}
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    /// Described at 0 with a 30-minute idle timeout and 12 hours left.
    fn clock() -> Clock {
        Clock {
            idle_ends: 30.0 * MIN,
            ends: 720.0 * MIN,
            described_at: 0.0,
            idle_timeout: 30.0 * MIN,
        }
    }

    #[test]
    fn nothing_is_said_until_the_idle_end_is_five_minutes_away() {
        let c = clock();
        assert_eq!(outlook(&c, 24.9 * MIN, 0.0), Outlook::Fine);
        assert_eq!(
            outlook(&c, 25.0 * MIN, 0.0),
            Outlook::IdleSoon { at: 30.0 * MIN }
        );
        assert_eq!(outlook(&c, 30.0 * MIN, 0.0), Outlook::Ended { idle: true });
    }

    #[test]
    fn a_user_who_was_active_is_renewed_not_warned() {
        let c = clock();
        assert_eq!(outlook(&c, 25.0 * MIN, 3.0 * MIN), Outlook::Renew);
        // Their requests kept the session alive past the end described before them.
        assert_eq!(outlook(&c, 31.0 * MIN, 3.0 * MIN), Outlook::Renew);
        // The answer that described the session is not activity after it.
        assert_eq!(
            outlook(&c, 25.0 * MIN, 0.0),
            Outlook::IdleSoon { at: 30.0 * MIN }
        );
    }

    #[test]
    fn a_short_idle_timeout_is_warned_about_in_its_second_half() {
        let c = Clock {
            idle_ends: 60_000.0,
            ends: 60.0 * MIN,
            described_at: 0.0,
            idle_timeout: 60_000.0,
        };
        assert_eq!(outlook(&c, 29_000.0, 0.0), Outlook::Fine);
        assert_eq!(
            outlook(&c, 30_000.0, 0.0),
            Outlook::IdleSoon { at: 60_000.0 }
        );
    }

    #[test]
    fn a_session_read_again_near_its_end_is_warned_about_as_early() {
        // A 3-minute timeout, read again quietly 90 s before its end (the user's last request
        // long before): warned from then on, half the timeout ahead, not half of what is left.
        let c = Clock {
            idle_ends: 90_000.0,
            ends: 60.0 * MIN,
            described_at: 0.0,
            idle_timeout: 3.0 * MIN,
        };
        assert_eq!(outlook(&c, 0.0, 0.0), Outlook::IdleSoon { at: 90_000.0 });
        // And a 30-minute one read again 5 minutes before: warned at once, not at 2.5.
        let c = Clock {
            idle_ends: 5.0 * MIN,
            idle_timeout: 30.0 * MIN,
            ..clock()
        };
        assert_eq!(outlook(&c, 0.0, 0.0), Outlook::IdleSoon { at: 5.0 * MIN });
    }

    #[test]
    fn the_ends_are_counted_on_this_browser_clock_from_the_seconds_left() {
        let session = SessionView {
            user: models::api::SessionUser {
                id: "u".into(),
                name: "Grace Hopper".into(),
                email: "grace@example.com".into(),
            },
            companies: Vec::new(),
            company: None,
            sandbox: true,
            // A server clock a day away from this browser's: not used.
            expires_at: "2026-12-01T12:00:00Z".into(),
            idle_expires_at: "2026-12-01T00:30:00Z".into(),
            idle_seconds_left: 1800,
            idle_timeout_seconds: 1800,
            seconds_left: 43_200,
        };
        let c = Clock::counted_from(5_000.0, &session);
        assert_eq!(c.idle_ends, 5_000.0 + 1_800_000.0 + 1_000.0);
        assert_eq!(c.ends, 5_000.0 + 43_200_000.0 + 1_000.0);
        assert_eq!(c.idle_timeout, 1_800_000.0);
        assert_eq!(
            outlook(&c, c.idle_ends - 1.0, 0.0),
            Outlook::IdleSoon { at: c.idle_ends }
        );
        assert_eq!(outlook(&c, c.idle_ends, 0.0), Outlook::Ended { idle: true });
    }

    #[test]
    fn an_idle_end_is_announced_only_once_the_server_confirmed_it() {
        let soon = Outlook::IdleSoon { at: 1.0 };
        assert_eq!(shown(soon, false), Outlook::Fine);
        assert_eq!(shown(soon, true), soon);
        let idle = Outlook::Ended { idle: true };
        assert_eq!(shown(idle, false), Outlook::Fine);
        assert_eq!(shown(idle, true), idle);
        // The lifetime is the same for every tab: no need to ask.
        for other in [
            Outlook::Fine,
            Outlook::Renew,
            Outlook::LimitSoon { at: 1.0 },
            Outlook::Ended { idle: false },
        ] {
            assert_eq!(shown(other, false), other);
        }
    }

    #[test]
    fn an_idle_end_needs_a_check_made_once_it_has_come() {
        let c = clock();
        let idle = Outlook::Ended { idle: true };
        let soon = Outlook::IdleSoon { at: c.idle_ends };
        // Checked while the end was near: the warning is confirmed, the end is not.
        let before = (c.described_at, c.idle_ends - 60_000.0);
        assert!(confirmed(soon, &c, before));
        assert!(!confirmed(idle, &c, before));
        let after = (c.described_at, c.idle_ends + 1.0);
        assert!(confirmed(idle, &c, after));
        // A check of another description confirms nothing of this one.
        assert!(!confirmed(
            soon,
            &c,
            (c.described_at - 1.0, c.idle_ends + 1.0)
        ));
        assert!(!confirmed(idle, &c, (f64::NAN, f64::NEG_INFINITY)));
    }

    #[test]
    fn a_later_idle_end_on_the_server_means_another_tab_kept_the_session() {
        let counted = clock();
        let same = Clock {
            idle_ends: counted.idle_ends + 1_500.0,
            ..counted
        };
        assert!(
            !kept_alive_elsewhere(&counted, &same),
            "rounding, not activity"
        );
        let later = Clock {
            idle_ends: counted.idle_ends + 4.0 * MIN,
            ..counted
        };
        assert!(kept_alive_elsewhere(&counted, &later));
    }

    #[test]
    fn the_lifetime_is_announced_and_not_renewed() {
        let c = Clock {
            idle_ends: 100.0 * MIN,
            ends: 100.0 * MIN,
            described_at: 80.0 * MIN,
            idle_timeout: 30.0 * MIN,
        };
        assert_eq!(outlook(&c, 89.0 * MIN, 0.0), Outlook::Fine);
        // Staying signed in would not move the end: say so, even to an active user.
        assert_eq!(
            outlook(&c, 95.0 * MIN, 99.0 * MIN),
            Outlook::LimitSoon { at: 100.0 * MIN }
        );
        assert_eq!(
            outlook(&c, 100.0 * MIN, 99.0 * MIN),
            Outlook::Ended { idle: false }
        );
        // An idle end well before the limit comes first.
        let near = Clock {
            idle_ends: 94.0 * MIN,
            ..c
        };
        assert_eq!(
            outlook(&near, 91.0 * MIN, 0.0),
            Outlook::IdleSoon { at: 94.0 * MIN }
        );
    }
}
