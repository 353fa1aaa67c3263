//! The system under test, started from the built binaries: the Console Connect simulator, the
//! portal on a data directory, nginx as the plain reverse-proxy anchor; and signing in as Ada.

use crate::procs::{Proc, free_port, status_bytes};
use anyhow::{Context, Result, bail, ensure};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The sandbox key of Ada Lovelace, who sees the companies acme and globex.
pub const DEMO_KEY: &str = "sandbox-ada-3f9c1e7a52b84d06";
pub const COMPANY: &str = "acme";
/// The seeded ACTIVE connection with a PRIVATE peering.
const CONNECTION_NAME: &str = "Azure London Production";

/// Where the built programs are.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub portal: PathBuf,
    pub simulator: PathBuf,
    pub nginx: PathBuf,
    pub wrk: PathBuf,
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

/// A client for the benchmark's own requests: no pooling limits, no decompression.
pub fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_gzip()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// Polls `url` until it answers 200; the time from `started` to that answer.
pub async fn wait_ok(
    client: &reqwest::Client,
    url: &str,
    started: Instant,
    proc: &mut Proc,
) -> Result<Duration> {
    let deadline = started + Duration::from_secs(60);
    loop {
        if let Ok(res) = client.get(url).send().await
            && res.status().is_success()
        {
            return Ok(started.elapsed());
        }
        proc.check_running()?;
        if Instant::now() > deadline {
            bail!("{url} did not answer 200 within a minute");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The simulator with instant delays.
#[derive(Debug)]
pub struct Simulator {
    /// Stopped when this is dropped.
    _proc: Proc,
    pub url: String,
}

impl Simulator {
    pub async fn start(bins: &Binaries, logs: &Path) -> Result<Self> {
        let port = free_port()?;
        let mut proc = Proc::spawn(
            "simulator",
            Command::new(&bins.simulator)
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--delays", "instant"])
                .env("RUST_LOG", "warn"),
            logs,
        )?;
        let url = format!("http://127.0.0.1:{port}");
        // Any answer means it listens; the token route answers 401 without a key.
        let client = http_client()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while client
            .get(format!("{url}/api/auth/token"))
            .send()
            .await
            .is_err()
        {
            proc.check_running()?;
            ensure!(Instant::now() < deadline, "the simulator did not start");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Simulator { _proc: proc, url })
    }

    /// The upstream path of a connection's PRIVATE peering.
    pub fn peering_url(&self, connection: &str) -> String {
        format!(
            "{}/api/company/{COMPANY}/connections/directConnectPartner/AZURE/layer2/{connection}/peering/PRIVATE",
            self.url
        )
    }
}

/// A running portal.
#[derive(Debug)]
pub struct Portal {
    pub proc: Proc,
    pub url: String,
    pub data_dir: PathBuf,
    /// From process start to `/readyz` answering 200.
    pub ready_after: Duration,
}

impl Portal {
    /// Starts the portal on `data_dir` against `upstream`, serving `static_dir`, and waits
    /// for `/readyz`.
    pub async fn start(
        bins: &Binaries,
        upstream: &str,
        data_dir: &Path,
        static_dir: &Path,
        logs: &Path,
    ) -> Result<Self> {
        Self::start_with(bins, upstream, data_dir, static_dir, logs, &[]).await
    }

    /// [`Portal::start`] with more `portal serve` flags.
    pub async fn start_with(
        bins: &Binaries,
        upstream: &str,
        data_dir: &Path,
        static_dir: &Path,
        logs: &Path,
        extra: &[&str],
    ) -> Result<Self> {
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let client = http_client()?;
        let started = Instant::now();
        let mut proc = Proc::spawn(
            "portal",
            Command::new(&bins.portal)
                .arg("serve")
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(["--upstream-url", upstream])
                .arg("--data-dir")
                .arg(data_dir)
                .arg("--static-dir")
                .arg(static_dir)
                .args(extra),
            logs,
        )?;
        let ready_after = wait_ok(&client, &format!("{url}/readyz"), started, &mut proc).await?;
        Ok(Portal {
            proc,
            url,
            data_dir: data_dir.to_owned(),
            ready_after,
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("portal.db")
    }

    pub fn rss(&self) -> Result<u64> {
        status_bytes(self.proc.pid(), "VmRSS")
    }

    pub fn peak_rss(&self) -> Result<u64> {
        status_bytes(self.proc.pid(), "VmHWM")
    }

    pub fn peering_url(&self, connection: &str) -> String {
        format!("{}/api/connections/{connection}/peering/PRIVATE", self.url)
    }
}

/// Ada, signed in with acme chosen.
#[derive(Debug, Clone)]
pub struct Session {
    /// `name=value`, for a `Cookie` header.
    pub cookie: String,
    pub user_id: String,
    pub companies: Vec<String>,
}

impl Session {
    pub async fn sign_in(client: &reqwest::Client, portal: &Portal) -> Result<Self> {
        let res = client
            .post(format!("{}/api/session", portal.url))
            .json(&json!({ "apiKey": DEMO_KEY }))
            .send()
            .await?;
        ensure!(res.status().is_success(), "sign-in: {}", res.status());
        let cookie = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("portal_session="))
            .and_then(|v| v.split(';').next())
            .context("sign-in set no portal_session cookie")?
            .to_owned();
        let view: Value = res.json().await?;
        let user_id = view["user"]["id"]
            .as_str()
            .context("no user id in the session")?
            .to_owned();
        let companies = view["companies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["username"].as_str().map(str::to_owned))
            .collect();
        let res = client
            .put(format!("{}/api/session/company", portal.url))
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, "application/json")
            .body(json!({ "company": COMPANY }).to_string())
            .send()
            .await?;
        ensure!(res.status().is_success(), "choosing acme: {}", res.status());
        Ok(Session {
            cookie,
            user_id,
            companies,
        })
    }

    /// The id of "Azure London Production".
    pub async fn connection_id(&self, client: &reqwest::Client, portal: &Portal) -> Result<String> {
        let list: Value = client
            .get(format!("{}/api/connections", portal.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        list.as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == CONNECTION_NAME)
            .and_then(|c| c["id"].as_str())
            .map(str::to_owned)
            .with_context(|| format!("no connection named {CONNECTION_NAME}"))
    }

    /// The ids of the company's ACTIVE Azure connections, first ordering one from each of the
    /// simulator's unused service keys of the company (all from its two London ports, at
    /// 50 Mbps) while there are fewer than `want`. A portal makes the changes to one
    /// connection one at a time, so a load of concurrent changes is spread over several.
    pub async fn change_targets(
        &self,
        client: &reqwest::Client,
        portal: &Portal,
        sim: &Simulator,
        want: usize,
    ) -> Result<Vec<String>> {
        let active = |list: &Value| -> Vec<String> {
            list.as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["status"] == "ACTIVE")
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        };
        let mut ids = active(
            &self
                .get(client, &format!("{}/api/connections", portal.url))
                .await?,
        );
        if ids.len() >= want {
            return Ok(ids);
        }
        let demo: Value = client
            .get(format!("{}/__sim/demo", sim.url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let ports: Vec<String> = self
            .get(client, &format!("{}/api/ports?speed=50", portal.url))
            .await?
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| {
                p["usable"] == true && p["name"].as_str().is_some_and(|n| n.contains("London"))
            })
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect();
        ensure!(
            ports.len() == 2,
            "two usable London ports at 50 Mbps: {ports:?}"
        );
        let keys = demo["serviceKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| {
                k["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(&format!("{COMPANY}-er-")) && d.contains("unused"))
            })
            .filter_map(|k| k["key"].as_str());
        for (n, key) in keys.enumerate().take(want - ids.len()) {
            let res = client
                .post(format!("{}/api/connections", portal.url))
                .header(COOKIE, &self.cookie)
                .header(CONTENT_TYPE, "application/json")
                .body(
                    json!({
                        "serviceKey": key,
                        "name": format!("Benchmark {}", n + 1),
                        "portIds": ports,
                        "speedMbps": 50,
                        "paymentType": "invoice",
                        "reason": "Benchmark: a connection to change",
                    })
                    .to_string(),
                )
                .send()
                .await?;
            // Another run on this simulator ordered it already.
            if res.status() == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
                continue;
            }
            ensure!(
                res.status().is_success(),
                "ordering a connection: {}",
                res.status()
            );
        }
        // The simulator's instant delays make them ACTIVE at once.
        ids = active(
            &self
                .get(client, &format!("{}/api/connections", portal.url))
                .await?,
        );
        Ok(ids)
    }

    async fn get(&self, client: &reqwest::Client, url: &str) -> Result<Value> {
        Ok(client
            .get(url)
            .header(COOKIE, &self.cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    pub fn cookie_header(&self) -> String {
        format!("Cookie: {}", self.cookie)
    }
}

/// nginx as a plain reverse proxy with a keepalive upstream, the read path's anchor.
#[derive(Debug)]
pub struct Nginx {
    /// Stopped (with its workers) when this is dropped.
    _proc: Proc,
    pub url: String,
}

impl Nginx {
    pub async fn start(bins: &Binaries, upstream: &str, dir: &Path, logs: &Path) -> Result<Self> {
        let port = free_port()?;
        let upstream_addr = upstream
            .strip_prefix("http://")
            .context("the upstream is not http://")?;
        std::fs::create_dir_all(dir.join("logs"))?;
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, nginx_conf(port, upstream_addr, dir))?;
        let mut proc = Proc::spawn(
            "nginx",
            Command::new(&bins.nginx)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&conf),
            logs,
        )?;
        let url = format!("http://127.0.0.1:{port}");
        let client = http_client()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while client
            .get(format!("{url}/api/auth/token"))
            .send()
            .await
            .is_err()
        {
            proc.check_running()?;
            ensure!(Instant::now() < deadline, "nginx did not start");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Nginx { _proc: proc, url })
    }
}

fn nginx_conf(port: u16, upstream: &str, dir: &Path) -> String {
    let dir = dir.display();
    format!(
        "daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream simulator {{
        server {upstream};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://simulator;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }}
    }}
}}
"
    )
}
