//! The rules every request meets: same-origin and JSON-only changes, the body limit, path
//! segments that never reach upstream unchecked, one JSON error shape, security headers, the
//! session cookie's attributes, and the probes.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use simulator::Route;

#[tokio::test]
async fn a_cross_site_request_cannot_change_anything() {
    let app = spawn_app().await;
    let client = app.client();

    let reply = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("sec-fetch-site", "cross-site")
                .json(&json!({ "apiKey": ada() })),
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "forbidden");
    assert!(app.upstream_requests().is_empty());

    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    app.clear_upstream_requests();
    for site in ["cross-site", "same-site"] {
        let change = ada
            .send(
                ada.request(Method::POST, &peering_path(&production, "PRIVATE"))
                    .header("sec-fetch-site", site)
                    .json(&private_peering(200)),
            )
            .await;
        assert_eq!(change.status, StatusCode::FORBIDDEN, "{site}");
    }
    assert!(app.upstream_requests().is_empty());
    assert!(ada.audit("action=update_peering").await.is_empty());
}

#[tokio::test]
async fn a_foreign_origin_cannot_change_anything() {
    let app = spawn_app().await;
    let client = app.client();

    let reply = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("origin", "http://evil.example")
                .json(&json!({ "apiKey": ada() })),
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.upstream_calls(Route::WhoAmI), 0);
    assert!(client.session_cookie().is_none());
}

#[tokio::test]
async fn the_portals_own_origin_and_fetch_metadata_are_allowed() {
    let app = spawn_app().await;
    let client = app.client();

    let by_origin = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("origin", app.base_url.as_str())
                .json(&json!({ "apiKey": ada() })),
        )
        .await;
    let by_metadata = client
        .send(
            client
                .request(Method::PUT, "/api/session/company")
                .header("sec-fetch-site", "same-origin")
                .json(&json!({ "company": "acme" })),
        )
        .await;

    assert_eq!(by_origin.status, StatusCode::OK, "{}", by_origin.text);
    assert_eq!(by_metadata.status, StatusCode::OK, "{}", by_metadata.text);
    let reads = client
        .send(
            client
                .request(Method::GET, "/api/ports")
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(reads.status, StatusCode::OK, "reads are not changes");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_415() {
    let app = spawn_app().await;
    let client = app.client();

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let reply = client
            .send(
                client
                    .request(Method::POST, "/api/session")
                    .header("content-type", content_type)
                    .body(format!("apiKey={}", ada())),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(reply.code(), "unsupported_media_type");
    }
    assert!(app.upstream_requests().is_empty());
}

#[tokio::test]
async fn a_change_sent_without_a_body_is_told_it_needs_one() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    app.clear_upstream_requests();

    // None at all (as `curl -X DELETE` sends it), or JSON with nothing in it.
    for (content_type, body) in [
        (None, None),
        (Some("application/json"), None),
        (Some("application/json"), Some(" \n")),
    ] {
        for (method, path) in [
            (Method::DELETE, format!("/api/connections/{production}")),
            (
                Method::POST,
                format!("/api/connections/{production}/peering/PRIVATE"),
            ),
        ] {
            let mut request = ada.request(method.clone(), &path);
            if let Some(body) = body {
                request = request.body(body);
            }
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let reply = ada.send(request).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {path}");
            assert!(
                reply
                    .message()
                    .starts_with("The request has no body: this route takes a JSON object"),
                "{}",
                reply.text
            );
        }
    }
    assert!(app.upstream_requests().is_empty());
    assert!(ada.audit("action=delete_connection").await.is_empty());
}

#[tokio::test]
async fn a_body_saved_with_a_byte_order_mark_is_read_as_json() {
    let app = spawn_app().await;
    let client = app.client();
    let body = format!("\u{feff}{}", json!({ "apiKey": ada() }));

    let reply = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("content-type", "application/json")
                .body(body),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(client.get("/api/session").await.status, StatusCode::OK);
    // A mark alone is no body.
    let bare = client
        .send(
            client
                .request(Method::PUT, "/api/session/company")
                .header("content-type", "application/json")
                .body("\u{feff}"),
        )
        .await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST, "{}", bare.text);
    assert!(
        bare.message().starts_with("The request has no body"),
        "{}",
        bare.text
    );
}

#[tokio::test]
async fn a_change_sent_with_query_parameters_is_refused_and_not_made() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let path = format!("/api/connections/{production}/peering/PRIVATE");
    app.clear_upstream_requests();

    let reply = ada
        .post(&format!("{path}?dryRun=1"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.code(), "bad_request");
    assert!(
        reply.message().contains("no query parameters"),
        "{}",
        reply.text
    );
    assert!(app.upstream_requests().is_empty());
    assert!(ada.audit("action=update_peering").await.is_empty());
    // Reads take theirs as before.
    let ports = ada.get("/api/ports?speed=500").await;
    assert_eq!(ports.status, StatusCode::OK, "{}", ports.text);
    // Named without a value (a flag set) or with an empty one, it is not taken as left out
    // either: the change is not made. An empty query is none.
    app.clear_upstream_requests();
    for query in ["?dryRun", "?dryRun=", "?&dryRun"] {
        let reply = ada
            .delete(
                &format!("{path}{query}"),
                Some(&json!({ "reason": "Checking only", "confirmName": PRODUCTION })),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text
        );
    }
    assert!(app.upstream_requests().is_empty());
    assert!(ada.audit("action=delete_peering").await.is_empty());
    let empty = ada
        .post(&format!("{path}/preview?"), &private_peering(200))
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_in_the_json_shape() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let mut change = private_peering(200);
    change["reason"] = json!("x".repeat(70 * 1024));
    app.clear_upstream_requests();

    let too_big = ada
        .post(&peering_path(&production, "PRIVATE"), &change)
        .await;
    let anonymous = app
        .client()
        .post("/api/session", &json!({ "apiKey": "k".repeat(70 * 1024) }))
        .await;

    for reply in [too_big, anonymous] {
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply.code(), "payload_too_large");
        assert!(reply.message().contains("64 KiB"), "{}", reply.message());
    }
    assert!(app.upstream_requests().is_empty());
}

#[tokio::test]
async fn unsafe_path_segments_never_reach_upstream() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let cookie = ada.cookie_header().unwrap();
    let too_long = format!("{production}0");
    let paths = [
        ("GET", "/api/connections/../ports".to_owned()),
        ("GET", "/api/connections/../peering/PRIVATE".to_owned()),
        ("GET", "/api/connections/%2e%2e/peering/PRIVATE".to_owned()),
        ("GET", "/api/connections/..%2fports".to_owned()),
        (
            "POST",
            "/api/connections/..%2Fports/peering/PRIVATE".to_owned(),
        ),
        (
            "GET",
            format!("/api/connections/{}", production.to_uppercase()),
        ),
        (
            "POST",
            format!("/api/connections/{too_long}/peering/PRIVATE"),
        ),
        (
            "GET",
            format!("/api/connections/{production}/peering/BOGUS"),
        ),
        (
            "POST",
            format!("/api/connections/{production}/peering/PRIVATE%2f..%2f.."),
        ),
        (
            "GET",
            format!("/api/connections/{production}/peering/..%2f..%2fports"),
        ),
        ("GET", "/api/connections/%00".to_owned()),
        ("GET", "/api/connections/%FF/peering/PRIVATE".to_owned()),
    ];
    let body = private_peering(200).to_string();

    for (method, path) in paths {
        app.clear_upstream_requests();
        let mut headers = vec![("Cookie", cookie.as_str())];
        let body = (method == "POST").then(|| {
            headers.push(("Content-Type", "application/json"));
            body.as_str()
        });

        let reply = app.raw(method, &path, &headers, body).await;

        assert!(
            reply.status.is_client_error(),
            "{method} {path}: {} {}",
            reply.status,
            reply.text
        );
        assert!(
            app.upstream_requests().is_empty(),
            "{method} {path} reached upstream: {:?}",
            app.upstream_requests()
        );
        // Each refusal says what it refused, not only the status's name.
        let message = reply.json["message"].as_str().unwrap_or_default();
        assert!(message.len() > 20, "{method} {path}: {}", reply.text);
        if path.contains("/peering/BOGUS") {
            assert_eq!(
                message,
                "The peering type in the address must be PRIVATE, PUBLIC or MICROSOFT, in any \
                 case; got BOGUS."
            );
        }
        if path.contains("..%2f..%2fports") {
            assert!(message.ends_with("in any case."), "{message}");
        }
    }
    let ok = app
        .raw(
            "GET",
            &peering_path(&production, "PRIVATE"),
            &[("Cookie", &cookie)],
            None,
        )
        .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "the same request, well formed, works"
    );
}

#[tokio::test]
async fn an_unknown_api_route_is_a_json_404() {
    let app = spawn_app().await;
    for path in ["/api/nope", "/api/", "/api", "/api/connections/x/y/z"] {
        let reply = app.client().get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.code(), "not_found", "{path}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_error() {
    let app = spawn_app().await;
    let client = app.client();
    let reply = client
        .send(client.request(Method::PATCH, "/api/session"))
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.code(), "method_not_allowed");
    assert_eq!(
        reply.message(),
        "This API route does not take PATCH; it takes GET, HEAD, POST, DELETE."
    );
    assert_eq!(reply.header("allow"), Some("GET,HEAD,POST,DELETE"));
}

#[tokio::test]
async fn malformed_json_is_a_json_400_that_does_not_echo_the_input() {
    let app = spawn_app().await;
    let client = app.client();

    let reply = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("content-type", "application/json")
                .body(r#"{"apiKey": 12345678, "x": "#),
        )
        .await;
    let wrong_type = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("content-type", "application/json")
                .body(r#"{"apiKey": ["SecretValue1"]}"#),
        )
        .await;

    for r in [&reply, &wrong_type] {
        assert_eq!(r.status.as_u16() / 100, 4, "{}", r.text);
        assert!(r.code() == "bad_request" || r.code() == "validation_failed");
    }
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        !wrong_type.text.contains("SecretValue1"),
        "{}",
        wrong_type.text
    );
    // An array is no object, even where serde could read its items by position as fields.
    let by_position = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("content-type", "application/json")
                .body(r#"["SecretValue1"]"#),
        )
        .await;
    assert_eq!(by_position.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        by_position.message(),
        "The request body could not be read: invalid type: array, expected an object"
    );
    // Text after the object is said, not what the object lacks; nesting past what a reader
    // goes is said as such, not as an array read in a string's place.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for (body, said) in [
        (
            "{} garbage",
            "The request body is not valid JSON: trailing characters at line 1 column 4",
        ),
        (
            r#"{"apiKey": "SecretValue1"} x"#,
            "The request body is not valid JSON: trailing characters at line 1 column 28",
        ),
        (
            deep.as_str(),
            "The request body could not be read: arrays or objects nested more than 128 deep, which no route takes",
        ),
    ] {
        let reply = client
            .send(
                client
                    .request(Method::POST, "/api/session")
                    .header("content-type", "application/json")
                    .body(body.to_owned()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.message(), said);
    }
    assert!(app.upstream_requests().is_empty());
}

#[tokio::test]
async fn the_request_id_is_the_portals_own() {
    let app = spawn_app().await;
    let client = app.client();
    let reply = client
        .send(
            client
                .request(Method::GET, "/api/session")
                .header("x-request-id", "chosen-by-the-client"),
        )
        .await;
    let id = reply.header("x-request-id").unwrap();
    assert_ne!(id, "chosen-by-the-client");
    assert_eq!(reply.json["requestId"], id);
    let other = client.get("/api/session").await;
    assert_ne!(other.header("x-request-id"), Some(id), "one id per request");
}

fn assert_security_headers(reply: &Reply, what: &str) {
    let csp = reply.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
    // Served over plain HTTP, the portal does not ask browsers to keep to HTTPS: it could
    // not be reached again at this address.
    assert_eq!(reply.header("strict-transport-security"), None, "{what}");
}

/// A portal serving a browser app made of these files; the directory lives as long as the guard.
async fn spawn_site(files: &[(&str, &str)]) -> (tempfile::TempDir, TestApp) {
    let site = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(site.path().join(name), contents).unwrap();
    }
    let app = spawn_app_with(Options {
        static_dir: Some(site.path().to_owned()),
        ..Options::default()
    })
    .await;
    (site, app)
}

#[tokio::test]
async fn api_and_static_responses_carry_the_security_headers() {
    let (_site, app) = spawn_site(&[
        (
            "index.html",
            "<!doctype html><title>portal</title><script type=\"module\">init()</script>",
        ),
        ("app.css", "body { margin: 0 }"),
    ])
    .await;
    let client = app.client();

    let info = client.get("/api/info").await;
    let refused = client.get("/api/connections").await;
    let index = client.get("/").await;
    let deep_link = client.get("/connections/6650a1c2e4b0d7a3c1000000").await;
    let css = client.get("/app.css").await;

    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json["sandbox"], false);
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.text.contains("<title>portal</title>"));
    assert_eq!(deep_link.status, StatusCode::OK, "deep links get the app");
    assert_eq!(deep_link.text, index.text);
    // So do paths with names longer than a file system takes, which it would refuse.
    for overlong in [
        format!("/{}", "a".repeat(256)),
        format!("/connections/{}", "%61".repeat(300)),
        "/a".repeat(3000),
    ] {
        let reply = client.get(&overlong).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", &overlong[..20]);
        assert_eq!(reply.text, index.text);
    }
    assert_eq!(
        client.get(&format!("/{}", "a".repeat(255))).await.text,
        index.text
    );
    assert_eq!(css.status, StatusCode::OK);
    // A file of the app that is not there is not found, rather than answered with the page.
    let gone = client.get("/assets/frontend-0123abcd.js").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    assert!(
        gone.message()
            .starts_with("No file of the browser app is at this address"),
        "{}",
        gone.text
    );
    assert_eq!(
        client.get("/favicon.ico").await.status,
        StatusCode::NOT_FOUND
    );
    for (reply, what) in [
        (&info, "api"),
        (&refused, "api error"),
        (&index, "index"),
        (&deep_link, "deep link"),
        (&css, "css"),
    ] {
        assert_security_headers(reply, what);
    }
    assert_eq!(info.header("cache-control"), Some("no-store"));
    let csp = index.header("content-security-policy").unwrap();
    assert!(
        csp.contains("'sha256-"),
        "the inline loader is allowed by hash: {csp}"
    );
    assert!(!csp.contains("'unsafe-inline'"), "{csp}");
}

#[tokio::test]
async fn the_browser_app_is_served_gzipped_to_browsers_that_take_it() {
    let wasm = "(module) ".repeat(2000);
    let (_site, app) = spawn_site(&[
        ("index.html", "<!doctype html><title>portal</title>"),
        ("app_bg.wasm", &wasm),
    ])
    .await;
    let client = app.client();

    let gzipped = client
        .send(
            client
                .request(Method::GET, "/app_bg.wasm")
                .header("accept-encoding", "gzip"),
        )
        .await;
    let plain = client.get("/app_bg.wasm").await;

    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert!(
        gzipped.text.len() < wasm.len() / 10,
        "compressed: {} bytes",
        gzipped.text.len()
    );
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text, wasm);
}

#[tokio::test]
async fn a_missing_file_asked_for_gzipped_is_a_plain_json_404() {
    let (_site, app) = spawn_site(&[
        ("index.html", "<!doctype html><title>portal</title>"),
        ("index.html.gz", "the build's own gzip of the page"),
    ])
    .await;
    let client = app.client();

    for path in ["/assets/frontend-0123abcd.js", "/favicon.ico"] {
        let reply = client
            .send(
                client
                    .request(Method::GET, path)
                    .header("accept-encoding", "gzip"),
            )
            .await;

        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
        // The error's body is sent as it is: no encoding of the page it stands in for.
        assert_eq!(reply.header("content-encoding"), None, "{path}");
        assert_eq!(reply.header("last-modified"), None, "{path}");
        assert_eq!(reply.json["code"], "not_found", "{path}: {}", reply.text);
        assert!(
            reply
                .message()
                .starts_with("No file of the browser app is at this address"),
            "{path}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn a_gzipped_copy_written_by_the_build_is_served_as_it_is() {
    let (_site, app) = spawn_site(&[
        ("index.html", "<!doctype html><title>portal</title>"),
        ("app.js", &"console.log('plain');".repeat(100)),
        ("app.js.gz", "the build's own gzip"),
    ])
    .await;
    let client = app.client();

    let reply = client
        .send(
            client
                .request(Method::GET, "/app.js")
                .header("accept-encoding", "gzip"),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.text, "the build's own gzip", "not compressed again");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_strict_for_the_whole_site() {
    let app = spawn_app().await;
    let reply = app.client().sign_in(grace()).await;

    let cookie = reply.header("set-cookie").expect("a session cookie");

    assert!(cookie.starts_with("portal_session="), "{cookie}");
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for wanted in ["httponly", "samesite=strict", "path=/"] {
        assert!(
            attributes.iter().any(|a| a == wanted),
            "{wanted} in {cookie}"
        );
    }
    assert!(!reply.text.contains(grace()));
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure_and_host_prefixed() {
    let app = spawn_app_with(Options {
        public_url: Some("https://portal.example.com".into()),
        ..Options::default()
    })
    .await;
    let client = app.client();

    let reply = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("origin", "https://portal.example.com")
                .json(&json!({ "apiKey": grace() })),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Browsers are told to keep to HTTPS here, on the app's pages as on the API.
    for served in [
        &reply,
        &client.get("/").await,
        &client.get("/healthz").await,
    ] {
        assert_eq!(
            served.header("strict-transport-security"),
            Some("max-age=31536000")
        );
    }
    let cookie = reply.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    assert!(cookie.to_ascii_lowercase().contains("; secure"), "{cookie}");
    // Signed out, the cookie is removed with one a browser takes in its place: a removal
    // without `Secure` would leave the ended session's cookie in the browser.
    let session = cookie.split(';').next().unwrap().to_owned();
    let signed_out = client
        .send(
            client
                .request(Method::DELETE, "/api/session")
                .header("origin", "https://portal.example.com")
                .header("cookie", &session),
        )
        .await;
    assert_eq!(
        signed_out.status,
        StatusCode::NO_CONTENT,
        "{}",
        signed_out.text
    );
    let removal = signed_out.header("set-cookie").unwrap();
    assert!(removal.starts_with("__Host-portal_session=;"), "{removal}");
    for attribute in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(removal.contains(attribute), "{attribute} in {removal}");
    }
    let foreign = client
        .send(
            client
                .request(Method::POST, "/api/session")
                .header("origin", app.base_url.as_str())
                .json(&json!({ "apiKey": grace() })),
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::FORBIDDEN,
        "only the public URL is the portal's origin"
    );
}

#[tokio::test]
async fn the_probes_answer() {
    let app = spawn_app().await;
    let client = app.client();
    let health = client.get("/healthz").await;
    let ready = client.get("/readyz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json["status"], "ok");
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json["status"], "ready");
    assert_security_headers(&health, "healthz");
}

#[tokio::test]
async fn the_portal_is_not_ready_while_its_audit_history_cannot_be_written() {
    use sqlx::Connection;
    let app = spawn_app_with(Options {
        busy_timeout: Some(std::time::Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let client = app.client();
    let mut db = app.audit_db().await;
    let lock = db
        .begin_with("begin immediate")
        .await
        .expect("the write lock");

    let locked = client.get("/readyz").await;
    let health = client.get("/healthz").await;

    assert_eq!(
        locked.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        locked.text
    );
    assert_eq!(locked.code(), "audit_unavailable");
    // A probe changed nothing, so it is not told that no change was made.
    let said = locked.json["message"].as_str().unwrap();
    assert!(said.starts_with("Not ready:"), "{said}");
    assert!(!said.contains("no change was made"), "{said}");
    assert_eq!(health.status, StatusCode::OK, "the process itself is up");

    lock.rollback().await.unwrap();
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.json["status"], "ready");
}
