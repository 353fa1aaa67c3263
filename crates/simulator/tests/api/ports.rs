//! The ports list: statuses, capacity and the fields a wizard filters on.

use crate::harness::*;
use models::PortStatus;
use models::upstream::{Port, port_unusable_reason};

async fn acme_ports(s: &Sandbox) -> Vec<Port> {
    let reply = s.get(ada(), "/api/company/acme/ports?deleted=false").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    serde_json::from_value(reply.json["results"].clone()).unwrap()
}

fn named<'a>(ports: &'a [Port], name: &str) -> &'a Port {
    ports.iter().find(|p| p.name == name).unwrap()
}

#[tokio::test]
async fn ports_are_listed_with_status_speed_and_capacity() {
    let s = sandbox().await;
    let ports = acme_ports(&s).await;
    assert!(ports.len() >= 5);
    for port in &ports {
        assert_eq!(port.id.len(), 24);
        assert!(
            port.id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let capacity = port.capacity.unwrap();
        assert_eq!(
            capacity.total,
            capacity.utilised + capacity.remaining,
            "{}",
            port.name
        );
        assert!(port.extra.contains_key("dataCenter"));
    }
    let london = named(&ports, "Acme London LD8 1");
    assert_eq!(london.status, PortStatus::Active);
    assert_eq!(london.speed.as_ref().map(|s| s.mbps()), Some(10_000));
    assert_eq!(
        london.capacity.unwrap().remaining,
        9000,
        "the seeded 1 Gbps connection uses 1000"
    );
    assert_eq!(
        london.connections[0]["speed"], 1000,
        "a plain number inside port.connections"
    );
    assert_eq!(port_unusable_reason(london, Some(1000)), None);

    let amsterdam = named(&ports, "Acme Amsterdam AM3");
    assert_eq!(amsterdam.capacity.unwrap().remaining, 100);
    assert!(
        port_unusable_reason(amsterdam, Some(200))
            .unwrap()
            .contains("100 Mbps left")
    );

    let frankfurt = named(&ports, "Acme Frankfurt FR5");
    assert_eq!(frankfurt.status, PortStatus::Disabled);

    let singapore = named(&ports, "Acme Singapore SG1");
    assert_eq!(singapore.status, PortStatus::Active);
    assert!(singapore.single_service);
}

#[tokio::test]
async fn each_company_lists_only_its_own_ports() {
    let s = sandbox().await;
    let reply = s.get(ada(), "/api/company/globex/ports").await;
    let ports: Vec<Port> = serde_json::from_value(reply.json["results"].clone()).unwrap();
    assert!(ports.len() >= 2);
    assert!(
        ports
            .iter()
            .all(|p| p.status == PortStatus::Active && p.name.starts_with("Globex"))
    );
    let acme_ids: Vec<String> = acme_ports(&s).await.into_iter().map(|p| p.id).collect();
    assert!(ports.iter().all(|p| !acme_ids.contains(&p.id)));
}
