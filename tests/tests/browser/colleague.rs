//! A second engineer working beside the browser's: their own session through the portal's JSON
//! API, for changes the page did not make and has to notice.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

pub struct Colleague {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Colleague {
    /// Signs in to `base` (the portal's URL) with `api_key` and chooses `company`.
    pub async fn sign_in(base: &str, api_key: &str, company: &str) -> Colleague {
        let mut colleague = Colleague {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            cookie: String::new(),
        };
        colleague
            .send(
                reqwest::Method::POST,
                "/api/session",
                json!({ "apiKey": api_key }),
            )
            .await;
        colleague
            .send(
                reqwest::Method::PUT,
                "/api/session/company",
                json!({ "company": company }),
            )
            .await;
        colleague
    }

    /// Sends `body` to `path` and expects success; keeps any new session cookie.
    pub async fn send(&mut self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let (status, text) = self.attempt(method.clone(), path, body).await;
        assert!(
            status.is_success() || status == StatusCode::NO_CONTENT,
            "{method} {path}: {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Sends `body` to `path`, whatever the answer; its status and text. Keeps any new session
    /// cookie.
    pub async fn attempt(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, String) {
        let reply = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if let Some(cookie) = reply
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
        {
            cookie.clone_into(&mut self.cookie);
        }
        let status = reply.status();
        (status, reply.text().await.unwrap_or_default())
    }
}
