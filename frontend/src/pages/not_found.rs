//! Any address the app does not know: inside the signed-in frame (header, navigation, sandbox
//! banner) for someone signed in, on its own with the product's name and a way to sign in for
//! anyone else.

use crate::components::shell::SandboxBanner;
use leptos::prelude::*;

/// What the page says, wherever it is shown.
#[component]
fn Missing(children: Children) -> impl IntoView {
    view! {
        <div class="panel" data-test="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>{children()}</p>
        </div>
    }
}

/// The page inside the signed-in frame, which provides the `<main>` around it.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::nav::title("Page not found");
    view! {
        <Missing>
            <a href="/connections">"Go to your connections"</a>
        </Missing>
    }
}

/// The page for someone not signed in: the sandbox banner when it applies, the product's name,
/// and sign-in rather than a page that would send there anyway.
#[component]
pub fn NotFoundSignedOut() -> impl IntoView {
    crate::nav::title("Page not found");
    let info = crate::shared::resource(crate::api::get_info);
    let sandbox = move || info.get().and_then(Result::ok).is_some_and(|i| i.sandbox);
    view! {
        <Show when=sandbox>
            <SandboxBanner/>
        </Show>
        <main id="main" class="sign-in">
            <div class="brand standalone-brand">
                <a href="/sign-in">"ExpressRoute portal"</a>
                <span class="brand-sub">"Console Connect · Azure"</span>
            </div>
            <Missing>
                <a href="/sign-in">"Sign in"</a>
            </Missing>
        </main>
    }
}
