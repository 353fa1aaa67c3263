//! Choosing the company to work in, for users who belong to several; the one chosen last in
//! this browser is offered first.

use crate::api;
use crate::components::feedback::ActionError;
use crate::session::Auth;
use leptos::prelude::*;
use models::api::SessionView;

/// Who a key signed in, as the company choice says it: the same key may be any colleague's.
fn signed_in_as(user: &models::api::SessionUser) -> String {
    let name = user.name.trim();
    let email = user.email.trim();
    match (name.is_empty(), email.is_empty()) {
        (false, false) => format!("You are signed in as {name} ({email})"),
        (false, true) => format!("You are signed in as {name}"),
        (true, false) => format!("You are signed in as {email}"),
        (true, true) => format!("You are signed in as user {}", user.id),
    }
}

/// A labelled select of the user's companies and a Continue button; calls `on_chosen` with the
/// new session once the server has stored the choice.
#[component]
pub fn CompanyChooser(
    session: SessionView,
    #[prop(into)] on_chosen: Callback<SessionView>,
) -> impl IntoView {
    let auth = Auth::get();
    // The company chosen last in this browser comes first, while the user still belongs to it.
    let last = crate::session::last_company()
        .filter(|last| session.companies.iter().any(|c| c.username == *last));
    let first = session
        .company
        .clone()
        .or(last)
        .or_else(|| session.companies.first().map(|c| c.username.clone()))
        .unwrap_or_default();
    let choice = RwSignal::new(first);
    let select = crate::shared::action(|company: &String| api::select_company(company.clone()));
    let pending = select.pending();
    crate::shared::effect(move || {
        if let Some(Ok(s)) = select.value() {
            auth.set(s.clone());
            on_chosen.run(s);
        }
    });
    let error = Signal::derive(move || select.value().and_then(Result::err));
    let companies = session.companies.clone();
    view! {
        <form
            class="panel company-chooser"
            on:submit=move |ev| {
                ev.prevent_default();
                select.dispatch(choice.get_untracked());
            }
        >
            <h2>"Choose a company"</h2>
            <p>
                {signed_in_as(&session.user)}
                " and belong to several companies. Choose the one whose connections you want to work with; you can switch later from the header."
            </p>
            <div class="field">
                <label for="company">"Company"</label>
                <select
                    id="company"
                    name="company"
                    prop:value=move || choice.get()
                    on:change=move |ev| choice.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        // Enter on the list chooses, as it does in the header's.
                        if ev.key() == "Enter" && !pending.get_untracked() {
                            ev.prevent_default();
                            select.dispatch(choice.get_untracked());
                        }
                    }
                >
                    {companies
                        .into_iter()
                        .map(|c| {
                            let label = format!("{} ({})", c.name, c.username);
                            view! { <option value=c.username>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <ActionError error=error/>
            <div class="actions">
                <button type="submit" class="primary" data-test="choose-company" disabled=pending>
                    {move || if pending.get() { "Saving…" } else { "Continue" }}
                </button>
            </div>
        </form>
    }
}
