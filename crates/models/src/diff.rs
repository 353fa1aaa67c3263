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

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// The top-level fields whose values differ between two objects, in a stable order (the
/// `after` object's keys in key order, then keys only `before` has). Null and absent are the same.
/// Non-objects compare as a single field named `value`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
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
    fn only_changed_fields_are_listed() {
        let b = json!({"peerASN": 65010, "vlanId": 200, "sharedKey": "hmac:aa"});
        let a = json!({"peerASN": 65011, "vlanId": 200, "customerASN": 1});
        let d = diff(&b, &a);
        let names: Vec<_> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["customerASN", "peerASN", "sharedKey"]);
        assert_eq!(d[0].kind(), ChangeKind::Added);
        assert_eq!(d[1].kind(), ChangeKind::Changed);
        assert_eq!(d[2].kind(), ChangeKind::Removed);
    }

    #[test]
    fn null_and_absent_are_the_same() {
        assert!(diff(&json!({"a": null}), &json!({})).is_empty());
        assert_eq!(diff(&Value::Null, &json!({"a": 1})).len(), 1);
        assert!(diff(&Value::Null, &Value::Null).is_empty());
    }
}
