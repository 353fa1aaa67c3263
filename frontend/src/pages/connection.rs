//! `/connections/:id`: one connection — statuses, masked service key, both legs — and a card
//! per peering type with its configuration and actions; refreshed while anything moves.

use crate::api::{self, ApiResult};
use crate::components::details::{LegsTable, PeeringConfigDetails};
use crate::components::feedback::{ErrorBanner, Loading};
use crate::components::names;
use crate::components::router::RouterConfigPanel;
use crate::components::status::{connection_status, provisioning_status, sync_status};
use crate::format;
use crate::poll::Poll;
use crate::route::use_params_map;
use leptos::prelude::*;
use models::api::{ConnectionView, PeeringView};
use models::{ConnectionStatus, PeeringType};

type PeeringResource = LocalResource<ApiResult<Option<PeeringView>>>;

#[component]
pub fn ConnectionPage() -> impl IntoView {
    crate::nav::title("Connection");
    let params = use_params_map();
    move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        view! { <Connection id=id/> }
    }
}

#[component]
fn Connection(id: String) -> impl IntoView {
    let poll = Poll::new();
    let ports = names::ports();
    let conn = {
        let id = id.clone();
        crate::shared::resource(move || {
            poll.track();
            api::get_connection(id.clone())
        })
    };
    let peerings: [PeeringResource; 3] = PeeringType::ALL.map(|t| {
        let id = id.clone();
        crate::shared::resource(move || {
            poll.track();
            api::get_peering(id.clone(), t)
        })
    });
    poll.while_busy(move || {
        conn.with(|r| matches!(r, Some(Ok(c)) if c.is_transitional()))
            || peerings.iter().any(|p| {
                p.with(|r| matches!(r, Some(Ok(Some(v))) if v.sync_status.is_transitional()))
            })
    });
    move || match conn.get() {
        None => view! { <Loading label="Loading the connection…"/> }.into_any(),
        Some(Err(e)) => view! {
            <ErrorBanner error=e/>
            <p>
                <a href="/connections">"Back to connections"</a>
            </p>
        }
        .into_any(),
        Some(Ok(c)) => view! { <ConnectionView c=c peerings=peerings ports=ports/> }.into_any(),
    }
}

#[component]
fn ConnectionView(
    c: ConnectionView,
    peerings: [PeeringResource; 3],
    ports: names::Names,
) -> impl IntoView {
    let gone = matches!(
        c.status,
        ConnectionStatus::Deleting | ConnectionStatus::Deleted
    );
    crate::nav::title(&c.name);
    let history = format!("/audit?connection={}", c.id);
    let delete = format!("/connections/{}/delete", c.id);
    let id = c.id.clone();
    // Derived, not a memo: the panel's memos read the resources themselves, so no memo's
    // change has to reach the panel by two paths.
    let configured = Signal::derive(move || {
        peerings
            .iter()
            .filter_map(|r| {
                r.with(|v| {
                    let p = v.as_ref()?.as_ref().ok()?.as_ref()?;
                    Some((p.peering_type, p.base.clone()))
                })
            })
            .collect::<Vec<_>>()
    });
    view! {
        <div class="page-head">
            <h1>{c.name.clone()}</h1>
            <div class="head-actions">
                <a href=history class="button secondary" data-test="history">
                    "History of this connection"
                </a>
                {(!gone)
                    .then(|| {
                        view! {
                            <a href=delete class="button danger" data-test="delete-connection">
                                "Delete connection"
                            </a>
                        }
                    })}
            </div>
        </div>
        {c
            .error_reason
            .clone()
            .map(|r| view! { <p class="notice warn">{format!("Console Connect reports: {r}")}</p> })}
        <section class="panel">
            <h2 class="visually-hidden">"Summary"</h2>
            <dl class="details columns-2">
                <dt>"Status"</dt>
                <dd>{connection_status(&c.status)}</dd>
                <dt>"Azure provisioning"</dt>
                <dd>{provisioning_status(c.provisioning_status.as_ref())}</dd>
                <dt>"Speed"</dt>
                <dd>{format::optional_speed(c.speed_mbps)}</dd>
                <dt>"Service key"</dt>
                <dd>
                    <code>{c.service_key_masked.clone().unwrap_or_else(|| "—".into())}</code>
                </dd>
                <dt>"Connection id"</dt>
                <dd>
                    <code>{c.id.clone()}</code>
                </dd>
                <dt>"Created"</dt>
                <dd>{format::optional_time(c.created_at.as_deref())}</dd>
                <dt>"Updated"</dt>
                <dd>{format::optional_time(c.updated_at.as_deref())}</dd>
            </dl>
            {c.is_transitional().then(|| view! { <p class="muted small" role="status">"Refreshing every 2 s while the connection changes."</p> })}
        </section>
        <section class="panel">
            <h2>"Legs"</h2>
            <LegsTable legs=c.legs.clone() ports=ports/>
        </section>
        <section>
            <h2>"Peering"</h2>
            {(c.status != ConnectionStatus::Active && !gone)
                .then(|| {
                    view! {
                        <p class="notice">
                            {format!(
                                "Peering can be configured once the connection is Active; it is {} now.",
                                c.status.label(),
                            )}
                        </p>
                    }
                })}
            <div class="cards">
                {PeeringType::ALL
                    .iter()
                    .zip(peerings)
                    .map(|(t, r)| view! { <PeeringCard id=id.clone() t=*t peering=r gone=gone/> })
                    .collect_view()}
            </div>
        </section>
        {(!gone).then(|| view! { <RouterConfigPanel id=c.id.clone() peerings=configured/> })}
    }
}

#[component]
fn PeeringCard(id: String, t: PeeringType, peering: PeeringResource, gone: bool) -> impl IntoView {
    let configure = format!("/connections/{id}/peering/{}", t.as_wire());
    let delete = format!("/connections/{id}/peering/{}/delete", t.as_wire());
    let title_id = format!("peering-{}-title", t.as_wire());
    let labelled_by = title_id.clone();
    view! {
        <article
            class="card peering-card"
            data-test=format!("peering-card-{}", t.as_wire())
            aria-labelledby=labelled_by
        >
            <header>
                <h3 id=title_id>{format!("{} peering", t.label())}</h3>
                {move || match peering.get() {
                    Some(Ok(Some(p))) => sync_status(&p.sync_status).into_any(),
                    Some(Ok(None)) => view! { <span class="status tone-off" data-status="NONE">"Not configured"</span> }.into_any(),
                    _ => ().into_any(),
                }}
            </header>
            <p class="help">{t.description()}</p>
            {t.caveat().map(|c| view! { <p class="help" data-test="caveat">{c}</p> })}
            {move || match peering.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBanner error=e/> }.into_any(),
                Some(Ok(None)) => {
                    let configure = configure.clone();
                    view! {
                        <p class="muted">"Not configured."</p>
                        {(!gone)
                            .then(|| {
                                view! {
                                    <div class="actions">
                                        <a href=configure class="button secondary" data-test=format!("configure-{}", t.as_wire())>
                                            "Configure"
                                        </a>
                                    </div>
                                }
                            })}
                    }
                        .into_any()
                }
                Some(Ok(Some(p))) => {
                    let (configure, delete) = (configure.clone(), delete.clone());
                    view! {
                        <PeeringConfigDetails peering=p/>
                        {(!gone)
                            .then(|| {
                                view! {
                                    <div class="actions">
                                        <a href=configure class="button secondary" data-test=format!("configure-{}", t.as_wire())>
                                            "Edit"
                                        </a>
                                        <a href=delete class="button danger-outline" data-test=format!("delete-peering-{}", t.as_wire())>
                                            "Delete"
                                        </a>
                                    </div>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
        </article>
    }
}
