//! Extractors whose rejections are `AppError`s, so malformed JSON, bad paths and bad queries get
//! the same JSON error shape as everything else; and the request's metadata for the audit trail.

use crate::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

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
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(256).collect::<String>())
        };
        Ok(RequestMeta {
            request_id: header("x-request-id").unwrap_or_default(),
            client_addr: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string()),
            user_agent: header("user-agent"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
