//! One labelled form field: label, the input (given as children, carrying `id`), helper text,
//! and the rule's message under it in `<id>-error` while there is one (announced politely).

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
                        .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })
                }}
            </div>
        </div>
    }
}
