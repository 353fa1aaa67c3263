//! The browser app: its size as served (gzip bytes on the wire, against the minimal Leptos
//! counter built the same way) and the time from navigation to a usable sign-in form in
//! headless Chromium, a fresh profile per run.

use crate::Settings;
use crate::procs::{Proc, free_port};
use crate::report::{Figure, Measure, Target};
use crate::stack::{Binaries, Portal, Simulator, http_client};
use crate::stats::Summary;
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
/// enabled (watching the DOM, so the moment is not rounded up to a polling interval), and when
/// the page and its .wasm had arrived.
const WAIT_FOR_ELEMENT: &str = r#"
const selector = arguments[0];
const done = arguments[arguments.length - 1];
const usable = () => {
  const element = document.querySelector(selector);
  return element !== null && !element.disabled;
};
const report = (late) => {
  const at = performance.now();
  const page = performance.getEntriesByType('navigation')[0];
  const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
  done({
    at,
    late,
    page: page ? page.responseEnd : null,
    wasm: wasm && wasm.responseEnd > 0 ? wasm.responseEnd : null,
  });
};
if (usable()) { report(true); return; }
const observer = new MutationObserver(() => {
  if (usable()) { observer.disconnect(); report(false); }
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
            let visit = one_visit(&webdriver, &chromium, &profile, url, selector).await?;
            println!(
                "time to usable run {}/{runs}: {url}: page at {:.0} ms, wasm at {:.0} ms, {selector} \
                 usable at {:.0} ms{}",
                run + 1,
                visit.page,
                visit.wasm,
                visit.at,
                if visit.late { " (late)" } else { "" }
            );
            late += u32::from(visit.late);
            times[i].push(visit);
        }
    }
    drop(driver);
    drop(counter);
    drop(portal);
    let [app, counter] = times;
    let at = |visits: &[Visit]| visits.iter().map(|v| v.at).collect::<Vec<_>>();
    let median = |values: Vec<f64>| Summary::of(values).median;
    let wasm_to_usable = median(app.iter().map(|v| v.at - v.wasm).collect());
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
            Measure::new("navigation → #apiKey usable", "ms", at(&app))
                .anchor("counter's button", at(&counter))
                .target(|v| Target::at_most("≤ 300 ms", v, 300.0)),
        ],
        notes: vec![
            format!(
                "Where the app's time goes (medians, ms since navigation start): the page has \
                 arrived at {:.0}, its .wasm ({:.0} KB raw) at {:.0}; from the .wasm's last byte \
                 to a usable form (compiling and instantiating it, mounting the app, rendering \
                 the sign-in page): {wasm_to_usable:.0}. The counter's .wasm arrived at {:.0}.",
                median(app.iter().map(|v| v.page).collect()),
                wasm_size(&settings.dist)? as f64 / KB,
                median(app.iter().map(|v| v.wasm).collect()),
                median(counter.iter().map(|v| v.wasm).collect()),
            ),
            format!(
                "Visits in which the element was already usable when the watcher started (so \
                 the time is when it looked, a slight overestimate): {late} of {}.",
                2 * runs
            ),
        ],
    })
}

/// One visit's moments, in ms since navigation start.
#[derive(Debug, Clone, Copy)]
struct Visit {
    /// The element became usable.
    at: f64,
    /// The element was there before the watcher looked.
    late: bool,
    /// The page's last byte arrived.
    page: f64,
    /// The .wasm's last byte arrived.
    wasm: f64,
}

fn wasm_size(dist: &Path) -> Result<u64> {
    for entry in std::fs::read_dir(dist)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().ends_with(".wasm") {
            return Ok(entry.metadata()?.len());
        }
    }
    bail!("no .wasm in {}", dist.display())
}

async fn one_visit(
    webdriver: &str,
    chromium: &str,
    profile: &Path,
    url: &str,
    selector: &str,
) -> Result<Visit> {
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
        let time = |key: &str| found[key].as_f64().unwrap_or(f64::NAN);
        let visit = Visit {
            at: found["at"].as_f64().context("no time from the page")?,
            late: found["late"] == true,
            page: time("page"),
            wasm: time("wasm"),
        };
        Ok(visit)
    }
    .await;
    let _ = browser.close().await;
    result
}
