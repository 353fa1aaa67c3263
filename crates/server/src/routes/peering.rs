//! BGP peering of an Azure connection, for each of PRIVATE, PUBLIC and MICROSOFT: read,
//! preview a change, change, delete, and the customer routers' configuration for it.

use super::connections::{connection_id, load_parent};
use super::{Step, all_of, audited, delete_body, expected_base_shape, note};
use crate::audit::Intent;
use crate::error::{AppError, Result};
use crate::extract::{AppQuery, NoQuery, Partial, RequestMeta, with_route_refusals};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::under_way;
use crate::views::{
    is_peering_base, peering_base, peering_snapshot, peering_view, request_snapshot,
};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use console_connect::ObjectId;
use models::api::{
    AuditAction, DeleteRequest, PeeringChangeRequest, PeeringView, PreviewResponse,
    RouterConfigView,
};
use models::diff::diff;
use models::router::{self, Vendor};
use models::upstream::{Connection, Peering, PeeringConfig};
use models::validate::{self, OtherPeering};
use models::{ConnectionStatus, FieldError, PeeringType};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/connections/{id}/peering/{peering_type}",
            get(read_peering)
                .post(update_peering)
                .delete(delete_peering),
        )
        .route(
            "/connections/{id}/peering/{peering_type}/preview",
            post(preview_peering),
        )
        .route(
            "/connections/{id}/peering/{peering_type}/router-config",
            get(router_config),
        )
}

fn parse_path(id: &str, peering_type: &str) -> Result<(ObjectId, PeeringType)> {
    let id = connection_id(id)?;
    let t = peering_type.parse::<PeeringType>().map_err(|_| {
        // What was given is said back only when plainly a word, as nothing pasted is.
        AppError::BadRequest(format!(
            "The peering type in the address must be PRIVATE, PUBLIC or MICROSOFT, in any \
             case{}.",
            if crate::extract::plain_name(peering_type) {
                format!("; got {peering_type}")
            } else {
                String::new()
            }
        ))
    })?;
    Ok((id, t))
}

/// Said the same whether the connection has no such peering or is not in the selected company:
/// Console Connect answers both alike.
fn not_configured(id: &ObjectId, t: PeeringType) -> AppError {
    AppError::NotFound(format!(
        "Console Connect has no {} peering on connection {id} in the selected company.",
        t.label()
    ))
}

/// The current peering of type `t` and the other two types' VLANs and subnets. The others
/// come from the parent's `partner.peering` list; one listed without its VLAN or subnets is
/// read on its own.
async fn current_and_others(
    state: &AppState,
    signed_in: &SignedIn,
    parent: &Connection,
    id: &ObjectId,
    t: PeeringType,
) -> Result<(Option<Peering>, Vec<OtherPeering>)> {
    let company = signed_in.company()?;
    let listed = parent
        .partner
        .as_ref()
        .map(|p| p.peerings())
        .unwrap_or_default();
    let mut others = Vec::new();
    let mut to_read = vec![t];
    for other in PeeringType::ALL.into_iter().filter(|pt| *pt != t) {
        if let Some(p) = listed.iter().find(|p| p.peering_type == Some(other)) {
            let whole = p.vlan_id.is_some()
                && p.primary_peer_subnet.is_some()
                && p.secondary_peer_subnet.is_some();
            if whole {
                others.push(OtherPeering::of(other, p));
            } else {
                to_read.push(other);
            }
        }
    }
    let reads = to_read.into_iter().map(|pt| {
        let upstream = state.upstream.clone();
        let (key, company, id) = (signed_in.api_key.clone(), company.clone(), id.clone());
        async move { (pt, upstream.read_peering(&key, &company, &id, pt).await) }
    });
    let mut current = None;
    for (pt, read) in futures::future::join_all(reads).await {
        let peering = read.map_err(|e| AppError::from_upstream(&e, &[]))?;
        if pt == t {
            current = peering;
        } else if let Some(p) = peering {
            others.push(OtherPeering::of(pt, &p));
        }
    }
    Ok((current, others))
}

/// The proposed config, trimmed, with the current shared key kept when asked (a new one given
/// beside that ask is refused by [`shared_key_choice`] first: which of the two was meant cannot
/// be told).
fn proposed(req: &PeeringChangeRequest, current: Option<&Peering>) -> PeeringConfig {
    let mut config = req.config.clone().normalized();
    // The advertised prefixes are a set: the current ones in another order are no change, and
    // keep their order.
    let current_prefixes = current.and_then(|p| p.config().advertised_public_prefixes);
    if let (Some(new), Some(old)) = (&config.advertised_public_prefixes, &current_prefixes) {
        let sorted = |ps: &[String]| {
            let mut ps: Vec<String> = ps.iter().map(|p| validate::canonical_prefix(p)).collect();
            ps.sort();
            ps
        };
        if sorted(new) == sorted(old) {
            config.advertised_public_prefixes = Some(old.clone());
        }
    }
    if req.keep_shared_key {
        config.shared_key = current
            .and_then(|p| p.shared_key.clone())
            .filter(|k| !k.is_empty());
    }
    config
}

/// `config` as its rules check it: a shared key kept is the one Console Connect already has,
/// which nobody typed here and nobody can see, so it is not held to the rule for a new key (a
/// key set elsewhere that the rule would refuse must not refuse every change made beside it).
fn as_checked(req: &PeeringChangeRequest, config: &PeeringConfig) -> PeeringConfig {
    let mut checked = config.clone();
    if req.keep_shared_key {
        checked.shared_key = None;
    }
    checked
}

/// A shared key typed beside the ask to keep the current one is refused.
fn shared_key_choice(req: &PeeringChangeRequest) -> Result<()> {
    validate::shared_key_choice(&req.config, req.keep_shared_key).map_err(AppError::validation)
}

fn snapshot(state: &AppState, p: Option<&Peering>) -> Value {
    p.map(|p| peering_snapshot(&state.crypto, &p.config()))
        .unwrap_or(Value::Null)
}

/// A change's `expectedBase`, if any, shaped like a peering's base.
fn expected_peering_base(base: Option<&str>) -> Result<()> {
    expected_base_shape(
        base,
        is_peering_base,
        "peering",
        "hmac-sha256:07dc58645aed174c",
    )
}

/// Whether the request was based on other settings than `before` (the current ones).
fn stale(state: &AppState, expected_base: Option<&String>, before: &Value) -> bool {
    expected_base.is_some_and(|expected| *expected != peering_base(&state.crypto, before))
}

/// The `t` peering as configured now, as shown (the shared key only as set or not); 404 when
/// none is.
async fn configured_peering(
    state: &AppState,
    signed_in: &SignedIn,
    id: &ObjectId,
    t: PeeringType,
) -> Result<PeeringView> {
    let company = signed_in.company()?;
    let peering = state
        .upstream
        .read_peering(&signed_in.api_key, &company, id, t)
        .await
        .map_err(|e| AppError::from_upstream(&e, &[]))?
        .ok_or_else(|| not_configured(id, t))?;
    Ok(peering_view(&state.crypto, t, &peering))
}

async fn read_peering(
    _: NoQuery,
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, peering_type)): Path<(String, String)>,
) -> Result<Json<PeeringView>> {
    let (id, t) = parse_path(&id, &peering_type)?;
    match configured_peering(&state, &signed_in, &id, t).await {
        // Console Connect refuses to read a peering of a leg (or of another kind of connection)
        // in its own words, and has none on a connection it does not have: said instead as
        // every other route of a connection says it.
        Err(e @ (AppError::UpstreamRejected(_) | AppError::NotFound(_))) => {
            Err(load_parent(&state, &signed_in, &id)
                .await
                .err()
                .unwrap_or(e))
        }
        read => read.map(Json),
    }
}

/// Why a peering of a connection in `status` cannot be changed, if it cannot: Console Connect
/// changes peerings only while the connection is Active.
fn not_changeable(status: &ConnectionStatus, what: &str) -> Option<AppError> {
    (*status != ConnectionStatus::Active).then(|| {
        AppError::Conflict(format!(
            "{what} only while the connection is Active; it is {} now.",
            status.label()
        ))
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouterConfigQuery {
    /// The router OS: `ios-xe` (the default), `junos` or `junos-set`.
    vendor: Option<String>,
}

/// The router OS asked for, `ios-xe` when none is.
fn vendor(q: &RouterConfigQuery) -> std::result::Result<Vendor, FieldError> {
    let Some(v) = q.vendor.as_deref() else {
        return Ok(Vendor::CiscoIosXe);
    };
    Vendor::parse(v).ok_or_else(|| {
        let allowed: Vec<String> = Vendor::ALL
            .iter()
            .map(|v| format!("{} for {}", v.as_str(), v.label()))
            .collect();
        // What was sent is said back when it reads as an OS's name, not as pasted text.
        let shown = v.trim();
        let got = if (1..=24).contains(&shown.len())
            && shown
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            format!("; got {shown}")
        } else {
            String::new()
        };
        FieldError {
            field: "vendor".into(),
            message: format!("vendor must be one of {}{got}", allowed.join(", ")),
        }
    })
}

/// Both routers' configuration for the peering as it is configured now, with the connection's
/// name in the descriptions; the shared key only as a placeholder.
async fn router_config(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, peering_type)): Path<(String, String)>,
    q: Result<AppQuery<RouterConfigQuery>, AppError>,
    RawQuery(raw): RawQuery,
) -> Result<Json<RouterConfigView>> {
    let q = q.map(|AppQuery(q)| q).map_err(|refused| {
        with_route_refusals(refused, raw.as_deref(), &[], |q: RouterConfigQuery| {
            vendor(&q).err().into_iter().collect()
        })
    })?;
    let vendor = vendor(&q).map_err(AppError::validation)?;
    let (id, t) = parse_path(&id, &peering_type)?;
    let (parent, peering) = tokio::join!(
        load_parent(&state, &signed_in, &id),
        configured_peering(&state, &signed_in, &id, t)
    );
    let parent = parent?;
    // As the connection's page stops writing it: no router is to be configured for a
    // connection on its way out, whose peerings go with it.
    if parent.status.is_gone() {
        return Err(AppError::Conflict(format!(
            "Connection {id} is {}: its routers are no longer to be configured for it. Take its \
             peerings' sub-interfaces and BGP sessions to Microsoft off them instead.",
            parent.status.gone_words()
        )));
    }
    let peering = peering?;
    // The other peerings' ASNs as the connection lists them (one listed without it is left
    // out: their text is no worse for it).
    let others: Vec<(PeeringType, u64)> = parent
        .partner
        .as_ref()
        .map(|p| p.peerings())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((p.peering_type?, p.peer_asn?)))
        .collect();
    Ok(Json(router::view(
        vendor,
        t,
        &peering.config,
        peering.shared_key_set,
        &router::connection_label(&parent.name, id.as_str()),
        &others,
    )))
}

async fn preview_peering(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, peering_type)): Path<(String, String)>,
    body: Partial<PeeringChangeRequest>,
) -> Result<Json<PreviewResponse>> {
    let (id, t) = parse_path(&id, &peering_type)?;
    // What needs no upstream first, so a malformed change costs no call and its field errors
    // are not hidden behind an upstream failure; the VLAN's uniqueness is checked after the reads.
    // A reason and a ticket are not needed yet, but what is given must pass when applied.
    let req = body.checked(|req| {
        let mut errors = validate::peering_config(t, &proposed(req, None), &[])
            .err()
            .unwrap_or_default();
        if !req.reason.trim().is_empty() {
            errors.extend(validate::reason(&req.reason).err().map(FieldError::from));
        }
        errors.extend(
            validate::ticket(req.ticket.as_deref())
                .err()
                .map(FieldError::from),
        );
        all_of([
            shared_key_choice(req),
            if errors.is_empty() {
                Ok(())
            } else {
                Err(AppError::Validation(errors))
            },
            expected_peering_base(req.expected_base.as_deref()),
        ])
    })?;
    let parent = load_parent(&state, &signed_in, &id).await?;
    if let Some(refused) = not_changeable(&parent.status, "Peering can be configured") {
        return Err(refused);
    }
    let (current, others) = current_and_others(&state, &signed_in, &parent, &id, t).await?;
    let config = proposed(&req, current.as_ref());
    validate::peering_config(t, &as_checked(&req, &config), &others)
        .map_err(AppError::Validation)?;
    let before = snapshot(&state, current.as_ref());
    // A key typed is shown as a new key, never by its fingerprint and never compared with the
    // current one: otherwise anyone who may preview could try guesses of the current key, with
    // no change made and nothing recorded, and see which one the peering has.
    let after = request_snapshot(&state.crypto, &config, req.keep_shared_key);
    Ok(Json(PreviewResponse {
        peering_type: t,
        exists: current.is_some(),
        changes: diff(&before, &after),
        base: peering_base(&state.crypto, &before),
    }))
}

async fn update_peering(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
    Path((id, peering_type)): Path<(String, String)>,
    body: Partial<PeeringChangeRequest>,
) -> Result<Json<PeeringView>> {
    let (id, t) = parse_path(&id, &peering_type)?;
    // As in the preview: the rules that need no upstream, before any call.
    let req = body.checked(|req| {
        let alone = PeeringChangeRequest {
            config: proposed(req, None),
            ..req.clone()
        };
        all_of([
            shared_key_choice(req),
            validate::peering_change(t, &alone, &[]).map_err(AppError::Validation),
            expected_peering_base(req.expected_base.as_deref()),
        ])
    })?;
    let turn = under_way::take_turn(&state, id.as_str()).await;
    // Signed out while it waited: nothing more of it is done.
    signed_in.still_stands(&state).await?;
    let parent = load_parent(&state, &signed_in, &id).await?;
    let (current, others) = current_and_others(&state, &signed_in, &parent, &id, t).await?;
    let config = proposed(&req, current.as_ref());
    let checked = PeeringChangeRequest {
        config: as_checked(&req, &config),
        ..req.clone()
    };
    validate::peering_change(t, &checked, &others).map_err(AppError::Validation)?;

    let company = signed_in.company()?;
    let mut intent = Intent::new(AuditAction::UpdatePeering, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(company.to_string());
    intent.connection_id = Some(id.to_string());
    intent.peering_type = Some(t);
    (intent.reason, intent.ticket) = note(&req.reason, req.ticket.as_deref());
    intent.request = Some(request_snapshot(
        &state.crypto,
        &config,
        req.keep_shared_key,
    ));
    let before = snapshot(&state, current.as_ref());
    let stale = stale(&state, req.expected_base.as_ref(), &before);
    intent.before = Some(before);
    let upstream = state.upstream.clone();
    let api_key = signed_in.api_key.clone();
    let crypto = state.crypto.clone();
    let status = parent.status.clone();
    // The key it has now, taken out of Console Connect's words as the new one is.
    let current_secret = current
        .as_ref()
        .and_then(|c| c.shared_key.clone())
        .unwrap_or_default();
    let view = audited(&state, intent, move || async move {
        if let Some(refused) = not_changeable(&status, "Peering can be configured") {
            return Step::refused(refused);
        }
        let _turn = match turn {
            Ok(turn) => turn,
            Err(busy) => return Step::refused(busy),
        };
        if stale {
            return Step::refused(AppError::ChangedSinceRead(format!(
                "The {} peering was changed after the preview (or read) this change was based on, \
                 so this change was not made. \
                 Preview it again to see the difference from its current settings.",
                t.label()
            )));
        }
        let secret = config.shared_key.clone().unwrap_or_default();
        match upstream
            .update_peering(&api_key, &company, &id, t, &config)
            .await
        {
            Ok(peering) => {
                let after = peering_snapshot(&crypto, &peering.config());
                Step::succeeded(peering_view(&crypto, t, &peering), Some(after))
            }
            Err(e) => Step::change_failed(&e, &[&secret, &current_secret]),
        }
    })
    .await?;
    Ok(Json(view))
}

async fn delete_peering(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
    Path((id, peering_type)): Path<(String, String)>,
    body: Partial<DeleteRequest>,
) -> Result<StatusCode> {
    let (id, t) = parse_path(&id, &peering_type)?;
    let req =
        body.checked(|req| delete_body(req, expected_peering_base(req.expected_base.as_deref())))?;
    let turn = under_way::take_turn(&state, id.as_str()).await;
    // Signed out while it waited: nothing more of it is done.
    signed_in.still_stands(&state).await?;
    let parent = load_parent(&state, &signed_in, &id).await?;
    validate::confirmation(&req.confirm_name, &parent.name).map_err(AppError::validation)?;
    let company = signed_in.company()?;
    let current = state
        .upstream
        .read_peering(&signed_in.api_key, &company, &id, t)
        .await
        .map_err(|e| AppError::from_upstream(&e, &[]))?
        .ok_or_else(|| not_configured(&id, t))?;

    let mut intent = Intent::new(AuditAction::DeletePeering, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(company.to_string());
    intent.connection_id = Some(id.to_string());
    intent.peering_type = Some(t);
    (intent.reason, intent.ticket) = note(&req.reason, req.ticket.as_deref());
    let before = snapshot(&state, Some(&current));
    let stale = stale(&state, req.expected_base.as_ref(), &before);
    intent.before = Some(before);
    let upstream = state.upstream.clone();
    let api_key = signed_in.api_key.clone();
    let secret = current.shared_key.clone().unwrap_or_default();
    let status = parent.status.clone();
    audited(&state, intent, move || async move {
        if let Some(refused) = not_changeable(&status, "A peering can be removed") {
            return Step::refused(refused);
        }
        let _turn = match turn {
            Ok(turn) => turn,
            Err(busy) => return Step::refused(busy),
        };
        if stale {
            return Step::refused(AppError::ChangedSinceRead(format!(
                "The {} peering was changed after you opened it, so it was not removed. \
                 Look at its current settings before removing it.",
                t.label()
            )));
        }
        match upstream.delete_peering(&api_key, &company, &id, t).await {
            Ok(()) => Step::succeeded((), None),
            Err(e) => Step::change_failed(&e, &[&secret]),
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(keep: bool, typed: Option<&str>) -> PeeringChangeRequest {
        serde_json::from_value(serde_json::json!({
            "config": {
                "peerASN": 65010,
                "primaryPeerSubnet": "10.0.0.0/30",
                "secondaryPeerSubnet": "10.0.0.4/30",
                "vlanId": 200,
                "sharedKey": typed,
            },
            "keepSharedKey": keep,
            "reason": "Move the peering",
        }))
        .expect("a change request")
    }

    /// A key kept is sent as Console Connect has it, but not checked against the rule for a
    /// new key; a key typed is.
    #[test]
    fn a_kept_shared_key_is_sent_but_not_held_to_the_rule_for_a_new_one() {
        let current = Peering {
            shared_key: Some("set-elsewhere_2024".into()),
            ..Peering::default()
        };
        let keep = change(true, None);
        let config = proposed(&keep, Some(&current));
        assert_eq!(config.shared_key.as_deref(), Some("set-elsewhere_2024"));
        assert!(validate::peering_config(PeeringType::Private, &config, &[]).is_err());
        assert_eq!(
            validate::peering_config(PeeringType::Private, &as_checked(&keep, &config), &[]),
            Ok(())
        );

        let typed = change(false, Some("set-elsewhere_2024"));
        let config = proposed(&typed, Some(&current));
        assert!(
            validate::peering_config(PeeringType::Private, &as_checked(&typed, &config), &[])
                .is_err()
        );
    }
}
