//! The test harness, in the style of zero-to-production's `spawn_app`: each test gets a fresh
//! data directory, a simulated Console Connect on a loopback port with a manual clock, and the
//! portal built by `server::build` and served on a port of its own; clients keep cookies like a
//! browser. Every error reply is checked against the one JSON error shape as it arrives.

// Each test file is its own crate and uses its own part of the harness.
#![allow(dead_code)]

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use server::config::Upstream;
use simulator::demo::{API_KEYS, SERVICE_KEYS};
use simulator::{Clock, Delays, ManualClock, RecordedRequest, Route, RunningSimulator, Simulator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The demo API key whose description starts with `who` ("Ada", "Grace", "Linus").
pub fn api_key(who: &str) -> &'static str {
    API_KEYS
        .iter()
        .find(|k| k.description.starts_with(who))
        .map(|k| k.key)
        .expect("a demo user of that name")
}

/// The demo service key whose description contains `what`.
pub fn service_key(what: &str) -> &'static str {
    SERVICE_KEYS
        .iter()
        .find(|k| k.description.contains(what))
        .map(|k| k.key)
        .expect("a demo service key with that description")
}

/// Ada: Network Admin of acme and globex.
pub fn ada() -> &'static str {
    api_key("Ada")
}

/// Grace: Network Admin of globex only.
pub fn grace() -> &'static str {
    api_key("Grace")
}

/// Linus: member of acme without the Network Admin role, so Console Connect lets him only read.
pub fn linus() -> &'static str {
    api_key("Linus")
}

pub const ADA_EMAIL: &str = "ada@acme.example";
/// The seeded Azure connection of acme, ACTIVE with a SYNCED PRIVATE peering on VLAN 100.
pub const PRODUCTION: &str = "Azure London Production";
pub const LONDON_1G: &str = "1000 Mbps at London";
pub const LONDON_10G: &str = "10000 Mbps at London";
pub const AMSTERDAM_200M: &str = "200 Mbps at Amsterdam";
pub const DALLAS_500M: &str = "500 Mbps at Dallas";
pub const USED: &str = "Already used";

/// How a test wants its portal built; `None` keeps the portal's default.
#[derive(Default, Clone)]
pub struct Options {
    pub upstream_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
    pub session_lifetime: Option<Duration>,
    pub session_idle: Option<Duration>,
    pub busy_timeout: Option<Duration>,
    pub public_url: Option<String>,
    pub static_dir: Option<PathBuf>,
    /// Reuse another portal's data directory (a restart, or a second portal with the same
    /// server key).
    pub data_dir: Option<Arc<TempDir>>,
    /// The audit (and so session) database, when not SQLite in the data directory.
    pub database_url: Option<String>,
    /// Another portal's simulated Console Connect and its URL, instead of one of its own.
    pub upstream: Option<(Simulator, String)>,
    /// Failed sign-ins per client address and window, instead of the default.
    pub sign_in_failures: Option<u32>,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// A running portal, its simulated upstream and its data directory.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    /// `http://…/metrics` on the metrics listener.
    pub metrics_url: String,
    pub sim: Simulator,
    pub dir: Arc<TempDir>,
    /// Every response body any client of this app received.
    transcript: Arc<Mutex<Vec<String>>>,
    /// The upstream this portal started (none when it shares another's).
    _upstream: Option<RunningSimulator>,
    upstream_url: String,
    server: tokio::task::JoinHandle<()>,
    metrics_server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        self.metrics_server.abort();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let (sim, upstream, upstream_url) = match options.upstream {
        Some((sim, url)) => (sim, None, url),
        None => {
            let sim = Simulator::new(simulator::Config {
                delays: Delays::realistic(),
                clock: Clock::Manual(ManualClock::new()),
            });
            let upstream = sim
                .clone()
                .spawn_on_loopback()
                .await
                .expect("the simulator starts");
            let url = upstream.base_url.clone();
            (sim, Some(upstream), url)
        }
    };
    let dir = options
        .data_dir
        .unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("a temp dir")));
    let mut config = server::Config::new(dir.path(), Upstream::Url(upstream_url.clone()));
    if let Some(url) = options.database_url {
        config.database_url = url.clone();
        config.session_database_url = url;
    }
    config.static_dir = options
        .static_dir
        .unwrap_or_else(|| dir.path().join("no-browser-app"));
    config.public_url = options.public_url;
    if let Some(t) = options.upstream_timeout {
        config.upstream_timeout = t;
    }
    if let Some(t) = options.request_timeout {
        config.request_timeout = t;
    }
    if let Some(t) = options.session_lifetime {
        config.session_lifetime = t;
    }
    if let Some(t) = options.session_idle {
        config.session_idle = t;
    }
    if let Some(t) = options.busy_timeout {
        config.busy_timeout = t;
    }
    if let Some(n) = options.sign_in_failures {
        config.sign_in_failures = n;
    }
    config.trusted_proxies = options.trusted_proxies;
    let portal = server::build(config).await.expect("the portal builds");
    let (addr, server) = serve_on_loopback(portal.router).await;
    let (metrics_addr, metrics_server) = serve_on_loopback(portal.metrics_router).await;
    TestApp {
        addr,
        base_url: format!("http://{addr}"),
        metrics_url: format!("http://{metrics_addr}/metrics"),
        metrics_server,
        sim,
        dir,
        transcript: Arc::default(),
        _upstream: upstream,
        upstream_url,
        server,
    }
}

#[allow(unused_imports)]
pub use server::testing::PgDatabase;

/// Serves `router` on a free loopback port until the task is aborted.
async fn serve_on_loopback(router: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a local address");
    let task = tokio::spawn(async move {
        server::serve_until_signal(
            listener,
            router,
            std::time::Duration::from_secs(5),
            std::time::Duration::from_secs(60),
        )
        .await
        .expect("it serves");
    });
    (addr, task)
}

impl TestApp {
    /// `GET path` with exactly this `Cookie` header, from a client without a jar: what a copied
    /// cookie gets, whatever a browser would have done with it.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        let client = self.client();
        client
            .send(
                client
                    .request(reqwest::Method::GET, path)
                    .header("cookie", cookie),
            )
            .await
    }

    /// A browser with an empty cookie jar.
    pub fn client(&self) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client");
        Client {
            http,
            jar,
            base: Url::parse(&self.base_url).expect("the portal URL"),
            transcript: self.transcript.clone(),
        }
    }

    /// A browser signed in with `key`; the sign-in must succeed.
    pub async fn sign_in(&self, key: &str) -> Client {
        let client = self.client();
        let reply = client.sign_in(key).await;
        assert_eq!(reply.status, StatusCode::OK, "sign-in: {}", reply.text);
        client
    }

    /// A browser signed in with `key` working in `company`.
    pub async fn sign_in_to(&self, key: &str, company: &str) -> Client {
        let client = self.sign_in(key).await;
        let reply = client.select_company(company).await;
        assert_eq!(reply.status, StatusCode::OK, "select: {}", reply.text);
        client
    }

    /// Every response body received so far by any client of this app.
    pub fn transcript(&self) -> Vec<String> {
        self.transcript.lock().unwrap().clone()
    }

    /// The metrics as the metrics listener serves them.
    pub async fn metrics(&self) -> String {
        let reply = reqwest::get(&self.metrics_url)
            .await
            .expect("the metrics answer");
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(
            reply.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        reply.text().await.expect("the metrics text")
    }

    /// Every request the simulator received so far.
    pub fn upstream_requests(&self) -> Vec<RecordedRequest> {
        self.sim.requests()
    }

    pub fn clear_upstream_requests(&self) {
        self.sim.clear_requests();
    }

    /// How many requests reached `route` upstream.
    pub fn upstream_calls(&self, route: Route) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.route == Some(route))
            .count()
    }

    /// Waits until Console Connect has been sent `n` requests of `route` (a few seconds at
    /// most).
    pub async fn sent(&self, route: Route, n: usize) {
        for _ in 0..1_000 {
            if self.upstream_calls(route) >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(self.upstream_calls(route), n, "{route:?} requests sent");
    }

    /// Moves the simulator's clock (and so every state machine) forward.
    pub fn advance(&self, seconds: u64) {
        self.sim.advance(Duration::from_secs(seconds));
    }

    /// This portal's simulated Console Connect, for another portal to share.
    pub fn upstream(&self) -> (Simulator, String) {
        (self.sim.clone(), self.upstream_url.clone())
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn audit_db_path(&self) -> PathBuf {
        self.data_dir().join("portal.db")
    }

    pub fn audit_db_url(&self) -> String {
        server::config::sqlite_url(&self.audit_db_path())
    }

    /// A connection of our own to the audit database, behind the portal's back.
    pub async fn audit_db(&self) -> SqliteConnection {
        SqliteConnectOptions::new()
            .filename(self.audit_db_path())
            .busy_timeout(Duration::from_secs(5))
            .connect()
            .await
            .expect("the audit database opens")
    }

    /// Runs `request` with the audit database's write lock taken, from behind the portal's
    /// back, once `route` has reached Console Connect (so the change's intent is committed) and
    /// held until the answer: its outcome cannot be written. The portal's busy timeout must be
    /// short of the upstream's latency left by then.
    pub async fn with_outcome_blocked<T>(
        &self,
        route: Route,
        request: impl std::future::Future<Output = T>,
    ) -> T {
        use sqlx::Executor;
        let mut db = self.audit_db().await;
        let (answer, ()) = tokio::join!(request, async {
            while self.upstream_calls(route) == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            db.execute("begin immediate").await.unwrap();
        });
        db.execute("rollback").await.unwrap();
        answer
    }

    /// The outcome rows of `action` in the database, polled until there are `count` of them:
    /// for changes whose outcome is written after the reply (or after the client left).
    pub async fn await_outcomes(&self, action: &str, count: usize) -> Vec<(i64, String)> {
        let mut db = self.audit_db().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                r#"
                select intent_id, outcome from audit_events
                where phase = 'outcome' and action = ? order by id
                "#,
            )
            .bind(action)
            .fetch_all(&mut db)
            .await
            .unwrap();
            if rows.len() >= count || tokio::time::Instant::now() > deadline {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends one request byte for byte, so paths reach the portal exactly as written (reqwest
    /// would normalise `..` and `%2e%2e` away).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("the portal accepts");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or_default());
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).await.unwrap();
        let reply = parse_raw_response(&bytes);
        self.transcript.lock().unwrap().push(reply.text.clone());
        reply.check_error_shape();
        reply
    }
}

fn parse_raw_response(bytes: &[u8]) -> Reply {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let code: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers.append(
                HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                HeaderValue::from_str(value.trim()).unwrap(),
            );
        }
    }
    let mut body = bytes[split + 4..].to_vec();
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply::new(
        StatusCode::from_u16(code).unwrap(),
        headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 2 + size + 2..];
    }
}

/// A browser: a reqwest client with its own cookie jar.
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    base: Url,
    transcript: Arc<Mutex<Vec<String>>>,
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// Sends a request, records its body, and checks the error shape of any error reply.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the portal answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        self.transcript.lock().unwrap().push(text.clone());
        let reply = Reply::new(status, headers, text);
        reply.check_error_shape();
        reply
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::PUT, path).json(body)).await
    }

    pub async fn delete(&self, path: &str, body: Option<&Value>) -> Reply {
        let mut request = self.request(Method::DELETE, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    pub async fn sign_in(&self, key: &str) -> Reply {
        self.post("/api/session", &json!({ "apiKey": key })).await
    }

    pub async fn select_company(&self, company: &str) -> Reply {
        self.put("/api/session/company", &json!({ "company": company }))
            .await
    }

    /// The `Cookie` header this browser would send to the portal.
    pub fn cookie_header(&self) -> Option<String> {
        self.jar
            .cookies(&self.base)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The value of the session cookie in the jar.
    pub fn session_cookie(&self) -> Option<String> {
        let header = self.cookie_header()?;
        header
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(name, _)| *name == "portal_session")
            .map(|(_, value)| value.to_owned())
    }

    /// The company's Azure connections.
    pub async fn connections(&self) -> Vec<Value> {
        let reply = self.get("/api/connections").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json.as_array().expect("a list").clone()
    }

    /// The id of the company's connection named `name`.
    pub async fn connection_id(&self, name: &str) -> String {
        self.connections()
            .await
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no connection named {name}"))
            .to_owned()
    }

    /// The id of the company's port named `name`.
    pub async fn port_id(&self, name: &str) -> String {
        let reply = self.get("/api/ports").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply
            .json
            .as_array()
            .expect("a list")
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["id"].as_str())
            .unwrap_or_else(|| panic!("no port named {name}"))
            .to_owned()
    }

    /// Orders a connection on acme's two London ports; returns its id (the create must succeed).
    pub async fn create_connection(&self, name: &str, service_key: &str, speed: u64) -> String {
        let ports = [
            self.port_id("Acme London LD8 1").await,
            self.port_id("Acme London LD8 2").await,
        ];
        let reply = self
            .post(
                "/api/connections",
                &create_request(service_key, name, &ports, speed),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["id"].as_str().expect("an id").to_owned()
    }

    /// The events of one audit page, newest first.
    pub async fn audit(&self, query: &str) -> Vec<Value> {
        let reply = self.get(&format!("/api/audit?limit=500&{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json["events"].as_array().expect("events").clone()
    }

    /// The intent and outcome rows of the newest audited `action` on `connection`.
    pub async fn audit_pair(&self, action: &str, connection: &str) -> (Value, Value) {
        let events = self
            .audit(&format!("action={action}&connection={connection}"))
            .await;
        let outcome = events
            .iter()
            .find(|e| e["phase"] == "outcome")
            .unwrap_or_else(|| panic!("no {action} outcome in {events:#?}"))
            .clone();
        // Fetched by id: a create's intent was written before the connection had an id.
        let detail = self
            .get(&format!("/api/audit/{}", outcome["intentId"]))
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        let intent = detail.json["event"].clone();
        assert_eq!(intent["phase"], "intent");
        assert_eq!(intent["action"], action);
        (intent, outcome)
    }
}

/// Sign-ins from one address to `app` (which bounds failed ones at 2) through an outage of
/// Console Connect's who-am-I: those it did not answer use up none of the failures, but are
/// bounded too, at five times as many.
pub async fn sign_ins_through_an_outage(app: &TestApp) {
    let outage = || {
        app.sim.set_fault(
            Route::WhoAmI,
            simulator::Fault {
                status: Some(503),
                ..simulator::Fault::default()
            },
        )
    };
    let unanswered = |reply: &Reply| {
        assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.text);
        assert_eq!(reply.code(), "upstream_failed");
    };
    // An engineer keeps trying through an outage: more attempts than the failures allowed.
    outage();
    for _ in 0..5 {
        unanswered(&app.client().sign_in(ada()).await);
    }
    // Once Console Connect answers again, the key signs in at once, and the address still has
    // its failures to make.
    app.sim.clear_faults();
    let back = app.client().sign_in(ada()).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    let wrong = app.client().sign_in("not-a-key").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);

    // An outage without end is bounded all the same: five times the failures allowed.
    outage();
    for _ in 0..5 {
        unanswered(&app.client().sign_in(ada()).await);
    }
    let asked = app.upstream_calls(Route::WhoAmI);
    let r = app.client().sign_in(ada()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(
        r.message()
            .starts_with("Too many sign-ins from your address were tried while Console Connect"),
        "{}",
        r.message()
    );
    assert_eq!(app.upstream_calls(Route::WhoAmI), asked, "nothing sent");
    app.sim.clear_faults();
}

/// `POST /api/connections` for a 2-port connection.
pub fn create_request(service_key: &str, name: &str, ports: &[String], speed: u64) -> Value {
    json!({
        "serviceKey": service_key,
        "name": name,
        "portIds": ports,
        "speedMbps": speed,
        "paymentType": "invoice",
        "classOfService": "GOLD",
        "reason": "New circuit for the London region",
        "ticket": "CHG-2001",
    })
}

/// A valid PRIVATE peering change.
pub fn private_peering(vlan: u64) -> Value {
    json!({
        "config": {
            "peerASN": 65010,
            "primaryPeerSubnet": "10.20.0.0/30",
            "secondaryPeerSubnet": "10.20.0.4/30",
            "vlanId": vlan,
        },
        "reason": "Move the private peering to the new core VLAN",
        "ticket": "CHG-1001",
    })
}

/// A valid MICROSOFT peering change.
pub fn microsoft_peering(vlan: u64) -> Value {
    json!({
        "config": {
            "peerASN": 64512,
            "primaryPeerSubnet": "203.0.113.0/30",
            "secondaryPeerSubnet": "203.0.113.4/30",
            "vlanId": vlan,
            "advertisedPublicPrefixes": ["198.51.100.0/24", "203.0.113.128/25"],
            "customerASN": 64999,
            "routingRegistryName": "ARIN",
        },
        "reason": "Reach Microsoft 365 over ExpressRoute",
    })
}

pub fn peering_path(connection: &str, kind: &str) -> String {
    format!("/api/connections/{connection}/peering/{kind}")
}

/// One reply: status, headers, body text, and the JSON it holds (`Null` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    fn new(status: StatusCode, headers: HeaderMap, text: String) -> Self {
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.json["message"].as_str().unwrap_or_default()
    }

    /// The message of an error body for one field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.json["fields"]
            .as_array()?
            .iter()
            .find(|f| f["field"] == name)
            .and_then(|f| f["message"].as_str())
    }

    /// Every error is the portal's one JSON shape, carrying the response's request id.
    fn check_error_shape(&self) {
        if !(self.status.is_client_error() || self.status.is_server_error()) {
            return;
        }
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{} error with content type {content_type:?}: {}",
            self.status,
            self.text
        );
        assert!(
            self.json["code"].is_string() && self.json["message"].is_string(),
            "{} error without code and message: {}",
            self.status,
            self.text
        );
        let header = self.header("x-request-id").expect("an X-Request-Id header");
        assert_eq!(
            self.json["requestId"].as_str(),
            Some(header),
            "the body's requestId is the X-Request-Id header"
        );
    }
}

/// Reads CSV (RFC 4180: quoted fields may hold commas, quotes and line breaks) into records.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}
