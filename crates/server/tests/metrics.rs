//! The metrics listener: requests by route template and status, Console Connect calls by
//! operation and outcome, with durations, and nothing a user sent (keys, ids, paths) as a label.

mod common;

use common::*;
use reqwest::StatusCode;
use simulator::{Fault, Route};

/// The value of the series written exactly as `series` (name and labels), if present.
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
}

#[tokio::test]
async fn requests_and_upstream_calls_are_counted_by_route_and_outcome() {
    let app = spawn_app().await;
    let before = app.metrics().await;
    assert_eq!(
        value(
            &before,
            "portal_audit_write_failures_total{phase=\"intent\"}"
        ),
        Some(0.0)
    );
    assert!(!before.contains("portal_http_requests_total{"), "{before}");

    let engineer = app.sign_in_to(ada(), "acme").await;
    let production = engineer.connection_id(PRODUCTION).await;
    let path = peering_path(&production, "PRIVATE");
    for _ in 0..3 {
        assert_eq!(engineer.get(&path).await.status, StatusCode::OK);
    }
    assert_eq!(
        engineer.get("/api/no-such-thing").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        engineer
            .get(&format!("/connections/{production}/peering/PRIVATE"))
            .await
            .status,
        StatusCode::OK
    );
    app.sim.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(503),
            ..Fault::default()
        },
    );
    assert!(engineer.get("/api/ports").await.status.is_server_error());
    app.sim.clear_faults();

    let metrics = app.metrics().await;
    let series = |s: &str| value(&metrics, s);
    let peering = "method=\"GET\",route=\"/api/connections/{id}/peering/{peering_type}\"";
    assert_eq!(
        series(&format!(
            "portal_http_requests_total{{{peering},status=\"200\"}}"
        )),
        Some(3.0),
        "{metrics}"
    );
    assert_eq!(
        series(&format!(
            "portal_http_request_duration_seconds_count{{{peering}}}"
        )),
        Some(3.0)
    );
    assert_eq!(
        series(&format!(
            "portal_http_request_duration_seconds_bucket{{{peering},le=\"+Inf\"}}"
        )),
        Some(3.0)
    );
    assert_eq!(
        series("portal_http_requests_total{method=\"POST\",route=\"/api/session\",status=\"200\"}"),
        Some(1.0)
    );
    assert_eq!(
        series(
            "portal_http_requests_total{method=\"GET\",route=\"/api (no route)\",status=\"404\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series("portal_http_requests_total{method=\"GET\",route=\"browser app\",status=\"200\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("portal_upstream_requests_total{operation=\"who_am_i\",outcome=\"ok\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("portal_upstream_requests_total{operation=\"read_peering\",outcome=\"ok\"}"),
        Some(3.0)
    );
    // One failed call, however many times the client tried it.
    assert_eq!(
        series("portal_upstream_requests_total{operation=\"list_ports\",outcome=\"status_5xx\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("portal_upstream_request_duration_seconds_count{operation=\"read_peering\"}"),
        Some(3.0)
    );
    // Buckets never decrease.
    let buckets: Vec<f64> = metrics
        .lines()
        .filter(|l| {
            l.starts_with(&format!(
                "portal_http_request_duration_seconds_bucket{{{peering},"
            ))
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 12);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");

    // Nothing the user sent is a label: no key, no id, no path.
    for secret in [ada(), production.as_str(), "no-such-thing"] {
        assert!(!metrics.contains(secret), "{secret} in {metrics}");
    }
}

#[tokio::test]
async fn the_metrics_are_not_on_the_portal_listener() {
    let app = spawn_app().await;
    let reply = app.client().get("/metrics").await;
    // The browser app's fallback (here: the page saying it is not built), never the metrics.
    assert!(
        !reply.text.contains("portal_http_requests_total"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn refusals_on_a_route_are_counted_under_its_template() {
    let app = spawn_app().await;
    let refused = app
        .client()
        .post(
            "/api/session",
            &serde_json::json!({"apiKey": "sandbox-nobody-0123456789abcdef"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    let engineer = app.sign_in_to(ada(), "acme").await;
    assert_eq!(
        engineer.get("/api/audit?bogus=1").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        engineer
            .get("/api/connections/0123456789abcdef01234567")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        engineer.get("/api/no-such-thing").await.status,
        StatusCode::NOT_FOUND
    );

    let metrics = app.metrics().await;
    for (series, count) in [
        ("method=\"POST\",route=\"/api/session\",status=\"401\"", 1.0),
        ("method=\"POST\",route=\"/api/session\",status=\"200\"", 1.0),
        ("method=\"GET\",route=\"/api/audit\",status=\"400\"", 1.0),
        (
            "method=\"GET\",route=\"/api/connections/{id}\",status=\"404\"",
            1.0,
        ),
        (
            "method=\"GET\",route=\"/api (no route)\",status=\"404\"",
            1.0,
        ),
    ] {
        assert_eq!(
            value(&metrics, &format!("portal_http_requests_total{{{series}}}")),
            Some(count),
            "{series} in {metrics}"
        );
    }
}
