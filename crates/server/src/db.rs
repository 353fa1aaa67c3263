//! SQLite connections with the settings the audit guarantees rest on: WAL journal,
//! `synchronous=FULL` (a committed row survives power loss), a busy timeout, foreign keys.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

fn options(url: &str, busy_timeout: Duration) -> sqlx::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(busy_timeout)
        .foreign_keys(true))
}

/// A pool for reads (and migrations).
pub async fn pool(url: &str, busy_timeout: Duration, max: u32) -> sqlx::Result<SqlitePool> {
    SqlitePoolOptions::new()
        .max_connections(max)
        .connect_with(options(url, busy_timeout)?)
        .await
}

/// One dedicated connection for the audit writer.
pub async fn writer(url: &str, busy_timeout: Duration) -> sqlx::Result<SqliteConnection> {
    options(url, busy_timeout)?.connect().await
}

/// A read-only pool for offline tools (`portal audit …`): never creates or migrates.
pub async fn read_only_pool(url: &str) -> sqlx::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .create_if_missing(false);
    SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
}
