//! Canary secrets — an API key, an Azure service key, a BGP shared key, and a wrong API key —
//! driven through every feature, happy and failing paths alike, must appear in no response
//! body, no log line, and no byte of the data directory. This file is its own test process
//! because it installs the process-wide tracing subscriber that captures the logs.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use simulator::{Fault, Route};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

const CANARY_SHARED_KEY: &str = "CanarySharedKey77";
const CANARY_WRONG_API_KEY: &str = "CanaryWrongApiKey99";

/// Log output, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Everything logged in this process at any level, from the portal and every library.
fn capture_logs() -> Captured {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(captured.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this test process");
    captured
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn canary_secrets_appear_in_no_response_log_or_file() {
    let logs = capture_logs();
    let app = spawn_app_with(Options {
        upstream_timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    })
    .await;
    // The simulator accepts only its demo keys, so a demo key is the API key canary.
    let api_key = ada();
    let azure_key = service_key(LONDON_1G);
    let canaries = [api_key, azure_key, CANARY_SHARED_KEY, CANARY_WRONG_API_KEY];

    let stranger = app.client();
    assert_eq!(
        stranger.sign_in(CANARY_WRONG_API_KEY).await.status,
        StatusCode::UNAUTHORIZED
    );
    let ada = app.sign_in_to(api_key, "acme").await;
    assert_eq!(ada.get("/api/session").await.status, StatusCode::OK);
    assert_eq!(ada.get("/api/ports?speed=500").await.status, StatusCode::OK);

    let verify = |key: String| {
        let ada = &ada;
        async move {
            ada.post("/api/service-keys/verify", &json!({ "serviceKey": key }))
                .await
        }
    };
    assert_eq!(verify(azure_key.to_owned()).await.status, StatusCode::OK);
    assert_eq!(
        verify(format!("{azure_key}0")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let id = ada
        .create_connection("Azure London Canary", azure_key, 500)
        .await;
    let used = verify(azure_key.to_owned()).await;
    assert_eq!(
        used.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        used.text
    );
    app.advance(60);
    assert_eq!(
        ada.get(&format!("/api/connections/{id}")).await.json["status"],
        "ACTIVE"
    );
    ada.connections().await;

    let path = peering_path(&id, "PRIVATE");
    let mut change = private_peering(200);
    change["config"]["sharedKey"] = json!(CANARY_SHARED_KEY);
    let preview = ada.post(&format!("{path}/preview"), &change).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let mut invalid = change.clone();
    invalid["config"]["sharedKey"] = json!(format!("{CANARY_SHARED_KEY}!"));
    assert_eq!(
        ada.post(&path, &invalid).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut mistyped = change.clone();
    mistyped["config"]["peerASN"] = json!(CANARY_SHARED_KEY);
    assert_eq!(ada.post(&path, &mistyped).await.status.as_u16() / 100, 4);
    for fault in [
        Fault {
            status: Some(503),
            ..Fault::default()
        },
        Fault {
            hang: true,
            ..Fault::default()
        },
    ] {
        app.sim.set_fault(Route::UpdatePeering, fault);
        let failed = ada.post(&path, &change).await;
        assert!(failed.status.is_server_error(), "{}", failed.text);
        app.sim.clear_faults();
    }
    // Console Connect refusing the change in words that quote the API key it was sent and the
    // shared key: the refusal is passed on, without either.
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            status: Some(400),
            echo_request: true,
            ..Fault::default()
        },
    );
    let quoted = ada.post(&path, &change).await;
    assert_eq!(
        quoted.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        quoted.text
    );
    assert!(
        quoted
            .message()
            .starts_with("refused the request with Bearer ********: {"),
        "{}",
        quoted.text
    );
    assert!(quoted.message().contains("********"), "{}", quoted.text);
    app.sim.clear_faults();
    let updated = ada.post(&path, &change).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    app.advance(10);
    assert_eq!(ada.get(&path).await.json["sharedKeySet"], true);
    for vendor in ["ios-xe", "junos"] {
        let routers = ada
            .get(&format!("{path}/router-config?vendor={vendor}"))
            .await;
        assert_eq!(routers.status, StatusCode::OK, "{}", routers.text);
    }
    let mut kept = private_peering(201);
    kept["keepSharedKey"] = json!(true);
    assert_eq!(ada.post(&path, &kept).await.status, StatusCode::OK);
    app.sim.set_fault(
        Route::ReadPeering,
        Fault {
            malformed_body: true,
            ..Fault::default()
        },
    );
    assert_eq!(ada.get(&path).await.status, StatusCode::BAD_GATEWAY);
    app.sim.clear_faults();

    for event in ada.audit("").await {
        ada.get(&format!("/api/audit/{}", event["id"])).await;
    }
    assert_eq!(
        ada.get("/api/audit/export.csv").await.status,
        StatusCode::OK
    );
    assert_eq!(
        ada.get("/api/audit/export.json").await.status,
        StatusCode::OK
    );
    assert_eq!(ada.get("/api/audit/verify").await.json["ok"], true);

    let deleted = ada
        .delete(
            &path,
            Some(&json!({"reason": "Done", "confirmName": "Azure London Canary"})),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = ada
        .delete(
            &format!("/api/connections/{id}"),
            Some(&json!({"reason": "Done", "confirmName": "Azure London Canary"})),
        )
        .await;
    assert_eq!(gone.status, StatusCode::ACCEPTED, "{}", gone.text);
    assert_eq!(
        ada.delete("/api/session", None).await.status,
        StatusCode::NO_CONTENT
    );

    let transcript = app.transcript();
    assert!(
        transcript.len() > 30,
        "the flow ran: {} replies",
        transcript.len()
    );
    for body in &transcript {
        for canary in canaries {
            assert!(!body.contains(canary), "{canary} in a response: {body}");
        }
    }
    let log = logs.text();
    let last_id = gone.header("x-request-id").unwrap();
    assert!(log.contains(last_id), "the capture holds the portal's logs");
    for canary in canaries {
        if let Some(at) = log.find(canary) {
            let line_start = log[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = log[at..].find('\n').map_or(log.len(), |i| at + i);
            panic!("{canary} in the logs: {}", &log[line_start..line_end]);
        }
    }
    let files = files(app.data_dir());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["portal.db", "sessions.db"] {
        assert!(names.iter().any(|n| n.ends_with(expected)), "{names:?}");
    }
    for (name, bytes) in &files {
        for canary in canaries {
            assert!(!contains(bytes, canary), "{canary} in {name}");
        }
    }
}
