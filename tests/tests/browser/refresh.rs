//! A page that refreshes itself while something moves redraws only what changed: through a
//! connection's whole order, CREATING to ACTIVE and PROVISIONED, the keyboard focus stays where
//! the user put it and the page's frame is drawn once, while its statuses follow. Both pages
//! that follow an order are watched at once, the connection's own page and its progress page,
//! and so is the connections list, whose rows stay in place while the moving one changes. At
//! the sandbox's realistic pace a state lasts several refreshes, and a refresh that finds
//! nothing new must not end the following: the list and a peering change are followed to
//! their end. A tab shown again reads its page again, moving or not, and the connections list
//! reads itself again, slowly, while nothing moves; the audit history adds
//! the events written meanwhile on top of those it shows, and a company chosen in another tab
//! of the same session is followed, as is a sign-out there. A focused control drawn away
//! leaves the keyboard on what was drawn in its place.

use crate::browser::{Browser, cell};
use crate::colleague::Colleague;
use crate::demo::{self, AMSTERDAM_PORT, LONDON_PORT_1, LONDON_PORT_2};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn pages_following_an_order_keep_the_keyboard_focus() {
    // At the sandbox's realistic pace the order takes long enough for several refreshes that
    // find nothing new as well as the ones that do.
    let b = Browser::open_with("refresh", &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let p = b.open_beside("progress").await;
    demo::sign_in_as_ada_in_acme(&p).await;
    let q = b.open_beside("peering").await;
    demo::sign_in_as_ada_in_acme(&q).await;
    let id = &demo::order_in_acme(&b, "Azure London Refresh").await;
    // A peering's form opened too early says so, and shows itself once the order is Active.
    q.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    q.find("[data-test=\"not-active\"] [data-test=\"form-follows\"]")
        .await;
    q.screenshot("peering-while-creating").await;

    // Each page is marked as soon as it shows the connection (CREATING, unless this machine is
    // very slow), the focus put on one of its links; at least two refreshes follow.
    let reads = format!(
        "return performance.getEntriesByType('resource')\
         .filter((e) => new URL(e.name).pathname === '/api/connections/{id}').length;"
    );
    p.goto(&format!("/connections/{id}/progress")).await;
    b.goto(&format!("/connections/{id}")).await;
    b.find("[data-test=\"summary\"] .status").await;
    b.script(
        "const link = document.querySelector('[data-test=\"configure-PRIVATE\"]');\
         link.focus();\
         window.marked = {\
           link,\
           head: document.querySelector('.page-head'),\
           history: document.querySelector('[data-test=\"history\"]'),\
         };\
         return null;",
    )
    .await;
    let b_reads = b.script(&reads).await;
    b.screenshot("creating").await;
    p.find("[data-test=\"progress\"] .page-head .status").await;
    p.script(
        "const link = document.querySelector('[data-test=\"open-connection\"]');\
         link.focus();\
         window.marked = {link, lead: document.querySelector('.lead')};\
         return null;",
    )
    .await;
    let p_reads = p.script(&reads).await;
    p.screenshot("creating").await;

    b.wait_for_status("[data-test=\"summary\"]", "PROVISIONED")
        .await;
    b.wait_gone("[data-test=\"not-active\"]").await;
    // The move is said to a screen reader, which does not read the summary as it changes.
    b.wait_for_script(
        "the connection's move said",
        "return document.querySelector('[role=\"status\"][data-test=\"moved\"]')\
           .textContent === 'The connection: Active.';",
    )
    .await;
    assert_refreshed(&b, &reads, &b_reads).await;
    assert_eq!(
        b.script(
            "const m = window.marked;\
             return [document.activeElement === m.link, m.head.isConnected, m.history.isConnected];"
        )
        .await,
        json!([true, true, true]),
        "the focused link, the page's heading and its history link outlive every refresh"
    );
    b.screenshot("active-focus-kept").await;

    p.wait_for_status("[data-test=\"progress\"] .panel", "PROVISIONED")
        .await;
    p.find("[data-test=\"configure-peering\"]").await;
    assert_refreshed(&p, &reads, &p_reads).await;
    assert_eq!(
        p.script(
            "const m = window.marked;\
             return [document.activeElement === m.link, m.lead.isConnected, m.lead.textContent];"
        )
        .await,
        json!([
            true,
            true,
            "The connection is active. Configure its peering next."
        ]),
        "the progress page keeps the focused link, and its status line (a live region) says \
         the news in place"
    );
    p.screenshot("active-focus-kept").await;

    q.find("#peerASN").await;
    assert_eq!(q.count("[data-test=\"not-active\"]").await, 0);
    q.screenshot("peering-form-once-active").await;
}

#[tokio::test]
async fn the_connections_list_keeps_its_rows_and_the_focus_while_an_order_moves() {
    let b = Browser::open_with("refresh-list", &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, "Azure London Listed").await;
    b.goto("/connections").await;
    let row = format!("[data-connection=\"{id}\"]");
    b.find(&format!("{row} .small-link")).await;
    assert_eq!(
        b.attr(&format!("{row} .small-link"), "aria-label").await,
        "Progress of Azure London Listed"
    );
    b.script(&format!(
        "const row = document.querySelector('{row}');\
         const link = row.querySelector('th a');\
         link.focus();\
         window.marked = {{\
           link,\
           row,\
           table: document.querySelector('[data-test=\"connections\"]'),\
           seeded: document.querySelector('[data-test=\"connection-row\"]:not({row})'),\
         }};\
         return link.textContent;"
    ))
    .await;
    let reads = "return performance.getEntriesByType('resource')\
         .filter((e) => new URL(e.name).pathname === '/api/connections').length;";
    let before = b.script(reads).await;
    b.screenshot("creating").await;

    b.wait_for_status(&format!("{row} [data-label=\"Azure\"]"), "PROVISIONED")
        .await;
    b.wait_gone(&format!("{row} .small-link")).await;
    assert_refreshed(&b, reads, &before).await;
    assert_eq!(
        b.script(
            "const m = window.marked;\
             return [document.activeElement === m.link, m.row.isConnected, m.table.isConnected,\
               m.seeded !== null && m.seeded.isConnected];"
        )
        .await,
        json!([true, true, true, true]),
        "the focused name link, its row, the table and the other connection's row outlive \
         every refresh"
    );
    b.screenshot("active-focus-kept").await;
}

/// A browser for `test`, at the sandbox's realistic pace, that has just applied a change of
/// the first listed connection's PRIVATE peering to `asn`; with that connection's id and name.
async fn private_peering_applied(test: &str, asn: &str) -> (Browser, String, String) {
    let b = Browser::open_with(test, &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let row = "[data-test=\"connection-row\"]";
    let id = b.attr(row, "data-connection").await;
    let name = b.text(&format!("{row} th a")).await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    b.fill("peerASN", asn).await;
    b.click("preview").await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    b.fill(
        "reason",
        "The London routers move to a private ASN of their own",
    )
    .await;
    b.click("apply").await;
    (b, id, name)
}

#[tokio::test]
async fn a_peering_change_is_followed_until_azure_has_it() {
    let (b, id, _) = private_peering_applied("refresh-peering", "65011").await;
    let follow = "[data-test=\"peering-follow\"]";
    // Pending and Syncing each last more than one refresh here.
    b.wait_for_status(follow, "PENDING").await;
    b.screenshot("pending").await;
    b.wait_for_status(follow, "SYNCING").await;
    b.screenshot("syncing").await;
    // Reloaded while Azure takes it: the page goes on following the change, not the form.
    let applied = format!("/connections/{id}/peering/PRIVATE?step=applied");
    b.wait_for_location(&applied).await;
    b.goto(&applied).await;
    b.find(&format!("{follow} .status")).await;
    assert_eq!(b.count("#peerASN").await, 0, "no form after the reload");
    assert_eq!(b.text(".step-count").await, "Step 3 of 3: Apply");
    b.wait_for_status(follow, "SYNCED").await;
    b.screenshot("synced").await;
    // The address of an applied change of a peering that is not there shows its form: there
    // is nothing to follow.
    let public = format!("/connections/{id}/peering/PUBLIC");
    b.goto(&format!("{public}?step=applied")).await;
    b.wait_for_location(&public).await;
    b.find("#peerASN").await;
    assert_eq!(b.count(follow).await, 0);
}

#[tokio::test]
async fn a_peering_removed_while_it_syncs_is_said_to_be_gone() {
    let (b, id, name) = private_peering_applied("refresh-peering-removed", "65012").await;
    let follow = "[data-test=\"peering-follow\"]";
    b.wait_for_status(follow, "PENDING").await;
    assert_eq!(b.count("[data-test=\"router-pointer\"]").await, 1);

    // A colleague removes the peering before Azure has it.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::DELETE,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({ "reason": "The London routers are being replaced", "confirmName": name }),
        )
        .await;
    b.wait_for_text(
        "[data-test=\"peering-gone\"]",
        "Console Connect no longer has a Private peering on this connection",
    )
    .await;
    // Neither the peering as sent nor a promise of refreshing is shown any more.
    assert_eq!(b.count(&format!("{follow} .status")).await, 0);
    let text = b.text(follow).await;
    assert!(!text.contains("refreshing"), "{text}");
    // Nor where its router configuration is: a removed peering has none.
    assert_eq!(b.count("[data-test=\"router-pointer\"]").await, 0);
    assert_eq!(
        b.script("return document.title;").await,
        json!(format!(
            "Removed: Private peering on {name} · ExpressRoute portal"
        ))
    );
    b.screenshot("removed-while-syncing").await;
}

/// A browser for test `name` on Acme's connections list, showing its one seeded connection.
async fn acme_list(name: &str) -> Browser {
    let b = Browser::open(name).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.wait_for_rows(
        "Acme's seeded connection",
        "[data-test=\"connection-row\"]",
        |r| r.len() == 1,
    )
    .await;
    b
}

#[tokio::test]
async fn a_tab_shown_again_reads_its_page_again() {
    let b = acme_list("refresh-shown-again").await;
    // Nothing in the list moves, so it does not refresh by itself before its idle pace (30 s);
    // a colleague orders meanwhile, while this tab is in the background.
    let id = demo::order_in_acme(&b, "Azure London Elsewhere").await;
    b.shown_again().await;
    b.find(&format!("[data-connection=\"{id}\"]")).await;
    b.screenshot("shown-again").await;
}

/// A connections list left open, its tab shown and nothing in it moving, reads itself again
/// at its idle pace (30 s): a colleague's order appears without a reload. That read is the
/// app's own doing, sent unattended, so it does not keep the session alive.
#[tokio::test]
async fn a_list_left_open_picks_up_a_colleagues_order() {
    let b = acme_list("refresh-idle").await;
    b.script_with(NOTE_UNATTENDED, json!(["/api/connections"]))
        .await;
    let name = "Azure London Meanwhile";
    let id = demo::order_in_acme(&b, name).await;
    b.wait_for_text_within(
        &format!("[data-connection=\"{id}\"]"),
        name,
        std::time::Duration::from_secs(45),
    )
    .await;
    assert_eq!(
        b.script("return window.sent[0];").await,
        json!("1"),
        "the read that found it was sent unattended"
    );
    b.screenshot("picked-up").await;
}

/// A connection's page left open picks up a colleague's change of its peering the same way.
#[tokio::test]
async fn a_connection_page_left_open_picks_up_a_colleagues_change() {
    let b = acme_list("refresh-idle-connection").await;
    b.click_css("[data-test=\"connection-row\"] th a").await;
    let card = "[data-test=\"peering-card-PRIVATE\"]";
    b.wait_for_text(card, "65010").await;
    let path = b.location().await;
    let id = path.trim_start_matches("/connections/").to_owned();
    demo::colleague_sets_seeded_private_peering(&b, &id, 65123, 100, "A new ASN for the DC").await;
    b.wait_for_text_within(card, "65123", std::time::Duration::from_secs(45))
        .await;
    b.screenshot("picked-up").await;
}

#[tokio::test]
async fn the_audit_history_shown_again_adds_what_was_written_meanwhile() {
    let b = Browser::open("refresh-audit").await;
    let before = demo::audit_of_ada_in_acme(&b).await;
    b.script("window.marked = document.querySelector('[data-test=\"audit-row\"]'); return null;")
        .await;
    // Meanwhile, with this tab in the background, a colleague checks a service key.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            "/api/service-keys/verify",
            json!({ "serviceKey": demo::london_key() }),
        )
        .await;
    b.shown_again().await;
    let after = b
        .wait_for_rows(
            "the colleague's events on top",
            "[data-test=\"audit-row\"]",
            |r| {
                r.first()
                    .is_some_and(|e| cell(e, "data-action") == "verify_service_key")
            },
        )
        .await;
    assert!(
        after.len() >= before.len() + 2,
        "{} events before, {} after: the verification's intent and outcome are added",
        before.len(),
        after.len()
    );
    assert_eq!(
        b.script("return window.marked.isConnected;").await,
        json!(true),
        "the events already shown stay as they were"
    );
    b.screenshot("new-events-on-top").await;
}

/// The page read the connection at least twice more since it had read it `before` times.
async fn assert_refreshed(b: &Browser, reads: &str, before: &serde_json::Value) {
    let after = b.script(reads).await;
    let (before, after) = (before.as_u64().unwrap_or(0), after.as_u64().unwrap_or(0));
    assert!(
        after >= before + 2,
        "the page read the connection {before} times before the focus was put on its link and \
         {after} times in all"
    );
}

#[tokio::test]
async fn a_company_or_a_user_chosen_in_another_tab_is_followed_when_this_one_is_seen_again() {
    let b = Browser::open("refresh-other-company").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/create").await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    // Another tab of the same browser, and so of the same session, switches to Globex.
    b.script(
        "const x = new XMLHttpRequest();\
         x.open('PUT', '/api/session/company', false);\
         x.setRequestHeader('Content-Type', 'application/json');\
         x.send(JSON.stringify({company: 'globex'}));\
         return x.status;",
    )
    .await;
    assert_eq!(b.value("switch-company").await, "acme", "not known yet");
    b.shown_again().await;
    // Shown again, this tab works in Globex too, on its connections rather than an order
    // from Acme's ports.
    b.wait_for_path("/connections").await;
    b.wait_for_value("switch-company", "globex").await;
    b.wait_for_text(
        ".empty",
        "no Azure ExpressRoute connections in this company yet",
    )
    .await;
    // ... and says why, once; of a wizard only when one was left with something in it (the
    // service key alone is never kept).
    b.wait_for_text(
        "[data-test=\"company-followed\"]",
        "Globex Corporation was chosen in another tab of this browser, so this tab shows it too.",
    )
    .await;
    assert_eq!(
        b.text("[data-test=\"company-followed\"]").await,
        "Globex Corporation was chosen in another tab of this browser, so this tab shows it too."
    );

    // Another window of the browser, both in view, signs in as Grace (Globex only): this one
    // learns it when it comes back to the front, and says who is signed in now.
    b.goto("/verify").await;
    b.wait_for_text(".app-header .user", "Ada Lovelace").await;
    let sign_in_elsewhere = "const x = new XMLHttpRequest();\
         x.open('POST', '/api/session', false);\
         x.setRequestHeader('Content-Type', 'application/json');\
         x.send(JSON.stringify({apiKey: arguments[0]}));\
         return x.status;";
    b.script_with(sign_in_elsewhere, json!([demo::grace()]))
        .await;
    b.script("window.dispatchEvent(new Event('focus')); return null;")
        .await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;
    b.wait_for_path("/connections").await;
    assert_eq!(b.count("#switch-company").await, 0, "one company");
    // Another user is no company followed, and is said as who now works here.
    assert_eq!(b.count("[data-test=\"company-followed\"]").await, 0);
    b.wait_for_text(
        "[data-test=\"user-followed\"]",
        "Grace Hopper signed in in another tab of this browser, so this tab shows their session too.",
    )
    .await;

    // Signed out here and signed in again in the other window: this one, on the sign-in page,
    // goes on rather than offering to sign in a second time.
    b.click("sign-out").await;
    b.wait_for_path("/sign-in").await;
    b.find("#apiKey").await;
    b.script_with(sign_in_elsewhere, json!([demo::grace()]))
        .await;
    b.script("window.dispatchEvent(new Event('focus')); return null;")
        .await;
    b.wait_for_path("/connections").await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;

    // Another user of two companies, none chosen yet: followed too, to the choice.
    b.script_with(sign_in_elsewhere, json!([demo::ada()])).await;
    b.script("window.dispatchEvent(new Event('focus')); return null;")
        .await;
    b.wait_for_text(".company-chooser", "Choose a company")
        .await;
    b.wait_for_text(".app-header .user", "Ada Lovelace").await;
}

/// Chooses company `arguments[0]` for the session, as another tab of the browser does.
const CHOOSE: &str = "const x = new XMLHttpRequest();\
     x.open('PUT', '/api/session/company', false);\
     x.setRequestHeader('Content-Type', 'application/json');\
     x.send(JSON.stringify({company: arguments[0]}));\
     return x.status;";

/// Another tab of the browser chooses `company`, and the note it leaves in the browser's
/// storage reaches this one.
async fn chosen_in_another_tab(b: &Browser, company: &str) {
    b.script_with(CHOOSE, json!([company])).await;
    b.script_with(
        "localStorage.setItem('portal-company', arguments[0]);\
         window.dispatchEvent(new StorageEvent('storage', \
           {key: 'portal-company', newValue: arguments[0]}));\
         return null;",
        json!([company]),
    )
    .await;
}

/// A window left in view while another chooses another company learns of it at once: from the
/// storage note the other writes, or else at its next call, which the portal refuses as made
/// for the company it shows no longer (rather than answering with the other company's data
/// under this one's name).
#[tokio::test]
async fn a_company_chosen_in_another_window_in_view_is_followed_at_once() {
    let b = Browser::open("refresh-company-in-view").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.find("#serviceKey").await;
    // Chosen elsewhere without a note this window hears of: its next read finds out.
    b.script_with(CHOOSE, json!(["globex"])).await;
    assert_eq!(b.value("switch-company").await, "acme", "not known yet");
    b.click_css(".main-nav a[href=\"/audit\"]").await;
    b.wait_for_path("/connections").await;
    b.wait_for_value("switch-company", "globex").await;
    b.wait_for_text(
        "[data-test=\"company-followed\"]",
        "Globex Corporation was chosen in another tab of this browser",
    )
    .await;
    b.screenshot("followed-at-next-read").await;

    // Chosen elsewhere with the note the other tab writes: followed as it arrives.
    b.goto("/verify").await;
    b.find("#serviceKey").await;
    chosen_in_another_tab(&b, "acme").await;
    b.wait_for_path("/connections").await;
    b.wait_for_value("switch-company", "acme").await;
    b.wait_for_text(
        "[data-test=\"company-followed\"]",
        "Acme Networks was chosen in another tab of this browser",
    )
    .await;

    // Chosen elsewhere while this window shows the list already: said there and then, not
    // on the next visit to the list.
    chosen_in_another_tab(&b, "globex").await;
    b.wait_for_value("switch-company", "globex").await;
    b.wait_for_text(
        "[data-test=\"company-followed\"]",
        "Globex Corporation was chosen in another tab of this browser, so this tab shows it too.",
    )
    .await;
    b.screenshot("followed-on-the-list").await;
    // Another company chosen here: what was said of the other tab's choice no longer holds.
    b.select("switch-company", "acme").await;
    b.wait_gone("[data-test=\"company-followed\"]").await;

    // Chosen elsewhere while a peering form has something typed in it: the list says that
    // wizard is kept for the company it was in.
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    b.wait_for_value("vlanId", "100").await;
    b.fill("peerASN", "65099").await;
    chosen_in_another_tab(&b, "globex").await;
    b.wait_for_path("/connections").await;
    b.wait_for_text(
        "[data-test=\"company-followed\"]",
        "Globex Corporation was chosen in another tab of this browser, so this tab shows it too. \
         The wizard left unfinished in Acme Networks is kept: it comes back when you choose \
         Acme Networks again and open it.",
    )
    .await;
}

/// Signing out in one tab signs the browser's other tabs out at once: the sign-out notes
/// itself in the browser's storage, which the other tabs hear of (a `storage` event); they
/// leave the company's pages for the sign-in page, which says why, and signing in there
/// returns to where they were.
#[tokio::test]
async fn a_sign_out_in_another_tab_is_followed_and_said() {
    let b = Browser::open("refresh-signed-out-elsewhere").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.find("#serviceKey").await;
    // Another tab of this browser signs out: the session ends on the server, and the note of
    // it reaches this tab as the browser delivers it, a storage event.
    b.script(
        "const x = new XMLHttpRequest();\
         x.open('DELETE', '/api/session', false); x.send();\
         const at = String(Date.now());\
         localStorage.setItem('portal-signed-out', at);\
         window.dispatchEvent(new StorageEvent('storage', {key: 'portal-signed-out', newValue: at}));\
         return x.status;",
    )
    .await;
    b.wait_for_text(
        "[data-test=\"signed-out-elsewhere\"]",
        "You signed out in another tab of this browser",
    )
    .await;
    assert_eq!(b.location().await, "/sign-in?signed-out=1&next=%2Fverify");
    assert_eq!(
        b.count(".app-header").await,
        0,
        "nothing of Acme's left shown"
    );
    b.screenshot("signed-out-elsewhere").await;
    demo::ada_in_acme(&b).await;
    b.wait_for_path("/verify").await;
    b.find("#serviceKey").await;

    // This tab's own sign-out notes itself for the others, and says nothing of other tabs here.
    let before = b.script("return Date.now();").await;
    b.click("sign-out").await;
    b.wait_for_location("/sign-in?out=1").await;
    b.wait_for_text("[data-test=\"signed-out\"]", "You have signed out")
        .await;
    let noted = b
        .script("return Number(localStorage.getItem('portal-signed-out'));")
        .await;
    assert!(
        noted.as_f64() >= before.as_f64(),
        "noted at {noted}, signed out after {before}"
    );
    assert_eq!(b.count("[data-test=\"signed-out-elsewhere\"]").await, 0);
    // Signed in again, at the company's choice: the sign-out is no longer said.
    demo::click_demo_key(&b, demo::ada()).await;
    b.find("#company").await;
    b.wait_gone("[data-test=\"signed-out\"]").await;
}

/// A browser for `test`, signed in as Ada in Acme, on the form of the seeded connection's
/// PRIVATE peering as read (ASN 65010, VLAN 100), with the connection's id.
async fn on_the_seeded_private_form(test: &str) -> (Browser, String) {
    let b = Browser::open(test).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    b.wait_for_value("peerASN", "65010").await;
    (b, id)
}

/// A peering's form is filled from the peering as the page read it. A colleague changes the
/// peering's ASN meanwhile; the engineer moves only the VLAN: the review, which is from the
/// current settings, says that a field not edited would undo the colleague's change, and
/// starting again fills the form from their settings. A change the colleague makes between
/// the review and Apply is refused, and the review from their settings says the same.
#[tokio::test]
async fn a_review_of_a_form_read_before_a_colleagues_change_says_so() {
    let (b, id) = on_the_seeded_private_form("refresh-colleague-change").await;

    demo::colleague_sets_seeded_private_peering(&b, &id, 65123, 100, "A new ASN for the DC").await;

    demo::review_vlan_move(&b).await;
    b.find("[data-test=\"changed-since-read\"]").await;
    // The row the engineer did not edit says it undoes the colleague's change; the VLAN,
    // edited here, does not.
    b.find(UNDONE_ASN).await;
    assert_eq!(b.count(UNDONE_VLAN).await, 0);
    b.screenshot("changed-since-read").await;
    b.click("start-from-current").await;
    b.wait_for_value("peerASN", "65123").await;
    assert_eq!(b.value("vlanId").await, "100", "the colleague's settings");
    b.wait_for_text(".step-count", "Step 1 of 3").await;

    // Reviewed from those, then changed by the colleague again before Apply: nothing applied,
    // and the review, now from their settings, says as much of the field not edited here.
    demo::review_vlan_move(&b).await;
    assert_eq!(b.count("[data-test=\"changed-since-read\"]").await, 0);
    assert_eq!(b.count(UNDONE_ASN).await, 0);
    demo::colleague_sets_seeded_private_peering(&b, &id, 65124, 100, "Yet another ASN").await;
    b.click("apply").await;
    b.find("[data-test=\"preview-outdated\"]").await;
    b.find("[data-test=\"changed-since-read\"]").await;
    b.find(UNDONE_ASN).await;
    assert_eq!(b.count(UNDONE_VLAN).await, 0);
    b.screenshot("outdated-undoing").await;
}

/// Going on from a step marks every field (to show what is missing), but a draft keeps only
/// what was changed: brought back by a reload after a colleague changed the peering's ASN, the
/// form shows their ASN beside the VLAN moved here, and the review lists the VLAN alone.
#[tokio::test]
async fn a_draft_brought_back_over_a_colleagues_change_keeps_only_the_edits() {
    let (b, id) = on_the_seeded_private_form("refresh-draft-over-change").await;
    demo::review_vlan_move(&b).await;

    demo::colleague_sets_seeded_private_peering(&b, &id, 65123, 100, "A new ASN for the DC").await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;

    b.find("[data-test=\"draft-restored\"]").await;
    b.wait_for_value("peerASN", "65123").await;
    assert_eq!(b.value("vlanId").await, "150");
    b.click("preview").await;
    let diff = b
        .wait_for_rows(
            "the difference reviewed",
            "[data-test=\"diff\"] tr[data-field]",
            |rows| !rows.is_empty(),
        )
        .await;
    let fields: Vec<&str> = diff
        .iter()
        .filter_map(|r| r.get("data-field").map(String::as_str))
        .collect();
    assert_eq!(fields, ["vlanId"]);
    assert_eq!(b.count(UNDONE_ASN).await, 0);
    b.screenshot("draft-over-change").await;
}

/// A colleague removes the peering while its review is shown: Apply is refused, and the review
/// says plainly that the peering was removed and that Apply creates it again, rather than
/// marking every row as undoing a change.
#[tokio::test]
async fn a_review_of_a_peering_removed_meanwhile_says_so() {
    let (b, id) = on_the_seeded_private_form("refresh-removed-meanwhile").await;
    demo::review_vlan_move(&b).await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::DELETE,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({"reason": "The private peering is not used", "confirmName": "Azure London Production"}),
        )
        .await;

    b.click("apply").await;
    b.wait_for_text(
        "[data-test=\"removed-meanwhile\"]",
        "This peering was removed after this page read it",
    )
    .await;
    assert_eq!(b.count(UNDONE_ASN).await, 0);
    b.screenshot("removed-meanwhile").await;
}

/// A colleague deletes the connection while a peering's review is shown: Apply is refused, says
/// why, and cannot be pressed again for nothing.
#[tokio::test]
async fn a_review_of_a_connection_being_deleted_holds_apply() {
    let (b, id) = on_the_seeded_private_form("refresh-review-deleting").await;
    demo::review_vlan_move(&b).await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::DELETE,
            &format!("/api/connections/{id}"),
            json!({"reason": "The site is closed", "confirmName": "Azure London Production"}),
        )
        .await;

    b.click("apply").await;
    b.wait_for_text(".error-banner", "only while the connection is Active")
        .await;
    b.wait_enabled("[data-test=\"apply\"]", false).await;
    b.find("[data-test=\"apply-inactive\"]").await;
    b.screenshot("deleting-holds-apply").await;
}

/// A colleague (or an attempt of this engineer's whose answer was lost) already made the very
/// change the form asks for: the review says nothing would change, and warns of nothing undone.
#[tokio::test]
async fn a_review_of_a_change_already_made_since_the_form_was_read_warns_of_nothing() {
    let (b, id) = on_the_seeded_private_form("refresh-same-change").await;

    demo::colleague_sets_seeded_private_peering(&b, &id, 65010, 150, "The VLAN move").await;

    demo::review_vlan_move(&b).await;
    b.wait_for_text("[data-test=\"preview-summary\"]", "Nothing would change")
        .await;
    assert_eq!(b.count("[data-test=\"changed-since-read\"]").await, 0);
}

/// A review's row of the peer ASN, said to undo a change made since the page read the peering.
const UNDONE_ASN: &str =
    "[data-test=\"diff\"] tr[data-field=\"peerASN\"].undone [data-test=\"undo-note\"]";
const UNDONE_VLAN: &str = "[data-test=\"diff\"] tr[data-field=\"vlanId\"].undone";

/// The form checks a VLAN against the connection's other peerings as the page read them. A
/// colleague moves the PRIVATE peering from VLAN 100 to 120 meanwhile: 120, refused by the
/// portal as taken, makes the page read the others again, after which the help names 120 and
/// 100 is free, on the page as in Console Connect.
#[tokio::test]
async fn a_peering_form_learns_of_the_vlan_a_colleague_took_and_the_one_freed() {
    let b = Browser::open("refresh-other-peerings").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/peering/PUBLIC")).await;
    b.wait_for_text("#vlanId-help", "Already used: Private uses 100.")
        .await;

    demo::colleague_sets_seeded_private_peering(&b, &id, 65010, 120, "The change window's VLAN")
        .await;

    b.fill("peerASN", "65040").await;
    b.fill("primaryPeerSubnet", "198.51.100.0/30").await;
    b.fill("secondaryPeerSubnet", "198.51.100.4/30").await;
    b.fill("vlanId", "120").await;
    b.click("preview").await;
    b.wait_for_text("#vlanId-error", "is already used by the Private peering")
        .await;
    b.wait_for_text("#vlanId-help", "Already used: Private uses 120.")
        .await;
    b.wait_for_text(".step-count", "Step 1 of 3").await;
    b.wait_for_text(".error-banner", "already used by the Private peering")
        .await;
    b.screenshot("vlan-taken-since").await;
    b.fill("vlanId", "100").await;
    b.wait_gone("#vlanId-error").await;
    // The refusal is put right: it is no longer said above the form either.
    b.wait_gone(".error-banner").await;
    b.click("preview").await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
}

/// A key verified in the create wizard, then used by a colleague's order before this one is
/// placed: the order is refused saying so, and the key step no longer offers the key's earlier
/// answer ("not in use") to go on with.
#[tokio::test]
async fn a_key_used_since_the_wizard_verified_it_is_not_offered_again() {
    let b = Browser::open("refresh-key-used-since").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/create").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.click("next").await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_1}")).await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_2}")).await;
    b.click("next").await;
    b.click_css("#speed-1000").await;
    b.click("next").await;
    b.fill("name", "Azure London DR").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 5 of 5").await;

    demo::order_in_acme(&b, "Azure London Colleague").await;
    b.click("create").await;
    b.wait_for_text(".error-banner", "already used").await;
    b.wait_enabled("[data-test=\"create\"]", false).await;
    // The review says the key no longer holds, beside the way back to it.
    b.wait_for_text("[data-test=\"key-unverified\"]", "No longer verified")
        .await;
    // At the key, the step that no longer holds, Azure's answer is under it.
    b.click_css("button[aria-label=\"Change the service key\"]")
        .await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    // The keyboard is on the field to change, not at the top of its step.
    b.wait_for_focus("serviceKey").await;
    b.wait_for_text("#serviceKey-error", "already used").await;
    assert_eq!(
        b.count("[data-test=\"service-key-details\"]").await,
        0,
        "the key's earlier answer is gone"
    );
    b.wait_enabled("[data-test=\"next\"]", false).await;
    b.screenshot("key-used-since").await;
    // Verified again, Azure says it is in use now, and the wizard does not go on with it.
    b.click("verify").await;
    b.wait_for_text("#serviceKey-error", "already used").await;
    b.wait_enabled("[data-test=\"next\"]", false).await;
}

/// A port chosen in the create wizard, then filled by a colleague's order before this one is
/// placed: the order is refused naming the port, and the ports step shows the port as it is
/// now, not as the wizard first read it.
#[tokio::test]
async fn a_port_filled_since_the_wizard_read_it_is_shown_full() {
    let b = Browser::open("refresh-port-filled-since").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/create").await;
    b.fill("serviceKey", demo::amsterdam_key()).await;
    b.click("verify").await;
    b.wait_for_text(
        "[data-test=\"service-key-details\"]",
        "acme-er-amsterdam-01",
    )
    .await;
    b.click("next").await;
    // Its 100 Mbps left carry both legs at 50 Mbps.
    b.click_css(&format!("#srcPort-{AMSTERDAM_PORT}")).await;
    b.click("next").await;
    b.click_css("#speed-50").await;
    b.click("next").await;
    b.fill("name", "Azure Amsterdam").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 5 of 5").await;

    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            "/api/connections",
            json!({
                "serviceKey": demo::london_key(),
                "name": "Azure Amsterdam Colleague",
                "portIds": [AMSTERDAM_PORT],
                "speedMbps": 50,
                "paymentType": "invoice",
            }),
        )
        .await;
    b.click("create").await;
    b.wait_for_text(".error-banner", "Acme Amsterdam AM3 cannot be used")
        .await;
    b.click_css("button[aria-label=\"Change the source ports\"]")
        .await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    b.wait_for_text(
        &format!("#srcPort-{AMSTERDAM_PORT}-note"),
        "Cannot be used: port has no capacity left",
    )
    .await;
    b.wait_enabled("[data-test=\"next\"]", false).await;
    b.screenshot("port-filled-since").await;
}

/// The peering's form opened (or reloaded) while its last change is still on its way to Azure
/// says so, and where that change is followed, and then that it went through, with what was
/// typed meanwhile left as it was.
#[tokio::test]
async fn a_peering_form_opened_while_its_last_change_syncs_says_so() {
    let b = Browser::open_with("refresh-still-syncing", &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    demo::colleague_sets_seeded_private_peering(&b, &id, 65010, 120, "The change window's VLAN")
        .await;

    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    b.wait_for_value("vlanId", "120").await;
    let said = b.text("[data-test=\"still-syncing\"]").await;
    assert!(said.contains("still going through to Azure"), "{said}");
    assert_eq!(
        b.attr("[data-test=\"still-syncing\"] a", "href").await,
        format!("/connections/{id}")
    );
    b.fill("vlanId", "121").await;
    b.wait_for_text(
        "[data-test=\"still-syncing\"]",
        "has gone through to Azure (Synced)",
    )
    .await;
    b.wait_for_value("vlanId", "121").await;
    b.screenshot("still-syncing-through").await;
}

#[tokio::test]
async fn a_control_drawn_away_leaves_the_keyboard_on_what_was_drawn_in_its_place() {
    let b = Browser::open("focus-place").await;
    b.goto("/sign-in").await;
    b.find("#apiKey").await;
    // A page redrawn as Leptos redraws it: the new content put in before the old, focused one
    // is taken away. Where the focused control was is what came before the new content.
    b.script(
        "const t = document.createElement('div'); \
         t.innerHTML = '<button id=\"b-before\">before</button>\
                        <div id=\"b-old\"><button id=\"b-lost\">old</button></div>\
                        <button id=\"b-after\">after</button>'; \
         document.querySelector('main').append(t); \
         document.getElementById('b-lost').focus();",
    )
    .await;
    b.script(
        "const old = document.getElementById('b-old'); \
         const drawn = document.createElement('div'); \
         drawn.innerHTML = '<button id=\"b-new\">new</button>'; \
         old.before(drawn); \
         old.remove();",
    )
    .await;
    b.wait_for_script(
        "the keyboard on the control drawn in the old one's place",
        "return document.activeElement && document.activeElement.id === 'b-new';",
    )
    .await;

    // A list of links redrawn whole with a new one on top (a colleague's order in the
    // connections list): the keyboard stays on the same link, not the one now in its place.
    b.script(
        "const list = document.createElement('ul'); \
         list.id = 'b-list'; \
         list.innerHTML = '<li><a href=\"/connections/a\">A</a></li>\
                           <li><a href=\"/connections/b\">B</a></li>'; \
         document.querySelector('main').append(list); \
         list.querySelector('a[href=\"/connections/b\"]').focus();",
    )
    .await;
    b.script(
        "const old = document.getElementById('b-list'); \
         const drawn = document.createElement('ul'); \
         drawn.innerHTML = '<li><a href=\"/connections/new\">New</a></li>\
                            <li><a href=\"/connections/a\">A</a></li>\
                            <li><a href=\"/connections/b\">B</a></li>'; \
         old.before(drawn); \
         old.remove();",
    )
    .await;
    b.wait_for_script(
        "the keyboard on the same link drawn anew",
        "return document.activeElement \
           && document.activeElement.getAttribute('href') === '/connections/b';",
    )
    .await;
}

/// Replaces `window.fetch` with one that notes, for each read of the path `arguments[0]`, the
/// `X-Portal-Unattended` header it was sent with (`null` without one) in `window.sent`.
const NOTE_UNATTENDED: &str = "const path = arguments[0];\
     window.sent = [];\
     const real = window.fetch.bind(window);\
     window.fetch = (url, init) => {\
       if (new URL(url, location.href).pathname === path) {\
         window.sent.push(new Headers(init && init.headers).get('X-Portal-Unattended'));\
       }\
       return real(url, init);\
     };\
     return null;";

/// A page refreshing itself a minute after anyone last used it sends its reads as unattended,
/// which keep the session alive neither in the portal nor in the tab; a key pressed, and they
/// are the user's again.
#[tokio::test]
async fn a_page_refreshing_itself_with_nobody_at_it_says_so() {
    // An order that stays CREATING for the whole test, so its page goes on refreshing.
    let sim = simulator::Simulator::new(simulator::Config {
        delays: simulator::Delays {
            create: std::time::Duration::from_secs(600),
            ..simulator::Delays::fast()
        },
        ..simulator::Config::default()
    })
    .spawn_on_loopback()
    .await
    .expect("a simulator on loopback");
    let b = Browser::open_with("refresh-unattended", &["--upstream-url", &sim.base_url]).await;
    demo::type_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, "Azure London Unattended").await;
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"summary\"]", "CREATING")
        .await;
    b.script_with(NOTE_UNATTENDED, json!([format!("/api/connections/{id}")]))
        .await;
    b.wait_for_script(
        "a refresh of a page in use",
        "return window.sent.length >= 1;",
    )
    .await;
    assert_eq!(b.script("return window.sent;").await[0], json!(null));

    // Two minutes pass with nobody at the page.
    b.script("const real = Date.now; Date.now = () => real() + 120000; return null;")
        .await;
    b.wait_for_script(
        "a refresh sent unattended",
        "return window.sent.includes('1');",
    )
    .await;

    // Someone presses a key: the page's reads are theirs again.
    b.script(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {bubbles: true}));\
         window.sent = [];\
         return null;",
    )
    .await;
    b.wait_for_script("a refresh after the key", "return window.sent.length >= 2;")
        .await;
    assert_eq!(
        b.script("return window.sent;").await,
        json!([null, null]),
        "attended again"
    );
}
