//! Status badges: the wire value in `data-status` (for tests and styling), the label for people,
//! and a tone (settled, moving, failed, off) so a glance says whether anything needs attention.

use leptos::prelude::*;
use models::{ConnectionStatus, PortStatus, ProvisioningStatus, SyncStatus};

fn tone(wire: &str) -> &'static str {
    match wire {
        "ACTIVE" | "PROVISIONED" | "SYNCED" | "READY" => "tone-ok",
        "CREATING" | "PENDING" | "PENDING_ACCEPTANCE" | "ACCEPTED" | "DELETING"
        | "PROVISIONING" | "DEPROVISIONING" | "SYNCING" | "ACTIVATING" | "ONBOARDING"
        | "DISABLING" => "tone-busy",
        "ERROR" | "DENIED" | "CANCELLED" => "tone-bad",
        _ => "tone-off",
    }
}

#[component]
pub fn Status(#[prop(into)] wire: String, #[prop(into)] label: String) -> impl IntoView {
    let class = format!("status {}", tone(&wire));
    view! {
        <span class=class data-status=wire>
            {label}
        </span>
    }
}

pub fn connection_status(s: &ConnectionStatus) -> impl IntoView + use<> {
    view! { <Status wire=s.as_wire().to_owned() label=s.label().to_owned()/> }
}

pub fn provisioning_status(s: Option<&ProvisioningStatus>) -> impl IntoView + use<> {
    match s {
        Some(s) => {
            view! { <Status wire=s.as_wire().to_owned() label=s.label().to_owned()/> }.into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

pub fn sync_status(s: &SyncStatus) -> impl IntoView + use<> {
    view! { <Status wire=s.as_wire().to_owned() label=s.label().to_owned()/> }
}

pub fn port_status(s: &PortStatus) -> impl IntoView + use<> {
    view! { <Status wire=s.as_wire().to_owned() label=s.label().to_owned()/> }
}
