//! Any address the app does not know.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::nav::title("Page not found");
    view! {
        <main id="main" class="narrow">
            <div class="panel">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <p>
                    <a href="/connections">"Go to your connections"</a>
                </p>
            </div>
        </main>
    }
}
