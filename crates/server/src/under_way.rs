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
//! Portals that share a PostgreSQL history take the same turns between them: a turn taken in
//! this process is then held in the database as well, as a transaction-scoped advisory lock
//! keyed by the turn's name, for as long as the change is under way.

use crate::error::AppError;
use crate::state::AppState;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{Mutex as Turn, OwnedMutexGuard};
use tokio::time::Instant;

/// Each connection's turn to change, by id (and each service key's turn to be ordered, by its
/// fingerprint), while any change to it is under way or waiting; and on PostgreSQL, where the
/// turns are taken in the database too.
#[derive(Debug, Default)]
pub struct ChangesUnderWay {
    turns: Mutex<HashMap<String, Weak<Turn<()>>>>,
    shared: Option<SharedTurns>,
}

/// Turns taken in the database: through a pool apart from the one the history is written
/// through (a change holds its turn while its audit rows are written), each held at most
/// `longest` (the longest a change can take), after which the database gives it back itself
/// (its session idle in the turn's transaction is ended), so that a portal whose host is lost
/// mid-change holds no turn for longer than its change could have taken.
#[derive(Debug)]
pub struct SharedTurns {
    pub pool: PgPool,
    pub longest: Duration,
}

/// The turn of one change to one connection: the next waiting change to it starts once this
/// is dropped, in this process and in the others sharing its database (dropped, the
/// transaction that holds the lock there is rolled back as its connection goes back to the
/// pool, which gives the lock back).
#[derive(Debug)]
pub struct UnderWay {
    _here: OwnedMutexGuard<()>,
    _shared: Option<Transaction<'static, Postgres>>,
}

/// The advisory lock of the turn named `name`, apart from the history's own lock.
fn lock_key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("portal change turn\0{name}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// Why a turn was not had: the changes before it took longer than the wait; this portal holds
/// as many turns in the database as it may at once; or the database could not be asked.
#[derive(Debug)]
pub enum NoTurn {
    Busy,
    Crowded,
    Unshared(sqlx::Error),
}

impl ChangesUnderWay {
    /// Turns taken in this process, and also in the database `shared` names (PostgreSQL, the
    /// portals sharing it taking the same turns).
    pub fn new(shared: Option<SharedTurns>) -> Self {
        ChangesUnderWay {
            turns: Mutex::default(),
            shared,
        }
    }

    /// Waits, first come first served, for the changes to connection `id` under way or waiting
    /// before this one to end, at most `wait` in all (in this process, then in the database);
    /// the turn, or why there is none.
    pub async fn begin(&self, id: &str, wait: Duration) -> Result<UnderWay, NoTurn> {
        let started = Instant::now();
        let here = self.begin_here(id, wait).await.ok_or(NoTurn::Busy)?;
        let shared = match &self.shared {
            Some(shared) => {
                Some(shared_turn(shared, id, wait.saturating_sub(started.elapsed())).await?)
            }
            None => None,
        };
        Ok(UnderWay {
            _here: here,
            _shared: shared,
        })
    }

    async fn begin_here(&self, id: &str, wait: Duration) -> Option<OwnedMutexGuard<()>> {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
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
        let turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        turns.values().filter(|t| t.strong_count() > 0).count()
    }
}

/// The turn named `id` in the database, its lock waited for at most `wait`.
async fn shared_turn(
    shared: &SharedTurns,
    id: &str,
    wait: Duration,
) -> Result<Transaction<'static, Postgres>, NoTurn> {
    /// PostgreSQL's `lock_not_available`: the wait set by `lock_timeout` ran out.
    const LOCK_NOT_AVAILABLE: &str = "55P03";
    // The pool waits for a connection as long as a turn may be waited for. It times out the
    // same whether all its connections hold turns or none can be opened (the database out of
    // reach): which it was is told by how many it holds.
    let pool = &shared.pool;
    let mut tx = pool.begin().await.map_err(|e| match e {
        sqlx::Error::PoolTimedOut
            if pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0 =>
        {
            NoTurn::Crowded
        }
        e => NoTurn::Unshared(e),
    })?;
    let millis = |d: Duration| d.as_millis().clamp(1, i32::MAX as u128).to_string();
    sqlx::query(
        "select set_config('lock_timeout', $1, true), \
                set_config('idle_in_transaction_session_timeout', $2, true)",
    )
    .bind(millis(wait))
    .bind(millis(shared.longest))
    .execute(&mut *tx)
    .await
    .map_err(NoTurn::Unshared)?;
    match sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(lock_key(id))
        .execute(&mut *tx)
        .await
    {
        Ok(_) => Ok(tx),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => {
            Err(NoTurn::Busy)
        }
        Err(e) => Err(NoTurn::Unshared(e)),
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
    state.changes.begin(id, wait).await.map_err(|no| match no {
        NoTurn::Busy => AppError::Conflict(refusal.replace("{}", &wait.as_secs().to_string())),
        NoTurn::Crowded => AppError::Conflict(format!(
            "The portal was making as many changes at once as it can ({}) for {} seconds, so \
             this one was not made. Try again shortly.",
            crate::app::TURNS,
            wait.as_secs()
        )),
        NoTurn::Unshared(e) => AppError::AuditUnavailable {
            message: "The portal cannot tell right now whether another portal is changing the \
                      same thing, so no change was made. Try again shortly."
                .into(),
            cause: format!("taking a change's turn in the database: {e}"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{ChangesUnderWay, NoTurn};
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
            async move { changes.begin("a", WAIT).await.map(drop).is_ok() }
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
        assert!(matches!(changes.begin("a", WAIT).await, Err(NoTurn::Busy)));
        assert_eq!(started.elapsed(), WAIT, "it waited as long as it may");
    }
}
