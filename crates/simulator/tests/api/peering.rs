//! Peering: refused before ACTIVE, validated, synced PENDING → SYNCING → SYNCED, read, deleted.

use crate::harness::*;
use models::SyncStatus;
use models::upstream::{Connection, Peering};
use serde_json::json;

async fn partner_sync(s: &Sandbox, id: &str) -> SyncStatus {
    let parent: Connection = serde_json::from_value(s.connection("acme", id).await.json).unwrap();
    parent.partner.unwrap().sync_status.unwrap()
}

async fn read(s: &Sandbox, id: &str, kind: &str) -> Reply {
    s.get(ada(), &peering_path("acme", id, kind)).await
}

#[tokio::test]
async fn peering_update_is_refused_before_active() {
    let s = sandbox().await;
    let created = s
        .create_london("Azure Staging", service_key(LONDON_1G), 500)
        .await;
    let id = created.json["id"].as_str().unwrap();
    s.advance_secs(7);
    let reply = s
        .post(
            ada(),
            &peering_path("acme", id, "PRIVATE"),
            private_peering(),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.message().contains("connection must be ACTIVE"),
        "{}",
        reply.text
    );
    assert!(reply.message().contains("CREATING"), "{}", reply.text);
    assert_eq!(
        read(&s, id, "PRIVATE").await.status,
        404,
        "nothing was stored"
    );
    assert_eq!(
        s.connection("acme", id).await.json["partner"]["peering"],
        json!([])
    );
}

#[tokio::test]
async fn peering_sync_goes_pending_then_syncing_then_synced() {
    let s = sandbox().await;
    let id = s.active_connection().await;
    let reply = s
        .post(
            ada(),
            &peering_path("acme", &id, "PRIVATE"),
            private_peering(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let posted: Peering = serde_json::from_value(reply.json).unwrap();
    assert_eq!(posted.sync_status, Some(SyncStatus::Pending));
    assert_eq!(posted.peer_asn, Some(65020));
    assert_eq!(partner_sync(&s, &id).await, SyncStatus::Pending);

    s.advance_secs(3);
    assert_eq!(read(&s, &id, "PRIVATE").await.json["syncStatus"], "SYNCING");
    assert_eq!(partner_sync(&s, &id).await, SyncStatus::Syncing);
    s.advance_secs(3);
    assert_eq!(read(&s, &id, "PRIVATE").await.json["syncStatus"], "SYNCING");
    s.advance_secs(1);
    let synced: Peering = serde_json::from_value(read(&s, &id, "PRIVATE").await.json).unwrap();
    assert_eq!(synced.sync_status, Some(SyncStatus::Synced));
    assert_eq!(synced.peering_type, Some(models::PeeringType::Private));
    assert_eq!(synced.config().vlan_id, 200);
    assert_eq!(
        synced.shared_key.as_deref(),
        Some("s3cretKey42"),
        "a read returns the whole config"
    );
    assert!(synced.updated_at.is_some());
    assert_eq!(partner_sync(&s, &id).await, SyncStatus::Synced);
}

#[tokio::test]
async fn the_parent_lists_its_peerings_without_the_shared_key_and_shows_the_worst_sync() {
    let s = sandbox().await;
    let id = s.production_id().await;
    assert_eq!(partner_sync(&s, &id).await, SyncStatus::Synced);
    let microsoft = json!({
        "peerASN": 65030,
        "primaryPeerSubnet": "203.0.113.0/30",
        "secondaryPeerSubnet": "203.0.113.4/30",
        "vlanId": 300,
        "sharedKey": "abc123",
        "advertisedPublicPrefixes": ["203.0.113.128/25"],
        "routingRegistryName": "ARIN",
    });
    let reply = s
        .post(ada(), &peering_path("acme", &id, "MICROSOFT"), microsoft)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        partner_sync(&s, &id).await,
        SyncStatus::Pending,
        "the new peering is the least synced"
    );
    let parent = s.connection("acme", &id).await;
    let entries = parent.json["partner"]["peering"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(entries.len(), 2);
    for entry in &entries {
        assert!(entry.get("sharedKey").is_none(), "{entry}");
        assert!(
            entry["vlanId"].is_u64()
                && entry["peerASN"].is_u64()
                && entry["syncStatus"].is_string()
        );
    }
    assert!(!parent.text.contains("abc123"));
}

#[tokio::test]
async fn reposting_a_peering_restarts_its_sync() {
    let s = sandbox().await;
    let id = s.production_id().await;
    assert_eq!(read(&s, &id, "PRIVATE").await.json["syncStatus"], "SYNCED");
    let update = json!({
        "peerASN": 65010,
        "primaryPeerSubnet": "10.10.0.0/30",
        "secondaryPeerSubnet": "10.10.0.4/30",
        "vlanId": 101,
    });
    let reply = s
        .post(ada(), &peering_path("acme", &id, "PRIVATE"), update)
        .await;
    assert_eq!(reply.json["syncStatus"], "PENDING", "{}", reply.text);
    assert_eq!(read(&s, &id, "PRIVATE").await.json["vlanId"], 101);
    s.advance_secs(7);
    assert_eq!(read(&s, &id, "PRIVATE").await.json["syncStatus"], "SYNCED");
}

#[tokio::test]
async fn an_invalid_peering_config_is_refused_with_the_validation_messages() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let bad = json!({
        "peerASN": 65515,
        "primaryPeerSubnet": "203.0.113.1/30",
        "secondaryPeerSubnet": "198.51.100.0/29",
        "vlanId": 100,
    });
    let reply = s
        .post(ada(), &peering_path("acme", &id, "PUBLIC"), bad)
        .await;
    assert_eq!(reply.status, 400);
    let fields: Vec<&str> = reply.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "peerASN",
            "primaryPeerSubnet",
            "secondaryPeerSubnet",
            "vlanId"
        ],
        "{}",
        reply.text
    );
    assert!(
        reply.message().contains("reserved by Microsoft"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .message()
            .contains("already used by the Private peering"),
        "{}",
        reply.text
    );
    assert_eq!(
        read(&s, &id, "PUBLIC").await.status,
        404,
        "nothing was stored"
    );
}

#[tokio::test]
async fn reading_a_peering_that_is_not_configured_is_404() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let reply = read(&s, &id, "MICROSOFT").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json["error"], "not_found");
}

#[tokio::test]
async fn deleting_a_peering_removes_it() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let before = s.connection("acme", &id).await.json["updatedAt"].clone();
    s.advance_secs(60);
    let reply = s.delete(ada(), &peering_path("acme", &id, "PRIVATE")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // The removal is the connection's latest update, not the peering it removed.
    let after = reply.json["updatedAt"].as_str().unwrap();
    assert!(after > before.as_str().unwrap(), "{before} → {after}");
    assert_eq!(reply.json["partner"]["peering"], json!([]));
    assert_eq!(reply.json["partner"]["syncStatus"], "NONE");
    assert_eq!(read(&s, &id, "PRIVATE").await.status, 404);
    assert_eq!(
        s.delete(ada(), &peering_path("acme", &id, "PRIVATE"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_connection_ids_and_peering_types_are_400() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let bad_ids = [
        "abc",
        "0123456789ABCDEF01234567",
        "0123456789abcdef0123456",
        "0123456789abcdef012345678",
        "0123456789abcdef0123456g",
        "%30123456789abcdef0123456",
    ];
    for bad in bad_ids {
        let reply = read(&s, bad, "PRIVATE").await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert!(
            reply.message().contains("connectionId"),
            "{bad}: {}",
            reply.text
        );
        assert_eq!(s.connection("acme", bad).await.status, 400, "{bad}");
        let delete = s
            .delete(ada(), &format!("/api/v2/company/acme/connections/{bad}"))
            .await;
        assert_eq!(delete.status, 400, "{bad}");
    }
    for bad in ["private", "GLOBAL", "PRIVATE%20", ""] {
        let path = peering_path("acme", &id, bad);
        let reply = s.post(ada(), &path, private_peering()).await;
        assert_ne!(reply.status, 200, "{bad}");
        if !bad.is_empty() {
            assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
            assert!(
                reply.message().contains("PRIVATE, PUBLIC, MICROSOFT"),
                "{bad}"
            );
        }
    }
}

#[tokio::test]
async fn peering_on_another_companys_connection_or_a_leg_is_refused() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let other = s.get(ada(), &peering_path("globex", &id, "PRIVATE")).await;
    assert_eq!(other.status, 404);
    let parent = s.connection("acme", &id).await;
    let leg = parent.json["subconnectionIds"]["primary"][0]
        .as_str()
        .unwrap();
    let on_leg = s
        .post(
            ada(),
            &peering_path("acme", leg, "PRIVATE"),
            private_peering(),
        )
        .await;
    assert_eq!(on_leg.status, 400);
    assert!(
        on_leg.message().contains("GROUP_LAYER2 parent"),
        "{}",
        on_leg.text
    );
}
