//! Field-level differences between two JSON snapshots, used by the change preview and by the
//! audit history's before/after view. Secrets are redacted before they get here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One field that differs. `None` means absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default)]
    pub before: Option<Value>,
    #[serde(default)]
    pub after: Option<Value>,
}

impl FieldChange {
    pub fn kind(&self) -> ChangeKind {
        match (&self.before, &self.after) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// The fields of the snapshots a difference compares, by their API names, with the names the
/// pages give them, in the order the pages show them: a peering's settings as its form asks for
/// them, then a connection's as its page lists them, then what Azure says about a service key,
/// then the company a session works in; last, the fields of a connection's legs and peerings,
/// as their records are shown within the connection's.
/// A difference lists its changes in this order.
pub const FIELDS: [(&str, &str); 36] = [
    ("peerASN", "Peer ASN"),
    ("primaryPeerSubnet", "Primary subnet"),
    ("secondaryPeerSubnet", "Secondary subnet"),
    ("vlanId", "VLAN ID"),
    ("sharedKey", "Shared key"),
    ("advertisedPublicPrefixes", "Advertised public prefixes"),
    ("customerASN", "Customer ASN"),
    ("routingRegistryName", "Routing registry"),
    ("name", "Name"),
    ("status", "Status"),
    ("provisioningStatus", "Azure provisioning"),
    ("speedMbps", "Speed"),
    ("paymentType", "Payment"),
    ("classOfService", "Class of service"),
    ("serviceKeyMasked", "Service key"),
    ("id", "Connection id"),
    ("legs", "Legs"),
    ("peerings", "Peerings"),
    ("errorReason", "Error"),
    ("createdAt", "Created"),
    ("updatedAt", "Updated"),
    ("circuitName", "Circuit name"),
    ("bandwidthMbps", "Bandwidth"),
    ("peeringLocation", "Peering location"),
    ("serviceProviderName", "Provider"),
    ("providerState", "Provider state"),
    ("primaryAzurePort", "Primary Azure port"),
    ("secondaryAzurePort", "Secondary Azure port"),
    ("inUse", "In use"),
    ("offeredSpeeds", "Offered speeds"),
    ("company", "Company"),
    ("role", "Leg"),
    ("srcPortId", "Source port"),
    ("destPortId", "Azure port"),
    ("peeringType", "Peering type"),
    ("syncStatus", "Sync status"),
];

/// How the pages name the field the API names `field`; `None` for a field they do not show.
pub fn field_label(field: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, label)| *label)
}

/// Where `field` comes in a difference: its place in [`FIELDS`], any other field after them.
fn rank(field: &str) -> usize {
    FIELDS
        .iter()
        .position(|(f, _)| *f == field)
        .unwrap_or(FIELDS.len())
}

/// A value that says something: null, an empty list and an empty object say nothing, as an
/// absent field does.
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| match v {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
        _ => true,
    })
}

/// The top-level fields whose values differ between two objects, in a stable order: the fields
/// of [`FIELDS`] in its order, then any other (the `after` object's keys in key order, then keys
/// only `before` has). Null, empty and absent are the same. Non-objects compare as a single field
/// named `value`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            keys.sort_by_key(|k| rank(k));
            keys.into_iter()
                .filter_map(|k| {
                    let (bv, av) = (present(b.get(k)), present(a.get(k)));
                    (bv != av).then(|| FieldChange {
                        field: k.clone(),
                        before: bv.cloned(),
                        after: av.cloned(),
                    })
                })
                .collect()
        }
        (Value::Null, Value::Object(_)) => diff(&Value::Object(Default::default()), after),
        (Value::Object(_), Value::Null) => diff(before, &Value::Object(Default::default())),
        _ if before == after => Vec::new(),
        _ => vec![FieldChange {
            field: "value".into(),
            before: present(Some(before)).cloned(),
            after: present(Some(after)).cloned(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_lists_and_objects_are_no_value() {
        let b = json!({"name": "Dallas", "peerings": null, "legs": {}});
        let a = json!({"name": "Dallas", "peerings": [], "legs": {}, "errorReason": ""});
        let d = diff(&b, &a);
        let names: Vec<_> = d.iter().map(|c| c.field.as_str()).collect();
        // An empty text is a value (a name can be cleared); an empty list is not.
        assert_eq!(names, ["errorReason"]);
        let a = json!({"name": "Dallas", "peerings": [{"peeringType": "PRIVATE"}]});
        let d = diff(&b, &a);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].field.as_str(), d[0].kind()),
            ("peerings", ChangeKind::Added)
        );
    }

    #[test]
    fn only_changed_fields_are_listed() {
        let b = json!({"peerASN": 65010, "vlanId": 200, "sharedKey": "hmac:aa"});
        let a = json!({"peerASN": 65011, "vlanId": 200, "customerASN": 1});
        let d = diff(&b, &a);
        let names: Vec<_> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["peerASN", "sharedKey", "customerASN"]);
        assert_eq!(d[0].kind(), ChangeKind::Changed);
        assert_eq!(d[1].kind(), ChangeKind::Removed);
        assert_eq!(d[2].kind(), ChangeKind::Added);
    }

    #[test]
    fn changes_come_in_the_order_the_pages_show_the_fields() {
        let b = json!({"zebra": 1, "vlanId": 200, "legacy": true});
        let a = json!({
            "routingRegistryName": "ARIN", "customerASN": 64500, "advertisedPublicPrefixes": ["203.0.113.0/24"],
            "vlanId": 300, "secondaryPeerSubnet": "203.0.113.4/30", "primaryPeerSubnet": "203.0.113.0/30",
            "peerASN": 65030, "alpha": 2, "zebra": 3
        });
        let names: Vec<_> = diff(&b, &a).into_iter().map(|c| c.field).collect();
        assert_eq!(
            names,
            [
                "peerASN",
                "primaryPeerSubnet",
                "secondaryPeerSubnet",
                "vlanId",
                "advertisedPublicPrefixes",
                "customerASN",
                "routingRegistryName",
                // Fields the pages do not name: `after`'s in key order, then `before`'s.
                "alpha",
                "zebra",
                "legacy",
            ]
        );
    }

    #[test]
    fn every_field_has_one_place_and_a_label() {
        for (i, (field, label)) in FIELDS.iter().enumerate() {
            assert_eq!(rank(field), i, "{field} is listed twice");
            assert_eq!(field_label(field), Some(*label));
            assert!(!label.is_empty());
        }
        assert_eq!(field_label("colour"), None);
        assert_eq!(rank("colour"), FIELDS.len());
    }

    #[test]
    fn null_and_absent_are_the_same() {
        assert!(diff(&json!({"a": null}), &json!({})).is_empty());
        assert_eq!(diff(&Value::Null, &json!({"a": 1})).len(), 1);
        assert!(diff(&Value::Null, &Value::Null).is_empty());
    }
}
