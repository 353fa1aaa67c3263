//! Ports, service keys and connections, from the portal's API through to the simulator's state.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use simulator::{Fault, Route};

fn port<'a>(ports: &'a Value, name: &str) -> &'a Value {
    ports
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no port {name} in {ports:#}"))
}

/// Acme's two London ports, which a London order leaves from.
async fn london_ports(client: &Client) -> [String; 2] {
    [
        client.port_id("Acme London LD8 1").await,
        client.port_id("Acme London LD8 2").await,
    ]
}

#[tokio::test]
async fn a_query_number_that_cannot_be_read_is_refused_under_its_parameter() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;

    for (path, field, message) in [
        (
            "/api/audit?limit=-1",
            "limit",
            "limit must be a whole number from 1 to 500, written with the digits 0-9 only",
        ),
        (
            "/api/ports?speed=fast",
            "speed",
            "speed must be a speed in Mbps, one of 50, 100, 200, 500, 1000, 2000, 5000, 10000, written with the digits 0-9 only",
        ),
        (
            "/api/audit?before=99999999999999999999999",
            "before",
            "before is too large a number for this parameter",
        ),
    ] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(reply.field(field), Some(message), "{path}: {}", reply.text);
    }
    assert_eq!(app.upstream_calls(Route::ListPorts), 0);
}

#[tokio::test]
async fn a_misspelt_query_parameter_is_refused_and_the_allowed_ones_named() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;

    let ports = client.get("/api/ports?speedMbps=1000").await;
    let audit = client
        .get("/api/audit?conection=5eed00000000000000000000")
        .await;

    assert_eq!(ports.status, StatusCode::BAD_REQUEST, "{}", ports.text);
    assert_eq!(ports.code(), "bad_request");
    assert!(
        ports
            .message()
            .contains("unknown field `speedMbps` (did you mean `speed`?)"),
        "{}",
        ports.message()
    );
    assert_eq!(audit.status, StatusCode::BAD_REQUEST, "{}", audit.text);
    assert!(
        audit
            .message()
            .contains("unknown field `conection` (did you mean `connection`?)"),
        "{}",
        audit.message()
    );
    // A read that takes none refuses one too, rather than answer as if it had filtered.
    let production = client.connection_id(PRODUCTION).await;
    for path in [
        "/api/connections?status=ACTIVE".to_owned(),
        format!("/api/connections/{production}?fields=name"),
        format!("/api/connections/{production}/peering/PRIVATE?x=1"),
        "/api/session?x=1".to_owned(),
        "/api/session/status?x=1".to_owned(),
        "/api/info?x=1".to_owned(),
        "/api/audit/1?x=1".to_owned(),
    ] {
        let reply = client.get(&path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        assert!(
            reply.message().contains("takes no query parameters"),
            "{path}: {}",
            reply.message()
        );
    }
    let blank = client.get("/api/connections?status=").await;
    assert_eq!(blank.status, StatusCode::OK, "{}", blank.text);
}

#[tokio::test]
async fn ports_are_marked_usable_or_unusable_with_a_reason() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;

    let reply = client.get("/api/ports?speed=200").await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let ports = &reply.json;
    for usable in ["Acme London LD8 1", "Acme London LD8 2"] {
        assert_eq!(port(ports, usable)["usable"], true, "{usable}");
        assert!(port(ports, usable)["unusableReason"].is_null());
    }
    let reason = |name: &str| {
        let p = port(ports, name);
        assert_eq!(p["usable"], false, "{name}");
        p["unusableReason"].as_str().unwrap().to_owned()
    };
    assert!(reason("Acme Frankfurt FR5").contains("Disabled"));
    assert!(reason("Acme Singapore SG1").contains("single-service"));
    // AWS (500) and Google (400) leave the 1 Gbps Amsterdam port 100 Mbps.
    assert!(reason("Acme Amsterdam AM3").contains("100 Mbps left"));
    let first_unusable = ports
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["usable"] == false)
        .unwrap();
    assert!(
        ports.as_array().unwrap()[first_unusable..]
            .iter()
            .all(|p| p["usable"] == false),
        "usable ports come first"
    );
    assert_eq!(app.upstream_calls(Route::ListPorts), 1);
}

#[tokio::test]
async fn ports_for_a_speed_that_cannot_be_ordered_are_refused_before_the_upstream() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;

    for speed in ["0", "300", "100000"] {
        let reply = client.get(&format!("/api/ports?speed={speed}")).await;

        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{speed}: {}",
            reply.text
        );
        let message = reply.field("speed").expect("a speed error");
        assert!(message.contains("50, 100, 200, 500"), "{message}");
        assert!(message.ends_with(&format!("got {speed}")), "{message}");
    }
    // Beside a parameter the route does not have, in the same answer.
    let both = client.get("/api/ports?foo=1&speed=300").await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.text);
    assert!(
        both.message().contains("unknown field `foo`"),
        "{}",
        both.text
    );
    assert!(
        both.message().contains("; speed must be one of 50, 100"),
        "{}",
        both.text
    );
    assert_eq!(app.upstream_calls(Route::ListPorts), 0);
}

#[tokio::test]
async fn a_good_service_key_verifies_with_its_circuit_and_stays_masked() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let key = service_key(LONDON_1G);

    let reply = client
        .post("/api/service-keys/verify", &json!({ "serviceKey": key }))
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["circuitName"], "acme-er-london-01");
    assert_eq!(reply.json["bandwidthMbps"], 1000);
    assert_eq!(reply.json["peeringLocation"], "London");
    assert_eq!(
        reply.json["offeredSpeeds"],
        json!([50, 100, 200, 500, 1000])
    );
    assert!(!reply.text.contains(key), "{}", reply.text);
    assert!(
        reply.json["serviceKeyMasked"]
            .as_str()
            .unwrap()
            .ends_with(&key[key.len() - 4..])
    );
    assert_eq!(app.upstream_calls(Route::VerifyServiceKey), 1);
}

#[tokio::test]
async fn a_used_service_key_is_refused_on_the_service_key_field() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;

    let reply = client
        .post(
            "/api/service-keys/verify",
            &json!({ "serviceKey": service_key(USED) }),
        )
        .await;

    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let message = reply.field("serviceKey").expect("a serviceKey error");
    assert!(message.contains("already used"), "{message}");
    assert!(!reply.text.contains(service_key(USED)));
    assert_eq!(app.upstream_calls(Route::VerifyServiceKey), 1);
}

#[tokio::test]
async fn a_key_console_connect_says_it_does_not_know_is_refused_on_its_field_unlike_a_bare_404() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let key = service_key(LONDON_1G);
    let body = json!({ "serviceKey": key });
    let verify = || client.post("/api/service-keys/verify", &body);

    // A 404 in Console Connect's words (here quoting the request, key included).
    app.sim.set_fault(
        Route::VerifyServiceKey,
        Fault {
            status: Some(404),
            echo_request: true,
            ..Fault::default()
        },
    );
    let said = verify().await;
    assert_eq!(
        said.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        said.text
    );
    let message = said.field("serviceKey").expect("a serviceKey error");
    assert!(
        message.starts_with("serviceKey was refused by Console Connect: "),
        "{message}"
    );
    assert!(!said.text.contains(key), "{}", said.text);

    // A gateway's page: not the key's fault, and not said to be.
    app.sim.set_fault(
        Route::VerifyServiceKey,
        Fault {
            status: Some(404),
            ..Fault::default()
        },
    );
    let bare = verify().await;
    assert_eq!(bare.status, StatusCode::NOT_FOUND, "{}", bare.text);
    assert_eq!(bare.field("serviceKey"), None, "{}", bare.text);
    assert!(
        bare.message().contains("without saying which"),
        "{}",
        bare.text
    );
    assert_eq!(app.upstream_calls(Route::VerifyServiceKey), 2);
}

#[tokio::test]
async fn a_malformed_service_key_is_refused_before_reaching_upstream() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    app.clear_upstream_requests();

    let reply = client
        .post(
            "/api/service-keys/verify",
            &json!({ "serviceKey": "4f8a2c1e-7b3d-4e59-9a10" }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = reply.field("serviceKey").expect("a serviceKey error");
    assert!(message.contains("8-4-4-4-12"), "{message}");
    assert!(
        app.upstream_requests().is_empty(),
        "{:?}",
        app.upstream_requests()
    );
}

#[tokio::test]
async fn a_created_connection_becomes_active_with_both_legs_provisioned() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let ports = london_ports(&client).await;

    let reply = client
        .post(
            "/api/connections",
            &create_request(service_key(LONDON_1G), "Azure London Staging", &ports, 500),
        )
        .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.json["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    assert_eq!(reply.json["connection"]["status"], "CREATING");
    // Console Connect answers with the parent; the answer shows both legs as ordered.
    let ordered: Vec<(&Value, &Value)> = reply.json["connection"]["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (&l["role"], &l["status"]))
        .collect();
    assert_eq!(
        ordered,
        [
            (&json!("primary"), &json!("CREATING")),
            (&json!("secondary"), &json!("CREATING"))
        ],
        "{}",
        reply.text
    );
    assert_eq!(app.upstream_calls(Route::CreateConnection), 1);

    let creating = client.get(&format!("/api/connections/{id}")).await;
    assert_eq!(creating.json["status"], "CREATING");

    app.advance(60);

    let read = client.get(&format!("/api/connections/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let c = &read.json;
    assert_eq!(c["status"], "ACTIVE");
    assert_eq!(c["provisioningStatus"], "PROVISIONED");
    assert_eq!(c["speedMbps"], 500);
    // As ordered, as Console Connect lists them.
    assert_eq!(c["paymentType"], "invoice");
    assert_eq!(c["classOfService"], "GOLD");
    let legs = c["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2, "{c:#}");
    assert_eq!(legs[0]["role"], "primary");
    assert_eq!(legs[1]["role"], "secondary");
    assert!(legs.iter().all(|l| l["status"] == "ACTIVE"));
    assert_eq!(legs[0]["srcPortId"], ports[0].as_str());
    assert_eq!(legs[1]["srcPortId"], ports[1].as_str());
    assert!(!read.text.contains(service_key(LONDON_1G)));

    let listed = client.connections().await;
    let mine = listed
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("listed");
    assert_eq!(mine["status"], "ACTIVE");
    assert_eq!(mine["legs"].as_array().unwrap().len(), 2);
    assert!(
        listed
            .iter()
            .all(|c| c["name"] != "AWS Amsterdam Direct Connect"),
        "other clouds are not Azure connections"
    );

    let (intent, outcome) = client.audit_pair("create_connection", &id).await;
    assert_eq!(outcome["outcome"], "succeeded");
    assert_eq!(
        outcome["after"]["legs"], reply.json["connection"]["legs"],
        "the history names the legs ordered"
    );
    assert_eq!(intent["reason"], "New circuit for the London region");
    assert_eq!(intent["ticket"], "CHG-2001");
    assert!(
        intent["request"]["azureServiceKey"]
            .as_str()
            .unwrap()
            .starts_with("********")
    );
}

#[tokio::test]
async fn two_orders_for_one_service_key_sent_together_place_one() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let ports = london_ports(&client).await;
    // Console Connect takes two seconds over the first order; the second is sent meanwhile,
    // as a double click or a second tab would, with the key written in other capitals.
    app.sim.set_fault(
        Route::CreateConnection,
        Fault {
            latency_ms: 2_000,
            times: Some(1),
            ..Fault::default()
        },
    );
    let first = create_request(service_key(LONDON_1G), "Azure London Staging", &ports, 500);
    let second = create_request(
        &service_key(LONDON_1G).to_uppercase(),
        "Azure London Staging again",
        &ports,
        500,
    );
    let (first, second) = tokio::join!(client.post("/api/connections", &first), async {
        app.sent(Route::CreateConnection, 1).await;
        client.post("/api/connections", &second).await
    });

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    // The second waited for the first, then found the key taken.
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        second.text
    );
    let message = second.field("serviceKey").expect("a serviceKey error");
    assert!(message.contains("already used"), "{message}");
    assert_eq!(
        app.upstream_calls(Route::CreateConnection),
        1,
        "one order placed"
    );
    let outcomes: Vec<Value> = client
        .audit("action=create_connection&phase=outcome")
        .await
        .iter()
        .map(|e| e["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        [json!("failed"), json!("succeeded")],
        "newest first"
    );
}

#[tokio::test]
async fn an_invalid_create_request_is_refused_per_field_before_reaching_upstream() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    app.clear_upstream_requests();

    let reply = client
        .post(
            "/api/connections",
            &json!({
                "serviceKey": "not-a-guid",
                "name": "",
                "portIds": ["5F0C1A2B3C4D5E6F70A1B001"],
                "speedMbps": 300,
                "paymentType": "invoice",
                "classOfService": "PLATINUM",
            }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.code(), "validation_failed");
    for field in [
        "serviceKey",
        "name",
        "portIds",
        "speedMbps",
        "classOfService",
    ] {
        let message = reply
            .field(field)
            .unwrap_or_else(|| panic!("no {field} error in {}", reply.text));
        assert!(message.contains(field), "{field}: {message}");
    }
    assert!(
        reply
            .field("speedMbps")
            .unwrap()
            .contains("50, 100, 200, 500")
    );
    assert!(
        reply
            .field("classOfService")
            .unwrap()
            .contains("BRONZE, SILVER, GOLD")
    );
    assert!(
        app.upstream_requests().is_empty(),
        "{:?}",
        app.upstream_requests()
    );
}

#[tokio::test]
async fn a_connection_on_an_unusable_port_is_refused_before_it_is_ordered() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let disabled = client.port_id("Acme Frankfurt FR5").await;

    let reply = client
        .post(
            "/api/connections",
            &create_request(service_key(LONDON_1G), "Azure Frankfurt", &[disabled], 100),
        )
        .await;

    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let message = reply.field("portIds").expect("a portIds error");
    assert!(message.contains("Acme Frankfurt FR5"), "{message}");
    assert_eq!(app.upstream_calls(Route::CreateConnection), 0);
    let events = client.audit("action=create_connection").await;
    let phases: Vec<(&Value, &Value)> = events
        .iter()
        .map(|e| (&e["phase"], &e["outcome"]))
        .collect();
    assert_eq!(
        phases,
        [
            (&json!("outcome"), &json!("refused")),
            (&json!("intent"), &Value::Null)
        ],
        "the refused order is recorded"
    );
    assert!(
        events[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("Acme Frankfurt FR5")),
        "{events:?}"
    );

    // Amsterdam has 100 Mbps left: alone it would carry both legs, 200 Mbps in all.
    let amsterdam = client.port_id("Acme Amsterdam AM3").await;
    let order = |speed| {
        create_request(
            service_key(AMSTERDAM_200M),
            "Azure Amsterdam",
            std::slice::from_ref(&amsterdam),
            speed,
        )
    };
    let reply = client.post("/api/connections", &order(100)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let message = reply.field("portIds").expect("a portIds error");
    assert!(
        message.contains("Acme Amsterdam AM3")
            && message.contains("less than the 200 Mbps its two legs of 100 Mbps need"),
        "{message}"
    );
    // Short of even one leg (200 Mbps of a 200 Mbps circuit), it is said short of both, so
    // the speed to step down to is not one it would refuse again.
    let reply = client.post("/api/connections", &order(200)).await;
    let message = reply.field("portIds").expect("a portIds error");
    assert!(
        message.contains("less than the 400 Mbps its two legs of 200 Mbps need"),
        "{message}"
    );
    assert_eq!(app.upstream_calls(Route::CreateConnection), 0);
    let reply = client.post("/api/connections", &order(50)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

#[tokio::test]
async fn an_order_console_connect_refuses_before_it_is_placed_is_recorded() {
    let app = spawn_app().await;
    let linus = app.sign_in(linus()).await;
    let port = linus.port_id("Acme London LD8 1").await;

    let reply = linus
        .post(
            "/api/connections",
            &create_request(service_key(LONDON_1G), "Azure Linus", &[port], 100),
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(app.upstream_calls(Route::CreateConnection), 0);
    let events = linus.audit("action=create_connection").await;
    assert_eq!(events.len(), 2, "{events:?}");
    let (outcome, intent) = (&events[0], &events[1]);
    assert_eq!(intent["phase"], "intent");
    assert_eq!(outcome["intentId"], intent["id"]);
    assert_eq!(outcome["outcome"], "failed");
    assert_eq!(outcome["upstreamStatus"], 403);
    let written = serde_json::to_string(&events).unwrap();
    assert!(!written.contains(service_key(LONDON_1G)), "{written}");
}

#[tokio::test]
async fn an_unknown_connection_is_not_found() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let reply = client
        .get("/api/connections/0123456789abcdef01234567")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let missing = "Console Connect has no connection 0123456789abcdef01234567 in the selected \
                   company: it may have been deleted, or belong to another company.";
    assert_eq!(reply.message(), missing);
    // A peering of it is not found the same way, not as a peering it does not have.
    for path in [
        "/api/connections/0123456789abcdef01234567/peering/PRIVATE",
        "/api/connections/0123456789abcdef01234567/peering/MICROSOFT/router-config",
    ] {
        let reply = client.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.message(), missing, "{path}");
    }
}

#[tokio::test]
async fn a_leg_or_another_kind_of_connection_is_not_found_saying_what_it_is() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let production = client.connection_id(PRODUCTION).await;
    let shown = client
        .get(&format!("/api/connections/{production}"))
        .await
        .json;
    let legs = shown["legs"].as_array().expect("legs");
    assert_eq!(legs.len(), 2, "{shown}");

    // A leg names the connection to open instead.
    for leg in legs {
        let leg = leg["id"].as_str().expect("a leg id");
        let reply = client.get(&format!("/api/connections/{leg}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
        assert_eq!(reply.code(), "not_found");
        assert_eq!(
            reply.message(),
            format!(
                "Connection {leg} is a leg of connection {production}: open {production}, which \
                 shows both legs and its peerings."
            )
        );
        // Its peerings too, which Console Connect keeps on the connection.
        let peering = client
            .get(&format!("/api/connections/{leg}/peering/PRIVATE"))
            .await;
        assert_eq!(peering.status, StatusCode::NOT_FOUND, "{}", peering.text);
        assert_eq!(peering.message(), reply.message());
    }

    // Acme's AWS connection, as Console Connect lists it, is not one of the portal's.
    let (_, upstream) = app.upstream();
    let all: Value = reqwest::Client::new()
        .get(format!("{upstream}/api/company/acme/connections"))
        .bearer_auth(ada())
        .send()
        .await
        .expect("the simulator answers")
        .json()
        .await
        .expect("a JSON list");
    let aws = all["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "AWS Amsterdam Direct Connect")
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("the AWS connection in {all}"));
    let reply = client.get(&format!("/api/connections/{aws}")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    assert_eq!(
        reply.message(),
        format!(
            "Connection {aws} is not an Azure ExpressRoute connection: this portal shows only the \
             GROUP_LAYER2 connections Console Connect makes for an Azure service key."
        )
    );
}

#[tokio::test]
async fn a_connection_delete_needs_its_name_typed_then_goes_deleting_and_deleted() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Azure Short Lived", service_key(LONDON_10G), 100)
        .await;
    app.advance(60);
    let path = format!("/api/connections/{id}");

    let wrong = client
        .delete(
            &path,
            Some(&json!({"reason": "Decommission", "confirmName": "Azure Short"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.field("confirmName").is_some(), "{}", wrong.text);
    assert_eq!(app.upstream_calls(Route::DeleteConnection), 0);

    let deleted = client
        .delete(
            &path,
            Some(&json!({
                "reason": "Decommission",
                "ticket": "CHG-3003",
                "confirmName": "Azure Short Lived",
            })),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.text);
    assert_eq!(deleted.json["status"], "DELETING");
    let leg_statuses = |c: &Value| -> Vec<Value> {
        c["legs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["status"].clone())
            .collect()
    };
    // The legs go with their parent, and are shown as they are after the delete.
    assert_eq!(
        leg_statuses(&deleted.json),
        ["DELETING", "DELETING"],
        "{}",
        deleted.text
    );
    assert_eq!(app.upstream_calls(Route::DeleteConnection), 1);
    assert_eq!(client.get(&path).await.json["status"], "DELETING");

    app.advance(60);

    assert_eq!(client.get(&path).await.json["status"], "DELETED");
    let again = client
        .delete(
            &path,
            Some(&json!({"reason": "Again", "confirmName": "Azure Short Lived"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(app.upstream_calls(Route::DeleteConnection), 1);

    // Newest first: the second delete, refused, then the delete that was made.
    let history = client
        .audit(&format!("action=delete_connection&connection={id}"))
        .await;
    assert_eq!(history.len(), 4, "{history:?}");
    let (refused, outcome, intent) = (&history[0], &history[2], &history[3]);
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["reason"], "Again");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("already deleted")),
        "{refused}"
    );
    assert_eq!(history[1]["before"]["status"], "DELETED");
    assert_eq!(intent["before"]["status"], "ACTIVE");
    assert_eq!(leg_statuses(&intent["before"]), ["ACTIVE", "ACTIVE"]);
    assert_eq!(outcome["after"]["status"], "DELETING");
    assert_eq!(leg_statuses(&outcome["after"]), ["DELETING", "DELETING"]);
    assert_eq!(outcome["outcome"], "succeeded");
}

/// A name pasted with its accents as combining marks is ordered as a keyboard types it, and
/// confirmed by typing it so.
#[tokio::test]
async fn a_name_with_combining_accents_is_ordered_composed_and_confirmed_as_typed() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Zu\u{308}rich Site", service_key(LONDON_10G), 100)
        .await;
    let read = client.get(&format!("/api/connections/{id}")).await;
    assert_eq!(read.json["name"], "Z\u{fc}rich Site", "{}", read.text);
    app.advance(60);
    let deleted = client
        .delete(
            &format!("/api/connections/{id}"),
            Some(&json!({"reason": "Decommission", "confirmName": "Zu\u{308}rich Site"})),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.text);
}

#[tokio::test]
async fn a_connection_delete_is_answered_without_its_legs_when_they_are_slow_to_read_again() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Azure Slow Legs", service_key(LONDON_10G), 100)
        .await;
    app.advance(60);
    // Every read of a connection now takes longer than the delete waits for its legs.
    app.sim.set_fault(
        Route::GetConnection,
        Fault {
            latency_ms: 3_500,
            ..Fault::default()
        },
    );

    let deleted = client
        .delete(
            &format!("/api/connections/{id}"),
            Some(&json!({"reason": "Decommission", "confirmName": "Azure Slow Legs"})),
        )
        .await;

    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.text);
    assert_eq!(deleted.json["status"], "DELETING");
    assert_eq!(deleted.json["legs"], json!([]), "{}", deleted.text);
    let (_, outcome) = client.audit_pair("delete_connection", &id).await;
    assert_eq!(outcome["outcome"], "succeeded");
    assert_eq!(outcome["after"]["legs"], json!([]));
}

#[tokio::test]
async fn a_connection_delete_is_refused_when_its_peerings_changed_since_it_was_shown() {
    let app = spawn_app().await;
    let client = app.sign_in_to(ada(), "acme").await;
    let colleague = app.sign_in_to(ada(), "acme").await;
    let id = client
        .create_connection("Azure Watched", service_key(LONDON_10G), 100)
        .await;
    app.advance(60);
    let path = format!("/api/connections/{id}");
    let shown = client.get(&path).await;
    let base = shown.json["base"].as_str().expect("a base").to_owned();
    assert!(!base.is_empty());
    let listed = client.connections().await;
    let in_list = listed.iter().find(|c| c["id"] == id.as_str()).unwrap();
    assert_eq!(in_list["base"], base.as_str(), "the list and a read agree");
    let removal = |base: &str| json!({"reason": "Decommission", "confirmName": "Azure Watched", "expectedBase": base});

    // The connection's id is not its base, and is refused saying so, before anything else.
    let by_id = client.delete(&path, Some(&removal(id.as_str()))).await;
    assert_eq!(
        by_id.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        by_id.text
    );
    assert!(
        by_id
            .field("expectedBase")
            .is_some_and(|m| m.contains("connection's id")),
        "{}",
        by_id.text
    );

    // A colleague adds a peering the first engineer has not seen.
    let peered = colleague
        .post(&format!("{path}/peering/PRIVATE"), &private_peering(300))
        .await;
    assert_eq!(peered.status, StatusCode::OK, "{}", peered.text);
    let refused = client.delete(&path, Some(&removal(&base))).await;

    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "changed_since_read");
    assert!(refused.message().contains("peerings"), "{}", refused.text);
    assert_eq!(app.upstream_calls(Route::DeleteConnection), 0);
    let (intent, outcome) = client.audit_pair("delete_connection", &id).await;
    assert_eq!(outcome["outcome"], "refused");
    assert!(
        intent["before"].get("base").is_none(),
        "the snapshot keeps what was shown, not the token"
    );

    // The peering's sync moving on is not a change.
    let pending = client.get(&path).await;
    assert_ne!(pending.json["base"], base.as_str());
    assert_eq!(pending.json["peerings"][0]["syncStatus"], "PENDING");
    app.advance(60);
    let now = client.get(&path).await;
    assert_eq!(now.json["peerings"][0]["syncStatus"], "SYNCED");
    assert_eq!(now.json["base"], pending.json["base"]);
    let deleted = client
        .delete(&path, Some(&removal(now.json["base"].as_str().unwrap())))
        .await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED, "{}", deleted.text);
    assert_eq!(app.upstream_calls(Route::DeleteConnection), 1);
}
