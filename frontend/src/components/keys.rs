//! The service-key input both wizards ask for, and the sandbox's demo keys as buttons.

use crate::form::Input;
use leptos::prelude::*;
use models::api::DemoKey;

/// The `serviceKey` input, its error announced through `serviceKey-error`.
#[component]
pub fn ServiceKeyInput(key: Input, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <input
            id="serviceKey"
            name="serviceKey"
            type="text"
            autocomplete="off"
            spellcheck="false"
            placeholder="00000000-0000-0000-0000-000000000000"
            aria-describedby="serviceKey-error"
            aria-invalid=move || error.get().is_some().to_string()
            prop:value=move || key.get()
            on:input=move |ev| key.edit(event_target_value(&ev))
        />
    }
}

/// Demo keys as buttons, each showing what it is good for; `pick` gets the chosen key.
/// Nothing is shown while the list is empty (outside the sandbox).
#[component]
pub fn DemoKeyList(
    #[prop(into)] keys: Signal<Vec<DemoKey>>,
    /// The heading's id, for `aria-labelledby`.
    heading_id: &'static str,
    title: &'static str,
    #[prop(optional)] help: Option<&'static str>,
    /// `data-test` of each button.
    data_test: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(into)] pick: Callback<String>,
) -> impl IntoView {
    view! {
        <Show when=move || keys.with(|k| !k.is_empty())>
            <section class="demo-keys" aria-labelledby=heading_id>
                <h2 id=heading_id>{title}</h2>
                {help.map(|h| view! { <p class="help">{h}</p> })}
                <ul>
                    {move || {
                        keys.get()
                            .into_iter()
                            .map(|k| {
                                let value = k.key.clone();
                                let data_key = k.key.clone();
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="demo-key"
                                            data-test=data_test
                                            data-key=data_key
                                            disabled=disabled
                                            on:click=move |_| pick.run(value.clone())
                                        >
                                            <span class="demo-key-text">{k.description}</span>
                                            <code>{k.key}</code>
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}
