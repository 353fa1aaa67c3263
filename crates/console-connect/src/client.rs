//! The reqwest implementation of [`ConsoleConnect`]: URL building from checked segments,
//! timeouts, the response size cap, bounded jittered retries for reads, tolerant decoding.
//! Every wire detail the contract marks [ours] is decided here or in `models::upstream`.

use crate::error::{Error, Result, cap_body, parse_retry_after};
use crate::{ApiKey, CompanyUsername, ConsoleConnect, ObjectId, PeeringType};
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use models::upstream::{
    Connection, CreateConnectionBody, Peering, PeeringConfig, Port, ServiceKeyInfo, User,
    VerifyServiceKeyBody,
};
use reqwest::{Method, Url, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How the client talks to Console Connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// e.g. `https://api.consoleconnect.com`.
    pub base_url: String,
    pub connect_timeout: Duration,
    /// For the whole call, body included: a read's retries and the waits before them too.
    pub timeout: Duration,
    pub max_response_bytes: usize,
    /// Attempts for a read, the first included. Writes are always tried once.
    pub read_attempts: u32,
    /// The first retry waits about this long (with jitter), each later one twice as long.
    pub retry_base_delay: Duration,
    /// Longest `Retry-After` a read waits out before trying again. An answer asking for more
    /// ends the read at once, with the wait in the error, rather than holding the caller.
    pub max_retry_wait: Duration,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_response_bytes: 8 * 1024 * 1024,
            read_attempts: 3,
            retry_base_delay: Duration::from_millis(200),
            max_retry_wait: Duration::from_secs(5),
        }
    }
}

/// The base URL could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the Console Connect URL must be an absolute http(s) URL")]
    BaseUrl,
    #[error(
        "the Console Connect URL must not hold a user name or password: the API key is the only credential sent"
    )]
    Credentials,
    #[error(
        "the Console Connect URL must not hold a query or fragment: only its path is put before each call's"
    )]
    Query,
    #[error("the HTTP client could not be built")]
    Http,
}

/// A Console Connect base URL: absolute, http or https, without credentials of its own (they
/// would be sent beside the API key, and printed wherever the URL is).
pub fn base_url(raw: &str) -> Result<Url, BuildError> {
    let base = Url::parse(raw).map_err(|_| BuildError::BaseUrl)?;
    if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
        return Err(BuildError::BaseUrl);
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(BuildError::Credentials);
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Err(BuildError::Query);
    }
    Ok(base)
}

/// One part of a request path. User-supplied parts only enter as checked types.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Fixed(&'static str),
    Company(&'a CompanyUsername),
    Id(&'a ObjectId),
    Peering(PeeringType),
}

impl Segment<'_> {
    fn as_str(&self) -> &str {
        match self {
            Segment::Fixed(s) => s,
            Segment::Company(c) => c.as_str(),
            Segment::Id(id) => id.as_str(),
            Segment::Peering(p) => p.as_wire(),
        }
    }
}

/// Whether a call changes anything upstream; only reads are retried.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// A Console Connect client over HTTP.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, BuildError> {
        let base = base_url(&config.base_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("expressroute-portal/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| BuildError::Http)?;
        Ok(Client { http, base, config })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The base URL plus percent-encoded segments; nothing is formatted into the string.
    fn url(&self, segments: &[Segment<'_>]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for s in segments {
                path.push(s.as_str());
            }
        }
        url
    }

    fn company_url(&self, company: &CompanyUsername, rest: &[Segment<'_>]) -> Url {
        let mut segments = vec![
            Segment::Fixed("api"),
            Segment::Fixed("company"),
            Segment::Company(company),
        ];
        segments.extend_from_slice(rest);
        self.url(&segments)
    }

    fn azure_url(&self, company: &CompanyUsername, rest: &[Segment<'_>]) -> Url {
        let mut segments = vec![
            Segment::Fixed("connections"),
            Segment::Fixed("directConnectPartner"),
            Segment::Fixed("AZURE"),
            Segment::Fixed("layer2"),
        ];
        segments.extend_from_slice(rest);
        self.company_url(company, &segments)
    }

    /// Sends a request, retrying reads on transient failures; returns status and body.
    async fn exchange(
        &self,
        kind: Kind,
        method: Method,
        url: Url,
        key: &ApiKey,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Bytes)> {
        let attempts = match kind {
            Kind::Read => self.config.read_attempts.max(1),
            Kind::Write => 1,
        };
        // The configured timeout bounds the call in all, its retries and their waits included.
        // Each try may take all of the time left, so a slow answer that comes within it is
        // taken: a try is made again only after a failure that leaves time for it (a refused
        // connection, a 5xx), never after one that used the time up.
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut attempt = 1;
        // What the try before said: a retry that runs out of time answers with it, not with a
        // timeout that would hide that Console Connect did answer (a 503, say).
        let mut earlier: Option<Error> = None;
        loop {
            let started = Instant::now();
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let result = tokio::time::timeout(
                left,
                self.once(method.clone(), url.clone(), key, body.clone()),
            )
            .await
            .unwrap_or(Err(Error::Timeout));
            let result = match (result, earlier.take()) {
                (Err(Error::Timeout), Some(earlier)) => Err(earlier),
                (result, _) => result,
            };
            tracing::debug!(
                method = %method,
                path = url.path(),
                attempt,
                status = result.as_ref().ok().map(|(s, _)| *s).or_else(|| result.as_ref().err().and_then(Error::status)),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "console connect call"
            );
            match result {
                Err(e) if attempt < attempts && e.is_retryable() => {
                    let Some(wait) = self.retry_wait(attempt, &e) else {
                        return Err(e);
                    };
                    // No time left for another try after the wait: this failure is the answer.
                    if tokio::time::Instant::now() + wait >= deadline {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                    earlier = Some(e);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// How long to wait before trying a failed read again: the backoff, or the answer's
    /// `Retry-After` when that is longer. `None` when the answer asked for more than
    /// [`ClientConfig::max_retry_wait`].
    fn retry_wait(&self, attempt: u32, error: &Error) -> Option<Duration> {
        let backoff = self.backoff(attempt);
        match error.retry_after() {
            Some(asked) if asked > self.config.max_retry_wait => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }

    /// Exponential backoff with full jitter: a random wait up to base × 2^(attempt-1).
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .config
            .retry_base_delay
            .saturating_mul(1 << (attempt - 1).min(6));
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }

    async fn once(
        &self,
        method: Method,
        url: Url,
        key: &ApiKey,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Bytes)> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(key.expose())
            .header(header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let limit = self.config.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|len| len as usize > limit)
        {
            return Err(Error::TooLarge { limit });
        }
        let mut buf = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if buf.len() + chunk.len() > limit {
                return Err(Error::TooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
            return Err(Error::Status {
                status,
                body: cap_body(&without_key(&buf, key)),
                retry_after,
            });
        }
        Ok((status, buf.freeze()))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        kind: Kind,
        method: Method,
        url: Url,
        key: &ApiKey,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T> {
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let (status, bytes) = self.exchange(kind, method, url, key, body).await?;
        decode(status, &bytes)
    }

    async fn list<T: DeserializeOwned>(&self, url: Url, key: &ApiKey) -> Result<Vec<T>> {
        let (status, bytes) = self
            .exchange(Kind::Read, Method::GET, url, key, None)
            .await?;
        let items = match decode::<Value>(status, &bytes)? {
            Value::Array(items) => items,
            Value::Object(mut o) => match o.remove("results") {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(Error::Decode {
                        status,
                        detail: "no results list".into(),
                    });
                }
            },
            _ => {
                return Err(Error::Decode {
                    status,
                    detail: "not a list".into(),
                });
            }
        };
        let total = items.len();
        let read: Vec<T> = items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        if read.len() < total {
            tracing::warn!(
                skipped = total - read.len(),
                "skipped list entries that could not be read"
            );
        }
        Ok(read)
    }
}

/// A change taken (2xx) whose read-back failed: as a change without a readable answer, it may
/// have been made, whatever the read said (a 503 or a refused connect says nothing of the
/// change, which was taken before it).
fn read_back_failed(status: u16, e: &Error) -> Error {
    Error::Decode {
        status,
        detail: format!("an answer without the object changed, and the read after it failed: {e}"),
    }
}

/// Whether a 2xx answer came without a body to read.
fn said_nothing(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// A change's 2xx answer as the object it changed; `None` when it said nothing, or answered
/// JSON that is not that object (`{}`, `{"success": true}`, another object, which would read
/// as one with every field missing): what the change did is then read back. JSON that does
/// not parse stays an error.
fn changed<T: DeserializeOwned>(
    status: u16,
    bytes: &[u8],
    is_it: impl Fn(&T) -> bool,
) -> Result<Option<T>> {
    if said_nothing(bytes) {
        return Ok(None);
    }
    let value: serde_json::Value = decode(status, bytes)?;
    Ok(serde_json::from_value::<T>(value).ok().filter(is_it))
}

/// An error body with the API key the call was made with taken out, wherever Console Connect
/// (or a gateway before it) quoted it back, in whatever case: the body is kept for the audit
/// history and its message shown, and neither may hold the key.
fn without_key(body: &[u8], key: &ApiKey) -> Vec<u8> {
    let key = key.expose().as_bytes();
    if key.is_empty() || body.len() < key.len() {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..]
            .get(..key.len())
            .is_some_and(|at| at.eq_ignore_ascii_case(key))
        {
            out.extend_from_slice(b"********");
            i += key.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Reads a body as `T`. The detail names the kind and place of the problem, never the data
/// (the data may hold a shared key).
fn decode<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        Error::Decode {
            status,
            detail: format!("{kind} at line {} column {}", e.line(), e.column()),
        }
    })
}

fn transport_error(e: reqwest::Error) -> Error {
    // A connect timeout is both; it is a connect failure: nothing was sent.
    if e.is_connect() {
        Error::Connect(why(&e))
    } else if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(why(&e))
    }
}

/// What went wrong on the way, for the log and the audit history: the innermost causes
/// (`tcp connect error: Connection refused`, `dns error: …`, a TLS complaint) without the
/// request's address, and without reqwest's and hyper's outer wrappers that say only that a
/// request failed.
fn why(e: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !causes.iter().any(|c: &String| c.contains(&text)) {
            causes.push(text);
        }
        next = cause.source();
    }
    // hyper's `client error (Connect)` says no more than the kind already does.
    causes.retain(|c| !c.starts_with("client error ("));
    let text = causes.join(": ");
    let text = if text.is_empty() {
        "no cause given".to_owned()
    } else {
        text
    };
    text.chars().take(300).collect()
}

#[async_trait]
impl ConsoleConnect for Client {
    async fn who_am_i(&self, key: &ApiKey) -> Result<User> {
        let url = self.url(&[
            Segment::Fixed("api"),
            Segment::Fixed("auth"),
            Segment::Fixed("token"),
        ]);
        self.call(Kind::Read, Method::GET, url, key, None::<&()>)
            .await
    }

    async fn list_ports(&self, key: &ApiKey, company: &CompanyUsername) -> Result<Vec<Port>> {
        let mut url = self.company_url(company, &[Segment::Fixed("ports")]);
        url.query_pairs_mut().append_pair("deleted", "false");
        self.list(url, key).await
    }

    async fn list_connections(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
    ) -> Result<Vec<Connection>> {
        let url = self.company_url(company, &[Segment::Fixed("connections")]);
        self.list(url, key).await
    }

    async fn get_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection> {
        let url = self.company_url(company, &[Segment::Fixed("connections"), Segment::Id(id)]);
        self.call(Kind::Read, Method::GET, url, key, None::<&()>)
            .await
    }

    async fn delete_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection> {
        let url = self.url(&[
            Segment::Fixed("api"),
            Segment::Fixed("v2"),
            Segment::Fixed("company"),
            Segment::Company(company),
            Segment::Fixed("connections"),
            Segment::Id(id),
        ]);
        let (status, bytes) = self
            .exchange(Kind::Write, Method::DELETE, url, key, None)
            .await?;
        // Taken, with nothing said of it (the answer is not documented) or not the connection
        // itself: the connection as a read now gives it, DELETING.
        match changed(status, &bytes, |c: &Connection| c.id == id.as_str())? {
            Some(connection) => Ok(connection),
            None => self
                .get_connection(key, company, id)
                .await
                .map_err(|e| read_back_failed(status, &e)),
        }
    }

    async fn verify_service_key(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        service_key: &str,
    ) -> Result<ServiceKeyInfo> {
        let url = self.azure_url(company, &[Segment::Fixed("serviceKey")]);
        let body = VerifyServiceKeyBody {
            service_key: service_key.to_owned(),
        };
        // Verification changes nothing upstream, but it is a POST: not repeated blindly.
        self.call(Kind::Write, Method::POST, url, key, Some(&body))
            .await
    }

    async fn create_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        body: &CreateConnectionBody,
    ) -> Result<Connection> {
        let url = self.azure_url(company, &[Segment::Fixed("create")]);
        self.call(Kind::Write, Method::PUT, url, key, Some(body))
            .await
    }

    async fn update_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
        config: &PeeringConfig,
    ) -> Result<Peering> {
        let url = self.azure_url(
            company,
            &[
                Segment::Id(id),
                Segment::Fixed("peering"),
                Segment::Peering(peering),
            ],
        );
        let body = serde_json::to_vec(config).unwrap_or_default();
        let (status, bytes) = self
            .exchange(Kind::Write, Method::POST, url, key, Some(body))
            .await?;
        // Taken, with nothing said of it or not the peering itself (its settings missing in
        // part, another type): the peering as a read now gives it.
        let the_peering = |p: &Peering| {
            p.peer_asn.is_some()
                && p.primary_peer_subnet.is_some()
                && p.secondary_peer_subnet.is_some()
                && p.vlan_id.is_some()
                && (peering != PeeringType::Microsoft
                    || p.advertised_public_prefixes
                        .as_ref()
                        .is_some_and(|ps| !ps.is_empty()))
                && p.peering_type.is_none_or(|t| t == peering)
        };
        if let Some(written) = changed(status, &bytes, the_peering)? {
            return Ok(written);
        }
        match self.read_peering(key, company, id, peering).await {
            Ok(Some(peering)) => Ok(peering),
            Ok(None) => Err(Error::Decode {
                status,
                detail: "an answer without the peering, and no peering read after it".into(),
            }),
            Err(e) => Err(read_back_failed(status, &e)),
        }
    }

    async fn read_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<Option<Peering>> {
        let url = self.azure_url(
            company,
            &[
                Segment::Id(id),
                Segment::Fixed("peering"),
                Segment::Peering(peering),
            ],
        );
        match self
            .call(Kind::Read, Method::GET, url, key, None::<&()>)
            .await
        {
            Ok(p) => Ok(Some(p)),
            Err(Error::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<()> {
        let url = self.azure_url(
            company,
            &[
                Segment::Id(id),
                Segment::Fixed("peering"),
                Segment::Peering(peering),
            ],
        );
        self.exchange(Kind::Write, Method::DELETE, url, key, None)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(ClientConfig::new(base)).unwrap()
    }

    #[test]
    fn urls_are_built_from_checked_segments() {
        let c = client("https://api.example.com");
        let company = CompanyUsername::parse("acme").unwrap();
        let id = ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1e").unwrap();
        let url = c.azure_url(
            &company,
            &[
                Segment::Id(&id),
                Segment::Fixed("peering"),
                Segment::Peering(PeeringType::Private),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://api.example.com/api/company/acme/connections/directConnectPartner/AZURE/layer2/5f1a2b3c4d5e6f7a8b9c0d1e/peering/PRIVATE"
        );
    }

    #[test]
    fn a_base_url_with_a_path_keeps_it() {
        let c = client("http://127.0.0.1:9/upstream/");
        let url = c.url(&[
            Segment::Fixed("api"),
            Segment::Fixed("auth"),
            Segment::Fixed("token"),
        ]);
        assert_eq!(url.as_str(), "http://127.0.0.1:9/upstream/api/auth/token");
    }

    #[test]
    fn bad_base_urls_are_refused() {
        for bad in ["", "not a url", "ftp://x", "mailto:a@b"] {
            assert!(Client::new(ClientConfig::new(bad)).is_err(), "{bad}");
        }
        for credentials in ["https://user:secret@cc.example", "https://user@cc.example"] {
            assert!(
                matches!(base_url(credentials), Err(BuildError::Credentials)),
                "{credentials}"
            );
        }
    }

    #[test]
    fn an_error_body_never_keeps_the_api_key_it_quotes() {
        let key = ApiKey::new("sk-canary-0123456789".to_owned());
        let body =
            br#"{"message":"refused for Bearer sk-canary-0123456789 (SK-CANARY-0123456789)"}"#;
        let kept = String::from_utf8(without_key(body, &key)).unwrap();
        assert_eq!(
            kept,
            r#"{"message":"refused for Bearer ******** (********)"}"#
        );
        assert_eq!(without_key(b"nothing of it", &key), b"nothing of it");
        assert_eq!(without_key(b"sk-canary", &key), b"sk-canary");
    }

    #[test]
    fn decode_errors_never_quote_the_data() {
        let err = decode::<Peering>(200, br#"{"sharedKey": 123456789}"#).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("123456789"), "{text}");
        assert!(matches!(err, Error::Decode { status: 200, .. }));
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let c = client("http://127.0.0.1:9");
        let base = c.config.retry_base_delay;
        let first = c.backoff(1);
        assert!(first >= base / 2 && first <= base);
        let later = c.backoff(30);
        assert!(later <= base * 64);
    }

    #[test]
    fn a_retry_waits_what_the_answer_asked_for_up_to_the_limit() {
        let c = client("http://127.0.0.1:9");
        let busy = |secs: Option<u64>| Error::Status {
            status: 503,
            body: String::new(),
            retry_after: secs.map(Duration::from_secs),
        };
        let backoff_ceiling = c.config.retry_base_delay;
        assert!(c.retry_wait(1, &busy(None)).unwrap() <= backoff_ceiling);
        assert_eq!(
            c.retry_wait(1, &busy(Some(3))),
            Some(Duration::from_secs(3))
        );
        let limit = c.config.max_retry_wait.as_secs();
        assert_eq!(
            c.retry_wait(1, &busy(Some(limit))),
            Some(c.config.max_retry_wait)
        );
        assert_eq!(c.retry_wait(1, &busy(Some(limit + 1))), None);
        assert!(
            c.retry_wait(1, &busy(Some(0))).unwrap() >= backoff_ceiling / 2,
            "an answer asking for no wait still gets the backoff"
        );
    }
}
