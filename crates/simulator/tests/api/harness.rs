//! The test harness: a sandbox simulator, a small HTTP client for it, and the demo data's names.

use reqwest::Method;
use serde_json::{Value, json};
use simulator::demo::{API_KEYS, SERVICE_KEYS};
use simulator::{Clock, Config, Delays, ManualClock, RunningSimulator, Simulator};
use std::time::Duration;

/// The demo API key whose description starts with `who` ("Ada", "Grace", "Linus").
pub fn api_key(who: &str) -> &'static str {
    API_KEYS
        .iter()
        .find(|k| k.description.starts_with(who))
        .map(|k| k.key)
        .unwrap()
}

/// The demo service key whose description contains `what`.
pub fn service_key(what: &str) -> &'static str {
    SERVICE_KEYS
        .iter()
        .find(|k| k.description.contains(what))
        .map(|k| k.key)
        .unwrap()
}

pub fn ada() -> &'static str {
    api_key("Ada")
}

pub const LONDON_1G: &str = "1000 Mbps at London";
pub const AMSTERDAM_200M: &str = "200 Mbps at Amsterdam";
pub const LONDON_10G: &str = "10000 Mbps at London";
pub const USED: &str = "Already used";

/// A path under the Azure ExpressRoute endpoints of `company`.
pub fn azure(company: &str, suffix: &str) -> String {
    format!("/api/company/{company}/connections/directConnectPartner/AZURE/layer2{suffix}")
}

pub fn peering_path(company: &str, id: &str, kind: &str) -> String {
    azure(company, &format!("/{id}/peering/{kind}"))
}

/// One answer: status, raw text, the JSON it holds (`Null` when not JSON) and content type.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub json: Value,
    pub content_type: String,
}

impl Reply {
    /// The error message of a JSON error body.
    pub fn message(&self) -> &str {
        self.json["message"].as_str().unwrap_or_default()
    }
}

pub struct Sandbox {
    pub sim: Simulator,
    pub base_url: String,
    pub http: reqwest::Client,
    _running: RunningSimulator,
}

/// A fresh simulator with realistic delays and a manual clock.
pub async fn sandbox() -> Sandbox {
    let sim = Simulator::new(Config {
        delays: Delays::realistic(),
        clock: Clock::Manual(ManualClock::new()),
    });
    let running = sim.clone().spawn_on_loopback().await.unwrap();
    Sandbox {
        sim,
        base_url: running.base_url.clone(),
        http: reqwest::Client::new(),
        _running: running,
    }
}

impl Sandbox {
    pub async fn call(
        &self,
        method: Method,
        key: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_reply(request.send().await.unwrap()).await
    }

    pub async fn get(&self, key: &str, path: &str) -> Reply {
        self.call(Method::GET, Some(key), path, None).await
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> Reply {
        self.call(Method::POST, Some(key), path, Some(body)).await
    }

    pub async fn put(&self, key: &str, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, Some(key), path, Some(body)).await
    }

    pub async fn delete(&self, key: &str, path: &str) -> Reply {
        self.call(Method::DELETE, Some(key), path, None).await
    }

    pub fn advance_secs(&self, secs: u64) {
        self.sim.advance(Duration::from_secs(secs));
    }

    /// The id of the port named `name` of `company`, as Ada sees it.
    pub async fn port_id(&self, company: &str, name: &str) -> String {
        let ports = self
            .get(
                ada(),
                &format!("/api/company/{company}/ports?deleted=false"),
            )
            .await;
        let port = ports.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name);
        port.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// A port of acme as listed now.
    pub async fn acme_port(&self, name: &str) -> Value {
        let ports = self.get(ada(), "/api/company/acme/ports").await;
        ports.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    }

    pub async fn connection(&self, company: &str, id: &str) -> Reply {
        self.get(ada(), &format!("/api/company/{company}/connections/{id}"))
            .await
    }

    pub async fn connection_count(&self, company: &str) -> usize {
        let list = self
            .get(ada(), &format!("/api/company/{company}/connections"))
            .await;
        list.json["results"].as_array().unwrap().len()
    }

    /// The seeded ACTIVE Azure connection of acme.
    pub async fn production_id(&self) -> String {
        let list = self.get(ada(), "/api/company/acme/connections").await;
        let all = list.json["results"].as_array().unwrap();
        let parent = all
            .iter()
            .find(|c| c["name"] == "Azure London Production")
            .unwrap();
        parent["id"].as_str().unwrap().to_owned()
    }

    /// Creates an Azure connection of acme on both London ports; returns the answer.
    pub async fn create_london(&self, name: &str, key: &str, speed: u64) -> Reply {
        let ports = [
            self.port_id("acme", "Acme London LD8 1").await,
            self.port_id("acme", "Acme London LD8 2").await,
        ];
        self.put(
            ada(),
            &azure("acme", "/create"),
            create_body(name, key, &ports, speed),
        )
        .await
    }

    /// Creates a London connection and advances the clock until it is ACTIVE; returns its id.
    pub async fn active_connection(&self) -> String {
        let created = self
            .create_london("Azure Test", service_key(LONDON_1G), 1000)
            .await;
        assert_eq!(created.status, 200, "{}", created.text);
        self.advance_secs(8);
        created.json["id"].as_str().unwrap().to_owned()
    }
}

pub fn create_body(name: &str, key: &str, ports: &[String], speed: u64) -> Value {
    let src_port: Vec<Value> = ports.iter().map(|p| json!({"portId": p})).collect();
    json!({
        "azureServiceKey": key,
        "name": name,
        "srcPort": src_port,
        "speed": speed,
        "paymentType": "payg",
    })
}

pub fn private_peering() -> Value {
    json!({
        "peerASN": 65020,
        "primaryPeerSubnet": "10.20.0.0/30",
        "secondaryPeerSubnet": "10.20.0.4/30",
        "vlanId": 200,
        "sharedKey": "s3cretKey42",
    })
}

pub async fn into_reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        text,
        json,
        content_type,
    }
}
