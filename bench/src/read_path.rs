//! Read-path proxy overhead and the portal's memory: wrk on one peering read straight to the
//! simulator, through nginx, and through the portal (signed in), interleaved run by run.

use crate::Settings;
use crate::report::{Figure, Measure, Target};
use crate::stack::{Binaries, DEMO_KEY, Nginx, Portal, Session, Simulator, http_client};
use crate::wrk::{self, Load, WrkResult};
use anyhow::{Result, ensure};
use std::time::Duration;

/// Megabytes as the targets count them (10^6 bytes).
const MB: f64 = 1_000_000.0;

pub async fn run(
    settings: &Settings,
    bins: &Binaries,
    sim: &Simulator,
) -> Result<(Figure, Figure)> {
    let work = settings.work_dir.join("read-path");
    let _ = std::fs::remove_dir_all(&work);
    let logs = settings.logs();
    let client = http_client()?;
    // A fresh portal per round: its idle RSS after one sign-in, then its peak under the load.
    let start = |run: u32| {
        let data = work.join(format!("portal-data-{run}"));
        let (client, logs) = (client.clone(), logs.clone());
        async move {
            let portal = Portal::start(bins, &sim.url, &data, &settings.dist, &logs).await?;
            let session = Session::sign_in(&client, &portal).await?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            let idle = portal.rss()? as f64 / MB;
            anyhow::Ok((portal, session, idle))
        }
    };
    let mut first = Some(start(0).await?);
    let connection = match &first {
        Some((portal, session, _)) => session.connection_id(&client, portal).await?,
        None => unreachable!("the first portal was just started"),
    };
    let nginx = Nginx::start(bins, &sim.url, &work.join("nginx"), &logs).await?;

    let bearer = vec![format!("Authorization: Bearer {DEMO_KEY}")];
    let direct_url = sim.peering_url(&connection);
    let nginx_url = direct_url.replacen(&sim.url, &nginx.url, 1);
    for url in [&direct_url, &nginx_url] {
        wrk_run(
            bins,
            &load(url, &bearer, settings.connections, settings.warmup_secs),
        )?;
    }
    // At the fixed concurrency each path runs at its own saturation of the shared cores, so
    // its tail is mostly queueing; one connection shows what a request itself adds.
    let mut results: [Vec<WrkResult>; 3] = Default::default();
    let mut single: [Vec<WrkResult>; 3] = Default::default();
    let (mut idle_rss, mut peak_rss) = (Vec::new(), Vec::new());
    let single_secs = settings.load_secs.div_ceil(2);
    for run in 0..settings.runs {
        let (portal, session, idle) = match first.take() {
            Some(started) => started,
            None => start(run).await?,
        };
        idle_rss.push(idle);
        let cookie = vec![session.cookie_header()];
        let portal_url = portal.peering_url(&connection);
        wrk_run(
            bins,
            &load(
                &portal_url,
                &cookie,
                settings.connections,
                settings.warmup_secs,
            ),
        )?;
        let targets: [(&str, &str, &[String]); 3] = [
            ("direct", &direct_url, &bearer),
            ("nginx", &nginx_url, &bearer),
            ("portal", &portal_url, &cookie),
        ];
        for (i, (name, url, headers)) in targets.iter().enumerate() {
            let r = wrk_run(
                bins,
                &load(url, headers, settings.connections, settings.load_secs),
            )?;
            let one = wrk_run(bins, &load(url, headers, 1, single_secs))?;
            println!(
                "read path run {}/{}: {name:<6} {:>8.0} req/s  p50 {:.3} ms  p99 {:.3} ms; \
                 one connection: p50 {:.3} ms  p99 {:.3} ms",
                run + 1,
                settings.runs,
                r.requests_per_sec,
                r.p50_ms,
                r.p99_ms,
                one.p50_ms,
                one.p99_ms
            );
            results[i].push(r);
            single[i].push(one);
        }
        peak_rss.push(portal.peak_rss()? as f64 / MB);
    }
    let [direct, via_nginx, via_portal] = &results;
    let rps = |rs: &[WrkResult]| rs.iter().map(|r| r.requests_per_sec).collect::<Vec<_>>();
    let p99 = |rs: &[WrkResult]| rs.iter().map(|r| r.p99_ms).collect::<Vec<_>>();
    let added = |rs: &[WrkResult], base: &[WrkResult]| {
        rs.iter()
            .zip(base)
            .map(|(r, d)| r.p99_ms - d.p99_ms)
            .collect::<Vec<_>>()
    };
    let [one_direct, one_nginx, one_portal] = &single;
    let read = Figure {
        id: "read_path",
        title: "Read-path proxy overhead",
        method: format!(
            "wrk -t1 -c{c} -d{s}s --latency on `GET /api/connections/{{id}}/peering/PRIVATE` \
             through the portal (session cookie), against the same read straight to the simulator \
             (`Authorization: Bearer`, upstream path) and through nginx (worker_processes auto, \
             keepalive upstream). {runs} runs of each, interleaved direct → nginx → portal, after \
             a {w} s warm-up of each (a fresh, signed-in portal per round, warmed up the same \
             way); after each of these, the same path with one connection for \
             {one} s. Simulator with `--delays instant`. \"Added p99\" is a run's p99 minus the \
             direct p99 of the same round and concurrency. At {c} connections every path runs \
             at its own saturation of the shared cores, so its tail is mostly queueing (the \
             direct path, the fastest, queues most); with one connection the difference \
             is what a request itself adds.",
            c = settings.connections,
            s = settings.load_secs,
            runs = settings.runs,
            w = settings.warmup_secs,
            one = single_secs,
        ),
        measures: vec![
            Measure::new("portal throughput", "req/s", rps(via_portal))
                .anchor("nginx", rps(via_nginx))
                .ratio_target(|r| Target::at_least("≥ nginx's (ratio ≥ 1)", r, 1.0)),
            Measure::new("nginx throughput", "req/s", rps(via_nginx)).anchor("direct", rps(direct)),
            Measure::new("portal p99", "ms", p99(via_portal)).anchor("direct", p99(direct)),
            Measure::new(
                format!("portal added p99, {} connections", settings.connections),
                "ms",
                added(via_portal, direct),
            )
            .target(|v| Target::at_most("≤ 1 ms", v, 1.0)),
            Measure::new(
                format!("nginx added p99, {} connections", settings.connections),
                "ms",
                added(via_nginx, direct),
            ),
            Measure::new("portal p99, one connection", "ms", p99(one_portal))
                .anchor("direct", p99(one_direct)),
            Measure::new(
                "portal added p99, one connection",
                "ms",
                added(one_portal, one_direct),
            )
            .target(|v| Target::at_most("≤ 1 ms", v, 1.0)),
            Measure::new(
                "nginx added p99, one connection",
                "ms",
                added(one_nginx, one_direct),
            ),
            Measure::new(
                "portal p50",
                "ms",
                via_portal.iter().map(|r| r.p50_ms).collect(),
            )
            .anchor("direct", direct.iter().map(|r| r.p50_ms).collect()),
        ],
        notes: errors_note(&[&results, &single]),
    };
    let memory = Figure {
        id: "memory",
        title: "Memory",
        method: "The portal's VmRSS from /proc after start-up, one sign-in and the company \
                 choice (a second after), and its VmHWM after its round of the read-path load \
                 above; a fresh portal per round."
            .to_owned(),
        measures: vec![
            Measure::new("idle RSS", "MB", idle_rss)
                .target(|v| Target::at_most("≤ 30 MB", v, 30.0)),
            Measure::new("peak RSS under read load", "MB", peak_rss)
                .target(|v| Target::at_most("≤ 80 MB", v, 80.0)),
        ],
        notes: Vec::new(),
    };
    drop(nginx);
    Ok((read, memory))
}

/// One wrk thread, so the load generator takes at most one of the two cores.
fn load<'a>(url: &'a str, headers: &'a [String], connections: u32, seconds: u32) -> Load<'a> {
    Load {
        url,
        headers,
        connections,
        threads: 1,
        seconds,
    }
}

fn wrk_run(bins: &Binaries, load: &Load<'_>) -> Result<WrkResult> {
    let r = wrk::run(&bins.wrk, load)?;
    ensure!(
        r.requests_per_sec > 0.0,
        "no requests completed on {}",
        load.url
    );
    Ok(r)
}

fn errors_note(passes: &[&[Vec<WrkResult>; 3]]) -> Vec<String> {
    let all = || passes.iter().flat_map(|p| p.iter()).flatten();
    let non_2xx: u64 = all().map(|r| r.non_2xx).sum();
    let socket: u64 = all().map(|r| r.socket_errors).sum();
    vec![format!(
        "Errors over all measured runs: {non_2xx} non-2xx answers, {socket} socket errors."
    )]
}
