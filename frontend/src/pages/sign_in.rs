//! `/sign-in`: sign in with a Console Connect API key (masked, with show/hide), the sandbox's
//! demo keys as buttons, and the company choice for users of several companies (or another key
//! instead).

use crate::api;
use crate::components::company::CompanyChooser;
use crate::components::feedback::{
    ActionError, ErrorBanner, LoadError, Loading, Retry, action_label, wait_left,
};
use crate::components::field::{Field, ShowSecret};
use crate::components::keys::DemoKeyList;
use crate::components::shell::{SandboxBanner, SignOutButton};
use crate::form::Input;
use crate::nav;
use crate::route::{NavigateOptions, use_navigate, use_query_map};
use crate::session::{Auth, SessionState};
use leptos::prelude::*;
use models::api::SessionView;
use models::{ApiError, ErrorCode, validate};

/// Said after a session ended with a form's typing left unsent in the tab (see [`crate::draft`]).
const DRAFT_KEPT: &str = " What you had typed into a form is kept in this tab: it is there again when you open that form after signing in as the same user.";

#[component]
pub fn SignInPage() -> impl IntoView {
    nav::title("Sign in");
    let auth = Auth::get();
    let navigate = use_navigate();
    let query = use_query_map();
    // Why the page is shown, when the app sent the user here (see `nav::Why`): said until the
    // user has signed in again.
    let said = move |why: nav::Why| {
        auth.session().is_none()
            && query.with(|q| why.parameter().and_then(|p| q.get(p)).as_deref() == Some("1"))
    };
    // Where the user was when the session ended, or the link they opened signed out. Not for
    // someone else signing in at this tab: that page, its filters, its typed-in address, was
    // the one before's.
    let before = StoredValue::new(crate::session::last_user());
    // A form's typing the session's end left unsent: said to be kept, so that it is not typed
    // again elsewhere, or given up for lost.
    let draft_kept =
        before.with_value(|user| user.as_deref().is_some_and(crate::draft::any_kept_for));
    let next = move || {
        let theirs = before.with_value(|before| {
            before
                .as_ref()
                .is_none_or(|user| untrack(|| auth.session()).is_some_and(|s| s.user.id == *user))
        });
        query.with_untracked(|q| {
            q.get("next")
                .filter(|_| theirs)
                .and_then(|n| nav::safe_next(&n).map(str::to_owned))
                .unwrap_or_else(|| "/connections".to_owned())
        })
    };
    let info = crate::shared::resource(api::get_info);

    let key = Input::new("");
    let visible = RwSignal::new(false);
    let chooser: RwSignal<Option<SessionView>> = RwSignal::new(None);
    let other_key_failed = RwSignal::new(None);
    let banner: RwSignal<Option<ApiError>> = RwSignal::new(None);

    let sign_in = crate::shared::action(|k: &String| api::sign_in(k.clone()));
    let pending = sign_in.pending();
    let go = navigate.clone();
    crate::shared::effect(move || match sign_in.value() {
        Some(Ok(s)) => {
            auth.set(s.clone());
            if s.company.is_none() && s.companies.len() > 1 {
                chooser.set(Some(s));
            } else {
                go(&next(), Default::default());
            }
        }
        Some(Err(e)) => {
            let about_key = e
                .field("apiKey")
                .map(str::to_owned)
                .or_else(|| (e.code == ErrorCode::Unauthenticated).then(|| e.message.clone()));
            match about_key {
                Some(message) => key.server.set(Some(message)),
                None => banner.set(Some(e)),
            }
        }
        None => {}
    });

    // Signed in meanwhile in another tab (the browser's session is this tab's too): asked
    // quietly when this page opens, is shown again or its window comes back to the front; the
    // answer then leads on as below.
    let look = move || {
        if !matches!(auth.state.get_untracked(), SessionState::SignedOut) {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(s) = api::session_status().await
                && matches!(auth.state.get_untracked(), SessionState::SignedOut)
            {
                auth.set(s);
            }
        });
    };
    look();
    crate::shared::on_seen_again(look);

    // Signed in already (Back after signing in, or the address opened in another tab): on to
    // the page the sign-in would lead to, in this page's place, rather than a form that would
    // sign in a second time.
    // Signed in with the company still to choose (this page reloaded at the choice): the
    // choice again, not the key.
    let onward = navigate.clone();
    crate::shared::effect(move || {
        let session = auth.session();
        // Signed out meanwhile (in another tab, say): the key's form again, not the choice.
        if session.is_none() && chooser.with_untracked(Option::is_some) {
            chooser.set(None);
        }
        if let Some(s) = session.as_ref().filter(|s| s.company.is_none()) {
            if s.companies.len() > 1 && chooser.with_untracked(Option::is_none) {
                chooser.set(Some(s.clone()));
            }
            return;
        }
        let signed_in = session.is_some();
        if signed_in && sign_in.value().is_none() {
            onward(
                &next(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let rule = move || {
        key.value
            .with(|k| validate::api_key(k).err().map(|e| e.to_string()))
    };
    // A busy Console Connect's wait (`Retry-After`), or the wait after too many failed
    // sign-ins, is counted down before a sign-in is sent again.
    let wait = wait_left(move || banner.track());
    let blocked = Signal::derive(move || pending.get() || wait.get() != 0);
    let submit = move |api_key: String| {
        if wait.get_untracked() != 0 {
            return;
        }
        key.server.set(None);
        banner.set(None);
        if validate::api_key(&api_key).is_err() {
            key.touched.set(true);
            // The keyboard goes to the key, as every form takes it to its first broken field.
            if let Some(body) = document().body() {
                crate::form::focus_first_invalid(&body);
            }
            return;
        }
        sign_in.dispatch(api_key);
    };

    let sandbox = move || info.get().and_then(Result::ok).is_some_and(|i| i.sandbox);
    let demo_keys = move || {
        info.get()
            .and_then(Result::ok)
            .map(|i| i.demo_api_keys)
            .unwrap_or_default()
    };

    view! {
        <Show when=sandbox>
            <SandboxBanner/>
        </Show>
        <main id="main" class="sign-in">
            <div class="panel sign-in-panel">
                <h1>"ExpressRoute portal"</h1>
                <p class="lead">
                    "Order and manage Azure ExpressRoute connections on PCCW Global's Console Connect."
                </p>
                <Show when=move || said(nav::Why::Expired)>
                    <p class="notice" role="status">
                        "Your session has ended; sign in again."
                        {draft_kept.then_some(DRAFT_KEPT)}
                    </p>
                </Show>
                <Show when=move || said(nav::Why::KeyRefused)>
                    <p class="notice warn" role="status" data-test="key-refused">
                        "Console Connect no longer accepts the API key you signed in with (it was revoked or has expired there), so the portal ended your session. Sign in with a key it accepts."
                        {draft_kept.then_some(DRAFT_KEPT)}
                    </p>
                </Show>
                <Show when=move || said(nav::Why::SignedOut)>
                    <p class="notice" role="status" data-test="signed-out">
                        "You have signed out: the session and the API key it held are gone from the portal."
                    </p>
                </Show>
                <Show when=move || said(nav::Why::SignedOutElsewhere)>
                    <p class="notice" role="status" data-test="signed-out-elsewhere">
                        "You signed out in another tab of this browser; sign in again to go on."
                    </p>
                </Show>
                {move || {
                    info.get()
                        .and_then(Result::err)
                        .map(|e| view! { <LoadError error=e retry=Retry::of(info)/> })
                }}
                {move || match chooser.get() {
                    Some(s) => {
                        let go = navigate.clone();
                        view! {
                            <CompanyChooser
                                session=s
                                on_chosen=move |_| go(&next(), Default::default())
                            />
                            <p class="other-key">
                                <SignOutButton
                                    label="Sign in with another key"
                                    data_test="other-key"
                                    then=move |()| {
                                        // The next key is typed hidden, whatever the last was.
                                        key.fill("");
                                        key.touched.set(false);
                                        visible.set(false);
                                    }
                                    failed=other_key_failed
                                />
                            </p>
                            {move || {
                                other_key_failed
                                    .get()
                                    .map(|e| view! { <ErrorBanner error=e/> })
                            }}
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <form
                                class="sign-in-form"
                                novalidate
                                on:submit=move |ev| {
                                    ev.prevent_default();
                                    submit(key.value.get_untracked());
                                }
                            >
                                <Field
                                    id="apiKey"
                                    label="Console Connect API key"
                                    error=Signal::derive(move || key.shown(rule()))
                                    help="Issued by Console Connect support. It stays on the server, encrypted; the browser never stores it."
                                >
                                    <div class="input-with-button">
                                        <input
                                            id="apiKey"
                                            name="apiKey"
                                            type=move || if visible.get() { "text" } else { "password" }
                                            autocomplete="off"
                                            spellcheck="false"
                                            aria-describedby="apiKey-help apiKey-error"
                                            aria-invalid=move || key.shown(rule()).is_some().to_string()
                                            // Held while the key is checked: the keyboard then
                                            // goes on to what takes the form's place (the
                                            // company chooser), or back here if it is refused.
                                            disabled=pending
                                            prop:value=move || key.get()
                                            on:input=move |ev| key.edit(event_target_value(&ev))
                                        />
                                        <ShowSecret controls="apiKey" visible=visible data_test="toggle-key"/>
                                    </div>
                                </Field>
                                <ActionError error=banner/>
                                // The wait outlives the answer that asked for it (a reload):
                                // said without it too, so the button's count is not a riddle.
                                {move || (wait.get() != 0 && banner.with(Option::is_none)).then(|| view! {
                                    <p class="help" role="status" data-test="sign-in-wait">
                                        "A pause was asked for before the next sign-in from this browser (Console Connect was busy, or too many sign-ins failed from your address): the button counts it down."
                                    </p>
                                })}
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="primary"
                                        data-test="sign-in"
                                        disabled=blocked
                                    >
                                        {move || action_label(pending.get(), wait.get(), "Sign in", "Signing in…")}
                                    </button>
                                </div>
                            </form>
                            <DemoKeyList
                                keys=Signal::derive(demo_keys)
                                heading_id="demo-keys-title"
                                title="Sandbox demo keys"
                                help="Sign in as one of the demo users:"
                                data_test="demo-key"
                                disabled=blocked
                                pick=move |value: String| {
                                    key.fill(value.clone());
                                    submit(value);
                                }
                            />
                        }
                            .into_any()
                    }
                }}
                <Show when=move || info.get().is_none()>
                    <Loading/>
                </Show>
            </div>
        </main>
    }
}
