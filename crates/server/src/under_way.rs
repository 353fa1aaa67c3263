//! Changes to one connection are made one at a time. A change is checked against what it
//! replaces (its `expectedBase`, the VLANs of the connection's other peerings) before it is
//! sent; two changes sent side by side would each be checked against a state the other is about
//! to replace, and the later would undo the earlier unseen. While a change to a connection is
//! under way through this portal, another one to it is refused rather than queued: it was
//! prepared against a state that is about to change, so its author should look again.
//!
//! This holds within one portal process; portals that share a PostgreSQL history do not see
//! each other's changes under way (the `expectedBase` check still catches a change made after
//! the read it was prepared from).

use crate::error::AppError;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// The connections with a change under way, by id.
#[derive(Debug, Default)]
pub struct ChangesUnderWay(Arc<Mutex<HashSet<String>>>);

impl ChangesUnderWay {
    /// Marks a change to connection `id` as under way until the returned mark is dropped;
    /// `None` while another change to it is.
    pub fn begin(&self, id: &str) -> Option<UnderWay> {
        let mut ids = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        ids.insert(id.to_owned()).then(|| UnderWay {
            ids: self.0.clone(),
            id: id.to_owned(),
        })
    }
}

/// A change to one connection under way; dropping it ends it.
#[derive(Debug)]
pub struct UnderWay {
    ids: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// Why a change was refused while another change to its connection was under way.
pub fn busy() -> AppError {
    AppError::Conflict(
        "Another change to this connection is being made through the portal right now, so this \
         one was not made. Wait for that change to finish, then look at the connection again \
         before making yours."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::ChangesUnderWay;

    #[test]
    fn one_change_per_connection_at_a_time_until_it_ends() {
        let changes = ChangesUnderWay::default();
        let first = changes.begin("a").expect("nothing under way");
        assert!(changes.begin("a").is_none(), "a second change to a");
        let other = changes.begin("b").expect("another connection is apart");
        drop(first);
        let again = changes.begin("a").expect("a's change has ended");
        drop(other);
        drop(again);
        assert!(changes.0.lock().unwrap().is_empty());
    }
}
