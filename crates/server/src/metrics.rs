//! Operational metrics in Prometheus' text format, served on a listener of their own
//! (`--metrics-listen`) so that they never share the public port: requests by route and status
//! with their durations, every Console Connect call by operation and outcome with its duration
//! (the way to see the upstream degrade), and audit writes that failed (each one a refused or
//! unrecorded change). Labels are route templates and fixed names, never paths, ids, keys or
//! anything a user typed.

use crate::state::AppState;
use async_trait::async_trait;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use console_connect::{ApiKey, CompanyUsername, ConsoleConnect, Error, ObjectId, Result};
use models::PeeringType;
use models::upstream::{
    Connection, CreateConnectionBody, Peering, PeeringConfig, Port, ServiceKeyInfo, User,
};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Upper bounds of the duration buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A duration histogram: how many observations fell at or under each bound, their count and sum.
#[derive(Debug, Clone, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    /// The `_bucket`, `_sum` and `_count` lines of `name` for the series `labels`.
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {bucket}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

/// One route and method: answers by status, and their durations.
#[derive(Debug, Default)]
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    durations: Histogram,
}

#[derive(Debug, Default)]
struct Recorded {
    /// route → method → what it answered. Looked up without allocating: routes are few and
    /// found by `&str`, methods are fixed names.
    http: BTreeMap<String, BTreeMap<&'static str, RouteStats>>,
    /// operation → durations.
    upstream_durations: BTreeMap<&'static str, Histogram>,
    /// (operation, outcome) → count.
    upstream_calls: BTreeMap<(&'static str, &'static str), u64>,
}

/// Everything counted since start-up.
#[derive(Debug)]
pub struct Metrics {
    started_unix: f64,
    recorded: Mutex<Recorded>,
    audit_intent_failures: AtomicU64,
    audit_outcome_failures: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or_default(),
            recorded: Mutex::default(),
            audit_intent_failures: AtomicU64::new(0),
            audit_outcome_failures: AtomicU64::new(0),
        }
    }
}

/// What a Console Connect call came to, as a label.
fn upstream_outcome<T>(result: &Result<T>) -> &'static str {
    match result {
        Ok(_) => "ok",
        // Console Connect throttling the portal's users, apart from requests it refused.
        Err(Error::Status { status: 429, .. }) => "rate_limited",
        Err(Error::Status { status, .. }) if *status < 500 => "status_4xx",
        Err(Error::Status { .. }) => "status_5xx",
        Err(Error::Decode { .. }) => "unreadable",
        Err(Error::TooLarge { .. }) => "too_large",
        Err(Error::Timeout) => "timeout",
        Err(Error::Connect(_)) => "connect_failed",
        Err(Error::Transport(_)) => "transport_failed",
    }
}

/// A request method as a label: the standard ones by name, anything else as one series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// A label value in Prometheus' quoting.
fn quoted(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    fn recorded(&self) -> MutexGuard<'_, Recorded> {
        self.recorded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn observe_request(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let mut r = self.recorded();
        let methods = match r.http.get_mut(route) {
            Some(methods) => methods,
            None => r.http.entry(route.to_owned()).or_default(),
        };
        let stats = methods.entry(method_label(method)).or_default();
        *stats.statuses.entry(status).or_default() += 1;
        stats.durations.observe(seconds);
    }

    pub fn observe_upstream(&self, operation: &'static str, outcome: &'static str, seconds: f64) {
        let mut r = self.recorded();
        *r.upstream_calls.entry((operation, outcome)).or_default() += 1;
        r.upstream_durations
            .entry(operation)
            .or_default()
            .observe(seconds);
    }

    /// An intent could not be written: the change was refused and nothing went upstream.
    pub fn audit_intent_failed(&self) {
        self.audit_intent_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// An outcome could not be written after the change reached Console Connect.
    pub fn audit_outcome_failed(&self) {
        self.audit_outcome_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition: every metric with its help and type, series in a stable order.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let r = self.recorded();
        out.push_str(
            "# HELP portal_http_requests_total Requests answered, by route template and status.\n",
        );
        out.push_str("# TYPE portal_http_requests_total counter\n");
        let series = || {
            r.http.iter().flat_map(|(route, methods)| {
                methods.iter().map(move |(method, stats)| {
                    (
                        format!("method=\"{method}\",route=\"{}\"", quoted(route)),
                        stats,
                    )
                })
            })
        };
        for (labels, stats) in series() {
            for (status, n) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "portal_http_requests_total{{{labels},status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP portal_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE portal_http_request_duration_seconds histogram\n");
        for (labels, stats) in series() {
            stats
                .durations
                .write(&mut out, "portal_http_request_duration_seconds", &labels);
        }
        out.push_str("# HELP portal_upstream_requests_total Console Connect calls, by operation and outcome.\n");
        out.push_str("# TYPE portal_upstream_requests_total counter\n");
        for ((operation, outcome), n) in &r.upstream_calls {
            let _ = writeln!(
                out,
                "portal_upstream_requests_total{{operation=\"{operation}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP portal_upstream_request_duration_seconds Time a Console Connect call took, retries included.\n");
        out.push_str("# TYPE portal_upstream_request_duration_seconds histogram\n");
        for (operation, h) in &r.upstream_durations {
            let labels = format!("operation=\"{operation}\"");
            h.write(
                &mut out,
                "portal_upstream_request_duration_seconds",
                &labels,
            );
        }
        drop(r);
        out.push_str("# HELP portal_audit_write_failures_total Audit rows that could not be written: an intent (the change was refused) or an outcome (the change was made, its result not recorded).\n");
        out.push_str("# TYPE portal_audit_write_failures_total counter\n");
        let _ = writeln!(
            out,
            "portal_audit_write_failures_total{{phase=\"intent\"}} {}",
            self.audit_intent_failures.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "portal_audit_write_failures_total{{phase=\"outcome\"}} {}",
            self.audit_outcome_failures.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP portal_start_time_seconds When the portal started, in Unix seconds.\n",
        );
        out.push_str("# TYPE portal_start_time_seconds gauge\n");
        let _ = writeln!(out, "portal_start_time_seconds {}", self.started_unix);
        out
    }
}

/// Marks a response with the route template that answered it, for [`track`] further out
/// (which runs before routing and so cannot see it on the request).
pub async fn mark_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Counts and times every request. Paths no route matched are one series each for the API
/// and for the browser app, so an unknown path never becomes a label.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let route = match response.extensions().get::<MatchedPath>() {
        Some(route) => route.as_str(),
        None if api => "/api (no route)",
        None => "browser app",
    };
    state.metrics.observe_request(
        &method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The metrics listener's router: `GET /metrics`.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    metrics.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// A Console Connect client whose every call is counted and timed.
pub struct Metered {
    inner: Arc<dyn ConsoleConnect>,
    metrics: Arc<Metrics>,
}

impl Metered {
    pub fn new(inner: Arc<dyn ConsoleConnect>, metrics: Arc<Metrics>) -> Self {
        Metered { inner, metrics }
    }

    async fn timed<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let started = Instant::now();
        let result = call.await;
        self.metrics.observe_upstream(
            operation,
            upstream_outcome(&result),
            started.elapsed().as_secs_f64(),
        );
        result
    }
}

#[async_trait]
impl ConsoleConnect for Metered {
    async fn who_am_i(&self, key: &ApiKey) -> Result<User> {
        self.timed("who_am_i", self.inner.who_am_i(key)).await
    }

    async fn list_ports(&self, key: &ApiKey, company: &CompanyUsername) -> Result<Vec<Port>> {
        self.timed("list_ports", self.inner.list_ports(key, company))
            .await
    }

    async fn list_connections(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
    ) -> Result<Vec<Connection>> {
        self.timed(
            "list_connections",
            self.inner.list_connections(key, company),
        )
        .await
    }

    async fn get_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection> {
        self.timed(
            "get_connection",
            self.inner.get_connection(key, company, id),
        )
        .await
    }

    async fn delete_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection> {
        self.timed(
            "delete_connection",
            self.inner.delete_connection(key, company, id),
        )
        .await
    }

    async fn verify_service_key(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        service_key: &str,
    ) -> Result<ServiceKeyInfo> {
        self.timed(
            "verify_service_key",
            self.inner.verify_service_key(key, company, service_key),
        )
        .await
    }

    async fn create_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        body: &CreateConnectionBody,
    ) -> Result<Connection> {
        self.timed(
            "create_connection",
            self.inner.create_connection(key, company, body),
        )
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
        self.timed(
            "update_peering",
            self.inner.update_peering(key, company, id, peering, config),
        )
        .await
    }

    async fn read_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<Option<Peering>> {
        self.timed(
            "read_peering",
            self.inner.read_peering(key, company, id, peering),
        )
        .await
    }

    async fn delete_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<()> {
        self.timed(
            "delete_peering",
            self.inner.delete_peering(key, company, id, peering),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_each_observation_in_every_bucket_that_holds_it() {
        let mut h = Histogram::default();
        for s in [0.001, 0.02, 0.02, 3.0, 60.0] {
            h.observe(s);
        }
        let mut out = String::new();
        h.write(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.025\"} 3\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"2.5\"} 3\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"5\"} 4\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"10\"} 4\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 5\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 5\n"), "{out}");
        assert!(out.contains("x_sum{a=\"b\"} 63.041"), "{out}");
    }

    #[test]
    fn every_error_has_its_outcome_label() {
        let cases: [(Result<()>, &str); 9] = [
            (Ok(()), "ok"),
            (
                Err(Error::Status {
                    status: 429,
                    body: String::new(),
                    retry_after: Some(std::time::Duration::from_secs(30)),
                }),
                "rate_limited",
            ),
            (
                Err(Error::Status {
                    status: 404,
                    body: String::new(),
                    retry_after: None,
                }),
                "status_4xx",
            ),
            (
                Err(Error::Status {
                    status: 503,
                    body: String::new(),
                    retry_after: None,
                }),
                "status_5xx",
            ),
            (
                Err(Error::Decode {
                    status: 200,
                    detail: String::new(),
                }),
                "unreadable",
            ),
            (Err(Error::TooLarge { limit: 1 }), "too_large"),
            (Err(Error::Timeout), "timeout"),
            (Err(Error::Connect("refused".into())), "connect_failed"),
            (Err(Error::Transport("reset".into())), "transport_failed"),
        ];
        for (result, label) in cases {
            assert_eq!(upstream_outcome(&result), label);
        }
    }

    #[test]
    fn requests_are_kept_per_route_method_and_status_and_odd_methods_share_a_series() {
        let m = Metrics::default();
        m.observe_request(&Method::GET, "/api/ports", 200, 0.002);
        m.observe_request(&Method::GET, "/api/ports", 200, 0.003);
        m.observe_request(&Method::GET, "/api/ports", 502, 0.2);
        let odd = Method::from_bytes(b"PROPFIND").unwrap();
        m.observe_request(&odd, "/api/ports", 405, 0.001);
        let out = m.render();
        for line in [
            "portal_http_requests_total{method=\"GET\",route=\"/api/ports\",status=\"200\"} 2\n",
            "portal_http_requests_total{method=\"GET\",route=\"/api/ports\",status=\"502\"} 1\n",
            "portal_http_requests_total{method=\"other\",route=\"/api/ports\",status=\"405\"} 1\n",
            "portal_http_request_duration_seconds_count{method=\"GET\",route=\"/api/ports\"} 3\n",
        ] {
            assert!(out.contains(line), "{line} in {out}");
        }
        assert!(!out.contains("PROPFIND"));
    }

    #[test]
    fn label_values_are_quoted() {
        assert_eq!(quoted("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
