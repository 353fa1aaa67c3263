//! Every page is readable on a phone and on a laptop, in the dark scheme and the light one: the
//! page never scrolls sideways (wide tables turn into cards, long values wrap), every piece of
//! text stands out from what is behind it by WCAG's AA contrast ratio (4.5:1, or 3:1 for large
//! text), and the one-line fields and choices of its content are all of one height, so a row
//! of them lines up.
//! Each page is checked as it is drawn, with a field error, an error banner, status badges of
//! every tone, a change preview and the audit history on screen among them.
//! The pages with the most controls are also walked with the Tab key: it stops at each
//! control in the page's order, and each shows where the keyboard is.

use crate::browser::{Browser, Look};
use crate::colleague::Colleague;
use crate::demo;
use reqwest::Method;
use serde_json::{Value, json};

/// Colours as the page's script sees them: parsed from computed styles, composited, and
/// compared by WCAG's contrast ratio. `backdrop(el)` is what shows behind `el`: the
/// backgrounds of it and its ancestors, translucent layers over the first opaque one (the
/// page's own background if none is), or null where a background image makes it unknowable.
const COLOURS: &str = r#"
const rgba = (c) => {
  const m = c.match(/rgba?\(([^)]*)\)/);
  if (!m) return null;
  const v = m[1].split(/[\s,\/]+/).filter(Boolean).map((x) => x.endsWith('%') ? parseFloat(x) / 100 : parseFloat(x));
  return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
const luminance = (c) => {
  const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
};
const canvas = rgba(getComputedStyle(document.body).backgroundColor);
const backdrop = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.backgroundImage !== 'none') return null;
    const c = rgba(s.backgroundColor);
    if (c && c[3] > 0) {
      layers.push(c);
      if (c[3] >= 1) break;
    }
  }
  let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop().slice(0, 3) : canvas.slice(0, 3);
  for (const c of layers.reverse()) bg = over(c, bg);
  return bg;
};
const opacity = (el) => {
  let o = 1;
  for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
  return o;
};
const css = (c) => 'rgb(' + c.map(Math.round).join(', ') + ')';
"#;

/// What of the page as drawn breaks the rules above: how far it scrolls sideways, and each
/// text whose contrast is too low, with its colours. Text inside disabled controls (WCAG does
/// not count inactive controls), visually hidden text and text over a background image are
/// left out. The text's colour counts with its opacity and its ancestors'.
const CHECK_LOOK: &str = r#"
const low = [];
for (const el of document.body.querySelectorAll('*')) {
  const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
  if (!own) continue;
  const rect = el.getBoundingClientRect();
  if (rect.width <= 1 || rect.height <= 1) continue;
  if (el.closest('.visually-hidden, [aria-hidden="true"], :disabled, [aria-disabled="true"], noscript')) continue;
  const style = getComputedStyle(el);
  if (style.visibility !== 'visible') continue;
  const bg = backdrop(el);
  if (bg === null) continue;
  const fg = rgba(style.color);
  const text = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
  const r = ratio(text, bg);
  if (r < (large ? 3 : 4.5)) {
    low.push({
      text: el.textContent.trim().slice(0, 60),
      element: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : ''),
      ratio: Math.round(r * 100) / 100,
      color: style.color,
      background: css(bg),
    });
  }
}
const heights = {};
for (const el of document.querySelectorAll('main input, main select')) {
  if (['checkbox', 'radio', 'hidden', 'submit', 'button'].includes(el.type) || !el.checkVisibility()) continue;
  const h = Math.round(el.getBoundingClientRect().height * 10) / 10;
  (heights[h] = heights[h] || []).push(el.id || el.name || el.tagName.toLowerCase());
}
const root = document.documentElement;
return {
  width: window.innerWidth,
  dark: matchMedia('(prefers-color-scheme: dark)').matches,
  sideways: root.scrollWidth - root.clientWidth,
  low,
  heights,
};
"#;

/// How an element is named in the keyboard walk: a radio button stands for its group, which
/// is one stop of the Tab key.
const NAME_STOP: &str = r#"
const stop = (el) => {
  if (el.type === 'radio') return 'radio group ' + el.name;
  const label = el.getAttribute('data-test') || el.id || el.getAttribute('href') || el.textContent.trim().slice(0, 40);
  return el.tagName.toLowerCase() + ' ' + label;
};
"#;

/// Every stop the Tab key should make on the page, in order: each visible, enabled control and
/// link (the skip link too, which shows itself when focused), a radio group once. The first is
/// given the keyboard's focus, as a Tab from the address bar would.
const START_TAB_WALK: &str = r#"
const stops = [];
const groups = new Set();
for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
  if (el.disabled || el.tabIndex < 0 || el.type === 'hidden') continue;
  const r = el.getBoundingClientRect();
  // checkVisibility: not inside a folded <details> either, whose content keeps its boxes.
  const shown = r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true});
  if (!shown && !el.classList.contains('skip-link')) continue;
  if (el.type === 'radio') {
    if (groups.has(el.name)) continue;
    groups.add(el.name);
  }
  stops.push(el);
}
window.lastFocused = null;
if (stops.length > 0) stops[0].focus({focusVisible: true});
return stops.map(stop);
"#;

/// The element the keyboard is on, whether it was already on it before the last Tab (a date
/// and time field takes several, one per part), and how its focus shows: the outline's width
/// and its contrast with what is around the element (WCAG's 3:1 for a focus indicator).
const FOCUSED: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
const again = window.lastFocused === el;
window.lastFocused = el;
const s = getComputedStyle(el);
const width = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth);
const around = backdrop(el.parentElement) || canvas.slice(0, 3);
const ring = rgba(s.outlineColor);
return {
  stop: stop(el),
  again,
  outline: width,
  contrast: Math.round(ratio(over(ring, around), around) * 100) / 100,
  ring: s.outlineColor,
  around: css(around),
};
"#;

/// Checks the page as now drawn against the rules, after saving a screenshot of it as `step`.
/// A connection name of the most characters allowed, without a space to break it at.
const LONG_NAME: &str = "AzureLondonSecondDatacentreInterconnectForProductionWorkloadsOne";

async fn check(b: &Browser, look: Look, step: &str) {
    b.screenshot(step).await;
    let found = b.script(&format!("{COLOURS}{CHECK_LOOK}")).await;
    assert_eq!(
        found["dark"],
        json!(look.dark),
        "{step}: the browser shows the scheme asked for"
    );
    assert_eq!(
        found["width"],
        json!(look.window.0),
        "{step}: the page is as wide as the window asked for"
    );
    assert_eq!(
        found["sideways"],
        json!(0),
        "{step}: the page scrolls sideways by this many pixels"
    );
    assert_eq!(
        found["low"],
        Value::Array(vec![]),
        "{step}: text below the AA contrast ratio"
    );
    assert!(
        found["heights"].as_object().is_some_and(|h| h.len() <= 1),
        "{step}: one-line fields and choices of different heights: {}",
        found["heights"]
    );
}

/// Walks the page with the Tab key, from its first control to its last: the keyboard stops at
/// every visible control and link in the page's order, and each shows a focus ring at least
/// 2 px wide that stands out from what surrounds it by 3:1.
async fn tab_through(b: &Browser, step: &str) {
    let expected = b.script(&format!("{NAME_STOP}{START_TAB_WALK}")).await;
    let expected: Vec<String> = serde_json::from_value(expected).expect("a list of stops");
    assert!(
        expected.len() > 3,
        "{step}: a page with controls: {expected:?}"
    );
    let mut reached: Vec<String> = Vec::new();
    // A few presses more than stops, for the parts of date and time fields.
    for presses in 0..expected.len() * 4 {
        if reached.len() == expected.len() {
            break;
        }
        if presses > 0 {
            b.press_tab().await;
        }
        let focused = b.script(&format!("{COLOURS}{NAME_STOP}{FOCUSED}")).await;
        let Some(stop) = focused["stop"].as_str() else {
            panic!("{step}: the keyboard left the page after {reached:?}");
        };
        if focused["again"] == json!(true) {
            continue;
        }
        assert!(
            focused["outline"].as_f64().is_some_and(|w| w >= 2.0),
            "{step}: {stop} shows no focus ring: {focused}"
        );
        assert!(
            focused["contrast"].as_f64().is_some_and(|c| c >= 3.0),
            "{step}: the focus ring of {stop} is hard to see: {focused}"
        );
        reached.push(stop.to_owned());
    }
    assert_eq!(reached, expected, "{step}: where the Tab key stops");
}

/// The check, run on a page given a paragraph in the page's own background colour and wider
/// than any screen, and a field taller than the page's, reports all three.
async fn the_check_finds_what_it_looks_for(b: &Browser) {
    b.script(
        "const p = document.createElement('p');\
         p.id = 'planted';\
         p.textContent = 'Planted text';\
         p.style.color = getComputedStyle(document.body).backgroundColor;\
         p.style.width = '3000px';\
         document.body.appendChild(p);\
         const field = document.createElement('input');\
         field.id = 'planted-field';\
         field.style.height = '60px';\
         document.querySelector('main').appendChild(field);\
         return null;",
    )
    .await;
    let found = b.script(&format!("{COLOURS}{CHECK_LOOK}")).await;
    b.script(
        "document.getElementById('planted').remove();\
         document.getElementById('planted-field').remove();\
         return null;",
    )
    .await;
    assert_eq!(
        found["heights"]["60"],
        json!(["planted-field"]),
        "the planted field is of another height than the page's: {found}"
    );
    assert!(
        found["sideways"].as_i64().is_some_and(|px| px > 1000),
        "the planted paragraph makes the page scroll sideways: {found}"
    );
    let low = found["low"]
        .as_array()
        .expect("a list of low-contrast texts");
    assert_eq!(
        low.len(),
        1,
        "only the planted text is hard to read: {found}"
    );
    assert_eq!(low[0]["text"], "Planted text");
    assert_eq!(low[0]["ratio"].as_f64(), Some(1.0));
}

/// The widest window the style sheet lays out for a narrow screen (`max-width: 820px`).
const NARROW_LAYOUT: u32 = 820;

/// Whether the audit page's fold of filters is open.
async fn filters_open(b: &Browser) -> bool {
    let open = b
        .script("return document.querySelector('[data-test=\"filter-panel\"]').open;")
        .await;
    open.as_bool().expect("the fold of filters is on the page")
}

/// Every page of the portal, with what makes it busy on screen, checked as `look` shows it.
async fn walk(name: &str, look: Look) {
    // At the realistic pace an order stays CREATING while the list is checked.
    let b = Browser::open_looking(name, &["--sandbox-speed", "realistic"], look).await;
    b.goto("/").await;
    b.find("[data-test=\"demo-key\"]").await;
    check(&b, look, "sign-in").await;
    the_check_finds_what_it_looks_for(&b).await;

    demo::click_demo_key(&b, demo::ada()).await;
    b.find("[data-test=\"choose-company\"]").await;
    check(&b, look, "company-chooser").await;
    b.select("company", "acme").await;
    b.click("choose-company").await;
    // A name as long as allowed, in one word: it wraps on every page rather than push the page
    // sideways.
    let ordered = demo::order_in_acme(&b, LONG_NAME).await;
    b.goto("/connections").await;
    b.wait_for_status(&format!("[data-connection=\"{ordered}\"]"), "CREATING")
        .await;
    check(&b, look, "connections").await;

    b.goto(&format!("/connections/{ordered}/progress")).await;
    b.find("[data-test=\"progress\"] .page-head .status").await;
    check(&b, look, "progress").await;

    b.goto("/connections/0123456789abcdef01234567").await;
    b.find(".error-banner").await;
    // A page that has only an error still says what it is, for those who move by headings.
    assert_eq!(b.text("main h1").await, "Connection not found");
    b.goto("/connections/0123456789abcdef01234567/progress")
        .await;
    assert_eq!(b.text("main h1").await, "Connection not found");
    b.wait_for_script(
        "the tab saying the connection is not found",
        "return document.title === 'Connection not found · ExpressRoute portal';",
    )
    .await;
    b.goto("/connections/0123456789abcdef01234567").await;
    b.find(".error-banner").await;
    check(&b, look, "missing-connection").await;

    b.goto("/connections").await;
    b.click_css(&format!(
        "[data-test=\"connection-row\"]:not([data-connection=\"{ordered}\"]) th a"
    ))
    .await;
    b.wait_for_status("[data-test=\"summary\"]", "ACTIVE").await;
    // Everything the page reads is in: each peering card, and the routers' configuration.
    for t in ["PRIVATE", "PUBLIC", "MICROSOFT"] {
        b.find(&format!("[data-test=\"peering-card-{t}\"] .status"))
            .await;
    }
    b.find("[data-test=\"router-config\"] [data-test=\"copy\"]")
        .await;
    check(&b, look, "connection").await;
    tab_through(&b, "connection").await;
    let seeded = b.location().await;

    b.click("configure-PRIVATE").await;
    b.fill("peerASN", "abc").await;
    b.find("#peerASN-error").await;
    check(&b, look, "peering-field-error").await;
    tab_through(&b, "peering-field-error").await;
    b.fill("peerASN", "65099").await;
    b.wait_gone("#peerASN-error").await;
    b.click("preview").await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    check(&b, look, "peering-preview").await;

    b.goto(&format!("{seeded}/delete")).await;
    b.fill("confirmName", "Azure Paris").await;
    b.fill("reason", "Moved to another circuit").await;
    b.find("#confirmName-error").await;
    check(&b, look, "delete-name-mismatch").await;
    tab_through(&b, "delete-name-mismatch").await;

    // The key of the seeded connection: Console Connect says it is in use, under the field.
    b.goto("/verify").await;
    b.fill("serviceKey", demo::used_key()).await;
    b.click("verify").await;
    b.find("#serviceKey-error").await;
    check(&b, look, "verified-key-in-use").await;
    b.fill("serviceKey", demo::amsterdam_key()).await;
    b.click("verify").await;
    b.find("[data-test=\"create-for-key\"]").await;
    check(&b, look, "verified-key").await;

    // The key verified is handed to the wizard, shown verified: on to the ports.
    b.click("create-for-key").await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    b.find("[data-test=\"service-key-details\"]").await;
    b.wait_enabled("[data-test=\"next\"]", true).await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    b.click_css(".port-list input:not(:disabled)").await;
    b.find(".choices").await;
    check(&b, look, "create-ports").await;
    tab_through(&b, "create-ports").await;

    // A colleague's change with a ticket as long as allowed, in one word: it wraps in the
    // history as the reason does.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let id = seeded.rsplit('/').next().expect("a connection id");
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({
                "config": {
                    "peerASN": 65010,
                    "primaryPeerSubnet": "10.20.0.0/30",
                    "secondaryPeerSubnet": "10.20.0.4/30",
                    "vlanId": 150,
                },
                "reason": format!("Moved as {}", "X".repeat(120)),
                "ticket": format!("CHG-{}", "9".repeat(60)),
            }),
        )
        .await;

    b.goto("/audit").await;
    b.find("[data-test=\"audit-row\"]").await;
    // On a phone the history comes first and its filters are folded; on a laptop they are open.
    let phone = look.window.0 <= NARROW_LAYOUT;
    assert_eq!(filters_open(&b).await, !phone, "the audit filters are open");
    check(&b, look, "audit").await;
    tab_through(&b, "audit").await;
    if phone {
        b.click("filter-summary").await;
        b.select("filter-outcome", "succeeded").await;
        check(&b, look, "audit-filters").await;
        b.click("apply-filters").await;
        // Applied, they fold again, saying how many there are.
        b.wait_for_text("[data-test=\"filter-count\"]", "1 active")
            .await;
        assert!(!filters_open(&b).await, "the applied filters fold again");
        // The keyboard goes on from the fold, not from the top of the page.
        b.wait_for_script(
            "the keyboard focus on the fold of filters",
            "return document.activeElement !== null \
               && document.activeElement.dataset.test === 'filter-summary';",
        )
        .await;
        assert_eq!(b.value("filter-outcome").await, "succeeded");
        b.find("[data-test=\"audit-row\"]").await;
    }
    // The order's outcome: the longest values an event shows (the new connection's id, its
    // legs, their times) wrap within the page.
    b.goto("/audit?action=create_connection&phase=outcome")
        .await;
    b.click_css("[data-test=\"audit-row\"] td[data-label=\"Time\"] a")
        .await;
    b.find("[data-test=\"audit-event\"]").await;
    b.find("[data-test=\"diff\"] tr[data-field=\"legs\"]").await;
    check(&b, look, "audit-event").await;
}

#[tokio::test]
async fn every_page_reads_on_a_phone_in_the_dark() {
    walk(
        "look-phone-dark",
        Look {
            // The narrowest a page must reflow to without scrolling sideways (WCAG 1.4.10: a
            // 1280 px window zoomed to 400 %), narrower than any phone.
            window: (320, 700),
            dark: true,
        },
    )
    .await;
}

#[tokio::test]
async fn every_page_reads_on_a_laptop_in_the_light() {
    walk("look-laptop-light", Look::LAPTOP).await;
}
