//! The `portal` command line: options that do not fit together are refused before anything
//! starts, `--help` documents every option, and `--metrics-listen` serves the metrics apart.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn portal(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(args)
        .output()
        .expect("the portal binary runs")
}

#[test]
fn an_upstream_timeout_not_below_the_request_timeout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = portal(&[
        "--data-dir",
        data,
        "--upstream-timeout-secs",
        "60",
        "--request-timeout-secs",
        "60",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("must be below --request-timeout-secs"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("portal.db").exists(),
        "nothing was started"
    );
}

#[test]
fn help_documents_every_serve_option() {
    let out = portal(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--listen",
        "--upstream-url",
        "--data-dir",
        "--database-url",
        "--session-database-url",
        "--static-dir",
        "--secret-key",
        "--public-url",
        "--session-idle-minutes",
        "--session-lifetime-hours",
        "--request-timeout-secs",
        "--upstream-timeout-secs",
        "--busy-timeout-ms",
        "--sandbox-speed",
        "--metrics-listen",
        "PORTAL_METRICS_LISTEN",
        "CONSOLE_CONNECT_URL",
        "DATABASE_URL",
    ] {
        assert!(help.contains(option), "{option} is not in --help");
    }
}

#[test]
fn help_does_not_show_database_passwords_or_the_server_key_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["serve", "--help"])
        .env(
            "DATABASE_URL",
            "postgres://portal:canary-db-password@db/portal",
        )
        .env(
            "PORTAL_SESSION_DATABASE_URL",
            "postgres://sessions:canary-session-password@db/portal",
        )
        .env("PORTAL_SECRET_KEY", "canary-secret-key")
        .output()
        .expect("the portal binary runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("PORTAL_SESSION_DATABASE_URL"), "{help}");
    assert!(!help.contains("canary"), "{help}");
}

/// Kills the portal when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        .args(["--sandbox-speed", "instant", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the portal starts");
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut metrics_url, mut portal_url) = (None, None);
    while metrics_url.is_none() || portal_url.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the portal announces both addresses");
        if let Some(rest) = line.strip_prefix("Metrics on ") {
            metrics_url = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("ExpressRoute portal on ") {
            portal_url = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    let (metrics_url, portal_url) = (metrics_url.unwrap(), portal_url.unwrap());
    assert_ne!(metrics_url, format!("{portal_url}/metrics"));

    let health = reqwest::get(format!("{portal_url}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(&metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "portal_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1\n"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("portal_start_time_seconds "), "{metrics}");
}
