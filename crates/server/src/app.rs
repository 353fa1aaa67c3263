//! Putting the portal together: state from configuration, the router with its middleware, the
//! static browser app with its SPA fallback, and serving on a listener the caller owns.

use crate::audit::AuditLog;
use crate::config::{Config, SandboxSpeed, Upstream};
use crate::crypto::Crypto;
use crate::db::{self, Backend};
use crate::metrics::{Metered, Metrics};
use crate::routes;
use crate::security;
use crate::session_cache::{SESSION_CACHE_CAPACITY, SESSION_CACHE_TTL, SessionCache};
use crate::session_store;
use crate::sign_in_guard::{self, SignInBound, SignInGuard};
use crate::state::{App, AppState};
use crate::under_way::ChangesUnderWay;
use anyhow::Context;
use axum::http::HeaderValue;
use axum::response::Html;
use axum::routing::{any, get};
use axum::{Router, middleware};
use console_connect::{Client, ClientConfig};
use models::api::{DemoKey, PortalInfo};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{CachingSessionStore, Expiry, SessionManagerLayer};

/// JSON bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A built portal: its router, the metrics listener's router, its state, and the sandbox it
/// started (if any).
pub struct Portal {
    pub router: Router,
    /// `GET /metrics`, to serve on a listener of its own.
    pub metrics_router: Router,
    pub state: AppState,
    pub sandbox: Option<simulator::RunningSimulator>,
}

/// Builds the portal from configuration: key, databases, upstream, router.
pub async fn build(config: Config) -> anyhow::Result<Portal> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let new_key = config.secret_key.is_none() && !config.data_dir.join("secret.key").exists();
    let crypto = Crypto::load_or_generate(config.secret_key.as_deref(), &config.data_dir)?;
    let audit = AuditLog::open(
        &config.database_url,
        config.busy_timeout,
        config.change_in_flight(),
    )
    .await?;
    // A history written before under a key given as an option, now without it: what that key
    // sealed and keyed does not fit the new one.
    if new_key && audit.store().holds_events().await.unwrap_or(false) {
        tracing::warn!(
            "a new server key was generated although the audit history already holds \
             changes: if this portal ran with --secret-key (PORTAL_SECRET_KEY) before, stop it \
             and give that key again; under the new key, sessions from before end and \
             fingerprints of the same API key or shared key no longer match those recorded"
        );
    }
    if Backend::of(&config.database_url) == Backend::Postgres && config.secret_key.is_none() {
        tracing::warn!(
            "the server key is this instance's own (in the data directory): every portal \
             sharing this database needs the same one, given as --secret-key"
        );
    }
    // Portals sharing a PostgreSQL database take each change's turn there too; through a pool
    // of its own, since a change holds its turn while its audit rows are written.
    let turns = match Backend::of(&config.database_url) {
        // A connection is waited for as long as a turn may be.
        Backend::Postgres => Some(crate::under_way::SharedTurns {
            pool: db::pg_pool(&config.database_url, config.upstream_timeout, TURNS, false)
                .await
                .context("opening the database connections changes take their turns through")?,
            longest: config.change_in_flight(),
        }),
        Backend::Sqlite => None,
    };

    let store =
        session_store::Store::open(&config.session_database_url, config.busy_timeout).await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(60)),
    );

    let (base_url, sandbox) = match &config.upstream {
        Upstream::Url(url) => (url.clone(), None),
        Upstream::Sandbox(speed) => {
            if turns.is_some() {
                tracing::warn!(
                    "this portal's sandbox is its own: portals sharing this database each \
                     simulate a Console Connect apart; for several portals on one, run \
                     console-connect-simulator and give each --upstream-url"
                );
            }
            let delays = match speed {
                SandboxSpeed::Realistic => simulator::Delays::realistic(),
                SandboxSpeed::Fast => simulator::Delays::fast(),
                SandboxSpeed::Instant => simulator::Delays::instant(),
            };
            let sim = simulator::Simulator::new(simulator::Config {
                delays,
                clock: simulator::Clock::Real,
            });
            let running = sim
                .spawn_on_loopback()
                .await
                .context("starting the sandbox")?;
            (running.base_url.clone(), Some(running))
        }
    };
    let mut client_config = ClientConfig::new(base_url.clone());
    client_config.timeout = config.upstream_timeout;
    client_config.connect_timeout = config.upstream_connect_timeout;
    let client = Client::new(client_config).context("the Console Connect URL")?;

    let info = portal_info(&config, &base_url);
    let cookie_name = if config.is_https() {
        "__Host-portal_session"
    } else {
        "portal_session"
    };
    let index_html = std::fs::read_to_string(config.static_dir.join("index.html")).ok();
    let csp = security::content_security_policy(index_html.as_deref());
    let metrics = Arc::new(Metrics::default());
    let sign_in_guard = sign_in_bound(&config).await?;
    let state = AppState(Arc::new(App {
        upstream: Arc::new(Metered::new(Arc::new(client), metrics.clone())),
        audit,
        crypto: crypto.clone(),
        info,
        cookie_name: cookie_name.to_owned(),
        sign_in_guard,
        config,
        metrics: metrics.clone(),
        changes: ChangesUnderWay::new(turns),
        changes_running: tokio_util::task::TaskTracker::new(),
        sessions: session_store::HashedIds::new(store, crypto),
    }));
    let router = app(state.clone(), &csp)?;
    Ok(Portal {
        router,
        metrics_router: crate::metrics::router(metrics),
        state,
        sandbox,
    })
}

/// Where failed sign-ins are counted: beside the sessions when they are in PostgreSQL (shared
/// by every portal using it), else in this process.
async fn sign_in_bound(config: &Config) -> anyhow::Result<SignInBound> {
    let (limit, window) = (config.sign_in_failures, sign_in_guard::WINDOW);
    if limit == 0 || Backend::of(&config.session_database_url) != Backend::Postgres {
        return Ok(SignInBound::Local(SignInGuard::new(limit, window)));
    }
    let pool = db::pg_pool(&config.session_database_url, config.busy_timeout, 4, false)
        .await
        .context("opening the session database for the sign-in bound")?;
    let shared = sign_in_guard::Shared::open(pool, limit, window)
        .await
        .context("creating the table of failed sign-ins")?;
    Ok(SignInBound::Shared(shared))
}

fn portal_info(config: &Config, base_url: &str) -> PortalInfo {
    let demo = |keys: &[simulator::demo::DemoKey]| {
        keys.iter()
            .map(|k| DemoKey {
                key: k.key.to_owned(),
                description: k.description.to_owned(),
            })
            .collect::<Vec<_>>()
    };
    let sandbox = config.is_sandbox();
    PortalInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        sandbox,
        upstream: if sandbox {
            "sandbox".to_owned()
        } else {
            reqwest_host(base_url)
        },
        demo_api_keys: if sandbox {
            demo(simulator::demo::API_KEYS)
        } else {
            Vec::new()
        },
        demo_service_keys: if sandbox {
            demo(simulator::demo::SERVICE_KEYS)
        } else {
            Vec::new()
        },
    }
}

/// Where a base URL sends calls, for display: host, port and the path put before each call's
/// own (no scheme or credentials).
fn reqwest_host(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    match path.trim_end_matches('/') {
        "" => host.to_owned(),
        path => format!("{host}/{path}"),
    }
}

/// The whole router: API (with sessions and the change rules), probes, the browser app.
pub fn app(state: AppState, csp: &str) -> anyhow::Result<Router> {
    let config = &state.config;
    // Shared sessions are read from the database each time (see `session_cache`).
    let ttl = match state.sessions.inner() {
        session_store::Store::Sqlite(_) => SESSION_CACHE_TTL,
        session_store::Store::Postgres(_) => std::time::Duration::ZERO,
    };
    let cache = SessionCache::new(SESSION_CACHE_CAPACITY, ttl);
    let store =
        session_store::Guarded::new(CachingSessionStore::new(cache, state.sessions.clone()));
    let sessions = SessionManagerLayer::new(store)
        .with_name(state.cookie_name.clone())
        .with_secure(config.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(config.session_idle.as_secs() as i64),
        ));
    let api = routes::api_router()
        .layer(middleware::from_fn(security::require_json))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::same_origin,
        ))
        .layer(middleware::from_fn(crate::session::end_when_key_refused))
        .layer(sessions)
        .layer(middleware::from_fn(crate::session::not_kept_said))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::session::removal_like_the_cookie,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .route_layer(middleware::from_fn(crate::metrics::mark_route));
    let headers = security::Headers {
        csp: HeaderValue::from_str(csp).context("the content security policy")?,
        https: config.is_https(),
    };
    let routes = Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route_layer(middleware::from_fn(crate::metrics::mark_route))
        // `nest` leaves `/api/` itself to the browser app; it is an API path all the same.
        .route("/api/", any(routes::api_not_found))
        .nest("/api", api)
        .fallback_service(browser_app(&config.static_dir))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::request_timeout,
        ))
        .with_state(state.clone());
    // The layers below wrap the routes as one service rather than each route: axum adds a
    // 405's `Allow` header outside a route's own layers, and `finish_errors` names those
    // methods in the answer.
    Ok(Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(security::finish_errors))
        .layer(middleware::from_fn_with_state(headers, security::security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get(security::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = req.uri().path(), request_id = id)
        })
        // `finish_errors` logs each failed answer once, with its cause; this says only its
        // status again, so it is kept for debugging.
        .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG)))
        .layer(middleware::from_fn(security::request_id)))
}

/// The built app with deep links answered by `index.html` (200), or a page saying how to
/// build it.
fn browser_app(dir: &std::path::Path) -> Router {
    let index = dir.join("index.html");
    if index.exists() {
        // Served gzipped to browsers that take it: the wasm bundle shrinks to about a third. The
        // build writes a `.gz` beside each asset, served as it is; anything without one is
        // compressed on the way out.
        let app = ServeDir::new(dir)
            .precompressed_gzip()
            .fallback(ServeFile::new(index).precompressed_gzip());
        Router::new()
            .fallback_service(app)
            .layer(middleware::from_fn(missing_file))
            .layer(middleware::map_request(overlong_as_deep_link))
            .layer(CompressionLayer::new())
    } else {
        Router::new().fallback(|| async {
            Html(
                "<!doctype html><title>ExpressRoute portal</title><h1>ExpressRoute portal</h1>\
                  <p>The browser app is not built. Run <code>cargo xtask frontend</code>, or start \
                  with <code>cargo xtask run</code>.</p>",
            )
        })
    }
}

/// A file of the app that is not there (`/assets/old-1a2b.js`, `/favicon.ico`) is a 404, not
/// the app's page: a page kept open since an upgrade that asks for its old bundle is told so,
/// rather than given HTML to run as a script. The app's own addresses have no dot in their
/// last segment; such a path that the fallback answered with `index.html` asked for a file.
async fn missing_file(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let file = !path.ends_with(".html")
        && path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    let response = next.run(request).await;
    let page = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if file && page {
        return crate::error::AppError::NotFound(
            "No file of the browser app is at this address: a page open since the portal was \
             upgraded asks for its old files, and reloading it loads the current ones."
                .into(),
        )
        .into_response();
    }
    response
}

/// The longest file name (bytes) and path the file systems the app is served from take.
/// Changes to different connections (or orders for different keys) this portal makes at once
/// on PostgreSQL, each holding a database connection for its turn; more wait for one, as long
/// as a turn may be waited for.
pub const TURNS: u32 = 32;

const NAME_MAX: usize = 255;
const PATH_MAX: usize = 4096;

/// A path no file of the app can have, as its names are longer than a file system takes, is a
/// deep link like any other (the app says it has no such page): asked of the file system, it
/// fails there, which `ServeDir` answers with a 500 and logs as an error. Measured on the path
/// as sent, which is never shorter than the names it decodes to.
async fn overlong_as_deep_link(mut request: axum::extract::Request) -> axum::extract::Request {
    let path = request.uri().path();
    if path.len() > PATH_MAX || path.split('/').any(|name| name.len() > NAME_MAX) {
        *request.uri_mut() = axum::http::Uri::from_static("/");
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_host_drops_credentials_and_keeps_the_path_calls_go_under() {
        assert_eq!(
            reqwest_host("https://user:pw@api.consoleconnect.com"),
            "api.consoleconnect.com"
        );
        assert_eq!(
            reqwest_host("https://gw.example/console-connect/"),
            "gw.example/console-connect"
        );
        assert_eq!(reqwest_host("http://127.0.0.1:9000/"), "127.0.0.1:9000");
        assert_eq!(reqwest_host("http://127.0.0.1:9000"), "127.0.0.1:9000");
    }
}
