//! `/connections`, the home page: the company's Azure connections with both legs and their
//! peerings, filtered by name and status, refreshed while any of them is moving.

use crate::api;
use crate::components::details::role_label;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::status::{Status, connection_status, provisioning_status};
use crate::format;
use crate::poll::Poll;
use crate::session::Auth;
use leptos::prelude::*;
use leptos_router::components::A;
use models::ConnectionStatus;
use models::api::{ConnectionView, LegRole};

fn leg_cell(c: &ConnectionView, role: LegRole) -> AnyView {
    match c.legs.iter().find(|l| l.role == role) {
        Some(l) => view! {
            <span class="leg" title=l.name.clone()>
                {connection_status(&l.status)}
            </span>
        }
        .into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

fn peerings_cell(c: &ConnectionView) -> AnyView {
    if c.peerings.is_empty() {
        return view! { <span class="muted">"None"</span> }.into_any();
    }
    view! {
        <ul class="badges">
            {c
                .peerings
                .iter()
                .map(|p| {
                    let label = format!("{}: {}", p.peering_type.label(), p.sync_status.label());
                    view! {
                        <li data-peering=p.peering_type.as_wire()>
                            <Status wire=p.sync_status.as_wire().to_owned() label=label/>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

fn row(c: ConnectionView) -> impl IntoView {
    let href = format!("/connections/{}", c.id);
    let progress = c
        .status
        .is_transitional()
        .then(|| format!("/connections/{}/progress", c.id));
    let (id, name) = (c.id.clone(), c.name.clone());
    view! {
        <tr data-connection=id data-test="connection-row">
            <th scope="row" data-label="Name">
                <A href=href>{name}</A>
                {progress.map(|p| view! { <A href=p attr:class="small-link">"progress"</A> })}
            </th>
            <td data-label="Speed">{format::optional_speed(c.speed_mbps)}</td>
            <td data-label="Status">{connection_status(&c.status)}</td>
            <td data-label="Azure">{provisioning_status(c.provisioning_status.as_ref())}</td>
            <td data-label=role_label(LegRole::Primary)>{leg_cell(&c, LegRole::Primary)}</td>
            <td data-label=role_label(LegRole::Secondary)>{leg_cell(&c, LegRole::Secondary)}</td>
            <td data-label="Peerings">{peerings_cell(&c)}</td>
        </tr>
    }
}

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let auth = Auth::get();
    let poll = Poll::new();
    let list = crate::shared::resource(move || {
        poll.track();
        auth.company();
        api::list_connections()
    });
    poll.while_busy(move || {
        list.with(|r| matches!(r, Some(Ok(v)) if v.iter().any(ConnectionView::is_transitional)))
    });

    let name_filter = RwSignal::new(String::new());
    let status_filter = RwSignal::new(String::new());
    let show_deleted = RwSignal::new(false);

    let shown = move |all: &[ConnectionView]| -> Vec<ConnectionView> {
        let needle = name_filter.get().trim().to_lowercase();
        let status = status_filter.get();
        let deleted = show_deleted.get();
        all.iter()
            .filter(|c| deleted || c.status != ConnectionStatus::Deleted)
            .filter(|c| needle.is_empty() || c.name.to_lowercase().contains(&needle))
            .filter(|c| status.is_empty() || c.status.as_wire() == status)
            .cloned()
            .collect()
    };

    view! {
        <div class="page-head">
            <h1>"Connections"</h1>
            <A href="/create" attr:class="button primary">
                "New connection"
            </A>
        </div>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-name">"Name contains"</label>
                <input
                    id="filter-name"
                    type="search"
                    prop:value=move || name_filter.get()
                    on:input=move |ev| name_filter.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select
                    id="filter-status"
                    prop:value=move || status_filter.get()
                    on:change=move |ev| status_filter.set(event_target_value(&ev))
                >
                    <option value="">"Any status"</option>
                    {ConnectionStatus::KNOWN
                        .iter()
                        .map(|s| view! { <option value=s.as_wire()>{s.label().to_owned()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field checkbox">
                <input
                    id="show-deleted"
                    type="checkbox"
                    prop:checked=move || show_deleted.get()
                    on:change=move |ev| show_deleted.set(event_target_checked(&ev))
                />
                <label for="show-deleted">"Show deleted"</label>
            </div>
        </form>
        {move || match list.get() {
            None => view! { <Loading label="Loading connections…"/> }.into_any(),
            Some(Err(e)) => view! { <ErrorBanner error=e/> }.into_any(),
            Some(Ok(all)) if all.is_empty() => {
                view! {
                    <Empty>
                        <p>"There are no Azure ExpressRoute connections in this company yet."</p>
                        <p>
                            <A href="/create">"Create your first connection"</A>
                            " or "
                            <A href="/verify">"verify a service key"</A>
                            " first."
                        </p>
                    </Empty>
                }
                    .into_any()
            }
            Some(Ok(all)) => {
                let rows = shown(&all);
                let hidden = all.len() - rows.len();
                if rows.is_empty() {
                    view! {
                        <Empty>
                            <p>
                                {format!("No connection matches the filter ({hidden} hidden).")}
                                {(!show_deleted.get_untracked())
                                    .then_some(" Deleted connections show when \u{201c}Show deleted\u{201d} is ticked.")}
                            </p>
                        </Empty>
                    }
                        .into_any()
                } else {
                    view! {
                        <table class="connections stack" data-test="connections">
                            <caption class="visually-hidden">"Azure ExpressRoute connections"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Speed"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Azure"</th>
                                    <th scope="col">"Primary"</th>
                                    <th scope="col">"Secondary"</th>
                                    <th scope="col">"Peerings"</th>
                                </tr>
                            </thead>
                            <tbody>{rows.into_iter().map(row).collect_view()}</tbody>
                        </table>
                        <p class="muted table-note">
                            {format!(
                                "{} shown{}",
                                all.len() - hidden,
                                if hidden > 0 { format!(", {hidden} hidden by the filter") } else { String::new() },
                            )}
                        </p>
                    }
                        .into_any()
                }
            }
        }}
    }
}
