//! Fault injection: per-route latency, upstream error pages, truncated bodies and requests that
//! never answer, so a client's handling of each can be tested.

use crate::routes::Route;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;

/// What to do to the requests of one route. Latency comes first; then `hang` stops there, or
/// `status` answers without running the handler; otherwise the handler runs and the body
/// faults apply to its 2xx answer (`emptyBody`, then `otherBody`, then `malformedBody`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Fault {
    /// Wait this long before anything else.
    pub latency_ms: u64,
    /// Answer this status with an HTML page, as a gateway in front of the API would, without
    /// running the handler: the state does not change.
    pub status: Option<u16>,
    /// With `status`: send this many seconds in a `Retry-After` header, as a rate limiter or
    /// a gateway in maintenance would.
    pub retry_after_secs: Option<u64>,
    /// Run the handler, then replace a 2xx body with truncated JSON.
    pub malformed_body: bool,
    /// Run the handler, then send a 2xx answer without its body, as an API that only says a
    /// change was taken (202, 204) does.
    pub empty_body: bool,
    /// Run the handler, then send this JSON instead of a 2xx answer's body: an answer of
    /// another shape than the documented one (`{}`, `{"success": true}`, another object).
    pub other_body: Option<String>,
    /// Never answer, so the client's timeout has to fire.
    pub hang: bool,
    /// With `status`: answer JSON whose `message` quotes the request's `Authorization` header
    /// and body, as a careless gateway or API might, instead of the HTML page.
    pub echo_request: bool,
    /// Apply to the next N matching requests only; `None` until cleared.
    pub times: Option<u32>,
}

/// The status a fault may answer: a final status (200–599), which HTTP can carry.
pub(crate) fn fault_status(code: u16) -> Option<StatusCode> {
    StatusCode::from_u16(code)
        .ok()
        .filter(|s| (200..=599).contains(&s.as_u16()))
}

/// The faults in force, at most one per route.
#[derive(Debug, Default)]
pub(crate) struct Faults(Vec<(Route, Fault)>);

impl Faults {
    pub(crate) fn set(&mut self, route: Route, fault: Fault) {
        self.0.retain(|(r, _)| *r != route);
        if fault.times != Some(0) {
            self.0.push((route, fault));
        }
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// The faults in force, in the order they were set (with what is left of `times`).
    pub(crate) fn all(&self) -> Vec<(Route, Fault)> {
        self.0.clone()
    }

    /// The fault for one request to `route` (its own, else the `Any` one), counted against
    /// `times`.
    pub(crate) fn take(&mut self, route: Route) -> Option<Fault> {
        let index = self
            .0
            .iter()
            .position(|(r, _)| *r == route)
            .or_else(|| self.0.iter().position(|(r, _)| *r == Route::Any))?;
        let fault = self.0[index].1.clone();
        if let Some(left) = &mut self.0[index].1.times {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.0.remove(index);
            }
        }
        Some(fault)
    }
}

/// Runs the request through `next` with `fault` applied.
pub(crate) async fn apply(fault: Fault, request: Request, next: Next) -> Response {
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    if fault.hang {
        // Dropped, with the request, when the client gives up and closes the connection.
        match std::future::pending::<Infallible>().await {}
    }
    if let Some(code) = fault.status {
        let status = fault_status(code).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut page = if fault.echo_request {
            echo_page(status, request).await
        } else {
            error_page(status)
        };
        if let Some(secs) = fault.retry_after_secs {
            page.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        return page;
    }
    let response = next.run(request).await;
    if fault.empty_body && response.status().is_success() {
        return response.status().into_response();
    }
    if let Some(body) = fault.other_body.filter(|_| response.status().is_success()) {
        return (
            response.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if fault.malformed_body && response.status().is_success() {
        return (
            response.status(),
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"id": "5f"#,
        )
            .into_response();
    }
    response
}

/// A JSON error quoting what the request carried, its credentials included.
async fn echo_page(status: StatusCode, request: Request) -> Response {
    let auth = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = format!(
        "refused the request with {auth}: {}",
        String::from_utf8_lossy(&body)
    );
    (
        status,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response()
}

/// The kind of page a load balancer answers when the API behind it fails: not JSON.
fn error_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let html = format!(
        "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}</h1></center></body></html>\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html")],
        Body::from(html),
    )
        .into_response()
}
