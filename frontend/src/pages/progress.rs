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

/// The order's steps, where its status has a place among them: a status the portal does not
/// know has none (the status itself is shown), and one Console Connect handles by hand
/// (`MANUAL`) stands where creating would, as not active yet.
fn order_steps(c: &ConnectionView) -> Option<Vec<(&'static str, StepState)>> {
    use StepState::*;
    let (creating, active) = match &c.status {
        ConnectionStatus::Other(_) => return None,
        ConnectionStatus::Manual => {
            return Some(vec![
                ("Ordered", Done),
                ("Manual", Current),
                ("Active", Todo),
            ]);
        }
        ConnectionStatus::Active => (Done, Done),
        s if failed(s) => (Failed, Todo),
        // Taken down: whether it was ever active is not said, only where its removal is.
        ConnectionStatus::Deleting => {
            return Some(vec![
                ("Ordered", Done),
                ("Deleting", Current),
                ("Deleted", Todo),
            ]);
        }
        ConnectionStatus::Deleted => {
            return Some(vec![
                ("Ordered", Done),
                ("Deleting", Done),
                ("Deleted", Done),
            ]);
        }
        ConnectionStatus::Disabled => (Done, Done),
        _ => (Current, Todo),
    };
    Some(vec![
        ("Ordered", Done),
        ("Creating", creating),
        ("Active", active),
    ])
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

/// Azure's steps, where what it said has a place among them: taking the circuit down, or a
/// status the portal does not know, has none (the status itself is shown), nor has a connection
/// gone or going, or one neither active nor being set up (failed, handled by hand, disabled),
/// or nothing said of one no longer being set up.
fn provisioning_steps(c: &ConnectionView) -> Option<Vec<(&'static str, StepState)>> {
    use StepState::*;
    if c.status.is_gone() || !(c.status == ConnectionStatus::Active || c.is_transitional()) {
        return None;
    }
    let states = match &c.provisioning_status {
        Some(ProvisioningStatus::Provisioned) => [Done, Done, Done],
        Some(ProvisioningStatus::Provisioning) => [Done, Current, Todo],
        Some(ProvisioningStatus::NotProvisioned) => [Current, Todo, Todo],
        None if c.is_transitional() => [Current, Todo, Todo],
        _ => return None,
    };
    Some(vec![
        // Named as what goes on while Azure says "not provisioned": the step is current then.
        ("Waiting for provisioning", states[0]),
        ("Provisioning", states[1]),
        ("Provisioned", states[2]),
    ])
}

/// What the page says of the order: where it is and what comes next. `looking` says whether the
/// page still looks for Azure to start provisioning an active connection (it stops after
/// [`AZURE_AWAITED_MS`]).
fn lead(c: &ConnectionView, looking: bool) -> String {
    let active = c.status == ConnectionStatus::Active;
    let moving = c.is_transitional();
    if failed(&c.status) {
        format!(
            "Console Connect could not create the connection: {}",
            c.error_reason
                .clone()
                .unwrap_or_else(|| c.status.label().to_owned()),
        )
    } else if c.status.is_gone() {
        format!(
            "The connection is {}: nothing is being set up.",
            c.status.label().to_lowercase()
        )
    } else if moving && active {
        match c.provisioning_status {
            Some(ProvisioningStatus::Provisioning) => "The connection is active and Azure is still provisioning it: you can configure its peering now. This page follows the provisioning; you can leave and come back.",
            Some(ProvisioningStatus::Deprovisioning) => "The connection is active and Azure is deprovisioning it, taking its side of the circuit down. This page follows it; you can leave and come back.",
            _ => "The connection is active, and a part of it is still changing (a leg, or a peering syncing with Azure). This page follows it; you can leave and come back.",
        }
        .to_owned()
    } else if moving {
        "Console Connect is setting up both legs with Azure. This page follows it; you can leave and come back.".to_owned()
    } else if awaiting_azure(c) && looking {
        "The connection is active and Azure has not started provisioning it yet: you can configure its peering now. This page looks for the provisioning for 10 minutes after it was opened; you can leave and come back.".to_owned()
    } else if awaiting_azure(c) {
        "The connection is active, and Azure had not started provisioning it when this page stopped looking, 10 minutes after it was opened. You can configure its peering now; reload the page to look for the provisioning again.".to_owned()
    } else if active && c.peerings.is_empty() {
        "The connection is active. Configure its peering next.".to_owned()
    } else if active {
        "The connection is active, with its peering configured on its page.".to_owned()
    } else if c.status == ConnectionStatus::Manual {
        "Console Connect says the connection is in its manual state: it is not active yet, and does not move on by itself as an order being created does, so this page does not follow it. Reload the page to see whether it has moved on, or ask Console Connect what it waits for.".to_owned()
    } else if let ConnectionStatus::Other(_) = c.status {
        format!(
            "Console Connect says the connection is {}, a status this portal does not know, so this page does not follow it. Reload the page to see whether it has moved on.",
            c.status.label()
        )
    } else {
        format!("The connection is {}.", c.status.label().to_lowercase())
    }
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
    // Whether the page has stopped looking for Azure to start provisioning: said only then, not
    // when it stops for another reason (a read that failed says why itself).
    let stopped_looking = RwSignal::new(false);
    poll.while_busy(move || {
        crate::poll::still_moving(conn, shown, |c| {
            let followed_ms = web_sys::js_sys::Date::now() - opened;
            if awaiting_azure(c)
                && followed_ms >= AZURE_AWAITED_MS
                && !stopped_looking.get_untracked()
            {
                stopped_looking.set(true);
            }
            still_on_its_way(c, followed_ms)
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
                Some(c) => {
                    view! { <ProgressView c=c ports=ports poll=poll stopped_looking=stopped_looking/> }
                        .into_any()
                }
                None if failed.with(Option::is_none) => {
                    view! { <Loading label="Loading the connection…"/> }.into_any()
                }
                None => ().into_any(),
            }}
        </div>
    }
}

#[component]
fn ProgressView(
    c: ConnectionView,
    ports: names::Names,
    poll: Poll,
    stopped_looking: RwSignal<bool>,
) -> impl IntoView {
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
            {
                let c = c.clone();
                move || lead(&c, !stopped_looking.get())
            }
        </p>
        <section class="panel">
            <h2>"Connection"</h2>
            {order_steps(&c)
                .map(|steps| view! { <Stepper label="Connection status" steps=steps/> })}
            <h2>"Azure provisioning"</h2>
            <p>{provisioning_status(c.provisioning_status.as_ref())}</p>
            {provisioning_steps(&c)
                .map(|steps| view! { <Stepper label="Azure provisioning status" steps=steps/> })}
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

    fn names(steps: Option<Vec<(&'static str, StepState)>>) -> Option<Vec<String>> {
        steps.map(|s| {
            s.into_iter()
                .map(|(name, state)| format!("{name} {state:?}"))
                .collect()
        })
    }

    #[test]
    fn steps_are_shown_only_where_the_statuses_have_a_place_among_them() {
        let order = |status: &str| names(order_steps(&connection(status, None)));
        assert_eq!(
            order("CREATING"),
            Some(vec![
                "Ordered Done".into(),
                "Creating Current".into(),
                "Active Todo".into()
            ])
        );
        // Handled by hand: not active yet, and not said to be creating.
        assert_eq!(
            order("MANUAL"),
            Some(vec![
                "Ordered Done".into(),
                "Manual Current".into(),
                "Active Todo".into()
            ])
        );
        // A status the portal does not know is shown as it is, not placed on a step.
        assert_eq!(order("SUSPENDED"), None);

        let azure = |status: &str, provisioning: Option<&str>| {
            names(provisioning_steps(&connection(status, provisioning)))
        };
        assert_eq!(
            azure("ACTIVE", Some("PROVISIONING")),
            Some(vec![
                "Waiting for provisioning Done".into(),
                "Provisioning Current".into(),
                "Provisioned Todo".into()
            ])
        );
        // Nothing said while it is created: Azure's steps are still to come.
        assert_eq!(
            azure("CREATING", None).map(|s| s[0].clone()),
            Some("Waiting for provisioning Current".into())
        );
        // Taken down, unknown, nothing said of an order that no longer moves, or gone: no step
        // is claimed for them.
        for (status, provisioning) in [
            ("ACTIVE", Some("DEPROVISIONING")),
            ("ACTIVE", Some("RE-PROVISIONING")),
            ("ACTIVE", None),
            ("MANUAL", None),
            ("MANUAL", Some("NOTPROVISIONED")),
            ("ERROR", Some("NOTPROVISIONED")),
            ("SUSPENDED", Some("NOTPROVISIONED")),
            ("DELETING", Some("NOTPROVISIONED")),
        ] {
            assert_eq!(
                azure(status, provisioning),
                None,
                "{status} {provisioning:?}"
            );
        }
    }

    #[test]
    fn the_page_says_when_it_stopped_looking_for_azure() {
        let waiting = connection("ACTIVE", Some("NOTPROVISIONED"));
        let looking = lead(&waiting, true);
        assert!(
            looking.contains("looks for the provisioning for 10 minutes"),
            "{looking}"
        );
        let stopped = lead(&waiting, false);
        assert!(stopped.contains("stopped looking"), "{stopped}");
        assert!(stopped.contains("reload the page"), "{stopped}");
        // What moves is followed whatever the clock: nothing about stopping is said of it.
        let moving = lead(&connection("CREATING", None), false);
        assert!(moving.contains("This page follows it"), "{moving}");
        // Active and moving: said as what moves.
        let provisioning = lead(&connection("ACTIVE", Some("PROVISIONING")), true);
        assert!(
            provisioning.contains("still provisioning it"),
            "{provisioning}"
        );
        let deprovisioning = lead(&connection("ACTIVE", Some("DEPROVISIONING")), true);
        assert!(
            deprovisioning.contains("deprovisioning it"),
            "{deprovisioning}"
        );
        let mut syncing = connection("ACTIVE", Some("PROVISIONED"));
        syncing.peerings = vec![models::api::PeeringSummary {
            peering_type: models::PeeringType::Private,
            sync_status: models::SyncStatus::Syncing,
        }];
        let syncing = lead(&syncing, true);
        assert!(syncing.contains("a peering syncing"), "{syncing}");
        let manual = lead(&connection("MANUAL", None), true);
        assert!(manual.contains("manual state"), "{manual}");
        assert!(manual.contains("does not follow it"), "{manual}");
        let unknown = lead(&connection("SUSPENDED", None), true);
        assert!(
            unknown.contains("a status this portal does not know"),
            "{unknown}"
        );
    }
}
