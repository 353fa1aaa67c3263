//! A small in-process cache in front of the SQLite session store. Without it every signed-in
//! API call reads its session from SQLite, a round trip through sqlx's worker thread that cost
//! more CPU than the rest of a peering read (see bench/REPORT.md). tower-sessions'
//! `CachingSessionStore` writes and deletes through to the database and this cache together,
//! so a sign-out on this instance takes effect at once; entries are bounded in number and live
//! only [`SESSION_CACHE_TTL`]. An entry past its session's expiry is never returned, so the
//! idle timeout holds exactly as in the database.
//!
//! A session deleted (signed out) is remembered for as long as an entry lives, so that a read
//! of it from the database that began before the delete cannot put it back in the cache.
//!
//! Portals sharing their sessions in PostgreSQL keep no cache (a zero time to live): a sign-out
//! on one of them must end the session on all of them at once, and reading a session from
//! PostgreSQL is a plain network round trip.

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};

/// How long a cached session is trusted before it is read from the database again.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(10);
/// Most sessions kept.
pub const SESSION_CACHE_CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
pub struct SessionCache {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
    ttl: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Id, (Record, Instant)>,
    /// Sessions deleted, and when: never cached again while they are remembered.
    gone: HashMap<Id, Instant>,
}

impl SessionCache {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        SessionCache {
            inner: Arc::new(Mutex::new(Inner::default())),
            capacity: capacity.max(1),
            ttl,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_fresh(&self, record: &Record, cached: Instant) -> bool {
        cached.elapsed() < self.ttl && record.expiry_date > OffsetDateTime::now_utc()
    }
}

#[async_trait]
impl SessionStore for SessionCache {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        if self.ttl.is_zero() {
            return Ok(());
        }
        let mut inner = self.lock();
        if inner.gone.contains_key(&record.id) {
            return Ok(());
        }
        let entries = &mut inner.entries;
        if entries.len() >= self.capacity && !entries.contains_key(&record.id) {
            entries.retain(|_, (r, cached)| self.is_fresh(r, *cached));
            if entries.len() >= self.capacity
                && let Some(victim) = entries.keys().next().copied()
            {
                entries.remove(&victim);
            }
        }
        entries.insert(record.id, (record.clone(), Instant::now()));
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let mut inner = self.lock();
        let entries = &mut inner.entries;
        match entries.get(id) {
            Some((record, cached)) if self.is_fresh(record, *cached) => Ok(Some(record.clone())),
            Some(_) => {
                entries.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        if self.ttl.is_zero() {
            return Ok(());
        }
        let mut inner = self.lock();
        inner.entries.remove(id);
        let ttl = self.ttl;
        inner.gone.retain(|_, at| at.elapsed() < ttl);
        inner.gone.insert(*id, Instant::now());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap as Data;

    fn record(id: i128, expires_in: time::Duration) -> Record {
        Record {
            id: Id(id),
            data: Data::new(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn a_saved_session_is_loaded_until_deleted() {
        let cache = SessionCache::new(10, Duration::from_secs(60));
        cache
            .save(&record(1, time::Duration::hours(1)))
            .await
            .unwrap();
        assert!(cache.load(&Id(1)).await.unwrap().is_some());
        cache.delete(&Id(1)).await.unwrap();
        assert!(cache.load(&Id(1)).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_deleted_session_read_before_its_delete_is_not_cached_again() {
        let cache = SessionCache::new(10, Duration::from_secs(60));
        let read_before = record(1, time::Duration::hours(1));
        cache.save(&read_before).await.unwrap();
        cache.delete(&Id(1)).await.unwrap();
        // What `CachingSessionStore` does with a record it read from the database.
        cache.save(&read_before).await.unwrap();
        assert!(cache.load(&Id(1)).await.unwrap().is_none());
        cache
            .save(&record(2, time::Duration::hours(1)))
            .await
            .unwrap();
        assert!(cache.load(&Id(2)).await.unwrap().is_some(), "others are");
    }

    #[tokio::test]
    async fn an_expired_session_or_a_stale_entry_is_not_returned() {
        let cache = SessionCache::new(10, Duration::from_secs(60));
        cache
            .save(&record(1, time::Duration::seconds(-1)))
            .await
            .unwrap();
        assert!(cache.load(&Id(1)).await.unwrap().is_none());
        let short = SessionCache::new(10, Duration::ZERO);
        short
            .save(&record(2, time::Duration::hours(1)))
            .await
            .unwrap();
        assert!(short.load(&Id(2)).await.unwrap().is_none());
        assert!(
            short.lock().entries.is_empty(),
            "a cache without a time to live keeps nothing"
        );
    }

    #[tokio::test]
    async fn the_cache_never_holds_more_than_its_capacity() {
        let cache = SessionCache::new(3, Duration::from_secs(60));
        for id in 0..10 {
            cache
                .save(&record(id, time::Duration::hours(1)))
                .await
                .unwrap();
        }
        assert_eq!(cache.lock().entries.len(), 3);
        assert!(cache.load(&Id(9)).await.unwrap().is_some());
    }
}
