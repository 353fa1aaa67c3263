//! One labelled form field: label, the input (given as children, carrying `id`), helper text,
//! and the rule's message under it in `<id>-error` while there is one (announced politely),
//! naming the field by its label.

use leptos::prelude::*;

#[component]
pub fn Field(
    /// The input's id, which is also its JSON field name.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] help: MaybeProp<String>,
    /// Marks the label "(optional)".
    #[prop(optional)]
    optional: bool,
    children: Children,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let has_error = move || error.with(Option::is_some);
    view! {
        <div class="field" class:invalid=has_error>
            <label for=id.clone()>
                {label} {optional.then(|| view! { <span class="optional">" (optional)"</span> })}
            </label>
            {children()}
            {move || help.get().map(|h| view! { <p class="help" id=help_id.clone()>{h}</p> })}
            <div aria-live="polite">
                {move || {
                    error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="field-error" id=error_id.clone()>
                                    {models::validate::for_people(&e)}
                                </p>
                            }
                        })
                }}
            </div>
        </div>
    }
}

/// What a [`TextInput`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextKind {
    /// Free text.
    #[default]
    Text,
    /// Digits: a numeric keyboard on phones.
    Number,
    /// An address or prefix: no spell checking.
    Address,
}

/// A one-line text input bound to a form [`Input`](crate::form::Input), described by the help
/// and error lines of the [`Field`] around it (same `id`).
#[component]
pub fn TextInput(
    id: &'static str,
    input: crate::form::Input,
    error: Signal<Option<String>>,
    #[prop(optional)] kind: TextKind,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <input
            id=id
            name=id
            type="text"
            inputmode=(kind == TextKind::Number).then_some("numeric")
            spellcheck=(kind == TextKind::Address).then_some("false")
            autocomplete="off"
            placeholder=placeholder
            aria-describedby=format!("{id}-help {id}-error")
            aria-invalid=move || error.with(Option::is_some).to_string()
            prop:value=move || input.get()
            on:input=move |ev| input.edit(event_target_value(&ev))
        />
    }
}

/// A labelled chooser of one of a few values: `any` (the empty value) first, then each
/// `(value, label)`; `on_change` is given the value chosen.
#[component]
pub fn Choice(
    id: &'static str,
    label: &'static str,
    any: &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Box<dyn Fn(String)>,
    choices: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id prop:value=value on:change=move |ev| on_change(event_target_value(&ev))>
                <option value="">{any}</option>
                {choices
                    .into_iter()
                    .map(|(v, l)| view! { <option value=v selected=move || value.get() == v>{l}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The button beside a masked secret's input (`controls`, its id) that shows it as typed, and
/// masks it again: a refused key's wrong character can then be seen. The input's `type` follows
/// `visible`.
#[component]
pub fn ShowSecret(
    controls: &'static str,
    visible: RwSignal<bool>,
    data_test: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="secondary"
            data-test=data_test
            aria-controls=controls
            disabled=disabled
            on:click=move |_| visible.update(|v| *v = !*v)
        >
            {move || if visible.get() { "Hide" } else { "Show" }}
        </button>
    }
}
