//! A bound on sign-in attempts per client address. Every attempt goes to Console Connect and
//! writes an intent and an outcome to the append-only audit history before anyone is known, so
//! without a bound anyone who can reach the portal could make it call Console Connect, and
//! grow a history that cannot be trimmed, as fast as they like. An address may fail `limit`
//! times in a window (which starts at its first attempt); after that its sign-ins are refused
//! with 429 until the window ends, before anything is written or sent. A successful sign-in
//! does not wipe the failures, so a key of one's own cannot buy more guesses.
//!
//! An attempt Console Connect did not answer (it failed, was busy or too slow, or the portal
//! failed or could not write the audit history first) says nothing about the key. It is not
//! one of the `limit` failures, so an outage does not lock out those who keep trying through it
//! once it is over, but it counts among [`OUTAGE_ALLOWANCE`] times as many unanswered attempts
//! per window, so that even then no address makes calls and history rows without end.
//!
//! IPv6 addresses count per /64, the block one host usually holds. The table is bounded: once
//! it holds [`MAX_ADDRESSES`] addresses whose window has not ended, an address not in it is
//! refused too until windows end (an attack from that many addresses at once is no time to let
//! more in).
//!
//! One portal counts in its own memory ([`SignInGuard`]). Portals sharing a PostgreSQL
//! database count in a table of it ([`Shared`]), so that an address spread over all of them by
//! a load balancer has one bound, not one per portal; the database's clock times the windows.

use sqlx::PgPool;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses with failures kept at once.
pub const MAX_ADDRESSES: usize = 100_000;

/// How long an address's failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Unanswered attempts an address may make per window, as a multiple of its failures.
pub const OUTAGE_ALLOWANCE: u32 = 5;

pub struct SignInGuard {
    /// Failed attempts an address may make per window; 0: no bound.
    limit: u32,
    window: Duration,
    capacity: usize,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    addresses: HashMap<IpAddr, Failures>,
    /// When ended windows were last dropped from a full table: at most once a second, so a
    /// flood of new addresses does not scan the table on every attempt.
    pruned: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    /// Attempts counted: failed ones, and those still under way (counted when they start, so
    /// that many at once cannot slip past the bound together).
    count: u32,
    /// Attempts Console Connect did not answer.
    unanswered: u32,
    ends: Instant,
    /// Whether an attempt has been refused in this window already.
    refused: bool,
}

/// An attempt refused: how long until the address may try again, whether this is the first
/// refusal of its window (the one worth a log line), and whether the bound reached is the one
/// on attempts Console Connect did not answer (else it is the failures').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
    pub first: bool,
    pub unanswered: bool,
}

/// Whether an address that has `failed` and `unanswered` attempts in its window is refused
/// under `limit`: `None` when it is not, else whether only the unanswered attempts' bound is
/// reached.
fn refusal(limit: u32, failed: u32, unanswered: u32) -> Option<bool> {
    if failed >= limit {
        Some(false)
    } else if unanswered >= limit.saturating_mul(OUTAGE_ALLOWANCE) {
        Some(true)
    } else {
        None
    }
}

impl Failures {
    fn new(ends: Instant) -> Self {
        Failures {
            count: 0,
            unanswered: 0,
            ends,
            refused: false,
        }
    }
}

/// An attempt let through, counted as failed unless [`Attempt::succeeded`] says otherwise.
#[must_use]
pub struct Attempt<'a> {
    guard: &'a SignInGuard,
    key: Option<IpAddr>,
}

impl SignInGuard {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, MAX_ADDRESSES)
    }

    fn with_capacity(limit: u32, window: Duration, capacity: usize) -> Self {
        SignInGuard {
            limit,
            window,
            capacity,
            table: Mutex::new(Table::default()),
        }
    }

    /// Lets an attempt from `addr` through, counted, or says how long until it may try again.
    pub fn attempt(&self, addr: Option<IpAddr>) -> Result<Attempt<'_>, Refused> {
        let key = addr.map(key_of);
        let (Some(k), true) = (key, self.limit > 0) else {
            return Ok(Attempt {
                guard: self,
                key: None,
            });
        };
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let Table { addresses, pruned } = &mut *table;
        if !addresses.contains_key(&k) && addresses.len() >= self.capacity {
            if pruned.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1)) {
                addresses.retain(|_, f| f.ends > now);
                *pruned = Some(now);
            }
            if addresses.len() >= self.capacity {
                let first = pruned == &Some(now);
                return Err(Refused {
                    retry_after: Duration::from_secs(1),
                    first,
                    unanswered: false,
                });
            }
        }
        let failures = addresses
            .entry(k)
            .and_modify(|f| {
                if f.ends <= now {
                    *f = Failures::new(now + self.window);
                }
            })
            .or_insert_with(|| Failures::new(now + self.window));
        if let Some(unanswered) = refusal(self.limit, failures.count, failures.unanswered) {
            let first = !failures.refused;
            failures.refused = true;
            return Err(Refused {
                retry_after: failures.ends.saturating_duration_since(now),
                first,
                unanswered,
            });
        }
        failures.count += 1;
        Ok(Attempt { guard: self, key })
    }
}

impl Attempt<'_> {
    /// The attempt signed in: it does not count against its address.
    pub fn succeeded(self) {
        self.settle(false);
    }

    /// Console Connect did not answer the attempt: it counts among the unanswered ones, not
    /// the failures.
    pub fn unanswered(self) {
        self.settle(true);
    }

    fn settle(self, unanswered: bool) {
        let Some(k) = self.key else { return };
        let mut table = self.guard.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = table.addresses.get_mut(&k) {
            f.count = f.count.saturating_sub(1);
            if unanswered {
                f.unanswered = f.unanswered.saturating_add(1);
            }
        }
    }
}

/// Where sign-in attempts are counted: in this process, or in the database portals share.
pub enum SignInBound {
    Local(SignInGuard),
    Shared(Shared),
}

/// An attempt let through by a [`SignInBound`], counted as failed unless
/// [`Ticket::succeeded`] says otherwise.
#[must_use]
pub enum Ticket<'a> {
    Local(Attempt<'a>),
    Shared(&'a Shared, Option<String>),
}

impl SignInBound {
    /// Lets an attempt from `addr` through, counted, or says how long until it may try again;
    /// an error when the shared count cannot be read or written.
    pub async fn attempt(&self, addr: Option<IpAddr>) -> sqlx::Result<Result<Ticket<'_>, Refused>> {
        match self {
            SignInBound::Local(guard) => Ok(guard.attempt(addr).map(Ticket::Local)),
            SignInBound::Shared(shared) => {
                let key = addr.map(|a| key_of(a).to_string());
                if let Some(k) = &key
                    && let Err(refused) = shared.count(k).await?
                {
                    return Ok(Err(refused));
                }
                Ok(Ok(Ticket::Shared(shared, key)))
            }
        }
    }
}

impl Ticket<'_> {
    /// The attempt signed in: it does not count against its address.
    pub async fn succeeded(self) {
        self.settle(false).await;
    }

    /// Console Connect did not answer the attempt: it counts among the unanswered ones, not
    /// the failures.
    pub async fn unanswered(self) {
        self.settle(true).await;
    }

    async fn settle(self, unanswered: bool) {
        match self {
            Ticket::Local(attempt) => attempt.settle(unanswered),
            Ticket::Shared(shared, Some(key)) => {
                if let Err(e) = shared.give_back(&key, unanswered).await {
                    tracing::warn!(
                        error = %e,
                        unanswered,
                        "a sign-in that did not fail stays counted as failed against its address"
                    );
                }
            }
            Ticket::Shared(_, None) => {}
        }
    }
}

/// The count in a PostgreSQL table, one row per address whose window has not ended.
pub struct Shared {
    pool: PgPool,
    limit: u32,
    window: Duration,
}

/// The key of the advisory lock under which a portal creates the table.
const TABLE_LOCK: i64 = 0x7369_676e_5f69_6e73; // "sign_ins"

impl Shared {
    /// Counts in `pool`'s database, creating the table if it is missing (under an advisory
    /// lock: portals started together would otherwise race to create it), and drops rows whose
    /// window has ended once a minute. `limit` is at least 1: no bound needs no table.
    pub async fn open(pool: PgPool, limit: u32, window: Duration) -> sqlx::Result<Self> {
        let mut conn = pool.acquire().await?.detach();
        sqlx::query("select pg_advisory_lock($1)")
            .bind(TABLE_LOCK)
            .execute(&mut conn)
            .await?;
        let mut created = sqlx::query(
            "create table if not exists sign_in_failures (
                 address     text        primary key,
                 window_ends timestamptz not null,
                 attempts    integer     not null,
                 unanswered  integer     not null default 0,
                 refused     boolean     not null
             )",
        )
        .execute(&mut conn)
        .await;
        if created.is_ok() {
            // A table made before unanswered attempts were counted apart gets their column.
            created = sqlx::query(
                "alter table sign_in_failures
                 add column if not exists unanswered integer not null default 0",
            )
            .execute(&mut conn)
            .await;
        }
        let _ = sqlx::Connection::close(conn).await;
        created?;
        let prune = pool.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let _ = sqlx::query("delete from sign_in_failures where window_ends < now()")
                    .execute(&prune)
                    .await;
            }
        });
        Ok(Shared {
            pool,
            limit,
            window,
        })
    }

    /// One attempt from `key`, counted in one transaction with the address's row locked.
    async fn count(&self, key: &str) -> sqlx::Result<Result<(), Refused>> {
        let mut tx = self.pool.begin().await?;
        // A new address starts with a window that has already ended, so it opens one below.
        sqlx::query(
            "insert into sign_in_failures (address, window_ends, attempts, refused)
             values ($1, now(), 0, false) on conflict (address) do nothing",
        )
        .bind(key)
        .execute(&mut *tx)
        .await?;
        let (attempts, unanswered, refused, left): (i32, i32, bool, f64) = sqlx::query_as(
            "select attempts, unanswered, refused, extract(epoch from window_ends - now())::float8
             from sign_in_failures where address = $1 for update",
        )
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        let verdict = if left <= 0.0 {
            sqlx::query(
                "update sign_in_failures
                 set window_ends = now() + make_interval(secs => $2), attempts = 1,
                     unanswered = 0, refused = false
                 where address = $1",
            )
            .bind(key)
            .bind(self.window.as_secs_f64())
            .execute(&mut *tx)
            .await?;
            Ok(())
        } else if let Some(unanswered) = refusal(
            self.limit,
            u32::try_from(attempts).unwrap_or(0),
            u32::try_from(unanswered).unwrap_or(0),
        ) {
            if !refused {
                sqlx::query("update sign_in_failures set refused = true where address = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            Err(Refused {
                retry_after: Duration::from_secs_f64(left),
                first: !refused,
                unanswered,
            })
        } else {
            sqlx::query("update sign_in_failures set attempts = attempts + 1 where address = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            Ok(())
        };
        tx.commit().await?;
        Ok(verdict)
    }

    /// Takes one attempt of `key`'s off its failures, and counts it among the unanswered ones
    /// when `unanswered`.
    async fn give_back(&self, key: &str, unanswered: bool) -> sqlx::Result<()> {
        sqlx::query(
            "update sign_in_failures
             set attempts = greatest(attempts - 1, 0),
                 unanswered = unanswered + case when $2 then 1 else 0 end
             where address = $1 and window_ends > now()",
        )
        .bind(key)
        .bind(unanswered)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }
}

/// An IPv4 address as it is; an IPv6 one as its /64 (an IPv4-mapped one as the IPv4 address).
fn key_of(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_address_is_refused_after_its_failures_until_the_window_ends() {
        let guard = SignInGuard::new(2, Duration::from_millis(200));
        for _ in 0..2 {
            drop(guard.attempt(ip("192.0.2.1")).expect("within the bound"));
        }
        let refused = guard.attempt(ip("192.0.2.1")).err().expect("refused");
        let wait = refused.retry_after;
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(200),
            "{wait:?}"
        );
        assert!(refused.first);
        assert!(
            !guard.attempt(ip("192.0.2.1")).err().unwrap().first,
            "said once"
        );
        assert!(
            guard.attempt(ip("192.0.2.2")).is_ok(),
            "another address is not"
        );
        std::thread::sleep(Duration::from_millis(250));
        assert!(guard.attempt(ip("192.0.2.1")).is_ok(), "a new window");
    }

    #[test]
    fn a_success_gives_its_attempt_back_but_wipes_no_failure() {
        let guard = SignInGuard::new(2, WINDOW);
        drop(guard.attempt(ip("192.0.2.1")).unwrap());
        for _ in 0..5 {
            guard.attempt(ip("192.0.2.1")).unwrap().succeeded();
        }
        drop(guard.attempt(ip("192.0.2.1")).unwrap());
        assert!(guard.attempt(ip("192.0.2.1")).is_err());
    }

    #[test]
    fn attempts_under_way_count() {
        let guard = SignInGuard::new(2, WINDOW);
        let a = guard.attempt(ip("192.0.2.1")).unwrap();
        let b = guard.attempt(ip("192.0.2.1")).unwrap();
        assert!(guard.attempt(ip("192.0.2.1")).is_err());
        a.succeeded();
        assert!(guard.attempt(ip("192.0.2.1")).is_ok());
        drop(b);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let guard = SignInGuard::new(1, WINDOW);
        drop(guard.attempt(ip("2001:db8:1:2::1")).unwrap());
        assert!(
            guard.attempt(ip("2001:db8:1:2:ffff::9")).is_err(),
            "same /64"
        );
        assert!(guard.attempt(ip("2001:db8:1:3::1")).is_ok(), "another /64");
        drop(guard.attempt(ip("192.0.2.7")).unwrap());
        assert!(guard.attempt(ip("::ffff:192.0.2.7")).is_err());
    }

    #[test]
    fn unanswered_attempts_use_up_no_failures_but_are_bounded_too() {
        let guard = SignInGuard::new(2, WINDOW);
        let allowance = 2 * OUTAGE_ALLOWANCE;
        for _ in 0..allowance - 1 {
            guard.attempt(ip("192.0.2.1")).unwrap().unanswered();
        }
        // Once Console Connect answers again, both failures are still there to make.
        drop(guard.attempt(ip("192.0.2.1")).unwrap());
        drop(guard.attempt(ip("192.0.2.1")).unwrap());
        assert!(guard.attempt(ip("192.0.2.1")).is_err(), "two failures");

        // An outage without end is bounded as well.
        for _ in 0..allowance {
            guard.attempt(ip("192.0.2.2")).unwrap().unanswered();
        }
        let refused = guard.attempt(ip("192.0.2.2")).err().expect("refused");
        assert!(refused.first);
        assert!(refused.unanswered, "the unanswered attempts' bound");
        let failed = guard.attempt(ip("192.0.2.1")).err().expect("refused");
        assert!(!failed.unanswered, "the failures' bound");
    }

    #[test]
    fn a_full_table_refuses_new_addresses_until_windows_end() {
        let guard = SignInGuard::with_capacity(3, Duration::from_millis(100), 2);
        drop(guard.attempt(ip("192.0.2.1")).unwrap());
        drop(guard.attempt(ip("192.0.2.2")).unwrap());
        assert!(guard.attempt(ip("192.0.2.3")).is_err(), "full");
        assert!(
            guard.attempt(ip("192.0.2.1")).is_ok(),
            "one already in it still may"
        );
        std::thread::sleep(Duration::from_millis(1100));
        assert!(
            guard.attempt(ip("192.0.2.3")).is_ok(),
            "ended windows make room"
        );
    }

    #[test]
    fn no_bound_and_no_address_let_everything_through() {
        let unbounded = SignInGuard::new(0, WINDOW);
        for _ in 0..50 {
            drop(unbounded.attempt(ip("192.0.2.1")).unwrap());
        }
        let guard = SignInGuard::new(1, WINDOW);
        for _ in 0..3 {
            drop(guard.attempt(None).unwrap());
        }
    }
}
