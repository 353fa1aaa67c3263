//! `portal-bench`: runs the portal's benchmark figures against the built release binaries and
//! writes `bench/REPORT.md` and `bench/report.json`. Started by `cargo xtask bench`, which
//! builds everything first; a missed target is reported, not an error.

mod browser;
mod changes;
mod changes_pg;
mod history;
mod procs;
mod read_path;
mod report;
mod seed;
mod stack;
mod stats;
mod wrk;

use anyhow::{Context, Result};
use clap::Parser;
use report::{Machine, Report};
use stack::{Binaries, Simulator};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Runs the benchmark figures and writes the report.
#[derive(Debug, Parser)]
#[command(name = "portal-bench")]
struct Args {
    /// The release `portal` binary.
    #[arg(long)]
    portal: PathBuf,
    /// The release `console-connect-simulator` binary.
    #[arg(long)]
    simulator: PathBuf,
    /// The built frontend (trunk's dist).
    #[arg(long)]
    dist: PathBuf,
    /// The built Leptos counter (trunk's dist).
    #[arg(long)]
    counter_dist: PathBuf,
    /// Scratch space: databases, logs, browser profiles (emptied per figure).
    #[arg(long)]
    work_dir: PathBuf,
    /// Where REPORT.md and report.json go.
    #[arg(long)]
    out_dir: PathBuf,
    #[arg(long, default_value = "/usr/sbin/nginx")]
    nginx: PathBuf,
    #[arg(long, default_value = "/usr/bin/wrk")]
    wrk: PathBuf,
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    chromedriver: PathBuf,
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// Runs of each measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: u32,
    /// Seconds of each load run.
    #[arg(long, default_value_t = 10)]
    load_secs: u32,
    /// Seconds of warm-up before the read-path runs.
    #[arg(long, default_value_t = 3)]
    warmup_secs: u32,
    /// wrk connections on the read path.
    #[arg(long, default_value_t = 16)]
    connections: u32,
    /// Concurrent workers sending peering changes.
    #[arg(long, default_value_t = 32)]
    change_workers: u32,
    /// Audit events seeded for the query, export and start-up figures.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Sequential requests per audit query and run.
    #[arg(long, default_value_t = 300)]
    query_requests: usize,
    /// Only these figures (comma-separated: size, usable, read, changes, changes-pg, history).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// What every figure reads.
#[derive(Debug)]
pub struct Settings {
    pub dist: PathBuf,
    pub counter_dist: PathBuf,
    pub work_dir: PathBuf,
    pub runs: u32,
    pub load_secs: u32,
    pub warmup_secs: u32,
    pub connections: u32,
    pub change_workers: u32,
    pub rows: u64,
    pub query_requests: usize,
}

impl Settings {
    pub fn logs(&self) -> PathBuf {
        self.work_dir.join("logs")
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portal-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    let absolute = |p: &PathBuf| std::path::absolute(p).with_context(|| p.display().to_string());
    let bins = Binaries {
        portal: absolute(&args.portal)?,
        simulator: absolute(&args.simulator)?,
        nginx: args.nginx.clone(),
        wrk: args.wrk.clone(),
        chromedriver: args.chromedriver.clone(),
        chromium: args.chromium.clone(),
    };
    let settings = Settings {
        dist: absolute(&args.dist)?,
        counter_dist: absolute(&args.counter_dist)?,
        // Made first and named without `..`: Chromium's file reading refuses such paths, and
        // chromedriver reads the browser's port from the profile under this directory.
        work_dir: std::fs::create_dir_all(&args.work_dir)
            .and_then(|()| std::fs::canonicalize(&args.work_dir))
            .with_context(|| args.work_dir.display().to_string())?,
        runs: args.runs.max(3),
        load_secs: args.load_secs,
        warmup_secs: args.warmup_secs,
        connections: args.connections,
        change_workers: args.change_workers,
        rows: args.rows,
        query_requests: args.query_requests,
    };
    std::fs::create_dir_all(settings.logs())?;
    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    let sim = Simulator::start(&bins, &settings.logs()).await?;
    let mut figures = Vec::new();
    if wanted("read") {
        let (read, memory) = read_path::run(&settings, &bins, &sim).await?;
        figures.push(read);
        figures.push(memory);
    }
    if wanted("changes") {
        figures.push(changes::run(&settings, &bins, &sim).await?);
    }
    if wanted("changes-pg") {
        figures.push(changes_pg::run(&settings, &bins, &sim).await?);
    }
    if wanted("history") {
        figures.extend(history::run(&settings, &bins, &sim).await?);
    }
    if wanted("size") {
        figures.push(browser::size(&settings, &bins, &sim).await?);
    }
    if wanted("usable") {
        figures.push(browser::time_to_usable(&settings, &bins, &sim).await?);
    }
    drop(sim);
    let report = Report {
        machine: machine()?,
        settings: vec![
            ("runs per measurement".into(), settings.runs.to_string()),
            ("load run".into(), format!("{} s", settings.load_secs)),
            (
                "read-path concurrency".into(),
                format!("wrk -t1 -c{}", settings.connections),
            ),
            (
                "audited-change workers".into(),
                settings.change_workers.to_string(),
            ),
            ("seeded audit events".into(), settings.rows.to_string()),
            (
                "requests per audit query and run".into(),
                settings.query_requests.to_string(),
            ),
            (
                "simulator".into(),
                "console-connect-simulator --delays instant".into(),
            ),
        ],
        bench_seconds: started.elapsed().as_secs_f64(),
        figures,
    };
    report.write(&args.out_dir)?;
    let missed = report
        .figures
        .iter()
        .flat_map(|f| &f.measures)
        .flat_map(|m| m.targets.iter().map(move |t| (m, t)))
        .filter(|(_, t)| !t.met)
        .map(|(m, t)| format!("{} ({})", m.name, t.text))
        .collect::<Vec<_>>();
    println!(
        "portal-bench: wrote {} in {:.0} s; targets missed: {}",
        args.out_dir.join("REPORT.md").display(),
        started.elapsed().as_secs_f64(),
        if missed.is_empty() {
            "none".to_owned()
        } else {
            missed.join(", ")
        }
    );
    Ok(())
}

fn machine() -> Result<Machine> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown".to_owned(), |(_, v)| v.trim().to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let date = time::OffsetDateTime::now_utc();
    Ok(Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        kernel,
        memory,
        date: server::timefmt::format(date)[..16].replace('T', " ") + " UTC",
        commit: git(&["describe", "--always", "--dirty"]),
    })
}
