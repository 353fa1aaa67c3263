//! Changes to one connection are made one at a time. A change is checked against what it
//! replaces (its `expectedBase`, the VLANs of the connection's other peerings, the peerings a
//! connection delete removes) before it is sent; two changes sent side by side would each be
//! checked against a state the other is about to replace, and the later would undo the earlier
//! unseen. So a change to a connection waits while another to it is under way through this
//! portal, then reads what it is checked against, now with the earlier change in it.
//!
//! Orders for one Azure service key are placed one at a time the same way, since each is checked
//! against the key being unused.
//!
//! This holds within one portal process; portals that share a PostgreSQL history do not see
//! each other's changes under way (the `expectedBase` check still catches a change made after
//! the read it was prepared from).

use crate::error::AppError;
use crate::state::AppState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{Mutex as Turn, OwnedMutexGuard};

/// Each connection's turn to change, by id (and each service key's turn to be ordered, by its
/// fingerprint), while any change to it is under way or waiting.
#[derive(Debug, Default)]
pub struct ChangesUnderWay(Mutex<HashMap<String, Weak<Turn<()>>>>);

/// The turn of one change to one connection: the next waiting change to it starts once this
/// is dropped.
pub type UnderWay = OwnedMutexGuard<()>;

impl ChangesUnderWay {
    /// Waits, first come first served, for the changes to connection `id` under way or waiting
    /// before this one to end, at most `wait`; the turn, or `None` if they took longer.
    pub async fn begin(&self, id: &str, wait: Duration) -> Option<UnderWay> {
        let turn = {
            let mut turns = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            // Turns nobody holds or waits for any more are forgotten.
            turns.retain(|_, turn| turn.strong_count() > 0);
            match turns.get(id).and_then(Weak::upgrade) {
                Some(turn) => turn,
                None => {
                    let turn = Arc::new(Turn::new(()));
                    turns.insert(id.to_owned(), Arc::downgrade(&turn));
                    turn
                }
            }
        };
        tokio::time::timeout(wait, turn.lock_owned()).await.ok()
    }

    /// How many connections (and service keys) have a change under way or waiting.
    pub fn connections(&self) -> usize {
        let turns = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        turns.values().filter(|t| t.strong_count() > 0).count()
    }
}

/// The turn of a change to connection `id`, taken before what the change is checked against
/// is read; waited for at most as long as one Console Connect call may take. The error, when
/// the changes before it took longer, is the change's refusal.
pub async fn take_turn(state: &AppState, id: &str) -> Result<UnderWay, AppError> {
    turn(
        state,
        id,
        "Another change to this connection was still being made through the portal after {} \
         seconds, so this one was not made. Look at the connection again before making it.",
    )
    .await
}

/// The turn of an order for the Azure circuit whose service key is `key`, taken before the
/// key is checked to be unused. Two orders for one key sent side by side (a double click, two
/// tabs) would each find it unused and both be placed; one after the other, the second finds
/// the key taken by the first and is refused before it reaches Console Connect. The key is held
/// only as its keyed fingerprint.
pub async fn take_order_turn(state: &AppState, key: &str) -> Result<UnderWay, AppError> {
    let id = format!(
        "order {}",
        state.crypto.fingerprint(&key.trim().to_ascii_lowercase())
    );
    turn(
        state,
        &id,
        "Another order for this service key was still being placed through the portal after {} \
         seconds, so this one was not placed. Look at the connections before ordering again.",
    )
    .await
}

async fn turn(state: &AppState, id: &str, refusal: &str) -> Result<UnderWay, AppError> {
    let wait = state.config.upstream_timeout;
    state
        .changes
        .begin(id, wait)
        .await
        .ok_or_else(|| AppError::Conflict(refusal.replace("{}", &wait.as_secs().to_string())))
}

#[cfg(test)]
mod tests {
    use super::ChangesUnderWay;
    use std::sync::Arc;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(30);

    #[tokio::test(start_paused = true)]
    async fn a_change_waits_its_turn_behind_those_to_the_same_connection() {
        let changes = Arc::new(ChangesUnderWay::default());
        let first = changes.begin("a", WAIT).await.expect("nothing under way");
        // Another connection's change does not wait.
        let other = changes.begin("b", WAIT).await.expect("b is apart");
        assert_eq!(changes.connections(), 2);

        let second = tokio::spawn({
            let changes = changes.clone();
            async move { changes.begin("a", WAIT).await.map(drop).is_some() }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            !second.is_finished(),
            "the second waits while the first is under way"
        );
        drop(first);
        assert!(second.await.unwrap(), "then it has its turn");
        drop(other);
        assert_eq!(changes.connections(), 0, "nothing held, nothing kept");
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_that_would_wait_too_long_has_no_turn() {
        let changes = ChangesUnderWay::default();
        let _first = changes.begin("a", WAIT).await.expect("nothing under way");
        let started = tokio::time::Instant::now();
        assert!(changes.begin("a", WAIT).await.is_none());
        assert_eq!(started.elapsed(), WAIT, "it waited as long as it may");
    }
}
