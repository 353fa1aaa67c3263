//! What the browser sees of upstream objects: connections grouped with their legs, ports with
//! their usability, service keys and peerings without their secrets; and the redacted
//! snapshots the audit history keeps.

use crate::crypto::Crypto;
use models::api::{
    ConnectionView, LegRole, LegView, PeeringSummary, PeeringView, PortView, ServiceKeyView,
};
use models::upstream::{
    Connection, Peering, PeeringConfig, Port, ServiceKeyInfo, Speed, port_unusable_reason,
};
use models::validate::offered_speeds;
use models::{ClassOfService, ConnectionType, PaymentType, PeeringType, SyncStatus, mask_secret};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Whether a connection is the parent of an Azure ExpressRoute pair.
pub fn is_azure_parent(c: &Connection) -> bool {
    c.kind == ConnectionType::GroupLayer2 && c.is_azure()
}

fn leg_role(parent: &Connection, leg: &Connection) -> LegRole {
    let ids = parent.subconnection_ids.as_ref();
    if ids.is_some_and(|s| s.secondary.contains(&leg.id)) {
        LegRole::Secondary
    } else if ids.is_some_and(|s| s.primary.contains(&leg.id)) {
        LegRole::Primary
    } else if leg.name.contains("Secondary") {
        LegRole::Secondary
    } else {
        LegRole::Primary
    }
}

/// The view of a parent with whichever of its legs are given.
pub fn connection_view(parent: &Connection, legs: &[Connection]) -> ConnectionView {
    let partner = parent.partner.as_ref();
    let mut legs: Vec<LegView> = legs
        .iter()
        .filter(|l| l.parent_id.as_deref() == Some(parent.id.as_str()) || is_sub(parent, l))
        .map(|l| LegView {
            id: l.id.clone(),
            name: l.name.clone(),
            role: leg_role(parent, l),
            status: l.status.clone(),
            src_port_id: l.src_port_id.clone(),
            dest_port_id: l.dest_port_id.clone(),
        })
        .collect();
    legs.sort_by_key(|l| (l.role == LegRole::Secondary, l.name.clone()));
    let mut peerings: Vec<PeeringSummary> = partner
        .map(|p| p.peerings())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            Some(PeeringSummary {
                peering_type: p.peering_type?,
                sync_status: p.sync_status.unwrap_or(SyncStatus::Pending),
            })
        })
        .collect();
    peerings.sort_by_key(|p| p.peering_type);
    peerings.dedup_by_key(|p| p.peering_type);
    let mut view = ConnectionView {
        id: parent.id.clone(),
        name: parent.name.clone(),
        speed_mbps: parent.speed.as_ref().map(Speed::mbps),
        status: parent.status.clone(),
        provisioning_status: partner.and_then(|p| p.provisioning_status.clone()),
        service_key_masked: partner.and_then(|p| p.account.as_deref()).map(mask_secret),
        legs,
        peerings,
        created_at: parent.created_at.clone(),
        updated_at: parent.updated_at.clone(),
        error_reason: parent.error_reason.clone(),
        payment_type: listed(parent, "paymentType").map(|p| PaymentType::parse(&p)),
        class_of_service: listed(parent, "classOfService").map(|c| ClassOfService::parse(&c)),
        base: String::new(),
    };
    view.base = connection_base(&view);
    view
}

/// A text field of the connection that the portal's type does not name, when Console Connect
/// lists it (and not empty).
fn listed(c: &Connection, field: &str) -> Option<String> {
    c.extra
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Whether `base` has the shape of a connection's base: what a request may name as the one it
/// was based on. A base of another shape was never handed out, so it cannot be a stale one.
pub fn is_connection_base(base: &str) -> bool {
    base.len() == 24 && is_lower_hex(base)
}

/// Whether `base` has the shape of a peering's base (a fingerprint from [`Crypto`]).
pub fn is_peering_base(base: &str) -> bool {
    base.strip_prefix("hmac-sha256:")
        .is_some_and(|hex| hex.len() == 16 && is_lower_hex(hex))
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What a connection delete is checked against ([`ConnectionView::base`]): a hash of the
/// connection's name, speed and peering types, which the browser shows before a delete. No
/// secret goes in, so no key is needed.
fn connection_base(view: &ConnectionView) -> String {
    let types: Vec<&str> = view
        .peerings
        .iter()
        .map(|p| p.peering_type.as_wire())
        .collect();
    let shown = json!([view.id, view.name, view.speed_mbps, types]).to_string();
    hex::encode(&Sha256::digest(shown.as_bytes())[..12])
}

fn is_sub(parent: &Connection, leg: &Connection) -> bool {
    parent
        .subconnection_ids
        .as_ref()
        .is_some_and(|s| s.primary.contains(&leg.id) || s.secondary.contains(&leg.id))
}

/// The Azure connections of a company's list, each with its legs, newest first.
pub fn group_connections(all: &[Connection]) -> Vec<ConnectionView> {
    let mut views: Vec<ConnectionView> = all
        .iter()
        .filter(|c| is_azure_parent(c))
        .map(|p| connection_view(p, all))
        .collect();
    views.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.name.cmp(&b.name))
    });
    views
}

pub fn port_view(port: &Port, speed_mbps: Option<u64>) -> PortView {
    let reason = port_unusable_reason(port, speed_mbps);
    PortView {
        id: port.id.clone(),
        name: port.name.clone(),
        status: port.status.clone(),
        speed_mbps: port.speed.as_ref().map(Speed::mbps),
        capacity: port.capacity,
        single_service: port.single_service,
        usable: reason.is_none(),
        unusable_reason: reason,
    }
}

pub fn service_key_view(info: &ServiceKeyInfo, service_key: &str) -> ServiceKeyView {
    ServiceKeyView {
        service_key_masked: mask_secret(service_key),
        circuit_name: info.circuit_name.clone(),
        bandwidth_mbps: info.bandwidth_mbps,
        peering_location: info.peering_location.clone(),
        service_provider_name: info.service_provider_name.clone(),
        provider_state: info.service_provider_provisioning_state.clone(),
        primary_azure_port: info.primary_azure_port.clone(),
        secondary_azure_port: info.secondary_azure_port.clone(),
        in_use: info.in_use,
        offered_speeds: offered_speeds(info.bandwidth_mbps),
    }
}

pub fn peering_view(crypto: &Crypto, peering_type: PeeringType, p: &Peering) -> PeeringView {
    let mut config = p.config();
    let base = peering_base(crypto, &peering_snapshot(crypto, &config));
    let shared_key_set = config.shared_key.take().is_some_and(|k| !k.is_empty());
    PeeringView {
        peering_type: p.peering_type.unwrap_or(peering_type),
        sync_status: p.sync_status.clone().unwrap_or(SyncStatus::Pending),
        updated_at: p.updated_at.clone(),
        config,
        shared_key_set,
        base,
    }
}

/// The token of a peering's settings that reads and previews hand out and a change or delete
/// may send back: a keyed fingerprint of its audit snapshot (`null` when there is none), so any
/// change of config or shared key changes it and a sync status moving on does not.
pub fn peering_base(crypto: &Crypto, snapshot: &Value) -> String {
    crypto.fingerprint(&snapshot.to_string())
}

/// A peering config as the audit history keeps it: the shared key becomes a keyed fingerprint,
/// so a change of key shows without the key.
pub fn peering_snapshot(crypto: &Crypto, config: &PeeringConfig) -> Value {
    let mut v = serde_json::to_value(config).unwrap_or(Value::Null);
    if let (Value::Object(map), Some(key)) = (&mut v, config.shared_key.as_deref()) {
        map.insert("sharedKey".into(), Value::String(crypto.fingerprint(key)));
    }
    v
}

/// How a change's preview and its request, as the audit history keeps it, say a shared key
/// typed in it.
pub const NEW_SHARED_KEY: &str = "a new key (not shown)";

/// A peering change's request as its preview shows it and the audit history keeps it: as
/// [`peering_snapshot`], but a shared key typed (not kept) is said only to be a new one. Its
/// fingerprint beside the current key's would tell whoever may preview, or reads the history
/// and can send a change that is then refused, whether a guess is the key; the key Console
/// Connect took is fingerprinted in the outcome's after-state.
pub fn request_snapshot(crypto: &Crypto, config: &PeeringConfig, kept: bool) -> Value {
    let mut v = peering_snapshot(crypto, config);
    if let (Value::Object(map), false, Some(_)) = (&mut v, kept, config.shared_key.as_deref()) {
        map.insert("sharedKey".into(), Value::String(NEW_SHARED_KEY.into()));
    }
    v
}

/// A connection as the audit history keeps it (the view already masks the service key), without
/// its base, which is derived from the rest.
pub fn connection_snapshot(view: &ConnectionView) -> Value {
    let mut v = serde_json::to_value(view).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.remove("base");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conn(v: Value) -> Connection {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_bases_handed_out_have_the_shapes_requests_are_checked_for() {
        let crypto = Crypto::new(&[3u8; 32]);
        for snapshot in [Value::Null, json!({"peerASN": 65010, "vlanId": 100})] {
            let base = peering_base(&crypto, &snapshot);
            assert!(is_peering_base(&base), "{base}");
            assert!(!is_connection_base(&base), "{base}");
        }
        let parent = conn(json!({"id": "p1", "name": "A", "type": "GROUP_LAYER2"}));
        let base = connection_view(&parent, &[]).base;
        assert!(is_connection_base(&base), "{base}");
        assert!(!is_peering_base(&base), "{base}");
        for odd in [
            "",
            "garbage",
            "hmac-sha256:",
            "hmac-sha256:07DC58645AED174C",
            "hmac-sha256:07dc58645aed174",
            "hmac-sha256:07dc58645aed174cc",
            "6650A1C2E4B0D7A3C1000000",
            "6650a1c2e4b0d7a3c100000",
            "6650a1c2e4b0d7a3c1000000\u{e9}",
        ] {
            assert!(!is_peering_base(odd) && !is_connection_base(odd), "{odd:?}");
        }
    }

    #[test]
    fn parents_are_grouped_with_their_legs_and_others_dropped() {
        let all = vec![
            conn(
                json!({"id": "p1", "name": "A", "type": "GROUP_LAYER2", "status": "ACTIVE",
                "subconnectionIds": {"primary": ["l1"], "secondary": ["l2"]},
                "partner": {"type": "AZURE", "account": "7d6c2f1e-1111-2222-3333-444455556666",
                            "peering": [{"peeringType": "PRIVATE", "syncStatus": "SYNCING"}]}}),
            ),
            conn(
                json!({"id": "l2", "name": "A Secondary 1", "type": "LAYER2", "status": "CREATING", "parentId": "p1"}),
            ),
            conn(
                json!({"id": "l1", "name": "A Primary 1", "type": "LAYER2", "status": "ACTIVE", "parentId": "p1"}),
            ),
            conn(json!({"id": "x", "name": "AWS", "type": "LAYER2", "status": "ACTIVE"})),
        ];
        let views = group_connections(&all);
        assert_eq!(views.len(), 1);
        let v = &views[0];
        assert_eq!(
            v.legs.iter().map(|l| l.role).collect::<Vec<_>>(),
            [LegRole::Primary, LegRole::Secondary]
        );
        assert_eq!(
            v.service_key_masked.as_deref(),
            Some("********-****-****-****-********6666")
        );
        assert_eq!(v.peerings[0].sync_status, SyncStatus::Syncing);
        assert!(v.is_transitional());
    }

    #[test]
    fn peering_view_hides_the_shared_key() {
        let p: Peering = serde_json::from_value(json!({
            "peeringType": "PRIVATE", "syncStatus": "SYNCED", "peerASN": 65010,
            "primaryPeerSubnet": "10.0.0.0/30", "secondaryPeerSubnet": "10.0.0.4/30",
            "vlanId": 100, "sharedKey": "canary123"
        }))
        .unwrap();
        let v = peering_view(&Crypto::new(&[3u8; 32]), PeeringType::Private, &p);
        assert!(v.shared_key_set);
        assert!(!serde_json::to_string(&v).unwrap().contains("canary123"));
    }

    #[test]
    fn snapshots_fingerprint_the_shared_key() {
        let crypto = Crypto::new(&[3u8; 32]);
        let cfg = PeeringConfig {
            shared_key: Some("canary123".into()),
            ..Default::default()
        };
        let snap = peering_snapshot(&crypto, &cfg);
        assert!(!snap.to_string().contains("canary123"));
        assert_eq!(snap["sharedKey"], crypto.fingerprint("canary123"));
        // A change's request says a typed key is new, with no fingerprint to compare; a key
        // kept is the current one's.
        let typed = request_snapshot(&crypto, &cfg, false);
        assert_eq!(typed["sharedKey"], NEW_SHARED_KEY);
        assert!(!typed.to_string().contains(&crypto.fingerprint("canary123")));
        assert_eq!(request_snapshot(&crypto, &cfg, true), snap);
        let none = PeeringConfig::default();
        assert_eq!(
            request_snapshot(&crypto, &none, false),
            peering_snapshot(&crypto, &none)
        );
    }
}
