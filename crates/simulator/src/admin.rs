//! The `/__sim/` control routes, for black-box tests and demos: the request log, faults, the
//! manual clock and the demo keys. They need no API key and are never logged or faulted.

use crate::demo::{API_KEYS, DemoKey, SERVICE_KEYS};
use crate::error::{Result, Segments, SimError, parse_json};
use crate::faults::fault_status;
use crate::{Fault, RecordedRequest, Route, Simulator};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub(crate) fn router() -> Router<Simulator> {
    Router::new()
        .route("/__sim/requests", get(list_requests).delete(clear_requests))
        .route("/__sim/faults", get(list_faults).delete(clear_faults))
        .route("/__sim/faults/{route}", put(set_fault))
        .route("/__sim/advance", post(advance))
        .route("/__sim/demo", get(demo_keys))
}

async fn list_requests(State(sim): State<Simulator>) -> Json<Vec<RecordedRequest>> {
    Json(sim.requests())
}

async fn clear_requests(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_requests();
    StatusCode::NO_CONTENT
}

#[derive(Serialize)]
struct FaultSet {
    route: Route,
    fault: Fault,
}

async fn set_fault(
    State(sim): State<Simulator>,
    Segments(route): Segments<Route>,
    body: Bytes,
) -> Result<Json<FaultSet>> {
    let fault: Fault = parse_json(&body)?;
    if let Some(code) = fault.status.filter(|c| fault_status(*c).is_none()) {
        return Err(SimError::BadRequest(format!(
            "status must be a final HTTP status from 200 to 599; got {code}"
        )));
    }
    sim.set_fault(route, fault.clone());
    Ok(Json(FaultSet { route, fault }))
}

async fn list_faults(State(sim): State<Simulator>) -> Json<Vec<FaultSet>> {
    Json(
        sim.faults()
            .into_iter()
            .map(|(route, fault)| FaultSet { route, fault })
            .collect(),
    )
}

async fn clear_faults(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_faults();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    ms: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Advanced {
    advanced_ms: u64,
    /// False on a real clock, which cannot be moved: nothing happened.
    manual_clock: bool,
}

async fn advance(State(sim): State<Simulator>, body: Bytes) -> Result<Json<Advanced>> {
    let Advance { ms } = parse_json(&body)?;
    let manual_clock = sim.advance_clock(Duration::from_millis(ms));
    Ok(Json(Advanced {
        advanced_ms: if manual_clock { ms } else { 0 },
        manual_clock,
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoKeys {
    api_keys: &'static [DemoKey],
    service_keys: &'static [DemoKey],
}

async fn demo_keys() -> Json<DemoKeys> {
    Json(DemoKeys {
        api_keys: API_KEYS,
        service_keys: SERVICE_KEYS,
    })
}
