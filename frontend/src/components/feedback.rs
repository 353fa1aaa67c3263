//! The states every view shows the same way: loading, empty, and an error with the server's
//! message and request id (announced to screen readers).

use crate::api;
use crate::poll::{Poll, seconds_left};
use crate::shared::Fetch;
use leptos::prelude::*;
use models::ApiError;
use models::validate::for_people;
use std::sync::Arc;
use std::time::Duration;
use web_sys::js_sys::Date;

/// An error as a banner: the message, each field message it does not already say (fields
/// named by their labels), and the request id to quote to support.
#[component]
pub fn ErrorBanner(error: ApiError) -> impl IntoView {
    // A single field's message is the banner's message already; list only what it does not say.
    let fields: Vec<_> = error
        .fields
        .iter()
        .filter(|f| f.message != error.message)
        .map(|f| for_people(&f.message))
        .collect();
    let message = if error.fields.is_empty() {
        error.message.clone()
    } else {
        for_people(&error.message)
    };
    view! {
        <div class="error-banner" role="alert">
            <p class="error-message">{message}</p>
            {(!fields.is_empty())
                .then(|| {
                    view! {
                        <ul class="error-fields">
                            {fields
                                .into_iter()
                                .map(|f| view! { <li>{f}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {error
                .request_id
                .clone()
                .map(|id| view! { <p class="request-id">"Request id: " <code>{id}</code></p> })}
        </div>
    }
}

/// The error of an action, if its last run failed, as an alert (read out as it appears); an
/// empty place for it otherwise. When the failure arrives with the keyboard focus nowhere (the
/// button pressed was disabled while the action ran, which drops it), the focus goes to the
/// error, so the keyboard goes on from there and not from the top of the page.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    let region = NodeRef::<leptos::html::Div>::new();
    crate::shared::effect(move || {
        if error.with(Option::is_some) {
            let lost = document()
                .active_element()
                .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
            if let (true, Some(region)) = (lost, region.get_untracked()) {
                let _ = region.focus();
            }
        }
    });
    view! {
        // Not a live region itself: the banner is an alert, which is read out once.
        <div class="live" tabindex="-1" node_ref=region>
            {move || error.get().map(|e| view! { <ErrorBanner error=e/> })}
        </div>
    }
}

/// How a page reads again what failed to load: what to run, and whether the reading it starts
/// is still under way (meanwhile the button that asked for it says so and cannot be pressed
/// again).
#[derive(Clone, Copy)]
pub struct Retry {
    run: Callback<()>,
    busy: Signal<bool>,
}

impl Retry {
    pub fn new(
        run: impl Fn() + Send + Sync + 'static,
        busy: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Self {
        Retry::boxed(Arc::new(run), Arc::new(busy))
    }

    /// One copy of what `new` does for every page's closures.
    fn boxed(run: Arc<dyn Fn() + Send + Sync>, busy: Arc<dyn Fn() -> bool + Send + Sync>) -> Self {
        Retry {
            run: Callback::new(move |()| run()),
            busy: Signal::derive(move || busy()),
        }
    }

    /// Reads `read` again.
    pub fn of<T: 'static>(read: Fetch<T>) -> Self {
        Retry::new(move || read.refetch(), move || read.reading())
    }

    /// Reads both `a` and `b` again, for a view that needs both; busy while either is read.
    pub fn both<A: 'static, B: 'static>(a: Fetch<A>, b: Fetch<B>) -> Self {
        Retry::new(
            move || {
                a.refetch();
                b.refetch();
            },
            move || a.reading() || b.reading(),
        )
    }

    /// Ticks `poll` now; busy while `read` is being read.
    pub fn poll<T: 'static>(poll: Poll, read: Fetch<T>) -> Self {
        Retry::new(move || poll.now(), move || read.reading())
    }
}

/// The seconds left of the wait the portal last asked for (`Retry-After`), counting down to
/// 0 by itself; looked at again whenever what `answered` reads changes (an action's answer).
/// A button that sends to the portal is not pressed again before it is 0.
pub fn wait_left(answered: impl Fn() + 'static) -> ReadSignal<u32> {
    let left = move || seconds_left(Date::now(), api::quiet_until());
    let wait = RwSignal::new(left());
    let ticking: StoredValue<Option<IntervalHandle>> = StoredValue::new(None);
    let stop = move || {
        if let Some(handle) = ticking.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    crate::shared::effect(move || {
        answered();
        let now = left();
        wait.set(now);
        if now > 0 && ticking.with_value(Option::is_none) {
            let tick = move || {
                let now = left();
                if now != wait.get_untracked() {
                    wait.set(now);
                }
                if now == 0 {
                    stop();
                }
            };
            if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(250)) {
                ticking.set_value(Some(handle));
            }
        }
    });
    on_cleanup(stop);
    wait.read_only()
}

/// A button's label: `running` while its action runs, else `label`, with the wait left
/// (`wait_left`) while there is one: "Create in 12 s", and a long one in whole minutes begun:
/// "Sign in in 15 min".
pub fn action_label(running: bool, wait: u32, label: &str, running_label: &str) -> String {
    match (running, wait) {
        (true, _) => running_label.to_owned(),
        (false, 0) => label.to_owned(),
        (false, s @ ..120) => format!("{label} in {s} s"),
        (false, s) => format!("{label} in {} min", s.div_ceil(60)),
    }
}

/// A read that failed: its error, and a button to read again when that may help (the portal,
/// Console Connect or the network failed, not the request). While the wait the portal asked
/// for (`Retry-After`) lasts, the button counts it down and cannot be pressed.
#[component]
pub fn LoadError(error: ApiError, retry: Retry) -> impl IntoView {
    let retry_may_help = error.may_pass_on_retry();
    let busy = retry.busy;
    let wait = wait_left(|| ());
    let blocked = move || busy.get() || (retry_may_help && wait.get() != 0);
    let label = move || {
        let wait = if retry_may_help { wait.get() } else { 0 };
        action_label(busy.get(), wait, "Try again", "Trying again…")
    };
    // A message that names a wait says, once the wait is over, that it is.
    let waited = retry_may_help
        .then(|| after_the_wait(&error.message))
        .flatten();
    let banner = move || {
        let mut error = error.clone();
        if let Some(waited) = waited.clone().filter(|_| wait.get() == 0) {
            error.message = waited;
        }
        view! { <ErrorBanner error=error/> }
    };
    view! {
        {banner}
        {retry_may_help
            .then(|| {
                view! {
                    <p>
                        // Not `disabled` while it cannot be pressed: that would drop the keyboard
                        // from it at every attempt of a page that reads again by itself.
                        <button
                            type="button"
                            data-test="try-again"
                            aria-disabled=move || if blocked() { "true" } else { "false" }
                            on:click=move |_| {
                                if !blocked() {
                                    retry.run.run(());
                                }
                            }
                        >
                            {label}
                        </button>
                    </p>
                }
            })}
    }
}

/// `message` as it reads once the wait its "Try again in …" sentence asked for is over.
fn after_the_wait(message: &str) -> Option<String> {
    let start = message.find("Try again in ")?;
    let end = message[start..]
        .find(". ")
        .map_or(message.len(), |dot| start + dot + 1);
    Some(format!(
        "{}The wait asked for is over: try again.{}",
        &message[..start],
        &message[end..]
    ))
}

/// The error of the latest refresh of a page, while it failed, with a way to read again.
#[component]
pub fn RefreshError(error: Memo<Option<ApiError>>, retry: Retry) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <LoadError error=e retry=retry/> })
    }
}

#[component]
pub fn Loading(#[prop(into, optional)] label: Option<String>) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {label.unwrap_or_else(|| "Loading…".to_owned())}
        </p>
    }
}

#[component]
pub fn Empty(children: Children) -> impl IntoView {
    view! { <div class="empty">{children()}</div> }
}

/// Says which filters in the address were not understood, and so not applied (each as
/// `name=value`); nothing when there are none.
#[component]
pub fn NotUnderstood(ignored: Vec<String>) -> impl IntoView {
    (!ignored.is_empty()).then(|| {
        view! {
            <p class="notice" role="status" data-test="ignored-filters">
                {format!(
                    "Not understood in the address, so not applied: {}. Choose with the filters on this page.",
                    said_shortly(&ignored),
                )}
            </p>
        }
    })
}

/// How many parts of an address not understood are named, and how many characters of each.
const NAMED: usize = 5;
const NAME_CHARS: usize = 60;

/// The parts of an address not understood, the first few, each cut short, and how many more:
/// an address however long makes a notice of a few lines.
fn said_shortly(ignored: &[String]) -> String {
    let mut said: Vec<String> = ignored
        .iter()
        .take(NAMED)
        .map(|part| {
            let mut short: String = part.chars().take(NAME_CHARS).collect();
            if part.chars().count() > NAME_CHARS {
                short.push('…');
            }
            short
        })
        .collect();
    match ignored.len().saturating_sub(NAMED) {
        0 => {}
        1 => said.push("and 1 more".to_owned()),
        n => said.push(format!("and {n} more")),
    }
    said.join(", ")
}

#[cfg(test)]
mod tests {
    use super::{action_label, after_the_wait, said_shortly};

    #[test]
    fn a_wait_named_is_said_to_be_over() {
        assert_eq!(
            after_the_wait(
                "Console Connect is unavailable for now (503). Try again in 20 seconds."
            )
            .as_deref(),
            Some(
                "Console Connect is unavailable for now (503). The wait asked for is over: try again."
            )
        );
        assert_eq!(
            after_the_wait("Busy. Try again in 2 minutes. Nothing was changed.").as_deref(),
            Some("Busy. The wait asked for is over: try again. Nothing was changed.")
        );
        assert_eq!(
            after_the_wait("Console Connect failed. Try again shortly."),
            None
        );
    }

    #[test]
    fn an_address_not_understood_is_named_shortly() {
        let parts = |n: usize| (0..n).map(|i| format!("p{i}=v")).collect::<Vec<_>>();
        assert_eq!(said_shortly(&parts(2)), "p0=v, p1=v");
        assert_eq!(
            said_shortly(&parts(6)),
            "p0=v, p1=v, p2=v, p3=v, p4=v, and 1 more"
        );
        assert!(said_shortly(&parts(400)).ends_with("p4=v, and 395 more"));
        let long = said_shortly(&["x".repeat(20_000)]);
        assert_eq!(long, format!("{}…", "x".repeat(60)));
    }

    #[test]
    fn a_wait_is_said_in_seconds_then_in_minutes_begun() {
        let label = |running, wait| action_label(running, wait, "Sign in", "Signing in…");
        assert_eq!(label(false, 0), "Sign in");
        assert_eq!(label(true, 30), "Signing in…");
        assert_eq!(label(false, 1), "Sign in in 1 s");
        assert_eq!(label(false, 119), "Sign in in 119 s");
        assert_eq!(label(false, 120), "Sign in in 2 min");
        assert_eq!(label(false, 121), "Sign in in 3 min");
        assert_eq!(label(false, 900), "Sign in in 15 min");
    }
}
