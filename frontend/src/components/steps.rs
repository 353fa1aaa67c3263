//! Where the user is: "Step N of M" for wizards, and the live stepper of a long operation
//! (each step done, current, waiting, or failed).

use leptos::prelude::*;

const STEP_HEADING: &str = "wizard-step";

/// "Step N of M: name" and the list of steps, the current one marked.
#[component]
pub fn WizardSteps(
    #[prop(into)] current: Signal<usize>,
    names: &'static [&'static str],
) -> impl IntoView {
    let total = names.len();
    // On to another step, the keyboard goes to its heading: the button that moved it may be
    // gone, and the focus would fall back to the start of the document.
    let mut shown = None;
    crate::shared::effect(move || {
        let n = current.get();
        if shown.replace(n).is_some_and(|before| before != n) {
            crate::route::focus(STEP_HEADING);
        }
    });
    view! {
        <nav class="wizard-steps" aria-label="Progress">
            <p class="step-count" id=STEP_HEADING tabindex="-1" aria-live="polite">
                {move || {
                    let n = current.get();
                    format!("Step {} of {}: {}", n + 1, total, names.get(n).copied().unwrap_or(""))
                }}
            </p>
            <ol>
                {names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let state = move || {
                            let n = current.get();
                            if i < n {
                                "done"
                            } else if i == n {
                                "current"
                            } else {
                                "todo"
                            }
                        };
                        view! {
                            <li
                                class=state
                                aria-current=move || (i == current.get()).then_some("step")
                            >
                                {*name}
                                // What the tick drawn beside a done step says, said to a
                                // screen reader too.
                                {move || {
                                    (i < current.get())
                                        .then(|| view! { <span class="visually-hidden">" (done)"</span> })
                                }}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// The state of one step of a long operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    Current,
    Todo,
    Failed,
}

impl StepState {
    fn class(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Todo => "todo",
            StepState::Failed => "failed",
        }
    }

    fn note(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "in progress",
            StepState::Todo => "waiting",
            StepState::Failed => "failed",
        }
    }
}

/// A horizontal stepper: each step with its state in words for screen readers.
#[component]
pub fn Stepper(
    #[prop(into)] label: String,
    steps: Vec<(&'static str, StepState)>,
) -> impl IntoView {
    view! {
        <ol class="stepper" aria-label=label>
            {steps
                .into_iter()
                .map(|(name, state)| {
                    view! {
                        <li class=state.class()>
                            <span class="dot" aria-hidden="true"></span>
                            <span class="name">{name}</span>
                            <span class="visually-hidden">{format!(" ({})", state.note())}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
