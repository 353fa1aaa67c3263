//! Extractors whose rejections are `AppError`s, so malformed JSON, bad paths and bad queries get
//! the same JSON error shape as everything else; and the request's metadata for the audit trail.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// `axum::Json` with the portal's error shape. Serde's messages are kept for the field path
/// and position but lose any quoted input, which could be a secret.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        _ => AppError::BadRequest(format!(
            "The request body could not be read: {}",
            strip_quoted(&r.body_text())
        )),
    }
}

/// Removes text between quotes or backticks (serde quotes the offending value there).
pub fn strip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside: Option<char> = None;
    for c in message.chars() {
        match inside {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                inside = None;
            }
            Some(_) => {}
            None if c == '"' || c == '`' => {
                out.push(c);
                inside = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

/// `axum::extract::Query` with the portal's error shape.
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(AppQuery(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

/// Kept whole: query strings carry filters, never secrets, and serde's quotes name the
/// unknown parameter and the allowed ones (or the allowed values).
fn query_rejection(r: QueryRejection) -> AppError {
    let text = r.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    AppError::BadRequest(format!("The query string could not be read: {detail}"))
}

/// Who sent a request and under which id, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    /// The client's address: the connection's, or behind a trusted proxy the one it forwards.
    pub client_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// The client's address as the audit history writes it.
    pub fn client_addr(&self) -> Option<String> {
        self.client_ip.map(|ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(256).collect::<String>())
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(RequestMeta {
            request_id: header("x-request-id").unwrap_or_default(),
            client_ip: peer.map(|peer| client_ip(peer, forwarded, &state.config.trusted_proxies)),
            user_agent: header("user-agent"),
        })
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: `peer` unless it is a trusted proxy; then, walking `X-Forwarded-For`
/// from its end (each proxy appends the address it heard from), the first address that is not
/// a trusted proxy, or the first one listed when all are. Entries that are not addresses end
/// the walk there: what lies before them was not written by a proxy we trust.
fn client_ip<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Some proxies write the port too.
        let parsed = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()));
        let Ok(ip) = parsed else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_last_forwarded_address_that_is_not_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap(), "::1/128".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let client = |peer: &str, headers: &[&str]| {
            client_ip(ip(peer), headers.iter().copied(), &trusted).to_string()
        };
        // From anyone else the header is ignored: it is the client's own to write.
        assert_eq!(client("198.51.100.9", &["203.0.113.7"]), "198.51.100.9");
        assert_eq!(client("10.0.0.5", &["203.0.113.7"]), "203.0.113.7");
        assert_eq!(client("::1", &["203.0.113.7, 10.0.0.8"]), "203.0.113.7");
        // What the client wrote itself before the proxies' entries does not count.
        assert_eq!(client("10.0.0.5", &["1.2.3.4, 203.0.113.7"]), "203.0.113.7");
        assert_eq!(
            client("10.0.0.5", &["1.2.3.4", "203.0.113.7, 10.0.0.9"]),
            "203.0.113.7"
        );
        assert_eq!(client("10.0.0.5", &["10.0.0.7, 10.0.0.9"]), "10.0.0.7");
        assert_eq!(client("10.0.0.5", &["1.2.3.4, unknown"]), "10.0.0.5");
        assert_eq!(client("10.0.0.5", &[]), "10.0.0.5");
        assert_eq!(client("10.0.0.5", &["2001:db8::7"]), "2001:db8::7");
        assert_eq!(client("10.0.0.5", &["203.0.113.7:51234"]), "203.0.113.7");
        assert_eq!(client("10.0.0.5", &["[2001:db8::7]:443"]), "2001:db8::7");
    }

    #[test]
    fn quoted_input_is_removed_from_messages() {
        let m = strip_quoted(
            r#"config.sharedKey: invalid type: integer `123`, expected "abc" at line 1"#,
        );
        assert_eq!(
            m,
            "config.sharedKey: invalid type: integer `…`, expected \"…\" at line 1"
        );
    }
}
