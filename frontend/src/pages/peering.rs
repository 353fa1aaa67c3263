//! `/connections/:id/peering/:type`: the peering wizard — the fields that apply to the type,
//! each checked by the shared rules as it is typed; a review of the field-level difference with
//! a reason; then the change applied and followed until Azure has it (SYNCED).

use crate::api;
use crate::components::details::{PeeringConfigDetails, router_help};
use crate::components::diff::DiffTable;
use crate::components::feedback::{
    ActionError, LoadError, Loading, Retry, action_label, wait_left,
};
use crate::components::field::{Field, ShowSecret, TextInput, TextKind};
use crate::components::note::{NoteFields, note_ok, ticket_value};
use crate::components::status::{connection_status, sync_status};
use crate::components::steps::{StepState, Stepper, WizardSteps};
use crate::draft::DraftNotice;
use crate::form::{Input, apply_server_errors, touch_all};
use crate::pages::connection::NotFoundOrLeg;
use crate::pages::not_found::NotFound;
use crate::poll::Poll;
use crate::route::{NavigateOptions, use_navigate, use_params_map, use_query_map};
use leptos::prelude::*;
use models::api::{ConnectionView, PeeringChangeRequest, PeeringView, PreviewResponse};
use models::upstream::PeeringConfig;
use models::validate::{self, OtherPeering, ROUTING_REGISTRIES};
use models::{ApiError, ConnectionStatus, ErrorCode, PeeringType, SyncStatus, ValidationError};

const STEPS: &[&str] = &["Settings", "Review", "Apply"];

/// The `step` of the address an applied change leaves: opened (or reloaded) there, the page
/// follows the peering's sync rather than showing the form.
const APPLIED: &str = "applied";
/// The mark of a review's history entry, added over the settings' entry.
const REVIEW_ENTRY: &str = "portal-peering-review";

/// The address of the wizard of a connection's peering of type `t`.
pub fn wizard_path(id: &str, t: PeeringType) -> String {
    format!("/connections/{id}/peering/{}", t.as_wire())
}

/// The address an applied change leaves, of the wizard at `plain`.
fn applied_path(plain: &str) -> String {
    format!("{plain}?step={APPLIED}")
}

#[component]
pub fn PeeringPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let (id, t) = params.with(|p| (p.get("id").unwrap_or_default(), p.get("type")));
        match t.and_then(|t| t.parse::<PeeringType>().ok()) {
            Some(t) => view! { <PeeringWizard id=id t=t/> }.into_any(),
            None => view! { <NotFound/> }.into_any(),
        }
    }
}

/// What the wizard needs before it can show the form; once it can, it stays.
#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed(ApiError),
    NotActive(ConnectionView),
    Ready {
        /// Boxed: the connection and the peering are the bulk of this value.
        connection: Box<ConnectionView>,
        current: Option<PeeringView>,
    },
}

/// "Private peering on Azure London": which peering of which connection a tab shows.
pub fn peering_title(t: PeeringType, connection: &str) -> String {
    format!("{} peering on {connection}", t.label())
}

#[component]
fn PeeringWizard(id: String, t: PeeringType) -> impl IntoView {
    crate::nav::title(&format!("{} peering", t.label()));
    // Read again while the connection is still being set up, so the form shows once it is
    // Active.
    let poll = Poll::new();
    let conn = {
        let id = id.clone();
        poll.resource(move || api::get_connection(id.clone()))
    };
    let peerings = {
        let id = id.clone();
        poll.resource(move || {
            let id = id.clone();
            async move {
                let mut all = Vec::new();
                for pt in PeeringType::ALL {
                    all.push((pt, api::get_peering(id.clone(), pt).await?));
                }
                Ok::<_, ApiError>(all)
            }
        })
    };
    poll.while_busy(move || {
        conn.with(|c| {
            matches!(c, Some(Ok(c)) if c.status != ConnectionStatus::Active
                && c.is_transitional()
                && !c.status.is_gone())
        })
    });
    let loaded = Memo::new(
        move |last: Option<&Loaded>| match (conn.get(), peerings.get()) {
            // The form, once shown, is not drawn again under what is typed in it (a tab shown
            // again reads the connection again).
            _ if matches!(last, Some(Loaded::Ready { .. })) => {
                last.cloned().unwrap_or(Loaded::Loading)
            }
            (Some(Err(e)), _) | (_, Some(Err(e))) => Loaded::Failed(e),
            (Some(Ok(c)), _) if c.status != ConnectionStatus::Active => Loaded::NotActive(c),
            (Some(Ok(connection)), Some(Ok(all))) => Loaded::Ready {
                connection: Box::new(connection),
                current: all
                    .iter()
                    .find(|(pt, _)| *pt == t)
                    .and_then(|(_, p)| p.clone()),
            },
            _ => Loaded::Loading,
        },
    );
    // The other peerings of the connection (their VLANs and subnets), as last read: unlike the
    // form, they follow a new reading, for a colleague may have changed them since.
    let others = Memo::new(move |last: Option<&Vec<OtherPeering>>| {
        peerings.with(|all| match all {
            Some(Ok(all)) => all
                .iter()
                .filter(|(pt, _)| *pt != t)
                .filter_map(|(pt, p)| p.as_ref().map(|p| OtherPeering::configured(*pt, &p.config)))
                .collect(),
            _ => last.cloned().unwrap_or_default(),
        })
    });
    let read_others = Callback::new(move |()| peerings.refetch());
    // The form, once shown, stays; but a change refused for the connection's state reads the
    // connection again, and while it is no longer Active (a colleague deletes it) Apply waits.
    let read_connection = Callback::new(move |()| conn.refetch());
    let inactive = Signal::derive(move || {
        conn.with(|c| matches!(c, Some(Ok(c)) if c.status != ConnectionStatus::Active))
    });
    let back = format!("/connections/{id}");
    let missing = id.clone();
    // Opened at an applied change's address: its sync is followed here, without the form, until
    // the address is another of this page's (Back or Forward to an entry of the wizard's).
    let query = use_query_map();
    let at = move || query.with(|q| q.get("step"));
    let following = RwSignal::new(untrack(at).as_deref() == Some(APPLIED));
    {
        let path = crate::route::use_path();
        let here = wizard_path(&id, t);
        let navigate = use_navigate();
        crate::shared::effect(move || {
            let at = at();
            if !following.get_untracked() || !path.with(|p| *p == here) {
                return;
            }
            match at.as_deref() {
                Some(APPLIED) => {}
                // The review's entry, once applied: the address says what is shown.
                Some("review") => navigate(
                    &applied_path(&here),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                _ => following.set(false),
            }
        });
    }
    view! {
        <div class="page-head">
            <h1>{format!("{} peering", t.label())}</h1>
            <a href=back.clone() class="button secondary">
                "Back to the connection"
            </a>
        </div>
        <p class="lead">
            {move || {
                conn.with(|c| match c {
                    Some(Ok(c)) => Some(c.name.clone()),
                    _ => None,
                })
                    .map(|name| view! { <span data-test="peering-of">"On " <strong>{name}</strong> ". "</span> })
            }}
            {t.description()}
        </p>
        {t.caveat().map(|c| view! { <p class="notice" data-test="caveat">{c}</p> })}
        {move || match loaded.get() {
            Loaded::Loading => view! { <Loading/> }.into_any(),
            // A leg's id (Console Connect lists legs as connections) names its connection.
            Loaded::Failed(e) if e.code == ErrorCode::NotFound => {
                view! { <NotFoundOrLeg id=missing.clone() error=e retry=Retry::both(conn, peerings) headed=true/> }
                    .into_any()
            }
            Loaded::Failed(e) => {
                view! { <LoadError error=e retry=Retry::both(conn, peerings)/> }.into_any()
            }
            Loaded::NotActive(c) => {
                crate::nav::title(&peering_title(t, &c.name));
                view! {
                    <div class="panel notice-panel" data-test="not-active">
                        <h2>
                            {if c.status.is_gone() {
                                format!(
                                    "This connection is {}: it takes no peering",
                                    c.status.label().to_lowercase(),
                                )
                            } else {
                                "This connection cannot take peering yet".to_owned()
                            }}
                        </h2>
                        {(!c.status.is_gone()).then(|| view! {
                            <p>
                                "Peering can be configured only once the connection is Active. It is "
                                {connection_status(&c.status)}
                                " now."
                            </p>
                        })}
                        {(c.is_transitional() && !c.status.is_gone()).then(|| {
                            let progress = format!("/connections/{}/progress", c.id);
                            view! {
                                <p>
                                    <a href=progress>"Follow its progress"</a>
                                    {move || {
                                        poll.running()
                                            .then(|| view! {
                                                <span data-test="form-follows">
                                                    ", or stay here: the form shows once it is Active (refreshing "
                                                    {poll.pace()}
                                                    ")."
                                                </span>
                                            })
                                    }}
                                </p>
                            }
                        })}
                    </div>
                }
                    .into_any()
            }
            // A peering that is not there (the address kept, or typed) has no change to follow.
            Loaded::Ready { connection, current } if following.get() && current.is_some() => {
                view! {
                    <WizardSteps current=RwSignal::new(2) names=STEPS/>
                    <Follow id=connection.id.clone() t=t connection=connection.name first=current/>
                }
                    .into_any()
            }
            Loaded::Ready { connection, current } => {
                crate::nav::title(&peering_title(t, &connection.name));
                view! {
                    <PeeringForm
                        connection=*connection
                        t=t
                        current=current
                        others=others
                        read_others=read_others
                        read_connection=read_connection
                        inactive=inactive
                    />
                }
                    .into_any()
            }
        }}
    }
}

/// The sync status of the peering of type `t`, read every few seconds while it moves and the
/// wizard is at its form (`step` before Apply): `None` until read, `Some(None)` once the
/// peering is gone.
fn sync_followed(
    id: String,
    t: PeeringType,
    step: RwSignal<usize>,
) -> Memo<Option<Option<SyncStatus>>> {
    let poll = Poll::new();
    let read = poll.resource(move || api::get_peering(id.clone(), t));
    let (shown, _) = crate::shared::last_read(read);
    poll.while_busy(move || {
        step.get() < 2
            && crate::poll::still_moving(read, shown, |p: &Option<PeeringView>| {
                p.as_ref().is_some_and(|p| p.sync_status.is_transitional())
            })
    });
    Memo::new(move |_| {
        shown.with(|read| {
            read.as_ref()
                .map(|p| p.as_ref().map(|p| p.sync_status.clone()))
        })
    })
}

/// The value of [`Draft::keep_shared_key`] while the current shared key is kept.
const KEEP: &str = "keep";
/// The value of [`Draft::key_entered`] while a shared key is typed.
const ENTERED: &str = "entered";

/// Beside an ASN field: what is worth saying of a number its rule takes but that names no
/// network (AS_TRANS, a documentation ASN…), as it is typed.
#[component]
fn AsnNote(id: &'static str, input: Input) -> impl IntoView {
    view! {
        <p class="field-note" id=format!("{id}-note") aria-live="polite" data-test=format!("{id}-note")>
            {move || validate::parse_asn(id, &input.get()).ok().and_then(validate::asn_note)}
        </p>
    }
}

/// Everything typed in the form.
#[derive(Clone, Copy)]
struct Draft {
    peer_asn: Input,
    primary: Input,
    secondary: Input,
    vlan: Input,
    shared_key: Input,
    /// [`KEEP`] while the current shared key is kept, else empty: an input, so a draft brought
    /// back keeps the choice to replace or remove the key.
    keep_shared_key: Input,
    /// [`ENTERED`] while a shared key is typed, else empty: kept in the draft where the key
    /// itself never is, so that a reload that drops a new key keeps the current one rather
    /// than take the empty field to mean removing it.
    key_entered: Input,
    prefixes: Input,
    customer_asn: Input,
    registry: Input,
}

impl Draft {
    fn new(current: Option<&PeeringView>) -> Self {
        let c = current.map(|p| &p.config);
        let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        Draft {
            peer_asn: Input::new(number(c.map(|c| c.peer_asn))),
            primary: Input::new(c.map(|c| c.primary_peer_subnet.clone()).unwrap_or_default()),
            secondary: Input::new(
                c.map(|c| c.secondary_peer_subnet.clone())
                    .unwrap_or_default(),
            ),
            vlan: Input::new(number(c.map(|c| c.vlan_id))),
            shared_key: Input::new(""),
            keep_shared_key: Input::new(if current.is_some_and(|p| p.shared_key_set) {
                KEEP
            } else {
                ""
            }),
            key_entered: Input::new(""),
            prefixes: Input::new(
                c.and_then(|c| c.advertised_public_prefixes.clone())
                    .unwrap_or_default()
                    .join("\n"),
            ),
            customer_asn: Input::new(number(c.and_then(|c| c.customer_asn))),
            registry: Input::new(
                c.and_then(|c| c.routing_registry_name.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    /// Whether the current shared key is kept.
    fn keeps_key(&self) -> bool {
        self.keep_shared_key.get() == KEEP
    }

    fn inputs(&self) -> [(&'static str, Input); 10] {
        [
            ("peerASN", self.peer_asn),
            ("primaryPeerSubnet", self.primary),
            ("secondaryPeerSubnet", self.secondary),
            ("vlanId", self.vlan),
            ("sharedKey", self.shared_key),
            ("keepSharedKey", self.keep_shared_key),
            ("sharedKeyEntered", self.key_entered),
            ("advertisedPublicPrefixes", self.prefixes),
            ("customerASN", self.customer_asn),
            ("routingRegistryName", self.registry),
        ]
    }
}

/// The form checked by the shared rules: each broken rule under its field, and the config to
/// send when nothing is broken.
#[derive(Debug, Clone, PartialEq, Default)]
struct Checked {
    errors: Vec<(&'static str, String)>,
    config: Option<PeeringConfig>,
}

impl Checked {
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    }
}

fn check(t: PeeringType, d: Draft, others: &[OtherPeering]) -> Checked {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let mut keep = |r: Result<u64, ValidationError>| {
        r.map_err(|e| errors.push((e.field(), e.to_string()))).ok()
    };
    let peer_asn = keep(validate::parse_asn("peerASN", &d.peer_asn.get()));
    let vlan = keep(
        validate::parse_vlan("vlanId", &d.vlan.get())
            .and_then(|v| validate::vlan_among(v, t, others)),
    );
    let customer_text = d.customer_asn.get();
    let customer_asn = if t == PeeringType::Microsoft && !customer_text.trim().is_empty() {
        keep(validate::parse_asn("customerASN", &customer_text)).map(Some)
    } else {
        Some(None)
    };
    let mut sessions = Vec::new();
    for r in validate::peer_subnets_among(&d.primary.get(), &d.secondary.get(), t, others) {
        match r {
            Ok(subnet) => sessions.push(subnet),
            Err(e) => errors.push((e.field(), e.to_string())),
        }
    }
    let key_text = d.shared_key.get();
    let keep_key = d.keeps_key();
    if !keep_key && let Err(e) = validate::shared_key(Some(&key_text)) {
        errors.push((e.field(), e.to_string()));
    }
    let mut prefixes = None;
    let mut registry = None;
    if t == PeeringType::Microsoft {
        let list = validate::split_prefixes(&d.prefixes.get());
        match validate::advertised_prefixes(&list)
            .and_then(|nets| validate::prefix_family(&nets, &sessions))
        {
            Ok(()) => prefixes = Some(list),
            Err(e) => errors.push((e.field(), e.to_string())),
        }
        let r = d.registry.get();
        if !r.trim().is_empty() {
            match validate::routing_registry(&r) {
                Ok(()) => registry = Some(r.trim().to_owned()),
                Err(e) => errors.push((e.field(), e.to_string())),
            }
        }
    }
    let config = match (peer_asn, vlan, customer_asn) {
        (Some(peer_asn), Some(vlan_id), Some(customer_asn)) if errors.is_empty() => {
            Some(PeeringConfig {
                peer_asn,
                primary_peer_subnet: d.primary.get().trim().to_owned(),
                secondary_peer_subnet: d.secondary.get().trim().to_owned(),
                vlan_id,
                shared_key: (!keep_key && !key_text.is_empty()).then_some(key_text),
                advertised_public_prefixes: prefixes,
                customer_asn,
                routing_registry_name: registry,
            })
        }
        _ => None,
    };
    Checked { errors, config }
}

#[component]
fn PeeringForm(
    connection: ConnectionView,
    t: PeeringType,
    current: Option<PeeringView>,
    others: Memo<Vec<OtherPeering>>,
    read_others: Callback<()>,
    read_connection: Callback<()>,
    /// Whether the connection, as last read, is no longer Active.
    inactive: Signal<bool>,
) -> impl IntoView {
    let id = connection.id.clone();
    let draft = Draft::new(current.as_ref());
    // The form's text as filled from the peering read, before any kept draft is put back.
    let as_read: Vec<String> = draft
        .inputs()
        .iter()
        .map(|(_, i)| i.get_untracked())
        .collect();
    // What the form was filled from: the peering as this page read it.
    let read_base = current.as_ref().map(|p| p.base.clone());
    let was_read = read_base.is_some();
    // A change still on its way to Azure (the page reloaded while it was followed, say).
    let syncing = current
        .as_ref()
        .filter(|p| p.sync_status.is_transitional())
        .map(|p| p.sync_status.clone());
    let connection_path = format!("/connections/{}", connection.id);
    let connection_name = connection.name.clone();
    let has_key = current.as_ref().is_some_and(|p| p.shared_key_set);
    let exists = current.is_some();
    let step = RwSignal::new(0usize);
    // While that change is said to be on its way, the peering is read again, so that the page
    // says when it is through rather than go on saying it is not.
    let sync_now = syncing.as_ref().map(|_| sync_followed(id.clone(), t, step));
    let reason = Input::new("");
    let ticket = Input::new("");
    // What is typed survives a reload or a new sign-in until it is applied (not the shared key).
    let kept = {
        let mut inputs: Vec<_> = draft
            .inputs()
            .into_iter()
            .filter(|(name, _)| *name != "sharedKey")
            .collect();
        inputs.extend([("reason", reason), ("ticket", ticket)]);
        crate::draft::keep(&format!("peering:{id}:{}", t.as_wire()), &inputs)
    };
    // A draft that kept a shared key the peering no longer has (a colleague removed it since)
    // keeps nothing: the field is there to type one.
    if !has_key {
        draft.keep_shared_key.value.set(String::new());
    }
    // A new shared key was typed to replace the current one, and the reload dropped it: the
    // current key is kept again rather than removed by the field left empty.
    let new_key_dropped = has_key
        && !draft.keeps_key()
        && draft.key_entered.get_untracked() == ENTERED
        && draft.shared_key.get_untracked().is_empty();
    if new_key_dropped {
        draft.keep_shared_key.value.set(KEEP.to_owned());
        draft.key_entered.value.set(String::new());
    }
    let preview_result: RwSignal<Option<PreviewResponse>> = RwSignal::new(None);
    let applied: RwSignal<Option<PeeringView>> = RwSignal::new(None);
    // Set when Apply found the peering changed since the preview: the preview is fetched
    // again and the review says why its difference moved.
    let outdated = RwSignal::new(false);
    // The review is from the peering's current settings; when a colleague changed it after this
    // page read it, a field not edited here would undo their change, which the review says.
    let changed_since_read = Memo::new(move |_| {
        preview_result.with(|p| {
            p.as_ref().is_some_and(|p| match &read_base {
                Some(base) => !p.exists || p.base != *base,
                None => p.exists,
            })
        })
    });
    // The peering this page read is gone (a colleague removed it): Apply would create it again.
    let removed_meanwhile = Memo::new(move |_| {
        was_read && preview_result.with(|p| p.as_ref().is_some_and(|p| !p.exists))
    });
    let checked = Memo::new(move |_| others.with(|others| check(t, draft, others)));
    // The review's rows that are not this form's edits but put back what the page read, over a
    // change made since (the shared key aside: the page never reads one). Over a removal every
    // row is the peering created again, which the review says once.
    let undone = Memo::new(move |_| {
        if !changed_since_read.get() || removed_meanwhile.get() {
            return Vec::new();
        }
        let edited: Vec<&str> = draft
            .inputs()
            .into_iter()
            .zip(&as_read)
            .filter(|((_, input), read)| input.value.with(|v| v != *read))
            .map(|((name, _), _)| name)
            .collect();
        preview_result.with(|p| {
            p.iter()
                .flat_map(|p| &p.changes)
                .filter(|c| c.field != "sharedKey" && !edited.contains(&c.field.as_str()))
                .map(|c| c.field.clone())
                .collect()
        })
    });
    let any_touched = Memo::new(move |_| draft.inputs().iter().any(|(_, i)| i.touched.get()));
    let error_of = move |field: &'static str, input: Input| {
        Signal::derive(move || {
            let rule = checked.with(|c| c.error(field));
            // A rule of two fields (the subnets, the prefixes beside the sessions' family) or
            // of another peering can break a field by an edit elsewhere: its message shows
            // under it, untouched, unless it is merely still empty.
            let broken_elsewhere = rule.is_some()
                && !input.touched.get()
                && any_touched.get()
                && input.value.with(|v| !v.trim().is_empty());
            if broken_elsewhere {
                rule
            } else {
                input.shown(rule)
            }
        })
    };

    // The form as a request to preview; Apply adds the reason and ticket to the one previewed.
    let request = move || {
        checked.get().config.map(|config| PeeringChangeRequest {
            config,
            reason: String::new(),
            ticket: None,
            keep_shared_key: draft.keeps_key(),
            expected_base: None,
        })
    };

    // Each preview's answer comes with the request it was made for: Apply sends that request,
    // the one the review shows, whatever the form was given while the preview was on its way.
    let preview = {
        let id = id.clone();
        crate::shared::action(move |req: &PeeringChangeRequest| {
            let (id, req) = (id.clone(), req.clone());
            async move {
                let answer = api::preview_peering(id, t, req.clone()).await;
                answer.map(|p| (p, req))
            }
        })
    };
    let previewed: RwSignal<Option<PeeringChangeRequest>> = RwSignal::new(None);
    let apply = {
        let (id, forget) = (id.clone(), kept.forgetter());
        crate::shared::action(move |req: &PeeringChangeRequest| {
            let (id, req, forget) = (id.clone(), req.clone(), forget.clone());
            async move {
                let applied = api::update_peering(id, t, req).await;
                if applied.is_ok() {
                    forget();
                }
                applied
            }
        })
    };
    // A refused change puts each field message under its input, back on the form if needed.
    let route_error = move |e: &ApiError| {
        // A VLAN or subnets refused as another peering's: that peering changed after this page
        // read it, so the others are read again and the form checks against them from then on.
        if e.code == ErrorCode::ValidationFailed {
            read_others.run(());
        }
        // Refused for the connection's state (no longer Active): what it is now is read.
        if e.code == ErrorCode::Conflict {
            read_connection.run(());
        }
        if apply_server_errors(e, &draft.inputs()) {
            step.set(0);
        }
        apply_server_errors(e, &[("reason", reason), ("ticket", ticket)]);
    };
    // The failure of the last Apply, shown on the review it was made from and on no later one.
    let apply_failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    crate::shared::effect(move || match preview.value() {
        Some(Ok((p, req))) => {
            previewed.set(Some(req));
            preview_result.set(Some(p));
            apply_failed.set(None);
            step.set(1);
        }
        Some(Err(e)) => route_error(&e),
        None => {}
    });
    crate::shared::effect(move || match apply.value() {
        Some(Ok(view)) => {
            kept.forget();
            applied.set(Some(view));
            step.set(2);
        }
        Some(Err(e)) if e.code == ErrorCode::ChangedSinceRead => {
            outdated.set(true);
            // What was reviewed, checked again against the peering as it now is.
            if let Some(req) = previewed.get_untracked() {
                preview.dispatch(req);
            }
        }
        Some(Err(e)) => {
            apply_failed.set(Some(e.clone()));
            route_error(&e);
        }
        None => {}
    });
    // Once every field it named has been edited, a refusal is no longer shown above the form.
    let preview_error = Signal::derive(move || {
        let mut inputs = draft.inputs().to_vec();
        inputs.extend([("reason", reason), ("ticket", ticket)]);
        preview
            .value()
            .and_then(Result::err)
            .filter(|e| !crate::form::put_right(e, &inputs))
    });
    let apply_error = Signal::derive(move || apply_failed.get());
    let busy = Memo::new(move |_| apply.pending().get() || preview.pending().get());

    // The review has an address of its own (`?step=review`), so the browser's Back goes from it
    // to the settings, keeping what was typed, as the create wizard's steps do; Forward reviews
    // what the form holds then. Once applied, the review's entry is left and the page's own
    // becomes `?step=applied`, so a reload goes on following the change.
    let query = use_query_map();
    let path = crate::route::use_path();
    let address_step = move || query.with(|q| q.get("step"));
    let address_review = move || address_step().as_deref() == Some("review");
    let plain = wizard_path(&id, t);
    let following = applied_path(&plain);
    let replace = NavigateOptions {
        replace: true,
        ..Default::default()
    };
    let follow = use_navigate();
    let plain_for_follow = plain.clone();
    let following_for_follow = following.clone();
    // Opened (or reloaded) at the review: the settings first, where what was kept is back and
    // a shared key, which never is, can be typed again; as at any other step the form opens at
    // (an applied change of a peering not there has nothing to follow).
    let opened = StoredValue::new(false);
    crate::shared::effect(move || {
        let at = address_step();
        let wanted = at.as_deref() == Some("review");
        if !opened.get_value() {
            opened.set_value(true);
            // The review's entry, added over the settings' own (a reload there): the settings
            // are that entry before it, gone back to, so the history holds them once and one
            // Back, once applied, still leaves for the page before.
            if wanted && crate::route::entry_marked(REVIEW_ENTRY) {
                crate::route::back_to_top();
                return;
            }
            if at.is_some() {
                follow(&plain_for_follow, replace);
                return;
            }
        }
        match step.get_untracked() {
            0 if wanted => match untrack(request) {
                Some(req) => {
                    if !preview.pending().get_untracked() {
                        outdated.set(false);
                        preview.dispatch(req);
                    }
                }
                None => follow(&plain_for_follow, replace),
            },
            1 if !wanted => step.set(0),
            // Back from the review's entry, once applied (not Back from this page to another,
            // before this one is gone), or Forward to it again: the address says what is shown.
            2 if at.as_deref() != Some(APPLIED) && path.with(|p| *p == plain_for_follow) => {
                follow(&following_for_follow, replace)
            }
            _ => {}
        }
    });
    let record = use_navigate();
    crate::shared::effect(move || {
        let review = untrack(address_review);
        match step.get() {
            // Applying goes back to the form's entry, shown from the top (`back_to_top`):
            // the browser is not to put back where it was scrolled then.
            1 if !review => {
                crate::route::restore_scroll_here(false);
                record(&format!("{plain}?step=review"), Default::default());
                crate::route::mark_entry(REVIEW_ENTRY);
                crate::route::restore_scroll_here(true);
            }
            0 if review => record(&plain, Default::default()),
            // Applied: the review's entry is left, so one Back goes on to the page before.
            2 if review => crate::route::back_to_top(),
            2 => record(&following, replace),
            _ => {}
        }
    });

    // Whether a shared key has been typed (again), apart: the notice changes only then.
    let key_typed = Memo::new(move |_| !draft.shared_key.value.with(String::is_empty));
    view! {
        <WizardSteps current=step names=STEPS/>
        {move || {
            let first = syncing.clone().filter(|_| step.get() < 2)?;
            let status = match sync_now.and_then(|now| now.get()) {
                Some(Some(now)) => now,
                // Removed since (by a colleague): there is no change left to follow.
                Some(None) => return None,
                None => first,
            };
            Some(if status.is_transitional() {
                view! {
                    <p class="notice" role="status" data-test="still-syncing">
                        {format!("The last change to this peering is still going through to Azure ({}); ", status.label())}
                        <a href=connection_path.clone()>"the connection's page"</a>
                        " follows it. A change made now comes after it."
                    </p>
                }
                .into_any()
            } else {
                let said = if status == SyncStatus::Synced {
                    format!("The last change to this peering has gone through to Azure ({}); a change made now starts from it.", status.label())
                } else {
                    format!("The last change to this peering is no longer going through to Azure; its sync status is now {}.", status.label())
                };
                view! {
                    <p class="notice" role="status" data-test="still-syncing">
                        {said}
                    </p>
                }
                .into_any()
            })
        }}
        {move || {
            (kept.restored.get() && step.get() < 2)
                .then(|| {
                    // Once a shared key is typed again, the notice no longer asks for one.
                    let message = if new_key_dropped && draft.keeps_key() {
                        "What you typed here before is back; its review compares it with the current settings. A shared key is never kept, so the current one is kept again: untick \u{201c}keep\u{201d} and type the new one if the change replaces it."
                    } else if !key_typed.get() {
                        "What you typed here before is back; its review compares it with the current settings. A shared key is never kept: type it again if the change sets one."
                    } else {
                        "What you typed here before is back; its review compares it with the current settings."
                    };
                    view! {
                        <DraftNotice
                            kept=kept
                            message=message
                            discard="Start again from the current settings"
                            on_discard=Callback::new(move |()| step.set(0))
                        />
                    }
                })
        }}
        {move || match step.get() {
            0 => {
                view! {
                    <FormStep
                        t=t
                        draft=draft
                        checked=checked
                        has_key=has_key
                        others=others
                        connection=connection.clone()
                        exists=exists
                        error_of=error_of
                        pending=preview.pending()
                        error=preview_error
                        on_next=Callback::new(move |_| {
                            touch_all(&draft.inputs().map(|(_, i)| i));
                            if let Some(req) = request() {
                                outdated.set(false);
                                preview.dispatch(req);
                            }
                        })
                    />
                }
                    .into_any()
            }
            1 => {
                view! {
                    // Nothing left to change (an attempt whose answer was lost went through)
                    // undoes nothing either.
                    <Show when=move || {
                        changed_since_read.get()
                            && preview_result
                                .with(|p| p.as_ref().is_none_or(|p| !p.exists || !p.changes.is_empty()))
                    }>
                        <div class="notice warn" role="alert" data-test="changed-since-read">
                            // Once Apply was refused for it, the review's own notice says the
                            // peering changed and the difference is from its current settings.
                            <p data-test=move || if removed_meanwhile.get() { "removed-meanwhile" } else { "changed-meanwhile" }>
                                {move || if removed_meanwhile.get() {
                                    "This peering was removed after this page read it (by a colleague, or in another tab): Apply creates it again, with the settings below."
                                } else if outdated.get() {
                                    "A field you did not edit here may undo the change made to this peering since this page read it: the rows that would are marked."
                                } else {
                                    "This peering was changed after this page read it. The difference below is from its current settings, so a field you did not edit here may undo that change."
                                }}
                            </p>
                            // The key this form keeps went with the peering: nothing else says so,
                            // since the page never reads a key and the difference shows none.
                            <Show when=move || draft.keeps_key() && removed_meanwhile.get()>
                                <p data-test="kept-key-gone">
                                    "Its shared key went with it: there is no key to keep, so this creates it without one. Start again to type one."
                                </p>
                            </Show>
                            <button
                                type="button"
                                class="secondary"
                                data-test="start-from-current"
                                on:click=move |_| {
                                    kept.discard();
                                    let _ = window().location().reload();
                                }
                            >
                                "Start again from the current settings"
                            </button>
                        </div>
                    </Show>
                    <ReviewStep
                        t=t
                        not_advertised=Signal::derive(move || {
                            previewed.with(|r| {
                                r.as_ref()
                                    .map(|r| {
                                        let listed = r.config.advertised_public_prefixes.clone().unwrap_or_default().join(",");
                                        validate::prefixes_not_advertised(&r.config.primary_peer_subnet, &listed)
                                    })
                                    .unwrap_or_default()
                            })
                        })
                        preview=preview_result
                        undone=undone
                        outdated=outdated
                        reason=reason
                        ticket=ticket
                        pending=busy
                        inactive=inactive
                        error=Signal::derive(move || apply_error.get().or_else(|| preview_error.get()))
                        on_back=Callback::new(move |_| step.set(0))
                        on_recheck=Callback::new(move |_| {
                            if let Some(req) = previewed.get_untracked() {
                                preview.dispatch(req);
                            }
                        })
                        on_apply=Callback::new(move |_| {
                            touch_all(&[reason, ticket]);
                            if note_ok(reason, ticket, true)
                                && let Some(mut req) = previewed.get_untracked()
                            {
                                req.reason = reason.get_untracked().trim().to_owned();
                                req.ticket = ticket_value(ticket);
                                req.expected_base = preview_result.with_untracked(|p| p.as_ref().map(|p| p.base.clone()));
                                outdated.set(false);
                                apply.dispatch(req);
                            }
                        })
                    />
                }
                    .into_any()
            }
            _ => {
                view! {
                    <Follow
                        id=id.clone()
                        t=t
                        connection=connection_name.clone()
                        first=applied.get_untracked()
                    />
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn FormStep(
    t: PeeringType,
    draft: Draft,
    checked: Memo<Checked>,
    has_key: bool,
    others: Memo<Vec<OtherPeering>>,
    connection: ConnectionView,
    exists: bool,
    error_of: impl Fn(&'static str, Input) -> Signal<Option<String>> + Copy + 'static,
    pending: Memo<bool>,
    error: Signal<Option<ApiError>>,
    on_next: Callback<()>,
) -> impl IntoView {
    let microsoft = t == PeeringType::Microsoft;
    let space = if t.needs_private_subnets() {
        "private"
    } else {
        "public"
    };
    let vlan_help = Signal::derive(move || {
        let used: Vec<String> = others.with(|others| {
            others
                .iter()
                .filter_map(|o| Some(format!("{} uses {}", o.peering_type.label(), o.vlan_id?)))
                .collect()
        });
        let mut text = "1 to 4094 (2 to 4093 works with every provider); each peering of the connection needs its own VLAN.".to_owned();
        if !used.is_empty() {
            text.push_str(&format!(" Already used: {}.", used.join(", ")));
        }
        text
    });
    let subnet_help = move |field: &'static str, input: Input, example: &'static str| {
        Signal::derive(move || {
            // Addresses only of a subnet that can be used (not one another peering has).
            let usable = checked.with(|c| c.error(field).is_none());
            usable.then(|| router_help(field, &input.get(), t)).flatten().or_else(|| {
                Some(format!(
                    "A /30 in {space} address space (or an IPv6 /126), network address first, such as {example}."
                ))
            })
        })
    };
    let peer_asn_error = error_of("peerASN", draft.peer_asn);
    let primary_error = error_of("primaryPeerSubnet", draft.primary);
    let secondary_error = error_of("secondaryPeerSubnet", draft.secondary);
    let vlan_error = error_of("vlanId", draft.vlan);
    let key_error = error_of("sharedKey", draft.shared_key);
    // Masked as it is typed, shown on demand: a refused key's wrong character can be seen.
    let key_visible = RwSignal::new(false);
    let prefixes_error = error_of("advertisedPublicPrefixes", draft.prefixes);
    let customer_error = error_of("customerASN", draft.customer_asn);
    let registry_error = error_of("routingRegistryName", draft.registry);
    let invalid = move || checked.with(|c| c.config.is_none());
    // A busy Console Connect's wait (`Retry-After`) is counted down before asking again.
    let wait = wait_left(move || {
        error.track();
    });
    let (primary_example, secondary_example) = if t.needs_private_subnets() {
        ("10.1.0.0/30", "10.1.0.4/30")
    } else {
        ("203.0.113.0/30", "203.0.113.4/30")
    };
    let delete_href = format!("{}/delete", wizard_path(&connection.id, t));
    let invalid_attr = |e: Signal<Option<String>>| move || e.get().is_some().to_string();

    view! {
        <form
            class="panel wizard peering-form"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                if !invalid() && !pending.get_untracked() && wait.get_untracked() == 0 {
                    on_next.run(());
                }
            }
            on:keydown=move |ev| {
                crate::form::enter_while_blocked(&ev, invalid() && !pending.get_untracked(), || {
                    touch_all(&draft.inputs().map(|(_, i)| i))
                })
            }
        >
            <h2>{format!("{} peering settings", t.label())}</h2>
            <p class="help">
                {format!("Connection {} · ", connection.name)}
                {if exists { "editing the current configuration" } else { "creates this peering" }}
            </p>
            <Field id="peerASN" label="Peer ASN" error=peer_asn_error help="Your BGP AS number: 1 to 4294967295, not Microsoft's own 12076 or its reserved 65515 to 65520.">
                <TextInput id="peerASN" input=draft.peer_asn error=peer_asn_error kind=TextKind::Number/>
                <AsnNote id="peerASN" input=draft.peer_asn/>
            </Field>
            <div class="field-row">
                <Field
                    id="primaryPeerSubnet"
                    label="Primary subnet"
                    error=primary_error
                    help=subnet_help("primaryPeerSubnet", draft.primary, primary_example)
                >
                    <TextInput
                        id="primaryPeerSubnet"
                        input=draft.primary
                        error=primary_error
                        kind=TextKind::Address
                        placeholder=primary_example
                    />
                </Field>
                <Field
                    id="secondaryPeerSubnet"
                    label="Secondary subnet"
                    error=secondary_error
                    help=subnet_help("secondaryPeerSubnet", draft.secondary, secondary_example)
                >
                    <TextInput
                        id="secondaryPeerSubnet"
                        input=draft.secondary
                        error=secondary_error
                        kind=TextKind::Address
                        placeholder=secondary_example
                    />
                </Field>
            </div>
            <Field id="vlanId" label="VLAN ID" error=vlan_error help=vlan_help>
                <TextInput id="vlanId" input=draft.vlan error=vlan_error kind=TextKind::Number/>
            </Field>
            {has_key
                .then(|| {
                    view! {
                        <div class="field checkbox">
                            <input
                                id="keepSharedKey"
                                name="keepSharedKey"
                                type="checkbox"
                                prop:checked=move || draft.keeps_key()
                                on:change=move |ev| {
                                    let keep = if event_target_checked(&ev) { KEEP } else { "" };
                                    draft.keep_shared_key.edit(keep.to_owned());
                                }
                            />
                            <label for="keepSharedKey">"Keep the current shared key"</label>
                        </div>
                    }
                })}
            <Field
                id="sharedKey"
                label="Shared key"
                optional=true
                error=key_error
                help=Signal::derive(move || {
                    if !has_key {
                        "BGP MD5 authentication key: 1 to 25 letters or digits, or empty for none."
                    } else if draft.keeps_key() {
                        "A shared key is set and kept. Untick \u{201c}keep\u{201d} to replace it or remove it."
                    } else {
                        "A shared key is set. Type a new one (1 to 25 letters or digits) to replace it, or leave this empty to remove it."
                    }
                    .to_owned()
                })
            >
                <div class="input-with-button">
                    <input
                        id="sharedKey"
                        name="sharedKey"
                        type=move || if key_visible.get() { "text" } else { "password" }
                        autocomplete="new-password"
                        spellcheck="false"
                        aria-describedby="sharedKey-help sharedKey-error"
                        aria-invalid=invalid_attr(key_error)
                        disabled=move || draft.keeps_key()
                        prop:value=move || draft.shared_key.get()
                        on:input=move |ev| {
                            let key = event_target_value(&ev);
                            draft.key_entered.edit(if key.is_empty() { "" } else { ENTERED }.to_owned());
                            draft.shared_key.edit(key);
                        }
                    />
                    <ShowSecret
                        controls="sharedKey"
                        visible=key_visible
                        data_test="toggle-shared-key"
                        disabled=Signal::derive(move || draft.keeps_key())
                    />
                </div>
            </Field>
            {microsoft
                .then(|| {
                    view! {
                        <Field
                            id="advertisedPublicPrefixes"
                            label="Advertised public prefixes"
                            error=prefixes_error
                            help=Signal::derive(move || {
                                let n = validate::split_prefixes(&draft.prefixes.get()).len();
                                Some(format!("1 to 200 public IPv4 or IPv6 prefixes you own, one per line or separated by commas or semicolons ({n} entered)."))
                            })
                        >
                            <textarea
                                id="advertisedPublicPrefixes"
                                name="advertisedPublicPrefixes"
                                rows="4"
                                spellcheck="false"
                                placeholder="203.0.113.0/24"
                                aria-describedby="advertisedPublicPrefixes-help advertisedPublicPrefixes-error advertisedPublicPrefixes-note"
                                aria-invalid=invalid_attr(prefixes_error)
                                prop:value=move || draft.prefixes.get()
                                on:input=move |ev| draft.prefixes.edit(event_target_value(&ev))
                            ></textarea>
                            // Listed, but the sessions run over the subnets' family only: said
                            // (and announced) beside the field, which takes them.
                            <p class="field-note" id="advertisedPublicPrefixes-note" aria-live="polite">
                                {move || {
                                    let other = draft.primary.value.with(|s| {
                                        draft.prefixes.value.with(|p| validate::prefixes_not_advertised(s, p))
                                    });
                                    not_advertised_said(&other)
                                }}
                            </p>
                        </Field>
                        <div class="field-row">
                            <Field id="customerASN" label="Customer ASN" optional=true error=customer_error help="The ASN the prefixes are advertised from, when it is not the peer ASN.">
                                <TextInput id="customerASN" input=draft.customer_asn error=customer_error kind=TextKind::Number/>
                                <AsnNote id="customerASN" input=draft.customer_asn/>
                            </Field>
                            <Field id="routingRegistryName" label="Routing registry" optional=true error=registry_error help="Where the prefixes and ASN are registered.">
                                <select
                                    id="routingRegistryName"
                                    name="routingRegistryName"
                                    aria-describedby="routingRegistryName-help routingRegistryName-error"
                                    prop:value=move || draft.registry.get()
                                    on:change=move |ev| draft.registry.edit(event_target_value(&ev))
                                >
                                    <option value="">"Not set"</option>
                                    {ROUTING_REGISTRIES
                                        .iter()
                                        .map(|r| view! { <option value=*r selected=move || draft.registry.get() == *r>{*r}</option> })
                                        .collect_view()}
                                </select>
                            </Field>
                        </div>
                    }
                })}
            <ActionError error=error/>
            <div class="wizard-nav">
                {exists
                    .then(|| {
                        view! {
                            <a href=delete_href class="button danger-outline" data-test="delete">
                                "Delete this peering"
                            </a>
                        }
                    })}
                <button
                    type="submit"
                    class="primary"
                    data-test="preview"
                    disabled=move || invalid() || pending.get() || wait.get() != 0
                >
                    {move || action_label(pending.get(), wait.get(), "Next: preview changes", "Checking…")}
                </button>
            </div>
            <Show when=invalid>
                <p class="help right">"Correct or fill in the fields above to continue."</p>
            </Show>
        </form>
    }
}

#[component]
fn ReviewStep(
    t: PeeringType,
    /// Prefixes of the change listed but not advertised over its sessions (the other family):
    /// said again here, where the change is applied.
    not_advertised: Signal<Vec<String>>,
    preview: RwSignal<Option<PreviewResponse>>,
    undone: Memo<Vec<String>>,
    outdated: RwSignal<bool>,
    reason: Input,
    ticket: Input,
    pending: Memo<bool>,
    /// The connection is no longer Active: nothing can be applied (its error says why).
    inactive: Signal<bool>,
    error: Signal<Option<ApiError>>,
    on_back: Callback<()>,
    /// Reviews the change again from the peering's current settings.
    on_recheck: Callback<()>,
    on_apply: Callback<()>,
) -> impl IntoView {
    let nothing_changes =
        move || preview.with(|p| p.as_ref().is_some_and(|p| p.exists && p.changes.is_empty()));
    let ready = move || note_ok(reason, ticket, true) && !nothing_changes();
    // After an Apply whose answer was lost the change may have been made: it is not sent again
    // before the review has been read again from the peering's settings as they are now.
    let unsettled = move || error.with(|e| e.as_ref().is_some_and(ApiError::may_have_been_made));
    // A busy Console Connect's wait (`Retry-After`) is counted down before sending again.
    let wait = wait_left(move || {
        error.track();
    });
    view! {
        <form
            class="panel wizard"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                if pending.get_untracked()
                    || wait.get_untracked() > 0
                    || untrack(unsettled)
                    || inactive.get_untracked()
                {
                    return;
                }
                if ready() {
                    on_apply.run(());
                } else {
                    // Sent by Enter in the reason: what is missing is said, and the keyboard
                    // taken to it.
                    touch_all(&[reason, ticket]);
                    crate::form::focus_first_invalid(&event_target(&ev));
                }
            }
            on:keydown=move |ev| {
                crate::form::enter_while_blocked(&ev, !ready() && !pending.get_untracked(), || {
                    touch_all(&[reason, ticket])
                })
            }
        >
            <h2>"Review the change"</h2>
            <Show when=move || outdated.get()>
                <p class="notice warn" role="alert" data-test="preview-outdated">
                    "This peering changed after your preview, so nothing was applied now: someone else changed it, or an earlier attempt of yours whose answer was lost went through. Check the difference below, now from its current settings (nothing left to change means it already has them), then apply again if it is still needed."
                </p>
            </Show>
            {move || {
                preview
                    .get()
                    .map(|p| {
                        let summary = if !p.exists {
                            format!("This creates the {} peering with these settings:", t.label())
                        } else if p.changes.is_empty() {
                            "Nothing would change: the settings are the same as now.".to_owned()
                        } else {
                            let n = p.changes.len();
                            format!(
                                "{n} field{} of the {} peering change{}:",
                                if n == 1 { "" } else { "s" },
                                t.label(),
                                if n == 1 { "s" } else { "" },
                            )
                        };
                        view! {
                            <p class="lead" data-test="preview-summary" data-exists=p.exists.to_string()>{summary}</p>
                            <DiffTable changes=p.changes undone=undone.get()/>
                        }
                    })
            }}
            {move || {
                not_advertised.with(|other| not_advertised_said(other)).map(|said| view! {
                    <p class="notice warn" data-test="review-not-advertised">{said}</p>
                })
            }}
            <NoteFields reason=reason ticket=ticket required=true purpose="Why you make this change"/>
            <ActionError error=error/>
            // A change that may have been made shows in the peering's settings now: the review
            // is read again from them at a click (nothing left to change means it was made).
            {move || {
                error
                    .get()
                    .filter(ApiError::may_have_been_made)
                    .map(|_| {
                        view! {
                            <p class="notice" data-test="recheck">
                                "Whether it was made shows in the peering's current settings: "
                                <button
                                    type="button"
                                    class="link-button"
                                    data-test="recheck-button"
                                    disabled=move || pending.get()
                                    on:click=move |_| on_recheck.run(())
                                >
                                    "review the change again from them"
                                </button>
                                " before applying it again."
                            </p>
                        }
                    })
            }}
            <div class="wizard-nav">
                <button type="button" class="secondary" data-test="back" on:click=move |_| on_back.run(())>
                    "Back"
                </button>
                <button
                    type="submit"
                    class="primary"
                    data-test="apply"
                    disabled=move || {
                        !ready() || pending.get() || wait.get() != 0 || unsettled() || inactive.get()
                    }
                >
                    {move || action_label(pending.get(), wait.get(), "Apply", "Applying…")}
                </button>
            </div>
            <Show when=move || !note_ok(reason, ticket, true) && !nothing_changes()>
                <p class="help right" data-test="apply-needs">
                    "Give the reason for this change above (and correct the ticket, if given) to apply it."
                </p>
            </Show>
            <Show when=move || inactive.get()>
                <p class="help right" data-test="apply-inactive">
                    "Nothing can be applied: the connection is no longer Active, and peering can be changed only while it is."
                </p>
            </Show>
            <Show when=nothing_changes>
                <p class="help right" data-test="nothing-to-apply">
                    "Nothing to apply: the peering has these settings already. Go Back to change one."
                </p>
            </Show>
        </form>
    }
}

/// What is said of prefixes listed but of the other family than the peering's sessions
/// ([`validate::prefixes_not_advertised`]); nothing when there are none.
fn not_advertised_said(other: &[String]) -> Option<String> {
    let family = if other.first()?.contains(':') {
        "IPv4"
    } else {
        "IPv6"
    };
    Some(format!(
        "Not advertised over this peering's {family} sessions, which carry their own family only: {}.",
        other.join(", ")
    ))
}

fn sync_steps(s: &SyncStatus) -> Vec<(&'static str, StepState)> {
    use StepState::*;
    let states = match s {
        SyncStatus::Synced => [Done, Done, Done],
        SyncStatus::Syncing => [Done, Current, Todo],
        _ => [Current, Todo, Todo],
    };
    vec![
        ("Pending", states[0]),
        ("Syncing", states[1]),
        ("Synced", states[2]),
    ]
}

/// After Apply: the peering as Console Connect reports it, refreshed until it is SYNCED.
#[component]
fn Follow(
    id: String,
    t: PeeringType,
    /// The connection's name, for the tab's title.
    connection: String,
    first: Option<PeeringView>,
) -> impl IntoView {
    let poll = Poll::new();
    let read = {
        let id = id.clone();
        poll.resource(move || api::get_peering(id.clone(), t))
    };
    let latest = crate::shared::settled(read);
    // Until it is synced or gone, or a read failed in a way reading again cannot mend.
    poll.while_busy(move || {
        latest.with(|r| match r {
            Some(Ok(Some(p))) => p.sync_status.is_transitional(),
            Some(Ok(None)) => false,
            Some(Err(e)) => e.may_pass_on_retry(),
            None => true,
        })
    });
    // A refresh that failed leaves the last state read shown (under its error): the peering
    // as read, or gone; the one Apply was answered with only until a read succeeds.
    let kept = crate::shared::settled_keeping(read);
    let gone = Memo::new(move |_| kept.with(|r| matches!(r, Some(Ok(None)))));
    let shown = move || match kept.get() {
        Some(Ok(found)) => found,
        _ => first.clone(),
    };
    let back = format!("/connections/{id}");
    let history = format!("/audit?connection={id}");
    let title = peering_title(t, &connection);
    let removed_title = format!("Removed: {title}");
    view! {
        <section class="panel" data-test="peering-follow">
            <h2>"Change sent"</h2>
            {move || {
                gone.get()
                    .then(|| {
                        crate::nav::title(&removed_title);
                        view! {
                            <p class="lead" role="status" data-test="peering-gone">
                                {format!(
                                    "Console Connect no longer has a {} peering on this connection: it was removed after this change was sent, through the portal (see the audit history) or elsewhere.",
                                    t.label(),
                                )}
                            </p>
                        }
                    })
            }}
            {move || {
                shown()
                    .map(|p| {
                        let synced = p.sync_status == SyncStatus::Synced;
                        // The tab follows the sync too.
                        crate::nav::title(
                            &format!("{}: {title}", p.sync_status.label()),
                        );
                        view! {
                            <p class="lead" role="status" aria-live="polite">
                                {format!("{} peering: ", t.label())}
                                {sync_status(&p.sync_status)}
                                {if synced {
                                    view! { " — active in Azure." }.into_any()
                                } else {
                                    view! {
                                        " — waiting for Azure"
                                        {move || {
                                            poll.running().then(|| view! { "; refreshing " {poll.pace()} })
                                        }}
                                        "."
                                    }
                                        .into_any()
                                }}
                            </p>
                            <Stepper label="Peering sync status" steps=sync_steps(&p.sync_status)/>
                            <PeeringConfigDetails peering=p/>
                        }
                    })
            }}
            {move || {
                latest
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <LoadError error=e retry=Retry::poll(poll, read)/> })
            }}
            // A removed peering has no router configuration left to show there.
            <Show when=move || !gone.get()>
                <p class="help" data-test="router-pointer">
                    "The connection's page also shows what each of your two routers needs for this peering."
                </p>
            </Show>
            <div class="actions">
                <a href=back class="button primary">
                    "Back to the connection"
                </a>
                <a href=history class="button secondary">
                    "See the connection's audit history"
                </a>
            </div>
        </section>
    }
}
