//! BGP peering: change, preview, read back, delete; the rules checked before anything goes
//! upstream; and how upstream failures end, for the user and in the audit history.

mod common;

use common::*;
use models::PeeringType;
use models::api::RouterConfigView;
use models::router::{self, Vendor};
use models::upstream::PeeringConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use simulator::{Fault, Route};
use std::time::Duration;

/// A signed-in Ada in acme and the id of the seeded production connection.
async fn ada_on_production(app: &TestApp) -> (Client, String) {
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client.connection_id(PRODUCTION).await;
    (client, id)
}

#[tokio::test]
async fn a_private_peering_update_goes_pending_then_synced() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    let mut change = private_peering(200);
    change["config"]["sharedKey"] = json!("Md5Key2024");

    let reply = client.post(&path, &change).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["syncStatus"], "PENDING");
    assert_eq!(reply.json["config"]["vlanId"], 200);
    assert_eq!(reply.json["sharedKeySet"], true);
    assert!(
        reply.json["config"].get("sharedKey").is_none(),
        "{}",
        reply.text
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);

    app.advance(4);
    assert_eq!(client.get(&path).await.json["syncStatus"], "SYNCING");
    app.advance(10);

    let read = client.get(&path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["syncStatus"], "SYNCED");
    assert_eq!(read.json["config"]["vlanId"], 200);
    assert_eq!(read.json["config"]["primaryPeerSubnet"], "10.20.0.0/30");
    assert_eq!(read.json["sharedKeySet"], true);
    // The type in the path in any case, as typed into an address.
    let typed = client.get(&peering_path(&id, "Private")).await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.text);
    assert_eq!(typed.json, read.json);

    let (intent, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(intent["peeringType"], "PRIVATE");
    assert_eq!(
        intent["reason"],
        "Move the private peering to the new core VLAN"
    );
    assert_eq!(intent["before"]["vlanId"], 100);
    assert_eq!(outcome["outcome"], "succeeded");
    assert_eq!(outcome["upstreamStatus"], 200);
    assert_eq!(outcome["after"]["vlanId"], 200);
    // The key typed is said to be new; the one Console Connect took is fingerprinted after.
    assert_eq!(intent["request"]["sharedKey"], "a new key (not shown)");
    let fingerprint = outcome["after"]["sharedKey"].as_str().unwrap();
    assert!(fingerprint.starts_with("hmac-sha256:"), "{fingerprint}");
}

#[tokio::test]
async fn a_change_preview_lists_field_changes_and_changes_nothing() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let before = client.get(&peering_path(&id, "PRIVATE")).await;
    app.clear_upstream_requests();

    let reply = client
        .post(
            &format!("{}/preview", peering_path(&id, "PRIVATE")),
            &private_peering(300),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["exists"], true);
    let changes = reply.json["changes"].as_array().unwrap();
    let change = |field: &str| {
        changes
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("no {field} change in {changes:#?}"))
    };
    assert_eq!(change("vlanId")["before"], 100);
    assert_eq!(change("vlanId")["after"], 300);
    assert_eq!(change("primaryPeerSubnet")["before"], "10.10.0.0/30");
    assert_eq!(change("primaryPeerSubnet")["after"], "10.20.0.0/30");
    assert!(
        changes.iter().all(|c| c["field"] != "peerASN"),
        "an unchanged field is not listed"
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert!(app.upstream_requests().iter().all(|r| r.method == "GET"));
    let after = client.get(&peering_path(&id, "PRIVATE")).await;
    assert_eq!(after.json, before.json, "nothing changed");
    assert!(
        client.audit("action=update_peering").await.is_empty(),
        "a preview is not a change"
    );

    // What a preview is given of the note must pass when applied; it need not be given yet.
    let preview_path = format!("{}/preview", peering_path(&id, "PRIVATE"));
    let mut unnoted = private_peering(300);
    unnoted["reason"] = "".into();
    unnoted.as_object_mut().unwrap().remove("ticket");
    let reply = client.post(&preview_path, &unnoted).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let mut long = private_peering(300);
    long["reason"] = "r".repeat(501).into();
    long["ticket"] = "T".repeat(65).into();
    let reply = client.post(&preview_path, &long).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(reply.field("reason").is_some(), "{}", reply.text);
    assert!(reply.field("ticket").is_some(), "{}", reply.text);
    let mut stale = private_peering(300);
    stale["expectedBase"] = "latest".into();
    let reply = client.post(&preview_path, &stale).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(reply.field("expectedBase").is_some(), "{}", reply.text);
    assert!(app.upstream_requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn a_change_reviewed_against_an_older_peering_is_refused() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let colleague = app.sign_in_to(ada(), "acme").await;
    let path = peering_path(&id, "PRIVATE");
    let preview_path = format!("{path}/preview");
    let reviewed = client.post(&preview_path, &private_peering(300)).await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text);
    let base = reviewed.json["base"].as_str().expect("a base").to_owned();
    assert_eq!(
        client.post(&preview_path, &private_peering(400)).await.json["base"],
        base.as_str(),
        "the base is the current peering's, whatever the proposal"
    );

    // A colleague changes the peering between the preview and the apply.
    let theirs = colleague.post(&path, &private_peering(200)).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.text);
    let just_changed = client.post(&preview_path, &private_peering(300)).await;
    app.advance(10);
    let synced = client.post(&preview_path, &private_peering(300)).await;
    assert_eq!(
        synced.json["base"], just_changed.json["base"],
        "the sync status moving on is not a change"
    );
    app.clear_upstream_requests();
    let mut change = private_peering(300);
    change["expectedBase"] = json!(base);

    let refused = client.post(&path, &change).await;

    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "changed_since_read");
    assert!(
        refused.message().contains("Preview it again"),
        "{}",
        refused.text
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    let (intent, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(intent["before"]["vlanId"], 200);
    assert_eq!(intent["request"]["vlanId"], 300);
    assert_eq!(outcome["outcome"], "refused");
    assert_eq!(client.get(&path).await.json["config"]["vlanId"], 200);

    // Reviewed again, against the colleague's settings, it goes through.
    let fresh = client.post(&preview_path, &private_peering(300)).await;
    assert_ne!(fresh.json["base"], base.as_str());
    let vlan = fresh.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "vlanId")
        .cloned()
        .expect("a VLAN change");
    assert_eq!(
        (vlan["before"].clone(), vlan["after"].clone()),
        (json!(200), json!(300))
    );
    change["expectedBase"] = fresh.json["base"].clone();
    let applied = client.post(&path, &change).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.text);
    assert_eq!(applied.json["config"]["vlanId"], 300);
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);
}

#[tokio::test]
async fn a_change_reviewed_before_the_peering_existed_is_refused_once_it_does() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "MICROSOFT");
    let reviewed = client
        .post(&format!("{path}/preview"), &microsoft_peering(300))
        .await;
    assert_eq!(reviewed.json["exists"], false, "{}", reviewed.text);
    let mut change = microsoft_peering(300);
    change["expectedBase"] = reviewed.json["base"].clone();
    let colleague = app.sign_in_to(ada(), "acme").await;
    let mut theirs = microsoft_peering(310);
    theirs["config"]["sharedKey"] = json!("TheirKey2024");
    assert_eq!(colleague.post(&path, &theirs).await.status, StatusCode::OK);

    let refused = client.post(&path, &change).await;

    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "changed_since_read");
    assert_eq!(client.get(&path).await.json["config"]["vlanId"], 310);
}

#[tokio::test]
async fn a_peering_read_gives_the_base_a_delete_is_checked_against() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let colleague = app.sign_in_to(ada(), "acme").await;
    let path = peering_path(&id, "PRIVATE");
    let shown = client.get(&path).await;
    let base = shown.json["base"].as_str().expect("a base").to_owned();
    let preview = client
        .post(&format!("{path}/preview"), &private_peering(300))
        .await;
    assert_eq!(
        preview.json["base"],
        base.as_str(),
        "a read and a preview agree"
    );
    let mut theirs = private_peering(100);
    theirs["config"]["sharedKey"] = json!("OnlyTheKeyChanged1");
    let changed = colleague.post(&path, &theirs).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_ne!(
        changed.json["base"],
        base.as_str(),
        "a new shared key is a change"
    );
    let removal = |base: &str| json!({"reason": "Move to MICROSOFT", "confirmName": PRODUCTION, "expectedBase": base});

    let refused = client.delete(&path, Some(&removal(&base))).await;

    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "changed_since_read");
    assert_eq!(app.upstream_calls(Route::DeletePeering), 0);
    let (intent, outcome) = client.audit_pair("delete_peering", &id).await;
    assert_eq!(outcome["outcome"], "refused");
    assert!(intent["before"]["sharedKey"].is_string());
    let current = client.get(&path).await;
    assert_eq!(current.json["base"], changed.json["base"]);
    let deleted = client
        .delete(
            &path,
            Some(&removal(current.json["base"].as_str().unwrap())),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(app.upstream_calls(Route::DeletePeering), 1);
}

#[tokio::test]
async fn a_base_the_portal_never_gave_is_refused_on_its_field_before_anything_is_recorded() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    let peering_base = client.get(&path).await.json["base"].clone();
    let connection_base = client.get(&format!("/api/connections/{id}")).await.json["base"].clone();
    app.clear_upstream_requests();
    let removal =
        |base: &Value| json!({"reason": "Tidy", "confirmName": PRODUCTION, "expectedBase": base});
    let mut change = private_peering(300);

    for (what, base) in [
        ("garbage", json!("garbage")),
        (
            "upper case",
            json!(peering_base.as_str().unwrap().to_uppercase()),
        ),
        ("a connection's base", connection_base.clone()),
    ] {
        change["expectedBase"] = base.clone();
        for reply in [
            client.post(&path, &change).await,
            client.delete(&path, Some(&removal(&base))).await,
        ] {
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what}: {}",
                reply.text
            );
            let message = reply.field("expectedBase").expect("an expectedBase error");
            assert!(message.contains("hmac-sha256:"), "{message}");
        }
    }
    let wrong = client
        .delete(
            &format!("/api/connections/{id}"),
            Some(&removal(&peering_base)),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    let message = wrong.field("expectedBase").expect("an expectedBase error");
    assert!(
        message.contains("base a read of the connection gave"),
        "{message}"
    );

    assert!(app.upstream_requests().iter().all(|r| r.method == "GET"));
    for action in ["update_peering", "delete_peering", "delete_connection"] {
        assert!(
            client.audit(&format!("action={action}")).await.is_empty(),
            "{action}"
        );
    }
    // The bases as given still work.
    change["expectedBase"] = peering_base;
    assert_eq!(client.post(&path, &change).await.status, StatusCode::OK);
}

#[tokio::test]
async fn both_routers_configuration_is_written_from_the_peering_as_configured() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    let mut change = private_peering(200);
    change["config"]["sharedKey"] = json!("RouterCanary77");
    assert_eq!(client.post(&path, &change).await.status, StatusCode::OK);
    let config: PeeringConfig = serde_json::from_value(change["config"].clone()).unwrap();
    let reads = app.upstream_calls(Route::ReadPeering);

    for (query, vendor) in [
        ("", Vendor::CiscoIosXe),
        ("?vendor=junos", Vendor::Junos),
        ("?vendor=JUNOS", Vendor::Junos),
        ("?vendor=junos-set", Vendor::JunosSet),
    ] {
        let reply = client.get(&format!("{path}/router-config{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let shown: RouterConfigView = serde_json::from_value(reply.json.clone()).unwrap();
        let expected = router::view(vendor, PeeringType::Private, &config, true, PRODUCTION, &[]);
        assert_eq!(shown, expected);
        let primary = shown.routers[0].text.as_deref().unwrap();
        assert!(
            primary.contains("10.20.0.2"),
            "Microsoft's address: {primary}"
        );
        assert!(
            primary.contains(router::SHARED_KEY_PLACEHOLDER),
            "{primary}"
        );
        assert!(!reply.text.contains("RouterCanary77"), "{}", reply.text);
    }
    assert_eq!(
        app.upstream_calls(Route::ReadPeering),
        reads + 4,
        "each answer reads the peering as it is now"
    );

    let other_os = client
        .get(&format!("{path}/router-config?vendor=eos"))
        .await;
    assert_eq!(
        other_os.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other_os.text
    );
    assert_eq!(
        other_os.field("vendor"),
        Some(
            "vendor must be one of ios-xe for Cisco IOS XE, junos for Juniper Junos, junos-set for Juniper Junos (set commands); got eos"
        )
    );
    // Text that does not read as an OS's name (a key pasted in the wrong place) is not said back.
    let pasted = client
        .get(&format!(
            "{path}/router-config?vendor=4f8a2c1e-7b3d-4e59-9a10-2c6b8d0e1f37"
        ))
        .await;
    assert_eq!(
        pasted
            .field("vendor")
            .map(|m| m.ends_with("(set commands)")),
        Some(true),
        "{}",
        pasted.text
    );
    let unknown = client.get(&format!("{path}/router-config?os=junos")).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    // Beside a parameter it does not have, an OS it does not write is named in the same answer.
    let both = client
        .get(&format!("{path}/router-config?vendor=eos&os=junos"))
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.text);
    assert!(
        both.message().contains("unknown field `os`"),
        "{}",
        both.text
    );
    assert!(
        both.message().contains("; vendor must be one of ios-xe"),
        "{}",
        both.text
    );
    let public = peering_path(&id, "PUBLIC");
    let none = client.get(&format!("{public}/router-config")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);

    // A Microsoft peering from another AS on the same routers: each one's text says so.
    let microsoft = peering_path(&id, "MICROSOFT");
    let added = client.post(&microsoft, &microsoft_peering(300)).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let said = |reply: &Reply| {
        serde_json::from_value::<RouterConfigView>(reply.json.clone())
            .unwrap()
            .routers
            .into_iter()
            .map(|r| r.text.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    for (of, other, asns) in [
        (&microsoft, "Private", "AS 65010, this one from AS 64512"),
        (&path, "Microsoft", "AS 64512, this one from AS 65010"),
    ] {
        let reply = client.get(&format!("{of}/router-config")).await;
        let note = format!("This router's {other} peering session is from {asns}");
        for text in said(&reply) {
            assert!(text.contains(&note), "{note} in {text}");
        }
    }
}

#[tokio::test]
async fn no_router_configuration_is_written_for_a_connection_being_deleted_or_deleted() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Azure Going", service_key(LONDON_10G), 100)
        .await;
    app.advance(60);
    let path = peering_path(&id, "PRIVATE");
    let added = client.post(&path, &private_peering(200)).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let config = format!("{path}/router-config");
    assert_eq!(client.get(&config).await.status, StatusCode::OK);

    let deleted = client
        .delete(
            &format!("/api/connections/{id}"),
            Some(&json!({"reason": "Decommission", "confirmName": "Azure Going"})),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.text);
    let going = client.get(&config).await;
    app.advance(60);
    let gone = client.get(&config).await;

    for (reply, words) in [(&going, "being deleted"), (&gone, "already deleted")] {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
        assert!(
            reply
                .message()
                .starts_with(&format!("Connection {id} is {words}: its routers")),
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("<interface>"), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_microsoft_peering_is_configured_with_its_prefixes() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "MICROSOFT");
    let none = client.get(&path).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(
        none.message(),
        format!(
            "Console Connect has no Microsoft peering on connection {id} in the selected company."
        )
    );

    let reply = client.post(&path, &microsoft_peering(300)).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    app.advance(10);
    let read = client.get(&path).await;
    assert_eq!(read.json["peeringType"], "MICROSOFT");
    assert_eq!(read.json["syncStatus"], "SYNCED");
    assert_eq!(
        read.json["config"]["advertisedPublicPrefixes"],
        json!(["198.51.100.0/24", "203.0.113.128/25"])
    );
    assert_eq!(read.json["config"]["customerASN"], 64999);
    assert_eq!(read.json["config"]["routingRegistryName"], "ARIN");
    // The prefixes are a set: the same ones in another order (and another spelling) are no
    // change to review.
    let mut reordered = microsoft_peering(300);
    reordered["config"]["advertisedPublicPrefixes"] =
        json!(["203.0.113.128/25", "198.51.100.0/24"]);
    let same = client.post(&format!("{path}/preview"), &reordered).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    assert_eq!(same.json["changes"], json!([]), "{}", same.text);
    reordered["config"]["advertisedPublicPrefixes"] = json!(["203.0.113.128/25"]);
    let fewer = client.post(&format!("{path}/preview"), &reordered).await;
    assert_eq!(
        fewer.json["changes"][0]["field"], "advertisedPublicPrefixes",
        "{}",
        fewer.text
    );
    let connection = client.get(&format!("/api/connections/{id}")).await;
    let kinds: Vec<&Value> = connection.json["peerings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["peeringType"])
        .collect();
    assert_eq!(kinds, [&json!("PRIVATE"), &json!("MICROSOFT")]);
    // There was no peering before: no snapshot, the same in the table as anywhere else.
    let mut db = app.audit_db().await;
    let (before, after): (Option<String>, Option<String>) = sqlx::query_as(
        "select i.before, o.after from audit_events i join audit_events o on o.intent_id = i.id \
         where i.action = 'update_peering' and i.peering_type = 'MICROSOFT'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(before, None);
    assert!(after.is_some_and(|a| a.contains("ARIN")));
}

#[tokio::test]
async fn a_peering_delete_needs_the_connection_name_typed() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");

    let wrong = client
        .delete(
            &path,
            Some(&json!({"reason": "Move to MICROSOFT", "confirmName": "Azure London"})),
        )
        .await;

    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .field("confirmName")
            .unwrap()
            .contains("the connection's name, in the same case"),
        "{}",
        wrong.text
    );
    assert_eq!(app.upstream_calls(Route::DeletePeering), 0);
    assert_eq!(client.get(&path).await.status, StatusCode::OK);

    let deleted = client
        .delete(
            &path,
            Some(&json!({"reason": "Move to MICROSOFT", "confirmName": PRODUCTION})),
        )
        .await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(app.upstream_calls(Route::DeletePeering), 1);
    let gone = client.get(&path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let (intent, outcome) = client.audit_pair("delete_peering", &id).await;
    assert_eq!(intent["before"]["vlanId"], 100);
    assert_eq!(outcome["outcome"], "succeeded");
}

#[tokio::test]
async fn an_invalid_peering_change_is_refused_per_field_and_nothing_reaches_upstream() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    app.clear_upstream_requests();

    let reply = client
        .post(
            &peering_path(&id, "PRIVATE"),
            &json!({
                "config": {
                    "peerASN": 65515,
                    "primaryPeerSubnet": "10.1.0.1/30",
                    "secondaryPeerSubnet": "10.1.0.4/29",
                    "vlanId": 5000,
                    "sharedKey": "not valid!",
                    "advertisedPublicPrefixes": ["203.0.113.0/24"],
                },
                "reason": "",
            }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.code(), "validation_failed");
    let expect = [
        ("peerASN", "65515 to 65520"),
        ("primaryPeerSubnet", "10.1.0.0"),
        ("secondaryPeerSubnet", "/30"),
        ("vlanId", "1 to 4094"),
        ("sharedKey", "letters or digits"),
        ("advertisedPublicPrefixes", "Microsoft peering only"),
        ("reason", "required"),
    ];
    for (field, allowed) in expect {
        let message = reply
            .field(field)
            .unwrap_or_else(|| panic!("no {field} error in {}", reply.text));
        assert!(message.contains(field), "{field}: {message}");
        assert!(message.contains(allowed), "{field}: {message}");
    }
    assert!(
        !reply.text.contains("not valid!"),
        "the shared key is not echoed"
    );
    assert!(
        app.upstream_requests().is_empty(),
        "{:?}",
        app.upstream_requests()
    );
    assert!(client.audit("action=update_peering").await.is_empty());
}

#[tokio::test]
async fn a_misspelt_field_is_refused_naming_the_fields_there_are() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    app.clear_upstream_requests();
    let path = peering_path(&id, "PRIVATE");

    // Dropped unseen, `sharedkey` would leave the peering without the key meant for it. The
    // slip is named with the field meant; the value sent under it is not said back.
    let mut misspelt_key = private_peering(200);
    misspelt_key["config"]["sharedkey"] = json!("Md5Key2024");
    let mut misspelt_ticket = private_peering(200);
    misspelt_ticket["tciket"] = json!("CHG-1");
    for (body, route, names) in [
        (&misspelt_key, format!("{path}/preview"), "`sharedKey`"),
        (&misspelt_key, path.clone(), "`sharedKey`"),
        (&misspelt_ticket, path.clone(), "`ticket`"),
    ] {
        let reply = client.post(&route, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{route}");
        assert!(reply.message().contains("unknown field"), "{}", reply.text);
        assert!(
            reply
                .message()
                .contains(&format!("(did you mean {names}?)")),
            "{}",
            reply.text
        );
        assert!(!reply.text.contains("Md5Key2024"), "{}", reply.text);
    }
    assert!(app.upstream_requests().is_empty());
    assert!(client.audit("action=update_peering").await.is_empty());
}

#[tokio::test]
async fn a_vlan_used_by_another_peering_is_refused() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;

    let reply = client
        .post(&peering_path(&id, "MICROSOFT"), &microsoft_peering(100))
        .await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = reply.field("vlanId").expect("a vlanId error");
    assert!(message.contains("the Private peering"), "{message}");
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
}

#[tokio::test]
async fn keeping_the_shared_key_leaves_it_set() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    let mut first = private_peering(200);
    first["config"]["sharedKey"] = json!("Md5Key2024");
    assert_eq!(client.post(&path, &first).await.status, StatusCode::OK);

    let mut second = private_peering(201);
    second["keepSharedKey"] = json!(true);
    let reply = client.post(&path, &second).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["sharedKeySet"], true);
    let events = client
        .audit("action=update_peering&outcome=succeeded")
        .await;
    let keys: Vec<&Value> = events.iter().map(|e| &e["after"]["sharedKey"]).collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the same fingerprint: the key was kept");

    // A new key beside the ask to keep the current one is refused, in a preview as in a change,
    // before anything is read or sent: which of the two was meant cannot be told.
    let mut both = private_peering(202);
    both["keepSharedKey"] = json!(true);
    both["config"]["sharedKey"] = json!("NewKey2025");
    app.clear_upstream_requests();
    for route in [format!("{path}/preview"), path.clone()] {
        let refused = client.post(&route, &both).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{route}");
        let message = refused.field("sharedKey").expect("a sharedKey error");
        assert!(message.contains("not both"), "{message}");
        assert!(!refused.text.contains("NewKey2025"), "{}", refused.text);
    }
    assert!(app.upstream_requests().is_empty());
}

#[tokio::test]
async fn a_peering_cannot_take_subnets_another_peering_of_the_connection_has() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let microsoft = client
        .post(&peering_path(&id, "MICROSOFT"), &microsoft_peering(300))
        .await;
    assert_eq!(microsoft.status, StatusCode::OK, "{}", microsoft.text);
    let public = |primary: &str, secondary: &str| {
        json!({
            "config": {
                "peerASN": 64512,
                "primaryPeerSubnet": primary,
                "secondaryPeerSubnet": secondary,
                "vlanId": 400,
            },
            "reason": "Public services over the same circuit",
        })
    };
    app.clear_upstream_requests();

    // The MICROSOFT peering's secondary /30 again, in a preview and in a change.
    let path = peering_path(&id, "PUBLIC");
    let taken = public("203.0.113.8/30", "203.0.113.4/30");
    for route in [format!("{path}/preview"), path.clone()] {
        let refused = client.post(&route, &taken).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{route}");
        let message = refused
            .field("secondaryPeerSubnet")
            .expect("under its field");
        assert!(
            message.contains("is already used by the Microsoft peering"),
            "{message}"
        );
        assert!(
            refused.field("primaryPeerSubnet").is_none(),
            "{}",
            refused.text
        );
    }
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert!(
        client
            .audit("action=update_peering&peeringType=PUBLIC")
            .await
            .is_empty()
    );

    let own = client
        .post(&path, &public("203.0.113.8/30", "203.0.113.12/30"))
        .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "subnets of its own: {}",
        own.text
    );
}

/// Ada's seeded PRIVATE peering given shared key `key`: her client, the peering's path, and
/// the key's fingerprint as the history's outcome keeps it.
async fn private_peering_keyed(app: &TestApp, key: &str) -> (Client, String, Value) {
    let (client, id) = ada_on_production(app).await;
    let path = peering_path(&id, "PRIVATE");
    let mut set = private_peering(200);
    set["config"]["sharedKey"] = json!(key);
    assert_eq!(client.post(&path, &set).await.status, StatusCode::OK);
    let current = client
        .audit("action=update_peering&outcome=succeeded")
        .await[0]["after"]["sharedKey"]
        .clone();
    assert!(current.as_str().unwrap().starts_with("hmac-sha256:"));
    (client, path, current)
}

#[tokio::test]
async fn a_preview_does_not_tell_whether_a_typed_key_is_the_current_one() {
    let app = spawn_app().await;
    let (client, path, current) = private_peering_keyed(&app, "Md5Key2024").await;

    // The right key and a guess get the same answer, with no fingerprint of what was typed.
    let preview = |key: &str| {
        let mut change = private_peering(200);
        change["config"]["sharedKey"] = json!(key);
        let (client, path) = (&client, format!("{path}/preview"));
        async move { client.post(&path, &change).await }
    };
    let (right, guess) = (preview("Md5Key2024").await, preview("Md5Key2025").await);
    assert_eq!(right.status, StatusCode::OK, "{}", right.text);
    assert_eq!(right.json, guess.json);
    assert_eq!(
        right.json["changes"],
        json!([{"field": "sharedKey", "before": current, "after": "a new key (not shown)"}])
    );
    assert!(!right.text.contains("Md5Key2024"), "{}", right.text);

    // Keeping the key is no change to it.
    let mut keep = private_peering(200);
    keep["keepSharedKey"] = json!(true);
    let kept = client.post(&format!("{path}/preview"), &keep).await;
    assert_eq!(kept.json["changes"], json!([]), "{}", kept.text);
}

#[tokio::test]
async fn a_peering_is_neither_previewed_nor_removed_while_its_connection_is_deleting() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    let deleting = client
        .delete(
            &format!("/api/connections/{id}"),
            Some(&json!({"reason": "Decommission", "confirmName": PRODUCTION})),
        )
        .await;
    assert_eq!(deleting.status, StatusCode::ACCEPTED, "{}", deleting.text);

    let preview = client
        .post(&format!("{path}/preview"), &private_peering(200))
        .await;
    assert_eq!(preview.status, StatusCode::CONFLICT, "{}", preview.text);
    assert_eq!(
        preview.message(),
        "Peering can be configured only while the connection is Active; it is Deleting now."
    );

    let removed = client
        .delete(
            &path,
            Some(&json!({"reason": "Clean up", "confirmName": PRODUCTION})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::CONFLICT, "{}", removed.text);
    assert_eq!(
        removed.message(),
        "A peering can be removed only while the connection is Active; it is Deleting now."
    );
    assert_eq!(app.upstream_calls(Route::DeletePeering), 0);
    let (intent, outcome) = client.audit_pair("delete_peering", &id).await;
    assert_eq!(intent["before"]["vlanId"], 100);
    assert_eq!(outcome["outcome"], "refused");
    assert!(outcome["upstreamStatus"].is_null());
}

#[tokio::test]
async fn peering_update_is_refused_before_active() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Azure London Staging", service_key(LONDON_1G), 500)
        .await;

    let reply = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.code(), "conflict");
    assert!(reply.message().contains("Active"), "{}", reply.message());
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    let (intent, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(intent["connectionId"], id.as_str());
    assert_eq!(outcome["outcome"], "refused");
    assert!(outcome["upstreamStatus"].is_null());

    app.advance(60);
    let later = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(later.status, StatusCode::OK, "once ACTIVE: {}", later.text);
}

/// Sets `fault` on the peering update route, makes a change on the production connection, and
/// returns the reply with the change's audit outcome.
async fn update_with_fault(app: &TestApp, fault: Fault) -> (Reply, Value, Value) {
    let (client, id) = ada_on_production(app).await;
    app.sim.set_fault(Route::UpdatePeering, fault);
    let reply = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;
    app.sim.clear_faults();
    let (intent, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(
        app.upstream_calls(Route::UpdatePeering),
        1,
        "a write is not retried"
    );
    (reply, intent, outcome)
}

#[tokio::test]
async fn an_upstream_5xx_on_a_peering_update_is_a_502_with_a_failed_outcome() {
    let app = spawn_app().await;
    let fault = Fault {
        status: Some(503),
        ..Fault::default()
    };

    let (reply, intent, outcome) = update_with_fault(&app, fault).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.code(), "upstream_failed");
    assert!(reply.message().contains("503"), "{}", reply.message());
    assert!(
        !reply.text.contains("<html>"),
        "the upstream page is not passed on"
    );
    assert_eq!(intent["before"]["vlanId"], 100);
    assert_eq!(outcome["outcome"], "failed");
    assert_eq!(outcome["upstreamStatus"], 503);
    let recorded = outcome["error"].as_str().unwrap();
    assert!(recorded.contains("503"), "{recorded}");
    // The gateway's page is kept as what it is, not as its markup.
    assert!(
        recorded.contains("an HTML page titled \"503 Service Unavailable\""),
        "{recorded}"
    );
    assert!(!recorded.contains("<html>"), "{recorded}");
}

/// A gateway's 502 or 504 may come after it passed the change on, and an internal error (500)
/// after the change was made: the change may have been made, which the answer says and the
/// history records as unknown, not failed.
#[tokio::test]
async fn a_500_502_or_504_on_a_peering_update_leaves_its_outcome_unknown() {
    for status in [500, 502, 504] {
        let app = spawn_app().await;
        let fault = Fault {
            status: Some(status),
            ..Fault::default()
        };

        let (reply, _, outcome) = update_with_fault(&app, fault).await;

        assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
        assert!(
            reply.message().contains(&format!("{status}"))
                && reply.message().contains("may have been made")
                && !reply.message().contains("Try again"),
            "{}",
            reply.message()
        );
        assert_eq!(outcome["outcome"], "unknown", "{status}");
        assert_eq!(outcome["upstreamStatus"], status);
    }
}

#[tokio::test]
async fn a_read_that_fails_the_same_ways_says_to_try_again_not_that_a_change_may_be_made() {
    let app = spawn_app_with(Options {
        upstream_timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    })
    .await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PRIVATE");
    for fault in [
        Fault {
            status: Some(504),
            ..Fault::default()
        },
        Fault {
            malformed_body: true,
            ..Fault::default()
        },
        Fault {
            hang: true,
            ..Fault::default()
        },
    ] {
        app.sim.set_fault(Route::ReadPeering, fault.clone());

        let reply = client.get(&path).await;

        assert!(reply.status.is_server_error(), "{fault:?}: {}", reply.text);
        assert!(
            reply.message().ends_with("Try again shortly.") && !reply.message().contains("change"),
            "{fault:?}: {}",
            reply.message()
        );
    }
}

#[tokio::test]
async fn a_change_with_several_fields_wrong_names_them_all_at_once() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    app.clear_upstream_requests();
    let fields = |reply: &Reply| -> Vec<String> {
        reply.json["fields"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };

    let delete = json!({ "reason": " ", "confirmName": "\u{200B}", "expectedBase": "x" });
    for path in [
        peering_path(&id, "PRIVATE"),
        format!("/api/connections/{id}"),
    ] {
        let reply = client.delete(&path, Some(&delete)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.text
        );
        assert_eq!(
            fields(&reply),
            ["reason", "confirmName", "expectedBase"],
            "{path}: {}",
            reply.text
        );
        assert_eq!(
            reply.field("confirmName"),
            Some("confirmName is required: type the connection's name, in the same case")
        );
    }
    let mut change = microsoft_peering(300);
    change["config"]["advertisedPublicPrefixes"] = json!([]);
    change["reason"] = json!("");
    change["expectedBase"] = json!("x");
    let reply = client.post(&peering_path(&id, "MICROSOFT"), &change).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(
        fields(&reply),
        ["advertisedPublicPrefixes", "reason", "expectedBase"],
        "{}",
        reply.text
    );
    assert!(
        app.upstream_requests().is_empty(),
        "nothing reached Console Connect"
    );
    // Fields left out are said beside the others refused, for a preview as for a change.
    let mut change = microsoft_peering(300);
    let config = change["config"].as_object_mut().unwrap();
    config.remove("vlanId");
    config.remove("advertisedPublicPrefixes");
    config.insert("peerASN".into(), json!(12076));
    change.as_object_mut().unwrap().remove("reason");
    let path = peering_path(&id, "MICROSOFT");
    let reply = client.post(&path, &change).await;
    assert_eq!(
        fields(&reply),
        ["vlanId", "peerASN", "advertisedPublicPrefixes", "reason"],
        "{}",
        reply.text
    );
    assert_eq!(
        reply.field("vlanId"),
        Some("vlanId is required: a whole number from 1 to 4094")
    );
    let preview = client.post(&format!("{path}/preview"), &change).await;
    assert_eq!(
        fields(&preview),
        ["vlanId", "peerASN", "advertisedPublicPrefixes"],
        "a preview needs no reason yet: {}",
        preview.text
    );
    // A whole object left out is said alone: its own fields were never sent.
    let reply = client
        .post(&path, &json!({ "reason": "", "ticket": "CHG-1" }))
        .await;
    assert_eq!(fields(&reply), ["config"], "{}", reply.text);
    // An order the same way.
    let reply = client
        .post(
            "/api/connections",
            &json!({ "name": "", "portIds": [], "speedMbps": 50, "paymentType": "payg" }),
        )
        .await;
    assert_eq!(
        fields(&reply),
        ["serviceKey", "name", "portIds"],
        "{}",
        reply.text
    );
    // A field left out does not hide one that breaks a rule, nor a number refused by its
    // field's rule (a negative ASN, speed or VLAN) any other field.
    let sorted = |reply: &Reply| {
        let mut names = fields(reply);
        names.sort();
        names
    };
    for path in [
        peering_path(&id, "PRIVATE"),
        format!("/api/connections/{id}"),
    ] {
        let reply = client
            .delete(
                &path,
                Some(&json!({ "reason": "\u{0}", "ticket": "T".repeat(65) })),
            )
            .await;
        assert_eq!(
            sorted(&reply),
            ["confirmName", "reason", "ticket"],
            "{path}: {}",
            reply.text
        );
    }
    let reply = client
        .post(
            "/api/connections",
            &json!({ "name": "  ", "speedMbps": -1, "paymentType": "cash" }),
        )
        .await;
    assert_eq!(
        sorted(&reply),
        ["name", "paymentType", "portIds", "serviceKey", "speedMbps"],
        "{}",
        reply.text
    );
    assert_eq!(
        reply.field("serviceKey"),
        Some(
            "serviceKey is required: the circuit's service key from the Azure portal, a GUID of 8-4-4-4-12 hexadecimal digits"
        )
    );
    let mut change = microsoft_peering(300);
    change["config"]["peerASN"] = json!(-1);
    change["config"]["vlanId"] = json!(-300);
    change["config"]["customerASN"] = json!(-3);
    change["reason"] = json!("\u{0}");
    let reply = client.post(&peering_path(&id, "MICROSOFT"), &change).await;
    assert_eq!(
        sorted(&reply),
        ["customerASN", "peerASN", "reason", "vlanId"],
        "{}",
        reply.text
    );
    assert!(
        reply
            .field("vlanId")
            .is_some_and(|m| m.starts_with("vlanId must be")),
        "{}",
        reply.text
    );
    // A new shared key beside the ask to keep the current one hides nothing else either.
    let mut change = private_peering(100);
    change["config"]["peerASN"] = json!(0);
    change["config"]["sharedKey"] = json!("abc");
    change["keepSharedKey"] = json!(true);
    change["reason"] = json!("\u{0}");
    for path in [
        peering_path(&id, "PRIVATE"),
        format!("{}/preview", peering_path(&id, "PRIVATE")),
    ] {
        let reply = client.post(&path, &change).await;
        assert_eq!(
            sorted(&reply),
            ["peerASN", "reason", "sharedKey"],
            "{path}: {}",
            reply.text
        );
    }
    assert!(
        app.upstream_requests().is_empty(),
        "nothing reached Console Connect"
    );
    for action in ["delete_peering", "update_peering", "create_connection"] {
        let intents = client.audit(&format!("phase=intent&action={action}")).await;
        assert!(intents.is_empty(), "{action}: {intents:?}");
    }
}

#[tokio::test]
async fn an_upstream_rate_limit_on_a_peering_update_says_to_wait() {
    let app = spawn_app().await;
    let fault = Fault {
        status: Some(429),
        ..Fault::default()
    };

    let (reply, _, outcome) = update_with_fault(&app, fault).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.code(), "upstream_failed");
    assert!(
        reply.message().contains("too many")
            && reply.message().contains("so nothing was changed")
            && reply.message().contains("Wait a minute"),
        "{}",
        reply.message()
    );
    assert!(
        !reply.headers.contains_key("retry-after"),
        "Console Connect named no wait, so the portal names none"
    );
    assert_eq!(
        outcome["outcome"], "failed",
        "a 429 is an answer: nothing was made"
    );
    assert_eq!(outcome["upstreamStatus"], 429);
}

#[tokio::test]
async fn an_upstream_rate_limit_that_names_its_wait_is_passed_on() {
    let app = spawn_app().await;
    let fault = Fault {
        status: Some(429),
        retry_after_secs: Some(30),
        ..Fault::default()
    };

    let (reply, _, outcome) = update_with_fault(&app, fault).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.code(), "upstream_failed");
    assert_eq!(reply.headers["retry-after"], "30");
    assert!(
        reply.message().ends_with("Try again in 30 seconds."),
        "{}",
        reply.message()
    );
    assert_eq!(outcome["outcome"], "failed");
    assert_eq!(outcome["upstreamStatus"], 429);
}

#[tokio::test]
async fn a_read_told_to_wait_long_is_answered_at_once_with_the_wait() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    app.sim.set_fault(
        Route::ReadPeering,
        Fault {
            status: Some(503),
            retry_after_secs: Some(300),
            ..Fault::default()
        },
    );
    let before = app.upstream_calls(Route::ReadPeering);

    let reply = client.get(&peering_path(&id, "PRIVATE")).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.headers["retry-after"], "300");
    assert!(
        reply.message().contains("unavailable for now (503)")
            && reply.message().ends_with("Try again in 5 minutes."),
        "{}",
        reply.message()
    );
    assert_eq!(
        app.upstream_calls(Route::ReadPeering) - before,
        1,
        "a wait of five minutes is not waited out inside the request"
    );
}

#[tokio::test]
async fn a_malformed_upstream_answer_is_a_502_with_an_unknown_outcome() {
    let app = spawn_app().await;
    let fault = Fault {
        malformed_body: true,
        ..Fault::default()
    };

    let (reply, _, outcome) = update_with_fault(&app, fault).await;

    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.code(), "upstream_failed");
    assert!(
        reply.message().contains("could not read"),
        "{}",
        reply.message()
    );
    assert!(
        reply.message().contains("may have been made"),
        "{}",
        reply.message()
    );
    assert_eq!(
        outcome["outcome"], "unknown",
        "the change was sent and answered unreadably: it may have been made"
    );
    assert!(outcome["error"].as_str().unwrap().contains("unreadable"));
}

#[tokio::test]
async fn an_upstream_timeout_on_a_peering_update_is_a_504_with_an_unknown_outcome() {
    let app = spawn_app_with(Options {
        upstream_timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    })
    .await;
    let fault = Fault {
        hang: true,
        ..Fault::default()
    };

    let (reply, _, outcome) = update_with_fault(&app, fault).await;

    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(reply.code(), "upstream_timeout");
    assert!(
        reply.message().contains("may have been made"),
        "{}",
        reply.message()
    );
    assert_eq!(outcome["outcome"], "unknown");
    assert!(outcome["upstreamStatus"].is_null());
    assert!(outcome["error"].as_str().unwrap().contains("in time"));
}

#[tokio::test]
async fn a_user_without_network_admin_is_refused_by_console_connect() {
    let app = spawn_app().await;
    let linus = app.sign_in(linus()).await;
    let production = linus.connection_id(PRODUCTION).await;

    let reply = linus
        .post(&peering_path(&production, "PRIVATE"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(reply.code(), "forbidden");
    assert!(
        reply.message().contains("Network Admin"),
        "{}",
        reply.message()
    );
    let (_, outcome) = linus.audit_pair("update_peering", &production).await;
    assert_eq!(outcome["outcome"], "failed");
    assert_eq!(outcome["upstreamStatus"], 403);
    let read = linus.get(&peering_path(&production, "PRIVATE")).await;
    assert_eq!(read.json["config"]["vlanId"], 100, "nothing changed");
}

/// Upstream takes 600 ms to answer a peering update.
fn slow_update(app: &TestApp) {
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 600,
            ..Fault::default()
        },
    );
}

#[tokio::test]
async fn a_client_that_hangs_up_still_gets_its_change_recorded() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    slow_update(&app);

    let gone = client
        .request(reqwest::Method::POST, &peering_path(&id, "PRIVATE"))
        .timeout(Duration::from_millis(100))
        .json(&private_peering(200))
        .send()
        .await;

    assert!(gone.is_err_and(|e| e.is_timeout()));
    let outcomes = app.await_outcomes("update_peering", 1).await;
    assert_eq!(outcomes.len(), 1, "the intent has its outcome");
    assert_eq!(outcomes[0].1, "succeeded");
    app.sim.clear_faults();
    let read = client.get(&peering_path(&id, "PRIVATE")).await;
    assert_eq!(read.json["config"]["vlanId"], 200);
}

#[tokio::test]
async fn a_request_past_the_portal_timeout_is_a_504_and_its_change_is_still_recorded() {
    let app = spawn_app_with(Options {
        request_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let (client, id) = ada_on_production(&app).await;
    slow_update(&app);

    let reply = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.text);
    assert_eq!(reply.code(), "upstream_timeout");
    // The portal's limit is what ran out, not Console Connect's: the answer says whose.
    assert_eq!(
        reply.message(),
        "The portal stopped waiting after 300 ms, the longest a request may take. It had sent \
         the change to Console Connect before then. The change may have been made all the \
         same: check the current state before trying again.",
    );
    let outcomes = app.await_outcomes("update_peering", 1).await;
    assert_eq!(outcomes.len(), 1, "the intent has its outcome");
    assert_eq!(outcomes[0].1, "succeeded");
}

#[tokio::test]
async fn a_change_still_being_checked_at_the_portal_timeout_is_said_not_made() {
    let app = spawn_app_with(Options {
        request_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let (client, id) = ada_on_production(&app).await;
    // The connection, read before anything is sent, comes too late.
    app.sim.set_fault(
        Route::GetConnection,
        Fault {
            latency_ms: 1_000,
            ..Fault::default()
        },
    );

    let reply = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;

    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.text);
    assert_eq!(
        reply.message(),
        "The portal stopped waiting after 300 ms, the longest a request may take. Nothing was changed: try again."
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert!(client.audit("action=update_peering").await.is_empty());
}

#[tokio::test]
async fn a_public_peering_needs_public_subnets() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let path = peering_path(&id, "PUBLIC");
    let mut change = private_peering(400);

    let private_space = client.post(&path, &change).await;

    assert_eq!(private_space.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = private_space.field("primaryPeerSubnet").unwrap();
    assert!(message.contains("public address space"), "{message}");
    change["config"]["primaryPeerSubnet"] = json!("198.51.100.0/30");
    change["config"]["secondaryPeerSubnet"] = json!("198.51.100.4/30");
    let public_space = client.post(&path, &change).await;
    assert_eq!(public_space.status, StatusCode::OK, "{}", public_space.text);
    assert_eq!(public_space.json["peeringType"], "PUBLIC");
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);
}

#[tokio::test]
async fn changes_to_one_connection_wait_their_turn_and_are_checked_against_those_before() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let (private, microsoft) = (peering_path(&id, "PRIVATE"), peering_path(&id, "MICROSOFT"));
    // A PRIVATE change to VLAN 150, previewed before any other change is made.
    let preview = client
        .post(&format!("{private}/preview"), &private_peering(150))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let mut previewed = private_peering(150);
    previewed["expectedBase"] = preview.json["base"].clone();
    // Console Connect takes two seconds over the first change: PRIVATE from VLAN 100 to 200.
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 2_000,
            times: Some(1),
            ..Fault::default()
        },
    );
    let first_change = private_peering(200);
    let microsoft_on_200 = microsoft_peering(200);
    let (first, (taking_the_vlan, after_the_preview)) =
        tokio::join!(client.post(&private, &first_change), async {
            app.sent(Route::UpdatePeering, 1).await;
            // Made while the first is under way: checked against PRIVATE on VLAN 100, each
            // would pass, and be sent.
            tokio::join!(
                client.post(&microsoft, &microsoft_on_200),
                client.post(&private, &previewed)
            )
        });

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["config"]["vlanId"], 200);
    // Each waited for the first to end, then was checked against PRIVATE on VLAN 200.
    assert_eq!(
        taking_the_vlan.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        taking_the_vlan.text
    );
    let message = taking_the_vlan.field("vlanId").expect("a vlanId error");
    assert!(
        message.contains("already used by the Private peering"),
        "{message}"
    );
    assert_eq!(
        after_the_preview.status,
        StatusCode::CONFLICT,
        "{}",
        after_the_preview.text
    );
    assert_eq!(after_the_preview.code(), "changed_since_read");
    assert_eq!(
        app.upstream_calls(Route::UpdatePeering),
        1,
        "only the first was sent"
    );
    let outcomes: Vec<Value> = client
        .audit(&format!(
            "action=update_peering&connection={id}&phase=outcome"
        ))
        .await
        .iter()
        .map(|e| json!([e["peeringType"], e["outcome"]]))
        .collect();
    assert_eq!(
        outcomes,
        [
            json!(["PRIVATE", "refused"]),
            json!(["PRIVATE", "succeeded"])
        ],
        "newest first"
    );
    let read = client.get(&private).await;
    assert_eq!(
        read.json["config"]["vlanId"], 200,
        "the first change stands"
    );

    // A connection delete behind a peering change waits for it too, then is made.
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 1_000,
            times: Some(1),
            ..Fault::default()
        },
    );
    let removal = json!({"reason": "Tidy", "confirmName": PRODUCTION});
    let connection = format!("/api/connections/{id}");
    let second_change = microsoft_peering(300);
    let (change, delete) = tokio::join!(client.post(&microsoft, &second_change), async {
        app.sent(Route::UpdatePeering, 2).await;
        assert_eq!(app.upstream_calls(Route::DeleteConnection), 0);
        client.delete(&connection, Some(&removal)).await
    });
    assert_eq!(change.status, StatusCode::OK, "{}", change.text);
    assert_eq!(delete.status, StatusCode::ACCEPTED, "{}", delete.text);
    // Sent side by side, the delete would have made the change fail (not ACTIVE).
    assert_eq!(change.json["config"]["vlanId"], 300);
}

#[tokio::test]
async fn a_change_waiting_its_turn_while_its_session_signs_out_is_not_made() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let private = peering_path(&id, "PRIVATE");
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 1_500,
            times: Some(1),
            ..Fault::default()
        },
    );
    let (change, later_change) = (private_peering(200), private_peering(300));
    let (first, (waiting, signed_out)) = tokio::join!(client.post(&private, &change), async {
        app.sent(Route::UpdatePeering, 1).await;
        // The second waits for the first to end; the session is signed out meanwhile.
        tokio::join!(client.post(&private, &later_change), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            client.delete("/api/session", None).await
        })
    });

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(signed_out.status, StatusCode::NO_CONTENT);
    assert_eq!(waiting.status, StatusCode::UNAUTHORIZED, "{}", waiting.text);
    assert_eq!(waiting.code(), "session_expired");
    assert_eq!(
        app.upstream_calls(Route::UpdatePeering),
        1,
        "nothing is sent with the ended session's key"
    );
    let colleague = app.sign_in_to(ada(), "acme").await;
    assert_eq!(colleague.get(&private).await.json["config"]["vlanId"], 200);
    let intents = colleague
        .audit(&format!(
            "phase=intent&action=update_peering&connection={id}"
        ))
        .await;
    assert_eq!(intents.len(), 1, "no change is recorded after the sign-out");
}

/// A change that waited its turn past its session's lifetime is not sent with that session's
/// key: the lifetime is checked again once the turn comes, as the sign-out is.
#[tokio::test]
async fn a_change_waiting_its_turn_past_its_sessions_lifetime_is_not_made() {
    let app = spawn_app_with(Options {
        // Counted in whole seconds from the second of sign-in: at least 2 s from it, at
        // most 3 s, so the second change starts inside it and gets its turn after it.
        session_lifetime: Some(Duration::from_secs(3)),
        ..Options::default()
    })
    .await;
    let signing_in = std::time::Instant::now();
    let (client, id) = ada_on_production(&app).await;
    let private = peering_path(&id, "PRIVATE");
    app.sim.set_fault(
        Route::UpdatePeering,
        Fault {
            latency_ms: 3_500,
            times: Some(1),
            ..Fault::default()
        },
    );
    let (change, later_change) = (private_peering(200), private_peering(300));
    let (first, waiting) = tokio::join!(client.post(&private, &change), async {
        app.sent(Route::UpdatePeering, 1).await;
        // Sent well inside the lifetime, so only the check after its turn can refuse it.
        assert!(signing_in.elapsed() < Duration::from_secs(2));
        client.post(&private, &later_change).await
    });

    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(waiting.status, StatusCode::UNAUTHORIZED, "{}", waiting.text);
    assert_eq!(waiting.code(), "session_expired");
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);
}

/// A change whose check could not read the connection from Console Connect sent nothing, and
/// says so: nothing recorded, nothing sent, "Nothing was changed" before "Try again".
#[tokio::test]
async fn a_change_whose_check_could_not_be_read_says_nothing_was_changed() {
    let app = spawn_app().await;
    let (client, id) = ada_on_production(&app).await;
    let events = client.audit("").await.len();
    app.sim.set_fault(
        Route::GetConnection,
        Fault {
            status: Some(500),
            ..Fault::default()
        },
    );
    app.clear_upstream_requests();
    let reply = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(230))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.text);
    assert!(
        reply
            .message()
            .ends_with("Nothing was changed. Try again shortly."),
        "{}",
        reply.text
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert_eq!(client.audit("").await.len(), events, "nothing recorded");
    // A read failing so says nothing of changes.
    let read = client.get(&format!("/api/connections/{id}")).await;
    assert!(!read.message().contains("changed"), "{}", read.text);

    // Nor does a check Console Connect refused (a gateway's page, without its reasons).
    app.sim.set_fault(
        Route::GetConnection,
        Fault {
            status: Some(400),
            ..Fault::default()
        },
    );
    let refused = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(230))
        .await;
    assert_eq!(refused.code(), "upstream_rejected", "{}", refused.text);
    assert_eq!(
        refused.message(),
        "Console Connect refused the request (400) without saying why. Nothing was changed.",
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert_eq!(client.audit("").await.len(), events, "nothing recorded");
    let read = client.get(&format!("/api/connections/{id}")).await;
    assert!(!read.message().contains("changed"), "{}", read.text);
}

/// Whoever reads the history and can send a change that is refused (a member without the role
/// to make it, a change on a stale base) learns nothing of the shared key from its intent: the
/// key typed is recorded as new whether or not it is the current one.
#[tokio::test]
async fn a_refused_change_does_not_record_whether_a_typed_key_is_the_current_one() {
    let app = spawn_app().await;
    let (client, path, current) = private_peering_keyed(&app, "Md5Key2024").await;

    // The right key and a guess, each sent on a base that is no longer the peering's.
    for key in ["Md5Key2024", "Guess2024"] {
        let mut guess = private_peering(200);
        guess["config"]["sharedKey"] = json!(key);
        guess["expectedBase"] = json!("hmac-sha256:07dc58645aed174c");
        let reply = client.post(&path, &guess).await;
        assert_eq!(reply.code(), "changed_since_read", "{}", reply.text);
    }
    let refused = client.audit("action=update_peering&phase=intent").await;
    let typed: Vec<&serde_json::Value> = refused[..2]
        .iter()
        .map(|e| &e["request"]["sharedKey"])
        .collect();
    assert_eq!(
        typed,
        [
            &json!("a new key (not shown)"),
            &json!("a new key (not shown)")
        ]
    );
    for e in &refused[..2] {
        assert_eq!(e["before"]["sharedKey"], current);
        assert!(!e.to_string().contains("Md5Key2024"), "{e}");
    }
}
