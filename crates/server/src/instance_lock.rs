//! One serving portal per SQLite audit database: an exclusive OS lock on a file beside it.
//!
//! A portal on SQLite takes every intent without an outcome for one an earlier stop left open,
//! and closes it as `interrupted` at start-up. A second portal on the same file would so close
//! the changes the first has under way; holding this lock for the life of the serving process
//! keeps the second from opening the database at all. PostgreSQL, shared by several portals on
//! purpose, needs none, and the offline tools (`portal audit …`) only read and take none.

use crate::config::{Config, sqlite_url};
use crate::db::Backend;
use anyhow::Context;
use sqlx::sqlite::SqliteConnectOptions;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Held while the portal serves; the OS releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock of the audit database `config` names, when it is a SQLite file; refuses
    /// when another process holds it. Creates the data directory when the database is in it (as
    /// the portal would anyway), and nothing else but the lock file.
    pub fn acquire(config: &Config) -> anyhow::Result<Option<InstanceLock>> {
        let url = &config.database_url;
        if Backend::of(url) != Backend::Sqlite
            || url.contains(":memory:")
            || url.contains("mode=memory")
        {
            return Ok(None);
        }
        let database = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("--database-url {url}"))?
            .get_filename()
            .to_owned();
        let option = if *url == sqlite_url(&config.data_dir.join("portal.db")) {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!(
                    "--data-dir {}: cannot create the folder",
                    config.data_dir.display()
                )
            })?;
            format!("--data-dir {}", config.data_dir.display())
        } else {
            format!("--database-url {url}")
        };
        let path = lock_path(&database);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("{option}: cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(InstanceLock { _file: file, path })),
            Err(TryLockError::WouldBlock) => anyhow::bail!(
                "another portal is serving the audit database {} (it holds {}): stop it first, \
                 or give this one a database of its own",
                database.display(),
                path.display()
            ),
            Err(TryLockError::Error(e)) => Err(e)
                .with_context(|| format!("{option}: cannot lock the lock file {}", path.display())),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<database file>.lock`, beside the database.
fn lock_path(database: &Path) -> PathBuf {
    let mut path = database.as_os_str().to_owned();
    path.push(".lock");
    PathBuf::from(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Upstream;

    #[test]
    fn a_second_lock_on_one_database_is_refused_until_the_first_is_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::new(dir.path().join("data"), Upstream::Url("http://x".into()));
        let first = InstanceLock::acquire(&config)
            .unwrap()
            .expect("SQLite is locked");
        assert_eq!(first.path(), dir.path().join("data/portal.db.lock"));
        let refused = InstanceLock::acquire(&config).unwrap_err().to_string();
        assert!(refused.contains("portal.db.lock"), "{refused}");
        assert!(!refused.contains('\n'), "one line: {refused}");
        drop(first);
        assert!(InstanceLock::acquire(&config).unwrap().is_some());
    }

    #[test]
    fn postgres_and_memory_databases_take_no_lock() {
        let mut config = Config::new("/nonexistent", Upstream::Url("http://x".into()));
        for url in ["postgres://db/portal", "sqlite::memory:"] {
            config.database_url = url.into();
            assert!(InstanceLock::acquire(&config).unwrap().is_none(), "{url}");
        }
    }
}
