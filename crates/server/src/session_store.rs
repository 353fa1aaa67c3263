//! Where sessions are kept: SQLite (the default, one portal) or PostgreSQL (several portals
//! sharing their sessions, so a browser may be answered by any of them). Either way the API key
//! in a session is encrypted before it is stored (see `session.rs`).

use crate::crypto::Crypto;
use crate::db::{self, Backend};
use anyhow::Context;
use async_trait::async_trait;
use sqlx::{Connection, PgPool};
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// Opens the session database at `url` and creates its table if it is missing.
    pub async fn open(url: &str, busy_timeout: Duration) -> anyhow::Result<Self> {
        let named = || format!("--session-database-url {}", db::without_password(url));
        let store = match Backend::of(url) {
            Backend::Sqlite => {
                let store =
                    SqliteStore::new(db::pool(url, busy_timeout, 8).await.with_context(named)?);
                store.migrate().await.map(|()| Store::Sqlite(store))
            }
            Backend::Postgres => {
                let pool = db::pg_pool(url, busy_timeout, 8, false)
                    .await
                    .with_context(named)?;
                let store = PostgresStore::new(pool.clone());
                migrate_alone(&pool, &store)
                    .await
                    .map(|()| Store::Postgres(store))
            }
        };
        store.with_context(|| format!("{}: creating the session table", named()))
    }
}

/// The key of the advisory lock under which a portal creates the PostgreSQL session table.
const SESSION_TABLE_LOCK: i64 = 0x7365_7373_696f_6e73; // "sessions"

/// Creates the PostgreSQL session table while holding an advisory lock, so that portals started
/// together on a new database do not race to create the same schema and table: PostgreSQL
/// refuses the loser of such a race with a duplicate-key error that `IF NOT EXISTS` does not
/// prevent, and the store recognises that error only by its English message (a server with
/// `lc_messages` in another language would stop a portal from starting). The lock is held by a
/// connection taken out of the pool and closed afterwards, which releases it whatever happened.
async fn migrate_alone(pool: &PgPool, store: &PostgresStore) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?.detach();
    sqlx::query("select pg_advisory_lock($1)")
        .bind(SESSION_TABLE_LOCK)
        .execute(&mut conn)
        .await?;
    let migrated = store.migrate().await;
    let _ = conn.close().await;
    migrated
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.create(record).await,
            Store::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.save(record).await,
            Store::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            Store::Sqlite(s) => s.load(id).await,
            Store::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.delete(id).await,
            Store::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    async fn delete_expired(&self) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.delete_expired().await,
            Store::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// Writes of one session taken in turn, each merged with what is stored. tower-sessions writes
/// a request's copy of its session back when the request ends, whole, and a session's requests
/// overlap all the time (a page refreshing itself while the user acts): without this a copy
/// read before a sign-out would bring the session back, and one read before a company was
/// chosen would undo the choice. So a session no longer stored (signed out, expired) is not
/// written again, and what is written is [`crate::session::merged`] with what is stored.
/// Portals sharing their sessions in PostgreSQL take turns each on its own: between them the
/// window is a read and a write apart.
#[derive(Debug, Clone)]
pub struct Guarded<S> {
    inner: S,
    turns: Arc<[tokio::sync::Mutex<()>; TURNS]>,
}

/// Sessions share this many locks, by id.
const TURNS: usize = 64;

impl<S> Guarded<S> {
    pub fn new(inner: S) -> Self {
        Guarded {
            inner,
            turns: Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
        }
    }

    fn turn(&self, id: &Id) -> &tokio::sync::Mutex<()> {
        &self.turns[id.0.rem_euclid(TURNS as i128) as usize]
    }
}

#[async_trait]
impl<S: SessionStore> SessionStore for Guarded<S> {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.inner.create(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let _turn = self.turn(&record.id).lock().await;
        match self.inner.load(&record.id).await? {
            Some(stored) => {
                self.inner
                    .save(&crate::session::merged(record, &stored))
                    .await
            }
            None => Ok(()),
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        self.inner.load(id).await
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let _turn = self.turn(id).lock().await;
        self.inner.delete(id).await
    }
}

/// Sessions kept under a keyed hash of their id ([`Crypto::stored_session_id`]): the cookie's
/// value is never written, so whoever reads the session table or a copy of its file cannot
/// present a stored row as a cookie. The records handed out carry the cookie's id, as
/// tower-sessions expects.
#[derive(Debug, Clone)]
pub struct HashedIds<S> {
    inner: S,
    crypto: Crypto,
}

impl<S> HashedIds<S> {
    pub fn new(inner: S, crypto: Crypto) -> Self {
        HashedIds { inner, crypto }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn stored(&self, id: &Id) -> Id {
        Id(self.crypto.stored_session_id(id.0))
    }

    fn to_store(&self, record: &Record) -> Record {
        Record {
            id: self.stored(&record.id),
            ..record.clone()
        }
    }
}

#[async_trait]
impl<S: SessionStore> SessionStore for HashedIds<S> {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // As tower-sessions' own stores do: a new id while the one drawn is taken.
        while self.inner.load(&self.stored(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.inner.save(&self.to_store(record)).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.inner.save(&self.to_store(record)).await
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let stored = self.inner.load(&self.stored(id)).await?;
        Ok(stored.map(|record| Record { id: *id, ..record }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.inner.delete(&self.stored(id)).await
    }
}
