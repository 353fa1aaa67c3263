//! Database connections with the settings the audit guarantees rest on.
//!
//! SQLite, the embedded default: WAL journal, `synchronous=FULL` (a committed row survives
//! power loss), a busy timeout, foreign keys. PostgreSQL, for several portal instances sharing
//! one history: commits wait for the server's WAL flush (its default `synchronous_commit`),
//! and a lock or a connection is waited for no longer than the busy timeout.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgPool, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
/// The same schema for PostgreSQL (`migrations/postgres`).
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is SQLite (the
    /// configuration takes no other kind).
    pub fn of(url: &str) -> Backend {
        let url = url.trim_start();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A database URL fit to show in a log or an error: a password in it, before the host or as
/// a `password=` parameter of its query, replaced by `…`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // As a URL is read: the authority ends at the first `/` or `?`.
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let path = query_without_password(path);
    let shown = match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            let hidden = if user.len() < user_info.len() {
                ":…"
            } else {
                ""
            };
            format!("{user}{hidden}@{host}{path}")
        }
        None => format!("{authority}{path}"),
    };
    // A password holding a `/` or a `?` (as generated ones may) ends the authority early as
    // read above, and shows: what stands between a user's `:` and the last `@` is hidden too.
    match shown.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) if !user.contains(['/', '?', '@']) => {
                format!("{scheme}://{user}:…@{host}")
            }
            _ => format!("{scheme}://{shown}"),
        },
        None => format!("{scheme}://{shown}"),
    }
}

/// `path` (the part of a URL after its authority) with the value of every `password` or
/// `sslpassword` (a client key's passphrase) parameter of its query replaced by `…`.
fn query_without_password(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else {
        return path.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if key.eq_ignore_ascii_case("password")
                    || key.eq_ignore_ascii_case("sslpassword") =>
            {
                format!("{key}=…")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{before}?{}", pairs.join("&"))
}

/// A PostgreSQL pool: connections and locks waited for at most `busy_timeout` (a second at
/// least, for connections); read-only when asked (offline tools).
pub async fn pg_pool(
    url: &str,
    busy_timeout: Duration,
    max: u32,
    read_only: bool,
) -> sqlx::Result<PgPool> {
    let lock_timeout = busy_timeout.as_millis().max(1).to_string();
    let mut settings = vec![("lock_timeout", lock_timeout.as_str())];
    if read_only {
        settings.push(("default_transaction_read_only", "on"));
    }
    let options = PgConnectOptions::from_str(url)?
        .application_name("expressroute-portal")
        .options(settings);
    let wait = busy_timeout.max(Duration::from_secs(1));
    // One connection first, on its own: a pool says of any failure to connect only that it
    // timed out, where this one says why (refused, a wrong password, a certificate).
    match tokio::time::timeout(wait, options.connect()).await {
        Ok(first) => first?.close().await?,
        Err(_) => {
            return Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the database did not answer within {} s", wait.as_secs()),
            )));
        }
    }
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(wait)
        .connect_with(options)
        .await
}

fn options(url: &str, busy_timeout: Duration) -> sqlx::Result<SqliteConnectOptions> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(busy_timeout)
        .foreign_keys(true);
    if !(url.contains(":memory:") || url.contains("mode=memory")) {
        create_private(options.get_filename());
    }
    Ok(options)
}

/// Creates a missing database file readable and writable by its owner only (SQLite gives the
/// `-wal` and `-shm` files beside it the same mode): it holds the history and the sessions.
/// A file that is there already is left as it is; one that cannot be made here is left for
/// SQLite to report.
fn create_private(file: &std::path::Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = options.open(file);
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
pub async fn read_only_pool(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .create_if_missing(false);
    let file = options.get_filename();
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !in_memory && !file.exists() {
        anyhow::bail!(
            "there is no database file at {}: the portal creates it in its data directory on \
             first start; give the --data-dir or --database-url it runs with",
            file.display()
        );
    }
    Ok(SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        for (url, shown) in [
            (
                "postgres://portal:s3cr:et@db.example:5433/portal?sslmode=require",
                "postgres://portal:…@db.example:5433/portal?sslmode=require",
            ),
            ("postgres://portal@db/portal", "postgres://portal@db/portal"),
            ("postgresql://db/portal", "postgresql://db/portal"),
            ("sqlite://data/portal.db", "sqlite://data/portal.db"),
            ("sqlite:portal.db", "sqlite:portal.db"),
            (
                "postgres://db/portal?user=portal&password=s3cret&sslmode=require",
                "postgres://db/portal?user=portal&password=…&sslmode=require",
            ),
            (
                "postgres://portal:a@db/portal?PASSWORD=b",
                "postgres://portal:…@db/portal?PASSWORD=…",
            ),
            ("postgres://db?password", "postgres://db?password"),
            // A password holding a `/` or a `?`, as generated ones may.
            (
                "postgres://postgres:se/cr3tPW@127.0.0.2:5999/h7_x",
                "postgres://postgres:…@127.0.0.2:5999/h7_x",
            ),
            (
                "postgres://postgres:se?cr3t@db/portal",
                "postgres://postgres:…@db/portal",
            ),
            (
                "postgres://db/portal?sslpassword=s3cret&sslmode=require",
                "postgres://db/portal?sslpassword=…&sslmode=require",
            ),
            // An `@` in a query's password, or beside a `:` in another parameter, is no user's.
            (
                "postgres://db/portal?password=x@y",
                "postgres://db/portal?password=…",
            ),
            (
                "postgres://u@h/db?password=p:q@r",
                "postgres://u@h/db?password=…",
            ),
            (
                "postgres://db/portal?options=-c%20a:b@c",
                "postgres://db/portal?options=-c%20a:b@c",
            ),
        ] {
            assert_eq!(without_password(url), shown);
        }
    }
}
