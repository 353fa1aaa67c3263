//! `cargo xtask bench`: the tools, a release build of everything the benchmark starts, then
//! `portal-bench`, which writes bench/REPORT.md and bench/report.json. A missed target is in
//! the report, not a failure of the command.

use std::process::Command;
use std::time::Instant;

use crate::Result;
use crate::exec;
use crate::frontend;
use crate::paths::Repo;
use crate::tools;

pub fn run(repo: &Repo) -> Result {
    let started = Instant::now();
    tools::frontend_tools(repo)?;
    let browser = tools::browser()?;
    tools::bench_tools()?;
    // The figure of two portals on PostgreSQL makes its databases on the tests' server.
    tools::test_postgres()?;
    let nginx = exec::locate("/usr/sbin/nginx", "nginx").ok_or("nginx not found")?;
    let wrk = exec::locate("/usr/bin/wrk", "wrk").ok_or("wrk not found")?;
    exec::run(repo.cargo().args([
        "build",
        "--release",
        "-p",
        "server",
        "--bin",
        "portal",
        "-p",
        "simulator",
        "--bin",
        "console-connect-simulator",
        "-p",
        "portal-bench",
        // With any --bin given, cargo builds only the named binaries.
        "--bin",
        "portal-bench",
    ]))?;
    frontend::build(repo)?;
    // The size anchor, built by trunk exactly like the frontend (its index.html names the
    // same profile and options).
    let bench = repo.frontend().with_file_name("bench");
    let work = repo.target_dir().join("bench");
    let counter_dist = work.join("counter-dist");
    exec::run(
        Command::new("trunk")
            .args(["build", "--offline", "--release", "--dist"])
            .arg(&counter_dist)
            .current_dir(bench.join("counter")),
    )?;
    // Compressed the same way as the app's assets, so both are served from precompressed copies.
    frontend::report_size(&counter_dist)?;
    let release = repo.target_dir().join("release");
    let mut bench_run = Command::new(release.join("portal-bench"));
    bench_run
        .current_dir(&bench)
        .arg("--portal")
        .arg(release.join("portal"))
        .arg("--simulator")
        .arg(release.join("console-connect-simulator"))
        .arg("--dist")
        .arg(repo.dist())
        .arg("--counter-dist")
        .arg(&counter_dist)
        .arg("--work-dir")
        .arg(work.join("work"))
        .arg("--out-dir")
        .arg(&bench)
        .arg("--nginx")
        .arg(&nginx)
        .arg("--wrk")
        .arg(&wrk)
        .arg("--chromedriver")
        .arg(&browser.chromedriver)
        .arg("--chromium")
        .arg(&browser.chromium);
    exec::run(&mut bench_run)?;
    println!(
        "xtask bench: {} written; set-up, builds and benchmark took {:.0} s",
        bench.join("REPORT.md").display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
