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

/// The audit history can be written: the write lock can be taken within the busy timeout.
/// A portal that could read its database but not write to it (another process holding the
/// lock, a read-only file, a full disk) would refuse every change with 503, so it is not ready.
/// The probe takes the lock and gives it back at once; it writes nothing.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state
        .audit
        .store()
        .ready()
        .await
        .map_err(|e| AppError::AuditUnavailable {
            message: "Not ready: the audit history cannot be written right now, so every change \
                      would be refused."
                .into(),
            cause: e.to_string(),
        })?;
    Ok(Json(json!({"status": "ready"})))
}
