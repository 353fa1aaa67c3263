//! A before → after table of only the fields that change, for the peering preview and the audit
//! history.

use crate::format;
use leptos::prelude::*;
use models::diff::{ChangeKind, FieldChange, field_label};
use serde_json::Value;

/// A value as the table shows it: a shared key, which the portal keeps only as a keyed
/// fingerprint, said to be a key with that fingerprint (which tells one key from another), and
/// none said to be none (a key removed is not a value unknown); a company by its name too.
fn shown(field: &str, v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) if field == "company" => {
            crate::session::company_label(Some(s.clone()))
        }
        Some(Value::String(s)) if field == "sharedKey" => match s.strip_prefix("hmac-sha256:") {
            Some(fingerprint) => format!("a key (fingerprint {fingerprint})"),
            None => s.clone(),
        },
        None | Some(Value::Null) if field == "sharedKey" => "no key".to_owned(),
        // By the names the pages give them.
        Some(Value::String(s)) if field == "paymentType" => {
            models::PaymentType::parse(s).label().to_owned()
        }
        Some(Value::String(s)) if field == "classOfService" => {
            models::ClassOfService::parse(s).label().to_owned()
        }
        v => format::value(v),
    }
}

/// A list of plain values changed in part (a prefix replaced in a long list, say): what was
/// removed and what was added, and what stayed (named while they are a few, else counted),
/// rather than both lists whole. `None` when the change is not of that kind, or only reorders
/// the list.
pub fn list_change(before: Option<&Value>, after: Option<&Value>) -> Option<(String, String)> {
    let (Some(Value::Array(b)), Some(Value::Array(a))) = (before, after) else {
        return None;
    };
    if b.iter().chain(a).any(|v| v.is_object() || v.is_array()) {
        return None;
    }
    let only = |these: &[Value], not_in: &[Value]| -> Vec<String> {
        these
            .iter()
            .filter(|v| !not_in.contains(v))
            .map(|v| format::value(Some(v)))
            .collect()
    };
    let (removed, added) = (only(b, a), only(a, b));
    if removed.is_empty() && added.is_empty() {
        return None;
    }
    let said = |what: &str, items: Vec<String>| {
        if items.is_empty() {
            format!("Nothing {what}")
        } else {
            format!("{} {what}: {}", items.len(), items.join(", "))
        }
    };
    /// Up to how many unchanged items are named.
    const NAMED_KEPT: usize = 5;
    let kept: Vec<String> = a
        .iter()
        .filter(|v| b.contains(v))
        .map(|v| format::value(Some(v)))
        .collect();
    let mut after = said("added", added);
    match kept.len() {
        0 => {}
        n if n <= NAMED_KEPT => after.push_str(&format!("\n{n} unchanged: {}", kept.join(", "))),
        n => after.push_str(&format!("\n{n} unchanged")),
    }
    Some((said("removed", removed), after))
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
                        let (before, after) = list_change(c.before.as_ref(), c.after.as_ref())
                            .unwrap_or_else(|| {
                                (shown(&c.field, c.before.as_ref()), shown(&c.field, c.after.as_ref()))
                            });
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
                                    {before}
                                </td>
                                <td data-label="After" class="after">
                                    {after}
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

#[cfg(test)]
mod tests {
    use super::{list_change, shown};
    use serde_json::json;

    #[test]
    fn a_shared_key_is_shown_by_its_fingerprint_and_none_as_no_key() {
        let key = json!("hmac-sha256:02104ee1835c76c8");
        assert_eq!(
            shown("sharedKey", Some(&key)),
            "a key (fingerprint 02104ee1835c76c8)"
        );
        assert_eq!(shown("sharedKey", None), "no key");
        assert_eq!(shown("sharedKey", Some(&json!(null))), "no key");
        assert_ne!(shown("vlanId", None), "no key");
    }

    #[test]
    fn an_orders_payment_and_class_are_shown_by_their_names() {
        assert_eq!(shown("paymentType", Some(&json!("invoice"))), "Invoice");
        assert_eq!(shown("classOfService", Some(&json!("GOLD"))), "Gold");
        assert_eq!(
            models::diff::field_label("paymentType"),
            Some("Payment"),
            "labelled as the connection page labels it"
        );
        assert_eq!(
            models::diff::field_label("classOfService"),
            Some("Class of service")
        );
    }

    #[test]
    fn a_list_changed_in_part_says_what_was_removed_and_added() {
        let before = json!(["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"]);
        let after = json!([
            "198.51.100.0/24",
            "192.0.2.0/24",
            "100.64.0.0/24",
            "8.8.8.0/24"
        ]);
        assert_eq!(
            list_change(Some(&before), Some(&after)),
            Some((
                "1 removed: 203.0.113.0/24".to_owned(),
                "2 added: 100.64.0.0/24, 8.8.8.0/24\n2 unchanged: 198.51.100.0/24, 192.0.2.0/24"
                    .to_owned()
            ))
        );
        let grown = json!([
            "198.51.100.0/24",
            "203.0.113.0/24",
            "192.0.2.0/24",
            "8.8.8.0/24"
        ]);
        assert_eq!(
            list_change(Some(&before), Some(&grown)),
            Some((
                "Nothing removed".to_owned(),
                "1 added: 8.8.8.0/24\n3 unchanged: 198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24"
                    .to_owned()
            ))
        );
        // Past a few, the unchanged are counted rather than named.
        let long: Vec<String> = (0..8).map(|i| format!("198.51.{i}.0/24")).collect();
        let longer: Vec<String> = long.iter().cloned().chain(["8.8.8.0/24".into()]).collect();
        assert_eq!(
            list_change(Some(&json!(long)), Some(&json!(longer))),
            Some((
                "Nothing removed".to_owned(),
                "1 added: 8.8.8.0/24\n8 unchanged".to_owned()
            ))
        );
        // Reordered only, created, removed, or not plain values: the lists as they are.
        let reordered = json!(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]);
        assert_eq!(list_change(Some(&before), Some(&reordered)), None);
        assert_eq!(list_change(None, Some(&after)), None);
        assert_eq!(list_change(Some(&before), None), None);
        let legs = json!([{"name": "a"}]);
        assert_eq!(
            list_change(Some(&legs), Some(&json!([{"name": "b"}]))),
            None
        );
        assert_eq!(list_change(Some(&json!(1)), Some(&json!(2))), None);
    }
}
