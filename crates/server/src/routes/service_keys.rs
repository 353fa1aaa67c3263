//! Verifying an Azure ExpressRoute service key before ordering a connection for it.

use super::{Step, audited};
use crate::audit::Intent;
use crate::error::{AppError, Result};
use crate::extract::{AppJson, RequestMeta};
use crate::session::SignedIn;
use crate::state::AppState;
use crate::views::service_key_view;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use models::api::{AuditAction, ServiceKeyView, VerifyServiceKeyRequest};
use models::{mask_secret, validate};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/service-keys/verify", post(verify_service_key))
}

async fn verify_service_key(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
    AppJson(req): AppJson<VerifyServiceKeyRequest>,
) -> Result<Json<ServiceKeyView>> {
    let company = signed_in.company()?;
    let service_key = req.service_key.trim().to_owned();
    validate::service_key(&service_key).map_err(AppError::validation)?;
    let mut intent = Intent::new(AuditAction::VerifyServiceKey, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(company.to_string());
    intent.request = Some(json!({ "serviceKey": mask_secret(&service_key) }));
    let upstream = state.upstream.clone();
    let api_key = signed_in.api_key.clone();
    let view = audited(&state, intent, move || async move {
        match upstream
            .verify_service_key(&api_key, &company, &service_key)
            .await
        {
            Ok(info) => {
                let view = service_key_view(&info, &service_key);
                let after = serde_json::to_value(&view).ok();
                Step::succeeded(view, after)
            }
            Err(e) => {
                let mut step = Step::failed(&e, &[&service_key]);
                // Console Connect refusing the key, or saying in its words that it knows no
                // such key, is said under the key's field; a bare 404 (a gateway's page) is not
                // about the key.
                match step.result {
                    Err(AppError::UpstreamRejected(message)) => {
                        step.result = Err(key_refused(message));
                    }
                    Err(AppError::NotFound(message)) if e.upstream_message().is_some() => {
                        step.result = Err(key_refused(message));
                    }
                    _ => {}
                }
                step
            }
        }
    })
    .await?;
    Ok(Json(view))
}

/// Console Connect's refusal of the key, under its field, opening with the field's name as
/// every field message does.
fn key_refused(message: String) -> AppError {
    let theirs = message
        .strip_prefix("Console Connect found no such object: ")
        .unwrap_or(&message);
    let message = if theirs.starts_with("serviceKey") {
        theirs.to_owned()
    } else {
        format!("serviceKey was refused by Console Connect: {theirs}")
    };
    AppError::Validation(vec![models::FieldError {
        field: "serviceKey".into(),
        message,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(e: AppError) -> String {
        match e {
            AppError::Validation(fields) => {
                assert_eq!(fields.len(), 1);
                assert_eq!(fields[0].field, "serviceKey");
                fields[0].message.clone()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refusal_is_said_under_the_key_opening_with_its_name() {
        let own = "serviceKey is not a service key Azure knows";
        assert_eq!(said(key_refused(own.into())), own);
        assert_eq!(
            said(key_refused("Invalid key".into())),
            "serviceKey was refused by Console Connect: Invalid key"
        );
        assert_eq!(
            said(key_refused(
                "Console Connect found no such object: no such circuit".into()
            )),
            "serviceKey was refused by Console Connect: no such circuit"
        );
    }
}
