//! `/create`: the five-step wizard that orders the redundant connection for a service key —
//! key, source ports, speed, details, review — keeping what was typed when going back, and
//! in the tab until the connection is ordered (all of it but the service key, which is asked
//! for again).

use crate::api::{self, ApiResult};
use crate::components::details::ServiceKeyDetails;
use crate::components::feedback::{
    ActionError, LoadError, Loading, Retry, action_label, wait_left,
};
use crate::components::field::Field;
use crate::components::keys::ServiceKeyInput;
use crate::components::names;
use crate::components::note::{NoteFields, note_ok};
use crate::components::steps::WizardSteps;
use crate::draft::DraftNotice;
use crate::form::{Input, apply_server_errors, touch_all};
use crate::format;
use crate::pages::verify::{DemoServiceKeys, key_error};
use crate::route::{NavigateOptions, use_navigate, use_query_map};
use leptos::prelude::*;
use models::api::{CreateConnectionRequest, PortView, ServiceKeyView};
use models::upstream::sole_port_reason;
use models::{ClassOfService, PaymentType, validate};
use wasm_bindgen::JsCast;

const STEPS: &[&str] = &["Service key", "Source ports", "Speed", "Details", "Review"];

/// Everything typed in the wizard; it lives as long as the page, so Back loses nothing.
#[derive(Clone, Copy)]
struct Draft {
    key: Input,
    verified: RwSignal<Option<(String, ServiceKeyView)>>,
    ports: RwSignal<Vec<String>>,
    speed: RwSignal<Option<u64>>,
    /// A speed chosen before that the circuit of the key verified since does not offer, until
    /// another is chosen: the speed step says why none is chosen now.
    dropped_speed: RwSignal<Option<u64>>,
    name: Input,
    payment: Input,
    class: Input,
    reason: Input,
    ticket: Input,
    /// The chosen ports and speed as text, for the tab's copy of the draft.
    kept_ports: Input,
    kept_speed: Input,
}

impl Draft {
    fn choose_ports(&self, update: impl FnOnce(&mut Vec<String>)) {
        self.ports.update(update);
        self.kept_ports.edit(self.ports.get_untracked().join(","));
    }

    fn choose_speed(&self, speed: Option<u64>) {
        if speed.is_some() {
            self.dropped_speed.set(None);
        }
        self.speed.set(speed);
        self.kept_speed
            .edit(speed.map(|s| s.to_string()).unwrap_or_default());
    }

    /// What the tab keeps: every choice but the service key, a secret.
    fn kept_inputs(&self) -> [(&'static str, Input); 7] {
        [
            ("srcPort", self.kept_ports),
            ("speed", self.kept_speed),
            ("name", self.name),
            ("paymentType", self.payment),
            ("classOfService", self.class),
            ("reason", self.reason),
            ("ticket", self.ticket),
        ]
    }

    /// The ports and speed back from their kept text.
    fn restore_choices(&self) {
        let ports = self.kept_ports.get_untracked();
        self.ports.set(
            ports
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        );
        self.speed.set(self.kept_speed.get_untracked().parse().ok());
    }

    /// The verified key details, if the key in the input is the one verified.
    fn verified_now(&self) -> Option<ServiceKeyView> {
        let typed = self.key.value.get();
        self.verified
            .get()
            .filter(|(k, _)| validate::same_service_key(k, &typed))
            .map(|(_, v)| v)
    }

    fn name_rule(&self) -> Option<String> {
        self.name
            .value
            .with(|n| validate::connection_name(n).err().map(|e| e.to_string()))
    }

    fn request(&self) -> Option<CreateConnectionRequest> {
        let (service_key, _) = self.verified.get()?;
        let text = |i: Input| Some(i.get().trim().to_owned()).filter(|t| !t.is_empty());
        let class = self.class.get();
        if !note_ok(self.reason, self.ticket, false) {
            return None;
        }
        Some(CreateConnectionRequest {
            service_key,
            name: self.name.get().trim().to_owned(),
            port_ids: self.ports.get(),
            speed_mbps: self.speed.get()?,
            payment_type: PaymentType::parse(&self.payment.get()),
            class_of_service: (!class.is_empty()).then(|| ClassOfService::parse(&class)),
            reason: text(self.reason),
            ticket: text(self.ticket),
        })
    }
}

/// The wizard for the key the verify page verified last, which it finds already verified.
pub const FOR_VERIFIED_KEY: &str = "/create?from=verify";

/// Who a key was verified for: the signed-in user and the company they worked in.
type Holder = (String, Option<String>);

thread_local! {
    /// The key the verify page verified last, with what it said and whom for; kept in memory
    /// only, so a reload asks for the key again, as the wizard's draft does.
    static HANDED_OVER: std::cell::RefCell<Option<(Holder, String, ServiceKeyView)>> =
        const { std::cell::RefCell::new(None) };
}

/// The session's user and company, as a handed-over key is kept for.
fn holder() -> Option<Holder> {
    untrack(|| crate::session::Auth::get().session()).map(|s| (s.user.id, s.company))
}

/// Keeps `key`, just verified as `view`, for the wizard opened at [`FOR_VERIFIED_KEY`]: each
/// time it is, so that Back to the verify page and Forward again find the key still there,
/// until an order is placed with it or the user signs out. Only the same user in the same
/// company finds it there: someone signing in at this tab after a session ended does not.
pub fn hand_over(key: String, view: ServiceKeyView) {
    if let Some(holder) = holder() {
        HANDED_OVER.with(|h| *h.borrow_mut() = Some((holder, key, view)));
    }
}

/// The key handed over, if it was for this session's user and company.
fn handed_over() -> Option<(String, ServiceKeyView)> {
    let now = holder()?;
    HANDED_OVER.with(|h| match &*h.borrow() {
        Some((holder, key, view)) if *holder == now => Some((key.clone(), view.clone())),
        _ => None,
    })
}

/// Drops the key handed over (see [`hand_over`]).
pub fn drop_handed_over() {
    HANDED_OVER.with(|h| h.borrow_mut().take());
}

#[component]
pub fn CreatePage() -> impl IntoView {
    crate::nav::title("New connection");
    let query = use_query_map();
    let from_verify = query.with_untracked(|q| q.get("from").as_deref() == Some("verify"));
    let handed = from_verify.then(handed_over).flatten();
    let draft = Draft {
        key: Input::new(handed.as_ref().map_or("", |(k, _)| k.as_str())),
        verified: RwSignal::new(handed),
        ports: RwSignal::new(Vec::new()),
        speed: RwSignal::new(None),
        dropped_speed: RwSignal::new(None),
        name: Input::new(""),
        payment: Input::new(PaymentType::Payg.as_wire()),
        class: Input::new(""),
        reason: Input::new(""),
        ticket: Input::new(""),
        kept_ports: Input::new(""),
        kept_speed: Input::new(""),
    };
    // Kept per user and company: another company's ports mean nothing here.
    let company = untrack(|| crate::session::Auth::get().company()).unwrap_or_default();
    let kept = crate::draft::keep(&format!("create:{company}"), &draft.kept_inputs());
    draft.restore_choices();
    let step = RwSignal::new(0usize);
    // The ports as they stand for the chosen speed (or any speed before one is chosen),
    // tagged with that speed so a stale answer is never taken for the current one.
    let ports = crate::shared::resource(move || {
        let speed = draft.speed.get();
        async move { (speed, api::list_ports(speed).await) }
    });
    // The ports as the ports step offers them: whatever the speed, which is chosen after them
    // (and checked against their capacity then), so that a speed chosen earlier never keeps
    // the ports step from being done and the speed from being changed.
    let any_ports =
        crate::shared::resource(move || async move { (None, api::list_ports(None).await) });
    // A kept choice of a port the company no longer lists goes: it could be neither seen nor
    // unchosen, and would hold a place of the two.
    crate::shared::effect(move || {
        any_ports.with(|r| {
            if let Some((_, Ok(list))) = r {
                let listed = |id: &String| list.iter().any(|p| p.id == *id);
                if !draft.ports.with_untracked(|ps| ps.iter().all(listed)) {
                    draft.choose_ports(|ps| ps.retain(listed));
                }
            }
        });
    });
    // A speed chosen for another key that this key's circuit does not offer goes the same way:
    // it is not offered to be seen or unchosen. The speed step says so.
    crate::shared::effect(move || {
        if let Some((_, key)) = draft.verified.get()
            && let Some(speed) = draft
                .speed
                .get_untracked()
                .filter(|s| !key.offered_speeds.contains(s))
        {
            draft.choose_speed(None);
            draft.dropped_speed.set(Some(speed));
        }
    });

    let navigate = use_navigate();
    let create = {
        let forget = kept.forgetter();
        crate::shared::action(move |req: &CreateConnectionRequest| {
            let (req, forget) = (req.clone(), forget.clone());
            async move {
                let created = api::create_connection(req).await;
                if created.is_ok() {
                    forget();
                    drop_handed_over();
                }
                created
            }
        })
    };
    let creating = create.pending();
    crate::shared::effect(move || match create.value() {
        Some(Ok(created)) => {
            kept.forget();
            drop_handed_over();
            navigate(
                &format!("/connections/{}/progress", created.id),
                Default::default(),
            );
        }
        Some(Err(e)) => {
            // The key refused now (used by an order placed since it was verified, say): what
            // its verification said no longer holds, and the key step must not go on with it.
            if e.field("serviceKey").is_some() {
                draft.verified.set(None);
            }
            // So may the ports' room, read when the wizard opened (a colleague's order on the
            // same port since): the ports and speed steps show them as they are now.
            any_ports.refetch();
            ports.refetch();
            apply_server_errors(
                &e,
                &[
                    ("serviceKey", draft.key),
                    ("name", draft.name),
                    ("reason", draft.reason),
                    ("ticket", draft.ticket),
                ],
            );
        }
        None => {}
    });
    let create_error = Signal::derive(move || create.value().and_then(Result::err));
    // An order whose answer did not say how it ended may have been placed: Create waits until
    // the user has looked and says it is not there (the request id of the failure they
    // looked for), so a second click does not place a second order.
    let looked_for: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    let unsettled = Memo::new(move |_| {
        create_error.with(|e| {
            e.as_ref().is_some_and(|e| {
                e.may_have_been_made() && looked_for.with(|l| l.as_ref() != Some(&e.request_id))
            })
        })
    });
    // A busy Console Connect's wait (`Retry-After`) is counted down before ordering again.
    let wait = wait_left(move || {
        create.value();
    });

    // Whether step `i` is done, so the next can be shown.
    let done = move |i: usize| match i {
        0 => draft.verified_now().is_some_and(|v| v.in_use != Some(true)),
        1 => ports_ok(draft, any_ports),
        2 => speed_ok(draft, ports),
        3 => draft.name_rule().is_none() && note_ok(draft.reason, draft.ticket, false),
        _ => false,
    };
    let can_continue = move || done(step.get());

    // The step is in the address as well (`?step=2`…), so the browser's Back and Forward move
    // between the steps, keeping what was typed. A step whose earlier ones are not done (as
    // after a reload, which asks for the service key again) is not shown: the first step not
    // done is, in that address's place.
    let address_step = move || {
        query
            .with(|q| q.get("step"))
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(0, |n| n.saturating_sub(1).min(STEPS.len() - 1))
    };
    let step_href = |n: usize| match n {
        0 => "/create".to_owned(),
        n => format!("/create?step={}", n + 1),
    };
    let follow = use_navigate();
    // Whether the address asked for a later step than the wizard could show for want of the
    // service key (a reload, a link): the key step says why it is shown instead.
    let sent_back = RwSignal::new(false);
    crate::shared::effect(move || {
        let wanted = address_step();
        let at = untrack(|| (0..wanted).find(|&i| !done(i)).unwrap_or(wanted));
        if at == 0 && wanted > 0 {
            sent_back.set(true);
        }
        // A step the address does not write as the wizard does (`?step=0`, `?step=two`) is put
        // as it is written, as a step not yet reachable is.
        let written = query.with(|q| q.get("step"));
        if at != wanted || written != (at > 0).then(|| (at + 1).to_string()) {
            let replace = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            follow(&step_href(at), replace);
        }
        if at != step.get_untracked() {
            step.set(at);
        }
    });
    let record = use_navigate();
    crate::shared::effect(move || {
        let n = step.get();
        if untrack(address_step) != n {
            record(&step_href(n), Default::default());
        }
    });

    let key_verified = Memo::new(move |_| draft.verified.with(Option::is_some));
    view! {
        <div class="page-head">
            <h1>"New connection"</h1>
        </div>
        <WizardSteps current=step names=STEPS/>
        {move || {
            (kept.restored.get() && step.get() == 0)
                .then(|| {
                    // Once the key is verified again, the notice no longer asks for it.
                    let message = if key_verified.get() {
                        "The ports, speed and details you chose before, not yet ordered, are back."
                    } else {
                        "The ports, speed and details you chose before, not yet ordered, are back. Verify the service key again to go on."
                    };
                    view! {
                        <DraftNotice
                            kept=kept
                            message=message
                            discard="Start again"
                            on_discard=Callback::new(move |()| {
                                draft.restore_choices();
                                // Nothing chosen before is left to have been dropped.
                                draft.dropped_speed.set(None);
                            })
                        />
                    }
                })
        }}
        {move || {
            (sent_back.get() && step.get() == 0 && !kept.restored.get() && !key_verified.get())
                .then(|| {
                    view! {
                        <p class="notice" role="status" data-test="key-asked-again">
                            "The service key is kept neither in the address nor across a reload: verify it again to go on."
                        </p>
                    }
                })
        }}
        // Enter in a step's inputs goes on, as it submits the key step's form (and goes on from
        // a key verified already): the steps after it are not forms of their own (the key
        // step's form would then sit inside one).
        <section
            class="panel wizard"
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                // The reason's box too: it is one line, and Enter does not break it.
                let in_input = ev.target().is_some_and(|t| {
                    t.has_type::<web_sys::HtmlInputElement>()
                        || t.has_type::<web_sys::HtmlTextAreaElement>()
                });
                let at = step.get_untracked();
                let between = (1..STEPS.len() - 1).contains(&at);
                // On the key's step Enter verifies (its form's submit), unless the key is
                // verified as typed and free to order with: then it goes on, as Next does.
                let verified = at == 0 && can_continue();
                if ev.key() == "Enter" && in_input && (between || verified) {
                    ev.prevent_default();
                    if can_continue() {
                        step.update(|s| *s += 1);
                    } else if step.get_untracked() == 3 {
                        // The details say what is missing, and the keyboard goes there.
                        touch_all(&[draft.name, draft.reason, draft.ticket]);
                        if let Some(section) = ev
                            .current_target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        {
                            crate::form::focus_first_invalid(&section);
                        }
                    }
                }
            }
        >
            {move || match step.get() {
                0 => view! { <KeyStep draft=draft/> }.into_any(),
                1 => view! { <PortsStep draft=draft ports=any_ports/> }.into_any(),
                2 => view! { <SpeedStep draft=draft ports=ports/> }.into_any(),
                3 => view! { <DetailsStep draft=draft/> }.into_any(),
                _ => {
                    // Not said once an order may have been placed (said below the review).
                    let may_be_placed = Signal::derive(move || {
                        create_error.with(|e| e.as_ref().is_some_and(models::ApiError::may_have_been_made))
                    });
                    view! { <ReviewStep draft=draft step=step ports=ports may_be_placed=may_be_placed/> }
                        .into_any()
                }
            }}
            <Show when=move || { step.get() == STEPS.len() - 1 }>
                <ActionError error=create_error/>
                // An order whose answer did not say how it ended may have been placed: the
                // company's connections say, before it is placed again. One that never
                // reached Console Connect was not.
                {move || {
                    create_error
                        .get()
                        .filter(models::ApiError::may_have_been_made)
                        .map(|_| {
                            view! {
                                <p class="notice" data-test="order-may-be-placed">
                                    "Before ordering again, look for it among "
                                    <a href="/connections">"the company's connections"</a>
                                    ": it may have been placed. "
                                    <Show when=move || unsettled.get()>
                                        <button
                                            type="button"
                                            class="link-button"
                                            data-test="order-again"
                                            on:click=move |_| {
                                                looked_for.set(create_error.with_untracked(|e| e.as_ref().map(|e| e.request_id.clone())));
                                            }
                                        >
                                            "It is not there: order again"
                                        </button>
                                    </Show>
                                </p>
                            }
                        })
                }}
            </Show>
            <div class="wizard-nav">
                <Show when=move || { step.get() > 0 }>
                    <button
                        type="button"
                        class="secondary"
                        data-test="back"
                        on:click=move |_| step.update(|s| *s = s.saturating_sub(1))
                    >
                        "Back"
                    </button>
                </Show>
                <Show when=move || { step.get() < STEPS.len() - 1 }>
                    <button
                        type="button"
                        class="primary"
                        data-test="next"
                        disabled=move || !can_continue()
                        on:click=move |_| {
                            if can_continue() {
                                step.update(|s| *s += 1);
                            }
                        }
                    >
                        "Next"
                    </button>
                </Show>
                <Show when=move || { step.get() == STEPS.len() - 1 }>
                    <button
                        type="button"
                        class="primary"
                        data-test="create"
                        disabled=move || creating.get() || draft.request().is_none() || wait.get() != 0 || unsettled.get()
                        on:click=move |_| {
                            // The button is disabled only once the page redraws: a second
                            // click in the same moment must not place a second order.
                            if !creating.get_untracked()
                                && wait.get_untracked() == 0
                                && !unsettled.get_untracked()
                                && let Some(req) = draft.request()
                            {
                                create.dispatch(req);
                            }
                        }
                    >
                        {move || action_label(creating.get(), wait.get(), "Create", "Creating…")}
                    </button>
                </Show>
            </div>
        </section>
    }
}

type PortsResource = crate::shared::Fetch<(Option<u64>, ApiResult<Vec<PortView>>)>;

/// The chosen ports as the current listing describes them, if the listing is for `speed`.
fn chosen_ports(draft: Draft, ports: PortsResource, speed: Option<u64>) -> Option<Vec<PortView>> {
    let chosen = draft.ports.get();
    let mut list: Vec<PortView> = ports.with(|r| match r {
        Some((s, Ok(list))) if *s == speed => Some(
            list.iter()
                .filter(|p| chosen.contains(&p.id))
                .cloned()
                .collect(),
        ),
        _ => None,
    })?;
    // In the order they are sent: the primary leg's first.
    list.sort_by_key(|p| chosen.iter().position(|c| *c == p.id));
    // One port chosen carries both legs: it needs room for twice the speed.
    if let (Some(speed), [port]) = (speed, list.as_mut_slice())
        && let Some(reason) = sole_port_reason(
            &port.status,
            port.single_service,
            port.capacity.map_or(0, |c| c.remaining),
            speed,
        )
    {
        port.usable = false;
        port.unusable_reason = Some(reason);
    }
    Some(list)
}

/// Which leg the port `id` carries, of the ports chosen (`chosen`, in the order they are sent:
/// the first carries the primary leg).
fn leg_role(chosen: &[String], id: &str) -> Option<&'static str> {
    match (chosen.iter().position(|p| p == id)?, chosen.len()) {
        (_, 1) => Some("Both legs"),
        (0, _) => Some("Primary leg"),
        _ => Some("Secondary leg"),
    }
}

/// Whether the chosen ports are one or two the listing for `speed` says can be used.
fn ports_usable(draft: Draft, ports: PortsResource, speed: Option<u64>) -> bool {
    let ids = draft.ports.get();
    validate::source_ports(&ids).is_ok()
        && chosen_ports(draft, ports, speed)
            .is_some_and(|ps| ps.len() == ids.len() && ps.iter().all(|p| p.usable))
}

/// The ports step is done: the ports can be used at some speed (`any_ports`).
fn ports_ok(draft: Draft, any_ports: PortsResource) -> bool {
    ports_usable(draft, any_ports, None)
}

/// The speed step is done: an offered speed, which every chosen port has room for.
fn speed_ok(draft: Draft, ports: PortsResource) -> bool {
    let bandwidth = draft.verified.get().and_then(|(_, v)| v.bandwidth_mbps);
    let speed = draft.speed.get();
    speed.is_some_and(|s| validate::speed(s, bandwidth).is_ok())
        && ports_usable(draft, ports, speed)
}

#[component]
fn KeyStep(draft: Draft) -> impl IntoView {
    let key = draft.key;
    // The key the last answer is about: the one sent, not whatever is typed now.
    let sent = RwSignal::new(String::new());
    let verify = crate::shared::action(|k: &String| api::verify_service_key(k.clone()));
    let pending = verify.pending();
    let error = key_error(verify, key);
    crate::shared::effect(move || match verify.value() {
        Some(Ok(v)) => draft.verified.set(Some((sent.get_untracked(), v))),
        // Refused now, the key's earlier answer no longer holds.
        Some(Err(e)) if e.field("serviceKey").is_some() => draft.verified.set(None),
        _ => {}
    });
    let banner = crate::pages::verify::key_banner(verify);
    let wait = wait_left(move || {
        verify.value();
    });
    let valid = move || key.value.with(|k| validate::service_key(k).is_ok());
    let submit = move |k: String| {
        key.touched.set(true);
        if validate::service_key(&k).is_ok()
            && wait.get_untracked() == 0
            && !pending.get_untracked()
        {
            sent.set(k.trim().to_owned());
            verify.dispatch(k.trim().to_owned());
        }
    };
    view! {
        <h2>"Which Azure circuit?"</h2>
        <p class="help">
            "The service key of your ExpressRoute circuit, from the Azure portal. It is checked with Azure before anything is ordered."
        </p>
        <div class="columns">
            <div>
                <form
                    novalidate
                    on:submit=move |ev| {
                        ev.prevent_default();
                        submit(key.value.get_untracked());
                    }
                    on:keydown=move |ev| {
                        crate::form::enter_while_blocked(
                            &ev,
                            !pending.get_untracked() && !valid(),
                            || key.touched.set(true),
                        )
                    }
                >
                    <Field id="serviceKey" label="Azure service key" error=error>
                        <div class="input-with-button">
                            <ServiceKeyInput key=key error=error/>
                            <button
                                type="submit"
                                class="secondary"
                                data-test="verify"
                                disabled=move || pending.get() || !valid() || wait.get() != 0
                            >
                                {move || action_label(pending.get(), wait.get(), "Verify", "Verifying…")}
                            </button>
                        </div>
                    </Field>
                </form>
                <ActionError error=banner/>
                // Always there, so that what comes into it is read out.
                <div aria-live="polite">
                {move || {
                    if pending.get() {
                        return view! { <Loading label="Asking Azure about this key…"/> }.into_any();
                    }
                    match draft.verified_now() {
                        Some(v) => {
                            let in_use = v.in_use == Some(true);
                            view! {
                                <div class="result">
                                    <ServiceKeyDetails key=v/>
                                    {in_use
                                        .then(|| {
                                            view! {
                                                <p class="notice warn">
                                                    "This key is already used by a connection; use an unused key."
                                                </p>
                                            }
                                        })}
                                </div>
                            }
                                .into_any()
                        }
                        // A key refused (its own message says why) is not told to verify.
                        None => {
                            view! {
                                <Show when=move || error.with(Option::is_none)>
                                    <p class="muted" data-test="verify-to-continue">
                                        "Verify the key to continue."
                                    </p>
                                </Show>
                            }
                                .into_any()
                        }
                    }
                }}
                </div>
            </div>
            <DemoServiceKeys disabled=pending pick=move |k: String| {
                key.edit(k.clone());
                submit(k);
            }/>
        </div>
    }
}

#[component]
fn PortsStep(draft: Draft, ports: PortsResource) -> impl IntoView {
    let toggle = move |id: String, on: bool| {
        draft.choose_ports(|ps| {
            ps.retain(|p| *p != id);
            if on {
                ps.push(id);
            }
        });
    };
    view! {
        <fieldset class="choices">
            <legend>
                <h2>"Source ports"</h2>
            </legend>
            <p class="help">
                "Choose one of your ports, or two for port diversity. Both Azure legs (primary and secondary) start from the ports you choose: one port alone carries both, so it needs room for twice the speed."
            </p>
            {move || match ports.get() {
                None => view! { <Loading label="Loading your ports…"/> }.into_any(),
                Some((_, Err(e))) => view! { <LoadError error=e retry=Retry::of(ports)/> }.into_any(),
                Some((_, Ok(list))) if list.is_empty() => {
                    view! { <p class="empty">"This company has no ports."</p> }.into_any()
                }
                Some((_, Ok(list))) => {
                    view! {
                        <ul class="port-list">
                            {list
                                .into_iter()
                                .map(|p| {
                                    let id = p.id.clone();
                                    let input_id = format!("srcPort-{}", p.id);
                                    let checked = {
                                        let id = id.clone();
                                        move || draft.ports.with(|ps| ps.contains(&id))
                                    };
                                    let full = {
                                        let checked = checked.clone();
                                        move || draft.ports.with(Vec::len) >= 2 && !checked()
                                    };
                                    let full_note = full.clone();
                                    let role = {
                                        let id = id.clone();
                                        move || draft.ports.with(|ps| leg_role(ps, &id))
                                    };
                                    let usable = p.usable;
                                    // A chosen port can always be unchosen, even one that
                                    // has become unusable since (a restored draft's).
                                    let disabled = {
                                        let checked = checked.clone();
                                        let full = full.clone();
                                        move || (!usable && !checked()) || full()
                                    };
                                    let capacity = p
                                        .capacity
                                        .map(|c| {
                                            format!(
                                                "{} left of {}",
                                                format::speed(c.remaining),
                                                format::speed(c.total),
                                            )
                                        })
                                        .unwrap_or_else(|| "capacity unknown".to_owned());
                                    view! {
                                        <li class="port" class:unusable=!usable class:full=full.clone()>
                                            <input
                                                type="checkbox"
                                                name="srcPort"
                                                id=input_id.clone()
                                                value=p.id.clone()
                                                prop:checked=checked
                                                disabled=disabled
                                                aria-describedby=format!("{input_id}-note")
                                                on:change=move |ev| toggle(id.clone(), event_target_checked(&ev))
                                            />
                                            <label for=input_id.clone()>
                                                <span class="port-name">{p.name.clone()}</span>
                                                {move || {
                                                    role()
                                                        .map(|r| view! { <span class="leg-role" data-test="leg-role">{r}</span> })
                                                }}
                                                <span class="port-meta">
                                                    {crate::components::status::port_status(&p.status)}
                                                    " "
                                                    {format::optional_speed(p.speed_mbps)}
                                                    " port · "
                                                    {capacity}
                                                </span>
                                            </label>
                                            <p class="port-note" id=format!("{input_id}-note")>
                                                {p
                                                    .unusable_reason
                                                    .clone()
                                                    .map(|r| format!("Cannot be used: {r}"))}
                                                {move || {
                                                    (usable && full_note())
                                                        .then_some("Two ports are chosen already: untick one to choose this one instead.")
                                                }}
                                            </p>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <p class="help" aria-live="polite">
                {move || match draft.ports.with(Vec::len) {
                    0 => "0 of at most 2 chosen: choose one or two to continue.".to_owned(),
                    1 => "1 of at most 2 chosen.".to_owned(),
                    // Named here too, so that a swap is heard as well as seen.
                    _ => {
                        let named = |id: &String| {
                            ports
                                .with(|p| {
                                    p.and_then(|(_, list)| list.as_ref().ok())
                                        .and_then(|list| list.iter().find(|p| p.id == *id))
                                        .map(|p| p.name.clone())
                                })
                                .unwrap_or_else(|| id.clone())
                        };
                        draft.ports.with(|ps| {
                            format!(
                                "2 of at most 2 chosen: the primary leg from {}, the secondary from {}.",
                                named(&ps[0]),
                                named(&ps[1]),
                            )
                        })
                    }
                }}
            </p>
            <Show when=move || draft.ports.with(Vec::len) == 2>
                <p>
                    <button
                        type="button"
                        class="secondary"
                        data-test="swap-legs"
                        on:click=move |_| draft.choose_ports(|ps| ps.reverse())
                    >
                        "Swap primary and secondary"
                    </button>
                </p>
            </Show>
        </fieldset>
    }
}

#[component]
fn SpeedStep(draft: Draft, ports: PortsResource) -> impl IntoView {
    let key = move || draft.verified.get().map(|(_, v)| v);
    let offered = move || key().map(|k| k.offered_speeds).unwrap_or_default();
    let bandwidth = move || key().and_then(|k| k.bandwidth_mbps);
    view! {
        <fieldset class="choices">
            <legend>
                <h2>"Speed"</h2>
            </legend>
            <p class="help">
                {move || match bandwidth() {
                    Some(b) => format!("The circuit's bandwidth is {}; faster speeds are not offered.", format::speed(b)),
                    None => "The circuit's bandwidth is unknown.".to_owned(),
                }}
            </p>
            {move || {
                draft.dropped_speed.get().map(|s| {
                    view! {
                        <p class="notice" role="status" data-test="speed-dropped">
                            {format!(
                                "The {} chosen before is not offered for this service key's circuit: choose a speed again.",
                                format::speed(s),
                            )}
                        </p>
                    }
                })
            }}
            <div class="radio-list" role="radiogroup" aria-label="Speed">
                {move || {
                    offered()
                        .into_iter()
                        .map(|s| {
                            let id = format!("speed-{s}");
                            view! {
                                <div class="radio">
                                    <input
                                        type="radio"
                                        name="speed"
                                        id=id.clone()
                                        value=s.to_string()
                                        prop:checked=move || draft.speed.get() == Some(s)
                                        on:change=move |_| draft.choose_speed(Some(s))
                                    />
                                    <label for=id>{format::speed(s)}</label>
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </fieldset>
        <section class="capacity-check" aria-live="polite">
            <h3>"Capacity of the chosen ports"</h3>
            {move || {
                let Some(speed) = draft.speed.get() else {
                    return view! { <p class="muted">"Choose a speed to check the ports."</p> }
                        .into_any();
                };
                match ports.get() {
                    Some((_, Err(e))) => view! { <LoadError error=e retry=Retry::of(ports)/> }.into_any(),
                    _ => match chosen_ports(draft, ports, Some(speed)) {
                        None => view! { <Loading label="Checking capacity…"/> }.into_any(),
                        Some(list) => {
                            // One port carries both legs, each at the speed.
                            let room = if list.len() == 1 {
                                format!("both legs of {} ({} in all)", format::speed(speed), format::speed(speed.saturating_mul(2)))
                            } else {
                                format::speed(speed)
                            };
                            // Two ports: each said with the leg it carries.
                            let chosen = draft.ports.get();
                            let two = list.len() == 2;
                            view! {
                                <ul class="checks">
                                    {list
                                        .into_iter()
                                        .map(|p| {
                                            let ok = p.usable;
                                            let port = match leg_role(&chosen, &p.id).filter(|_| two) {
                                                Some(role) => format!("{} ({})", p.name, role.to_lowercase()),
                                                None => p.name.clone(),
                                            };
                                            let text = match &p.unusable_reason {
                                                None => format!("{port}: enough capacity for {room}"),
                                                Some(r) => format!("{port}: {r}. Go back and choose another port, or a lower speed."),
                                            };
                                            view! {
                                                <li class:ok=ok class:bad=!ok>
                                                    <span aria-hidden="true">{if ok { "✓ " } else { "✗ " }}</span>
                                                    {text}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    },
                }
            }}
        </section>
    }
}

#[component]
fn DetailsStep(draft: Draft) -> impl IntoView {
    let name_error = Signal::derive(move || draft.name.shown(draft.name_rule()));
    // Console Connect takes a name twice; a warning, not a rule, since it may be meant.
    let taken = names::live_connections();
    let name_taken = move || {
        let name = draft.name.get();
        taken.with(|t| names::same_name(t, &name)).map(|existing| {
            format!(
                "Another connection of this company is already named \u{201c}{existing}\u{201d}. \
                 A name of its own tells them apart in the list, in the history and when one is \
                 deleted."
            )
        })
    };
    view! {
        <h2>"Details"</h2>
        <Field
            id="name"
            label="Connection name"
            error=name_error
            help="1 to 64 characters. The two legs are named after it (\u{2026} Primary 1, \u{2026} Secondary 1)."
        >
            <input
                id="name"
                name="name"
                type="text"
                maxlength="200"
                required
                aria-describedby="name-note name-help name-error"
                aria-invalid=move || name_error.get().is_some().to_string()
                prop:value=move || draft.name.get()
                on:input=move |ev| draft.name.edit(event_target_value(&ev))
            />
            <p class="field-note" id="name-note" aria-live="polite">{name_taken}</p>
        </Field>
        <div class="field">
            <label for="paymentType">"Payment type"</label>
            <select
                id="paymentType"
                name="paymentType"
                prop:value=move || draft.payment.get()
                on:change=move |ev| draft.payment.edit(event_target_value(&ev))
            >
                {PaymentType::KNOWN
                    .iter()
                    .map(|p| {
                        view! {
                            <option value=p.as_wire().to_owned() selected=move || draft.payment.get() == p.as_wire()>
                                {p.label().to_owned()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="classOfService">
                "Class of service" <span class="optional">" (optional)"</span>
            </label>
            <select
                id="classOfService"
                name="classOfService"
                prop:value=move || draft.class.get()
                on:change=move |ev| draft.class.edit(event_target_value(&ev))
            >
                <option value="">"Not set"</option>
                {ClassOfService::KNOWN
                    .iter()
                    .map(|c| {
                        view! {
                            <option value=c.as_wire().to_owned() selected=move || draft.class.get() == c.as_wire()>
                                {c.label().to_owned()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <NoteFields
            reason=draft.reason
            ticket=draft.ticket
            required=false
            purpose="Why this connection is ordered"
        />
        <Show when=move || draft.name_rule().is_some() && !draft.name.touched.get()>
            <p class="help">"Name the connection to continue."</p>
        </Show>
    }
}

#[component]
fn ReviewStep(
    draft: Draft,
    step: RwSignal<usize>,
    ports: PortsResource,
    /// Whether an order sent from here may have been placed, its answer lost.
    may_be_placed: Signal<bool>,
) -> impl IntoView {
    // Each leg with the port it starts from, in the order Console Connect is sent them; by the
    // name last read, while the ports cannot be read again (the portal unreachable, say).
    let known: StoredValue<Vec<(String, String)>> = StoredValue::new(Vec::new());
    let port_names = move || {
        let named = chosen_ports(draft, ports, draft.speed.get()).unwrap_or_default();
        if !named.is_empty() {
            known.set_value(
                named
                    .iter()
                    .map(|p| (p.id.clone(), p.name.clone()))
                    .collect(),
            );
        }
        let chosen = draft.ports.get();
        chosen
            .iter()
            .map(|id| {
                let name = known
                    .with_value(|k| k.iter().find(|(k, _)| k == id).map(|(_, n)| n.clone()))
                    .unwrap_or_else(|| id.clone());
                let role = leg_role(&chosen, id).unwrap_or_default();
                view! {
                    <span class="leg-port">
                        {format!("{role}: {name}")}
                    </span>
                }
            })
            .collect_view()
    };
    // Named by what each changes, for a screen reader listing the page's buttons; the keyboard
    // goes to the field to change (`field`, its input's id), where there is one, once its step
    // is drawn (and its heading focused, as every step change does).
    let edit = move |n: usize, what: &'static str, field: Option<&'static str>| {
        view! {
            <button
                type="button"
                class="link-button"
                aria-label=format!("Change the {what}")
                on:click=move |_| {
                    step.set(n);
                    if let Some(field) = field {
                        request_animation_frame(move || crate::route::focus(field));
                    }
                }
            >
                "Change"
            </button>
        }
    };
    let key = move || draft.verified.get().map(|(_, v)| v);
    view! {
        <h2>"Review and create"</h2>
        <Show when=move || !may_be_placed.get()>
            <p class="help" data-test="nothing-ordered-yet">"Nothing is ordered until you press Create."</p>
        </Show>
        <dl class="details review">
            <dt>"Service key"</dt>
            <dd>
                // Refused since it was verified (a colleague's order used it): said, with the
                // way back to it beside.
                {move || match key() {
                    Some(k) => view! { <code>{k.service_key_masked}</code> }.into_any(),
                    None => {
                        view! {
                            <span class="field-error" data-test="key-unverified">
                                "No longer verified: verify a key again"
                            </span>
                        }
                            .into_any()
                    }
                }}
                " "
                {edit(0, "service key", Some("serviceKey"))}
            </dd>
            <dt>"Circuit"</dt>
            <dd>
                {move || {
                    key()
                        .map(|k| {
                            format!(
                                "{} at {}",
                                k.circuit_name.unwrap_or_else(|| "—".into()),
                                k.peering_location.unwrap_or_else(|| "—".into()),
                            )
                        })
                }}
            </dd>
            <dt>"Source ports"</dt>
            // Each port on a line of its own, so the link starts the next: no space before it.
            <dd>{port_names} {edit(1, "source ports", None)}</dd>
            <dt>"Speed"</dt>
            <dd>{move || format::optional_speed(draft.speed.get())} " " {edit(2, "speed", None)}</dd>
            <dt>"Name"</dt>
            <dd>{move || draft.name.get()} " " {edit(3, "name", Some("name"))}</dd>
            <dt>"Payment type"</dt>
            <dd>
                {move || PaymentType::parse(&draft.payment.get()).label().to_owned()} " "
                {edit(3, "payment type", Some("paymentType"))}
            </dd>
            <dt>"Class of service"</dt>
            <dd>
                {move || {
                    let c = draft.class.get();
                    if c.is_empty() { "Not set".to_owned() } else { ClassOfService::parse(&c).label().to_owned() }
                }} " " {edit(3, "class of service", Some("classOfService"))}
            </dd>
            <dt>"Reason"</dt>
            <dd>
                {move || Some(draft.reason.get()).filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "—".into())}
                " " {edit(3, "reason", Some("reason"))}
            </dd>
            <dt>"Ticket"</dt>
            <dd>
                {move || Some(draft.ticket.get()).filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "—".into())}
                " " {edit(3, "ticket", Some("ticket"))}
            </dd>
        </dl>
    }
}
