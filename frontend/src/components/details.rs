//! Read-only descriptions shared by several pages: what Azure says about a service key, and the
//! two legs (primary and secondary) of a connection.

use crate::components::names::{Named, Names};
use crate::components::status::{connection_status, provisioning_status};
use crate::format;
use leptos::prelude::*;
use models::api::{LegRole, LegView, ServiceKeyView};

fn text(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

/// How many advertised prefixes a peering's details show before folding the rest.
const PREFIXES_SHOWN: usize = 6;

#[component]
pub fn ServiceKeyDetails(key: ServiceKeyView) -> impl IntoView {
    let in_use = match key.in_use {
        Some(true) => view! {
            <span class="status tone-bad" data-status="IN_USE">"In use by a connection"</span>
        }
        .into_any(),
        Some(false) => view! {
            <span class="status tone-ok" data-status="UNUSED">"Not in use"</span>
        }
        .into_any(),
        None => view! { <span class="muted">"Unknown"</span> }.into_any(),
    };
    view! {
        <dl class="details" data-test="service-key-details">
            <dt>"Service key"</dt>
            <dd>
                <code>{key.service_key_masked}</code>
            </dd>
            <dt>"Circuit name"</dt>
            <dd>{text(key.circuit_name)}</dd>
            <dt>"Bandwidth"</dt>
            <dd>{format::optional_speed(key.bandwidth_mbps)}</dd>
            <dt>"Peering location"</dt>
            <dd>{text(key.peering_location)}</dd>
            <dt>"Provider"</dt>
            <dd>{text(key.service_provider_name)}</dd>
            <dt>"Provider state"</dt>
            <dd data-test="provider-state">
                {provisioning_status(
                    key.provider_state.as_deref().map(models::ProvisioningStatus::parse).as_ref(),
                )}
            </dd>
            <dt>"Primary Azure port"</dt>
            <dd>{text(key.primary_azure_port)}</dd>
            <dt>"Secondary Azure port"</dt>
            <dd>{text(key.secondary_azure_port)}</dd>
            <dt>"In use"</dt>
            <dd>{in_use}</dd>
        </dl>
    }
}

pub fn role_label(role: LegRole) -> &'static str {
    match role {
        LegRole::Primary => "Primary",
        LegRole::Secondary => "Secondary",
    }
}

/// Both legs with their status and ports (source ports named from `ports`); a missing leg says
/// so.
#[component]
pub fn LegsTable(legs: Vec<LegView>, ports: Names) -> impl IntoView {
    if legs.is_empty() {
        return view! { <p class="muted">"The legs are not listed yet."</p> }.into_any();
    }
    view! {
        <table class="legs stack">
            <caption class="visually-hidden">"Primary and secondary legs"</caption>
            <thead>
                <tr>
                    <th scope="col">"Leg"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Source port"</th>
                    <th scope="col">"Azure port id"</th>
                </tr>
            </thead>
            <tbody>
                {legs
                    .into_iter()
                    .map(|l| {
                        view! {
                            <tr data-leg=role_label(l.role).to_lowercase()>
                                <th scope="row" data-label="Leg">{role_label(l.role)}</th>
                                <td data-label="Name" class="wrap">{l.name.clone()}</td>
                                <td data-label="Status">{connection_status(&l.status)}</td>
                                <td data-label="Source port">
                                    {match l.src_port_id.clone().filter(|p| !p.is_empty()) {
                                        Some(id) => view! { <Named id=id names=ports/> }.into_any(),
                                        None => "—".into_any(),
                                    }}
                                </td>
                                <td data-label="Azure port id">
                                    <code class="id">{text(l.dest_port_id.clone())}</code>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// "Your router: 10.1.0.1, Microsoft: 10.1.0.2" for a valid peer subnet of a `t` peering.
pub fn router_help(field: &'static str, raw: &str, t: models::PeeringType) -> Option<String> {
    let net = models::validate::peer_subnet(field, raw, t).ok()?;
    let (ours, microsoft) = models::validate::router_addresses(&net)?;
    Some(format!("Your router: {ours}, Microsoft: {microsoft}"))
}

/// A subnet or prefix as one piece: a line may break between values, never inside one (a
/// `198.51.100.0/3` on one line and `0` on the next reads as another prefix), except after an
/// IPv6 address's colons.
fn network(value: &str) -> impl IntoView + use<> {
    let parts: Vec<String> = value.split_inclusive(':').map(str::to_owned).collect();
    view! {
        <code class="network">
            {parts.into_iter().map(|part| view! { {part}<wbr/> }).collect_view()}
        </code>
    }
}

/// A peering's configuration as read back, each subnet with the address each router takes; the
/// shared key only as set or not set.
#[component]
pub fn PeeringConfigDetails(peering: models::api::PeeringView) -> impl IntoView {
    let c = peering.config;
    let t = peering.peering_type;
    let microsoft = t == models::PeeringType::Microsoft;
    let routers = |field, subnet: &str| {
        router_help(field, subnet, t)
            .map(|h| view! { <span class="sub" data-test="routers">{h}</span> })
    };
    let primary_routers = routers("primaryPeerSubnet", &c.primary_peer_subnet);
    let secondary_routers = routers("secondaryPeerSubnet", &c.secondary_peer_subnet);
    view! {
        <dl class="details">
            <dt>"Peer ASN"</dt>
            <dd>{c.peer_asn}</dd>
            <dt>"Primary subnet"</dt>
            <dd>
                {network(&c.primary_peer_subnet)}
                {primary_routers}
            </dd>
            <dt>"Secondary subnet"</dt>
            <dd>
                {network(&c.secondary_peer_subnet)}
                {secondary_routers}
            </dd>
            <dt>"VLAN ID"</dt>
            <dd>{c.vlan_id}</dd>
            <dt>"Shared key"</dt>
            <dd data-test="shared-key">{if peering.shared_key_set { "set" } else { "not set" }}</dd>
            {microsoft
                .then(|| {
                    let prefixes = c.advertised_public_prefixes.unwrap_or_default();
                    view! {
                        <dt>"Advertised public prefixes"</dt>
                        <dd data-test="prefixes">
                            {if prefixes.is_empty() {
                                "—".into_any()
                            } else {
                                let listed = |ps: &[String]| {
                                    let last = ps.len().saturating_sub(1);
                                    ps.iter()
                                        .enumerate()
                                        .map(|(i, p)| view! { {network(p)} {(i < last).then_some(", ")} })
                                        .collect_view()
                                };
                                // A long list (up to 200) folds after its first few, so that
                                // the card stays about as tall as the others.
                                if prefixes.len() <= PREFIXES_SHOWN + 2 {
                                    listed(&prefixes).into_any()
                                } else {
                                    let (first, rest) = prefixes.split_at(PREFIXES_SHOWN);
                                    view! {
                                        {listed(first)}
                                        ", "
                                        <details class="more-prefixes">
                                            <summary>{format!("and {} more", rest.len())}</summary>
                                            {listed(rest)}
                                        </details>
                                    }
                                        .into_any()
                                }
                            }}
                        </dd>
                        <dt>"Customer ASN"</dt>
                        <dd>{c.customer_asn.map(|a| a.to_string()).unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Routing registry"</dt>
                        <dd>{text(c.routing_registry_name)}</dd>
                    }
                })}
            <dt>"Updated"</dt>
            <dd>{format::optional_time(peering.updated_at.as_deref())}</dd>
        </dl>
    }
}
