//! The frame of every signed-in page: sandbox banner, header (product, navigation, user,
//! company switch, sign out) and the routed page, shown only once the session is known and a
//! company is chosen.

use crate::api;
use crate::components::company::CompanyChooser;
use crate::components::feedback::{ErrorBanner, LoadError, Loading, Retry};
use crate::components::session_notice::SessionNotice;
use crate::route::{self, use_navigate};
use crate::session::{Auth, SessionState};
use leptos::prelude::*;
use models::{ApiError, ErrorCode};

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Checking,
    SignedOut,
    Failed(models::ApiError),
    ChooseCompany,
    Ready,
}

/// The sandbox warning, on every page while it applies.
#[component]
pub fn SandboxBanner() -> impl IntoView {
    view! {
        // A landmark of its own, so that moving by landmarks meets it too.
        <aside class="sandbox-banner" data-test="sandbox-banner" aria-label="Sandbox">
            <strong>"Sandbox"</strong>
            " — this portal talks to a simulated Console Connect."
            <span class="more">" Nothing you do here orders or changes real connections."</span>
        </aside>
    }
}

#[component]
pub fn Shell(children: ChildrenFn) -> impl IntoView {
    let auth = Auth::get();
    let stage = Memo::new(move |_| match auth.state.get() {
        SessionState::Checking => Stage::Checking,
        SessionState::SignedOut => Stage::SignedOut,
        SessionState::Failed(e) => Stage::Failed(e),
        SessionState::SignedIn(s) if s.company.is_none() => Stage::ChooseCompany,
        SessionState::SignedIn(_) => Stage::Ready,
    });
    let sandbox = move || auth.session().is_some_and(|s| s.sandbox);
    // A page of the signed-in app shown without a session (Back after signing out, say) gives
    // way to the sign-in page, which returns to it.
    let navigate = use_navigate();
    let screen = route::use_screen();
    crate::shared::effect(move || {
        let here = crate::nav::current();
        // On the way to the sign-in page already (a session that ended is sent there saying
        // so), it is not sent there again.
        // An unknown address is not sent there: it says so, signed out, on its own.
        let unknown = screen.get_untracked() == route::Screen::NotFound;
        if stage.get() == Stage::SignedOut
            && !unknown
            && !here.as_deref().is_some_and(crate::nav::is_sign_in)
        {
            navigate(
                &crate::nav::sign_in_path(crate::nav::Why::Asked, here.as_deref()),
                route::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Show when=sandbox>
            <SandboxBanner/>
        </Show>
        <Show when=move || auth.session().is_some()>
            <Header/>
            <SessionNotice/>
        </Show>
        <main id="main" tabindex="-1">
            {move || match stage.get() {
                Stage::Checking => view! { <Loading label="Checking your session…"/> }.into_any(),
                Stage::SignedOut => {
                    view! {
                        <div class="panel">
                            <p>"You are signed out."</p>
                            <p>
                                <a href=crate::nav::sign_in_path(
                                    crate::nav::Why::Asked,
                                    crate::nav::current().as_deref(),
                                )>"Sign in"</a>
                            </p>
                        </div>
                    }
                        .into_any()
                }
                Stage::Failed(e) => {
                    // The check run again shows as loading, in this error's place.
                    let retry = Retry::new(move || crate::load_session(auth), || false);
                    view! { <LoadError error=e retry=retry/> }.into_any()
                }
                Stage::ChooseCompany => {
                    let session = auth.session().expect("a signed-in stage has a session");
                    view! { <CompanyChooser session=session on_chosen=|_| ()/> }.into_any()
                }
                Stage::Ready => children(),
            }}
        </main>
    }
}

/// A link of the main navigation, marked while its page (or one below it) is shown.
#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let current = route::use_is_current(href);
    view! {
        <a href=href aria-current=move || current.get().then_some("page")>
            {label}
        </a>
    }
}

/// Product name, navigation, who and where the user is, sign out.
#[component]
fn Header() -> impl IntoView {
    let auth = Auth::get();
    let navigate = use_navigate();
    let nav = navigate.clone();
    let signed_out = move |()| {
        nav(
            &crate::nav::sign_in_path(crate::nav::Why::SignedOut, None),
            Default::default(),
        )
    };
    // The session is the browser's, shared by its tabs: a company chosen in another one (or
    // another user signed in there) is this tab's too, which this tab learns when it is shown
    // again or its window comes back to the front, and then leaves whatever page of the other
    // company it was on for the connections of the one chosen. Signed out in another one, this
    // tab goes to sign-in at once rather than at its next call.
    let follow = navigate.clone();
    let look_again = move || {
        let follow = follow.clone();
        leptos::task::spawn_local(async move {
            // A change on its way is answered first: its page shows whether it was made (and
            // forgets its draft) before this tab follows the session elsewhere.
            while api::change_under_way() {
                gloo_timers::future::TimeoutFuture::new(200).await;
            }
            let Ok(s) = api::session_if_still_there().await else {
                return;
            };
            let before = untrack(|| auth.session());
            let ours = before.clone().map(|o| (o.user.id, o.company));
            let theirs = Some((s.user.id.clone(), s.company.clone()));
            // Another user with no company chosen yet is followed too, to the choice.
            if theirs != ours {
                // The same user in another company: the list says why it is that company's.
                let company =
                    |s: &models::api::SessionView| s.selected_company().map(|c| c.name.clone());
                match before {
                    Some(before) if before.user.id == s.user.id => {
                        if let (Some(was), Some(now)) = (company(&before), company(&s)) {
                            let path = window().location().pathname().unwrap_or_default();
                            let left = before.selected_company().is_some_and(|c| {
                                crate::draft::kept_on(&path, &before.user.id, &c.username)
                            });
                            crate::pages::connections::company_followed(was, now, left);
                        }
                    }
                    // Another user: said, as nothing else on the page would say it.
                    Some(_) => crate::pages::connections::user_followed(s.user.name.clone()),
                    None => {}
                }
                auth.set(s);
                follow("/connections", Default::default());
            }
        });
    };
    // A call refused as made for the session as it was, and a company chosen in another tab
    // (noted in the browser's storage), are learnt at once, not only when this tab is shown
    // again: two windows side by side both stay in view.
    api::on_session_changed(look_again.clone());
    let other_tab = {
        let look_again = look_again.clone();
        window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(crate::session::COMPANY_KEY) {
                look_again();
            }
        })
    };
    on_cleanup(move || other_tab.remove());
    crate::shared::on_seen_again(look_again);
    let switch = crate::shared::action(|company: &String| api::select_company(company.clone()));
    let opens_in = crate::route::OpensIn::get();
    crate::shared::effect(move || {
        if let Some(Ok(s)) = switch.value() {
            let chosen = s.company.clone();
            // A wizard left with something typed in it is kept for the company it was in:
            // said on the list this leads to, as when another tab chose the company.
            let left = untrack(|| auth.session()).and_then(|old| {
                let was = old.selected_company()?;
                let path = window().location().pathname().unwrap_or_default();
                (old.company != chosen && crate::draft::kept_on(&path, &old.user.id, &was.username))
                    .then(|| was.name.clone())
            });
            auth.set(s);
            crate::pages::connections::chosen_here();
            // A page that said to choose this company to open it is shown again, opened.
            if !opens_in.stays_for(chosen.as_deref()) {
                if let Some(was) = left {
                    crate::pages::connections::wizard_left(was);
                }
                navigate("/connections", Default::default());
            }
        }
    });
    let switch_error = move || switch.value().and_then(Result::err);
    let sign_out_failed = RwSignal::new(None);
    // A company chosen while a change is on its way would leave the page that is to show its
    // answer, and whether it was made: the choice is put back, and waits for that answer.
    let held = RwSignal::new(None);
    let choose = move |company: String, select: &web_sys::HtmlSelectElement, selected: &str| {
        if api::change_under_way() {
            select.set_value(selected);
            held.set(Some(ApiError::new(
                ErrorCode::Conflict,
                "A change is on its way to Console Connect: choose another company once its \
                 answer has come, so that it is not lost.",
            )));
        } else {
            held.set(None);
            switch.dispatch(company);
        }
    };
    // Arrow keys and typed letters on a closed list change its value at once, which here would
    // leave the page for another company's before the keyboard reached the one wanted: a choice
    // made so is taken on Enter, and dropped when the list is left without it. A choice made
    // in the opened list (by mouse, or Enter in it) is taken at once.
    let keyed = StoredValue::new(false);
    // Whether the list shows another company than the one worked in, chosen with the keys and
    // not yet switched to: the way to switch (or not) is then said on screen too.
    let unapplied = RwSignal::new(false);
    let unkey = move || {
        keyed.set_value(false);
        unapplied.set(false);
    };
    view! {
        <header class="app-header">
            <div class="brand">
                <a href="/connections">"ExpressRoute portal"</a>
                <span class="brand-sub">"Console Connect · Azure"</span>
            </div>
            <nav class="main-nav" aria-label="Main">
                <NavLink href="/connections" label="Connections"/>
                <NavLink href="/verify" label="Verify a key"/>
                <NavLink href="/create" label="New connection"/>
                <NavLink href="/audit" label="Audit history"/>
            </nav>
            <div class="who">
                {move || {
                    auth.session()
                        .map(|s| {
                            let several = s.companies.len() > 1;
                            let current = s.selected_company().map(|c| c.name.clone()).unwrap_or_default();
                            view! {
                                <span class="user" title=s.user.email.clone()>
                                    {s.user.name.clone()}
                                </span>
                                {if several {
                                    let selected = s.company.clone().unwrap_or_default();
                                    view! {
                                        <label class="visually-hidden" for="switch-company">
                                            "Company"
                                        </label>
                                        <select
                                            id="switch-company"
                                            class="company-switch"
                                            aria-describedby="switch-company-help"
                                            disabled=move || switch.pending().get()
                                            on:keydown={
                                                let selected = selected.clone();
                                                move |ev: leptos::ev::KeyboardEvent| {
                                                    let key = ev.key();
                                                    if key == "Escape" && keyed.get_value() {
                                                        // The choice made with the keys is dropped.
                                                        unkey();
                                                        let select = event_target::<web_sys::HtmlSelectElement>(&ev);
                                                        select.set_value(&selected);
                                                    } else if key == "Enter" {
                                                        let chosen = event_target_value(&ev);
                                                        if keyed.get_value() && !chosen.is_empty() {
                                                            unkey();
                                                            let select = event_target::<web_sys::HtmlSelectElement>(&ev);
                                                            choose(chosen, &select, &selected);
                                                        }
                                                    } else if !ev.alt_key() && ((key.chars().count() == 1 && key != " ") || key.starts_with("Arrow") || matches!(key.as_str(), "Home" | "End" | "PageUp" | "PageDown")) {
                                                        keyed.set_value(true);
                                                    }
                                                }
                                            }
                                            on:pointerdown=move |_| unkey()
                                            on:change={
                                                let selected = selected.clone();
                                                move |ev| {
                                                    let select = event_target::<web_sys::HtmlSelectElement>(&ev);
                                                    if keyed.get_value() {
                                                        unapplied.set(select.value() != selected);
                                                    } else {
                                                        choose(select.value(), &select, &selected);
                                                    }
                                                }
                                            }
                                            on:blur={
                                                let selected = selected.clone();
                                                move |ev| {
                                                    if keyed.get_value() {
                                                        unkey();
                                                        let select = event_target::<web_sys::HtmlSelectElement>(&ev);
                                                        select.set_value(&selected);
                                                    }
                                                }
                                            }
                                        >
                                            // Nothing shown as chosen before a company is.
                                            {s.company.is_none().then(|| view! {
                                                <option value="" selected disabled>"Choose…"</option>
                                            })}
                                            {s
                                                .companies
                                                .iter()
                                                .map(|c| {
                                                    view! {
                                                        <option
                                                            value=c.username.clone()
                                                            selected=c.username == selected
                                                        >
                                                            {c.name.clone()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                        <span
                                            id="switch-company-help"
                                            class=move || if unapplied.get() { "switch-hint" } else { "visually-hidden" }
                                            data-test="switch-company-help"
                                        >
                                            "Choose a company, then press Enter to switch to it (Escape keeps this one)."
                                        </span>
                                    }
                                        .into_any()
                                } else {
                                    view! { <span class="company">{current}</span> }.into_any()
                                }}
                            }
                        })
                }}
                <SignOutButton
                    label="Sign out"
                    data_test="sign-out"
                    then=signed_out
                    failed=sign_out_failed
                />
            </div>
        </header>
        {move || switch_error().map(|e| view! { <ErrorBanner error=e/> })}
        {move || sign_out_failed.get().map(|e| view! { <ErrorBanner error=e/> })}
        {move || held.get().map(|e| view! { <ErrorBanner error=e/> })}
        // Learnt from a refusal, since Console Connect does not say the role otherwise: said on
        // every page of the company, so that no form is filled in only to be refused.
        {move || {
            auth.reads_only_here()
                .then(|| {
                    view! {
                        <p class="notice warn session-notice" role="status" data-test="reads-only">
                            "Console Connect refused a request of yours in this company for your role: your API key only reads here (a change, and verifying a service key, need the Network Admin role), so orders, peering changes and deletes will be refused too."
                        </p>
                    }
                })
        }}
    }
}

/// A button that signs out (the session and the key it holds gone from the server), forgets
/// this browser's drafts and session, then calls `then`. A session already gone counts as out
/// too; a sign-out that did not reach the portal, or that it refused, leaves the session as it
/// was, so that is said (`failed`) and nothing is forgotten: the user may try again.
#[component]
pub fn SignOutButton(
    label: &'static str,
    data_test: &'static str,
    #[prop(into)] then: Callback<()>,
    failed: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let auth = Auth::get();
    let sign_out = crate::shared::action(|_: &()| api::sign_out());
    let pending = sign_out.pending();
    crate::shared::effect(move || match sign_out.value() {
        None => {}
        Some(Err(e)) if !e.is_signed_out() => failed.set(Some(still_signed_in(e))),
        Some(_) => {
            failed.set(None);
            crate::draft::forget_all();
            // The browser's other tabs follow (see `SignedOutWatcher`).
            crate::session::note_signed_out();
            auth.clear();
            then.run(());
        }
    });
    view! {
        <button
            type="button"
            class="link-button"
            data-test=data_test
            disabled=pending
            on:click=move |_| {
                failed.set(None);
                sign_out.dispatch(());
            }
        >
            {move || if pending.get() { "Signing out…" } else { label }}
        </button>
    }
}

/// A failed sign-out's error, saying first what it leaves: the session, still open.
fn still_signed_in(mut e: ApiError) -> ApiError {
    e.message = format!(
        "You are still signed in: the sign-out did not go through. {}",
        e.message
    );
    e
}
