//! The client against the simulator: every call, and how it behaves when Console Connect is
//! slow, failing, or sends something unreadable.

use console_connect::{
    ApiKey, Client, ClientConfig, CompanyUsername, ConsoleConnect, Error, ObjectId, PeeringType,
};
use models::upstream::{CreateConnectionBody, PeeringConfig, SrcPort};
use models::{ConnectionStatus, ConnectionType, ProvisioningStatus, SyncStatus};
use simulator::{Clock, Config, Delays, Fault, ManualClock, Route, RunningSimulator, Simulator};
use std::time::Duration;

const ADA: &str = "sandbox-ada-3f9c1e7a52b84d06";
const UNUSED_KEY: &str = "4f8a2c1e-7b3d-4e59-9a10-2c6b8d0e1f37";

struct Setup {
    sim: RunningSimulator,
    client: Client,
    key: ApiKey,
    acme: CompanyUsername,
}

async fn setup_with(adjust: impl FnOnce(&mut ClientConfig)) -> Setup {
    let sim = Simulator::new(Config {
        delays: Delays::realistic(),
        clock: Clock::Manual(ManualClock::new()),
    })
    .spawn_on_loopback()
    .await
    .unwrap();
    let mut config = ClientConfig::new(sim.base_url.clone());
    config.retry_base_delay = Duration::from_millis(5);
    adjust(&mut config);
    Setup {
        client: Client::new(config).unwrap(),
        sim,
        key: ApiKey::new(ADA),
        acme: CompanyUsername::parse("acme").unwrap(),
    }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

impl Setup {
    fn requests_to(&self, route: Route) -> usize {
        self.sim
            .simulator
            .requests()
            .iter()
            .filter(|r| r.route == Some(route))
            .count()
    }

    async fn production(&self) -> ObjectId {
        let all = self
            .client
            .list_connections(&self.key, &self.acme)
            .await
            .unwrap();
        let parent = all
            .iter()
            .find(|c| c.name == "Azure London Production")
            .unwrap();
        ObjectId::parse(&parent.id).unwrap()
    }

    async fn create(&self, name: &str) -> models::upstream::Connection {
        let ports = self.client.list_ports(&self.key, &self.acme).await.unwrap();
        let port = ports.iter().find(|p| p.name.contains("London")).unwrap();
        let body = CreateConnectionBody {
            azure_service_key: UNUSED_KEY.into(),
            name: name.into(),
            src_port: vec![SrcPort {
                port_id: port.id.clone(),
            }],
            speed: 100,
            payment_type: "payg".into(),
            class_of_service: None,
        };
        self.client
            .create_connection(&self.key, &self.acme, &body)
            .await
            .unwrap()
    }
}

fn private_config(vlan: u64) -> PeeringConfig {
    PeeringConfig {
        peer_asn: 65010,
        primary_peer_subnet: "10.20.0.0/30".into(),
        secondary_peer_subnet: "10.20.0.4/30".into(),
        vlan_id: vlan,
        shared_key: Some("Secret123".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn who_am_i_reads_the_user_and_companies() {
    let s = setup().await;
    let user = s.client.who_am_i(&s.key).await.unwrap();
    assert_eq!(user.email, "ada@acme.example");
    let usernames: Vec<_> = user.companies.iter().map(|c| c.username.as_str()).collect();
    assert_eq!(usernames, ["acme", "globex"]);
}

#[tokio::test]
async fn a_bad_key_is_a_401_status_error_and_is_not_retried() {
    let s = setup().await;
    let err = s.client.who_am_i(&ApiKey::new("nope")).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(s.requests_to(Route::WhoAmI), 1);
}

#[tokio::test]
async fn ports_and_connections_are_listed() {
    let s = setup().await;
    let ports = s.client.list_ports(&s.key, &s.acme).await.unwrap();
    assert!(ports.len() >= 5);
    let all = s.client.list_connections(&s.key, &s.acme).await.unwrap();
    assert!(
        all.iter()
            .any(|c| c.kind == ConnectionType::GroupLayer2 && c.is_azure())
    );
    assert!(
        all.iter().any(|c| !c.is_azure()),
        "other clouds are listed too"
    );
    let query = s
        .sim
        .simulator
        .requests()
        .into_iter()
        .find(|r| r.route == Some(Route::ListPorts));
    assert_eq!(
        query.and_then(|r| r.query).as_deref(),
        Some("deleted=false")
    );
}

#[tokio::test]
async fn a_created_connection_moves_from_creating_to_active() {
    let s = setup().await;
    let parent = s.create("Client test").await;
    assert_eq!(parent.kind, ConnectionType::GroupLayer2);
    assert_eq!(parent.status, ConnectionStatus::Creating);
    let id = ObjectId::parse(&parent.id).unwrap();
    s.sim.simulator.advance(Duration::from_secs(3600));
    let read = s.client.get_connection(&s.key, &s.acme, &id).await.unwrap();
    assert_eq!(read.status, ConnectionStatus::Active);
    assert_eq!(
        read.partner.unwrap().provisioning_status,
        Some(ProvisioningStatus::Provisioned)
    );
    let deleted = s
        .client
        .delete_connection(&s.key, &s.acme, &id)
        .await
        .unwrap();
    assert_eq!(deleted.status, ConnectionStatus::Deleting);
}

#[tokio::test]
async fn a_verified_key_reads_its_circuit() {
    let s = setup().await;
    let info = s
        .client
        .verify_service_key(&s.key, &s.acme, UNUSED_KEY)
        .await
        .unwrap();
    assert_eq!(info.bandwidth_mbps, Some(1000));
    let err = s
        .client
        .verify_service_key(&s.key, &s.acme, "not-a-key")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        err.upstream_message().is_some(),
        "the simulator explains: {err:?}"
    );
}

#[tokio::test]
async fn peering_is_written_read_and_deleted() {
    let s = setup().await;
    let id = s.production().await;
    let written = s
        .client
        .update_peering(&s.key, &s.acme, &id, PeeringType::Public, &public_config())
        .await
        .unwrap();
    assert_eq!(written.sync_status, Some(SyncStatus::Pending));
    s.sim.simulator.advance(Duration::from_secs(3600));
    let read = s
        .client
        .read_peering(&s.key, &s.acme, &id, PeeringType::Public)
        .await
        .unwrap();
    assert_eq!(read.unwrap().sync_status, Some(SyncStatus::Synced));
    s.client
        .delete_peering(&s.key, &s.acme, &id, PeeringType::Public)
        .await
        .unwrap();
    let gone = s
        .client
        .read_peering(&s.key, &s.acme, &id, PeeringType::Public)
        .await
        .unwrap();
    assert!(
        gone.is_none(),
        "a missing peering reads as None, not an error"
    );
}

fn public_config() -> PeeringConfig {
    PeeringConfig {
        primary_peer_subnet: "203.0.113.0/30".into(),
        secondary_peer_subnet: "203.0.113.4/30".into(),
        ..private_config(300)
    }
}

#[tokio::test]
async fn a_peering_update_before_active_is_refused_upstream() {
    let s = setup().await;
    let parent = s.create("Too early").await;
    let id = ObjectId::parse(&parent.id).unwrap();
    let err = s
        .client
        .update_peering(
            &s.key,
            &s.acme,
            &id,
            PeeringType::Private,
            &private_config(200),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn reads_are_retried_after_a_transient_failure() {
    let s = setup().await;
    s.sim.simulator.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(503),
            times: Some(1),
            ..Fault::default()
        },
    );
    let ports = s.client.list_ports(&s.key, &s.acme).await.unwrap();
    assert!(!ports.is_empty());
    assert_eq!(s.requests_to(Route::ListPorts), 2);
}

#[tokio::test]
async fn reads_give_up_after_the_configured_attempts() {
    let s = setup().await;
    s.sim.simulator.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(502),
            ..Fault::default()
        },
    );
    let err = s.client.list_ports(&s.key, &s.acme).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(
        err.body().unwrap().contains("Bad Gateway"),
        "the raw body is kept: {err:?}"
    );
    assert_eq!(s.requests_to(Route::ListPorts), 3);
}

#[tokio::test]
async fn a_read_told_to_wait_longer_than_allowed_ends_at_once_with_the_wait() {
    let s = setup().await;
    s.sim.simulator.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(429),
            retry_after_secs: Some(120),
            ..Fault::default()
        },
    );
    let err = s.client.list_ports(&s.key, &s.acme).await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(
        s.requests_to(Route::ListPorts),
        1,
        "two minutes is more than a read waits: not tried again"
    );
}

#[tokio::test]
async fn a_read_told_to_wait_a_little_waits_and_succeeds() {
    let s = setup_with(|c| c.max_retry_wait = Duration::from_secs(1)).await;
    s.sim.simulator.set_fault(
        Route::ListPorts,
        Fault {
            status: Some(503),
            retry_after_secs: Some(1),
            times: Some(1),
            ..Fault::default()
        },
    );
    let started = tokio::time::Instant::now();
    let ports = s.client.list_ports(&s.key, &s.acme).await.unwrap();
    assert!(!ports.is_empty());
    assert_eq!(s.requests_to(Route::ListPorts), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the second try came after the second the answer asked for, not the 5 ms backoff"
    );
}

#[tokio::test]
async fn writes_are_never_retried() {
    let s = setup().await;
    let id = s.production().await;
    s.sim.simulator.clear_requests();
    s.sim.simulator.set_fault(
        Route::UpdatePeering,
        Fault {
            status: Some(503),
            times: Some(1),
            ..Fault::default()
        },
    );
    let err = s
        .client
        .update_peering(&s.key, &s.acme, &id, PeeringType::Public, &public_config())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(s.requests_to(Route::UpdatePeering), 1);
}

/// A change answered 2xx without a body was taken: what it changed is read instead.
#[tokio::test]
async fn a_change_answered_without_a_body_is_read_back() {
    let s = setup().await;
    let id = s.production().await;
    for route in [Route::UpdatePeering, Route::DeleteConnection] {
        s.sim.simulator.set_fault(
            route,
            Fault {
                empty_body: true,
                ..Fault::default()
            },
        );
    }
    let written = s
        .client
        .update_peering(&s.key, &s.acme, &id, PeeringType::Public, &public_config())
        .await
        .unwrap();
    assert_eq!(written.sync_status, Some(SyncStatus::Pending));
    assert_eq!(written.config().vlan_id, public_config().vlan_id);
    let deleted = s
        .client
        .delete_connection(&s.key, &s.acme, &id)
        .await
        .unwrap();
    assert_eq!(deleted.id, id.as_str());
    assert_eq!(deleted.status, ConnectionStatus::Deleting);
    assert_eq!(
        s.requests_to(Route::UpdatePeering),
        1,
        "a write is sent once"
    );
    assert_eq!(s.requests_to(Route::DeleteConnection), 1);
    assert_eq!(s.requests_to(Route::ReadPeering), 1);
    assert_eq!(s.requests_to(Route::GetConnection), 1);
}

/// A change answered 2xx with JSON that is not what it changed (an acknowledgement, another
/// object) was taken too: what it changed is read instead, not taken from that answer as an
/// object with every field missing.
#[tokio::test]
async fn a_change_answered_with_another_object_is_read_back() {
    let s = setup().await;
    let id = s.production().await;
    for (n, other) in [
        "{}",
        r#"{"success": true}"#,
        r#"{"id": "5f1a2b3c4d5e6f7a8b9c0d1e", "status": "ACTIVE"}"#,
        r#"{"peerASN": 65010, "syncStatus": "PENDING"}"#,
    ]
    .into_iter()
    .enumerate()
    {
        s.sim.simulator.set_fault(
            Route::UpdatePeering,
            Fault {
                other_body: Some(other.to_owned()),
                times: Some(1),
                ..Fault::default()
            },
        );
        let written = s
            .client
            .update_peering(&s.key, &s.acme, &id, PeeringType::Public, &public_config())
            .await
            .unwrap_or_else(|e| panic!("{other}: {e:?}"));
        assert_eq!(written.peering_type, Some(PeeringType::Public), "{other}");
        assert_eq!(written.config().vlan_id, public_config().vlan_id, "{other}");
        assert_eq!(s.requests_to(Route::ReadPeering), n + 1, "{other}");
    }
    // A Microsoft peering answered without the prefixes it advertises is read back too.
    let microsoft = PeeringConfig {
        primary_peer_subnet: "198.51.100.0/30".into(),
        secondary_peer_subnet: "198.51.100.4/30".into(),
        advertised_public_prefixes: Some(vec!["192.0.2.0/24".into()]),
        ..private_config(400)
    };
    s.sim.simulator.set_fault(
        Route::UpdatePeering,
        Fault {
            other_body: Some(
                r#"{"peerASN": 65010, "primaryPeerSubnet": "198.51.100.0/30",
                    "secondaryPeerSubnet": "198.51.100.4/30", "vlanId": 400}"#
                    .to_owned(),
            ),
            times: Some(1),
            ..Fault::default()
        },
    );
    let reads = s.requests_to(Route::ReadPeering);
    let written = s
        .client
        .update_peering(&s.key, &s.acme, &id, PeeringType::Microsoft, &microsoft)
        .await
        .unwrap();
    assert_eq!(
        written.advertised_public_prefixes,
        Some(vec!["192.0.2.0/24".to_owned()])
    );
    assert_eq!(s.requests_to(Route::ReadPeering), reads + 1);
    s.sim.simulator.set_fault(
        Route::DeleteConnection,
        Fault {
            other_body: Some(r#"{"success": true}"#.to_owned()),
            ..Fault::default()
        },
    );
    let deleted = s
        .client
        .delete_connection(&s.key, &s.acme, &id)
        .await
        .unwrap();
    assert_eq!(deleted.id, id.as_str());
    assert_eq!(deleted.status, ConnectionStatus::Deleting);
    assert_eq!(s.requests_to(Route::GetConnection), 1, "read back once");
    assert_eq!(s.requests_to(Route::DeleteConnection), 1, "sent once");
}

/// A change answered 2xx without a body whose read-back fails may have been made: it was
/// taken before the read, whatever the read says.
#[tokio::test]
async fn a_change_taken_without_a_body_whose_read_back_fails_may_have_been_made() {
    let s = setup().await;
    let id = s.production().await;
    for (route, fault) in [
        (
            Route::UpdatePeering,
            Fault {
                empty_body: true,
                ..Fault::default()
            },
        ),
        (
            Route::DeleteConnection,
            Fault {
                empty_body: true,
                ..Fault::default()
            },
        ),
        (
            Route::ReadPeering,
            Fault {
                status: Some(404),
                ..Fault::default()
            },
        ),
        (
            Route::GetConnection,
            Fault {
                status: Some(503),
                ..Fault::default()
            },
        ),
    ] {
        s.sim.simulator.set_fault(route, fault);
    }
    let updated = s
        .client
        .update_peering(&s.key, &s.acme, &id, PeeringType::Public, &public_config())
        .await
        .unwrap_err();
    let deleted = s
        .client
        .delete_connection(&s.key, &s.acme, &id)
        .await
        .unwrap_err();
    for e in [updated, deleted] {
        assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
        assert!(e.outcome_unknown(), "{e:?}");
    }
}

#[tokio::test]
async fn a_malformed_answer_is_a_decode_error() {
    let s = setup().await;
    s.sim.simulator.set_fault(
        Route::WhoAmI,
        Fault {
            malformed_body: true,
            ..Fault::default()
        },
    );
    let err = s.client.who_am_i(&s.key).await.unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn a_hanging_upstream_times_out() {
    let s = setup_with(|c| {
        c.timeout = Duration::from_millis(1000);
        c.read_attempts = 3;
    })
    .await;
    s.sim.simulator.set_fault(
        Route::WhoAmI,
        Fault {
            hang: true,
            ..Fault::default()
        },
    );
    let err = s.client.who_am_i(&s.key).await.unwrap_err();
    assert_eq!(err, Error::Timeout);
    assert_eq!(
        s.requests_to(Route::WhoAmI),
        1,
        "a read that used up the call's time is not tried again"
    );
}

#[tokio::test]
async fn a_retry_out_of_time_answers_with_what_the_try_before_said() {
    let s = setup_with(|c| {
        c.timeout = Duration::from_millis(1000);
        c.read_attempts = 3;
    })
    .await;
    s.sim.simulator.set_fault(
        Route::WhoAmI,
        Fault {
            latency_ms: 700,
            status: Some(503),
            ..Fault::default()
        },
    );
    let err = s.client.who_am_i(&s.key).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(s.requests_to(Route::WhoAmI), 2);
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_is_taken() {
    // Two thirds of the call's time: more than an even share among its three tries.
    let s = setup_with(|c| {
        c.timeout = Duration::from_millis(1500);
        c.read_attempts = 3;
    })
    .await;
    s.sim.simulator.set_fault(
        Route::WhoAmI,
        Fault {
            latency_ms: 1000,
            ..Fault::default()
        },
    );
    let me = s.client.who_am_i(&s.key).await;
    assert!(me.is_ok(), "{me:?}");
    assert_eq!(s.requests_to(Route::WhoAmI), 1);
}

#[tokio::test]
async fn answers_above_the_size_cap_are_refused() {
    let s = setup_with(|c| c.max_response_bytes = 256).await;
    let err = s
        .client
        .list_connections(&s.key, &s.acme)
        .await
        .unwrap_err();
    assert_eq!(err, Error::TooLarge { limit: 256 });
}

#[tokio::test]
async fn nothing_listens_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = ClientConfig::new(format!("http://{addr}"));
    config.read_attempts = 1;
    let client = Client::new(config).unwrap();
    let err = client.who_am_i(&ApiKey::new(ADA)).await.unwrap_err();
    // The log and the audit history are told why, not only that.
    assert!(
        matches!(&err, Error::Connect(why) if why.contains("refused")),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn the_api_key_travels_only_in_the_authorization_header() {
    let s = setup().await;
    s.client.who_am_i(&s.key).await.unwrap();
    for r in s.sim.simulator.requests() {
        assert!(!r.path.contains(ADA) && !r.query.unwrap_or_default().contains(ADA));
        assert!(r.authorized);
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let s = setup().await;
    s.sim.simulator.set_fault(
        Route::WhoAmI,
        Fault {
            status: Some(302),
            ..Fault::default()
        },
    );
    let err = s.client.who_am_i(&s.key).await.unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert_eq!(s.requests_to(Route::WhoAmI), 1);
}
