//! Where sessions are kept: SQLite (the default, one portal) or PostgreSQL (several portals
//! sharing their sessions, so a browser may be answered by any of them). Either way the API key
//! in a session is encrypted before it is stored (see `session.rs`).

use crate::db::{self, Backend};
use anyhow::Context;
use async_trait::async_trait;
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
        let store = match Backend::of(url) {
            Backend::Sqlite => Store::Sqlite(SqliteStore::new(
                db::pool(url, busy_timeout, 8)
                    .await
                    .context("opening the session database")?,
            )),
            Backend::Postgres => Store::Postgres(PostgresStore::new(
                db::pg_pool(url, busy_timeout, 8, false)
                    .await
                    .context("opening the session database")?,
            )),
        };
        match &store {
            Store::Sqlite(s) => s.migrate().await,
            Store::Postgres(s) => s.migrate().await,
        }
        .context("creating the session table")?;
        Ok(store)
    }
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
