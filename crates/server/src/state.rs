//! What every handler can reach: the upstream client, the audit history, the server key, the
//! configuration and what the sign-in page is told.

use crate::audit::AuditLog;
use crate::config::Config;
use crate::crypto::Crypto;
use crate::metrics::Metrics;
use crate::session_store::{HashedIds, Store};
use crate::sign_in_guard::SignInBound;
use crate::under_way::ChangesUnderWay;
use console_connect::ConsoleConnect;
use models::api::PortalInfo;
use std::ops::Deref;
use std::sync::Arc;
use tokio_util::task::TaskTracker;

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    /// Console Connect, or anything that speaks like it.
    pub upstream: Arc<dyn ConsoleConnect>,
    pub audit: AuditLog,
    pub crypto: Crypto,
    pub info: PortalInfo,
    pub config: Config,
    /// The session cookie's name (`__Host-` prefixed over HTTPS).
    pub cookie_name: String,
    /// Requests, upstream calls and audit failures counted since start-up.
    pub metrics: Arc<Metrics>,
    /// Failed sign-ins counted per client address.
    pub sign_in_guard: SignInBound,
    /// The connections with a change under way, one at a time each.
    pub changes: ChangesUnderWay,
    /// Every change's upstream call and outcome row, which run on after a request's timeout
    /// has answered: the portal stops only once they have ended.
    pub changes_running: TaskTracker,
    /// The sessions as stored, past every cache: whether a session still stands when a change
    /// of it is about to be sent.
    pub sessions: HashedIds<Store>,
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
