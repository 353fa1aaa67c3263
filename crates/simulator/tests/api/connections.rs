//! Service keys, creating, listing, reading and deleting connections, and their state machines.

use crate::harness::*;
use models::upstream::{Connection, ServiceKeyInfo};
use models::{ConnectionStatus, ConnectionType, ProvisioningStatus, SyncStatus};
use serde_json::{Value, json};

fn connection(reply: &Reply) -> Connection {
    assert_eq!(reply.status, 200, "{}", reply.text);
    serde_json::from_value(reply.json.clone()).unwrap()
}

fn id_number(id: &str) -> u128 {
    assert_eq!(id.len(), 24, "{id}");
    assert!(
        id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{id}"
    );
    u128::from_str_radix(id, 16).unwrap()
}

async fn verify(s: &Sandbox, key: &str) -> Reply {
    s.post(
        ada(),
        &azure("acme", "/serviceKey"),
        json!({"serviceKey": key}),
    )
    .await
}

async fn status_of(s: &Sandbox, id: &str) -> ConnectionStatus {
    connection(&s.connection("acme", id).await).status
}

async fn provisioning_of(s: &Sandbox, id: &str) -> ProvisioningStatus {
    let parent = connection(&s.connection("acme", id).await);
    parent.partner.unwrap().provisioning_status.unwrap()
}

async fn remaining(s: &Sandbox, port: &str) -> u64 {
    s.acme_port(port).await["capacity"]["remaining"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn connection_list_holds_azure_parents_their_legs_and_other_clouds() {
    let s = sandbox().await;
    let reply = s.get(ada(), "/api/company/acme/connections").await;
    let all: Vec<Connection> = serde_json::from_value(reply.json["results"].clone()).unwrap();
    let parents: Vec<&Connection> = all
        .iter()
        .filter(|c| c.is_azure() && c.kind == ConnectionType::GroupLayer2)
        .collect();
    assert_eq!(parents.len(), 1);
    let parent = parents[0];
    assert_eq!(parent.name, "Azure London Production");
    assert_eq!(parent.status, ConnectionStatus::Active);
    assert_eq!(parent.speed.as_ref().map(|s| s.mbps()), Some(1000));
    let partner = parent.partner.as_ref().unwrap();
    assert_eq!(
        partner.provisioning_status,
        Some(ProvisioningStatus::Provisioned)
    );
    assert_eq!(partner.sync_status, Some(SyncStatus::Synced));
    let peerings = partner.peerings();
    assert_eq!(peerings[0].vlan_id, Some(100));
    assert_eq!(
        peerings[0].primary_peer_subnet.as_deref(),
        Some("10.10.0.0/30")
    );

    let legs: Vec<&Connection> = all
        .iter()
        .filter(|c| c.parent_id.as_deref() == Some(parent.id.as_str()))
        .collect();
    assert_eq!(legs.len(), 2);
    assert!(
        legs.iter()
            .all(|l| l.kind == ConnectionType::Layer2 && l.status == ConnectionStatus::Active)
    );

    let others: Vec<&Connection> = all
        .iter()
        .filter(|c| !c.is_azure() && c.parent_id.is_none())
        .collect();
    assert!(!others.is_empty());
    assert!(
        others
            .iter()
            .any(|c| c.partner.as_ref().and_then(|p| p.kind.as_deref()) == Some("AWS"))
    );
    assert!(others.iter().all(|c| c.kind == ConnectionType::Layer2));
}

#[tokio::test]
async fn a_connection_is_read_by_id_and_unknown_ones_are_404() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let parent = connection(&s.connection("acme", &id).await);
    assert_eq!(parent.id, id);
    let leg_id = &parent.subconnection_ids.unwrap().primary[0];
    let leg = connection(&s.connection("acme", leg_id).await);
    assert_eq!(leg.parent_id.as_deref(), Some(id.as_str()));

    let unknown = s.connection("acme", "0123456789abcdef01234567").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["error"], "not_found");
    let other_company = s.connection("globex", &id).await;
    assert_eq!(
        other_company.status, 404,
        "acme's connection does not exist for globex"
    );
}

#[tokio::test]
async fn verify_describes_an_unused_key() {
    let s = sandbox().await;
    let reply = verify(&s, service_key(LONDON_1G)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let info: ServiceKeyInfo = serde_json::from_value(reply.json).unwrap();
    assert_eq!(info.service_key.as_deref(), Some(service_key(LONDON_1G)));
    assert_eq!(info.bandwidth_mbps, Some(1000));
    assert_eq!(info.peering_location.as_deref(), Some("London"));
    assert_eq!(info.service_provider_name.as_deref(), Some("PCCW Global"));
    assert_eq!(
        info.service_provider_provisioning_state.as_deref(),
        Some("NotProvisioned")
    );
    assert!(
        info.circuit_name.is_some()
            && info.primary_azure_port.is_some()
            && info.secondary_azure_port.is_some()
    );
    assert_eq!(info.in_use, Some(false));
}

#[tokio::test]
async fn verify_refuses_malformed_unknown_and_used_keys_saying_which() {
    let s = sandbox().await;
    let cases = [
        ("not-a-guid", "GUID"),
        (
            "00000000-0000-0000-0000-000000000000",
            "not a service key Azure knows",
        ),
        (
            service_key(USED),
            "already used by connection \"Azure London Production\"",
        ),
    ];
    for (key, expected) in cases {
        let reply = verify(&s, key).await;
        assert_eq!(reply.status, 400, "{key}");
        assert!(reply.message().contains(expected), "{key}: {}", reply.text);
    }

    // Another company learns that the key is taken, not the name of Acme's connection.
    let other = s
        .post(
            api_key("Grace"),
            &azure("globex", "/serviceKey"),
            json!({"serviceKey": service_key(USED)}),
        )
        .await;
    assert_eq!(other.status, 400, "{}", other.text);
    assert_eq!(
        other.message(),
        "serviceKey is already used by a connection of another company; use another circuit's key"
    );
}

#[tokio::test]
async fn create_makes_a_parent_and_two_legs_with_consecutive_ids() {
    let s = sandbox().await;
    let parent = connection(
        &s.create_london("Azure Staging", service_key(LONDON_1G), 500)
            .await,
    );
    assert_eq!(parent.kind, ConnectionType::GroupLayer2);
    assert_eq!(parent.status, ConnectionStatus::Creating);
    assert_eq!(parent.name, "Azure Staging");
    assert_eq!(parent.speed.as_ref().map(|s| s.mbps()), Some(500));
    assert!(
        parent
            .created_at
            .as_deref()
            .is_some_and(|t| t.ends_with('Z') && t.contains('T'))
    );
    let partner = parent.partner.clone().unwrap();
    assert_eq!(partner.kind.as_deref(), Some("AZURE"));
    assert_eq!(partner.account.as_deref(), Some(service_key(LONDON_1G)));
    assert_eq!(
        partner.provisioning_status,
        Some(ProvisioningStatus::NotProvisioned)
    );
    assert_eq!(partner.sync_status, Some(SyncStatus::None));
    assert!(partner.peering.is_empty());
    assert_eq!(partner.dest_port_ids.len(), 2);

    let subs = parent.subconnection_ids.clone().unwrap();
    let n = id_number(&parent.id);
    assert_eq!(id_number(&subs.primary[0]), n + 1);
    assert_eq!(id_number(&subs.secondary[0]), n + 2);

    let london = [
        s.port_id("acme", "Acme London LD8 1").await,
        s.port_id("acme", "Acme London LD8 2").await,
    ];
    let legs = [
        (&subs.primary[0], "Primary", 0),
        (&subs.secondary[0], "Secondary", 1),
    ];
    for (id, role, i) in legs {
        let leg = connection(&s.connection("acme", id).await);
        assert_eq!(leg.name, format!("Azure Staging {role} 1"));
        assert_eq!(leg.kind, ConnectionType::Layer2);
        assert_eq!(leg.parent_id.as_deref(), Some(parent.id.as_str()));
        assert_eq!(leg.src_port_id.as_deref(), Some(london[i].as_str()));
        assert_eq!(
            leg.dest_port_id.as_deref(),
            Some(partner.dest_port_ids[i].as_str())
        );
        assert_eq!(leg.speed.as_ref().map(|s| s.mbps()), Some(500));
    }
    assert_eq!(s.connection_count("acme").await, 8);
}

#[tokio::test]
async fn created_connection_goes_active_after_the_create_delay() {
    let s = sandbox().await;
    let parent = connection(
        &s.create_london("Azure Staging", service_key(LONDON_1G), 500)
            .await,
    );
    let subs = parent.subconnection_ids.unwrap();
    let ids = [
        parent.id.clone(),
        subs.primary[0].clone(),
        subs.secondary[0].clone(),
    ];
    s.advance_secs(7);
    for id in &ids {
        assert_eq!(status_of(&s, id).await, ConnectionStatus::Creating, "{id}");
    }
    s.advance_secs(1);
    for id in &ids {
        assert_eq!(status_of(&s, id).await, ConnectionStatus::Active, "{id}");
    }
}

#[tokio::test]
async fn provisioning_moves_from_not_provisioned_through_provisioning_to_provisioned() {
    let s = sandbox().await;
    let id = connection(
        &s.create_london("Azure Staging", service_key(LONDON_1G), 500)
            .await,
    )
    .id;
    s.advance_secs(7);
    assert_eq!(
        provisioning_of(&s, &id).await,
        ProvisioningStatus::NotProvisioned
    );
    s.advance_secs(1);
    assert_eq!(
        provisioning_of(&s, &id).await,
        ProvisioningStatus::Provisioning
    );
    s.advance_secs(5);
    assert_eq!(
        provisioning_of(&s, &id).await,
        ProvisioningStatus::Provisioning
    );
    s.advance_secs(1);
    assert_eq!(
        provisioning_of(&s, &id).await,
        ProvisioningStatus::Provisioned
    );
}

#[tokio::test]
async fn create_uses_port_capacity_and_the_service_key() {
    let s = sandbox().await;
    assert_eq!(remaining(&s, "Acme London LD8 1").await, 9000);
    connection(
        &s.create_london("Azure Staging", service_key(LONDON_1G), 500)
            .await,
    );
    assert_eq!(remaining(&s, "Acme London LD8 1").await, 8500);
    assert_eq!(remaining(&s, "Acme London LD8 2").await, 8500);
    let port = s.acme_port("Acme London LD8 1").await;
    assert!(
        port["connections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Azure Staging Primary 1")
    );
    let again = verify(&s, service_key(LONDON_1G)).await;
    assert_eq!(again.status, 400);
    assert!(
        again
            .message()
            .contains("already used by connection \"Azure Staging\""),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn a_single_port_carries_both_legs() {
    let s = sandbox().await;
    let port = s.port_id("acme", "Acme London LD8 1").await;
    let body = create_body(
        "Azure Single",
        service_key(LONDON_10G),
        std::slice::from_ref(&port),
        2000,
    );
    let parent = connection(&s.put(ada(), &azure("acme", "/create"), body).await);
    let subs = parent.subconnection_ids.unwrap();
    for id in [&subs.primary[0], &subs.secondary[0]] {
        let leg = connection(&s.connection("acme", id).await);
        assert_eq!(leg.src_port_id.as_deref(), Some(port.as_str()));
    }
    // 9 Gbps were left; each 2 Gbps leg takes its speed there.
    assert_eq!(remaining(&s, "Acme London LD8 1").await, 5000);

    // 100 Mbps left: room for one leg of 100 Mbps, not for two; two of 50 Mbps fit.
    let amsterdam = s.port_id("acme", "Acme Amsterdam AM3").await;
    assert_eq!(remaining(&s, "Acme Amsterdam AM3").await, 100);
    let order = |speed| {
        create_body(
            "Azure Amsterdam",
            service_key(AMSTERDAM_200M),
            std::slice::from_ref(&amsterdam),
            speed,
        )
    };
    let refused = s.put(ada(), &azure("acme", "/create"), order(100)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        refused
            .message()
            .contains("less than the 200 Mbps its two legs of 100 Mbps need"),
        "{}",
        refused.text
    );
    let fits = s.put(ada(), &azure("acme", "/create"), order(50)).await;
    assert_eq!(fits.status, 200, "{}", fits.text);
    assert_eq!(remaining(&s, "Acme Amsterdam AM3").await, 0);
}

#[tokio::test]
async fn create_is_refused_for_each_bad_input() {
    let s = sandbox().await;
    let london = [
        s.port_id("acme", "Acme London LD8 1").await,
        s.port_id("acme", "Acme London LD8 2").await,
    ];
    let globex = s.port_id("globex", "Globex Dallas DA1 1").await;
    let frankfurt = s.port_id("acme", "Acme Frankfurt FR5").await;
    let singapore = s.port_id("acme", "Acme Singapore SG1").await;
    let amsterdam = s.port_id("acme", "Acme Amsterdam AM3").await;
    let base = create_body("Azure New", service_key(LONDON_1G), &london, 1000);
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let ports =
        |ids: &[&String]| json!(ids.iter().map(|p| json!({"portId": p})).collect::<Vec<_>>());
    let cases = [
        (
            with(
                "azureServiceKey",
                json!("00000000-0000-0000-0000-000000000000"),
            ),
            "not a service key Azure knows",
        ),
        (
            with("azureServiceKey", json!(service_key(USED))),
            "already used",
        ),
        (with("azureServiceKey", json!("12345")), "GUID"),
        (with("name", json!("")), "name is required"),
        (with("name", json!("x".repeat(65))), "at most 64 characters"),
        (
            with("srcPort", json!([])),
            "srcPort needs 1 or 2 ports; got 0",
        ),
        (
            with("srcPort", ports(&[&london[0], &london[1], &amsterdam])),
            "got 3",
        ),
        (
            with("srcPort", ports(&[&globex])),
            "not a port of company acme",
        ),
        (
            with("srcPort", ports(&[&frankfurt])),
            "Disabled, not Active",
        ),
        (with("srcPort", ports(&[&singapore])), "single-service"),
        (
            create_body(
                "Azure Amsterdam",
                service_key(AMSTERDAM_200M),
                std::slice::from_ref(&amsterdam),
                200,
            ),
            "100 Mbps left",
        ),
        (
            with("speed", json!(2000)),
            "above the circuit's bandwidth of 1000 Mbps",
        ),
        (
            with("paymentType", json!("bitcoin")),
            "paymentType must be one of payg, invoice, plan, creditcard",
        ),
    ];
    for (body, expected) in cases {
        let reply = s.put(ada(), &azure("acme", "/create"), body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert!(reply.message().contains(expected), "{body}: {}", reply.text);
    }
    assert_eq!(s.connection_count("acme").await, 5, "nothing was created");
    assert_eq!(
        verify(&s, service_key(LONDON_1G)).await.status,
        200,
        "the key is still free"
    );
}

#[tokio::test]
async fn malformed_or_mistyped_bodies_are_json_400s() {
    let s = sandbox().await;
    let raw = s
        .http
        .put(format!("{}{}", s.base_url, azure("acme", "/create")))
        .bearer_auth(ada())
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let raw = into_reply(raw).await;
    assert_eq!(raw.status, 400);
    assert_eq!(raw.json["error"], "bad_request", "{}", raw.text);
    let mistyped = s
        .put(
            ada(),
            &azure("acme", "/create"),
            json!({"azureServiceKey": 5, "name": []}),
        )
        .await;
    assert_eq!(mistyped.status, 400);
    assert!(
        mistyped.message().contains("invalid type"),
        "{}",
        mistyped.text
    );
    let missing = s
        .post(ada(), &azure("acme", "/serviceKey"), json!({}))
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.message().contains("serviceKey"), "{}", missing.text);
}

#[tokio::test]
async fn delete_goes_deleting_then_deleted_and_frees_the_key_and_capacity() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let reply = s
        .delete(ada(), &format!("/api/v2/company/acme/connections/{id}"))
        .await;
    let deleting = connection(&reply);
    assert_eq!(deleting.status, ConnectionStatus::Deleting);
    let subs = deleting.subconnection_ids.unwrap();
    assert_eq!(
        status_of(&s, &subs.primary[0]).await,
        ConnectionStatus::Deleting
    );
    assert_eq!(
        provisioning_of(&s, &id).await,
        ProvisioningStatus::Deprovisioning
    );
    let held = verify(&s, service_key(USED)).await;
    assert_eq!(held.status, 400, "still used while DELETING");
    assert_eq!(
        held.message(),
        "serviceKey is still held by connection \"Azure London Production\", which is being \
         deleted; the key is free once that connection is Deleted"
    );
    assert_eq!(remaining(&s, "Acme London LD8 1").await, 9000);

    s.advance_secs(5);
    for leg in [&id, &subs.primary[0], &subs.secondary[0]] {
        assert_eq!(status_of(&s, leg).await, ConnectionStatus::Deleted);
    }
    assert_eq!(remaining(&s, "Acme London LD8 1").await, 10_000);
    assert_eq!(remaining(&s, "Acme London LD8 2").await, 10_000);
    assert_eq!(
        verify(&s, service_key(USED)).await.status,
        200,
        "the key is free again"
    );
    let reused = s
        .create_london("Azure London Production 2", service_key(USED), 1000)
        .await;
    assert_eq!(reused.status, 200, "{}", reused.text);
}

/// A connection deleted while it is still being created was never provisioned in Azure: it
/// is not said to be deprovisioning.
#[tokio::test]
async fn a_connection_deleted_while_creating_is_not_deprovisioned() {
    let s = sandbox().await;
    let id = connection(
        &s.create_london("Azure Staging", service_key(LONDON_1G), 500)
            .await,
    )
    .id;
    s.advance_secs(2);
    let reply = s
        .delete(ada(), &format!("/api/v2/company/acme/connections/{id}"))
        .await;
    assert_eq!(connection(&reply).status, ConnectionStatus::Deleting);
    for _ in 0..2 {
        assert_eq!(
            provisioning_of(&s, &id).await,
            ProvisioningStatus::NotProvisioned
        );
        s.advance_secs(3);
    }
    assert_eq!(status_of(&s, &id).await, ConnectionStatus::Deleted);
    // Nor does anything happen to it afterwards: it never became Active, nor provisioned.
    let deleted_at = s.connection("acme", &id).await.json["updatedAt"].clone();
    assert!(deleted_at.is_string(), "{deleted_at}");
    s.advance_secs(20);
    assert_eq!(
        s.connection("acme", &id).await.json["updatedAt"],
        deleted_at
    );
}

#[tokio::test]
async fn deleting_again_a_leg_or_an_unknown_connection_is_refused() {
    let s = sandbox().await;
    let id = s.production_id().await;
    let path = format!("/api/v2/company/acme/connections/{id}");
    let parent = connection(&s.connection("acme", &id).await);
    let leg = &parent.subconnection_ids.unwrap().primary[0];
    let leg_reply = s
        .delete(ada(), &format!("/api/v2/company/acme/connections/{leg}"))
        .await;
    assert_eq!(leg_reply.status, 400);
    assert!(
        leg_reply.message().contains("delete the parent"),
        "{}",
        leg_reply.text
    );

    assert_eq!(s.delete(ada(), &path).await.status, 200);
    let twice = s.delete(ada(), &path).await;
    assert_eq!(twice.status, 400);
    assert!(
        twice.message().contains("already DELETING"),
        "{}",
        twice.text
    );
    s.advance_secs(5);
    let after = s.delete(ada(), &path).await;
    assert_eq!(after.status, 400);
    assert!(
        after.message().contains("already DELETED"),
        "{}",
        after.text
    );

    let unknown = s
        .delete(
            ada(),
            "/api/v2/company/acme/connections/0123456789abcdef01234567",
        )
        .await;
    assert_eq!(unknown.status, 404);
}
