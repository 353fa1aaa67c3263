//! A before → after table of only the fields that change, for the peering preview and the audit
//! history.

use crate::format;
use leptos::prelude::*;
use models::diff::{ChangeKind, FieldChange, field_label};
use serde_json::Value;

/// A value as the table shows it: a shared key, which the portal keeps only as a keyed
/// fingerprint, said to be a key with that fingerprint (which tells one key from another).
fn shown(field: &str, v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) if field == "sharedKey" => match s.strip_prefix("hmac-sha256:") {
            Some(fingerprint) => format!("a key (fingerprint {fingerprint})"),
            None => s.clone(),
        },
        v => format::value(v),
    }
}

/// `undone`: fields whose change is not the user's edit but puts back what their page read,
/// undoing a change someone made since; their rows say so.
#[component]
pub fn DiffTable(
    changes: Vec<FieldChange>,
    #[prop(optional)] undone: Vec<String>,
) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="muted" data-test="diff-empty">"No field changes."</p> }
            .into_any();
    }
    view! {
        <table class="diff stack" data-test="diff">
            <caption class="visually-hidden">"Changed fields, before and after"</caption>
            <thead>
                <tr>
                    <th scope="col">"Field"</th>
                    <th scope="col">"Before"</th>
                    <th scope="col">"After"</th>
                </tr>
            </thead>
            <tbody>
                {changes
                    .into_iter()
                    .map(|c| {
                        let kind = match c.kind() {
                            ChangeKind::Added => "added",
                            ChangeKind::Removed => "removed",
                            ChangeKind::Changed => "changed",
                        };
                        let undoes = undone.contains(&c.field);
                        let class = if undoes { format!("{kind} undone") } else { kind.to_owned() };
                        view! {
                            <tr data-field=c.field.clone() class=class>
                                <th scope="row" data-label="Field">
                                    {match field_label(&c.field) {
                                        Some(label) => {
                                            view! {
                                                {label}
                                                <code class="sub">{c.field.clone()}</code>
                                            }
                                                .into_any()
                                        }
                                        None => view! { <code>{c.field.clone()}</code> }.into_any(),
                                    }}
                                </th>
                                <td data-label="Before" class="before">
                                    {shown(&c.field, c.before.as_ref())}
                                </td>
                                <td data-label="After" class="after">
                                    {shown(&c.field, c.after.as_ref())}
                                    {undoes
                                        .then(|| {
                                            view! {
                                                <span class="undo-note" data-test="undo-note">
                                                    "Not edited here: this puts back the value the page read, undoing a change made since."
                                                </span>
                                            }
                                        })}
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
