//! A large audit history written straight into a portal database: complete intent/outcome
//! pairs, hash-chained exactly as the portal chains them, spread over a year, a hundred
//! connections and twenty actors of company acme.

use anyhow::Result;
use models::PeeringType;
use models::api::{AuditAction, AuditEvent, AuditOutcome, AuditPhase};
use serde_json::{Value, json};
use server::audit::chain;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::path::Path;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

pub const CONNECTIONS: u64 = 100;
pub const ACTORS: u64 = 20;
/// Rows per transaction and per insert statement (25 columns each: under SQLite's 32,766
/// bound parameters).
const TRANSACTION: usize = 50_000;
const STATEMENT: usize = 1_000;

pub fn connection_id(i: u64) -> String {
    format!(
        "{:024x}",
        0x5eed_0000_0000_0000_0000_0000_u128 + u128::from(i)
    )
}

pub fn actor_id(i: u64) -> String {
    format!(
        "{:024x}",
        0xac70_0000_0000_0000_0000_0000_u128 + u128::from(i)
    )
}

pub fn actor_email(i: u64) -> String {
    format!("engineer{i:02}@acme.example")
}

/// What was written, for building queries over it.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub rows: u64,
    pub first_at: OffsetDateTime,
    /// Time between consecutive rows.
    pub step: Duration,
    pub seconds: f64,
}

impl Seeded {
    pub fn at(&self, id: u64) -> OffsetDateTime {
        self.first_at + self.step * (id.saturating_sub(1) as u32)
    }
}

/// splitmix64: the same history on every run, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Creates the schema with the portal's own migrations and appends `rows` events (rounded up
/// to whole pairs) to an empty database; marks them all reconciled, so start-up has nothing
/// to check.
pub async fn seed(db: &Path, rows: u64) -> Result<Seeded> {
    let started = Instant::now();
    let url = server::config::sqlite_url(db);
    let pool = server::db::pool(&url, Duration::from_secs(5), 1).await?;
    server::db::MIGRATOR.run(&pool).await?;
    pool.close().await;
    let mut conn = server::db::writer(&url, Duration::from_secs(5)).await?;
    let first_at = OffsetDateTime::now_utc() - time::Duration::days(366);
    let step = Duration::from_secs(365 * 24 * 3600) / (rows.max(1) as u32);
    let seeded = Seeded {
        rows: rows.div_ceil(2) * 2,
        first_at,
        step,
        seconds: 0.0,
    };
    let mut rng = Rng(0x5eed);
    let mut prev_hash = chain::GENESIS.to_owned();
    let mut batch = Vec::with_capacity(TRANSACTION);
    let mut id = 0;
    while id < seeded.rows {
        let intent = intent_event(&mut rng, &seeded, id + 1);
        let outcome = outcome_event(&mut rng, &seeded, &intent);
        for mut event in [intent, outcome] {
            event.prev_hash = prev_hash;
            event.hash = chain::hash(&event.prev_hash, &event);
            prev_hash = event.hash.clone();
            batch.push(event);
        }
        id += 2;
        if batch.len() >= TRANSACTION || id >= seeded.rows {
            let mut tx = conn.begin_with("begin immediate").await?;
            for chunk in batch.chunks(STATEMENT) {
                insert(&mut tx, chunk).await?;
            }
            tx.commit().await?;
            batch.clear();
        }
    }
    sqlx::query("update audit_checkpoint set reconciled_upto = ? where id = 1")
        .bind(seeded.rows as i64)
        .execute(&mut conn)
        .await?;
    sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(Seeded {
        seconds: started.elapsed().as_secs_f64(),
        ..seeded
    })
}

fn action(rng: &mut Rng) -> AuditAction {
    match rng.below(100) {
        0..60 => AuditAction::UpdatePeering,
        60..65 => AuditAction::DeletePeering,
        65..75 => AuditAction::CreateConnection,
        75..80 => AuditAction::DeleteConnection,
        80..90 => AuditAction::VerifyServiceKey,
        90..95 => AuditAction::SignIn,
        _ => AuditAction::SelectCompany,
    }
}

fn peering(rng: &mut Rng) -> Value {
    let n = rng.below(250);
    json!({
        "peerASN": 64_512 + rng.below(1000),
        "primaryPeerSubnet": format!("10.{n}.0.0/30"),
        "secondaryPeerSubnet": format!("10.{n}.0.4/30"),
        "vlanId": 100 + rng.below(3900),
        "sharedKey": format!("hmac-sha256:{:016x}{:016x}", rng.next(), rng.next()),
    })
}

fn intent_event(rng: &mut Rng, seeded: &Seeded, id: u64) -> AuditEvent {
    let action = action(rng);
    let actor = rng.below(ACTORS);
    let on_connection = !matches!(
        action,
        AuditAction::SignIn | AuditAction::SelectCompany | AuditAction::VerifyServiceKey
    );
    let on_peering = matches!(
        action,
        AuditAction::UpdatePeering | AuditAction::DeletePeering
    );
    let (request, before) = match action {
        AuditAction::UpdatePeering => (Some(peering(rng)), Some(peering(rng))),
        AuditAction::DeletePeering => (None, Some(peering(rng))),
        AuditAction::CreateConnection => (
            Some(json!({
                "azureServiceKey": format!("••••{:04x}", rng.below(0x10000)),
                "name": format!("Azure link {}", rng.below(1000)),
                "speed": 1000,
                "paymentType": "INVOICE",
                "srcPort": [{"portId": format!("{:024x}", rng.next())}],
            })),
            None,
        ),
        _ => (None, None),
    };
    AuditEvent {
        id: id as i64,
        at: server::timefmt::format(seeded.at(id)),
        request_id: format!("00000000-0000-4000-8000-{id:012x}"),
        phase: AuditPhase::Intent,
        intent_id: None,
        action,
        actor_id: Some(actor_id(actor)),
        actor_name: Some(format!("Engineer {actor:02}")),
        actor_email: Some(actor_email(actor)),
        company: Some("acme".to_owned()),
        connection_id: on_connection.then(|| connection_id(rng.below(CONNECTIONS))),
        peering_type: on_peering.then(|| PeeringType::ALL[rng.below(3) as usize]),
        reason: Some(format!("Change {id}: BGP maintenance window")),
        ticket: (rng.below(2) == 0).then(|| format!("CHG-{}", 10_000 + rng.below(90_000))),
        request,
        before,
        after: None,
        outcome: None,
        upstream_status: None,
        error: None,
        duration_ms: None,
        client_addr: Some(format!("10.0.{}.{}", rng.below(256), rng.below(256))),
        user_agent: Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
                .to_owned(),
        ),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// The outcome row of an intent, with who, where and why copied as the portal copies them.
fn outcome_event(rng: &mut Rng, seeded: &Seeded, intent: &AuditEvent) -> AuditEvent {
    let id = intent.id as u64 + 1;
    let (outcome, status, error) = match rng.below(100) {
        0..90 => (AuditOutcome::Succeeded, Some(200), None),
        90..97 => (
            AuditOutcome::Failed,
            Some(502),
            Some("Console Connect answered 502 Bad Gateway".to_owned()),
        ),
        _ => (
            AuditOutcome::Refused,
            None,
            Some("Peering can be configured only once the connection is Active".to_owned()),
        ),
    };
    let after = (outcome == AuditOutcome::Succeeded && intent.request.is_some())
        .then(|| intent.request.clone())
        .flatten();
    AuditEvent {
        id: id as i64,
        at: server::timefmt::format(seeded.at(id)),
        phase: AuditPhase::Outcome,
        intent_id: Some(intent.id),
        request: None,
        before: None,
        after,
        outcome: Some(outcome),
        upstream_status: status,
        error,
        duration_ms: Some(20 + rng.below(2000)),
        ..intent.clone()
    }
}

/// Appends rows as the portal's writer does (same columns, same text forms).
pub async fn insert(conn: &mut SqliteConnection, rows: &[AuditEvent]) -> sqlx::Result<()> {
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "insert into audit_events (
            id, at, request_id, phase, intent_id, action, actor_id, actor_name, actor_email,
            company, connection_id, peering_type, reason, ticket, request, before, after,
            outcome, upstream_status, error, duration_ms, client_addr, user_agent,
            prev_hash, hash
        ) ",
    );
    qb.push_values(rows, |mut b, e| {
        b.push_bind(e.id)
            .push_bind(e.at.clone())
            .push_bind(e.request_id.clone())
            .push_bind(e.phase.as_str())
            .push_bind(e.intent_id)
            .push_bind(e.action.as_str())
            .push_bind(e.actor_id.clone())
            .push_bind(e.actor_name.clone())
            .push_bind(e.actor_email.clone())
            .push_bind(e.company.clone())
            .push_bind(e.connection_id.clone())
            .push_bind(e.peering_type.map(PeeringType::as_wire))
            .push_bind(e.reason.clone())
            .push_bind(e.ticket.clone())
            .push_bind(json(&e.request))
            .push_bind(json(&e.before))
            .push_bind(json(&e.after))
            .push_bind(e.outcome.map(AuditOutcome::as_str))
            .push_bind(e.upstream_status.map(i64::from))
            .push_bind(e.error.clone())
            .push_bind(e.duration_ms.map(|d| d as i64))
            .push_bind(e.client_addr.clone())
            .push_bind(e.user_agent.clone())
            .push_bind(e.prev_hash.clone())
            .push_bind(e.hash.clone());
    });
    qb.build().execute(conn).await?;
    Ok(())
}

/// One representative event for the raw-insert anchor, numbered `id`.
pub fn sample_event(id: u64) -> AuditEvent {
    let seeded = Seeded {
        rows: 1,
        first_at: OffsetDateTime::now_utc(),
        step: Duration::ZERO,
        seconds: 0.0,
    };
    let mut event = intent_event(&mut Rng(id), &seeded, id);
    event.action = AuditAction::UpdatePeering;
    event.prev_hash = chain::GENESIS.to_owned();
    event.hash = chain::hash(chain::GENESIS, &event);
    event
}
