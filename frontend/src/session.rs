//! Who is signed in, shared by every page through context: the session as the server last
//! described it, loaded once at start-up and replaced on sign-in, company choice and sign-out.

use leptos::prelude::*;
use models::api::SessionView;

/// What the app knows about the session.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// The start-up check has not answered yet.
    Checking,
    SignedOut,
    /// The check itself failed (network, server error), so nobody knows yet.
    Failed(models::ApiError),
    SignedIn(SessionView),
}

/// The shared session, a copyable handle.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub state: RwSignal<SessionState>,
    /// When the server last described the session (ms since the epoch): its expiry times are
    /// as of then.
    pub described_at: StoredValue<f64>,
}

impl Auth {
    pub fn provide() -> Self {
        let auth = Auth {
            state: RwSignal::new(SessionState::Checking),
            described_at: StoredValue::new(0.0),
        };
        provide_context(auth);
        auth
    }

    pub fn get() -> Self {
        expect_context::<Auth>()
    }

    pub fn session(&self) -> Option<SessionView> {
        match self.state.get() {
            SessionState::SignedIn(s) => Some(s),
            _ => None,
        }
    }

    pub fn set(&self, session: SessionView) {
        self.described_at.set_value(web_sys::js_sys::Date::now());
        self.state.set(SessionState::SignedIn(session));
    }

    pub fn clear(&self) {
        self.state.set(SessionState::SignedOut);
    }

    /// The selected company's username, tracked: reads that depend on the company re-run when
    /// it changes.
    pub fn company(&self) -> Option<String> {
        self.state.with(|s| match s {
            SessionState::SignedIn(s) => s.company.clone(),
            _ => None,
        })
    }
}
