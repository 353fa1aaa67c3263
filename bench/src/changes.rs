//! Audited changes per second: concurrent peering updates through the portal for a fixed
//! time, every 2xx counted; then the audit rows are counted (two per acknowledged change,
//! every intent with its outcome) and the chain verified. The anchor: single-row committed
//! inserts into SQLite on the same disk with the portal's own connection settings.

use crate::Settings;
use crate::report::{Figure, Measure, Target};
use crate::seed;
use crate::stack::{Binaries, Portal, Session, Simulator, http_client};
use anyhow::{Context, Result, ensure};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};
use sqlx::{Connection, SqlitePool};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What one load run saw.
#[derive(Debug, Default)]
pub struct Tally {
    pub acknowledged: u64,
    /// Other answers by status; 0 for transport errors.
    pub other: BTreeMap<u16, u64>,
}

pub async fn run(settings: &Settings, bins: &Binaries, sim: &Simulator) -> Result<Figure> {
    let work = settings.work_dir.join("changes");
    let _ = std::fs::remove_dir_all(&work);
    let portal = Portal::start(
        bins,
        &sim.url,
        &work.join("portal-data"),
        &settings.dist,
        &settings.logs(),
    )
    .await?;
    let client = http_client()?;
    let session = Session::sign_in(&client, &portal).await?;
    let connections = session
        .change_targets(&client, &portal, sim, CONNECTIONS)
        .await?;
    let urls: Vec<String> = connections.iter().map(|c| portal.peering_url(c)).collect();
    let audit = server::db::read_only_pool(&server::config::sqlite_url(&portal.db_path())).await?;
    let anchor_db = work.join("anchor").join("anchor.db");
    std::fs::create_dir_all(anchor_db.parent().context("anchor path")?)?;
    let anchor_url = server::config::sqlite_url(&anchor_db);
    let pool = server::db::pool(&anchor_url, Duration::from_secs(5), 1).await?;
    server::db::MIGRATOR.run(&pool).await?;
    pool.close().await;

    // A short warm-up of both, not counted.
    load(&client, &urls, &session, settings.change_workers, 2).await?;
    let mut next_anchor_id = 1;
    raw_inserts(&anchor_url, &mut next_anchor_id, Duration::from_secs(1)).await?;

    let mut changes = Vec::new();
    let mut anchor = Vec::new();
    let mut lost = 0_i64;
    let mut extra = 0_i64;
    let mut refused = BTreeMap::new();
    for run in 0..settings.runs {
        let before = count(&audit).await?;
        let started = Instant::now();
        let tally = load(
            &client,
            &urls,
            &session,
            settings.change_workers,
            settings.load_secs,
        )
        .await?;
        let elapsed = started.elapsed().as_secs_f64();
        let rows = count(&audit).await? - before;
        let expected = 2 * tally.acknowledged as i64;
        lost += (expected - rows).max(0);
        extra += (rows - expected).max(0);
        for (status, n) in &tally.other {
            *refused.entry(*status).or_insert(0) += n;
        }
        let rate = tally.acknowledged as f64 / elapsed;
        let raw = raw_inserts(
            &anchor_url,
            &mut next_anchor_id,
            Duration::from_secs(u64::from(settings.load_secs)),
        )
        .await?;
        println!(
            "changes run {}/{}: {rate:.0} changes/s ({} acknowledged, {rows} rows, other answers {:?}); raw SQLite {raw:.0} inserts/s",
            run + 1,
            settings.runs,
            tally.acknowledged,
            tally.other
        );
        changes.push(rate);
        anchor.push(raw);
    }
    let unmatched: i64 = sqlx::query_scalar(
        "select count(*) from audit_events i where i.phase = 'intent' \
         and not exists (select 1 from audit_events o where o.intent_id = i.id)",
    )
    .fetch_one(&audit)
    .await?;
    let verify: Value = client
        .get(format!("{}/api/audit/verify", portal.url))
        .header(COOKIE, &session.cookie)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let chain_ok = verify["ok"] == true;
    audit.close().await;
    drop(portal);
    Ok(Figure {
        id: "audited_changes",
        title: "Audited changes per second",
        method: format!(
            "{w} workers (tokio + reqwest, one keep-alive connection each) send `POST \
             /api/connections/{{id}}/peering/PRIVATE` (JSON config + reason, the session cookie) \
             back to back for {s} s, spread over {n} ACTIVE connections (the seeded one and \
             others ordered from the simulator's unused service keys; the portal makes the \
             changes to one connection one at a time); changes/s = 2xx answers ÷ time until the last in-flight \
             request finished. Each change reads the parent and the peering upstream, commits its \
             intent row, updates upstream and commits its outcome row (WAL, synchronous=FULL, \
             group commit). Rows are counted in portal.db before and after each run. Anchor: \
             {s} s of single-row `begin immediate; insert; commit` into a database opened with the \
             portal's writer settings (`server::db::writer`) in the same directory, run right \
             after each load run. {runs} runs.",
            w = settings.change_workers,
            n = connections.len(),
            s = settings.load_secs,
            runs = settings.runs,
        ),
        measures: measures("audited changes", changes, anchor, lost, unmatched),
        notes: vec![format!(
            "Rows beyond two per 2xx answer (changes refused after their intent): {extra}; \
             answers other than 2xx by status (0 = transport error): {refused:?}. Chain \
             verification over HTTP afterwards: {} ({} rows checked).",
            if chain_ok { "ok" } else { "BROKEN" },
            verify["rowsChecked"]
        )],
    })
}

/// The figure's measures: changes per second against raw commits, rows lost, and intents left
/// without an outcome.
pub fn measures(
    name: &str,
    changes: Vec<f64>,
    anchor: Vec<f64>,
    lost: i64,
    unmatched: i64,
) -> Vec<Measure> {
    vec![
        Measure::new(name, "/s", changes)
            .anchor("raw single-row commits", anchor)
            .target(|v| Target::at_least("≥ 1,000 changes/s", v, 1000.0)),
        Measure::new("rows lost (all runs)", "rows", vec![lost as f64])
            .target(|v| Target::exactly("0 rows lost", v, 0.0)),
        Measure::new(
            "intents without an outcome (whole table)",
            "rows",
            vec![unmatched as f64],
        )
        .target(|v| Target::exactly("0", v, 0.0)),
    ]
}

async fn count(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(pool)
        .await?)
}

/// How many connections the changes are spread over: a portal makes the changes to one
/// connection one at a time, as people make them.
pub const CONNECTIONS: usize = 4;

/// `workers` send the same PRIVATE peering change back to back for `seconds`, each to one of
/// `urls` (a portal's peering routes), in turn.
pub async fn load(
    client: &reqwest::Client,
    urls: &[String],
    session: &Session,
    workers: u32,
    seconds: u32,
) -> Result<Tally> {
    let body = json!({
        "config": {
            "peerASN": 65010,
            "primaryPeerSubnet": "10.10.0.0/30",
            "secondaryPeerSubnet": "10.10.0.4/30",
            "vlanId": 100,
        },
        "reason": "Benchmark: audited peering change",
        "ticket": "BENCH-1",
    })
    .to_string();
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds));
    let workers = (0..workers as usize).map(|worker| {
        let (client, url, body, cookie) = (
            client.clone(),
            urls[worker % urls.len()].clone(),
            body.clone(),
            session.cookie.clone(),
        );
        tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let sent = client
                    .post(&url)
                    .header(COOKIE, &cookie)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(res) => {
                        let status = res.status();
                        // The answer counts once it is read whole.
                        let read = res.bytes().await;
                        if status.is_success() && read.is_ok() {
                            tally.acknowledged += 1;
                        } else {
                            *tally.other.entry(status.as_u16()).or_insert(0) += 1;
                        }
                    }
                    Err(_) => *tally.other.entry(0).or_insert(0) += 1,
                }
            }
            tally
        })
    });
    let mut total = Tally::default();
    for worker in futures::future::join_all(workers).await {
        let tally = worker?;
        total.acknowledged += tally.acknowledged;
        for (status, n) in tally.other {
            *total.other.entry(status).or_insert(0) += n;
        }
    }
    ensure!(total.acknowledged > 0, "no peering change was acknowledged");
    Ok(total)
}

/// Committed single-row inserts per second for `time`.
async fn raw_inserts(url: &str, next_id: &mut u64, time: Duration) -> Result<f64> {
    let mut conn = server::db::writer(url, Duration::from_secs(5)).await?;
    let started = Instant::now();
    let mut n = 0_u64;
    let mut event = seed::sample_event(*next_id);
    while started.elapsed() < time {
        event.id = *next_id as i64;
        let mut tx = conn.begin_with("begin immediate").await?;
        seed::insert(&mut tx, std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        *next_id += 1;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    conn.close().await?;
    Ok(rate)
}
