//! Signing in and out, session rotation and expiry, and choosing the company.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use simulator::{Fault, Route};
use sqlx::Row;
use std::time::Duration;

#[tokio::test]
async fn sign_in_returns_the_user_and_their_companies() {
    let app = spawn_app().await;
    let client = app.client();

    let reply = client.sign_in(ada()).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["user"]["email"], ADA_EMAIL);
    assert_eq!(reply.json["user"]["name"], "Ada Lovelace");
    let companies: Vec<&str> = reply.json["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["username"].as_str().unwrap())
        .collect();
    assert_eq!(companies, ["acme", "globex"]);
    assert!(
        reply.json["company"].is_null(),
        "two companies: none chosen"
    );
    assert!(reply.json["expiresAt"].is_string() && reply.json["idleExpiresAt"].is_string());
    // The defaults, 30 minutes idle and 12 hours in all, counted from this answer.
    let idle_left = reply.json["idleSecondsLeft"].as_u64().unwrap();
    let left = reply.json["secondsLeft"].as_u64().unwrap();
    assert!((1790..=1800).contains(&idle_left), "{idle_left}");
    assert!((43_190..=43_200).contains(&left), "{left}");
    assert_eq!(reply.json["idleTimeoutSeconds"], 1800, "the timeout itself");
    let me = client.get("/api/session").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["user"]["email"], ADA_EMAIL);
}

#[tokio::test]
async fn a_user_with_one_company_has_it_chosen_at_sign_in() {
    let app = spawn_app().await;
    let reply = app.client().sign_in(grace()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["company"], "globex");

    // The sign-in is that company's, so its members see it in the history; a sign-in of a
    // user of several companies, none chosen yet, is nobody's but theirs.
    let colleague = app.sign_in_to(ada(), "globex").await;
    let seen = colleague
        .audit("action=sign_in&actor=grace@globex.example")
        .await;
    let outcome = seen
        .iter()
        .find(|e| e["phase"] == "outcome")
        .unwrap_or_else(|| panic!("Grace's sign-in, seen from Globex: {seen:#?}"));
    assert_eq!(outcome["company"], "globex");
    assert_eq!(outcome["outcome"], "succeeded");
    assert_eq!(seen.len(), 2, "its intent too: {seen:#?}");
    let grace = app.sign_in(grace()).await;
    let adas = grace.audit("action=sign_in&actor=ada@acme.example").await;
    assert!(adas.is_empty(), "{adas:#?}");
}

#[tokio::test]
async fn sign_in_with_a_wrong_key_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let client = app.client();

    let reply = client.sign_in("not-a-key-console-connect-knows").await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthenticated");
    assert!(reply.message().contains("API key"), "{}", reply.message());
    assert!(
        reply.header("set-cookie").is_none(),
        "no session for a stranger"
    );
    assert_eq!(
        client.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The attempt is audited: an intent and a failed outcome with Console Connect's 401.
    let mut db = app.audit_db().await;
    let rows = sqlx::query(
        r#"
        select phase, outcome, upstream_status, request from audit_events
        where action = 'sign_in' order by id
        "#,
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].get::<String, _>("phase"), "outcome");
    assert_eq!(
        rows[1].get::<Option<String>, _>("outcome").as_deref(),
        Some("failed")
    );
    assert_eq!(rows[1].get::<Option<i64>, _>("upstream_status"), Some(401));
    let request: String = rows[0].get("request");
    assert!(
        !request.contains("not-a-key"),
        "the key is fingerprinted: {request}"
    );
}

/// The client addresses of the sign-in rows in the audit history, in order.
async fn sign_in_addresses(app: &TestApp) -> Vec<String> {
    let mut db = app.audit_db().await;
    sqlx::query_scalar("select client_addr from audit_events where action = 'sign_in' order by id")
        .fetch_all(&mut db)
        .await
        .unwrap()
}

/// A sign-in with `key` that says it was forwarded for `client`.
async fn sign_in_forwarded(client: &Client, key: &str, forwarded_for: &str) -> Reply {
    client
        .send(
            client
                .request(reqwest::Method::POST, "/api/session")
                .header("x-forwarded-for", forwarded_for)
                .json(&json!({ "apiKey": key })),
        )
        .await
}

#[tokio::test]
async fn failed_sign_ins_from_one_address_are_bounded_before_anything_is_sent_or_written() {
    let app = spawn_app_with(Options {
        sign_in_failures: Some(3),
        ..Options::default()
    })
    .await;
    let client = app.client();
    // Without a trusted proxy, X-Forwarded-For is the client's own text: it changes nothing.
    for forged in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let reply = sign_in_forwarded(&client, "not-a-key", forged).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    }
    let asked = app.upstream_calls(Route::WhoAmI);
    let written = sign_in_addresses(&app).await;
    assert_eq!(written.len(), 6);
    assert!(written.iter().all(|a| a == "127.0.0.1"), "{written:?}");

    let refused = sign_in_forwarded(&client, "not-a-key", "203.0.113.4").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert_eq!(refused.code(), "too_many_requests");
    assert!(
        refused
            .message()
            .starts_with("Too many failed sign-ins from your address. Try again in"),
        "{}",
        refused.message()
    );
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    // The right key from that address waits too: a guess that happens to be right is no way
    // round the bound.
    let right = app.client().sign_in(ada()).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.text
    );
    assert_eq!(app.upstream_calls(Route::WhoAmI), asked, "nothing sent");
    assert_eq!(sign_in_addresses(&app).await, written, "nothing written");
}

#[tokio::test]
async fn sign_ins_console_connect_did_not_answer_use_up_no_failures_but_are_bounded_too() {
    let app = spawn_app_with(Options {
        sign_in_failures: Some(2),
        ..Options::default()
    })
    .await;
    sign_ins_through_an_outage(&app).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_bounded_and_audited_on_its_own() {
    let app = spawn_app_with(Options {
        sign_in_failures: Some(1),
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..Options::default()
    })
    .await;
    let client = app.client();
    let first = sign_in_forwarded(&client, "not-a-key", "203.0.113.7").await;
    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    let again = sign_in_forwarded(&client, "not-a-key", "203.0.113.7").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    // What a client wrote before the proxy's own entry is not taken as its address.
    let other = sign_in_forwarded(&client, "not-a-key", "203.0.113.7, 198.51.100.9").await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.text);
    let colleague = sign_in_forwarded(&client, ada(), "192.0.2.20").await;
    assert_eq!(colleague.status, StatusCode::OK, "{}", colleague.text);

    assert_eq!(
        sign_in_addresses(&app).await,
        [
            "203.0.113.7",
            "203.0.113.7",
            "198.51.100.9",
            "198.51.100.9",
            "192.0.2.20",
            "192.0.2.20"
        ]
    );
}

#[tokio::test]
async fn an_api_key_that_cannot_be_one_is_refused_on_its_field_without_asking_upstream() {
    let app = spawn_app().await;
    let long = format!("canary-{}", "k".repeat(600));
    for (key, says) in [
        ("   ", "apiKey is required: paste the API key"),
        (
            long.as_str(),
            "apiKey must be at most 512 characters; it has 607",
        ),
        (
            "canary\u{0}key",
            "apiKey may contain only printable characters",
        ),
        (
            "canary-key\u{200F}",
            "apiKey has a space or an invisible character in it",
        ),
    ] {
        let reply = app.client().sign_in(key).await;

        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{key:?}");
        let message = reply.field("apiKey").expect("an apiKey error");
        assert!(message.starts_with(says), "{message}");
        assert!(!reply.text.contains("canary"), "{}", reply.text);
    }
    assert_eq!(app.upstream_calls(Route::WhoAmI), 0);
}

#[tokio::test]
async fn sign_in_rotates_the_session_id() {
    let app = spawn_app().await;
    let client = app.sign_in(grace()).await;
    let before = client.session_cookie().expect("a session cookie");

    let reply = client.sign_in(ada()).await;

    assert_eq!(reply.status, StatusCode::OK);
    let after = client.session_cookie().expect("a session cookie");
    assert_ne!(before, after, "a new session id at sign-in");
    assert_eq!(
        client.get("/api/session").await.json["user"]["email"],
        ADA_EMAIL
    );
    let stranger = app.client();
    let replay = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, "/api/session")
                .header("cookie", format!("portal_session={before}")),
        )
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "the old id is dead"
    );
}

#[tokio::test]
async fn the_session_table_holds_no_id_a_browser_could_present() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let cookie = client.session_cookie().expect("a session cookie");
    assert_eq!(client.get("/api/session").await.status, StatusCode::OK);

    let url = server::config::sqlite_url(&app.data_dir().join("sessions.db"));
    let mut sessions = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let stored: Vec<String> = sqlx::query_scalar("select id from tower_sessions")
        .fetch_all(&mut sessions)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_ne!(stored[0], cookie, "the cookie's id is not what is stored");
    // The stored id, copied from the file into a cookie, opens nothing.
    let copied = app
        .get_with_cookie("/api/session", &format!("portal_session={}", stored[0]))
        .await;
    assert_eq!(copied.status, StatusCode::UNAUTHORIZED, "{}", copied.text);
    // The browser's own cookie still does, and its sign-out removes the stored row.
    assert_eq!(
        client.delete("/api/session", None).await.status,
        StatusCode::NO_CONTENT
    );
    let left: i64 = sqlx::query_scalar("select count(*) from tower_sessions")
        .fetch_one(&mut sessions)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // Nor can anyone but the portal's user read the databases (with their -wal and -shm).
    #[cfg(unix)]
    for entry in std::fs::read_dir(app.data_dir()).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.contains(".db") {
            let mode = entry.metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{name}: {mode:o}");
        }
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_and_its_old_cookie_is_refused() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let old_cookie = client.cookie_header().expect("a session cookie");

    let reply = client.delete("/api/session", None).await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(
        client.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    let stranger = app.client();
    let replay = stranger
        .send(
            stranger
                .request(reqwest::Method::GET, "/api/ports")
                .header("cookie", old_cookie),
        )
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.code() == "unauthenticated" || replay.code() == "session_expired",
        "{}",
        replay.code()
    );
    assert_eq!(app.upstream_calls(Route::ListPorts), 0);
}

#[tokio::test]
async fn a_user_with_two_companies_chooses_one() {
    let app = spawn_app().await;
    let client = app.sign_in(ada()).await;

    let reply = client.select_company("globex").await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["company"], "globex");
    assert_eq!(client.get("/api/session").await.json["company"], "globex");
    let ports = client.get("/api/ports").await;
    assert_eq!(ports.status, StatusCode::OK);
    let names: Vec<&str> = ports
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("Globex")), "{names:?}");
    // Named in another case, it is the company as Console Connect spells it.
    let switched = client.select_company(" ACME").await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.text);
    assert_eq!(switched.json["company"], "acme");
    let choices = client
        .audit("action=select_company&outcome=succeeded")
        .await;
    assert_eq!(choices.len(), 2, "both choices are audited");
    // The switch to Acme is in Acme's history, which does not name Globex.
    let intents = client.audit("action=select_company&phase=intent").await;
    assert_eq!(
        intents[1]["before"],
        json!({ "company": null }),
        "first choice"
    );
    assert_eq!(intents[0]["company"], "acme");
    assert!(
        !intents[0].to_string().contains("globex"),
        "{:#}",
        intents[0]
    );

    // Given by its name as shown, or by its id, it is the same company.
    let by_name = client.select_company("globex  corporation").await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text);
    assert_eq!(by_name.json["company"], "globex");
    let acme_id = by_name.json["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["username"] == "acme")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .unwrap();
    let by_id = client.select_company(&acme_id).await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.text);
    assert_eq!(by_id.json["company"], "acme");
    let unknown = client.select_company("Initech").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown.field("company"),
        Some("company must be one of yours (by username, id or name): acme, globex")
    );
}

#[tokio::test]
async fn choosing_a_company_that_is_not_yours_is_refused_on_the_company_field() {
    let app = spawn_app().await;
    let client = app.sign_in(grace()).await;

    let reply = client.select_company("acme").await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.code(), "validation_failed");
    let message = reply.field("company").expect("a company field error");
    assert!(
        message.contains("globex"),
        "names the allowed ones: {message}"
    );
    // None given is said as such.
    let blank = client.select_company(" ").await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        blank.field("company"),
        Some(
            "company is required: one of your companies, by its username, id or name; yours are globex"
        )
    );
    assert_eq!(client.get("/api/session").await.json["company"], "globex");
}

#[tokio::test]
async fn a_company_call_before_choosing_a_company_is_a_conflict() {
    let app = spawn_app().await;
    let client = app.sign_in(ada()).await;
    app.clear_upstream_requests();

    for path in ["/api/ports", "/api/connections"] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{path}: {}", reply.text);
        assert_eq!(reply.code(), "conflict");
        assert!(
            reply.message().contains("one of yours: acme, globex"),
            "says how to choose, and among which: {}",
            reply.message()
        );
    }
    let verify = client
        .post(
            "/api/service-keys/verify",
            &json!({"serviceKey": service_key(LONDON_1G)}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::CONFLICT);
    assert!(app.upstream_requests().is_empty());
}

#[tokio::test]
async fn requests_without_a_session_are_unauthenticated() {
    let app = spawn_app().await;
    let reply = app.client().get("/api/connections").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthenticated");
}

#[tokio::test]
async fn a_session_past_its_lifetime_is_refused_as_expired() {
    let app = spawn_app_with(Options {
        // The lifetime counts whole seconds from the second of sign-in, so a session may end
        // up to a second early: two seconds keep the first read inside it whenever sign-in
        // falls in the second.
        session_lifetime: Some(Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in(grace()).await;
    assert_eq!(client.get("/api/session").await.status, StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(2100)).await;

    let reply = client.get("/api/ports").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "session_expired");
    assert_eq!(app.upstream_calls(Route::ListPorts), 0);
}

#[tokio::test]
async fn an_idle_session_is_refused_even_when_its_cookie_is_replayed() {
    let app = spawn_app_with(Options {
        session_idle: Some(Duration::from_secs(1)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in(grace()).await;
    let cookie = client.cookie_header().expect("a session cookie");

    tokio::time::sleep(Duration::from_millis(1500)).await;

    // A browser drops the cookie at its Max-Age; a copied cookie must fail on the server too.
    let reply = app.get_with_cookie("/api/session", &cookie).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "session_expired");
}

#[tokio::test]
async fn an_active_session_outlives_its_idle_timeout() {
    let app = spawn_app_with(Options {
        session_idle: Some(Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in(grace()).await;
    let cookie = client.cookie_header().expect("a session cookie");

    for _ in 0..7 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let reply = client.get("/api/session").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    assert_eq!(
        client.cookie_header().as_deref(),
        Some(cookie.as_str()),
        "the same session, renewed"
    );
}

/// The browser asks how long a session has left without lengthening it: asking alone, however
/// often, lets the session end at its idle timeout, and says so.
#[tokio::test]
async fn asking_for_the_status_does_not_keep_a_session_alive() {
    let app = spawn_app_with(Options {
        session_idle: Some(Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in(grace()).await;
    // The cookie as sent, so that the server decides when the session ends (a browser would
    // also drop the cookie then).
    let cookie = client.cookie_header().expect("a session cookie");
    let status = async || app.get_with_cookie("/api/session/status", &cookie).await;
    let first = status().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["user"]["name"], "Grace Hopper");
    assert!(first.json["idleSecondsLeft"].as_u64().unwrap() <= 2);

    let mut answers = Vec::new();
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let reply = status().await;
        answers.push(reply.status);
        if reply.status != StatusCode::OK {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
            assert_eq!(reply.code(), "session_expired");
            break;
        }
    }
    assert_eq!(
        answers.last(),
        Some(&StatusCode::UNAUTHORIZED),
        "ended while only its status was read: {answers:?}"
    );
    assert!(answers.len() <= 6, "ended at its idle timeout: {answers:?}");
}

/// Grace's reads of her connections every half second in a portal whose sessions idle out
/// after 2 s, each sent with `X-Portal-Unattended` as the next of `said` gives it: each answer's
/// status and error code, up to the first one refused.
async fn reads_every_half_second(said: &[&str]) -> Vec<(StatusCode, String)> {
    let app = spawn_app_with(Options {
        session_idle: Some(Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in(grace()).await;
    let cookie = client.cookie_header().expect("a session cookie");
    let http = app.client();
    let mut answers = Vec::new();
    for said in said {
        let reply = http
            .send(
                http.request(reqwest::Method::GET, "/api/connections")
                    .header("cookie", &cookie)
                    .header("x-portal-unattended", *said),
            )
            .await;
        let refused = reply.status != StatusCode::OK;
        let code = if refused {
            reply.code().to_string()
        } else {
            String::new()
        };
        answers.push((reply.status, code));
        if refused {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    answers
}

/// A page refreshing itself with nobody at it says so, and its reads, answered as any other,
/// do not keep the session alive: it ends at its idle timeout.
#[tokio::test]
async fn reads_made_unattended_do_not_keep_a_session_alive() {
    let answers = reads_every_half_second(&["1"; 12]).await;
    assert_eq!(
        answers.first().map(|(status, _)| *status),
        Some(StatusCode::OK),
        "answered: {answers:?}"
    );
    assert_eq!(
        answers.last(),
        Some(&(StatusCode::UNAUTHORIZED, "session_expired".to_owned())),
        "ended while only read unattended: {answers:?}"
    );
    assert!(answers.len() <= 6, "ended at its idle timeout: {answers:?}");
}

/// `X-Portal-Unattended: 0` (or `false`) says the read is not unattended: it keeps the session
/// alive as a read without the header does.
#[tokio::test]
async fn reads_said_not_unattended_keep_a_session_alive() {
    let answers = reads_every_half_second(&["0", "false"].repeat(4)).await;
    assert_eq!(answers.len(), 8, "every read answered: {answers:?}");
    assert!(
        answers.iter().all(|(status, _)| *status == StatusCode::OK),
        "{answers:?}"
    );
}

/// A session's requests overlap (a page refreshing itself while the user acts), and each one
/// that renews the idle end writes back the copy of the session it read when it began. Ada's
/// ports are slow to come; the read renews her session, and she chooses Globex before it ends.
async fn while_a_renewing_read_runs<T>(
    change: impl AsyncFnOnce(&Client) -> T,
) -> (TestApp, Client, String, T) {
    let app = spawn_app_with(Options {
        // Renewed at most every 2 s.
        session_idle: Some(Duration::from_secs(8)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in_to(ada(), "acme").await;
    let cookie = client.cookie_header().expect("a session cookie");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    app.sim.set_fault(
        Route::ListPorts,
        simulator::Fault {
            latency_ms: 1_500,
            times: Some(1),
            ..Default::default()
        },
    );
    let (read, changed) = tokio::join!(client.get("/api/ports"), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        change(&client).await
    });
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    (app, client, cookie, changed)
}

#[tokio::test]
async fn a_company_chosen_while_a_renewing_request_runs_stays_chosen() {
    let (_app, client, _, switched) =
        while_a_renewing_read_runs(async |c: &Client| c.select_company("globex").await).await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.text);
    assert_eq!(switched.json["company"], "globex");

    let session = client.get("/api/session").await;
    assert_eq!(session.json["company"], "globex", "{}", session.text);
}

#[tokio::test]
async fn a_session_signed_out_while_a_renewing_request_runs_stays_signed_out() {
    let (app, _client, cookie, signed_out) =
        while_a_renewing_read_runs(async |c: &Client| c.delete("/api/session", None).await).await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );

    // The cookie as it was, replayed: the session stays ended.
    let reply = app.get_with_cookie("/api/session", &cookie).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

#[tokio::test]
async fn a_sign_in_past_the_portal_timeout_says_nobody_was_signed_in() {
    let app = spawn_app_with(Options {
        request_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    app.sim.set_fault(
        Route::WhoAmI,
        Fault {
            latency_ms: 1_000,
            ..Fault::default()
        },
    );
    let client = app.client();

    let reply = client.sign_in(ada()).await;

    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.text);
    assert_eq!(
        reply.message(),
        "The portal stopped waiting after 300 ms, the longest a request may take. You are not signed in: try again."
    );
    assert_eq!(
        client.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Console Connect refusing the session's key on a read: the portal says so and ends the
/// session, so the browser's sign-in page does not find it standing (and send it back here),
/// and nothing more goes upstream with that key.
#[tokio::test]
async fn a_key_console_connect_no_longer_accepts_ends_the_session() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    app.sim.set_fault(
        Route::ListConnections,
        Fault {
            status: Some(401),
            ..Fault::default()
        },
    );

    let reply = client.get("/api/connections").await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(reply.code(), "key_refused");
    assert!(
        reply.message().contains("no longer accepts")
            && reply.message().contains("ended the session"),
        "{}",
        reply.message()
    );
    assert!(reply.json["requestId"].is_string(), "{}", reply.text);
    let after = client.get("/api/session").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
    let ports = client.get("/api/ports").await;
    assert_eq!(ports.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.upstream_calls(Route::ListPorts), 0);
    assert_eq!(app.upstream_calls(Route::ListConnections), 1);
}

/// The same for a change: refused, audited with Console Connect's 401, and the session ended.
#[tokio::test]
async fn a_change_refused_for_its_key_is_audited_and_ends_the_session() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            status: Some(401),
            ..Fault::default()
        },
    );

    let reply = ada
        .post(&peering_path(&production, "PRIVATE"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(reply.code(), "key_refused");
    assert_eq!(
        ada.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut db = app.audit_db().await;
    let rows = sqlx::query(
        "select phase, outcome, upstream_status from audit_events \
         where action = 'update_peering' order by id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "an intent and its outcome");
    assert_eq!(
        rows[1].get::<Option<String>, _>("outcome").as_deref(),
        Some("failed")
    );
    assert_eq!(rows[1].get::<Option<i64>, _>("upstream_status"), Some(401));
}

/// A page sends the user and company it was shown for; a request from a page whose company
/// was changed meanwhile in another tab of the browser (one session) is refused before
/// anything is read, sent or written, so one company's page never shows or changes another's.
#[tokio::test]
async fn a_request_for_a_company_the_session_has_left_is_refused_before_anything_is_done() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let me = client.get("/api/session").await.json["user"]["id"]
        .as_str()
        .expect("the user's id")
        .to_owned();
    let id = client.connection_id("Azure London Production").await;
    let as_seen = |company: &str, request: reqwest::RequestBuilder| {
        request
            .header("X-Portal-User", &me)
            .header("X-Portal-Company", company)
    };
    let read = client
        .send(as_seen(
            "acme",
            client.request(reqwest::Method::GET, "/api/connections"),
        ))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);

    // Another tab chooses Globex; this one still shows Acme.
    assert_eq!(client.select_company("globex").await.status, StatusCode::OK);
    let events = client.audit("").await.len();
    app.clear_upstream_requests();
    let stale_read = client
        .send(as_seen(
            "acme",
            client.request(reqwest::Method::GET, "/api/connections"),
        ))
        .await;
    assert_eq!(stale_read.status, StatusCode::CONFLICT);
    assert_eq!(stale_read.code(), "session_changed");
    assert!(
        stale_read.message().contains("Another tab of this browser"),
        "{}",
        stale_read.text
    );
    let stale_change = client
        .send(as_seen(
            "acme",
            client
                .request(reqwest::Method::POST, &peering_path(&id, "PRIVATE"))
                .json(&private_peering(220)),
        ))
        .await;
    assert_eq!(
        stale_change.code(),
        "session_changed",
        "{}",
        stale_change.text
    );
    // Another user's page is refused the same way; names are percent-encoded as the app
    // sends them.
    let someone_else = client
        .send(
            client
                .request(reqwest::Method::GET, "/api/ports")
                .header("X-Portal-User", "someone%20else")
                .header("X-Portal-Company", "globex"),
        )
        .await;
    assert_eq!(
        someone_else.code(),
        "session_changed",
        "{}",
        someone_else.text
    );
    // A header sent twice is taken at its word only when both say the session's company.
    for (first, second) in [("globex", "acme"), ("acme", "globex")] {
        let twice = client
            .send(
                client
                    .request(reqwest::Method::GET, "/api/ports")
                    .header("X-Portal-Company", first)
                    .header("X-Portal-Company", second),
            )
            .await;
        assert_eq!(twice.code(), "session_changed", "{}", twice.text);
    }
    assert!(app.upstream_requests().is_empty(), "nothing went upstream");
    assert_eq!(client.audit("").await.len(), events, "nothing was written");

    // The page shown for Globex, the session's own routes, and a client that says nothing
    // (curl) work as before.
    let current = client
        .send(as_seen(
            "globex",
            client.request(reqwest::Method::GET, "/api/connections"),
        ))
        .await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text);
    let session = client
        .send(as_seen(
            "acme",
            client.request(reqwest::Method::GET, "/api/session/status"),
        ))
        .await;
    assert_eq!(session.json["company"], "globex", "{}", session.text);
    assert_eq!(client.get("/api/ports").await.status, StatusCode::OK);
}

/// Takes `app`'s session table out of its reach, so that its session store fails every read
/// and write; the connection that did, for [`sessions_back`].
async fn sessions_away(app: &TestApp) -> sqlx::SqliteConnection {
    let url = server::config::sqlite_url(&app.data_dir().join("sessions.db"));
    let mut sessions = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("alter table tower_sessions rename to tower_sessions_away")
        .execute(&mut sessions)
        .await
        .unwrap();
    sessions
}

async fn sessions_back(sessions: &mut sqlx::SqliteConnection) {
    sqlx::query("alter table tower_sessions_away rename to tower_sessions")
        .execute(sessions)
        .await
        .unwrap();
}

/// A session store out of reach (its PostgreSQL down, its SQLite file unreadable) leaves the
/// portal unable to tell who asks: a 503 that says so, with the cause in the log, rather than
/// an internal error; once the store is back, sessions are read again.
#[tokio::test]
async fn a_session_store_out_of_reach_is_said_so_and_nothing_is_done() {
    let app = spawn_app().await;
    // A well-formed session id this portal has not seen (so not in its cache): another
    // portal's.
    let elsewhere = spawn_app().await.sign_in_to(ada(), "acme").await;
    let cookie = format!("portal_session={}", elsewhere.session_cookie().unwrap());
    assert_eq!(
        app.get_with_cookie("/api/session", &cookie).await.status,
        StatusCode::UNAUTHORIZED
    );

    let mut sessions = sessions_away(&app).await;
    let out = app.get_with_cookie("/api/connections", &cookie).await;
    assert_eq!(out.status, StatusCode::SERVICE_UNAVAILABLE, "{}", out.text);
    assert_eq!(out.code(), "sessions_unavailable");
    assert!(
        out.message()
            .starts_with("The portal cannot reach its session store right now"),
        "{}",
        out.text
    );
    assert_eq!(app.upstream_calls(Route::ListConnections), 0);

    sessions_back(&mut sessions).await;
    assert_eq!(
        app.get_with_cookie("/api/session", &cookie).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The session store fails while a change is with Console Connect (after the change found its
/// session standing), so the session's renewal cannot be written back: the change was made,
/// its answer lost. A 503 that says so, and that the change may have been made, rather than a
/// bare internal error.
#[tokio::test]
async fn a_session_not_written_back_after_a_change_says_it_may_have_been_made() {
    let app = spawn_app_with(Options {
        session_idle: Some(Duration::from_secs(8)),
        ..Options::default()
    })
    .await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client.connection_id(PRODUCTION).await;
    // Past the pace of renewals (a quarter of the idle timeout): the next request renews it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 1_000,
            ..Fault::default()
        },
    );

    let path = peering_path(&id, "PRIVATE");
    let change = private_peering(200);
    let (reply, mut sessions) = tokio::join!(client.post(&path, &change), async {
        app.sent(Route::UpdatePeering, 1).await;
        sessions_away(&app).await
    });

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "sessions_unavailable");
    assert!(
        reply
            .message()
            .ends_with("If it was a change, it may have been made all the same: check the current state before trying again."),
        "{}",
        reply.text
    );
    assert!(reply.json["requestId"].is_string(), "{}", reply.text);
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);

    sessions_back(&mut sessions).await;
    let read = client.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json["config"]["vlanId"], 200, "the change was made");
    let (_, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(outcome["outcome"], "succeeded");

    // A read whose session (from the cache) is due a renewal that cannot be written: it is
    // told to try again, nothing about a change.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut sessions = sessions_away(&app).await;
    let read = client.get(&path).await;
    assert_eq!(
        read.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        read.text
    );
    assert_eq!(read.code(), "sessions_unavailable");
    assert_eq!(
        read.message(),
        "The portal could not write your session back to its session store, so its answer to \
         this request was not sent. Try again shortly."
    );
    sessions_back(&mut sessions).await;
}

/// A sign-in Console Connect accepts but whose session cannot be stored signs nobody in, and
/// the history says it failed, and why, rather than that someone signed in; once the store is
/// back, the same key signs in.
#[tokio::test]
async fn a_sign_in_whose_session_cannot_be_stored_is_recorded_as_failed() {
    // One failure per address, so five unanswered attempts: none of these counts as either,
    // since Console Connect accepted the key each time.
    let app = spawn_app_with(Options {
        sign_in_failures: Some(1),
        ..Options::default()
    })
    .await;
    let mut sessions = sessions_away(&app).await;
    let client = app.client();
    for _ in 0..6 {
        let out = client.sign_in(ada()).await;
        assert_eq!(out.status, StatusCode::SERVICE_UNAVAILABLE, "{}", out.text);
        assert_eq!(out.code(), "sessions_unavailable");
        assert!(out.header("set-cookie").is_none(), "no session cookie");
    }

    let outcomes = || async {
        let mut db = app.audit_db().await;
        sqlx::query(
            "select outcome, upstream_status, error, actor_name from audit_events \
             where action = 'sign_in' and phase = 'outcome' order by id",
        )
        .fetch_all(&mut db)
        .await
        .unwrap()
    };
    let rows = outcomes().await;
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[0].get::<Option<String>, _>("outcome").as_deref(),
        Some("failed")
    );
    // Console Connect knew the key: who tried is known, and that it was not the key.
    assert_eq!(rows[0].get::<Option<i64>, _>("upstream_status"), Some(200));
    assert_eq!(
        rows[0].get::<Option<String>, _>("actor_name").as_deref(),
        Some("Ada Lovelace")
    );
    let error: String = rows[0].get("error");
    assert!(error.starts_with("503 "), "{error}");
    assert!(error.contains("session store"), "{error}");

    sessions_back(&mut sessions).await;
    let reply = client.sign_in(ada()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(client.get("/api/session").await.status, StatusCode::OK);
    let rows = outcomes().await;
    assert_eq!(rows.len(), 7);
    assert_eq!(
        rows[6].get::<Option<String>, _>("outcome").as_deref(),
        Some("succeeded")
    );
}

/// Console Connect accepts the key, but the sign-in's outcome cannot be written (the audit
/// database is locked past the busy timeout): nobody is left signed in without the history
/// saying so.
#[tokio::test]
async fn a_sign_in_whose_outcome_cannot_be_recorded_signs_nobody_in() {
    let app = spawn_app_with(Options {
        busy_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    app.sim.set_fault(
        Route::WhoAmI,
        Fault {
            latency_ms: 1_000,
            ..Fault::default()
        },
    );
    let client = app.client();

    let reply = app
        .with_outcome_blocked(Route::WhoAmI, client.sign_in(ada()))
        .await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "audit_unavailable");
    assert_eq!(
        reply.message(),
        "Console Connect accepted the key, but the sign-in could not be recorded in the audit \
         history, so you are not signed in. Try again shortly."
    );
    assert_eq!(
        client.get("/api/session").await.status,
        StatusCode::UNAUTHORIZED,
        "the session stored before the outcome was removed"
    );
    let url = server::config::sqlite_url(&app.data_dir().join("sessions.db"));
    let mut sessions = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("select count(*) from tower_sessions")
        .fetch_one(&mut sessions)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // Once the history can be written again, the same key signs in.
    assert_eq!(client.sign_in(ada()).await.status, StatusCode::OK);
    assert_eq!(client.get("/api/session").await.status, StatusCode::OK);
}

/// A company choice whose outcome cannot be written (the audit table refuses it) is undone:
/// the session stays in the company it was in, as the history says.
#[tokio::test]
async fn a_company_choice_whose_outcome_cannot_be_recorded_is_not_made() {
    use sqlx::Executor;
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let mut db = app.audit_db().await;
    db.execute(
        "create trigger refuse_choice_outcomes before insert on audit_events \
         when new.phase = 'outcome' and new.action = 'select_company' \
         begin select raise(abort, 'refused for the test'); end",
    )
    .await
    .unwrap();

    let reply = client.select_company("globex").await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "audit_unavailable");
    assert_eq!(
        reply.message(),
        "The company choice could not be recorded in the audit history, so it was not made. \
         Try again shortly."
    );
    let session = client.get("/api/session").await;
    assert_eq!(session.json["company"], "acme", "{}", session.text);
    db.execute("drop trigger refuse_choice_outcomes")
        .await
        .unwrap();
    assert_eq!(client.select_company("globex").await.status, StatusCode::OK);
    assert_eq!(client.get("/api/session").await.json["company"], "globex");
}
