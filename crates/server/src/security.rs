//! Middleware every request passes: a fresh request id, the same-origin and JSON-only rules for
//! state-changing API calls, the request timeout, security headers, and the finishing of error
//! bodies (request id added, cause logged once, one JSON shape even for errors axum makes).

use crate::error::{AppError, ErrorReport, report_response};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use models::error::MAY_HAVE_BEEN_MADE;
use models::{ApiError, ErrorCode};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub const REQUEST_ID: &str = "x-request-id";

/// Every request gets an id of ours (an incoming one is replaced: it would be the client's
/// word in our audit rows), echoed in the `X-Request-Id` response header.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"));
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let mut res = next.run(req).await;
    res.headers_mut().insert(REQUEST_ID, value);
    res
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// State-changing requests must come from the portal's own pages: Fetch Metadata when the
/// browser sends it, else the `Origin` header. Requests with neither are not from a browser
/// (curl, scripts) and cannot ride on someone's cookie by accident.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_safe(req.method()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => match text(header::ORIGIN) {
            Some(origin) => origin_matches(
                origin,
                state.config.public_url.as_deref(),
                text(header::HOST),
            ),
            None => true,
        },
    };
    if allowed {
        next.run(req).await
    } else {
        AppError::Forbidden("Cross-site requests cannot change anything in the portal.".into())
            .into_response()
    }
}

/// Whether an `Origin` is the portal's own: its public URL when configured, else the `Host`
/// the request was sent to.
fn origin_matches(origin: &str, public_url: Option<&str>, host: Option<&str>) -> bool {
    if let Some(public) = public_url {
        return crate::config::origin_of(origin)
            .is_some_and(|o| Some(o) == crate::config::origin_of(public));
    }
    let Some(host) = host else { return false };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !authority.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// State-changing requests with a body must send JSON, and say everything in it: no route that
/// changes anything takes query parameters, so one sent with them (`?dryRun=1`, say) is refused
/// rather than carried out without them. So is one named without a value (`?dryRun`, a flag
/// set) or with an empty one: a change is not made on a guess that it was meant as left out.
pub async fn require_json(req: Request, next: Next) -> Response {
    // Only a change's query is read, so a read pays nothing for this.
    let given = |q: &str| q.split('&').any(|pair| !pair.is_empty());
    if !is_safe(req.method()) && req.uri().query().is_some_and(given) {
        return AppError::BadRequest(format!(
            "{} takes no query parameters: everything a change needs goes in its JSON body, so \
             nothing was done.",
            req.method()
        ))
        .into_response();
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|n| n != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));
    if !is_safe(req.method()) && has_body && !is_json {
        return AppError::UnsupportedMediaType.into_response();
    }
    next.run(req).await
}

tokio::task_local! {
    /// Whether the request's change has been written down as under way (its intent committed):
    /// from then on it may reach Console Connect.
    static UNDER_WAY: Arc<AtomicBool>;
    /// Whether the request asks for a change (any method but GET, HEAD and OPTIONS).
    static IS_CHANGE: bool;
}

/// Whether the current request is a change of which nothing has been sent to Console Connect:
/// its intent is not committed yet (a check it reads first failed, say).
pub fn change_not_sent() -> bool {
    IS_CHANGE.try_with(|c| *c).unwrap_or(false)
        && UNDER_WAY
            .try_with(|u| !u.load(Ordering::Relaxed))
            .unwrap_or(false)
}

/// Marks the current request's change as under way, for [`request_timeout`] to say.
pub fn change_under_way() {
    let _ = UNDER_WAY.try_with(|u| u.store(true, Ordering::Relaxed));
}

/// A request that runs past the configured time gets a 504. Changes are safe from this: their
/// upstream call and outcome row run in a task of their own that finishes regardless. A change
/// still being checked (its connection read, say) was not under way: nothing was sent, and a
/// sign-in that did not finish signed nobody in, which the answer says.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let change = !is_safe(req.method());
    let signing_in = req.method() == Method::POST && req.uri().path() == "/api/session";
    let under_way = Arc::new(AtomicBool::new(false));
    let run = IS_CHANGE.scope(
        change,
        UNDER_WAY.scope(
            under_way.clone(),
            tokio::time::timeout(state.config.request_timeout, next.run(req)),
        ),
    );
    // It is the portal that stops waiting, whatever it waited for (Console Connect, most
    // often, over several calls): the answer says so, and how long it waited.
    let limit = match state.config.request_timeout {
        t if t.subsec_millis() == 0 => format!("{} s", t.as_secs()),
        t => format!("{} ms", t.as_millis()),
    };
    let gave_up = |what: &str| {
        report_response(ErrorReport {
            body: ApiError::new(
                ErrorCode::UpstreamTimeout,
                format!(
                    "The portal stopped waiting after {limit}, the longest a request may take. \
                     {what}"
                ),
            ),
            cause: Some("request timeout".into()),
        })
    };
    match run.await {
        Ok(res) => res,
        Err(_) if signing_in => gave_up("You are not signed in: try again."),
        Err(_) if change && !under_way.load(Ordering::Relaxed) => {
            gave_up("Nothing was changed: try again.")
        }
        Err(_) if change => gave_up(&format!(
            "It had sent the change to Console Connect before then. {MAY_HAVE_BEEN_MADE}"
        )),
        Err(_) => gave_up("Try again shortly."),
    }
}

/// The Content-Security-Policy: the app's own scripts (and the inline loader trunk writes into
/// index.html, by hash), WebAssembly, its own styles and API; nothing else, no framing.
pub fn content_security_policy(index_html: Option<&str>) -> String {
    let hashes: String = index_html
        .map(inline_script_hashes)
        .unwrap_or_default()
        .iter()
        .map(|h| format!(" '{h}'"))
        .collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `sha256-…` of each inline `<script>` body in a page.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        let body = &body_and_more[..close];
        if !tag.contains("src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// What [`security_headers`] adds that depends on the portal's set-up.
#[derive(Clone)]
pub struct Headers {
    pub csp: HeaderValue,
    /// Whether people open the portal over HTTPS (its public URL says so): browsers are then
    /// told to keep to HTTPS for this host, so a later plain-HTTP address cannot be used to
    /// reach them.
    pub https: bool,
}

/// Headers on every response.
pub async fn security_headers(
    State(headers): State<Headers>,
    req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, headers.csp);
    if headers.https {
        // A year, this host only: the portal has no say over its neighbours.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

/// Finishes every error response: adds the request id to the body, logs the cause once, and
/// turns errors made outside the handlers (axum's 405, a failed session save) into the JSON
/// shape.
pub async fn finish_errors(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let status = res.status();
    let report = match res.extensions_mut().remove::<ErrorReport>() {
        Some(report) => report,
        None if status.is_client_error() || status.is_server_error() => {
            let is_json = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            if is_json {
                return res;
            }
            let message = match status {
                StatusCode::METHOD_NOT_ALLOWED => method_not_allowed_message(&method, res.headers()),
                s if s.is_server_error() => "Something went wrong inside the portal. The request id identifies it in the logs.".to_owned(),
                // The portal's own refusals carry their report; a bare 400 is axum's, for a
                // path segment that does not decode (`%FF`).
                StatusCode::BAD_REQUEST => "The address could not be read: a part of its path is not text once its %-escapes are decoded (UTF-8).".to_owned(),
                s => s.canonical_reason().unwrap_or("Request refused").to_owned(),
            };
            ErrorReport {
                body: ApiError::new(ErrorCode::for_status(status.as_u16()), message),
                cause: None,
            }
        }
        None => return res,
    };
    if status.is_server_error() {
        tracing::error!(request_id, %method, path, status = status.as_u16(), cause = report.cause.as_deref().unwrap_or("-"), "request failed");
    } else if answers_a_read(&method, &path, status) {
        tracing::debug!(request_id, %method, path, status = status.as_u16(), code = report.body.code.as_str(), "read answered: not there");
    } else {
        tracing::info!(request_id, %method, path, status = status.as_u16(), code = report.body.code.as_str(), "request refused");
    }
    let mut body = report.body;
    body.request_id = Some(request_id);
    let mut finished = report_response(ErrorReport { body, cause: None });
    *finished.status_mut() = status;
    // The refused answer's headers go on, but not those that described its body: a file's
    // encoding (gzip, from a precompressed copy), length, range or version are not the error's.
    const OF_THE_BODY: [header::HeaderName; 7] = [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::CONTENT_RANGE,
        header::ACCEPT_RANGES,
        header::ETAG,
        header::LAST_MODIFIED,
    ];
    for (name, value) in res.headers() {
        if !OF_THE_BODY.contains(name) {
            finished.headers_mut().insert(name.clone(), value.clone());
        }
    }
    // The answer's extensions go on with the new one: `metrics::track` further out reads the
    // route template there, so a refusal is counted under its route like a success.
    *finished.extensions_mut() = std::mem::take(res.extensions_mut());
    finished
}

/// Whether a refusal is a read's ordinary answer, which the pages ask for as a matter of course:
/// a peering type not configured (404), a session asked for by a browser that has none (401).
/// Logged only at debug level, so that refusals worth a look are not lost among them.
fn answers_a_read(method: &Method, path: &str, status: StatusCode) -> bool {
    *method == Method::GET
        && match status {
            StatusCode::NOT_FOUND => {
                path.starts_with("/api/connections/") && path.contains("/peering/")
            }
            StatusCode::UNAUTHORIZED => matches!(path, "/api/session" | "/api/session/status"),
            _ => false,
        }
}

/// The message of a 405: the method refused and, from the `Allow` header axum sets, the ones
/// the route takes.
fn method_not_allowed_message(method: &Method, headers: &header::HeaderMap) -> String {
    let allowed: Vec<&str> = headers
        .get_all(header::ALLOW)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    if allowed.is_empty() {
        format!("This API route does not take {method}.")
    } else {
        format!(
            "This API route does not take {method}; it takes {}.",
            allowed.join(", ")
        )
    }
}

/// Turns a finished response back into a plain body, for tests of the middleware.
#[cfg(test)]
async fn body_text(res: Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_reads_ordinary_answers_are_left_to_the_debug_log() {
        let peering = "/api/connections/5f1a2b3c4d5e6f7a8b9c0d1e/peering/PUBLIC";
        assert!(answers_a_read(&Method::GET, peering, StatusCode::NOT_FOUND));
        assert!(answers_a_read(
            &Method::GET,
            "/api/session",
            StatusCode::UNAUTHORIZED
        ));
        assert!(answers_a_read(
            &Method::GET,
            "/api/session/status",
            StatusCode::UNAUTHORIZED
        ));
        // A change refused, another read's 404 (an unknown connection, a probed path), a
        // session refused to anything but the session's own reads: said at info level.
        assert!(!answers_a_read(
            &Method::DELETE,
            peering,
            StatusCode::NOT_FOUND
        ));
        assert!(!answers_a_read(
            &Method::GET,
            peering,
            StatusCode::FORBIDDEN
        ));
        assert!(!answers_a_read(
            &Method::GET,
            "/api/connections/5f1a2b3c4d5e6f7a8b9c0d1e",
            StatusCode::NOT_FOUND
        ));
        assert!(!answers_a_read(
            &Method::GET,
            "/api/nothing",
            StatusCode::NOT_FOUND
        ));
        assert!(!answers_a_read(
            &Method::GET,
            "/api/ports",
            StatusCode::UNAUTHORIZED
        ));
    }

    #[test]
    fn origin_is_compared_with_host_or_public_url() {
        assert!(origin_matches(
            "http://127.0.0.1:8080",
            None,
            Some("127.0.0.1:8080")
        ));
        assert!(!origin_matches(
            "http://evil.example",
            None,
            Some("127.0.0.1:8080")
        ));
        assert!(!origin_matches("null", None, Some("127.0.0.1:8080")));
        assert!(origin_matches(
            "https://portal.example.com",
            Some("https://portal.example.com/"),
            None
        ));
        assert!(!origin_matches(
            "http://portal.example.com",
            Some("https://portal.example.com"),
            None
        ));
        for same in [
            "https://Portal.Example.com",
            "https://portal.example.com:443",
            "HTTPS://PORTAL.EXAMPLE.COM",
        ] {
            assert!(
                origin_matches(same, Some("https://portal.example.com"), None),
                "{same}"
            );
        }
        for other in [
            "https://portal.example.com:8443",
            "https://portal.example.com.evil.example",
            "null",
        ] {
            assert!(
                !origin_matches(other, Some("https://portal.example.com"), None),
                "{other}"
            );
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_ignored() {
        let html = r#"<script src="/app.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
        assert!(content_security_policy(Some(html)).contains(&hashes[0]));
        assert!(content_security_policy(None).contains("frame-ancestors 'none'"));
    }

    #[tokio::test]
    async fn plain_error_responses_get_the_json_shape() {
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt;
        // Around the routes as one service, as the portal has it, so the `Allow` header is set.
        let routes = axum::Router::new().route("/x", get(|| async { "ok" }));
        let app = axum::Router::new()
            .fallback_service(routes)
            .layer(axum::middleware::from_fn(finish_errors));
        let res = app
            .oneshot(
                Request::builder()
                    .method("POST")
                    .uri("/x")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body: ApiError = serde_json::from_str(&body_text(res).await).unwrap();
        assert_eq!(body.code, ErrorCode::MethodNotAllowed);
        assert_eq!(
            body.message,
            "This API route does not take POST; it takes GET, HEAD."
        );
    }

    #[test]
    fn a_405_without_an_allow_header_names_only_the_method() {
        let mut headers = header::HeaderMap::new();
        assert_eq!(
            method_not_allowed_message(&Method::PATCH, &headers),
            "This API route does not take PATCH."
        );
        headers.append(header::ALLOW, HeaderValue::from_static("PUT,DELETE"));
        headers.append(header::ALLOW, HeaderValue::from_static(" GET "));
        assert_eq!(
            method_not_allowed_message(&Method::PATCH, &headers),
            "This API route does not take PATCH; it takes PUT, DELETE, GET."
        );
    }
}
