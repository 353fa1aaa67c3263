//! Audited changes per second with two portals on one PostgreSQL database, as a load balancer
//! would spread them: the same peering updates as the SQLite figure, half of the workers on
//! each portal, one session shared by both; afterwards the rows are counted (two per
//! acknowledged change), every intent must have its outcome and the one chain must verify. The
//! anchor: single-row committed inserts into the same table on the same server.

use crate::Settings;
use crate::changes::{CONNECTIONS, Tally, load, measures};
use crate::report::Figure;
use crate::seed;
use crate::stack::{Binaries, Portal, Session, Simulator, http_client};
use anyhow::Result;
use reqwest::header::COOKIE;
use serde_json::Value;
use server::audit::row::{bind_event, insert_sql};
use server::testing::PgDatabase;
use sqlx::{Connection, PgConnection, PgPool};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub async fn run(settings: &Settings, bins: &Binaries, sim: &Simulator) -> Result<Figure> {
    let work = settings.work_dir.join("changes-pg");
    let _ = std::fs::remove_dir_all(&work);
    let db = PgDatabase::create().await;
    let anchor_db = PgDatabase::create().await;
    let data = work.join("portal-data");
    let database = ["--database-url", db.url.as_str()];
    // One data directory, so both read the server key the first one generated.
    let portals = [
        Portal::start_with(
            bins,
            &sim.url,
            &data,
            &settings.dist,
            &settings.logs(),
            &database,
        )
        .await?,
        Portal::start_with(
            bins,
            &sim.url,
            &data,
            &settings.dist,
            &settings.logs(),
            &database,
        )
        .await?,
    ];
    let client = http_client()?;
    let session = Session::sign_in(&client, &portals[0]).await?;
    let connections = session
        .change_targets(&client, &portals[0], sim, CONNECTIONS)
        .await?;
    let urls: Vec<Vec<String>> = portals
        .iter()
        .map(|p| connections.iter().map(|c| p.peering_url(c)).collect())
        .collect();
    let audit = server::db::pg_pool(&db.url, Duration::from_secs(5), 2, true).await?;
    let anchor_pool = server::db::pg_pool(&anchor_db.url, Duration::from_secs(5), 1, false).await?;
    server::db::PG_MIGRATOR.run(&anchor_pool).await?;
    anchor_pool.close().await;

    let half = (settings.change_workers / 2).max(1);
    let both = |seconds: u32| {
        let (client, session) = (&client, &session);
        futures::future::try_join_all(
            urls.iter()
                .map(move |url| load(client, url, session, half, seconds)),
        )
    };
    // A short warm-up of both, not counted.
    both(2).await?;
    let mut next_anchor_id = 1;
    raw_inserts(&anchor_db.url, &mut next_anchor_id, Duration::from_secs(1)).await?;

    let mut changes = Vec::new();
    let mut anchor = Vec::new();
    let mut lost = 0_i64;
    let mut extra = 0_i64;
    let mut refused = BTreeMap::new();
    for run in 0..settings.runs {
        let before = count(&audit).await?;
        let started = Instant::now();
        let tallies: Vec<Tally> = both(settings.load_secs).await?;
        let elapsed = started.elapsed().as_secs_f64();
        let rows = count(&audit).await? - before;
        let acknowledged: u64 = tallies.iter().map(|t| t.acknowledged).sum();
        let expected = 2 * acknowledged as i64;
        lost += (expected - rows).max(0);
        extra += (rows - expected).max(0);
        for (status, n) in tallies.iter().flat_map(|t| &t.other) {
            *refused.entry(*status).or_insert(0) += n;
        }
        let rate = acknowledged as f64 / elapsed;
        let raw = raw_inserts(
            &anchor_db.url,
            &mut next_anchor_id,
            Duration::from_secs(u64::from(settings.load_secs)),
        )
        .await?;
        println!(
            "changes on PostgreSQL run {}/{}: {rate:.0} changes/s over two portals \
             ({acknowledged} acknowledged: {:?} per portal, {rows} rows); raw PostgreSQL {raw:.0} \
             inserts/s",
            run + 1,
            settings.runs,
            tallies.iter().map(|t| t.acknowledged).collect::<Vec<_>>(),
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
    let mut verified = Vec::new();
    for portal in &portals {
        let verify: Value = client
            .get(format!("{}/api/audit/verify", portal.url))
            .header(COOKIE, &session.cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        verified.push(format!(
            "{} ({} rows checked)",
            if verify["ok"] == true { "ok" } else { "BROKEN" },
            verify["rowsChecked"]
        ));
    }
    audit.close().await;
    drop(portals);
    Ok(Figure {
        id: "audited_changes_postgres",
        title: "Audited changes per second, two portals on PostgreSQL",
        method: format!(
            "Two portals on one PostgreSQL database (the machine's server, a fresh database; \
             `--database-url postgres://…`, sessions there too), {h} workers on each sending \
             the SQLite figure's peering change with one shared session, back to back for {s} s \
             over the same {n} connections; \
             changes/s = 2xx answers of both ÷ time until the last in-flight request finished. \
             Each append holds the chain's advisory lock while it reads the head, so the two \
             portals' writers take turns. Anchor: {s} s of single-row `begin; insert; commit` \
             into the same table in another database on the same server, right after each load \
             run. {runs} runs.",
            h = half,
            n = connections.len(),
            s = settings.load_secs,
            runs = settings.runs,
        ),
        measures: measures(
            "audited changes, two portals",
            changes,
            anchor,
            lost,
            unmatched,
        ),
        notes: vec![format!(
            "Rows beyond two per 2xx answer: {extra}; answers other than 2xx by status (0 = \
             transport error): {refused:?}. Chain verification over HTTP afterwards, on each \
             portal: {}.",
            verified.join(", ")
        )],
    })
}

async fn count(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(pool)
        .await?)
}

/// Committed single-row inserts per second for `time`.
async fn raw_inserts(url: &str, next_id: &mut u64, time: Duration) -> Result<f64> {
    let mut conn = PgConnection::connect(url).await?;
    let sql = insert_sql(|i| format!("${i}"));
    let started = Instant::now();
    let mut n = 0_u64;
    let mut event = seed::sample_event(*next_id);
    while started.elapsed() < time {
        event.id = *next_id as i64;
        let mut tx = conn.begin().await?;
        bind_event(sqlx::query(&sql), &event)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        *next_id += 1;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    conn.close().await?;
    Ok(rate)
}
