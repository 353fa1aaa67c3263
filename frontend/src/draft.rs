//! Unsent forms kept in the tab. What the user typed into a wizard stays in this tab's
//! `sessionStorage` until the change is applied, so reloading the page, or signing in again
//! after the session ended, brings it back instead of losing it. Drafts are kept per user and
//! per form, only for inputs the user changed from what the form started with, never for
//! secrets (the callers leave the API key, service key and BGP shared key out), and signing
//! out forgets them all.

use crate::form::Input;
use crate::session::Auth;
use leptos::prelude::*;

const PREFIX: &str = "portal-draft:";

fn storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// A form's inputs tied to its saved draft.
#[derive(Clone, Copy)]
pub struct Kept {
    key: StoredValue<String>,
    /// Each input with the value it had before anything was restored.
    inputs: StoredValue<Vec<(&'static str, Input, String)>>,
    /// Whether the form shows a restored draft (until discarded or applied).
    pub restored: RwSignal<bool>,
}

/// The draft of `inputs` as saved: the ones edited away from what the form started with, by
/// name. An input merely touched (a step's *Next* marks them all, to show what is missing) or
/// typed back to its start is not kept: brought back over a newer read, it would put back the
/// value read then, silently undoing a colleague's change made since.
fn edited(inputs: &[(&'static str, Input, String)]) -> Vec<(&'static str, String)> {
    inputs
        .iter()
        .filter(|(_, input, initial)| input.touched.get() && input.value.with(|v| v != initial))
        .map(|(name, input, _)| (*name, input.value.get()))
        .collect()
}

/// A draft as stored: one `name=value` line per input, the value's backslashes and line breaks
/// escaped so that every value stays on its line.
fn encode(draft: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in draft {
        out.push_str(name);
        out.push('=');
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

/// The value stored for `name`, if any.
fn decode(stored: &str, name: &str) -> Option<String> {
    let line = stored
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))?;
    let mut value = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => value.push('\n'),
            Some('r') => value.push('\r'),
            Some(escaped) => value.push(escaped),
            None => break,
        }
    }
    Some(value)
}

/// Restores the draft saved for `form` (a name unique to the form and what it changes) into
/// `inputs`, and saves them from now on whenever one is edited.
pub fn keep(form: &str, inputs: &[(&'static str, Input)]) -> Kept {
    let key = key_of(form);
    let saved = storage()
        .and_then(|s| s.get_item(&key).ok().flatten())
        .unwrap_or_default();
    let inputs: Vec<_> = inputs
        .iter()
        .map(|(name, input)| (*name, *input, input.get_untracked()))
        .collect();
    let mut restored = false;
    for (name, input, initial) in &inputs {
        if let Some(value) = decode(&saved, name) {
            restored |= value != *initial;
            input.value.set(value);
            input.touched.set(true);
        }
    }
    let kept = Kept {
        key: StoredValue::new(key),
        inputs: StoredValue::new(inputs),
        restored: RwSignal::new(restored),
    };
    crate::shared::effect(move || {
        let draft = kept.inputs.with_value(|inputs| edited(inputs));
        let Some(storage) = storage() else { return };
        kept.key.with_value(|key| {
            let _ = if draft.is_empty() {
                storage.remove_item(key)
            } else {
                storage.set_item(key, &encode(&draft))
            };
        });
    });
    kept
}

impl Kept {
    /// The change was applied: nothing left to keep.
    pub fn forget(&self) {
        if let Some(storage) = storage() {
            self.key.with_value(|key| {
                let _ = storage.remove_item(key);
            });
        }
        self.restored.set(false);
    }

    /// What removes the stored draft without the page: for a change's own future to call once
    /// the change is made, which it finishes even after the page was left (by a link, or
    /// Back) while it was on its way, so a made change is never offered again as not made.
    pub fn forgetter(&self) -> impl Fn() + Clone + 'static {
        let key = self.key.get_value();
        move || {
            if let Some(storage) = storage() {
                let _ = storage.remove_item(&key);
            }
        }
    }

    /// Back to the values the form started with, the draft dropped.
    pub fn discard(&self) {
        self.inputs.with_value(|inputs| {
            for (_, input, initial) in inputs {
                input.value.set(initial.clone());
                input.touched.set(false);
                input.server.set(None);
            }
        });
        self.forget();
    }
}

/// Says that a kept draft is back, with a button that drops it (`on_discard` after the draft
/// itself is discarded).
#[component]
pub fn DraftNotice(
    kept: Kept,
    message: &'static str,
    discard: &'static str,
    on_discard: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="notice draft-notice" role="status" data-test="draft-restored">
            <p>{message}</p>
            <button
                type="button"
                class="secondary"
                data-test="discard-draft"
                on:click=move |_| {
                    kept.discard();
                    on_discard.run(());
                }
            >
                {discard}
            </button>
        </div>
    }
}

/// Where the signed-in user's draft of `form` is stored.
fn key_of(form: &str) -> String {
    let user = Auth::get()
        .state
        .with_untracked(|s| match s {
            crate::session::SessionState::SignedIn(s) => Some(s.user.id.clone()),
            _ => None,
        })
        .unwrap_or_default();
    user_key(&user, form)
}

/// Where the draft of `form` of the user with id `user` is stored.
fn user_key(user: &str, form: &str) -> String {
    format!("{PREFIX}{user}:{form}")
}

/// Whether the page at `path`, shown to the user with id `user` in `company` (its username), is
/// a wizard whose draft this tab keeps: the order's, or a peering's. Given the user, it needs
/// no reactive owner, and may be asked from a task.
pub fn kept_on(path: &str, user: &str, company: &str) -> bool {
    use crate::route::Screen;
    // Read as the router reads it, so the form is named as its page names it.
    let (screen, params) = crate::route::recognise(path);
    let form = match screen {
        Screen::Create => format!("create:{company}"),
        Screen::Peering => {
            let id = params.get("id").unwrap_or_default();
            let t = params
                .get("type")
                .and_then(|t| t.parse::<models::PeeringType>().ok());
            match t {
                Some(t) => format!("peering:{id}:{}", t.as_wire()),
                None => return false,
            }
        }
        _ => return false,
    };
    storage()
        .and_then(|s| s.get_item(&user_key(user, &form)).ok().flatten())
        .is_some_and(|d| !d.is_empty())
}

/// Whether this tab keeps a draft of `user`'s, which comes back once they sign in again.
pub fn any_kept_for(user: &str) -> bool {
    let Some(storage) = storage() else {
        return false;
    };
    let theirs = format!("{PREFIX}{user}:");
    (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .any(|k| k.starts_with(&theirs))
}

/// Signing out: every draft of this tab goes, and the key the verify page handed over.
pub fn forget_all() {
    crate::pages::create::drop_handed_over();
    let Some(storage) = storage() else { return };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_comes_back_as_typed() {
        let draft = [
            ("peerASN", "65030".to_owned()),
            (
                "advertisedPublicPrefixes",
                "198.51.100.0/24\n203.0.113.0/24\r\n".to_owned(),
            ),
            (
                "reason",
                "a \\n is not a line break; = neither is this".to_owned(),
            ),
            ("ticket", String::new()),
        ];
        let stored = encode(&draft);
        assert_eq!(stored.lines().count(), draft.len(), "{stored:?}");
        for (name, value) in &draft {
            assert_eq!(
                decode(&stored, name).as_deref(),
                Some(value.as_str()),
                "{name}"
            );
        }
        assert_eq!(decode(&stored, "vlanId"), None);
        // A name that starts another's is not confused with it.
        assert_eq!(decode("peerASNx=1\n", "peerASN"), None);
    }

    #[test]
    fn damaged_text_reads_without_failing() {
        assert_eq!(
            decode("reason=ends in \\", "reason").as_deref(),
            Some("ends in ")
        );
        assert_eq!(decode("", "reason"), None);
        assert_eq!(decode("no equals sign", "no"), None);
    }
}
