//! The large audit history: a million seeded events, then start-up on that database, filtered
//! pages over HTTP against the same `query::page_body` call made directly, and the streamed CSV export
//! with the portal's memory sampled throughout.

use crate::Settings;
use crate::procs::status_bytes;
use crate::report::{Figure, Measure, Target};
use crate::seed::{self, Seeded};
use crate::stack::{Binaries, Portal, Session, Simulator, http_client};
use crate::stats::{ms, percentile};
use anyhow::{Context, Result, ensure};
use futures::StreamExt;
use models::api::AuditQuery;
use reqwest::header::COOKIE;
use serde_json::Value;
use server::audit::query::{Filter, Pages, Scope, page_body};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const MB: f64 = 1_000_000.0;

pub async fn run(settings: &Settings, bins: &Binaries, sim: &Simulator) -> Result<Vec<Figure>> {
    let work = settings.work_dir.join("history");
    let data = work.join("portal-data");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&data)?;
    println!("seeding {} audit events…", settings.rows);
    let seeded = seed::seed(&data.join("portal.db"), settings.rows).await?;
    println!("seeded {} rows in {:.1} s", seeded.rows, seeded.seconds);
    let logs = settings.logs();
    let start = |_: u32| Portal::start(bins, &sim.url, &data, &settings.dist, &logs);

    let mut startup = Vec::new();
    for run in 0..settings.runs.max(5) {
        let mut portal = start(run).await?;
        println!("start-up run {}: {:.1} ms", run + 1, ms(portal.ready_after));
        startup.push(ms(portal.ready_after));
        portal.proc.stop();
    }
    let startup = Figure {
        id: "startup",
        title: "Start-up",
        method: format!(
            "From spawning `portal serve` on the seeded database ({} rows, checkpoint at the \
             last row) to the first `GET /readyz` answering 200, polled every millisecond. The \
             first run reads a cold page cache only if the seeding's pages were evicted.",
            seeded.rows
        ),
        measures: vec![
            Measure::new("process start → /readyz 200", "ms", startup)
                .target(|v| Target::at_most("≤ 200 ms", v, 200.0)),
        ],
        notes: Vec::new(),
    };

    let portal = start(0).await?;
    let client = http_client()?;
    let session = Session::sign_in(&client, &portal).await?;
    let query = queries(settings, &client, &portal, &session, &seeded).await?;
    let export = export(settings, &client, &portal, &session).await?;
    drop(portal);
    Ok(vec![query, export, startup])
}

/// The pages asked for: by connection (first and a deep one) and by actor within a month.
fn cases(seeded: &Seeded) -> Vec<(&'static str, AuditQuery)> {
    let connection = Some(seed::connection_id(42));
    let middle = seeded.rows / 2;
    let from = seeded.at(middle);
    vec![
        (
            "connection, first page",
            AuditQuery {
                connection: connection.clone(),
                ..Default::default()
            },
        ),
        (
            "connection, deep page (before= 10% of ids)",
            AuditQuery {
                connection,
                before: Some((seeded.rows / 10) as i64),
                ..Default::default()
            },
        ),
        (
            "actor + 30-day range, first page",
            AuditQuery {
                actor: Some(seed::actor_email(7)),
                from: Some(server::timefmt::format(from)),
                to: Some(server::timefmt::format(from + time::Duration::days(30))),
                ..Default::default()
            },
        ),
    ]
}

async fn queries(
    settings: &Settings,
    client: &reqwest::Client,
    portal: &Portal,
    session: &Session,
    seeded: &Seeded,
) -> Result<Figure> {
    let url = server::config::sqlite_url(&portal.db_path());
    let pool = server::db::pool(&url, Duration::from_secs(5), 8).await?;
    let pages = Pages::new(pool.clone()).await?;
    let scope = Scope {
        companies: session.companies.clone(),
        actor_id: session.user_id.clone(),
    };
    let cases = cases(seeded);
    let mut http = vec![Vec::new(); cases.len()];
    let mut direct = vec![Vec::new(); cases.len()];
    let n = settings.query_requests;
    for run in 0..settings.runs {
        for (i, (name, q)) in cases.iter().enumerate() {
            let filter = Filter::new(q.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut over_http = Vec::with_capacity(n);
            let mut raw = Vec::with_capacity(n);
            for k in 0..n + n / 10 {
                let started = Instant::now();
                let res = client
                    .get(format!("{}/api/audit", portal.url))
                    .query(q)
                    .header(COOKIE, &session.cookie)
                    .send()
                    .await?
                    .error_for_status()?;
                let body = res.bytes().await?;
                let http_time = ms(started.elapsed());
                let started = Instant::now();
                let direct = page_body(&pages, &filter, Some(&scope)).await?;
                let raw_time = ms(started.elapsed());
                if k == 0 {
                    let count = |body: &[u8]| -> Result<usize> {
                        let page: Value = serde_json::from_slice(body)?;
                        Ok(page["events"].as_array().map_or(0, Vec::len))
                    };
                    let (got, want) = (count(&body)?, count(&direct)?);
                    ensure!(
                        got == want && got > 0,
                        "{name}: {got} events over HTTP, {want} directly"
                    );
                }
                // The first tenth warms caches and is not counted.
                if k >= n / 10 {
                    over_http.push(http_time);
                    raw.push(raw_time);
                }
            }
            let (h, d) = (percentile(&over_http, 99.0), percentile(&raw, 99.0));
            println!(
                "audit query run {}/{}: {name}: p99 {h:.2} ms over HTTP, {d:.2} ms direct",
                run + 1,
                settings.runs
            );
            http[i].push(h);
            direct[i].push(d);
        }
    }
    pool.close().await;
    let measures = cases
        .iter()
        .zip(http.into_iter().zip(direct))
        .map(|((name, _), (h, d))| {
            Measure::new(format!("{name}: p99"), "ms", h)
                .anchor("query::page_body called directly", d)
                .target(|v| Target::at_most("≤ 5 ms", v, 5.0))
                .ratio_target(|r| Target::at_most("≤ 1.5× raw", r, 1.5))
        })
        .collect();
    Ok(Figure {
        id: "audit_query",
        title: "Audit query",
        method: format!(
            "{rows} seeded events (100 connections, 20 actors, one year, company acme). Per run \
             and query, {n} sequential `GET /api/audit?…` requests with Ada's session (50 events \
             a page), each followed by the same filter through `server::audit::query::page_body` \
             called in the benchmark's process on the same database file (the function the \
             route calls: the exact same SQL, with Ada's scope, on the synchronous reader, and \
             the page's JSON written); the \
             p99 of each run, after {w} uncounted warm-up pairs. {runs} runs.",
            rows = seeded.rows,
            w = n / 10,
            runs = settings.runs,
        ),
        measures,
        notes: Vec::new(),
    })
}

async fn export(
    settings: &Settings,
    client: &reqwest::Client,
    portal: &Portal,
    session: &Session,
) -> Result<Figure> {
    let mut times = Vec::new();
    let mut growth = Vec::new();
    let mut rows = 0;
    let mut bytes = 0;
    for run in 0..settings.runs {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pid = portal.proc.pid();
        let baseline = status_bytes(pid, "VmRSS")?;
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = baseline;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(rss) = status_bytes(pid, "VmRSS") {
                        peak = peak.max(rss);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                peak
            })
        };
        let started = Instant::now();
        let res = client
            .get(format!("{}/api/audit/export.csv", portal.url))
            .header(COOKIE, &session.cookie)
            .send()
            .await?
            .error_for_status()?;
        let mut stream = res.bytes_stream();
        let (mut lines, mut size) = (0_u64, 0_u64);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let peak = sampler.join().ok().context("the memory sampler panicked")?;
        let grew = peak.saturating_sub(baseline) as f64 / MB;
        println!(
            "export run {}/{}: {} rows, {:.0} MB in {:.2} s; RSS {:.1} → {:.1} MB (+{grew:.1})",
            run + 1,
            settings.runs,
            lines.saturating_sub(1),
            size as f64 / MB,
            elapsed.as_secs_f64(),
            baseline as f64 / MB,
            peak as f64 / MB
        );
        times.push(elapsed.as_secs_f64());
        growth.push(grew);
        rows = lines.saturating_sub(1);
        bytes = size;
    }
    Ok(Figure {
        id: "audit_export",
        title: "Audit export",
        method: format!(
            "`GET /api/audit/export.csv` of the whole history ({rows} rows, {:.0} MB of CSV) \
             over HTTP with Ada's session, read to the end by the benchmark. The portal's VmRSS \
             is read from /proc every 2 ms during the export; growth = peak − the value just \
             before. {} runs.",
            bytes as f64 / MB,
            settings.runs
        ),
        measures: vec![
            Measure::new("export time", "s", times).target(|v| Target::at_most("≤ 5 s", v, 5.0)),
            Measure::new("peak RSS growth", "MB", growth)
                .target(|v| Target::at_most("≤ 50 MB", v, 50.0)),
        ],
        notes: Vec::new(),
    })
}
