//! API keys, who-am-I, company membership and the Network Admin role.

use crate::harness::*;
use models::upstream::User;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn requests_without_a_key_are_unauthorized() {
    let s = sandbox().await;
    for path in [
        "/api/auth/token",
        "/api/company/acme/ports",
        "/api/company/acme/connections",
    ] {
        let reply = s.call(Method::GET, None, path, None).await;
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(
            reply.json["error"], "unauthorized",
            "{path}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn requests_with_an_unknown_key_are_unauthorized() {
    let s = sandbox().await;
    let reply = s
        .get("sandbox-nobody-0000000000000000", "/api/auth/token")
        .await;
    assert_eq!(reply.status, 401);
    assert!(reply.message().contains("API key"), "{}", reply.text);
    let not_bearer = s
        .http
        .get(format!("{}/api/auth/token", s.base_url))
        .basic_auth(ada(), Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_bearer.status(), 401);
}

#[tokio::test]
async fn who_am_i_returns_the_user_and_their_companies() {
    let s = sandbox().await;
    let reply = s.get(ada(), "/api/auth/token").await;
    assert_eq!(reply.status, 200);
    let user: User = serde_json::from_value(reply.json.clone()).unwrap();
    assert_eq!(user.name, "Ada Lovelace");
    assert!(user.email.contains('@'));
    assert_eq!(user.kind.as_deref(), Some("USER"));
    assert_eq!(user.status.as_deref(), Some("ACTIVE"));
    let usernames: Vec<&str> = user.companies.iter().map(|c| c.username.as_str()).collect();
    assert_eq!(usernames, ["acme", "globex"]);
    assert_eq!(user.companies[0].name, "Acme Networks");
    assert_eq!(user.id.len(), 24);
    assert!(
        user.extra.contains_key("createdAt"),
        "real answers carry more fields"
    );

    let grace = s.get(api_key("Grace"), "/api/auth/token").await;
    assert_eq!(
        grace.json["companies"],
        json!([{"id": user.companies[1].id, "name": "Globex Corporation", "username": "globex"}])
    );
}

#[tokio::test]
async fn a_company_the_user_does_not_belong_to_is_forbidden() {
    let s = sandbox().await;
    let grace = api_key("Grace");
    assert_eq!(s.get(grace, "/api/company/acme/ports").await.status, 403);
    assert_eq!(
        s.get(grace, "/api/company/acme/connections").await.status,
        403
    );
    assert_eq!(s.get(grace, "/api/company/globex/ports").await.status, 200);
    let linus = api_key("Linus");
    let reply = s.get(linus, "/api/company/globex/connections").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json["error"], "forbidden");
    assert_eq!(
        s.get(linus, "/api/company/no-such-company/ports")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_read_only_user_is_forbidden_every_write() {
    let s = sandbox().await;
    let linus = api_key("Linus");
    let id = s.production_id().await;
    let ports = [s.port_id("acme", "Acme London LD8 1").await];
    let refused = [
        s.post(
            linus,
            &azure("acme", "/serviceKey"),
            json!({"serviceKey": service_key(LONDON_1G)}),
        )
        .await,
        s.put(
            linus,
            &azure("acme", "/create"),
            create_body("Nope", service_key(LONDON_1G), &ports, 100),
        )
        .await,
        s.delete(linus, &format!("/api/v2/company/acme/connections/{id}"))
            .await,
        s.post(
            linus,
            &peering_path("acme", &id, "PRIVATE"),
            private_peering(),
        )
        .await,
        s.delete(linus, &peering_path("acme", &id, "PRIVATE")).await,
    ];
    for reply in &refused {
        assert_eq!(reply.status, 403, "{}", reply.text);
        assert!(reply.message().contains("Network Admin"), "{}", reply.text);
    }
    // Reads still work, and nothing changed.
    let connection = s
        .get(linus, &format!("/api/company/acme/connections/{id}"))
        .await;
    assert_eq!(connection.status, 200);
    assert_eq!(connection.json["status"], "ACTIVE");
    let peering = s.get(linus, &peering_path("acme", &id, "PRIVATE")).await;
    assert_eq!(peering.json["peerASN"], 65010);
    assert_eq!(s.connection_count("acme").await, 5);
}
