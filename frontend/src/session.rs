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
    /// The selected company, apart: it changes only when another is chosen, not each time the
    /// session is described again with new expiry times.
    company: Memo<Option<String>>,
    /// The user and company where Console Connect refused a change for the user's role, this
    /// session (kept in the tab's storage over a reload; forgotten with the session).
    reads_only: RwSignal<Option<String>>,
}

/// Where [`Auth::reads_only_here`]'s note is kept in the tab's `sessionStorage`.
const READS_ONLY_KEY: &str = "portal-reads-only";
/// The id of the user this tab was last signed in as, kept when the session ends.
const LAST_USER_KEY: &str = "portal-last-user";

/// The user this tab was last signed in as (see [`Auth::set`]), whether or not they still are.
pub fn last_user() -> Option<String> {
    tab_storage()?.get_item(LAST_USER_KEY).ok().flatten()
}

/// The tab's `sessionStorage`; none outside a browser (the unit tests).
fn tab_storage() -> Option<web_sys::Storage> {
    if cfg!(target_arch = "wasm32") {
        window().session_storage().ok().flatten()
    } else {
        None
    }
}

/// The user and company a note of [`Auth::reads_only_here`] is for.
fn reads_only_key(s: &SessionView) -> String {
    format!("{}|{}", s.user.id, s.company.as_deref().unwrap_or_default())
}

impl Auth {
    fn new() -> Self {
        let state = RwSignal::new(SessionState::Checking);
        let company = Memo::new(move |_| {
            state.with(|s| match s {
                SessionState::SignedIn(s) => s.company.clone(),
                _ => None,
            })
        });
        let kept = tab_storage().and_then(|s| s.get_item(READS_ONLY_KEY).ok().flatten());
        Auth {
            state,
            described_at: StoredValue::new(0.0),
            company,
            reads_only: RwSignal::new(kept),
        }
    }

    /// Whether Console Connect has refused a change of this user in the selected company for
    /// their role this session: their key only reads there, so changes will be refused too.
    pub fn reads_only_here(&self) -> bool {
        self.state.with(|s| match s {
            SessionState::SignedIn(s) => self
                .reads_only
                .with(|r| r.as_deref() == Some(&reads_only_key(s))),
            _ => false,
        })
    }

    pub fn provide() -> Self {
        let auth = Auth::new();
        provide_context(auth);
        crate::api::on_role_learnt(move |reads_only| {
            let Some(s) = untrack(|| auth.session()) else {
                return;
            };
            let key = reads_only_key(&s);
            let noted = auth
                .reads_only
                .with_untracked(|r| r.as_deref() == Some(&key));
            if reads_only && !noted {
                if let Some(storage) = tab_storage() {
                    let _ = storage.set_item(READS_ONLY_KEY, &key);
                }
                auth.reads_only.set(Some(key));
            } else if !reads_only && noted {
                // A change (or verification) went through: the note was wrong, or is no
                // longer true (the role given meanwhile).
                auth.forget_reads_only();
            }
        });
        // Each company chosen, at sign-in or from the header, is the one offered first next time.
        crate::shared::effect(move || {
            if let Some(company) = auth.company.get() {
                crate::shared::remember(COMPANY_KEY, &company);
            }
        });
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
        self.set_at(session, web_sys::js_sys::Date::now());
    }

    /// The session as the server described it at `at` (ms since the epoch).
    pub fn set_at(&self, session: SessionView, at: f64) {
        self.described_at.set_value(at);
        if let Some(storage) = tab_storage() {
            let _ = storage.set_item(LAST_USER_KEY, &session.user.id);
        }
        crate::api::seen_as(Some((session.user.id.clone(), session.company.clone())));
        self.state.set(SessionState::SignedIn(session));
    }

    pub fn clear(&self) {
        crate::api::seen_as(None);
        // A role refused is the session's to know: the next may have another.
        self.forget_reads_only();
        self.state.set(SessionState::SignedOut);
    }

    /// Drops the note that the key only reads, in the tab's storage too.
    fn forget_reads_only(&self) {
        if let Some(storage) = tab_storage() {
            let _ = storage.remove_item(READS_ONLY_KEY);
        }
        self.reads_only.set(None);
    }

    /// The selected company's username, tracked: reads that depend on the company re-run when
    /// it changes, and only then. A session renewed (by the notice of its coming end, or by
    /// reading it again) is described again with the same company: were the company's data
    /// reloaded then, that reload would count as activity and renew the session again at its
    /// next warning, and a page left open would never reach its idle end.
    pub fn company(&self) -> Option<String> {
        self.company.get()
    }
}

/// The company last chosen in this browser; written by any tab, so the others learn of it.
pub const COMPANY_KEY: &str = "portal-company";

/// When a user of this browser last signed out on purpose (ms since the epoch), for its other
/// tabs: they follow at once, and say so rather than that the session ended.
pub const SIGNED_OUT_KEY: &str = "portal-signed-out";

/// Notes a sign-out asked for in this tab, for the others.
pub fn note_signed_out() {
    // Whole milliseconds, as an integer: parsing a float would take a parser into the app.
    let now = web_sys::js_sys::Date::now() as u64;
    crate::shared::remember(SIGNED_OUT_KEY, &now.to_string());
}

/// Whether a tab that held a session as described at `described_at` (ms since the epoch) lost
/// it to a sign-out asked for in another tab: one noted since then.
pub fn signed_out_since(described_at: f64) -> bool {
    crate::shared::remembered(SIGNED_OUT_KEY)
        .and_then(|at| at.parse::<u64>().ok())
        .is_some_and(|at| at as f64 >= described_at.floor())
}

/// A company by its name and username (`Acme Networks (acme)`) when it is one of the signed-in
/// user's, else by its username; `—` for none.
pub fn company_label(username: Option<String>) -> String {
    let Some(username) = username.filter(|u| !u.is_empty()) else {
        return "—".to_owned();
    };
    let name = Auth::get().session().and_then(|s| {
        s.companies
            .into_iter()
            .find(|c| c.username == username)
            .map(|c| c.name)
    });
    match name {
        Some(name) if name != username => format!("{name} ({username})"),
        _ => username,
    }
}

/// The company last chosen in this browser (its username), if the browser keeps it.
pub fn last_company() -> Option<String> {
    crate::shared::remembered(COMPANY_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::api::{CompanyView, SessionUser};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn session(company: &str, idle_seconds_left: u64) -> SessionView {
        let companies = ["acme", "globex"]
            .map(|c| CompanyView {
                id: format!("id-{c}"),
                name: c.to_uppercase(),
                username: c.to_owned(),
            })
            .to_vec();
        SessionView {
            user: SessionUser {
                id: "u1".into(),
                name: "Ada Lovelace".into(),
                email: "ada@acme.example".into(),
            },
            companies,
            company: Some(company.to_owned()),
            sandbox: true,
            expires_at: "2026-11-30T20:00:00.000Z".into(),
            idle_expires_at: "2026-11-30T18:00:00.000Z".into(),
            idle_seconds_left,
            idle_timeout_seconds: 1800,
            seconds_left: 3600,
        }
    }

    #[test]
    fn a_session_described_again_does_not_reload_what_depends_on_the_company() {
        let owner = Owner::new();
        owner.set();
        let auth = Auth::new();
        let loads = Arc::new(AtomicUsize::new(0));
        let counted = loads.clone();
        // Stands for a page's data, read again whenever the company it depends on changes.
        let data = Memo::new(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            auth.company()
        });
        auth.set_at(session("acme", 1800), 0.0);
        assert_eq!(data.get().as_deref(), Some("acme"));
        assert_eq!(loads.load(Ordering::SeqCst), 1);

        // Renewed: the same company, new expiry times.
        auth.set_at(session("acme", 1799), 1000.0);
        assert_eq!(data.get().as_deref(), Some("acme"));
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "a renewal is not a reason to reload"
        );
        assert_eq!(auth.session().map(|s| s.idle_seconds_left), Some(1799));

        auth.set_at(session("globex", 1799), 2000.0);
        assert_eq!(data.get().as_deref(), Some("globex"));
        assert_eq!(loads.load(Ordering::SeqCst), 2, "another company is");
    }
}
