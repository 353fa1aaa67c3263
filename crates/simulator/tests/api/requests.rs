//! The request log: method, raw path, route and whether the key was known, never a secret.

use crate::harness::*;
use serde_json::json;
use simulator::{RecordedRequest, Route};

#[tokio::test]
async fn the_request_log_records_method_path_and_route_but_never_a_secret() {
    let s = sandbox().await;
    s.get(ada(), "/api/company/acme/ports?deleted=false").await;
    s.post(
        ada(),
        &azure("acme", "/serviceKey"),
        json!({"serviceKey": service_key(LONDON_1G)}),
    )
    .await;
    s.get("sandbox-nobody-0000000000000000", "/api/auth/token")
        .await;
    s.get(ada(), "/api/company/ac%6De/ports").await;
    s.get(ada(), "/api/nothing/here").await;
    s.http
        .get(format!("{}/__sim/demo", s.base_url))
        .send()
        .await
        .unwrap();

    let log = s.sim.requests();
    let verify_path = azure("acme", "/serviceKey");
    let expected = [
        (
            "GET",
            "/api/company/acme/ports",
            Some("deleted=false"),
            Some(Route::ListPorts),
            true,
        ),
        (
            "POST",
            verify_path.as_str(),
            None,
            Some(Route::VerifyServiceKey),
            true,
        ),
        ("GET", "/api/auth/token", None, Some(Route::WhoAmI), false),
        (
            "GET",
            "/api/company/ac%6De/ports",
            None,
            Some(Route::ListPorts),
            true,
        ),
        ("GET", "/api/nothing/here", None, None, true),
    ];
    assert_eq!(log.len(), expected.len(), "{log:?}");
    for (recorded, (method, path, query, route, authorized)) in log.iter().zip(expected) {
        let wanted = RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            route,
            authorized,
        };
        assert_eq!(recorded, &wanted);
    }

    let over_http = s
        .http
        .get(format!("{}/__sim/requests", s.base_url))
        .send()
        .await
        .unwrap();
    let over_http = into_reply(over_http).await;
    assert_eq!(over_http.json[0]["route"], "list_ports");
    assert_eq!(over_http.json[1]["method"], "POST");
    for secret in [ada(), service_key(LONDON_1G), "sandbox-nobody", "Bearer"] {
        assert!(
            !over_http.text.contains(secret),
            "{secret} leaked: {}",
            over_http.text
        );
    }
}

#[tokio::test]
async fn the_request_log_can_be_cleared() {
    let s = sandbox().await;
    s.get(ada(), "/api/auth/token").await;
    assert_eq!(s.sim.requests().len(), 1);
    s.sim.clear_requests();
    assert!(s.sim.requests().is_empty());
    s.get(ada(), "/api/auth/token").await;
    let cleared = s
        .http
        .delete(format!("{}/__sim/requests", s.base_url))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    assert!(s.sim.requests().is_empty());
}
