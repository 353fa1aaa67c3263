//! The Console Connect endpoints. Each handler extracts, checks the caller's rights, validates
//! the path, then lets the world act and answers with its view.

use crate::Simulator;
use crate::auth::Caller;
use crate::error::{Result, Segments, SimError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use models::upstream::{
    Connection, CreateConnectionBody, Peering, PeeringConfig, Port, ServiceKeyInfo, User,
    VerifyServiceKeyBody,
};
use models::{PeeringType, validate};
use serde::Serialize;

/// The `{"results": [...]}` envelope of list calls.
#[derive(Serialize)]
pub(crate) struct Results<T> {
    results: Vec<T>,
}

/// A connection id must be `^[0-9a-f]{24}$` before it is looked up.
fn connection_id(raw: &str) -> Result<()> {
    validate::object_id("connectionId", raw).map_err(|e| SimError::BadRequest(e.to_string()))
}

/// Exactly `PRIVATE`, `PUBLIC` or `MICROSOFT`: stricter than the shared parser, which also
/// takes lower case, so a client sending anything else is caught here.
fn peering_type(raw: &str) -> Result<PeeringType> {
    PeeringType::ALL
        .into_iter()
        .find(|t| t.as_wire() == raw)
        .ok_or_else(|| {
            SimError::BadRequest("peeringType must be one of PRIVATE, PUBLIC, MICROSOFT".to_owned())
        })
}

pub(crate) async fn who_am_i(State(sim): State<Simulator>, caller: Caller) -> Json<User> {
    Json(sim.world(|world, _| world.who_am_i(&caller.0)))
}

pub(crate) async fn list_ports(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments(company): Segments<String>,
) -> Result<Json<Results<Port>>> {
    caller.may_read(&company)?;
    let results = sim.world(|world, now| world.ports(&company, now));
    Ok(Json(Results { results }))
}

pub(crate) async fn list_connections(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments(company): Segments<String>,
) -> Result<Json<Results<Connection>>> {
    caller.may_read(&company)?;
    let results = sim.world(|world, now| world.connections(&company, now));
    Ok(Json(Results { results }))
}

pub(crate) async fn get_connection(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments((company, id)): Segments<(String, String)>,
) -> Result<Json<Connection>> {
    caller.may_read(&company)?;
    connection_id(&id)?;
    sim.world(|world, now| world.connection(&company, &id, now))
        .map(Json)
}

pub(crate) async fn delete_connection(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments((company, id)): Segments<(String, String)>,
) -> Result<Json<Connection>> {
    caller.may_write(&company)?;
    connection_id(&id)?;
    sim.world(|world, now| world.delete_connection(&company, &id, now))
        .map(Json)
}

pub(crate) async fn verify_service_key(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments(company): Segments<String>,
    body: Bytes,
) -> Result<Json<ServiceKeyInfo>> {
    caller.may_write(&company)?;
    let body: VerifyServiceKeyBody = parse_json(&body)?;
    sim.world(|world, now| world.verify_service_key(&company, &body.service_key, now))
        .map(Json)
}

pub(crate) async fn create_connection(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments(company): Segments<String>,
    body: Bytes,
) -> Result<Json<Connection>> {
    caller.may_write(&company)?;
    let body: CreateConnectionBody = parse_json(&body)?;
    sim.world(|world, now| world.create_connection(&company, &body, now))
        .map(Json)
}

pub(crate) async fn update_peering(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments((company, id, kind)): Segments<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Peering>> {
    caller.may_write(&company)?;
    connection_id(&id)?;
    let kind = peering_type(&kind)?;
    let config: PeeringConfig = parse_json(&body)?;
    sim.world(|world, now| world.update_peering(&company, &id, kind, config, now))
        .map(Json)
}

pub(crate) async fn read_peering(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments((company, id, kind)): Segments<(String, String, String)>,
) -> Result<Json<Peering>> {
    caller.may_read(&company)?;
    connection_id(&id)?;
    let kind = peering_type(&kind)?;
    sim.world(|world, now| world.read_peering(&company, &id, kind, now))
        .map(Json)
}

pub(crate) async fn delete_peering(
    State(sim): State<Simulator>,
    caller: Caller,
    Segments((company, id, kind)): Segments<(String, String, String)>,
) -> Result<Json<Connection>> {
    caller.may_write(&company)?;
    connection_id(&id)?;
    let kind = peering_type(&kind)?;
    sim.world(|world, now| world.delete_peering(&company, &id, kind, now))
        .map(Json)
}

/// Any path that is no endpoint.
pub(crate) async fn unknown_endpoint() -> SimError {
    SimError::NotFound("no Console Connect endpoint at this path".to_owned())
}
