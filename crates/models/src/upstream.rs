//! Console Connect wire shapes. Reading is tolerant: most fields default when absent and every
//! unknown field is kept in `extra`, so a richer upstream response never breaks the portal.
//! Field names marked [ours] in `console-connect-api.md` are decided here, once.

use crate::PeeringType;
use crate::enums::{ConnectionStatus, ConnectionType, PortStatus, ProvisioningStatus, SyncStatus};
use crate::validate::canonical_prefix;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Unknown fields, kept as they came.
pub type Extra = Map<String, Value>;

/// A field's value, or its default when it is absent or `null`: Console Connect may write
/// `null` for a field it has nothing for, and that is no reason to lose the whole object.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// `GET /api/auth/token`: the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    #[serde(default, deserialize_with = "or_default")]
    pub email: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub companies: Vec<CompanyRef>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A company the user belongs to; `username` is the path segment of company-scoped endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyRef {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub username: String,
}

/// A speed: an object `{value, name}` on a full read, a bare number inside `port.connections[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Speed {
    Object {
        value: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Number(u64),
}

impl Speed {
    /// The speed in Mbps.
    pub fn mbps(&self) -> u64 {
        match self {
            Speed::Object { value, .. } | Speed::Number(value) => *value,
        }
    }
}

/// Port capacity in Mbps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    #[serde(default, deserialize_with = "or_default")]
    pub total: u64,
    #[serde(default, deserialize_with = "or_default")]
    pub utilised: u64,
    #[serde(default, deserialize_with = "or_default")]
    pub remaining: u64,
}

/// A port of the company, a possible source of a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    #[serde(default = "unknown_port_status")]
    pub status: PortStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
    #[serde(default, deserialize_with = "or_default")]
    pub single_service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    #[serde(default, deserialize_with = "or_default")]
    pub connections: Vec<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn unknown_port_status() -> PortStatus {
    PortStatus::Unknown
}

fn unknown_connection_status() -> ConnectionStatus {
    ConnectionStatus::Other(String::new())
}

fn unknown_connection_type() -> ConnectionType {
    ConnectionType::Other(String::new())
}

/// Why a port cannot be the source of a new connection, or `None` when it can.
pub fn port_unusable_reason(port: &Port, speed_mbps: Option<u64>) -> Option<String> {
    if port.status != PortStatus::Active {
        return Some(format!("port is {}, not Active", port.status.label()));
    }
    if port.single_service {
        return Some("port is single-service (it carries one connection only)".to_owned());
    }
    let remaining = port.capacity.map(|c| c.remaining).unwrap_or(0);
    if remaining == 0 {
        return Some("port has no capacity left".to_owned());
    }
    match speed_mbps {
        Some(speed) if remaining < speed => Some(format!(
            "port has {} left, less than the {} asked for",
            speed_text(remaining),
            speed_text(speed)
        )),
        _ => None,
    }
}

/// Why one port cannot carry both legs of a connection of `speed_mbps` (each leg takes the
/// speed on its source port, so an order from one port needs twice the speed there), or
/// `None` when it can. `remaining` is the port's capacity left.
pub fn one_port_reason(remaining: u64, speed_mbps: u64) -> Option<String> {
    let needed = speed_mbps.saturating_mul(2);
    (remaining < needed).then(|| {
        format!(
            "port has {} left, less than the {} its two legs of {} need",
            speed_text(remaining),
            speed_text(needed),
            speed_text(speed_mbps)
        )
    })
}

/// Why a port that is the only one chosen cannot carry both legs of a connection of
/// `speed_mbps`, when nothing but its capacity stands in the way (it is Active, not
/// single-service, with some capacity left): said with what both legs need, which a port with
/// less left than one leg's speed lacks too. `None` when it can, or when something else stands
/// in the way ([`port_unusable_reason`] says what).
pub fn sole_port_reason(
    status: &PortStatus,
    single_service: bool,
    remaining: u64,
    speed_mbps: u64,
) -> Option<String> {
    let open = *status == PortStatus::Active && !single_service && remaining > 0;
    open.then(|| one_port_reason(remaining, speed_mbps))
        .flatten()
}

/// A speed or capacity in Mbps as people say it, and as the pages write it: in Gbps from 1 Gbps
/// on, with a tenth where it has one (8.5 Gbps beside 10 Gbps, not 8500 Mbps), otherwise in
/// Mbps.
pub fn speed_text(mbps: u64) -> String {
    match (mbps / 1000, mbps % 1000) {
        (0, _) => format!("{mbps} Mbps"),
        (gbps, 0) => format!("{gbps} Gbps"),
        (gbps, rest) if rest.is_multiple_of(100) => format!("{gbps}.{} Gbps", rest / 100),
        _ => format!("{mbps} Mbps"),
    }
}

/// `subconnectionIds` of a `GROUP_LAYER2` parent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubconnectionIds {
    #[serde(default, deserialize_with = "or_default")]
    pub primary: Vec<String>,
    #[serde(default, deserialize_with = "or_default")]
    pub secondary: Vec<String>,
}

/// The Azure part of a connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The Azure service key: a secret, masked before it reaches a browser or an audit row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_status: Option<ProvisioningStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_status: Option<SyncStatus>,
    /// Peering entries; read with [`Partner::peerings`], which skips entries it cannot read.
    #[serde(default, deserialize_with = "or_default")]
    pub peering: Vec<Value>,
    #[serde(default, deserialize_with = "or_default")]
    pub dest_port_ids: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Partner {
    /// The peering entries that read as a [`Peering`].
    pub fn peerings(&self) -> Vec<Peering> {
        self.peering
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }
}

/// A connection: the `GROUP_LAYER2` parent or one of its `LAYER2` legs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub id: String,
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    #[serde(default = "unknown_connection_type", rename = "type")]
    pub kind: ConnectionType,
    #[serde(default = "unknown_connection_status")]
    pub status: ConnectionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_port_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dest_port_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subconnection_ids: Option<SubconnectionIds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<Partner>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Connection {
    /// Whether this is an Azure ExpressRoute connection (a partner of type AZURE).
    pub fn is_azure(&self) -> bool {
        self.partner
            .as_ref()
            .and_then(|p| p.kind.as_deref())
            .is_some_and(|k| k.eq_ignore_ascii_case("AZURE"))
    }
}

/// Body of the create call (`PUT …/layer2/create`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConnectionBody {
    pub azure_service_key: String,
    pub name: String,
    pub src_port: Vec<SrcPort>,
    pub speed: u64,
    pub payment_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_of_service: Option<String>,
}

/// One source port of the create call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SrcPort {
    pub port_id: String,
}

/// Body of the verify call (`POST …/layer2/serviceKey`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyServiceKeyBody {
    pub service_key: String,
}

/// Answer of the verify call [ours]. Every field is optional: show what comes back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceKeyInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_mbps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_provider_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_provider_provisioning_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_azure_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_azure_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_use: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A peering configuration as sent to the update call [ours]; names follow Azure's peering model.
/// Read only from what the portal and its browser app write, never from Console Connect's
/// answers (those are [`Peering`]s, read tolerantly), so a field it does not know is refused: a
/// misspelt `sharedKey` must not be dropped unseen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeeringConfig {
    #[serde(rename = "peerASN")]
    pub peer_asn: u64,
    pub primary_peer_subnet: String,
    pub secondary_peer_subnet: String,
    pub vlan_id: u64,
    /// BGP MD5 key: a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advertised_public_prefixes: Option<Vec<String>>,
    #[serde(
        default,
        rename = "customerASN",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_asn: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_registry_name: Option<String>,
}

impl PeeringConfig {
    /// Trims text fields, writes prefixes in their usual form (so `FD00:0::/126` and
    /// `fd00::/126` are one subnet, in a preview as upstream) and turns empty optional fields
    /// into `None`.
    pub fn normalized(mut self) -> Self {
        self.primary_peer_subnet = canonical_prefix(&self.primary_peer_subnet);
        self.secondary_peer_subnet = canonical_prefix(&self.secondary_peer_subnet);
        self.shared_key = self.shared_key.filter(|k| !k.is_empty());
        // A list with nothing in it is none: not sent, not told apart from one left out.
        self.advertised_public_prefixes = self
            .advertised_public_prefixes
            .map(|ps| {
                ps.iter()
                    .map(|p| canonical_prefix(p))
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|ps| !ps.is_empty());
        self.routing_registry_name = self
            .routing_registry_name
            .map(|r| {
                crate::validate::canonical_registry(&r)
                    .map_or_else(|| r.trim().to_owned(), str::to_owned)
            })
            .filter(|r| !r.is_empty());
        self
    }
}

/// A peering as read back [ours]: the config fields plus `peeringType`, `syncStatus`, `updatedAt`.
/// Every field is optional so a partial upstream answer still reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Peering {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_type: Option<PeeringType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_status: Option<SyncStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, rename = "peerASN", skip_serializing_if = "Option::is_none")]
    pub peer_asn: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_peer_subnet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_peer_subnet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advertised_public_prefixes: Option<Vec<String>>,
    #[serde(
        default,
        rename = "customerASN",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_asn: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_registry_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Peering {
    /// The config part of a read, for editing or comparing, [`normalized`](PeeringConfig::normalized)
    /// as a proposed config is: Console Connect writing `FD00::/126`, `ripencc` or an empty
    /// registry is no difference from what the portal would send. Missing numbers read as 0.
    pub fn config(&self) -> PeeringConfig {
        PeeringConfig {
            peer_asn: self.peer_asn.unwrap_or(0),
            primary_peer_subnet: self.primary_peer_subnet.clone().unwrap_or_default(),
            secondary_peer_subnet: self.secondary_peer_subnet.clone().unwrap_or_default(),
            vlan_id: self.vlan_id.unwrap_or(0),
            shared_key: self.shared_key.clone(),
            advertised_public_prefixes: self.advertised_public_prefixes.clone(),
            customer_asn: self.customer_asn,
            routing_registry_name: self.routing_registry_name.clone(),
        }
        .normalized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connection_reads_with_unknown_fields_and_values() {
        let c: Connection = serde_json::from_value(json!({
            "id": "5f1a2b3c4d5e6f7a8b9c0d1e",
            "name": "Azure A",
            "type": "GROUP_LAYER2",
            "status": "SOMETHING_NEW",
            "speed": {"value": 100, "name": "100 Mbps"},
            "partner": {"type": "AZURE", "provisioningStatus": "NOT PROVISIONED",
                        "peering": [{"peeringType": "PRIVATE", "syncStatus": "SYNCED"}, 42]},
            "brandNewField": {"nested": true}
        }))
        .unwrap();
        assert_eq!(c.kind, ConnectionType::GroupLayer2);
        assert_eq!(c.status, ConnectionStatus::Other("SOMETHING_NEW".into()));
        assert_eq!(c.speed.as_ref().map(Speed::mbps), Some(100));
        assert!(c.is_azure());
        let partner = c.partner.as_ref().unwrap();
        assert_eq!(
            partner.provisioning_status,
            Some(ProvisioningStatus::NotProvisioned)
        );
        let peerings = partner.peerings();
        assert_eq!(peerings.len(), 1, "the unreadable entry is skipped");
        assert_eq!(peerings[0].sync_status, Some(SyncStatus::Synced));
        assert!(c.extra.contains_key("brandNewField"));
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["brandNewField"], json!({"nested": true}));
    }

    /// A `null` where a value was expected reads as no value, not as a broken object: the
    /// connection is still listed, its port still offered, its user still signed in.
    #[test]
    fn nulls_read_as_absent() {
        let c: Connection = serde_json::from_value(json!({
            "id": "5f1a2b3c4d5e6f7a8b9c0d1e",
            "name": null,
            "type": null,
            "status": null,
            "speed": null,
            "subconnectionIds": {"primary": null, "secondary": ["5f1a2b3c4d5e6f7a8b9c0d1f"]},
            "partner": {"type": "AZURE", "provisioningStatus": null, "syncStatus": 7,
                        "peering": null, "destPortIds": null}
        }))
        .unwrap();
        assert_eq!(c.name, "");
        assert_eq!(c.kind, ConnectionType::Other(String::new()));
        assert_eq!(c.status, ConnectionStatus::Other(String::new()));
        assert_eq!(c.speed, None);
        let subs = c.subconnection_ids.as_ref().unwrap();
        assert!(subs.primary.is_empty());
        assert_eq!(subs.secondary.len(), 1);
        let partner = c.partner.as_ref().unwrap();
        assert_eq!(partner.provisioning_status, None);
        assert_eq!(partner.sync_status, Some(SyncStatus::Other("7".into())));
        assert!(partner.peering.is_empty() && partner.dest_port_ids.is_empty());
        assert!(c.is_azure());

        let p: Port = serde_json::from_value(json!({
            "id": "5f1a2b3c4d5e6f7a8b9c0d20", "name": null, "status": null,
            "singleService": null, "connections": null,
            "capacity": {"total": 1000, "utilised": null, "remaining": 1000}
        }))
        .unwrap();
        assert_eq!((p.name.as_str(), p.single_service), ("", false));
        assert_eq!(p.status.label(), "Unknown");
        assert_eq!(c.status.label(), "Unknown");
        assert_eq!(
            p.capacity.map(|c| (c.utilised, c.remaining)),
            Some((0, 1000))
        );
        assert!(p.connections.is_empty());

        let u: User = serde_json::from_value(json!({
            "id": "u1", "name": null, "email": null,
            "companies": [{"id": "c1", "name": null, "username": "acme"}]
        }))
        .unwrap();
        assert_eq!(u.companies[0].username, "acme");
        assert_eq!(u.name, "");
    }

    #[test]
    fn speed_reads_as_object_or_number() {
        let a: Speed = serde_json::from_value(json!(50)).unwrap();
        let b: Speed = serde_json::from_value(json!({"value": 200})).unwrap();
        assert_eq!((a.mbps(), b.mbps()), (50, 200));
    }

    #[test]
    fn peering_config_uses_azure_field_names() {
        let cfg = PeeringConfig {
            peer_asn: 65010,
            primary_peer_subnet: "10.1.0.0/30".into(),
            secondary_peer_subnet: "10.1.0.4/30".into(),
            vlan_id: 200,
            customer_asn: Some(64999),
            ..Default::default()
        };
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(v["peerASN"], 65010);
        assert_eq!(v["customerASN"], 64999);
        assert_eq!(v["vlanId"], 200);
        assert!(v.get("sharedKey").is_none());
    }

    /// A peering read in Console Connect's own spelling is the config the portal would send
    /// for it: a preview of the same settings shows no difference.
    #[test]
    fn a_peering_read_is_normalized_as_a_proposal_is() {
        let read: Peering = serde_json::from_value(json!({
            "peeringType": "MICROSOFT",
            "peerASN": 65010,
            "primaryPeerSubnet": " FD00:0::/126",
            "secondaryPeerSubnet": "fd00::4/126",
            "vlanId": 300,
            "sharedKey": "",
            "advertisedPublicPrefixes": ["2001:DB8:100::/48", ""],
            "routingRegistryName": "ripencc"
        }))
        .unwrap();
        let proposed = PeeringConfig {
            peer_asn: 65010,
            primary_peer_subnet: "fd00::/126".into(),
            secondary_peer_subnet: "fd00::4/126".into(),
            vlan_id: 300,
            advertised_public_prefixes: Some(vec!["2001:db8:100::/48".into()]),
            routing_registry_name: Some("RIPENCC".into()),
            ..Default::default()
        };
        assert_eq!(read.config(), proposed.clone().normalized());
        let empty: Peering =
            serde_json::from_value(json!({"routingRegistryName": "", "sharedKey": ""})).unwrap();
        assert_eq!(
            (
                empty.config().routing_registry_name,
                empty.config().shared_key
            ),
            (None, None)
        );
    }

    fn port(status: PortStatus, single: bool, remaining: u64) -> Port {
        Port {
            id: "a".repeat(24),
            name: "p".into(),
            status,
            speed: None,
            single_service: single,
            capacity: Some(Capacity {
                total: 1000,
                utilised: 1000 - remaining,
                remaining,
            }),
            connections: vec![],
            extra: Extra::new(),
        }
    }

    #[test]
    fn port_usability_names_the_reason() {
        assert_eq!(
            port_unusable_reason(&port(PortStatus::Active, false, 500), Some(100)),
            None
        );
        let reason = port_unusable_reason(&port(PortStatus::Disabled, false, 500), None).unwrap();
        assert!(reason.contains("Disabled"), "{reason}");
        let reason = port_unusable_reason(&port(PortStatus::Active, true, 500), None).unwrap();
        assert!(reason.contains("single-service"), "{reason}");
        let reason = port_unusable_reason(&port(PortStatus::Active, false, 50), Some(100)).unwrap();
        assert!(reason.contains("50 Mbps left"), "{reason}");
    }

    #[test]
    fn a_sole_port_short_of_one_leg_is_said_short_of_both() {
        let active = PortStatus::Active;
        assert_eq!(
            sole_port_reason(&active, false, 8700, 10_000).as_deref(),
            Some("port has 8.7 Gbps left, less than the 20 Gbps its two legs of 10 Gbps need")
        );
        assert_eq!(sole_port_reason(&active, false, 20_000, 10_000), None);
        // Something else in the way is for port_unusable_reason to say.
        assert_eq!(
            sole_port_reason(&PortStatus::Disabled, false, 50, 100),
            None
        );
        assert_eq!(sole_port_reason(&active, true, 50, 100), None);
        assert_eq!(sole_port_reason(&active, false, 0, 100), None);
    }

    #[test]
    fn one_port_carries_both_legs() {
        assert_eq!(one_port_reason(1000, 500), None);
        assert_eq!(
            one_port_reason(900, 500).as_deref(),
            Some("port has 900 Mbps left, less than the 1 Gbps its two legs of 500 Mbps need")
        );
        assert!(one_port_reason(u64::MAX - 1, u64::MAX).is_some());
        // Capacities are written as the ports step writes them.
        assert_eq!(
            one_port_reason(8500, 5000).as_deref(),
            Some("port has 8.5 Gbps left, less than the 10 Gbps its two legs of 5 Gbps need")
        );
    }
}
