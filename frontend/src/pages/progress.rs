//! `/connections/:id/progress`: the live progress of a new connection, driven only by the id in
//! the address (so a reload keeps it): Ordered → Creating → Active, the Azure provisioning
//! status, and both legs, refreshed every two seconds until nothing moves.

use crate::api;
use crate::components::details::LegsTable;
use crate::components::feedback::{Loading, RefreshError, Retry};
use crate::components::names;
use crate::components::status::{connection_status, provisioning_status};
use crate::components::steps::{StepState, Stepper};
use crate::format;
use crate::pages::connection::NotFoundOrLeg;
use crate::poll::Poll;
use crate::route::use_params_map;
use leptos::prelude::*;
use models::api::ConnectionView;
use models::{ConnectionStatus, ProvisioningStatus};

fn failed(s: &ConnectionStatus) -> bool {
    matches!(
        s,
        ConnectionStatus::Error | ConnectionStatus::Denied | ConnectionStatus::Cancelled
    )
}

fn order_steps(c: &ConnectionView) -> Vec<(&'static str, StepState)> {
    use StepState::*;
    let (creating, active) = match &c.status {
        ConnectionStatus::Active => (Done, Done),
        s if failed(s) => (Failed, Todo),
        // Taken down: whether it was ever active is not said, only where its removal is.
        ConnectionStatus::Deleting => {
            return vec![("Ordered", Done), ("Deleting", Current), ("Deleted", Todo)];
        }
        ConnectionStatus::Deleted => {
            return vec![("Ordered", Done), ("Deleting", Done), ("Deleted", Done)];
        }
        ConnectionStatus::Disabled => (Done, Done),
        _ => (Current, Todo),
    };
    vec![
        ("Ordered", Done),
        ("Creating", creating),
        ("Active", active),
    ]
}

/// How long this page looks for Azure to start provisioning an active order (each look is a
/// read that keeps the session open, so not for ever).
const AZURE_AWAITED_MS: f64 = 10.0 * 60.0 * 1000.0;

/// An active connection Azure has said it has not provisioned yet: it goes on to provisioning
/// by itself once Azure's side takes it up.
fn awaiting_azure(c: &ConnectionView) -> bool {
    c.status == ConnectionStatus::Active
        && c.provisioning_status == Some(ProvisioningStatus::NotProvisioned)
}

/// Whether the order is still on its way as this page follows it, `followed_ms` after it was
/// opened: anything in it moving, or Azure not yet provisioning it, for [`AZURE_AWAITED_MS`].
/// The connections list and the connection's page do not wait on the latter: a connection may
/// stay unprovisioned for as long as its Azure side is not set up.
fn still_on_its_way(c: &ConnectionView, followed_ms: f64) -> bool {
    c.is_transitional() || (awaiting_azure(c) && followed_ms < AZURE_AWAITED_MS)
}

fn provisioning_steps(p: Option<&ProvisioningStatus>) -> Vec<(&'static str, StepState)> {
    use StepState::*;
    let states = match p {
        Some(ProvisioningStatus::Provisioned) => [Done, Done, Done],
        Some(ProvisioningStatus::Provisioning) => [Done, Current, Todo],
        _ => [Current, Todo, Todo],
    };
    vec![
        // Named as what goes on while Azure says "not provisioned": the step is current then.
        ("Waiting for provisioning", states[0]),
        ("Provisioning", states[1]),
        ("Provisioned", states[2]),
    ]
}

#[component]
pub fn ProgressPage() -> impl IntoView {
    crate::nav::title("Connection progress");
    let params = use_params_map();
    move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        view! { <Progress id=id/> }
    }
}

#[component]
fn Progress(id: String) -> impl IntoView {
    let opened = web_sys::js_sys::Date::now();
    let poll = Poll::new();
    let ports = names::ports();
    let conn = {
        let id = id.clone();
        poll.resource(move || api::get_connection(id.clone()))
    };
    // Redrawn only when the connection changed, not on every refresh; a refresh that failed
    // leaves the last state shown under its error, and is tried again while it moves.
    let (shown, failed) = crate::shared::last_read(conn);
    poll.while_busy(move || {
        crate::poll::still_moving(conn, shown, |c| {
            still_on_its_way(c, web_sys::js_sys::Date::now() - opened)
        })
    });
    // Nothing to show but the error: the page still says what it is, and a connection not
    // there may be a leg of one that is.
    let missing = move || {
        shown
            .with(Option::is_none)
            .then(|| {
                failed
                    .get()
                    .filter(|e| e.code == models::ErrorCode::NotFound)
            })
            .flatten()
    };
    // Reported gone while it was followed: the tab no longer says where the order is. (One
    // never read is named by what is said in its place: see [`NotFoundOrLeg`].)
    crate::shared::effect(move || {
        if failed.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.code == models::ErrorCode::NotFound)
        }) && let Some(name) = shown.with(|c| c.as_ref().map(|c| c.name.clone()))
        {
            crate::nav::title(&format!("Gone: {name}"));
        }
    });
    let heading = move || {
        (shown.with(Option::is_none) && failed.with(Option::is_some) && missing().is_none())
            .then(|| view! { <h1>"Connection progress"</h1> })
    };
    view! {
        <div class="progress-page" data-test="progress">
            {move || match missing() {
                Some(e) => {
                    view! { <NotFoundOrLeg id=id.clone() error=e retry=Retry::poll(poll, conn)/> }
                        .into_any()
                }
                None => {
                    view! {
                        {heading}
                        <RefreshError error=failed retry=Retry::poll(poll, conn)/>
                    }
                        .into_any()
                }
            }}
            {move || match shown.get() {
                Some(c) => view! { <ProgressView c=c ports=ports poll=poll/> }.into_any(),
                None if failed.with(Option::is_none) => {
                    view! { <Loading label="Loading the connection…"/> }.into_any()
                }
                None => ().into_any(),
            }}
        </div>
    }
}

#[component]
fn ProgressView(c: ConnectionView, ports: names::Names, poll: Poll) -> impl IntoView {
    let active = c.status == ConnectionStatus::Active;
    let gone = c.status.is_gone();
    let moving = c.is_transitional();
    let href = format!("/connections/{}", c.id);
    let peering_href = format!("/connections/{}/peering/PRIVATE", c.id);
    // The tab says where the order is, for whoever waits for it in another tab.
    crate::nav::title(&format!("{}: {}", c.status.label(), c.name));
    view! {
        <div class="page-head">
            <h1>
                {match (active, gone) {
                    (true, _) => format!("Ordered: {}", c.name),
                    (_, true) => c.name.clone(),
                    _ => format!("Ordering {}", c.name),
                }}
            </h1>
            {connection_status(&c.status)}
        </div>
        <p class="lead" role="status" aria-live="polite">
            {if failed(&c.status) {
                format!(
                    "Console Connect could not create the connection: {}",
                    c.error_reason.clone().unwrap_or_else(|| c.status.label().to_owned()),
                )
            } else if gone {
                format!(
                    "The connection is {}: nothing is being set up.",
                    c.status.label().to_lowercase()
                )
            } else if moving && active {
                "The connection is active and Azure is still provisioning it: you can configure its peering now. This page follows the provisioning; you can leave and come back.".to_owned()
            } else if moving {
                "Console Connect is setting up both legs with Azure. This page follows it; you can leave and come back.".to_owned()
            } else if awaiting_azure(&c) {
                "The connection is active and Azure has not started provisioning it yet: you can configure its peering now. This page looks for the provisioning for 10 minutes; you can leave and come back.".to_owned()
            } else if active && c.peerings.is_empty() {
                "The connection is active. Configure its peering next.".to_owned()
            } else if active {
                "The connection is active, with its peering configured on its page.".to_owned()
            } else {
                format!("The connection is {}.", c.status.label().to_lowercase())
            }}
        </p>
        <section class="panel">
            <h2>"Connection"</h2>
            <Stepper label="Connection status" steps=order_steps(&c)/>
            <h2>"Azure provisioning"</h2>
            <p>{provisioning_status(c.provisioning_status.as_ref())}</p>
            {(!gone).then(|| view! {
                <Stepper
                    label="Azure provisioning status"
                    steps=provisioning_steps(c.provisioning_status.as_ref())
                />
            })}
            <p class="muted small">
                {format!(
                    "Speed {} · updated {}",
                    format::optional_speed(c.speed_mbps),
                    format::optional_time(c.updated_at.as_deref()),
                )}
                {move || {
                    (moving && poll.running()).then(|| view! { " · refreshing " {poll.pace()} })
                }}
            </p>
        </section>
        <section class="panel">
            <h2>"Legs"</h2>
            <LegsTable legs=c.legs.clone() ports=ports/>
        </section>
        <div class="actions">
            {active
                .then(|| {
                    view! {
                        <a href=peering_href class="button primary" data-test="configure-peering">
                            "Configure peering"
                        </a>
                    }
                })}
            <a href=href class="button secondary" data-test="open-connection">
                "Open the connection"
            </a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(status: &str, provisioning: Option<&str>) -> ConnectionView {
        serde_json::from_value(serde_json::json!({
            "id": "6650a1c2e4b0d7a3c1000001",
            "name": "DR site",
            "speedMbps": 100,
            "status": status,
            "provisioningStatus": provisioning,
            "serviceKeyMasked": null,
            "legs": [],
            "peerings": [],
            "createdAt": null,
            "updatedAt": null,
            "errorReason": null,
        }))
        .unwrap()
    }

    #[test]
    fn an_order_is_followed_until_azure_says_it_is_provisioned() {
        for (status, provisioning, followed) in [
            ("CREATING", Some("NOTPROVISIONED"), true),
            ("ACTIVE", Some("PROVISIONING"), true),
            // Active, and Azure not yet at it: the page waits for it to move on.
            ("ACTIVE", Some("NOTPROVISIONED"), true),
            // Nothing said of Azure, or something the portal does not know: nothing to wait on.
            ("ACTIVE", None, false),
            ("ACTIVE", Some("SOMETHING NEW"), false),
            ("ACTIVE", Some("PROVISIONED"), false),
            ("DELETED", Some("NOTPROVISIONED"), false),
            ("ERROR", None, false),
        ] {
            let c = connection(status, provisioning);
            assert_eq!(
                still_on_its_way(&c, 0.0),
                followed,
                "{status} {provisioning:?}"
            );
        }
        // Azure's start is looked for ten minutes; what moves is followed for as long as it does.
        let waiting = connection("ACTIVE", Some("NOTPROVISIONED"));
        assert!(still_on_its_way(&waiting, AZURE_AWAITED_MS - 1.0));
        assert!(!still_on_its_way(&waiting, AZURE_AWAITED_MS));
        assert!(still_on_its_way(
            &connection("ACTIVE", Some("PROVISIONING")),
            AZURE_AWAITED_MS * 3.0
        ));
        // The list and the connection's page do not wait on an unprovisioned active one.
        assert!(!connection("ACTIVE", Some("NOTPROVISIONED")).is_transitional());
    }
}
