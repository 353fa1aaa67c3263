//! chromedriver on a free loopback port, ready once it answers `/status`, killed on drop; and
//! the one WebDriver call made without async, so a dropped test still closes its Chromium.

use crate::artefacts::Artefacts;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts chromedriver and waits until it says it is ready; `log` receives its output.
    pub async fn start(artefacts: &Artefacts, log: &Path) -> Chromedriver {
        let port = free_port();
        let output =
            File::create(log).unwrap_or_else(|e| panic!("could not create {}: {e}", log.display()));
        let child = Command::new(&artefacts.chromedriver)
            .arg(format!("--port={port}"))
            // The browsers it starts run in a zone off UTC by a whole number of hours and a half,
            // so a page that mixed the browser's time with the UTC it shows would be seen.
            .env("TZ", "Asia/Kolkata")
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("a second handle on the log"))
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("could not start {}: {e}", artefacts.chromedriver.display())
            });
        let driver = Chromedriver { child, port };
        driver.wait_ready(log).await;
        driver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self, log: &Path) {
        let http = reqwest::Client::new();
        let status = format!("{}/status", self.url());
        let started = Instant::now();
        loop {
            let ready = match http.get(&status).send().await {
                Ok(response) => response
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|body| body["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return;
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "chromedriver did not answer {status} within {READY_TIMEOUT:?}; see {}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Deletes a session, which makes chromedriver quit its Chromium. Blocking on purpose: it
    /// runs from `Drop`, also while a failed test unwinds, when nothing async can run.
    pub fn end_session(&self, session_id: &str) {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (the kernel's choice, released for chromedriver).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
