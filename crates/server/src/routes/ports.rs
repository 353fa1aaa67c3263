//! The selected company's ports, marked usable or not as the source of a new connection.

use crate::error::{AppError, Result};
use crate::extract::{AppQuery, with_route_refusals};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::views::port_view;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use models::FieldError;
use models::api::PortView;
use models::validate::OFFERED_SPEEDS_MBPS;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/ports", get(list_ports))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortsQuery {
    /// Mark as unusable the ports without this much capacity left (Mbps).
    speed: Option<u64>,
}

async fn list_ports(
    State(state): State<AppState>,
    signed_in: SignedIn,
    q: Result<AppQuery<PortsQuery>, AppError>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<PortView>>> {
    let q = q.map(|AppQuery(q)| q).map_err(|refused| {
        with_route_refusals(refused, raw.as_deref(), &[], |q: PortsQuery| {
            q.speed
                .and_then(|s| offered_speed(s).err())
                .into_iter()
                .collect()
        })
    })?;
    if let Some(speed) = q.speed {
        offered_speed(speed).map_err(|e| AppError::Validation(vec![e]))?;
    }
    let company = signed_in.company()?;
    let ports = state
        .upstream
        .list_ports(&signed_in.api_key, &company)
        .await
        .map_err(|e| AppError::from_upstream(&e, &[]))?;
    let mut views: Vec<PortView> = ports.iter().map(|p| port_view(p, q.speed)).collect();
    views.sort_by(|a, b| b.usable.cmp(&a.usable).then_with(|| a.name.cmp(&b.name)));
    Ok(Json(views))
}

/// The speed asked about must be one a connection can be ordered at, or every port would be
/// marked usable for a speed that cannot be ordered.
fn offered_speed(speed: u64) -> std::result::Result<(), FieldError> {
    if OFFERED_SPEEDS_MBPS.contains(&speed) {
        return Ok(());
    }
    let offered: Vec<String> = OFFERED_SPEEDS_MBPS.iter().map(u64::to_string).collect();
    Err(FieldError {
        field: "speed".into(),
        message: format!(
            "speed must be one of {} (Mbps); got {speed}",
            offered.join(", ")
        ),
    })
}
