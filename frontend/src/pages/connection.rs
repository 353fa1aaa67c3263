//! `/connections/:id`: one connection — statuses, masked service key, both legs — and a card
//! per peering type with its configuration and actions; refreshed while anything moves.

use crate::api::{self, ApiResult};
use crate::components::details::{LegsTable, PeeringConfigDetails};
use crate::components::feedback::{LoadError, Loading, RefreshError, Retry};
use crate::components::names;
use crate::components::router::RouterConfigPanel;
use crate::components::status::{connection_status, provisioning_status, sync_status};
use crate::format;
use crate::poll::Poll;
use crate::route::use_params_map;
use leptos::prelude::*;
use models::api::{AuditQuery, ConnectionView, PeeringView};
use models::{ConnectionStatus, PeeringType};

type PeeringResource = crate::shared::Fetch<ApiResult<Option<PeeringView>>>;

#[component]
pub fn ConnectionPage() -> impl IntoView {
    crate::nav::title("Connection");
    let params = use_params_map();
    move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        view! { <Connection id=id/> }
    }
}

/// What a delete page has just removed of a connection.
#[derive(Clone, Copy)]
pub enum Removed {
    Peering(PeeringType),
    /// The connection itself: Console Connect has taken the delete and removes it.
    Connection,
}

thread_local! {
    /// What the delete page has just removed, with its connection's id: said once on that
    /// connection's page, which the delete page leads back to.
    static REMOVED: std::cell::Cell<Option<(Removed, [u8; 24])>> =
        const { std::cell::Cell::new(None) };
}

/// Tells the page of connection `id` what of it has just been removed.
pub fn removed(id: &str, what: Removed) {
    if let Ok(id) = <[u8; 24]>::try_from(id.as_bytes()) {
        REMOVED.set(Some((what, id)));
    }
}

/// What of connection `id` was just removed, if anything was: told once.
fn take_removed(id: &str) -> Option<Removed> {
    match REMOVED.take() {
        Some((what, of)) if of.as_slice() == id.as_bytes() => Some(what),
        _ => None,
    }
}

#[component]
fn Connection(id: String) -> impl IntoView {
    let removed = take_removed(&id);
    // A colleague's change (a peering, a delete) shows up on a page left open, as in a tab
    // shown again.
    let poll = Poll::new().also_when_idle();
    let ports = names::ports();
    let conn = {
        let id = id.clone();
        poll.resource(move || api::get_connection(id.clone()))
    };
    let peerings: [PeeringResource; 3] = PeeringType::ALL.map(|t| {
        let id = id.clone();
        poll.resource(move || api::get_peering(id.clone(), t))
    });
    // The page's frame is drawn once; each part of it is redrawn only when what it shows
    // changes, so a refresh never takes the keyboard focus away. A refresh that failed leaves
    // the connection as last read under its error, with a way to read it again; while it is
    // moving, the page also goes on reading it by itself (and, slowly, while it is not).
    let (shown, failed) = crate::shared::last_read(conn);
    poll.while_busy(move || {
        crate::poll::still_moving(conn, shown, ConnectionView::is_transitional)
            || peerings.iter().any(|p| {
                p.with(|r| matches!(r, Some(Ok(Some(v))) if v.sync_status.is_transitional()))
            })
    });
    let loaded = Memo::new(move |_| shown.with(Option::is_some));
    let retry = Retry::new(
        move || poll.now(),
        move || conn.reading() || peerings.iter().any(|p| p.reading()),
    );
    move || {
        if loaded.get() {
            let id = id.clone();
            view! {
                <RefreshError error=failed retry=retry/>
                {removed.map(|what| match what {
                    Removed::Peering(t) => view! {
                        <p class="notice ok" role="status" data-test="peering-removed">
                            {format!(
                                "The {} peering was removed. Take its sub-interface and BGP sessions off both your routers, if that is not done yet.",
                                t.label(),
                            )}
                        </p>
                    }
                    .into_any(),
                    Removed::Connection => view! {
                        <p class="notice ok" role="status" data-test="connection-removed">
                            {move || {
                                let deleted = shown
                                    .with(|c| {
                                        c.as_ref()
                                            .is_some_and(|c| c.status == ConnectionStatus::Deleted)
                                    });
                                if deleted {
                                    view! {
                                        "Console Connect has deleted the connection and both its legs. "
                                        <a href="/connections">"Back to the connections"</a>
                                    }
                                        .into_any()
                                } else {
                                    "Console Connect has taken the delete: it removes the connection and both its legs, Deleting and then Deleted, as this page shows."
                                        .into_any()
                                }
                            }}
                        </p>
                    }
                    .into_any(),
                })}
                <ConnectionView id=id c=shown peerings=peerings ports=ports retry=retry poll=poll/>
            }
            .into_any()
        } else {
            match failed.get() {
                None => view! { <Loading label="Loading the connection…"/> }.into_any(),
                Some(e) if e.code == models::ErrorCode::NotFound => {
                    view! { <NotFoundOrLeg id=id.clone() error=e retry=retry/> }.into_any()
                }
                Some(e) => view! {
                    <h1>"Connection"</h1>
                    <LoadError error=e retry=retry/>
                    <p>
                        <a href="/connections">"Back to connections"</a>
                    </p>
                }
                .into_any(),
            }
        }
    }
}

/// A connection the company does not have: said so, unless `id` is one of its connections'
/// legs (Console Connect lists each leg as a connection of its own), which leads to the
/// connection it belongs to once the company's connections are read. On a page with a heading
/// of its own (`headed`), what it says is a section of that page.
#[component]
pub fn NotFoundOrLeg(
    id: String,
    error: models::ApiError,
    retry: Retry,
    #[prop(optional)] headed: bool,
) -> impl IntoView {
    let (connections, legs) = names::connections_with_legs();
    let parent = Memo::new({
        let id = id.clone();
        move |_| legs.with(|l| names::name_of(l, &id))
    });
    // The history may say whose it is: another of the reader's companies, where it opens.
    let chosen = untrack(|| crate::session::Auth::get().company());
    let recent = crate::shared::resource({
        let id = id.clone();
        move || {
            api::list_audit(AuditQuery {
                connection: Some(id.clone()),
                limit: Some(5),
                ..AuditQuery::default()
            })
        }
    });
    let elsewhere = move || {
        recent.with(|r| {
            r.and_then(|r| r.as_ref().ok())?
                .events
                .iter()
                .find_map(|e| e.company.clone())
                .filter(|c| Some(c) != chosen.as_ref())
        })
    };
    let history = format!("/audit?connection={id}");
    let opens_in = crate::route::OpensIn::get();
    let heading = move |text: String| {
        if headed {
            view! { <h2>{text}</h2> }.into_any()
        } else {
            view! { <h1>{text}</h1> }.into_any()
        }
    };
    view! {
        {move || match parent.get() {
            Some(parent) => {
                let name = connections
                    .with(|c| names::name_of(c, &parent))
                    .unwrap_or_else(|| parent.clone());
                crate::nav::title(&format!("A leg of {name}"));
                view! {
                    {heading(format!("A leg of {name}"))}
                    <p data-test="leg-of">
                        "Console Connect lists each of a connection's two legs as a connection of its own: this is one of the legs of "
                        <strong>{name.clone()}</strong> ". "
                        <a href=format!("/connections/{parent}") data-test="open-parent">
                            {format!("Open {name}")}
                        </a>
                    </p>
                }
                .into_any()
            }
            None => match elsewhere() {
                Some(company) => {
                    opens_in.here(Some(company.clone()));
                    view! {
                    {(!headed).then(|| {
                        crate::nav::title("In another of your companies");
                        heading("In another of your companies".to_owned())
                    })}
                    <p class="notice" data-test="connection-elsewhere">
                        {format!(
                            "This connection belongs to {}, another of your companies: choose that company in the header to open it. ",
                            crate::session::company_label(Some(company)),
                        )}
                        <a href=history.clone()>"Its history"</a>
                        " is shown whichever you choose."
                    </p>
                }
                .into_any()
                }
                None => view! {
                    {(!headed).then(|| {
                        crate::nav::title("Connection not found");
                        heading("Connection not found".to_owned())
                    })}
                    <LoadError error=error.clone() retry=retry/>
                }
                .into_any(),
            },
        }}
        <p>
            <a href="/connections">"Back to connections"</a>
        </p>
    }
}

fn summary(c: &ConnectionView, poll: Poll) -> impl IntoView + use<> {
    view! {
        <section class="panel">
            <h2 class="visually-hidden">"Summary"</h2>
            <dl class="details columns-2" data-test="summary">
                <dt>"Status"</dt>
                <dd>{connection_status(&c.status)}</dd>
                <dt>"Azure provisioning"</dt>
                <dd>{provisioning_status(c.provisioning_status.as_ref())}</dd>
                <dt>"Speed"</dt>
                <dd>{format::optional_speed(c.speed_mbps)}</dd>
                // As ordered, where Console Connect lists them.
                {c.payment_type.as_ref().map(|p| view! {
                    <dt>"Payment"</dt>
                    <dd data-test="payment-type">{p.label().to_owned()}</dd>
                })}
                {c.class_of_service.as_ref().map(|c| view! {
                    <dt>"Class of service"</dt>
                    <dd data-test="class-of-service">{c.label().to_owned()}</dd>
                })}
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
            {
                let moving = c.is_transitional().then(|| changing_words(c));
                move || {
                    moving
                        .clone()
                        .filter(|_| poll.running())
                        .map(|what| {
                            view! {
                                <p class="muted small" role="status" data-test="refresh-note">
                                    {what}
                                    "; refreshing "
                                    {poll.pace()}
                                    "."
                                </p>
                            }
                        })
                }
            }
        </section>
    }
}

/// What is changing on a connection that is: the connection itself (its status, Azure's
/// provisioning, a leg), or only its peerings syncing, named.
fn changing_words(c: &ConnectionView) -> String {
    let itself = c.status.is_transitional()
        || c.provisioning_status
            .as_ref()
            .is_some_and(|p| p.is_transitional())
        || c.legs.iter().any(|l| l.status.is_transitional());
    let syncing: Vec<&str> = c
        .peerings
        .iter()
        .filter(|p| p.sync_status.is_transitional())
        .map(|p| p.peering_type.label())
        .collect();
    match syncing.as_slice() {
        _ if itself => "The connection is changing".to_owned(),
        [] => "The connection is changing".to_owned(),
        [one] => format!("{one} peering is syncing"),
        [first @ .., last] => format!("{} and {last} peerings are syncing", first.join(", ")),
    }
}

/// What moved since the page was first read in full, for a screen reader (the summary and the
/// cards are not read out as they change): the connection's status and each peering's sync,
/// `Private peering: Synced.`, once each time they change.
fn said_as_it_moves(
    c: Memo<Option<ConnectionView>>,
    cards: [Memo<Option<ApiResult<Option<PeeringView>>>>; 3],
) -> RwSignal<String> {
    let said = RwSignal::new(String::new());
    let states = Memo::new(move |_| {
        let loaded = c.with(Option::is_some) && cards.iter().all(|m| m.with(Option::is_some));
        loaded.then(|| {
            let mut now = Vec::new();
            if let Some(status) = c.with(|c| c.as_ref().map(|c| c.status.label().to_owned())) {
                now.push(("The connection".to_owned(), status));
            }
            for card in cards {
                card.with(|v| {
                    if let Some(Ok(Some(p))) = v {
                        now.push((
                            format!("{} peering", p.peering_type.label()),
                            p.sync_status.label().to_owned(),
                        ));
                    }
                });
            }
            now
        })
    });
    let before: StoredValue<Option<Vec<(String, String)>>> = StoredValue::new(None);
    crate::shared::effect(move || {
        let Some(now) = states.get() else {
            return;
        };
        if let Some(before) = before.get_value() {
            let moved: Vec<String> = now
                .iter()
                .filter(|s| !before.contains(s))
                .map(|(what, state)| format!("{what}: {state}."))
                .collect();
            if !moved.is_empty() {
                said.set(moved.join(" "));
            }
        }
        before.set_value(Some(now));
    });
    said
}

#[component]
fn ConnectionView(
    id: String,
    c: Memo<Option<ConnectionView>>,
    peerings: [PeeringResource; 3],
    ports: names::Names,
    retry: Retry,
    poll: Poll,
) -> impl IntoView {
    let read = move |f: fn(&ConnectionView) -> Option<AnyView>| c.with(|c| c.as_ref().and_then(f));
    let gone = Memo::new(move |_| c.with(|c| c.as_ref().is_some_and(|c| c.status.is_gone())));
    let name = Memo::new(move |_| {
        c.with(|c| c.as_ref().map(|c| c.name.clone()))
            .unwrap_or_default()
    });
    let history = format!("/audit?connection={id}");
    let delete = format!("/connections/{id}/delete");
    // The port both legs start from, when it is one (by its name where the company's ports
    // are read): one router then carries both links.
    let one_port = Memo::new(move |_| {
        c.with(|c| {
            let c = c.as_ref()?;
            let [a, b] = c.legs.as_slice() else {
                return None;
            };
            let port = a
                .src_port_id
                .as_ref()
                .filter(|p| b.src_port_id.as_ref() == Some(*p))?;
            Some(
                ports
                    .with(|ps| names::name_of(ps, port))
                    .unwrap_or_else(|| port.clone()),
            )
        })
    });
    // A refresh that failed leaves each card as last read: the connection's own error says so.
    let cards = peerings.map(crate::shared::settled_keeping);
    // Derived, not a memo: the panel's memos read the cards themselves, so no memo's change
    // has to reach the panel by two paths. From the cards, so a refresh that failed leaves the
    // router configuration as it was too.
    let configured = Signal::derive(move || {
        cards
            .iter()
            .filter_map(|r| {
                r.with(|v| {
                    let p = v.as_ref()?.as_ref().ok()?.as_ref()?;
                    Some((p.peering_type, p.base.clone()))
                })
            })
            .collect::<Vec<_>>()
    });
    let card_id = id.clone();
    let moved = said_as_it_moves(c, cards);
    view! {
        <p class="visually-hidden" role="status" data-test="moved">{moved}</p>
        <div class="page-head">
            <h1>
                {move || {
                    let name = name.get();
                    crate::nav::title(&name);
                    name
                }}
            </h1>
            <div class="head-actions">
                <a href=history class="button secondary" data-test="history">
                    "History of this connection"
                </a>
                {move || {
                    (!gone.get())
                        .then(|| {
                            view! {
                                <a href=delete.clone() class="button danger" data-test="delete-connection">
                                    "Delete connection"
                                </a>
                            }
                        })
                }}
            </div>
        </div>
        {move || {
            read(|c| {
                let r = c.error_reason.clone()?;
                Some(view! { <p class="notice warn">{format!("Console Connect reports: {r}")}</p> }.into_any())
            })
        }}
        {move || c.with(|c| c.as_ref().map(|c| summary(c, poll)))}
        <section class="panel">
            <h2>"Legs"</h2>
            {move || c.with(|c| c.as_ref().map(|c| view! { <LegsTable legs=c.legs.clone() ports=ports/> }))}
        </section>
        <section>
            <h2>"Peering"</h2>
            {move || {
                read(|c| {
                    let waiting = c.status != ConnectionStatus::Active && !c.status.is_gone();
                    waiting.then(|| {
                        view! {
                            <p class="notice" data-test="not-active">
                                {format!(
                                    "Peering can be configured once the connection is Active; it is {} now.",
                                    c.status.label(),
                                )}
                            </p>
                        }
                        .into_any()
                    })
                })
            }}
            <div class="cards">
                {move || {
                    let gone = gone.get();
                    PeeringType::ALL
                        .iter()
                        .zip(cards)
                        .map(|(t, r)| view! { <PeeringCard id=card_id.clone() t=*t peering=r gone=gone retry=retry/> })
                        .collect_view()
                }}
            </div>
        </section>
        {move || {
            (!gone.get())
                .then(|| view! { <RouterConfigPanel id=id.clone() peerings=configured one_port=one_port/> })
        }}
    }
}

#[component]
fn PeeringCard(
    id: String,
    t: PeeringType,
    peering: Memo<Option<ApiResult<Option<PeeringView>>>>,
    gone: bool,
    retry: Retry,
) -> impl IntoView {
    let configure = crate::pages::peering::wizard_path(&id, t);
    let delete = format!("{configure}/delete");
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
                    // Its settings are still shown, as they were; nothing runs over them.
                    Some(Ok(Some(_))) if gone => {
                        view! { <span class="status tone-off" data-status="REMOVED">"Removed with the connection"</span> }
                            .into_any()
                    }
                    Some(Ok(Some(p))) => sync_status(&p.sync_status).into_any(),
                    Some(Ok(None)) => view! { <span class="status tone-off" data-status="NONE">"Not configured"</span> }.into_any(),
                    _ => ().into_any(),
                }}
            </header>
            <p class="help">{t.description()}</p>
            // What to know before configuring one: nothing more is, on a connection gone.
            {t.caveat().filter(|_| !gone).map(|c| view! { <p class="help" data-test="caveat">{c}</p> })}
            {move || match peering.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <LoadError error=e retry=retry/> }.into_any(),
                Some(Ok(None)) => {
                    let configure = configure.clone();
                    // The badge says it is not configured; a connection gone or going says none is
                    // left on it (one may have been, and removed before).
                    view! {
                        {gone.then(|| view! { <p class="muted">"None left on this connection."</p> })}
                        {(!gone)
                            .then(|| {
                                view! {
                                    <div class="actions">
                                        <a href=configure class="button secondary" data-test=format!("configure-{}", t.as_wire()) aria-label=format!("Configure {} peering", t.label())>
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
                                        <a href=configure class="button secondary" data-test=format!("configure-{}", t.as_wire()) aria-label=format!("Edit {} peering", t.label())>
                                            "Edit"
                                        </a>
                                        <a href=delete class="button danger-outline" data-test=format!("delete-peering-{}", t.as_wire()) aria-label=format!("Delete {} peering", t.label())>
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

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(status: &str, peerings: &[(&str, &str)]) -> ConnectionView {
        let peerings: Vec<_> = peerings
            .iter()
            .map(|(t, s)| serde_json::json!({"peeringType": t, "syncStatus": s}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "6650a1c2e4b0d7a3c1000000", "name": "London", "speedMbps": 1000,
            "status": status, "provisioningStatus": "PROVISIONED", "serviceKeyMasked": null,
            "legs": [], "peerings": peerings, "createdAt": null, "updatedAt": null,
            "errorReason": null,
        }))
        .unwrap()
    }

    #[test]
    fn what_is_changing_is_named() {
        let syncing = |p: &[(&str, &str)]| changing_words(&connection("ACTIVE", p));
        assert_eq!(
            syncing(&[("PRIVATE", "SYNCING")]),
            "Private peering is syncing"
        );
        assert_eq!(
            syncing(&[
                ("PRIVATE", "PENDING"),
                ("PUBLIC", "SYNCED"),
                ("MICROSOFT", "SYNCING")
            ]),
            "Private and Microsoft peerings are syncing"
        );
        assert_eq!(
            changing_words(&connection("CREATING", &[("PRIVATE", "SYNCING")])),
            "The connection is changing"
        );
    }
}
