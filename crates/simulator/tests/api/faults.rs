//! Faults, set through the library and through `/__sim/faults`: their effect, not their timing.

use crate::harness::*;
use serde_json::{Value, json};
use simulator::{Fault, Route};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_status_fault_answers_an_html_page_and_leaves_the_state_unchanged() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::CreateConnection,
        Fault {
            status: Some(502),
            ..Fault::default()
        },
    );
    let reply = s
        .create_london("Azure Staging", service_key(LONDON_1G), 500)
        .await;
    assert_eq!(reply.status, 502);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{}",
        reply.content_type
    );
    assert!(reply.text.contains("502 Bad Gateway"), "{}", reply.text);
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    s.sim.clear_faults();
    assert_eq!(
        s.connection_count("acme").await,
        5,
        "the handler did not run"
    );
    let verify = s
        .post(
            ada(),
            &azure("acme", "/serviceKey"),
            json!({"serviceKey": service_key(LONDON_1G)}),
        )
        .await;
    assert_eq!(verify.status, 200, "the key was not used");
}

#[tokio::test]
async fn a_malformed_body_fault_sends_truncated_json_with_the_real_status() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::WhoAmI,
        Fault {
            malformed_body: true,
            ..Fault::default()
        },
    );
    let reply = s.get(ada(), "/api/auth/token").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert!(
        serde_json::from_str::<Value>(&reply.text).is_err(),
        "{}",
        reply.text
    );
    let refused = s
        .get("sandbox-nobody-0000000000000000", "/api/auth/token")
        .await;
    assert_eq!(refused.status, 401, "error answers keep their body");
    assert_eq!(refused.json["error"], "unauthorized");
}

#[tokio::test]
async fn a_hang_fault_does_not_answer_before_the_client_times_out() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::ListPorts,
        Fault {
            hang: true,
            ..Fault::default()
        },
    );
    let result = s
        .http
        .get(format!("{}/api/company/acme/ports", s.base_url))
        .bearer_auth(ada())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert_eq!(
        s.get(ada(), "/api/auth/token").await.status,
        200,
        "other routes still answer"
    );
}

#[tokio::test]
async fn a_latency_fault_delays_but_still_answers() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::WhoAmI,
        Fault {
            latency_ms: 50,
            ..Fault::default()
        },
    );
    let started = Instant::now();
    let reply = s.get(ada(), "/api/auth/token").await;
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["name"], "Ada Lovelace");
}

#[tokio::test]
async fn a_fault_with_times_expires_after_that_many_requests() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::WhoAmI,
        Fault {
            status: Some(503),
            times: Some(2),
            ..Fault::default()
        },
    );
    assert_eq!(
        s.get(ada(), "/api/company/acme/ports").await.status,
        200,
        "other routes do not count"
    );
    assert_eq!(s.get(ada(), "/api/auth/token").await.status, 503);
    assert_eq!(s.get(ada(), "/api/auth/token").await.status, 503);
    assert_eq!(s.get(ada(), "/api/auth/token").await.status, 200);
}

#[tokio::test]
async fn an_any_fault_applies_everywhere_and_a_route_fault_wins() {
    let s = sandbox().await;
    s.sim.set_fault(
        Route::Any,
        Fault {
            status: Some(500),
            ..Fault::default()
        },
    );
    s.sim.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(429),
            ..Fault::default()
        },
    );
    assert_eq!(s.get(ada(), "/api/auth/token").await.status, 500);
    assert_eq!(
        s.get(ada(), "/api/company/acme/connections").await.status,
        500
    );
    assert_eq!(s.get(ada(), "/api/company/acme/ports").await.status, 429);
    assert_eq!(
        s.sim.requests().len(),
        3,
        "faulted requests are still recorded"
    );
    let admin = s
        .http
        .get(format!("{}/__sim/demo", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200, "control routes are never faulted");
    s.sim.clear_faults();
    assert_eq!(s.get(ada(), "/api/auth/token").await.status, 200);
}

#[tokio::test]
async fn faults_are_set_and_cleared_over_http() {
    let s = sandbox().await;
    let set = s
        .http
        .put(format!("{}/__sim/faults/create_connection", s.base_url))
        .json(&json!({"status": 504, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let listed = || async {
        s.http
            .get(format!("{}/__sim/faults", s.base_url))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    let set = listed().await;
    assert_eq!(set[0]["route"], "create_connection", "{set}");
    assert_eq!(set[0]["fault"]["status"], 504, "{set}");
    assert_eq!(set[0]["fault"]["times"], 1, "{set}");
    let first = s
        .create_london("Azure Staging", service_key(LONDON_1G), 500)
        .await;
    assert_eq!(first.status, 504);
    assert_eq!(listed().await, json!([]), "used up");
    let second = s
        .create_london("Azure Staging", service_key(LONDON_1G), 500)
        .await;
    assert_eq!(second.status, 200, "{}", second.text);

    let any = s
        .http
        .put(format!("{}/__sim/faults/any", s.base_url))
        .json(&json!({"malformedBody": true}));
    assert_eq!(any.send().await.unwrap().status(), 200);
    assert!(s.get(ada(), "/api/auth/token").await.json.is_null());
    let cleared = s
        .http
        .delete(format!("{}/__sim/faults", s.base_url))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    assert_eq!(
        s.get(ada(), "/api/auth/token").await.json["name"],
        "Ada Lovelace"
    );
}

#[tokio::test]
async fn bad_fault_requests_are_refused() {
    let s = sandbox().await;
    let cases = [
        ("no_such_route", json!({"status": 502})),
        ("who_am_i", json!({"status": 99})),
        ("who_am_i", json!({"statuss": 502})),
        ("who_am_i", json!({"latencyMs": "slow"})),
    ];
    for (route, body) in cases {
        let reply = s
            .http
            .put(format!("{}/__sim/faults/{route}", s.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let reply = into_reply(reply).await;
        assert_eq!(reply.status, 400, "{route} {body}: {}", reply.text);
        assert_eq!(reply.json["error"], "bad_request");
    }
    assert_eq!(
        s.get(ada(), "/api/auth/token").await.status,
        200,
        "no fault was set"
    );
}

#[tokio::test]
async fn the_clock_advances_over_http() {
    let s = sandbox().await;
    let created = s
        .create_london("Azure Staging", service_key(LONDON_1G), 500)
        .await;
    let id = created.json["id"].as_str().unwrap();
    let advanced = s
        .http
        .post(format!("{}/__sim/advance", s.base_url))
        .json(&json!({"ms": 8000}))
        .send()
        .await
        .unwrap();
    let advanced = into_reply(advanced).await;
    assert_eq!(
        advanced.json,
        json!({"advancedMs": 8000, "manualClock": true})
    );
    assert_eq!(s.connection("acme", id).await.json["status"], "ACTIVE");
}

#[tokio::test]
async fn the_demo_keys_are_published() {
    let s = sandbox().await;
    let demo = s
        .http
        .get(format!("{}/__sim/demo", s.base_url))
        .send()
        .await
        .unwrap();
    let demo = into_reply(demo).await;
    let api_keys = demo.json["apiKeys"].as_array().unwrap();
    assert_eq!(api_keys.len(), 3);
    assert!(
        api_keys
            .iter()
            .any(|k| k["key"] == ada()
                && k["description"].as_str().unwrap().contains("Network Admin"))
    );
    assert_eq!(demo.json["serviceKeys"].as_array().unwrap().len(), 5);
}
