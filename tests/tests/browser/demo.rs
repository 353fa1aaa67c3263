//! The sandbox's published keys, taken from the simulator so the tests never drift from the
//! demo data, and the sign-ins every test starts with.

use crate::browser::Browser;
use crate::colleague::Colleague;
use reqwest::Method;
use serde_json::json;
use simulator::demo::{API_KEYS, DemoKey, SERVICE_KEYS};

/// Ada Lovelace: Network Admin of Acme Networks and Globex Corporation.
pub fn ada() -> &'static str {
    find(API_KEYS, "Ada Lovelace")
}

/// Grace Hopper: Globex Corporation only.
pub fn grace() -> &'static str {
    find(API_KEYS, "Grace Hopper")
}

/// Linus Pauling: Acme Networks without the Network Admin role, so Console Connect lets him
/// only read.
pub fn linus() -> &'static str {
    find(API_KEYS, "Linus Pauling")
}

/// The unused 1000 Mbps London circuit `acme-er-london-01`.
pub fn london_key() -> &'static str {
    find(SERVICE_KEYS, "acme-er-london-01")
}

/// The unused 200 Mbps Amsterdam circuit `acme-er-amsterdam-01`.
pub fn amsterdam_key() -> &'static str {
    find(SERVICE_KEYS, "acme-er-amsterdam-01")
}

/// Acme's two ports in London, both ACTIVE with capacity left.
pub const LONDON_PORT_1: &str = "5f0c1a2b3c4d5e6f70a1b001";
pub const LONDON_PORT_2: &str = "5f0c1a2b3c4d5e6f70a1b002";
/// Acme's Amsterdam port: ACTIVE with 100 Mbps left.
pub const AMSTERDAM_PORT: &str = "5f0c1a2b3c4d5e6f70a1b003";

/// The key "Azure London Production" already uses.
/// Globex's unused 500 Mbps key at Dallas.
pub fn dallas_key() -> &'static str {
    find(SERVICE_KEYS, "globex-er-dallas-01")
}

pub fn used_key() -> &'static str {
    find(SERVICE_KEYS, "Already used")
}

fn find(keys: &[DemoKey], described_as: &str) -> &'static str {
    keys.iter()
        .find(|k| k.description.contains(described_as))
        .unwrap_or_else(|| panic!("the sandbox has no demo key described as {described_as:?}"))
        .key
}

/// Clicks the demo key `key` on the sign-in page.
pub async fn click_demo_key(b: &Browser, key: &str) {
    b.click_css(&format!("[data-test=\"demo-key\"][data-key=\"{key}\"]"))
        .await;
}

/// Signs in as Ada and chooses Acme Networks; ends on the connections page.
pub async fn sign_in_as_ada_in_acme(b: &Browser) {
    b.goto("/sign-in").await;
    ada_in_acme(b).await;
    b.wait_for_path("/connections").await;
}

/// Signs in as Ada in Acme Networks where no demo key is offered (an upstream other than the
/// sandbox): her key typed, as anyone's would be.
pub async fn type_ada_in_acme(b: &Browser) {
    b.goto("/sign-in").await;
    b.fill("apiKey", ada()).await;
    b.click("sign-in").await;
    b.select("company", "acme").await;
    b.click("choose-company").await;
    b.wait_for_path("/connections").await;
}

/// On the sign-in page, signs in with Ada's demo key and chooses Acme Networks; the page goes
/// on where the sign-in leads.
pub async fn ada_in_acme(b: &Browser) {
    click_demo_key(b, ada()).await;
    b.select("company", "acme").await;
    b.click("choose-company").await;
}

/// Signs in as Ada in Acme Networks and opens the audit history; returns its rows once the
/// sign-in's events are there.
pub async fn audit_of_ada_in_acme(b: &Browser) -> Vec<crate::browser::Row> {
    sign_in_as_ada_in_acme(b).await;
    b.goto("/audit").await;
    b.wait_for_rows("the sign-in's events", "[data-test=\"audit-row\"]", |r| {
        !r.is_empty()
    })
    .await
}

/// The id of the newest audit event the signed-in page may read for the query `filters`
/// (`action=…&phase=…`), as the audit API gives it.
pub async fn newest_audit_event(b: &Browser, filters: &str) -> serde_json::Value {
    b.script_with(
        "const x = new XMLHttpRequest();\
         x.open('GET', '/api/audit?' + arguments[0], false); x.send();\
         return JSON.parse(x.responseText).events[0].id;",
        json!([filters]),
    )
    .await
}

/// Why the seeded PRIVATE peering is moved to VLAN 150 in [`review_vlan_move`].
pub const VLAN_MOVE_REASON: &str = "Move the private peering to VLAN 150";

/// In the wizard of Acme's seeded PRIVATE peering (VLAN 100), moves it to VLAN 150 with
/// [`VLAN_MOVE_REASON`] and stops at the review, ready to apply.
pub async fn review_vlan_move(b: &Browser) {
    b.wait_for_value("vlanId", "100").await;
    b.fill("vlanId", "150").await;
    b.click("preview").await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    b.fill("reason", VLAN_MOVE_REASON).await;
}

/// Signs in as Grace (one company, so no choice); ends on the connections page.
pub async fn sign_in_as_grace(b: &Browser) {
    b.goto("/sign-in").await;
    click_demo_key(b, grace()).await;
    b.wait_for_path("/connections").await;
}

/// Orders a 1 Gbps connection for the London key from Acme's two London ports in another
/// session of Ada's, as a colleague at another desk would, and returns its id.
pub async fn order_in_acme(b: &Browser, name: &str) -> String {
    let mut colleague = Colleague::sign_in(b.portal_url(), ada(), "acme").await;
    let created = colleague
        .send(
            Method::POST,
            "/api/connections",
            json!({
                "serviceKey": london_key(),
                "name": name,
                "portIds": [LONDON_PORT_1, LONDON_PORT_2],
                "speedMbps": 1000,
                "paymentType": "invoice",
            }),
        )
        .await;
    created["id"]
        .as_str()
        .expect("the new connection's id")
        .to_owned()
}

/// A colleague (another session of Ada's in Acme) sets the seeded PRIVATE peering of connection
/// `id` to `peer_asn` and `vlan_id`, on the subnets it has, keeping its shared key.
pub async fn colleague_sets_seeded_private_peering(
    b: &Browser,
    id: &str,
    peer_asn: u64,
    vlan_id: u64,
    reason: &str,
) {
    let mut colleague = Colleague::sign_in(b.portal_url(), ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({
                "config": {
                    "peerASN": peer_asn,
                    "primaryPeerSubnet": "10.10.0.0/30",
                    "secondaryPeerSubnet": "10.10.0.4/30",
                    "vlanId": vlan_id,
                },
                "reason": reason,
                "keepSharedKey": true,
            }),
        )
        .await;
}
