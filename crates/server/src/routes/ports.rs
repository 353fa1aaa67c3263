//! The selected company's ports, marked usable or not as the source of a new connection.

use crate::error::{AppError, Result};
use crate::extract::AppQuery;
use crate::session::SignedIn;
use crate::state::AppState;
use crate::views::port_view;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use models::api::PortView;
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
    AppQuery(q): AppQuery<PortsQuery>,
) -> Result<Json<Vec<PortView>>> {
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
