//! Odd request paths, sent byte for byte over a raw socket (an HTTP client would normalize
//! `..` and `%2e%2e` away): every one gets an answer, and never a server error.

use crate::harness::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `GET path` exactly as given and returns the status code of the answer.
async fn raw_get(addr: SocketAddr, path: &str) -> Option<u16> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            ada()
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.ok()?;
        let status_line = String::from_utf8_lossy(&answer).lines().next()?.to_owned();
        status_line.split(' ').nth(1)?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .ok()
        .flatten()
}

const PREFIXES: &[&str] = &[
    "/api/company/acme/connections/",
    "/api/v2/company/acme/connections/",
    "/api/company/acme/connections/directConnectPartner/AZURE/layer2/",
    "/api/company/",
    "/api/",
    "/",
];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_owned()),
        Just("%2e%2e".to_owned()),
        Just("%2E%2e%2f".to_owned()),
        Just("%00".to_owned()),
        Just("%ff%fe".to_owned()),
        Just("%".to_owned()),
        Just("peering".to_owned()),
        Just("PRIVATE".to_owned()),
        "[0-9a-f]{24}",
        "[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,40}",
        "[a-z]{1000,5000}",
    ]
}

fn odd_path() -> impl Strategy<Value = String> {
    (
        prop::sample::select(PREFIXES),
        prop::collection::vec(segment(), 0..8),
    )
        .prop_map(|(prefix, segments)| format!("{prefix}{}", segments.join("/")))
}

#[test]
fn odd_paths_never_crash_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s = runtime.block_on(sandbox());
    let addr: SocketAddr = s.base_url.trim_start_matches("http://").parse().unwrap();
    let fixed = [
        "/api/company/acme/connections/..".to_owned(),
        "/api/company/%2e%2e/ports".to_owned(),
        "/api/company/acme/connections/%2e%2e%2f%2e%2e".to_owned(),
        "/api/company/acme/connections/directConnectPartner/AZURE/layer2/../../../../auth/token"
            .to_owned(),
        format!("/api/company/acme/connections/{}", "a".repeat(60_000)),
        "/api/company/acme/connections/%ff".to_owned(),
        "/__sim/%2e%2e".to_owned(),
    ];
    for path in &fixed {
        let status = runtime.block_on(raw_get(addr, path));
        assert!(status.is_some_and(|code| code < 500), "{path}: {status:?}");
    }
    let mut runner = TestRunner::new(Config {
        cases: 128,
        ..Config::default()
    });
    runner
        .run(&odd_path(), |path| {
            let status = runtime.block_on(raw_get(addr, &path));
            prop_assert!(
                status.is_some_and(|code| code < 500),
                "{}: {:?}",
                path,
                status
            );
            Ok(())
        })
        .unwrap();
    let still_up = runtime.block_on(s.get(ada(), "/api/auth/token"));
    assert_eq!(still_up.status, 200);
}
