//! Deleting a connection (`/connections/:id/delete`) or one of its peerings
//! (`/connections/:id/peering/:type/delete`): what will be removed, a required reason, an
//! optional ticket, and the connection's name typed exactly before Delete enables.

use crate::api;
use crate::components::details::{LegsTable, PeeringConfigDetails};
use crate::components::feedback::{
    ActionError, LoadError, Loading, RefreshError, Retry, action_label, wait_left,
};
use crate::components::field::Field;
use crate::components::names;
use crate::components::note::{NoteFields, note_ok, ticket_value};
use crate::components::status::{connection_status, sync_status};
use crate::form::{Input, apply_server_errors, touch_all};
use crate::format;
use crate::pages::connection::NotFoundOrLeg;
use crate::pages::not_found::NotFound;
use crate::poll::Poll;
use crate::route::{use_navigate, use_params_map};
use leptos::prelude::*;
use models::api::{ConnectionView, DeleteRequest};
use models::{ApiError, ErrorCode, PeeringType, validate};

/// Reason, ticket and the typed name; `on_delete` gets the request once every rule holds.
#[component]
fn DeleteForm(
    /// The connection's name, which the user must type.
    name: String,
    #[prop(into)] what: String,
    pending: Memo<bool>,
    #[prop(into)] error: Signal<Option<ApiError>>,
    reason: Input,
    ticket: Input,
    confirm: Input,
    on_delete: Callback<DeleteRequest>,
) -> impl IntoView {
    let expected = name.clone();
    // Whether the name is being typed: from a keystroke in its input until the input is left.
    let typing = RwSignal::new(false);
    let confirm_error = Signal::derive(move || {
        let typed = confirm.get();
        // Say nothing while the name is still being typed correctly; once the input is left,
        // a name typed only in part is said not to match.
        let partial = typing.get() && expected.starts_with(typed.trim());
        let rule = (!partial || typed.trim().is_empty())
            .then(|| {
                validate::confirmation(&typed, &expected)
                    .err()
                    .map(|e| e.to_string())
            })
            .flatten();
        confirm.shown(rule)
    });
    let expected = name.clone();
    let ready = move || {
        note_ok(reason, ticket, true) && validate::confirmation(&confirm.get(), &expected).is_ok()
    };
    let ready_attr = ready.clone();
    let ready_hint = ready.clone();
    let ready_key = ready.clone();
    // A busy Console Connect's wait (`Retry-After`) is counted down before sending again.
    let wait = wait_left(move || {
        error.track();
    });
    let submit = move || {
        typing.set(false);
        touch_all(&[reason, ticket, confirm]);
        if ready() {
            on_delete.run(DeleteRequest {
                reason: reason.get_untracked().trim().to_owned(),
                ticket: ticket_value(ticket),
                confirm_name: confirm.get_untracked(),
                expected_base: None,
            });
        }
    };
    view! {
        <form
            class="panel danger-zone"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                if !pending.get_untracked() && wait.get_untracked() == 0 {
                    submit();
                    crate::form::focus_first_invalid(&event_target(&ev));
                }
            }
            on:keydown=move |ev| {
                crate::form::enter_while_blocked(
                    &ev,
                    !ready_key() && !pending.get_untracked(),
                    || {
                        typing.set(false);
                        touch_all(&[reason, ticket, confirm]);
                    },
                )
            }
        >
            <h2>{format!("Delete {what}")}</h2>
            <NoteFields reason=reason ticket=ticket required=true purpose="Why it is removed"/>
            <Field
                id="confirmName"
                label=format!("Type the connection name \u{201c}{name}\u{201d} to confirm")
                error=confirm_error
            >
                <input
                    id="confirmName"
                    name="confirmName"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="confirmName-error"
                    aria-invalid=move || confirm_error.get().is_some().to_string()
                    prop:value=move || confirm.get()
                    on:input=move |ev| {
                        typing.set(true);
                        confirm.edit(event_target_value(&ev));
                    }
                    on:blur=move |_| typing.set(false)
                />
            </Field>
            <ActionError error=error/>
            <div class="actions">
                <button
                    type="submit"
                    class="danger"
                    data-test="confirm-delete"
                    disabled=move || !ready_attr() || pending.get() || wait.get() != 0
                >
                    {move || action_label(pending.get(), wait.get(), "Delete", "Deleting…")}
                </button>
            </div>
            <Show when=move || !ready_hint()>
                <p class="help right" data-test="delete-needs">
                    "Give the reason above and type the connection's name, as shown, to delete."
                </p>
            </Show>
        </form>
    }
}

/// What a delete's answer leads to: back to the connection (`back`) when it is done; on
/// `changed_since_read`, a refusal of what is there now (`conflict`, or `not_found`: deleted
/// meanwhile, from another tab say) or a failure after which it may have been deleted all the
/// same, `reread`, so the page shows what is there now beside the server's message (or, if it
/// is gone, says so in place of the form); any other refusal under its field (reason, ticket,
/// typed name). The error to show.
fn follow_delete(
    delete: crate::shared::Act<DeleteRequest, Result<(), ApiError>>,
    back: String,
    [reason, ticket, confirm]: [Input; 3],
    reread: Callback<()>,
) -> Signal<Option<ApiError>> {
    let navigate = use_navigate();
    crate::shared::effect(move || match delete.value() {
        Some(Ok(())) => navigate(&back, Default::default()),
        Some(Err(e))
            if matches!(
                e.code,
                ErrorCode::ChangedSinceRead | ErrorCode::Conflict | ErrorCode::NotFound
            ) || e.may_have_been_made() =>
        {
            reread.run(())
        }
        Some(Err(e)) => {
            apply_server_errors(
                &e,
                &[
                    ("reason", reason),
                    ("ticket", ticket),
                    ("confirmName", confirm),
                ],
            );
        }
        None => {}
    });
    Signal::derive(move || delete.value().and_then(Result::err))
}

/// Says that the connection is already deleted (or being deleted), and `more`.
fn already_going(c: &ConnectionView, more: &'static str) -> impl IntoView {
    view! {
        <p class="notice" data-test="already-deleted">
            {format!("Connection {} is {}.", c.name, c.status.gone_words())}
            {more}
        </p>
    }
}

#[component]
pub fn DeleteConnectionPage() -> impl IntoView {
    crate::nav::title("Delete a connection");
    let params = use_params_map();
    move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        view! { <DeleteConnection id=id/> }
    }
}

#[component]
fn DeleteConnection(id: String) -> impl IntoView {
    let ports = names::ports();
    // What will be removed is read again while the connection is moving (Creating, say), as
    // its own page does, so that it is confirmed against what it is now.
    let poll = Poll::new();
    let conn = {
        let id = id.clone();
        poll.resource(move || api::get_connection(id.clone()))
    };
    let (shown, failed) = crate::shared::last_read(conn);
    poll.while_busy(move || {
        crate::poll::still_moving(conn, shown, ConnectionView::is_transitional)
    });
    // The page is drawn anew only when what it is changes (read, gone, or renamed), never at a
    // refresh: what is typed into the form, and the keyboard's place in it, stay.
    let state = Memo::new(move |_| {
        shown.with(|c| c.as_ref().map(|c| (c.status.is_gone(), c.name.clone())))
    });
    let (reason, ticket, confirm) = (Input::new(""), Input::new(""), Input::new(""));
    let delete = {
        let id = id.clone();
        crate::shared::action(move |req: &DeleteRequest| {
            let (id, req) = (id.clone(), req.clone());
            async move {
                let deleted = api::delete_connection(id.clone(), req).await;
                if deleted.is_ok() {
                    crate::pages::connection::removed(
                        &id,
                        crate::pages::connection::Removed::Connection,
                    );
                }
                deleted.map(|_| ())
            }
        })
    };
    let back = format!("/connections/{id}");
    let error = follow_delete(
        delete,
        back.clone(),
        [reason, ticket, confirm],
        Callback::new(move |()| conn.refetch()),
    );
    view! {
        <div class="page-head">
            <h1>"Delete connection"</h1>
            <a href=back class="button secondary">
                "Cancel"
            </a>
        </div>
        {move || match state.get() {
            None => match failed.get() {
                None => view! { <Loading/> }.into_any(),
                Some(e) if e.code == ErrorCode::NotFound => {
                    view! { <NotFoundOrLeg id=id.clone() error=e retry=Retry::of(conn) headed=true/> }
                        .into_any()
                }
                // The delete's own error (it may have been made) stays said while what is
                // there now cannot be read.
                Some(e) => {
                    view! {
                        <ActionError error=error/>
                        <LoadError error=e retry=Retry::of(conn)/>
                    }
                        .into_any()
                }
            },
            Some((true, _)) => shown
                .get_untracked()
                .map(|c| already_going(&c, "").into_any())
                .into_any(),
            Some((false, name)) => {
                crate::nav::title(&format!("Delete {name}"));
                // Each part below follows the connection as read again.
                let part = move |f: fn(&ConnectionView) -> AnyView| {
                    move || shown.with(|c| c.as_ref().map(f))
                };
                view! {
                    <RefreshError error=failed retry=Retry::of(conn)/>
                    <section class="panel" data-test="delete-summary">
                        <h2>"What will be removed"</h2>
                        <p>
                            "The connection, both of its legs and every peering on it. Azure traffic over it stops."
                        </p>
                        <dl class="details">
                            <dt>"Name"</dt>
                            <dd>{name.clone()}</dd>
                            <dt>"Status"</dt>
                            <dd data-test="delete-status">{part(|c| connection_status(&c.status).into_any())}</dd>
                            <dt>"Speed"</dt>
                            <dd>{part(|c| format::optional_speed(c.speed_mbps).into_any())}</dd>
                            <dt>"Peerings"</dt>
                            <dd>
                                {part(|c| if c.peerings.is_empty() {
                                    view! { "None" }.into_any()
                                } else {
                                    view! {
                                        <ul class="badges">
                                            {c.peerings
                                                .iter()
                                                .map(|p| view! { <li>{p.peering_type.label()} " " {sync_status(&p.sync_status)}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                })}
                            </dd>
                        </dl>
                        {move || shown.with(|c| c.as_ref().map(|c| view! { <LegsTable legs=c.legs.clone() ports=ports/> }))}
                    </section>
                    <DeleteForm
                        name=name.clone()
                        what=format!("connection {name}")
                        pending=delete.pending()
                        error=error
                        reason=reason
                        ticket=ticket
                        confirm=confirm
                        on_delete=Callback::new(move |mut req: DeleteRequest| {
                            // Confirmed against the connection as last read, and shown.
                            req.expected_base = shown.with_untracked(|c| c.as_ref().map(|c| c.base.clone()));
                            delete.dispatch(req);
                        })
                    />
                }
                    .into_any()
            }
        }}
    }
}

#[component]
pub fn DeletePeeringPage() -> impl IntoView {
    crate::nav::title("Delete a peering");
    let params = use_params_map();
    move || {
        let (id, t) = params.with(|p| (p.get("id").unwrap_or_default(), p.get("type")));
        match t.and_then(|t| t.parse::<PeeringType>().ok()) {
            Some(t) => view! { <DeletePeering id=id t=t/> }.into_any(),
            None => view! { <NotFound/> }.into_any(),
        }
    }
}

#[component]
fn DeletePeering(id: String, t: PeeringType) -> impl IntoView {
    let conn = {
        let id = id.clone();
        crate::shared::resource(move || api::get_connection(id.clone()))
    };
    let peering = {
        let id = id.clone();
        crate::shared::resource(move || api::get_peering(id.clone(), t))
    };
    let (reason, ticket, confirm) = (Input::new(""), Input::new(""), Input::new(""));
    let delete = {
        let id = id.clone();
        crate::shared::action(move |req: &DeleteRequest| {
            let (id, req) = (id.clone(), req.clone());
            async move {
                let removed = api::delete_peering(id.clone(), t, req).await;
                if removed.is_ok() {
                    crate::pages::connection::removed(
                        &id,
                        crate::pages::connection::Removed::Peering(t),
                    );
                }
                removed
            }
        })
    };
    let back = format!("/connections/{id}");
    let error = follow_delete(
        delete,
        back.clone(),
        [reason, ticket, confirm],
        // Refused: the peering, and the connection it is on (deleted meanwhile, say), as they
        // are now.
        Callback::new(move |()| {
            conn.refetch();
            peering.refetch();
        }),
    );
    view! {
        <div class="page-head">
            <h1>{format!("Delete {} peering", t.label())}</h1>
            <a href=back class="button secondary">
                "Cancel"
            </a>
        </div>
        {move || match (conn.get(), peering.get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => {
                view! {
                    <ActionError error=error/>
                    <LoadError error=e retry=Retry::both(conn, peering)/>
                }
                    .into_any()
            }
            (Some(Ok(c)), _) if c.status.is_gone() => {
                already_going(&c, " Its peerings go with it.").into_any()
            }
            (Some(Ok(_)), Some(Ok(None))) => {
                view! {
                    <ActionError error=error/>
                    <p class="notice" data-test="no-peering">{format!("No {} peering is configured on this connection.", t.label())}</p>
                }
                    .into_any()
            }
            (Some(Ok(c)), Some(Ok(Some(p)))) => {
                crate::nav::title(
                    &format!("Delete {}", crate::pages::peering::peering_title(t, &c.name)),
                );
                let base = p.base.clone();
                let still_syncing = p.sync_status.is_transitional().then_some(
                    " Its last change has not finished syncing: removing it now removes that change too.",
                );
                view! {
                    <section class="panel" data-test="delete-summary">
                        <h2>"What will be removed"</h2>
                        <p>
                            {format!("The {} peering of connection {}: Azure stops exchanging routes over it.", t.label(), c.name)}
                        </p>
                        <p data-test="delete-sync">
                            "Sync status: " {sync_status(&p.sync_status)} {still_syncing}
                        </p>
                        <p class="help" data-test="routers-after">
                            {format!(
                                "Then take its sub-interface (VLAN {}) and its BGP sessions to Microsoft off both your routers: the connection's page no longer writes their configuration, so note it first if you need it.",
                                p.config.vlan_id,
                            )}
                        </p>
                        <PeeringConfigDetails peering=p/>
                    </section>
                    <DeleteForm
                        name=c.name.clone()
                        what=format!("the {} peering", t.label())
                        pending=delete.pending()
                        error=error
                        reason=reason
                        ticket=ticket
                        confirm=confirm
                        on_delete=Callback::new(move |mut req: DeleteRequest| {
                            req.expected_base = Some(base.clone());
                            delete.dispatch(req);
                        })
                    />
                }
                    .into_any()
            }
            _ => view! { <Loading/> }.into_any(),
        }}
    }
}
