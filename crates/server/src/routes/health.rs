//! Liveness and readiness probes.

use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The audit database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    sqlx::query("select 1")
        .execute(state.audit.pool())
        .await
        .map_err(AppError::audit_unavailable)?;
    Ok(Json(json!({"status": "ready"})))
}
