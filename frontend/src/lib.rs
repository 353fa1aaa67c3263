//! The ExpressRoute portal's browser app: the [`App`] with its routes, the shared session, and
//! the rule that a lost session (401 anywhere) leads to the sign-in page.

pub mod api;
pub mod components;
pub mod form;
pub mod format;
pub mod pages;
pub mod poll;
pub mod session;
pub mod shared;

use components::shell::Shell;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use models::ErrorCode;
use pages::{
    audit::AuditPage, audit_event::AuditEventPage, connection::ConnectionPage,
    connections::ConnectionsPage, create::CreatePage, delete::DeleteConnectionPage,
    delete::DeletePeeringPage, not_found::NotFound, peering::PeeringPage, progress::ProgressPage,
    sign_in::SignInPage, verify::VerifyPage,
};
use session::{Auth, SessionState};

/// Asks the server who is signed in and records the answer.
pub fn load_session(auth: Auth) {
    auth.state.set(SessionState::Checking);
    spawn_local(async move {
        let state = match api::get_session().await {
            Ok(s) => SessionState::SignedIn(s),
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::Unauthenticated | ErrorCode::SessionExpired
                ) =>
            {
                SessionState::SignedOut
            }
            Err(e) => SessionState::Failed(e),
        };
        auth.state.set(state);
    });
}

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::provide();
    load_session(auth);
    view! {
        <Router>
            <SignedOutWatcher auth=auth/>
            <Routes fallback=NotFound>
                <Route path=path!("/sign-in") view=SignInPage/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=|| view! { <Redirect path="/connections"/> }/>
                    <Route path=path!("connections") view=ConnectionsPage/>
                    <Route path=path!("connections/:id/progress") view=ProgressPage/>
                    <Route path=path!("connections/:id/delete") view=DeleteConnectionPage/>
                    <Route path=path!("connections/:id/peering/:type/delete") view=DeletePeeringPage/>
                    <Route path=path!("connections/:id/peering/:type") view=PeeringPage/>
                    <Route path=path!("connections/:id") view=ConnectionPage/>
                    <Route path=path!("verify") view=VerifyPage/>
                    <Route path=path!("create") view=CreatePage/>
                    <Route path=path!("audit/:id") view=AuditEventPage/>
                    <Route path=path!("audit") view=AuditPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Installs the reaction to a lost session: forget it and go to the sign-in page (saying the
/// session ended when it ran out).
#[component]
fn SignedOutWatcher(auth: Auth) -> impl IntoView {
    let navigate = use_navigate();
    api::on_signed_out(move |expired| {
        auth.clear();
        let on_sign_in = window()
            .location()
            .pathname()
            .is_ok_and(|p| p == "/sign-in");
        if expired {
            navigate("/sign-in?expired=1", Default::default());
        } else if !on_sign_in {
            navigate("/sign-in", Default::default());
        }
    });
}
