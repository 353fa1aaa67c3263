//! The hash chain: `hash = SHA-256(prev_hash ‖ canonical JSON of the row)`, where the canonical
//! JSON is the event with `hash` and `prevHash` left out, keys sorted, no whitespace. The first
//! row's `prev_hash` is 64 zeros.

use models::api::{AuditEvent, AuditEventDetail, ChainBreak, ChainHead};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The row as the hash covers it.
pub fn canonical(event: &AuditEvent) -> String {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.remove("hash");
        map.remove("prevHash");
    }
    v.to_string()
}

pub fn hash(prev_hash: &str, event: &AuditEvent) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(event).as_bytes());
    hex::encode(h.finalize())
}

/// Where one event read on its own does not fit the chain: its content against its hash, its
/// link to the row before it (`before`: that row's id and hash) and the link of the row after
/// it (`after`: that row's id and `prev_hash`), and its partner's content against its hash. The
/// chain's check stops at the first break; this names what is wrong with the row being looked
/// at, wherever it stands.
pub fn problems(
    detail: &AuditEventDetail,
    before: Option<(i64, String)>,
    after: Option<(i64, String)>,
) -> Vec<String> {
    let event = &detail.event;
    let id = event.id;
    let mut found = Vec::new();
    if hash(&event.prev_hash, event) != event.hash {
        found.push(format!(
            "Event #{id} does not match its hash: it was changed after it was written."
        ));
    }
    match before {
        Some((prev, prev_hash)) if prev_hash != event.prev_hash => found.push(format!(
            "Event #{id} was not written after the row now before it, #{prev}: a row between \
             them was removed or inserted, or #{prev} was changed."
        )),
        None if event.prev_hash != GENESIS => found.push(format!(
            "Event #{id} was written after a row that is no longer in the history."
        )),
        _ => {}
    }
    if let Some((next, next_prev)) = after
        && next_prev != event.hash
    {
        found.push(format!(
            "The row after event #{id}, #{next}, was not written after it as it is now: one of \
             them was changed, or a row between them removed."
        ));
    }
    for partner in &detail.related {
        if hash(&partner.prev_hash, partner) != partner.hash {
            found.push(format!(
                "Its partner, event #{}, does not match its hash: it was changed after it was \
                 written.",
                partner.id
            ));
        }
    }
    found
}

/// Walks rows in id order, remembering the last hash; reports the first row that breaks.
#[derive(Debug)]
pub struct Verifier {
    last_hash: String,
    last_id: Option<i64>,
    pub rows_checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            last_hash: GENESIS.to_owned(),
            last_id: None,
            rows_checked: 0,
        }
    }
}

impl Verifier {
    pub fn check(&mut self, event: &AuditEvent) -> Result<(), ChainBreak> {
        let broken = |reason: String| ChainBreak {
            id: event.id,
            reason,
        };
        if event.prev_hash != self.last_hash {
            return Err(broken(match self.last_id {
                // Ids between the two that no row has are the likeliest cause: said. (An id
                // alone may be skipped, by a PostgreSQL insert rolled back, so the link decides.)
                Some(prev) if event.id > prev.saturating_add(1) => format!(
                    "prev_hash does not match the hash of row {prev}, and {} between them: \
                     removed, or a row before changed or inserted",
                    if event.id == prev + 2 {
                        format!("row {} is missing", prev + 1)
                    } else {
                        format!("rows {} to {} are missing", prev + 1, event.id - 1)
                    }
                ),
                Some(prev) => format!(
                    "prev_hash does not match the hash of row {prev}: a row before it was changed, removed or inserted"
                ),
                None => "the first row's prev_hash is not the genesis value".to_owned(),
            }));
        }
        if hash(&event.prev_hash, event) != event.hash {
            return Err(broken(
                "the row's content does not match its hash: it was changed after it was written"
                    .into(),
            ));
        }
        self.last_hash = event.hash.clone();
        self.last_id = Some(event.id);
        self.rows_checked += 1;
        Ok(())
    }

    /// The last row that fitted.
    pub fn head(&self) -> Option<ChainHead> {
        self.last_id.map(|id| ChainHead {
            id,
            hash: self.last_hash.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::api::{AuditAction, AuditPhase};

    fn event(id: i64, prev: &str) -> AuditEvent {
        let mut e = crate::audit::row::blank(AuditAction::UpdatePeering, AuditPhase::Intent);
        e.id = id;
        e.at = "2026-11-25T10:00:00.000Z".into();
        e.request_id = format!("r{id}");
        e.actor_id = Some("u1".into());
        e.company = Some("acme".into());
        e.reason = Some("why".into());
        e.request = Some(serde_json::json!({"b": 1, "a": 2}));
        e.prev_hash = prev.into();
        e.hash = hash(prev, &e);
        e
    }

    #[test]
    fn an_intact_chain_verifies() {
        let a = event(1, GENESIS);
        let b = event(2, &a.hash);
        let mut v = Verifier::default();
        assert!(v.check(&a).is_ok() && v.check(&b).is_ok());
        assert_eq!(v.rows_checked, 2);
    }

    #[test]
    fn an_edited_row_is_named() {
        let a = event(1, GENESIS);
        let mut b = event(2, &a.hash);
        b.reason = Some("edited".into());
        let mut v = Verifier::default();
        v.check(&a).unwrap();
        let err = v.check(&b).unwrap_err();
        assert_eq!(err.id, 2);
        assert!(err.reason.contains("content"));
    }

    #[test]
    fn a_removed_row_breaks_the_next_link() {
        let a = event(1, GENESIS);
        let b = event(2, &a.hash);
        let c = event(3, &b.hash);
        let mut v = Verifier::default();
        v.check(&a).unwrap();
        let err = v.check(&c).unwrap_err();
        assert_eq!(err.id, 3);
        assert_eq!(
            err.reason,
            "prev_hash does not match the hash of row 1, and row 2 is missing between them: \
             removed, or a row before changed or inserted"
        );
        // Several removed: their ids said as a range.
        let e = event(5, &c.hash);
        let mut v = Verifier::default();
        v.check(&a).unwrap();
        assert!(
            v.check(&e)
                .unwrap_err()
                .reason
                .contains("and rows 2 to 4 are missing between them"),
        );
        // No id missing: the link alone is said.
        let mut v = Verifier::default();
        v.check(&a).unwrap();
        let mut edited = event(2, "x");
        edited.prev_hash = "x".into();
        assert!(
            v.check(&edited)
                .unwrap_err()
                .reason
                .ends_with("row 1: a row before it was changed, removed or inserted")
        );
    }

    fn detail(event: AuditEvent, related: Vec<AuditEvent>) -> AuditEventDetail {
        AuditEventDetail {
            event,
            changes: Vec::new(),
            related,
            chain_problems: Vec::new(),
        }
    }

    #[test]
    fn a_row_that_fits_where_it_stands_has_no_problem() {
        let a = event(1, GENESIS);
        let b = event(2, &a.hash);
        let c = event(3, &b.hash);
        let found = problems(
            &detail(b.clone(), vec![c.clone()]),
            Some((1, a.hash.clone())),
            Some((3, c.prev_hash.clone())),
        );
        assert_eq!(found, Vec::<String>::new());
        assert!(problems(&detail(a, vec![]), None, Some((2, b.prev_hash))).is_empty());
    }

    #[test]
    fn a_first_row_cut_off_is_named_by_the_row_left_first() {
        let a = event(1, GENESIS);
        let b = event(2, &a.hash);
        assert_eq!(
            problems(&detail(b, vec![]), None, None),
            ["Event #2 was written after a row that is no longer in the history."]
        );
    }

    #[test]
    fn canonical_form_sorts_keys_and_drops_the_hashes() {
        let a = event(1, GENESIS);
        let c = canonical(&a);
        assert!(c.contains(r#""request":{"a":2,"b":1}"#), "{c}");
        assert!(!c.contains("prevHash") && !c.contains("\"hash\""));
    }
}
