//! The state of one form input: what is typed, whether the user has touched it (messages show
//! only then, or after a submit attempt), and the server's message for it from a 422.

use leptos::prelude::*;
use models::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub value: RwSignal<String>,
    pub touched: RwSignal<bool>,
    pub server: RwSignal<Option<String>>,
}

impl Input {
    pub fn new(initial: impl Into<String>) -> Self {
        Input {
            value: RwSignal::new(initial.into()),
            touched: RwSignal::new(false),
            server: RwSignal::new(None),
        }
    }

    /// The user typed: keep it, mark the input touched, and drop the stale server message.
    pub fn edit(&self, text: String) {
        self.value.set(text);
        self.touched.set(true);
        self.server.set(None);
    }

    /// Replaces the value without counting as the user's edit (pre-filling).
    pub fn fill(&self, text: impl Into<String>) {
        self.value.set(text.into());
    }

    pub fn get(&self) -> String {
        self.value.get()
    }

    pub fn get_untracked(&self) -> String {
        self.value.get_untracked()
    }

    /// The message to show: the rule's, once touched, else the server's.
    pub fn shown(&self, rule: Option<String>) -> Option<String> {
        if self.touched.get() {
            rule.or_else(|| self.server.get())
        } else {
            self.server.get()
        }
    }
}

/// Puts each of a 422's field messages on its input; returns whether any matched.
pub fn apply_server_errors(error: &ApiError, inputs: &[(&str, Input)]) -> bool {
    let mut matched = false;
    for (name, input) in inputs {
        if let Some(message) = error.field(name) {
            input.server.set(Some(message.to_owned()));
            matched = true;
        }
    }
    matched
}

/// Whether `error` is a 422 whose every field message was put under one of `inputs`
/// ([`apply_server_errors`]) and each of those inputs has been edited since: the error then
/// says nothing the form still stands by, and a banner repeating it would contradict the form.
pub fn put_right(error: &ApiError, inputs: &[(&str, Input)]) -> bool {
    error.code == models::ErrorCode::ValidationFailed
        && !error.fields.is_empty()
        && error.fields.iter().all(|f| {
            inputs
                .iter()
                .any(|(name, input)| *name == f.field && input.server.with(Option::is_none))
        })
}

/// Marks every input touched, so all messages show (after a submit attempt).
pub fn touch_all(inputs: &[Input]) {
    for i in inputs {
        i.touched.set(true);
    }
}

/// Enter in one of a form's inputs while its submit button is disabled because what is typed
/// breaks a rule (`blocked`): the browser then sends nothing and says nothing. Instead every
/// message is shown (`touch`) and the keyboard taken to the first input said to be invalid.
pub fn enter_while_blocked(ev: &web_sys::KeyboardEvent, blocked: bool, touch: impl FnOnce()) {
    use wasm_bindgen::JsCast;
    if ev.key() != "Enter" || ev.is_composing() || !blocked {
        return;
    }
    // A text area's Enter is its own (the reason's sends its form); a button's is its click.
    let form = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.form());
    if let Some(form) = form {
        ev.prevent_default();
        touch();
        focus_first_invalid(&form);
    }
}

/// Once the messages are drawn, takes the keyboard to the first input in `form` (a form, or a
/// wizard's step) said to be invalid, if any is.
pub fn focus_first_invalid(form: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let form = form.clone();
    request_animation_frame(move || {
        let first = form
            .query_selector("[aria-invalid=\"true\"]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(first) = first {
            let _ = first.focus();
        }
    });
}
