//! A connection's router configuration: for one of its configured peerings, the text each of
//! the customer's two routers needs (sub-interface, address, BGP session to Microsoft), as the
//! portal writes it for the router OS the user picks, with a copy button per router. The OS
//! picked is remembered in this browser.

use crate::api;
use crate::components::feedback::{LoadError, Loading, Retry};
use leptos::prelude::*;
use models::PeeringType;
use models::api::RouterText;
use models::router::Vendor;

const VENDOR_KEY: &str = "portal-router-vendor";

fn stored_vendor() -> Option<Vendor> {
    Vendor::parse(&crate::shared::remembered(VENDOR_KEY)?)
}

fn store_vendor(v: Vendor) {
    crate::shared::remember(VENDOR_KEY, v.as_str());
}

/// The panel, shown while at least one peering is configured. `peerings` lists the configured
/// ones with their `base`, so the text is fetched again when a peering's settings change;
/// `one_port` names the port both legs start from, when they start from one.
#[component]
pub fn RouterConfigPanel(
    id: String,
    peerings: Signal<Vec<(PeeringType, String)>>,
    one_port: Memo<Option<String>>,
) -> impl IntoView {
    let vendor = RwSignal::new(stored_vendor().unwrap_or(Vendor::CiscoIosXe));
    let chosen = RwSignal::new(None::<PeeringType>);
    // The chosen peering while it is configured, else the first configured one.
    let pick = move |ps: &[(PeeringType, String)]| {
        chosen
            .get()
            .and_then(|t| ps.iter().find(|p| p.0 == t))
            .or_else(|| ps.first())
            .cloned()
    };
    let shown = Memo::new(move |_| peerings.with(|ps| pick(ps)));
    // What the panel draws, in one memo so that it is redrawn whenever any part changes:
    // the peering shown and every configured one to choose from.
    let choice = Memo::new(move |_| {
        peerings.with(|ps| pick(ps).map(|(t, _)| (t, ps.iter().map(|p| p.0).collect::<Vec<_>>())))
    });
    let texts = crate::shared::resource(move || {
        let (shown, vendor, id) = (shown.get(), vendor.get(), id.clone());
        async move {
            match shown {
                Some((t, _)) => api::router_config(id, t, vendor).await.map(Some),
                None => Ok(None),
            }
        }
    });
    move || {
        let (t, types) = choice.get()?;
        Some(view! {
            <section class="panel" data-test="router-config" aria-labelledby="router-config-title">
                <h2 id="router-config-title">"Router configuration"</h2>
                <p class="help">
                    "What your two routers need for a peering as it is configured: a VLAN sub-interface with your address of the link's subnet and a BGP session to Microsoft (AS 12076). The shared key is never shown here."
                </p>
                {move || one_port.get().map(|port| view! {
                    <p class="notice warn" data-test="one-port">
                        {format!(
                            "Both legs start from one port, {port}: one router there carries both links. The two texts below take the same VLAN on it, which one port cannot carry twice: apply the primary link's text alone (its session works, the secondary's stays down), or order the connection from two ports to have both links.",
                        )}
                    </p>
                })}
                <div class="filters">
                    <div class="field">
                        <label for="router-peering">"Peering"</label>
                        <select id="router-peering" data-test="router-peering"
                            on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                            {types
                                .into_iter()
                                .map(|pt| {
                                    view! { <option value=pt.as_wire() selected=pt == t>{format!("{} peering", pt.label())}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="router-vendor">"Router OS"</label>
                        <select id="router-vendor" data-test="router-vendor"
                            on:change=move |ev| {
                                if let Some(v) = Vendor::parse(&event_target_value(&ev)) {
                                    store_vendor(v);
                                    vendor.set(v);
                                }
                            }>
                            {Vendor::ALL
                                .into_iter()
                                .map(|o| view! { <option value=o.as_str() selected=o == vendor.get_untracked()>{o.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                {move || match texts.get() {
                    None => view! { <Loading label="Writing the configuration…"/> }.into_any(),
                    Some(Err(e)) => view! { <LoadError error=e retry=Retry::of(texts)/> }.into_any(),
                    Some(Ok(v)) => view! {
                        <div class="router-configs">
                            {v.map(|v| v.routers.into_iter().map(|r| view! { <RouterConfig router=r/> }).collect_view())}
                        </div>
                    }
                    .into_any(),
                }}
            </section>
        })
    }
}

/// One router's text with its copy button, or why there is none.
#[component]
fn RouterConfig(router: RouterText) -> impl IntoView {
    let test = format!("router-config-{}", router.link);
    let title = match router.link.as_str() {
        "primary" => "Primary router",
        _ => "Secondary router",
    };
    let Some(text) = router.text else {
        let problem = router.problem.unwrap_or_default();
        return view! {
            <div class="router-config" data-test=test>
                <h3>{title}</h3>
                <p class="notice warn">{format!("Cannot be written for this peering: {problem}")}</p>
            </div>
        }
        .into_any();
    };
    let copied = RwSignal::new(None::<bool>);
    let copy_text = StoredValue::new(text.clone());
    let copy = move |_| {
        let promise = window()
            .navigator()
            .clipboard()
            .write_text(&copy_text.get_value());
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await;
            copied.set(Some(done.is_ok()));
        });
    };
    // The clipboard exists only in secure contexts (HTTPS, or http://localhost).
    let can_copy = window().is_secure_context();
    view! {
        <div class="router-config" data-test=test>
            <div class="router-config-head">
                <h3>{title}</h3>
                {can_copy
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                on:click=copy
                                data-test="copy"
                                aria-label=format!("Copy the {} configuration", title.to_lowercase())
                            >
                                "Copy"
                            </button>
                        }
                    })}
                <span class="muted small" role="status">
                    {move || match copied.get() {
                        Some(true) => "Copied.",
                        Some(false) => "Could not copy: select the text instead.",
                        None => "",
                    }}
                </span>
            </div>
            <pre class="config" tabindex="0" role="region" aria-label=format!("{title} configuration")>{text}</pre>
        </div>
    }
    .into_any()
}
