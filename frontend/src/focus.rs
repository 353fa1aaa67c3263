//! The keyboard keeps its place when the control it was on stops taking it: a button disabled
//! while its action runs, or a control the page redraws without (a *Try again* whose read
//! worked, a form replaced by the next one). The browser then drops the focus to the document,
//! and the next Tab would start again from the top of the page. Instead the focus goes back to
//! the button once it can be used again, or to the first control left where the removed one
//! was; to the start of the page's content when the whole page changed.
//!
//! Nothing is done when the focus went somewhere on purpose: to another element, out of the
//! window, or to the document because the user clicked on text (the control is still there
//! and usable), nor when the page already put it somewhere itself.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Controls the Tab key stops at.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=\"hidden\"]), \
     select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex=\"-1\"])";

/// How long a disabled control is waited for (its action's time), in checks 100 ms apart.
const WAIT_CHECKS: u32 = 600;

/// Starts keeping the keyboard's place, for the page's life.
pub fn keep_place() {
    std::mem::forget(window_event_listener(leptos::ev::focusout, |ev| {
        if ev.related_target().is_some() {
            return;
        }
        let Some(lost) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        // Where it was, kept now: once it is removed, its parents are no longer known.
        let ancestors: Vec<Element> =
            std::iter::successors(lost.parent_element(), |e| e.parent_element()).collect();
        Timeout::new(0, move || rescue(lost, ancestors, 0)).forget();
    }));
}

/// Whether the focus is nowhere in particular while the window has it.
fn dropped() -> bool {
    let document = document();
    document.has_focus().unwrap_or(false)
        && document
            .active_element()
            .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"))
}

fn rescue(lost: Element, ancestors: Vec<Element>, checks: u32) {
    if !dropped() {
        return;
    }
    if lost.is_connected() {
        let waiting = lost.has_attribute("disabled")
            || lost.get_attribute("aria-disabled").as_deref() == Some("true");
        if waiting {
            if checks < WAIT_CHECKS {
                Timeout::new(100, move || rescue(lost, ancestors, checks + 1)).forget();
            }
        } else if checks > 0 {
            focus(&lost);
        }
        return;
    }
    let Some(place) = ancestors.iter().find(|a| a.is_connected()) else {
        return;
    };
    let whole_page = place.tag_name().eq_ignore_ascii_case("main")
        || place.query_selector("main").ok().flatten().is_some();
    if whole_page {
        if let Some(main) = document().get_element_by_id("main") {
            if !main.has_attribute("tabindex") {
                let _ = main.set_attribute("tabindex", "-1");
            }
            focus(&main);
        }
        return;
    }
    let Ok(candidates) = place.query_selector_all(FOCUSABLE) else {
        return;
    };
    let first = (0..candidates.length())
        .filter_map(|i| candidates.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .find(|e| e.offset_parent().is_some());
    match first {
        Some(e) => {
            let _ = e.focus();
        }
        None => {
            if let Some(main) = document().get_element_by_id("main") {
                focus(&main);
            }
        }
    }
}

/// Puts the focus on the element `css` selects when the focus is nowhere in particular (the
/// document, or the start of the page's content where it may have been put back): for a page
/// that knows better where the keyboard goes on.
pub fn take_if_dropped(css: &str) {
    let here = document().active_element();
    let nowhere = here
        .as_ref()
        .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body") || e.id() == "main");
    if nowhere && let Some(element) = document().query_selector(css).ok().flatten() {
        focus(&element);
    }
}

fn focus(element: &Element) {
    if let Some(e) = element.dyn_ref::<HtmlElement>() {
        let _ = e.focus();
    }
}
