//! The browser app: its size as served (gzip bytes on the wire, against the minimal Leptos
//! counter built the same way) and the time from navigation to a usable sign-in form in
//! headless Chromium, a fresh profile per run.

use crate::Settings;
use crate::procs::{Proc, free_port};
use crate::report::{Figure, Measure, Target};
use crate::stack::{Binaries, Portal, Simulator, http_client};
use anyhow::{Context, Result, bail};
use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const KB: f64 = 1000.0;

/// Bytes on the wire of each served asset, by name.
async fn served_sizes(
    client: &reqwest::Client,
    portal: &Portal,
    dist: &Path,
) -> Result<Vec<(String, u64, u64)>> {
    let mut names: Vec<String> = std::fs::read_dir(dist)
        .with_context(|| format!("listing {}", dist.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".wasm", ".js", ".css", ".html"]
                .iter()
                .any(|x| n.ends_with(x))
        })
        .collect();
    names.sort();
    let mut sizes = Vec::new();
    for name in names {
        let res = client
            .get(format!("{}/{name}", portal.url))
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await?
            .error_for_status()?;
        let gzipped = res
            .headers()
            .get(CONTENT_ENCODING)
            .is_some_and(|v| v == "gzip");
        let wire = res.bytes().await?.len() as u64;
        let raw = std::fs::metadata(dist.join(&name))?.len();
        if !gzipped {
            println!("note: {name} was served without gzip");
        }
        sizes.push((name, wire, raw));
    }
    if sizes.is_empty() {
        bail!("no .wasm/.js/.css/.html files in {}", dist.display());
    }
    Ok(sizes)
}

pub async fn size(settings: &Settings, bins: &Binaries, sim: &Simulator) -> Result<Figure> {
    let work = settings.work_dir.join("size");
    let _ = std::fs::remove_dir_all(&work);
    let logs = settings.logs();
    let client = http_client()?;
    let app = Portal::start(bins, &sim.url, &work.join("app"), &settings.dist, &logs).await?;
    let counter = Portal::start(
        bins,
        &sim.url,
        &work.join("counter"),
        &settings.counter_dist,
        &logs,
    )
    .await?;
    let (mut app_totals, mut counter_totals) = (Vec::new(), Vec::new());
    let mut app_files = Vec::new();
    for _ in 0..3 {
        app_files = served_sizes(&client, &app, &settings.dist).await?;
        let counter_files = served_sizes(&client, &counter, &settings.counter_dist).await?;
        app_totals.push(app_files.iter().map(|f| f.1).sum::<u64>() as f64 / KB);
        counter_totals.push(counter_files.iter().map(|f| f.1).sum::<u64>() as f64 / KB);
    }
    let files = app_files
        .iter()
        .map(|(name, wire, raw)| {
            format!(
                "`{name}` {:.1} KB gzip ({:.1} KB raw)",
                *wire as f64 / KB,
                *raw as f64 / KB
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Figure {
        id: "frontend_size",
        title: "Frontend size",
        method: "Each .wasm, .js, .css and .html file of the trunk build, fetched from the \
                 portal with `Accept-Encoding: gzip`; the body bytes as received (headers not \
                 counted), summed. The anchor is bench/counter (a minimal Leptos CSR counter, \
                 built by trunk with the same `wasm-release` profile, `data-wasm-opt=\"0\"` and the \
                 workspace's wasm32 flags as the frontend) served by a second portal the same way. 3 fetches of each \
                 (the sizes do not vary). KB = 1000 bytes."
            .to_owned(),
        measures: vec![
            Measure::new("total gzip on the wire", "KB", app_totals)
                .anchor("Leptos counter", counter_totals)
                .target(|v| Target::at_most("≤ 250 KB", v, 250.0)),
        ],
        notes: vec![format!("Files: {files}.")],
    })
}

/// Resolves with `performance.now()` when the element matching `arguments[0]` exists and is
/// enabled; watches the DOM so the moment is not rounded up to a polling interval.
const WAIT_FOR_ELEMENT: &str = r#"
const selector = arguments[0];
const done = arguments[arguments.length - 1];
const usable = () => {
  const element = document.querySelector(selector);
  return element !== null && !element.disabled;
};
if (usable()) { done({ at: performance.now(), late: true }); return; }
const observer = new MutationObserver(() => {
  if (usable()) { observer.disconnect(); done({ at: performance.now(), late: false }); }
});
observer.observe(document, { subtree: true, childList: true, attributes: true });
"#;

pub async fn time_to_usable(
    settings: &Settings,
    bins: &Binaries,
    sim: &Simulator,
) -> Result<Figure> {
    let work = settings.work_dir.join("browser");
    let _ = std::fs::remove_dir_all(&work);
    let logs = settings.logs();
    let portal = Portal::start(
        bins,
        &sim.url,
        &work.join("portal-data"),
        &settings.dist,
        &logs,
    )
    .await?;
    let port = free_port()?;
    let mut driver = Proc::spawn(
        "chromedriver",
        Command::new(&bins.chromedriver).arg(format!("--port={port}")),
        &logs,
    )?;
    let webdriver = format!("http://127.0.0.1:{port}");
    let client = http_client()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("{webdriver}/status"))
        .send()
        .await
        .is_err()
    {
        driver.check_running()?;
        if Instant::now() > deadline {
            bail!("chromedriver did not start");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let counter = Portal::start(
        bins,
        &sim.url,
        &work.join("counter-data"),
        &settings.counter_dist,
        &logs,
    )
    .await?;
    let chromium = bins.chromium.display().to_string();
    let pages = [
        (format!("{}/sign-in", portal.url), "#apiKey"),
        (format!("{}/", counter.url), "button"),
    ];
    let mut times = [Vec::new(), Vec::new()];
    let mut late = 0;
    let runs = settings.runs.max(7);
    for run in 0..runs {
        for (i, (url, selector)) in pages.iter().enumerate() {
            let profile = work.join(format!("profile-{run}-{i}"));
            let (at, was_late) = one_visit(&webdriver, &chromium, &profile, url, selector).await?;
            println!(
                "time to usable run {}/{runs}: {url}: {selector} after {at:.0} ms{}",
                run + 1,
                if was_late { " (late)" } else { "" }
            );
            times[i].push(at);
            late += u32::from(was_late);
        }
    }
    drop(driver);
    drop(counter);
    drop(portal);
    let [app_times, counter_times] = times;
    Ok(Figure {
        id: "time_to_usable",
        title: "Time to usable",
        method: format!(
            "Headless Chromium through chromedriver (fantoccini), a fresh `--user-data-dir` and \
             browser per run, page load strategy `none`. After `GET {{portal}}/sign-in` is sent, a \
             script in the new document watches the DOM (MutationObserver) and records \
             `performance.now()` (ms since navigation start) the moment `#apiKey` exists and is \
             enabled. Portal and Chromium on loopback, on the same 2 cores. Anchor, measured the \
             same way in the same runs (alternating): the Leptos counter's `button` on a second \
             portal, i.e. what the browser, the portal and Leptos cost before the app's own \
             size and work. {runs} runs of each."
        ),
        measures: vec![
            Measure::new("navigation → #apiKey usable", "ms", app_times)
                .anchor("counter's button", counter_times)
                .target(|v| Target::at_most("≤ 300 ms", v, 300.0)),
        ],
        notes: vec![format!(
            "Visits in which the element was already usable when the watcher started (so the \
             time is when it looked, a slight overestimate): {late} of {}.",
            2 * runs
        )],
    })
}

async fn one_visit(
    webdriver: &str,
    chromium: &str,
    profile: &Path,
    url: &str,
    selector: &str,
) -> Result<(f64, bool)> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let capabilities = json!({
        "pageLoadStrategy": "none",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        bail!("capabilities are an object");
    };
    let browser = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .context("starting Chromium through chromedriver")?;
    let result = async {
        browser.goto(url).await?;
        // Wait for the new document (not the blank one the browser started with).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let here = browser.execute("return location.href", vec![]).await?;
            if here.as_str().is_some_and(|h| h.starts_with(url)) {
                break;
            }
            if Instant::now() > deadline {
                bail!("the browser never reached {url}");
            }
        }
        let found: Value = browser
            .execute_async(WAIT_FOR_ELEMENT, vec![json!(selector)])
            .await?;
        let at = found["at"].as_f64().context("no time from the page")?;
        Ok((at, found["late"] == true))
    }
    .await;
    let _ = browser.close().await;
    result
}
