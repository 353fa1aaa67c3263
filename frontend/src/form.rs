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

/// Marks every input touched, so all messages show (after a submit attempt).
pub fn touch_all(inputs: &[Input]) {
    for i in inputs {
        i.touched.set(true);
    }
}
