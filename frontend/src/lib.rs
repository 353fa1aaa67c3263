//! The ExpressRoute portal's browser app: the [`App`] with its routes, the shared session, and
//! the rule that a lost session (401 anywhere) leads to the sign-in page.

pub mod api;
pub mod components;
pub mod draft;
pub mod focus;
pub mod form;
pub mod format;
pub mod nav;
pub mod pages;
pub mod poll;
pub mod route;
pub mod session;
pub mod shared;

use components::shell::Shell;
use leptos::prelude::*;
use leptos::task::spawn_local;
use models::ErrorCode;
use pages::{
    audit::AuditPage, audit_event::AuditEventPage, connection::ConnectionPage,
    connections::ConnectionsPage, create::CreatePage, delete::DeleteConnectionPage,
    delete::DeletePeeringPage, not_found::NotFound, not_found::NotFoundSignedOut,
    peering::PeeringPage, progress::ProgressPage, sign_in::SignInPage, verify::VerifyPage,
};
use route::{Screen, use_navigate, use_query_map};
use session::{Auth, SessionState};

/// Asks the server who is signed in and records the answer.
pub fn load_session(auth: Auth) {
    auth.state.set(SessionState::Checking);
    spawn_local(async move {
        match api::get_session().await {
            Ok(s) => auth.set(s),
            Err(e) if e.is_signed_out() => auth.state.set(SessionState::SignedOut),
            Err(e) => auth.state.set(SessionState::Failed(e)),
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    // Someone uses the page: opening it, a key, a click or a touch (or a click without either,
    // as assistive technology makes it), text put in, a scroll, the tab or window brought back,
    // the browser's Back or Forward. A page refreshing itself long after the last of these does
    // so unattended. Listened to before the app's first read and the router's own listeners,
    // so that the reads a click or Back leads to follow it as input.
    api::note_input();
    let inputs = ["pointerdown", "click", "wheel", "focus", "popstate"]
        .map(|event| window_event_listener_untyped(event, |_| api::note_input()));
    // Typing, which keeps the session alive even when it asks the portal nothing (see
    // `SessionNotice`).
    let typing = ["keydown", "input"]
        .map(|event| window_event_listener_untyped(event, |_| api::note_typing()));
    let shown = window_event_listener_untyped("visibilitychange", |_| {
        if !document().hidden() {
            api::note_input();
        }
    });
    on_cleanup(move || {
        inputs.into_iter().chain(typing).for_each(|l| l.remove());
        shown.remove();
    });
    let auth = Auth::provide();
    load_session(auth);
    let screen = route::start();
    let opens_in = route::OpensIn::provide();
    // Leaving the page (a reload, a closed tab) while a change is on its way would lose its
    // answer: the browser asks first.
    let leaving = window_event_listener_untyped("beforeunload", |ev| {
        if api::change_under_way() {
            ev.prevent_default();
            let _ = web_sys::js_sys::Reflect::set(&ev, &"returnValue".into(), &"".into());
        }
    });
    on_cleanup(move || leaving.remove());
    // The screen shown without the signed-in frame, or `Home` standing for the frame, which
    // stays while its pages change: only going to or from the sign-in page rebuilds it. An
    // unknown address is shown in the frame too, unless nobody is signed in.
    let top = Memo::new(move |_| {
        let signed_out = auth.state.with(|s| matches!(s, SessionState::SignedOut));
        Some(screen.get())
            .filter(|s| !s.in_shell(signed_out))
            .unwrap_or(Screen::Home)
    });
    view! {
        <SignedOutWatcher auth=auth/>
        {move || match top.get() {
            Screen::SignIn => view! { <SignInPage/> }.into_any(),
            Screen::NotFound => view! { <NotFoundSignedOut/> }.into_any(),
            _ => view! {
                <Shell>
                    {move || {
                        opens_in.track();
                        // A page says for itself if it opens in another company.
                        opens_in.here(None);
                        page(screen.get())
                    }}
                </Shell>
            }
            .into_any(),
        }}
    }
}

/// The page a signed-in screen shows.
fn page(screen: Screen) -> AnyView {
    match screen {
        Screen::Connections => view! { <ConnectionsPage/> }.into_any(),
        Screen::Connection => view! { <ConnectionPage/> }.into_any(),
        Screen::Progress => view! { <ProgressPage/> }.into_any(),
        Screen::DeleteConnection => view! { <DeleteConnectionPage/> }.into_any(),
        Screen::Peering => view! { <PeeringPage/> }.into_any(),
        Screen::DeletePeering => view! { <DeletePeeringPage/> }.into_any(),
        Screen::Verify => view! { <VerifyPage/> }.into_any(),
        Screen::Create => view! { <CreatePage/> }.into_any(),
        Screen::Audit => view! { <AuditPage/> }.into_any(),
        Screen::AuditEvent => view! { <AuditEventPage/> }.into_any(),
        Screen::NotFound => view! { <NotFound/> }.into_any(),
        // `/` is turned into `/connections` before anything is shown.
        Screen::Home | Screen::SignIn => ().into_any(),
    }
}

/// Installs the reaction to a lost session: forget it and go to the sign-in page (saying the
/// session ended when it did, or that the user signed out in another tab), which returns to
/// this page afterwards. A sign-out in another tab of this browser is followed at once, without
/// waiting for this tab's next call to find the session gone.
#[component]
fn SignedOutWatcher(auth: Auth) -> impl IntoView {
    let navigate = use_navigate();
    let query = use_query_map();
    let screen = route::use_screen();
    let leave = move |code: ErrorCode| {
        // A session the app held is one that ended, even when the browser has already dropped
        // its cookie (it expires with the idle timeout) and the server sees nobody.
        let held = auth
            .state
            .with_untracked(|s| matches!(s, SessionState::SignedIn(_)));
        let why = if held && session::signed_out_since(auth.described_at.get_value()) {
            // Another tab's sign-out forgot its drafts; this one's go too.
            draft::forget_all();
            nav::Why::SignedOutElsewhere
        } else if code == ErrorCode::KeyRefused {
            nav::Why::KeyRefused
        } else if code == ErrorCode::SessionExpired || held {
            nav::Why::Expired
        } else {
            nav::Why::Asked
        };
        auth.clear();
        // An unknown address says so, signed out too, rather than asking to sign in for it.
        if screen.get_untracked() == Screen::NotFound {
            return;
        }
        let here = nav::current();
        let on_sign_in = here.as_deref().is_some_and(nav::is_sign_in);
        // On the sign-in page already, the page to return to stays the one it names.
        let next = if on_sign_in {
            query.with_untracked(|q| q.get("next"))
        } else {
            here
        };
        let already_says_so = query.with_untracked(|q| {
            [
                nav::Why::Expired,
                nav::Why::KeyRefused,
                nav::Why::SignedOut,
                nav::Why::SignedOutElsewhere,
            ]
            .iter()
            .filter_map(|w| w.parameter())
            .any(|p| q.get(p).is_some())
        });
        if !on_sign_in || (why != nav::Why::Asked && !already_says_so) {
            navigate(&nav::sign_in_path(why, next.as_deref()), Default::default());
        }
    };
    let follow = leave.clone();
    let elsewhere = window_event_listener(leptos::ev::storage, move |ev| {
        let held = auth
            .state
            .with_untracked(|s| matches!(s, SessionState::SignedIn(_)));
        if held && ev.key().as_deref() == Some(session::SIGNED_OUT_KEY) {
            follow(ErrorCode::Unauthenticated);
        }
    });
    on_cleanup(move || elsewhere.remove());
    api::on_signed_out(leave);
}
