//! The company's Azure ExpressRoute connections: list, read, create, delete.

use super::{Step, audited, delete_body, expected_base_shape, note};
use crate::audit::Intent;
use crate::error::{AppError, Result};
use crate::extract::{NoQuery, Partial, RequestMeta};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::under_way;
use crate::views::{
    connection_snapshot, connection_view, group_connections, is_azure_parent, is_connection_base,
    port_view,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use console_connect::{ApiKey, CompanyUsername, ConsoleConnect, ObjectId};
use models::api::{
    AuditAction, ConnectionView, CreateConnectionRequest, CreateConnectionResponse, DeleteRequest,
};
use models::upstream::{Connection, CreateConnectionBody, SrcPort, sole_port_reason};
use models::{FieldError, mask_secret, validate};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/connections",
            get(list_connections).post(create_connection),
        )
        .route(
            "/connections/{id}",
            get(read_connection).delete(delete_connection),
        )
}

/// A connection id from the path; nothing else reaches an upstream URL.
pub fn connection_id(raw: &str) -> Result<ObjectId> {
    ObjectId::parse(raw).map_err(|_| {
        AppError::BadRequest(
            "A connection id is exactly 24 lowercase hexadecimal characters.".into(),
        )
    })
}

/// The Azure parent with this id (a leg or another kind of connection is a 404).
pub async fn load_parent(
    state: &AppState,
    signed_in: &SignedIn,
    id: &ObjectId,
) -> Result<Connection> {
    let company = signed_in.company()?;
    let parent = state
        .upstream
        .get_connection(&signed_in.api_key, &company, id)
        .await
        .map_err(|e| match e {
            console_connect::Error::Status { status: 404, .. } => AppError::NotFound(format!(
                "Console Connect has no connection {id} in the selected company: it may have been \
                 deleted, or belong to another company."
            )),
            e => AppError::from_upstream(&e, &[]),
        })?;
    if !is_azure_parent(&parent) {
        return Err(AppError::NotFound(not_an_azure_parent(id, &parent)));
    }
    Ok(parent)
}

/// The connection that `c`, connection `id` as Console Connect has it, is a leg of, if it is
/// one.
fn parent_of<'c>(id: &ObjectId, c: &'c Connection) -> Option<&'c str> {
    c.parent_id
        .as_deref()
        .filter(|p| ObjectId::parse(p).is_ok() && *p != id.as_str())
}

/// How long a read only to say more about an empty answer may take: past it, the answer goes
/// as it is.
const LEG_LOOKUP: std::time::Duration = std::time::Duration::from_secs(5);

/// The connection that connection `id` is a leg of, as Console Connect says within a moment;
/// `None` when it is not a leg, or Console Connect could not say.
pub async fn parent_of_leg(state: &AppState, signed_in: &SignedIn, id: &str) -> Option<String> {
    let id = ObjectId::parse(id).ok()?;
    let company = signed_in.company().ok()?;
    let read = state
        .upstream
        .get_connection(&signed_in.api_key, &company, &id);
    let c = tokio::time::timeout(LEG_LOOKUP, read).await.ok()?.ok()?;
    if is_azure_parent(&c) {
        return None;
    }
    parent_of(&id, &c).map(str::to_owned)
}

/// Why `c`, connection `id` as Console Connect has it, is not shown as an Azure connection: a
/// leg names the connection it belongs to (the one to open instead, which shows both legs).
fn not_an_azure_parent(id: &ObjectId, c: &Connection) -> String {
    match parent_of(id, c) {
        Some(parent) => format!(
            "Connection {id} is a leg of connection {parent}: open {parent}, which shows both \
             legs and its peerings."
        ),
        None => format!(
            "Connection {id} is not an Azure ExpressRoute connection: this portal shows only \
             the GROUP_LAYER2 connections Console Connect makes for an Azure service key."
        ),
    }
}

/// The Azure parent with this id, and its view with both legs.
pub async fn load_connection(
    state: &AppState,
    signed_in: &SignedIn,
    id: &ObjectId,
) -> Result<(Connection, ConnectionView)> {
    let company = signed_in.company()?;
    let parent = load_parent(state, signed_in, id).await?;
    let legs = read_legs(
        state.upstream.as_ref(),
        &signed_in.api_key,
        &company,
        leg_ids(&parent),
    )
    .await;
    let view = connection_view(&parent, &legs);
    Ok((parent, view))
}

/// How long the answer to an order or a delete waits for the connection's legs to be read.
const LEGS_AFTER_CHANGE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The legs of `parent` as Console Connect has them just after an order or a delete of it, so
/// that the answer and the history show them as they are then: Console Connect answers with
/// the parent alone. `known` are their ids when that answer names none. The change is made: a
/// slow read must not hold back its answer and outcome, so past a short wait the legs are left
/// out.
async fn legs_after_change(
    upstream: &dyn ConsoleConnect,
    api_key: &ApiKey,
    company: &CompanyUsername,
    parent: &Connection,
    known: Vec<String>,
) -> Vec<Connection> {
    let ids = match leg_ids(parent) {
        named if named.is_empty() => known,
        named => named,
    };
    let read = read_legs(upstream, api_key, company, ids);
    tokio::time::timeout(LEGS_AFTER_CHANGE_WAIT, read)
        .await
        .unwrap_or_default()
}

/// The ids of the parent's two legs, as it names them.
fn leg_ids(parent: &Connection) -> Vec<String> {
    parent
        .subconnection_ids
        .iter()
        .flat_map(|s| s.primary.iter().chain(&s.secondary))
        .cloned()
        .collect()
}

/// The legs with these ids, read at once; one that cannot be read is left out.
async fn read_legs(
    upstream: &dyn ConsoleConnect,
    api_key: &ApiKey,
    company: &CompanyUsername,
    ids: Vec<String>,
) -> Vec<Connection> {
    let ids: Vec<ObjectId> = ids
        .iter()
        .filter_map(|raw| ObjectId::parse(raw).ok())
        .collect();
    futures::future::join_all(
        ids.iter()
            .map(|leg| upstream.get_connection(api_key, company, leg)),
    )
    .await
    .into_iter()
    .filter_map(|r| r.ok())
    .collect()
}

async fn list_connections(
    _: NoQuery,
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<ConnectionView>>> {
    let company = signed_in.company()?;
    let all = state
        .upstream
        .list_connections(&signed_in.api_key, &company)
        .await
        .map_err(|e| AppError::from_upstream(&e, &[]))?;
    Ok(Json(group_connections(&all)))
}

async fn read_connection(
    _: NoQuery,
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<ConnectionView>> {
    let id = connection_id(&id)?;
    let (_, view) = load_connection(&state, &signed_in, &id).await?;
    Ok(Json(view))
}

/// Checks a create request against Console Connect: the key verifies, the speed fits the
/// circuit, the ports are the company's and usable for the speed.
/// What Console Connect says about the key and the company's ports, checked against the order
/// before it is placed: a step that ends the order when something does not fit.
async fn check_create<T>(
    upstream: &dyn ConsoleConnect,
    api_key: &ApiKey,
    company: &CompanyUsername,
    req: &CreateConnectionRequest,
) -> std::result::Result<(), Step<T>> {
    let key = req.service_key.trim();
    let (info, ports) = futures::join!(
        upstream.verify_service_key(api_key, company, key),
        upstream.list_ports(api_key, company)
    );
    let info = info.map_err(|e| {
        let mut step = Step::failed(&e, &[key]);
        if let Err(AppError::UpstreamRejected(message)) = &step.result {
            step.result = Err(AppError::Validation(vec![FieldError {
                field: "serviceKey".into(),
                message: message.clone(),
            }]));
        }
        step
    })?;
    let ports = ports.map_err(|e| Step::failed(&e, &[]))?;
    let mut errors = Vec::new();
    if let Err(e) = validate::speed(req.speed_mbps, info.bandwidth_mbps) {
        errors.push(e.into());
    }
    // From one port, both legs leave from it: it needs room for both.
    let alone = req.port_ids.len() == 1;
    for id in &req.port_ids {
        let problem = match ports.iter().find(|p| &p.id == id) {
            None => Some(format!("portIds: {id} is not one of the company's ports")),
            Some(p) => {
                let remaining = p.capacity.map_or(0, |c| c.remaining);
                alone
                    .then(|| {
                        sole_port_reason(&p.status, p.single_service, remaining, req.speed_mbps)
                    })
                    .flatten()
                    .or_else(|| port_view(p, Some(req.speed_mbps)).unusable_reason)
                    .map(|r| format!("portIds: {} cannot be used: {r}", p.name))
            }
        };
        if let Some(message) = problem {
            errors.push(FieldError {
                field: "portIds".into(),
                message,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Step::refused(AppError::Validation(errors)))
    }
}

async fn create_connection(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
    body: Partial<CreateConnectionRequest>,
) -> Result<(StatusCode, Json<CreateConnectionResponse>)> {
    let company = signed_in.company()?;
    let req = body.checked(|req| validate::create_connection(req).map_err(AppError::Validation))?;
    let service_key = req.service_key.trim().to_owned();
    let turn = under_way::take_order_turn(&state, &service_key).await;
    // Signed out while it waited: nothing more of it is done.
    signed_in.still_stands(&state).await?;
    let body = CreateConnectionBody {
        azure_service_key: service_key.clone(),
        // As a keyboard types it: one name looks the same however it was pasted.
        name: validate::composed(req.name.trim()),
        src_port: req
            .port_ids
            .iter()
            .map(|id| SrcPort {
                port_id: id.clone(),
            })
            .collect(),
        speed: req.speed_mbps,
        payment_type: req.payment_type.as_wire().to_owned(),
        class_of_service: req
            .class_of_service
            .as_ref()
            .map(|c| c.as_wire().to_owned()),
    };
    let mut intent = Intent::new(AuditAction::CreateConnection, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(company.to_string());
    (intent.reason, intent.ticket) =
        note(req.reason.as_deref().unwrap_or(""), req.ticket.as_deref());
    let mut redacted = serde_json::to_value(&body).unwrap_or_default();
    redacted["azureServiceKey"] = json!(mask_secret(&service_key));
    intent.request = Some(redacted);
    let upstream = state.upstream.clone();
    let api_key = signed_in.api_key.clone();
    let view = audited(&state, intent, move || async move {
        let _turn = match turn {
            Ok(turn) => turn,
            Err(busy) => return Step::refused(busy),
        };
        // The key and the ports are checked once the order is recorded, so an order Console
        // Connect refuses at this point (a key already used, no rights) is in the history too.
        if let Err(step) = check_create(upstream.as_ref(), &api_key, &company, &req).await {
            return step;
        }
        match upstream.create_connection(&api_key, &company, &body).await {
            Ok(parent) => {
                let legs =
                    legs_after_change(upstream.as_ref(), &api_key, &company, &parent, vec![]).await;
                let view = connection_view(&parent, &legs);
                let mut step = Step::succeeded(view.clone(), Some(connection_snapshot(&view)));
                step.outcome.connection_id = Some(view.id.clone());
                step
            }
            Err(e) => {
                let mut step = Step::change_failed(&e, &[&service_key]);
                if let Err(AppError::UpstreamRejected(message)) = &step.result
                    && let Some(field) = order_field(message)
                {
                    step.result = Err(AppError::Validation(vec![field]));
                }
                step
            }
        }
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreateConnectionResponse {
            id: view.id.clone(),
            connection: view,
        }),
    ))
}

/// A refusal of the create call that begins with the name of one of its fields (as a key
/// taken by an order placed meanwhile is refused), said under the portal's name for that field.
fn order_field(message: &str) -> Option<FieldError> {
    const FIELDS: [(&str, &str); 6] = [
        ("azureServiceKey", "serviceKey"),
        ("srcPort", "portIds"),
        ("speed", "speedMbps"),
        ("name", "name"),
        ("paymentType", "paymentType"),
        ("classOfService", "classOfService"),
    ];
    let (wire, ours) = FIELDS.iter().find(|(wire, _)| {
        message
            .strip_prefix(wire)
            .is_some_and(|rest| rest.starts_with(' '))
    })?;
    Some(FieldError {
        field: (*ours).to_owned(),
        message: format!("{ours}{}", &message[wire.len()..]),
    })
}

async fn delete_connection(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
    Path(id): Path<String>,
    body: Partial<DeleteRequest>,
) -> Result<(StatusCode, Json<ConnectionView>)> {
    let id = connection_id(&id)?;
    let req = body.checked(|req| {
        let base = expected_base_shape(
            req.expected_base.as_deref(),
            is_connection_base,
            "connection",
            "3f2a9c0d41b7e85a6c19d204",
        )
        .and_then(|()| {
            // A base has the shape of an id: the one most easily sent by mistake is told apart.
            if req.expected_base.as_deref() == Some(id.as_str()) {
                Err(AppError::Validation(vec![FieldError {
                    field: "expectedBase".into(),
                    message: "expectedBase is the connection's id; send the `base` a read of \
                              the connection gave, or leave it out"
                        .into(),
                }]))
            } else {
                Ok(())
            }
        });
        delete_body(req, base)
    })?;
    let turn = under_way::take_turn(&state, id.as_str()).await;
    // Signed out while it waited: nothing more of it is done.
    signed_in.still_stands(&state).await?;
    let (_, before) = load_connection(&state, &signed_in, &id).await?;
    validate::confirmation(&req.confirm_name, &before.name).map_err(AppError::validation)?;
    // Refused once recorded, as a second delete of the same connection is a change refused.
    let gone = before
        .status
        .is_gone()
        .then(|| format!("This connection is {}.", before.status.gone_words()));
    let company = signed_in.company()?;
    let mut intent = Intent::new(AuditAction::DeleteConnection, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(company.to_string());
    intent.connection_id = Some(id.to_string());
    (intent.reason, intent.ticket) = note(&req.reason, req.ticket.as_deref());
    intent.before = Some(connection_snapshot(&before));
    let stale = req
        .expected_base
        .as_ref()
        .is_some_and(|expected| *expected != before.base);
    let upstream = state.upstream.clone();
    let api_key = signed_in.api_key.clone();
    let before_legs: Vec<String> = before.legs.iter().map(|l| l.id.clone()).collect();
    let view = audited(&state, intent, move || async move {
        let _turn = match turn {
            Ok(turn) => turn,
            Err(busy) => return Step::refused(busy),
        };
        if let Some(gone) = gone {
            return Step::refused(AppError::Conflict(gone));
        }
        if stale {
            return Step::refused(AppError::ChangedSinceRead(
                "The connection was changed after you opened it (its name, speed or peerings), \
                 so it was not deleted. Look at what it has now before deleting it."
                    .into(),
            ));
        }
        match upstream.delete_connection(&api_key, &company, &id).await {
            Ok(parent) => {
                let legs =
                    legs_after_change(upstream.as_ref(), &api_key, &company, &parent, before_legs)
                        .await;
                let view = connection_view(&parent, &legs);
                let after = connection_snapshot(&view);
                Step::succeeded(view, Some(after))
            }
            Err(e) => Step::change_failed(&e, &[]),
        }
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

#[cfg(test)]
mod tests {
    use super::order_field;

    #[test]
    fn a_refusal_naming_an_order_field_is_said_under_the_portals_name() {
        let taken = order_field(
            "azureServiceKey is already used by connection \"Race 0\"; use another circuit's key",
        )
        .expect("a field");
        assert_eq!(taken.field, "serviceKey");
        assert_eq!(
            taken.message,
            "serviceKey is already used by connection \"Race 0\"; use another circuit's key"
        );
        let port = order_field("srcPort 0123 (London 1): not ACTIVE").expect("a field");
        assert_eq!(
            (port.field.as_str(), port.message.as_str()),
            ("portIds", "portIds 0123 (London 1): not ACTIVE")
        );
        assert_eq!(
            order_field("speed must be 50 or more").unwrap().field,
            "speedMbps"
        );
        // Anything else stays Console Connect's own refusal.
        for other in [
            "speedy refusal",
            "Refused",
            "",
            "nameless",
            "azureServiceKey",
        ] {
            assert!(order_field(other).is_none(), "{other}");
        }
    }
}
