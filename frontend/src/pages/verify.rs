//! `/verify`: check an Azure ExpressRoute service key with Console Connect and show what Azure
//! says about its circuit, then offer to create a connection for it.

use crate::api;
use crate::components::details::ServiceKeyDetails;
use crate::components::feedback::{ActionError, action_label, wait_left};
use crate::components::field::Field;
use crate::components::keys::{DemoKeyList, ServiceKeyInput};
use crate::form::Input;
use crate::session::Auth;
use leptos::prelude::*;
use models::api::DemoKey;
use models::validate;

/// The service key input with its rule, shared with the create wizard.
pub fn service_key_rule(key: Input) -> Signal<Option<String>> {
    Signal::derive(move || {
        let rule = key
            .value
            .with(|k| validate::service_key(k).err().map(|e| e.to_string()));
        key.shown(rule)
    })
}

/// The sandbox's demo service keys as buttons; `pick` gets the chosen key. They are
/// `disabled` while a key is being verified: one answer at a time, about the key it is shown
/// with.
#[component]
pub fn DemoServiceKeys(
    #[prop(into)] disabled: Signal<bool>,
    #[prop(into)] pick: Callback<String>,
) -> impl IntoView {
    let auth = Auth::get();
    let info = crate::shared::resource(api::get_info);
    let keys = move || -> Vec<DemoKey> {
        if !auth.session().is_some_and(|s| s.sandbox) {
            return Vec::new();
        }
        info.get()
            .and_then(Result::ok)
            .map(|i| i.demo_service_keys)
            .unwrap_or_default()
    };
    view! {
        <DemoKeyList
            keys=Signal::derive(keys)
            heading_id="demo-service-keys-title"
            title="Sandbox service keys"
            data_test="demo-service-key"
            disabled=disabled
            pick=pick
        />
    }
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    crate::nav::title("Verify a service key");
    let key = Input::new("");
    let verified_key = RwSignal::new(String::new());
    let verify = crate::shared::action(|k: &String| api::verify_service_key(k.clone()));
    let pending = verify.pending();
    let error = key_error(verify, key);
    // A busy Console Connect's wait (`Retry-After`) is counted down before asking again.
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
            verified_key.set(k.trim().to_owned());
            verify.dispatch(k.trim().to_owned());
        }
    };
    let banner = key_banner(verify);
    // The key verified last goes to the create wizard in memory, not in its address: the
    // address would keep a secret in the browser's history.
    crate::shared::effect(move || {
        if let Some(Ok(view_)) = verify.value() {
            crate::pages::create::hand_over(verified_key.get_untracked(), view_);
        }
    });

    view! {
        <div class="page-head">
            <h1>"Verify a service key"</h1>
        </div>
        <p class="lead">
            "Paste the service key of your Azure ExpressRoute circuit (Azure portal → ExpressRoute circuit → Overview). Console Connect checks it with Azure."
        </p>
        <div class="columns">
            <div>
                <form
                    class="panel"
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
                        <ServiceKeyInput key=key error=error/>
                    </Field>
                    <ActionError error=banner/>
                    <div class="actions">
                        <button
                            type="submit"
                            class="primary"
                            data-test="verify"
                            disabled=move || pending.get() || !valid() || wait.get() != 0
                        >
                            {move || action_label(pending.get(), wait.get(), "Verify", "Verifying…")}
                        </button>
                    </div>
                    // Why the button cannot be pressed yet, unless the key's error says it.
                    <Show when=move || !valid() && error.with(Option::is_none)>
                        <p class="help right" data-test="verify-needs">
                            "Paste the whole service key above to verify it."
                        </p>
                    </Show>
                </form>
                // What Azure said, in a line a screen reader reads out as it comes (always there,
                // so that it is): the details below are there to be read at will.
                <p class="visually-hidden" role="status" data-test="verify-said">
                    {move || {
                        if pending.get() {
                            return Some("Asking Azure about this key…".to_owned());
                        }
                        let said = verify.value().and_then(Result::ok)?;
                        if key.value.with(|k| !validate::same_service_key(k, &verified_key.get())) {
                            return valid().then_some(
                                "The key has changed since it was verified.".to_owned(),
                            );
                        }
                        let circuit = said.circuit_name.unwrap_or_else(|| "its circuit".into());
                        Some(if said.in_use == Some(true) {
                            format!("Azure knows this key, of {circuit}: it is already used by a connection.")
                        } else {
                            format!("Azure knows this key, of {circuit}, not in use: its details follow.")
                        })
                    }}
                </p>
                <div>
                {move || {
                    // What Azure said stands only for the key it was said of: once the box holds
                    // another, it is not shown, nor offered to order with; nor while another is
                    // being verified.
                    if pending.get() {
                        return None;
                    }
                    let said = verify.value().and_then(Result::ok)?;
                    if key.value.with(|k| !validate::same_service_key(k, &verified_key.get())) {
                        // A key that cannot be verified has its own message under the field.
                        if !valid() {
                            return None;
                        }
                        return Some(
                            view! {
                                <p class="notice" data-test="key-changed">
                                    "The key has changed since it was verified: verify it to see what Azure says about it."
                                </p>
                            }
                                .into_any(),
                        );
                    }
                    Some(said)
                        .map(|view_| {
                            let in_use = view_.in_use == Some(true);
                            view! {
                                <section class="panel result">
                                    <h2>"What Azure says about this key"</h2>
                                    <ServiceKeyDetails key=view_/>
                                    {if in_use {
                                        view! {
                                            <p class="notice warn">
                                                "This key is already used by a connection; a new connection needs an unused key."
                                            </p>
                                        }
                                            .into_any()
                                    } else {
                                        view! {
                                            <a href=crate::pages::create::FOR_VERIFIED_KEY class="button primary" data-test="create-for-key">
                                                "Create a connection for this key"
                                            </a>
                                        }
                                            .into_any()
                                    }}
                                </section>
                            }
                                .into_any()
                        })
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

/// A verification's failure that is not about the key itself (the network, Console Connect),
/// shown above the form; none while the key is being verified again, so that an earlier
/// failure does not pass for the new attempt's.
pub fn key_banner(
    verify: crate::shared::Act<String, api::ApiResult<models::api::ServiceKeyView>>,
) -> Signal<Option<models::ApiError>> {
    let pending = verify.pending();
    Signal::derive(move || {
        if pending.get() {
            return None;
        }
        verify
            .value()
            .and_then(Result::err)
            .filter(|e| e.field("serviceKey").is_none())
    })
}

/// The service key's message: its rule as typed, else the server's verdict on it.
pub fn key_error(
    verify: crate::shared::Act<String, api::ApiResult<models::api::ServiceKeyView>>,
    key: Input,
) -> Signal<Option<String>> {
    let rule = service_key_rule(key);
    crate::shared::effect(move || match verify.value() {
        Some(Err(e)) => {
            if let Some(m) = e.field("serviceKey") {
                key.server.set(Some(m.to_owned()));
            }
        }
        // Verified now: an earlier refusal of the same key (held by a connection being
        // deleted, say) no longer stands under it.
        Some(Ok(_)) => key.server.set(None),
        None => {}
    });
    rule
}
