//! The `portal` command line: options that do not fit together are refused before anything
//! starts, `--help` documents every option, `--metrics-listen` serves the metrics apart, and
//! the README's walkthrough of the API with `curl` runs against the portal as written.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
fn a_refused_option_says_what_is_wrong_without_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str); 10] = [
        (
            &["--database-url", "mysql://portal:canary-password@db/portal"],
            "SQLite or PostgreSQL",
        ),
        (
            &["--session-database-url", "canary-password"],
            "SQLite or PostgreSQL",
        ),
        (&["--secret-key", "canary-key"], "the server key must be"),
        (
            &["--upstream-url", "ftp://canary-token@files.example"],
            "absolute http(s) URL",
        ),
        (
            &[
                "--upstream-url",
                "https://canary-user:canary-password@cc.example",
            ],
            "without a user name or password",
        ),
        (
            &["--upstream-url", "https://cc.example/?token=canary-token"],
            "without a query",
        ),
        (
            &["audit", "verify", "--database-url", "canary-password.db"],
            "SQLite or PostgreSQL",
        ),
        (&["--session-idle-minutes", "0"], "from 1 to 1440"),
        (&["--listen", "localhost:8080"], "e.g. 127.0.0.1:8080"),
        (
            &["ready", "--listen", "8080"],
            "a host name such as localhost",
        ),
    ];
    for (args, says) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_portal"))
            .args(args)
            .args(
                ["--data-dir", data]
                    .iter()
                    .filter(|_| !["audit", "ready"].contains(&args[0])),
            )
            .output()
            .expect("the portal binary runs");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            stderr.contains(args[args.len() - 2]),
            "names the option: {stderr}"
        );
        assert!(!stderr.contains("canary"), "{args:?}: {stderr}");
    }
    // The same from the environment.
    let out = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["--data-dir", data])
        .env("DATABASE_URL", "mysql://portal:canary-password@db/portal")
        .output()
        .expect("the portal binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SQLite or PostgreSQL"), "{stderr}");
    assert!(!stderr.contains("canary"), "{stderr}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing was started or written"
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
        "--trusted-proxy",
        "--sign-in-failures",
        "PORTAL_METRICS_LISTEN",
        "PORTAL_TRUSTED_PROXIES",
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

/// Starts the portal on a free port of the sandbox with `args` and data in `data`; its
/// standard output and its log arrive line by line on the receiver.
fn start(args: &[&str], data: &std::path::Path) -> (Running, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the portal starts");
    let (tx, rx) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let stderr = BufReader::new(child.stderr.take().unwrap());
    for lines in [
        Box::new(stdout) as Box<dyn BufRead + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (Running(child), rx)
}

/// The address in the portal's "ExpressRoute portal on …" line, if `line` is it.
fn portal_address(line: &str) -> Option<String> {
    line.strip_prefix("ExpressRoute portal on ")
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let (_running, rx) = start(
        &[
            "--metrics-listen",
            "127.0.0.1:0",
            "--sandbox-speed",
            "instant",
        ],
        dir.path(),
    );
    let (mut metrics_url, mut portal_url) = (None, None);
    while metrics_url.is_none() || portal_url.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the portal announces both addresses");
        if let Some(rest) = line.strip_prefix("Metrics on ") {
            metrics_url = Some(rest.trim().to_owned());
        } else if let Some(url) = portal_address(&line) {
            portal_url = Some(url);
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

/// Waits up to `within` for `child` (the portal, or a script) to end; kills it if it has not.
fn exit_within(mut child: std::process::Child, within: Duration) -> std::process::Output {
    let deadline = Instant::now() + within;
    while child
        .try_wait()
        .expect("the process can be waited for")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("the process's output")
}

#[test]
fn a_portal_that_cannot_listen_fails_before_creating_anything() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = portal(&["--listen", &addr, "--data-dir", data.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr} (--listen)")),
        "{stderr}"
    );
    assert!(!data.exists(), "no data directory, key or database created");
}

#[tokio::test]
async fn a_second_portal_on_the_same_database_is_refused_before_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_running, rx) = start(&["--sandbox-speed", "instant"], dir.path());
    let url = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok())
        .find_map(|line| portal_address(&line))
        .expect("the first portal announces its address");
    let signed_in = reqwest::Client::new()
        .post(format!("{url}/api/session"))
        .json(&serde_json::json!({"apiKey": common::grace()}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let data = dir.path().to_str().unwrap();
    let verify = || portal(&["audit", "verify", "--data-dir", data]);
    let before = verify();
    assert!(
        before.status.success(),
        "the offline check works while the portal serves: {}",
        String::from_utf8_lossy(&before.stderr)
    );

    let second = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["--listen", "127.0.0.1:0", "--data-dir", data])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the second portal starts");
    let out = exit_within(second, Duration::from_secs(30));
    assert!(!out.status.success(), "the second portal is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another portal is serving"), "{stderr}");
    assert!(stderr.contains("portal.db.lock"), "{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&verify().stdout),
        String::from_utf8_lossy(&before.stdout),
        "the history is as the first portal left it"
    );
}

/// The portal on a free loopback port, on the sandbox, with a request timeout of 2 s (and an
/// upstream timeout of 1 s) and its data in `dir`: the running process (its stderr piped) and
/// the URL it announced.
fn portal_with_short_timeouts(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["--listen", "127.0.0.1:0", "--sandbox-speed", "instant"])
        .args([
            "--request-timeout-secs",
            "2",
            "--upstream-timeout-secs",
            "1",
        ])
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the portal starts");
    let url = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|line| portal_address(&line))
        .expect("the portal announces its address");
    (child, url)
}

#[test]
fn sigterm_stops_the_portal_even_while_a_client_holds_half_a_request() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (child, url) = portal_with_short_timeouts(dir.path());
    let mut half = std::net::TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let started = Instant::now();
    // The request timeout, the five seconds' room, and time to spare on a busy machine.
    let out = exit_within(child, Duration::from_secs(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "stopped by itself, after {:?}: {}\n{stderr}",
        started.elapsed(),
        out.status
    );
    // The half request is not waited for past the grace: its connection is closed for a head
    // that did not come in time, or given up on as the grace ends.
    for logged in [
        &format!("INFO portal: listening on {url}"),
        "INFO server::serving: shutting down",
        "INFO portal: stopped",
    ] {
        assert!(stderr.contains(logged), "{logged:?} in {stderr}");
    }
    drop(half);
}

/// A connection that sends a request's head a byte at a time, or nothing at all, is closed
/// once the request timeout has passed, as a slow client holding connections would otherwise
/// use them all up; one that sends whole requests is answered on the same connection.
#[test]
fn a_connection_that_does_not_send_a_whole_head_in_time_is_closed() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = portal_with_short_timeouts(dir.path());
    let addr = url.trim_start_matches("http://").to_owned();
    // Closed by the portal: the read ends (or fails) before the client's own limit.
    let closed = |mut s: std::net::TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut rest = Vec::new();
        match s.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    };

    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    let silent = std::net::TcpStream::connect(&addr).unwrap();
    let mut whole = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    for _ in 0..2 {
        whole
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        while !answer.ends_with(br#"{"status":"ok"}"#) {
            let mut more = [0u8; 4096];
            let n = whole.read(&mut more).unwrap();
            assert!(n > 0, "{}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&more[..n]);
        }
        assert!(
            answer.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    let dripping = std::thread::spawn(move || {
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(700));
            if slow.write_all(b"X").is_err() {
                break;
            }
        }
        closed(slow)
    });
    assert!(closed(silent), "a connection that sends nothing is closed");
    assert!(
        dripping.join().unwrap(),
        "one that drips its head is closed"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The address the portal started by [`start`] announces, and a client signed in there as Ada
/// in Acme.
async fn ada_in_acme(rx: &mpsc::Receiver<String>) -> (String, reqwest::Client) {
    let url = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok())
        .find_map(|line| portal_address(&line))
        .expect("the portal announces its address");
    (url.clone(), signed_in_as_ada_in_acme(&url).await)
}

/// A client signed in as Ada in Acme at the portal at `url`.
async fn signed_in_as_ada_in_acme(url: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{url}/api/session"))
        .json(&serde_json::json!({"apiKey": common::ada()}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let chosen = client
        .put(format!("{url}/api/session/company"))
        .json(&serde_json::json!({"company": "acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 200);
    client
}

/// Stops the portal with SIGTERM; its log up to its last line (or what came in the time the
/// stop may take, and more).
async fn stopped(running: &Running, rx: mpsc::Receiver<String>) -> Vec<String> {
    let term = Command::new("kill")
        .args(["-TERM", &running.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    tokio::task::spawn_blocking(move || {
        let mut log = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(15)) {
            let last = line.contains("portal: stopped");
            log.push(line);
            if last {
                break;
            }
        }
        log
    })
    .await
    .unwrap()
}

/// A change whose request timed out (504) while its upstream call went on is let end before
/// the portal stops, and its outcome is recorded as not known, not closed as interrupted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_a_change_whose_request_timed_out_record_its_outcome() {
    use simulator::{Clock, Delays, Fault, ManualClock, Route, Simulator};
    let sim = Simulator::new(simulator::Config {
        delays: Delays::instant(),
        clock: Clock::Manual(ManualClock::new()),
    });
    let upstream = sim.clone().spawn_on_loopback().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The check's read of the connection takes half the request's time; the update never
    // answers, so its upstream call ends by the client's timeout, after the request's.
    let (running, rx) = start(
        &[
            "--upstream-url",
            &upstream.base_url,
            "--request-timeout-secs",
            "3",
            "--upstream-timeout-secs",
            "2",
        ],
        dir.path(),
    );
    let (url, client) = ada_in_acme(&rx).await;
    let connections: serde_json::Value = client
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = connections
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "Azure London Production"))
        .and_then(|c| c["id"].as_str())
        .expect("Acme's seeded connection")
        .to_owned();
    sim.set_fault(
        Route::GetConnection,
        Fault {
            latency_ms: 1_500,
            ..Fault::default()
        },
    );
    sim.set_fault(
        Route::UpdatePeering,
        Fault {
            hang: true,
            ..Fault::default()
        },
    );
    let timed_out = client
        .post(format!("{url}{}", common::peering_path(&id, "PRIVATE")))
        .json(&common::private_peering(210))
        .send()
        .await
        .unwrap();
    assert_eq!(timed_out.status(), 504);
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.route == Some(Route::UpdatePeering))
            .count(),
        1,
        "the update was sent, and is still waiting for its answer"
    );

    let log = stopped(&running, rx).await.join("\n");
    assert!(log.contains("portal: stopped"), "{log}");
    assert!(
        log.contains("waiting for the changes under way to record their outcome"),
        "{log}"
    );
    let outcomes = portal(&[
        "audit",
        "export",
        "--format",
        "json",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--action",
        "update_peering",
        "--phase",
        "outcome",
    ]);
    let outcomes: serde_json::Value = serde_json::from_slice(&outcomes.stdout).unwrap();
    let outcomes = outcomes.as_array().expect("a list of events");
    assert_eq!(outcomes.len(), 1, "{outcomes:#?}");
    assert_eq!(outcomes[0]["outcome"], "unknown", "{outcomes:#?}");
}

#[tokio::test]
async fn a_static_dir_without_the_browser_app_is_warned_of_and_the_api_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let static_dir = empty.path().to_str().unwrap();
    let (_running, rx) = start(
        &["--sandbox-speed", "instant", "--static-dir", static_dir],
        dir.path(),
    );
    // The log and the address come on two streams, in either order.
    let (mut warned, mut url) = (false, None);
    while !warned || url.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the portal warns and announces its address");
        warned |= line.contains("WARN")
            && line.contains(&format!(
                "--static-dir {static_dir}: there is no index.html"
            ));
        url = url.or_else(|| portal_address(&line));
    }
    let url = url.unwrap();
    let info = reqwest::get(format!("{url}/api/info")).await.unwrap();
    assert_eq!(info.status(), 200);
}

/// A portal that ran with a server key given as an option and is started again without it
/// makes a key of its own, and says that the history was written under another.
#[tokio::test]
async fn a_new_server_key_beside_an_existing_history_is_warned_of() {
    const WARNING: &str =
        "a new server key was generated although the audit history already holds changes";
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str]| {
        let data = dir.path().to_owned();
        async move {
            let (running, rx) = start(args, &data);
            let mut log = Vec::new();
            let url = loop {
                let line = rx
                    .recv_timeout(Duration::from_secs(30))
                    .expect("the portal announces its address");
                if let Some(url) = portal_address(&line) {
                    break url;
                }
                log.push(line);
            };
            // A history to find the next time: the sign-in's rows.
            signed_in_as_ada_in_acme(&url).await;
            log.extend(stopped(&running, rx).await);
            log.iter()
                .any(|line| line.contains("WARN") && line.contains(WARNING))
        }
    };
    let given = &[
        "--sandbox-speed",
        "instant",
        "--secret-key",
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    ];
    let none = &["--sandbox-speed", "instant"];
    assert!(!run(given).await, "a first start has no history yet");
    assert!(run(none).await, "the key given before is missing");
    assert!(
        !run(none).await,
        "the key generated then is in the data directory now"
    );
}

#[test]
fn a_data_dir_that_is_a_file_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes");
    std::fs::write(&file, "mine").unwrap();
    let out = portal(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("this is a file, not a folder"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn audit_verify_exits_2_when_it_cannot_check_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_database = dir.path().join("notes.db");
    std::fs::write(
        &not_a_database,
        "not a database, but long enough to be read as one\n".repeat(100),
    )
    .unwrap();
    let not_a_database = format!("sqlite://{}", not_a_database.display());
    let missing = dir.path().join("missing");
    for args in [
        vec!["--data-dir", missing.to_str().unwrap()],
        vec!["--database-url", &not_a_database],
        vec!["--expect-head", "latest"],
    ] {
        let out = portal(&[&["audit", "verify"], &args[..]].concat());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_database_that_cannot_be_opened_is_named_by_its_option_once_and_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let missing = format!("sqlite://{}/missing/x.db", dir.path().display());
    let a_folder = format!("sqlite://{}", folder.display());
    let cases: [(&str, &str, &str); 7] = [
        ("--database-url", &missing, "there is no folder"),
        ("--session-database-url", &missing, "there is no folder"),
        ("--database-url", &a_folder, "unable to open database file"),
        (
            "--session-database-url",
            &a_folder,
            "unable to open database file",
        ),
        (
            "--database-url",
            "postgres://portal:canary-password@127.0.0.1:1/portal",
            "postgres://portal:…@127.0.0.1:1/portal",
        ),
        // A password given as a parameter is hidden as well, and the cause of the failure is
        // said, not only that no connection came in time.
        (
            "--database-url",
            "postgres://127.0.0.1:1/portal?user=portal&password=canary-password",
            "postgres://127.0.0.1:1/portal?user=portal&password=…",
        ),
        (
            "--session-database-url",
            "postgres://127.0.0.1:1/portal?password=canary-password",
            "Connection refused",
        ),
    ];
    for (option, url, says) in cases {
        let out = portal(&[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
            "--busy-timeout-ms",
            "100",
            option,
            url,
        ]);
        assert!(!out.status.success(), "{option} {url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr
            .lines()
            .find(|l| l.starts_with("portal: "))
            .unwrap_or_else(|| panic!("{stderr}"));
        assert!(error.contains(option), "{error}");
        assert!(error.contains(says), "{error}");
        assert_eq!(error.matches(says).count(), 1, "said once: {error}");
        assert!(!stderr.contains("canary"), "{stderr}");
        assert!(!error.contains("timed out"), "{error}");
    }

    // The offline tools name the database they could not open the same way.
    let url = "postgres://portal:canary-password@127.0.0.1:1/portal?password=canary-password";
    for command in ["verify", "export"] {
        let out = portal(&["audit", command, "--database-url", url]);
        assert_eq!(out.status.code(), Some(2), "audit {command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--database-url postgres://portal:…@127.0.0.1:1/portal?password=…"),
            "{stderr}"
        );
        assert!(stderr.contains("Connection refused"), "{stderr}");
        assert!(!stderr.contains("canary"), "{stderr}");
    }
}

/// The first `sh` block of the README's section `heading`.
fn readme_block(heading: &str) -> String {
    let readme = include_str!("../../../README.md");
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("the README has a section {heading:?}"))..];
    let start = section
        .find("```sh\n")
        .expect("the section has an sh block")
        + "```sh\n".len();
    let end = start + section[start..].find("```").expect("the block ends");
    section[start..end].to_owned()
}

/// Runs `script` with bash (stopping at the first failing command) in `dir`, with `PORTAL` set
/// to `url`; gives up after `within`. Returns its standard output.
fn run_script(script: &str, dir: &std::path::Path, url: &str, within: Duration) -> String {
    for tool in ["bash", "curl", "jq"] {
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success()),
            "the README's walkthrough needs {tool}; `cargo xtask setup` installs it"
        );
    }
    let child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PORTAL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    let out = exit_within(child, within);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the README's walkthrough failed ({}) within {within:?}:\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_readme_walkthrough_of_the_api_runs_and_leaves_a_verifiable_trail() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (running, rx) = start(&["--sandbox-speed", "fast"], data.path());
    let url = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok())
        .find_map(|line| portal_address(&line))
        .expect("the portal announces its address");

    let script = readme_block("## The API from the command line");
    let out = run_script(&script, work.path(), &url, Duration::from_secs(120));

    // The state machines, followed to their ends.
    for seen in [
        "\"user\":\"Grace Hopper\"",
        "\"inUse\":false",
        "  CREATING, legs CREATING and CREATING",
        "  ACTIVE, legs ACTIVE and ACTIVE",
        "  Azure: PROVISIONED",
        "{\"field\":\"peerASN\",\"after\":65010}",
        "  PRIVATE SYNCED",
        "  MICROSOFT SYNCED",
        "  DELETED",
        "{\"ok\":true,",
    ] {
        assert!(out.contains(seen), "{seen:?} in:\n{out}");
    }
    // The trail as printed: one line per change, oldest first, each with how it ended.
    let changes: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|cells| cells.len() == 5)
        .map(|cells| cells[1..4].to_vec())
        .collect();
    assert_eq!(
        changes,
        [
            ["create_connection", "", "succeeded"],
            ["update_peering", "PRIVATE", "succeeded"],
            ["update_peering", "MICROSOFT", "succeeded"],
            ["delete_peering", "MICROSOFT", "succeeded"],
            ["delete_connection", "", "succeeded"],
        ],
        "{out}"
    );
    // The trail of the connection, as the spreadsheet gets it: each change an intent and a
    // succeeded outcome, with its reason and ticket.
    let csv = std::fs::read_to_string(work.path().join("audit.csv")).expect("audit.csv written");
    let records = common::parse_csv(&csv);
    let header = &records[0];
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (action, phase, outcome, reason, ticket) = (
        column("action"),
        column("phase"),
        column("outcome"),
        column("reason"),
        column("ticket"),
    );
    let rows: Vec<(&str, &str, &str)> = records[1..]
        .iter()
        .map(|r| (r[action].as_str(), r[phase].as_str(), r[outcome].as_str()))
        .collect();
    let change = |a| [(a, "intent", ""), (a, "outcome", "succeeded")];
    let expected: Vec<_> = [
        change("create_connection"),
        change("update_peering"),
        change("update_peering"),
        change("delete_peering"),
        change("delete_connection"),
    ]
    .concat();
    assert_eq!(rows, expected, "{csv}");
    assert!(records[1..].iter().all(|r| r.len() == header.len()));
    assert_eq!(records[1][reason], "Dallas sites to Azure");
    assert_eq!(records[1][ticket], "CHG-1001");
    assert_eq!(records[3][ticket], "CHG-1002");

    // The chain checks offline too, on the database the portal wrote.
    drop(running);
    let verify = portal(&[
        "audit",
        "verify",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

/// `portal ready`, the container's health check: 0 when the portal on the address answers
/// `/readyz` with 200, 1 saying why otherwise.
#[tokio::test]
async fn ready_asks_the_portal_on_an_address_whether_it_is_ready() {
    use sqlx::Connection;
    // Longer than a health check would wait for a plain HTTP answer: the portal's 503, after
    // it waited the busy timeout for the database, is still heard.
    let app = common::spawn_app_with(common::Options {
        busy_timeout: Some(Duration::from_secs(6)),
        ..common::Options::default()
    })
    .await;
    let ask = |addr: String| {
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_portal"))
                .args(["ready", "--listen", &addr])
                .env_remove("PORTAL_LISTEN")
                .output()
                .expect("the portal binary runs")
        })
    };
    let said = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    let ready = ask(app.addr.to_string()).await.unwrap();
    assert!(ready.status.success(), "{}", said(&ready));
    assert_eq!(said(&ready), format!("ready: http://{}/readyz\n", app.addr));
    // A portal listening on every address is asked on loopback.
    let every = ask(format!("0.0.0.0:{}", app.addr.port())).await.unwrap();
    assert!(every.status.success(), "{}", said(&every));

    // Its history cannot be written: not ready, and the portal's answer says why.
    let mut db = app.audit_db().await;
    let lock = db.begin_with("begin immediate").await.unwrap();
    let locked = ask(app.addr.to_string()).await.unwrap();
    assert_eq!(locked.status.code(), Some(1), "{}", said(&locked));
    assert!(
        said(&locked).contains("answered 503 Service Unavailable")
            && said(&locked).contains("audit_unavailable"),
        "{}",
        said(&locked)
    );
    lock.rollback().await.unwrap();

    // Nothing listening there.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let none = ask(free.to_string()).await.unwrap();
    assert_eq!(none.status.code(), Some(1), "{}", said(&none));
    assert!(
        said(&none).contains(&format!("no answer from http://{free}/readyz")),
        "{}",
        said(&none)
    );
}

/// The rows written in the minute before the portal stops, whose head is not logged yet, are
/// witnessed as it stops: their head is logged before it says it stopped, and is the head an
/// offline check of the database finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_head_is_logged_before_the_portal_says_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (running, rx) = start(&["--sandbox-speed", "instant"], dir.path());
    // The first write logs its head at once; those after it, within the minute, wait.
    let (_, _client) = ada_in_acme(&rx).await;

    let log = stopped(&running, rx).await;
    assert!(
        log.last().is_some_and(|l| l.contains("portal: stopped")),
        "{log:#?}"
    );
    let heads: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("audit history written"))
        .collect();
    drop(running);

    let verified = portal(&[
        "audit",
        "verify",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(verified.status.success(), "{verified:?}");
    let stdout = String::from_utf8_lossy(&verified.stdout);
    let head = stdout
        .split_whitespace()
        .find(|w| {
            w.split_once(':')
                .is_some_and(|(id, hash)| id.parse::<u64>().is_ok() && hash.len() >= 16)
        })
        .unwrap_or_else(|| panic!("a head in {stdout}"));
    assert!(
        heads.len() >= 2,
        "the first write's head, then the last: {heads:#?}"
    );
    assert!(
        heads.last().unwrap().contains(&format!("head={head}")),
        "the last head logged, {head}, before the stop: {log:#?}"
    );
}
