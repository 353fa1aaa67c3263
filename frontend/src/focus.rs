//! The keyboard keeps its place when the control it was on stops taking it: a button disabled
//! while its action runs, or a control the page redraws without (a *Try again* whose read
//! worked, a form replaced by the next one). The browser then drops the focus to the document,
//! and the next Tab would start again from the top of the page. Instead the focus goes back to
//! the button once it can be used again, or to the first control where the removed one was:
//! the same control drawn anew (its id, or a link to the same address: a list redrawn with a
//! row added above keeps the keyboard on the same row), else what was drawn in its place, else
//! the next control after it, else the last one before it; to the start of the page's content
//! when the whole page changed.
//!
//! Where the control was is read when it takes the focus, and again when it loses it: the
//! page may already have drawn the new content beside the old by then, and a neighbour seen
//! at the first reading that is still there is the truer bound of the control's place.
//!
//! Nothing is done when the focus went somewhere on purpose: to another element, out of the
//! window, or to the document because the user clicked on text (the control is still there
//! and usable), nor when the page already put it somewhere itself.

use std::cell::RefCell;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, Node};

/// Controls the Tab key stops at.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=\"hidden\"]), \
     select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex=\"-1\"])";

/// How long a disabled control is waited for (its action's time), in checks 100 ms apart.
const WAIT_CHECKS: u32 = 600;

/// One level of where the lost control was: an ancestor, and the elements beside the child of
/// it that held the control.
struct Level {
    ancestor: Element,
    before: Option<Element>,
    after: Option<Element>,
}

thread_local! {
    /// The element that has the focus and where it was when it took it.
    static HELD: RefCell<Option<(Element, Vec<Level>)>> = const { RefCell::new(None) };
}

/// Starts keeping the keyboard's place, for the page's life.
pub fn keep_place() {
    std::mem::forget(window_event_listener(leptos::ev::focusin, |ev| {
        let held = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .map(|e| {
                let levels = levels_of(&e);
                (e, levels)
            });
        HELD.with(|h| *h.borrow_mut() = held);
    }));
    std::mem::forget(window_event_listener(leptos::ev::focusout, |ev| {
        let held = HELD.with(|h| h.borrow_mut().take());
        if ev.related_target().is_some() {
            return;
        }
        let Some(lost) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        // Where it was, kept now: once it is removed, its place is no longer known.
        let now = levels_of(&lost);
        let levels = match held {
            Some((element, first)) if element == lost => truer(first, now),
            _ => now,
        };
        Timeout::new(0, move || rescue(lost, levels, 0)).forget();
    }));
}

/// Where `element` is: each ancestor, with the elements beside the child of it that holds it.
fn levels_of(element: &Element) -> Vec<Level> {
    std::iter::successors(Some(element.clone()), |e| e.parent_element())
        .filter_map(|child| {
            Some(Level {
                ancestor: child.parent_element()?,
                before: child.previous_element_sibling(),
                after: child.next_element_sibling(),
            })
        })
        .collect()
}

/// The place read when the focus came (`first`) where it still holds, else the one read as it
/// left (`now`): content drawn beside the control just before it was removed is not a bound.
fn truer(first: Vec<Level>, now: Vec<Level>) -> Vec<Level> {
    if first.len() != now.len() {
        return now;
    }
    first
        .into_iter()
        .zip(now)
        .map(|(first, now)| {
            if first.ancestor != now.ancestor {
                return now;
            }
            let still_beside = |e: Option<Element>| {
                e.filter(|e| e.parent_element().as_ref() == Some(&now.ancestor))
            };
            Level {
                before: still_beside(first.before).or(now.before),
                after: still_beside(first.after).or(now.after),
                ancestor: now.ancestor,
            }
        })
        .collect()
}

/// Whether the focus is nowhere in particular while the window has it.
fn dropped() -> bool {
    let document = document();
    document.has_focus().unwrap_or(false)
        && document
            .active_element()
            .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"))
}

fn rescue(lost: Element, levels: Vec<Level>, checks: u32) {
    if !dropped() {
        return;
    }
    if lost.is_connected() {
        let waiting = lost.has_attribute("disabled")
            || lost.get_attribute("aria-disabled").as_deref() == Some("true");
        if waiting {
            if checks < WAIT_CHECKS {
                Timeout::new(100, move || rescue(lost, levels, checks + 1)).forget();
            }
        } else if checks > 0 {
            focus(&lost);
        }
        return;
    }
    let Some(level) = levels.iter().find(|l| l.ancestor.is_connected()) else {
        return;
    };
    let place = &level.ancestor;
    // The page's content itself was drawn anew: its start.
    let whole_page = !place.tag_name().eq_ignore_ascii_case("main")
        && place.query_selector("main").ok().flatten().is_some();
    let target = if whole_page {
        None
    } else {
        drawn_anew(&lost, place).or_else(|| nearest_control(level))
    };
    match target {
        Some(e) => {
            let _ = e.focus();
        }
        None => {
            if let Some(main) = document().get_element_by_id("main") {
                if !main.has_attribute("tabindex") {
                    let _ = main.set_attribute("tabindex", "-1");
                }
                focus(&main);
            }
        }
    }
}

/// The same control drawn anew under `place`, wherever it now is (a list redrawn with a row
/// added above it): the element with the lost one's id, else the first link to the same
/// address. Not the control now at the lost one's place, which is another row's.
fn drawn_anew(lost: &Element, place: &Element) -> Option<HtmlElement> {
    let shown = |e: HtmlElement| Some(e).filter(|e| e.offset_parent().is_some());
    let id = lost.id();
    if !id.is_empty() {
        return document()
            .get_element_by_id(&id)
            .filter(|e| place.contains(Some(e)))
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            .and_then(shown);
    }
    if !lost.tag_name().eq_ignore_ascii_case("a") {
        return None;
    }
    let href = lost.get_attribute("href")?;
    let links = place.query_selector_all("a[href]").ok()?;
    (0..links.length())
        .filter_map(|i| links.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .find(|a| a.get_attribute("href").as_deref() == Some(href.as_str()))
        .and_then(shown)
}

/// The control where the removed one was under `level`: the first of what was drawn in its
/// place, else the first after it, else the last before it.
fn nearest_control(level: &Level) -> Option<HtmlElement> {
    let candidates = level.ancestor.query_selector_all(FOCUSABLE).ok()?;
    let controls: Vec<HtmlElement> = (0..candidates.length())
        .filter_map(|i| candidates.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect();
    let before = level.before.as_ref().filter(|e| e.is_connected());
    let after = level.after.as_ref().filter(|e| e.is_connected());
    // Whether `e` is past the element before the place (and not in it) / not yet at the
    // element after it.
    let past_before =
        |e: &HtmlElement| before.is_none_or(|b| follows(b, e) && !b.contains(Some(e)));
    let short_of_after = |e: &HtmlElement| after.is_none_or(|a| follows(e, a));
    controls
        .iter()
        .find(|e| past_before(e) && short_of_after(e))
        .or_else(|| controls.iter().find(|e| past_before(e)))
        .or_else(|| controls.iter().rev().find(|e| short_of_after(e)))
        .cloned()
}

/// Whether `later` comes after `earlier` in the document.
fn follows(earlier: &Node, later: &Node) -> bool {
    earlier.compare_document_position(later) & Node::DOCUMENT_POSITION_FOLLOWING != 0
}

/// Puts the focus on the element `css` selects when the focus is nowhere in particular (the
/// document, the start of the page's content) or in `near` (a selector), where the keeper may
/// have put it first: for a page that knows better where the keyboard goes on.
pub fn take_if_dropped(css: &str, near: &str) {
    let here = document().active_element();
    let nowhere = here.as_ref().is_none_or(|e| {
        e.tag_name().eq_ignore_ascii_case("body")
            || e.id() == "main"
            || e.closest(near).ok().flatten().is_some()
    });
    if nowhere && let Some(element) = document().query_selector(css).ok().flatten() {
        focus(&element);
    }
}

fn focus(element: &Element) {
    if let Some(e) = element.dyn_ref::<HtmlElement>() {
        let _ = e.focus();
    }
}
