//! `portal`: serve the ExpressRoute portal, or work with its audit history offline.

use anyhow::Context;
use clap::Parser;
use server::audit::Store;
use server::audit::query::{Filter, Format};
use server::config::{AuditCommand, Cli, Command, ExportFormat};
use server::instance_lock::InstanceLock;
use server::serving::serve_until_signal;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

/// jemalloc rather than glibc's malloc: under load the portal's many small, short-lived
/// allocations contended on glibc's arena locks; with jemalloc the read path serves about a
/// fifth more requests for a few MB more resident memory (bench/REPORT.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The log filter without `RUST_LOG`. tower-sessions warns of every cookie that names a session
/// its store no longer has ("possibly suspicious activity"): that is every browser returning
/// after its session expired or was signed out, which the portal answers (401) and logs itself.
/// sqlx warns of a database URL's parameter it does not know with its value, which may be a
/// secret (`?PASSWORD=…`, `?sslpassword=…`): the portal's own message names the URL, masked.
const DEFAULT_LOG: &str = "info,sqlx=warn,sqlx_postgres::options::parse=error,tower_sessions=warn,\
tower_sessions_core::session=error";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| DEFAULT_LOG.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let (result, failed) = match cli.command {
        None => (serve(cli.serve.into()).await, ExitCode::FAILURE),
        Some(Command::Serve(args)) => (serve(args.into()).await, ExitCode::FAILURE),
        Some(Command::Audit { command }) => (audit(command).await, ExitCode::from(COULD_NOT_CHECK)),
        Some(Command::Ready { listen }) => (ready(listen).await, ExitCode::FAILURE),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portal: {}", said_once(&e));
            failed
        }
    }
}

/// An error and its causes on one line, each cause left out when the text before already says
/// it (a database error repeats its source's message).
fn said_once(e: &anyhow::Error) -> String {
    let mut said = String::new();
    for cause in e.chain().map(ToString::to_string) {
        if said.contains(&cause) {
            continue;
        }
        if !said.is_empty() {
            said.push_str(": ");
        }
        said.push_str(&cause);
    }
    said
}

/// `portal audit verify`: the chain is broken, or does not hold the expected head.
const BROKEN: u8 = 1;
/// `portal audit …` could not do its work (a database it cannot open or read, a file it cannot
/// write); the same code clap gives a command line it cannot take.
const COULD_NOT_CHECK: u8 = 2;

/// `portal ready`: whether the portal listening on `listen` answers `/readyz` with 200.
async fn ready(listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let url = format!("http://{addr}/readyz");
    // `/readyz` may wait the busy timeout (5 s by default) for the database before it answers
    // 503 and why; the image's health check gives up after 10 s.
    let answer = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(9))
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(&url)
        .send()
        .await
        .with_context(|| format!("no answer from {url}"))?;
    let status = answer.status();
    let body = answer.text().await.unwrap_or_default();
    if status == reqwest::StatusCode::OK {
        println!("ready: {url}");
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{url} answered {status}: {}", body.trim())
    }
}

async fn serve(config: server::Config) -> anyhow::Result<ExitCode> {
    // A change's upstream call must end (and its outcome be written) before the request's own
    // deadline answers the browser.
    anyhow::ensure!(
        config.upstream_timeout < config.request_timeout,
        "--upstream-timeout-secs ({}) must be below --request-timeout-secs ({})",
        config.upstream_timeout.as_secs(),
        config.request_timeout.as_secs()
    );
    // Both addresses are taken before anything is opened or written: a portal that cannot listen
    // leaves no trace, and touches no database another portal may be serving.
    let listener = bind(config.listen, "--listen").await?;
    let metrics_listener = match config.metrics_listen {
        Some(addr) => Some(bind(addr, "--metrics-listen").await?),
        None => None,
    };
    config.check_database_folders()?;
    let _lock = InstanceLock::acquire(&config)?;
    let grace = config.shutdown_grace();
    // Each request's head is waited for as long as a request may take.
    let head_wait = config.request_timeout;
    warn_without_browser_app(&config.static_dir);
    if config.session_idle >= config.session_lifetime {
        tracing::warn!(
            "--session-idle-minutes ({}) is not below --session-lifetime-hours ({}): every \
             session ends at its lifetime before it could be idle that long",
            config.session_idle.as_secs() / 60,
            config.session_lifetime.as_secs() / 3600
        );
    }
    let portal = server::build(config).await?;
    let addr = listener.local_addr()?;
    if let Some(metrics_listener) = metrics_listener {
        println!(
            "Metrics on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        tracing::info!(
            "metrics listening on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        let metrics_router = portal.metrics_router.clone();
        tokio::spawn(async move {
            if let Err(e) =
                serve_until_signal(metrics_listener, metrics_router, grace, head_wait).await
            {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    match &portal.sandbox {
        Some(sim) => println!(
            "ExpressRoute portal on http://{addr} (sandbox: simulated Console Connect at {})",
            sim.base_url
        ),
        None => println!(
            "ExpressRoute portal on http://{addr} (Console Connect at {})",
            portal.state.info.upstream
        ),
    }
    tracing::info!(
        sandbox = portal.sandbox.is_some(),
        "listening on http://{addr}"
    );
    serve_until_signal(listener, portal.router, grace, head_wait).await?;
    finish_changes(&portal.state.changes_running, grace).await;
    portal.state.audit.say_last_head();
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Lets the changes still running when the last request has been answered (one whose request
/// timed out while its upstream call went on) end and record their outcome, waiting at most
/// `grace`; one given up on is closed as interrupted at the next start.
async fn finish_changes(running: &tokio_util::task::TaskTracker, grace: std::time::Duration) {
    running.close();
    if running.is_empty() {
        return;
    }
    let changes = running.len();
    tracing::info!(
        changes,
        "waiting for the changes under way to record their outcome"
    );
    if tokio::time::timeout(grace, running.wait()).await.is_err() {
        tracing::warn!(
            changes = running.len(),
            grace_secs = grace.as_secs(),
            "gave up waiting for the changes under way; the next start closes them as \
             interrupted"
        );
    }
}

/// Says at start-up, rather than on every page, that the browser app is missing: each page
/// then only says it is not built, while the API works.
fn warn_without_browser_app(static_dir: &std::path::Path) {
    if !static_dir.join("index.html").is_file() {
        tracing::warn!(
            "--static-dir {}: there is no index.html, so the browser app is not served (only \
             the API); build it with `cargo xtask frontend` or give the folder it is built in",
            static_dir.display()
        );
    }
}

async fn bind(addr: SocketAddr, option: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({option})"))
}

async fn audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify {
            database,
            expect_head,
        } => {
            let store = Store::open_read_only(&database.database_url()).await?;
            let result = store.verify(expect_head.as_ref()).await?;
            match result.first_bad {
                None => {
                    println!("ok: {} rows, the hash chain holds", result.rows_checked);
                    if let Some(head) = &expect_head {
                        println!("it holds row {} with the expected hash", head.id);
                    }
                    match &result.head {
                        Some(head) => println!("head: {head}"),
                        None => println!("head: none (the history is empty)"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                // A recorded head that is not there as it was: the rows may all link up, yet
                // none of them is shown to be intact.
                Some(bad) if expect_head.as_ref().is_some_and(|h| h.id == bad.id) => {
                    println!(
                        "broken at row {}: {} ({} rows checked)",
                        bad.id, bad.reason, result.rows_checked
                    );
                    Ok(ExitCode::from(BROKEN))
                }
                Some(bad) => {
                    println!(
                        "broken at row {}: {} ({} rows before it are intact)",
                        bad.id, bad.reason, result.rows_checked
                    );
                    Ok(ExitCode::from(BROKEN))
                }
            }
        }
        AuditCommand::Export {
            database,
            format,
            output,
            filter,
        } => {
            // An export these two leave empty is said to be, as the browser's history says it.
            let contradictory =
                filter.phase == Some(models::api::AuditPhase::Intent) && filter.outcome.is_some();
            // The filters' messages name them as the API does; here they are flags.
            let filter = Filter::new(filter.into()).map_err(|bad| {
                let said: Vec<String> = bad
                    .0
                    .iter()
                    .map(|e| {
                        format!(
                            "--{}",
                            e.message
                                .replace(" than from", " than --from")
                                .replace("; to is not included", "; --to is not included")
                        )
                    })
                    .collect();
                anyhow::anyhow!("{}", said.join("; "))
            })?;
            if contradictory {
                eprintln!(
                    "portal: an intent has no outcome, so --phase intent with --outcome selects \
                     no event: leave one of them out"
                );
            }
            let store = Store::open_read_only(&database.database_url()).await?;
            // A connection without any event may be a leg, which Console Connect's own portal
            // lists as a connection: offline, only a hint can be given.
            if let Some(id) = filter.connection()
                && store.selects_none(&filter.connection_only(), None).await?
            {
                eprintln!(
                    "portal: no event of connection {id} is kept (the events of a connection's \
                     legs are kept under the connection's id)"
                );
            }
            let format = match format {
                ExportFormat::Csv => Format::Csv,
                ExportFormat::Json => Format::Json,
            };
            if let Some(folder) = output.as_ref().filter(|p| p.is_dir()) {
                anyhow::bail!(
                    "cannot write the export to {}: it is a folder; give a file's name in it, \
                     such as {}",
                    folder.display(),
                    folder.join("audit.csv").display()
                );
            }
            let (tx, mut rx) = tokio::sync::mpsc::channel(4);
            tokio::spawn(store.export(filter, None, format, tx));
            // `-o -` is standard output, as with most tools.
            match output.filter(|p| p.as_os_str() != "-") {
                Some(path) => {
                    // Written beside the file and renamed into place once whole: a failed
                    // export leaves no half-written file behind, nor replaces an earlier one.
                    let dir = match path.parent() {
                        Some(dir) if !dir.as_os_str().is_empty() => dir,
                        _ => std::path::Path::new("."),
                    };
                    let cannot = |e: &dyn std::fmt::Display| {
                        anyhow::anyhow!("cannot write the export to {}: {e}", path.display())
                    };
                    if !dir.is_dir() {
                        return Err(cannot(&format!("there is no folder {}", dir.display())));
                    }
                    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| {
                        // tempfile names its own file in the error; the reader knows only theirs.
                        cannot(&e.kind())
                    })?;
                    write_all(&mut rx, file.as_file_mut()).await?;
                    file.as_file().sync_all().map_err(|e| cannot(&e))?;
                    file.persist(&path).map_err(|e| cannot(&e.error))?;
                }
                // A reader that stops early (`| head`) is not a failure of the export.
                None => match write_all(&mut rx, std::io::stdout().lock()).await {
                    Err(e)
                        if e.downcast_ref::<std::io::Error>().map(std::io::Error::kind)
                            == Some(std::io::ErrorKind::BrokenPipe) => {}
                    other => other?,
                },
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes every chunk an export sends to `out`, stopping at the first error.
async fn write_all(
    rx: &mut tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
    out: impl Write,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    while let Some(chunk) = rx.recv().await {
        out.write_all(&chunk?)?;
    }
    out.flush()?;
    Ok(())
}
