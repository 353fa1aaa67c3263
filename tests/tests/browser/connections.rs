//! The connections console's filters and order: by name and status, said when they hide
//! everything, sorted as chosen, and kept in the address so that going back to the list (or
//! loading it again) finds them as they were. On the way, the
//! app's own links: followed without reloading the page, the navigation marking where one is,
//! the keyboard focus moved to the new page's content, and left where it was while only the
//! filters in the address change. Back and Forward move between pages in place too. A leg's
//! id, which Console Connect lists as a connection, leads to the connection it belongs to, as a
//! page and in the audit history's connection filter. A deleted connection's peerings show as
//! removed, with nothing offered to change.

use crate::browser::{Browser, cell};
use crate::colleague::Colleague;
use crate::demo;
use fantoccini::key::Key;
use reqwest::Method;
use serde_json::json;

const SEEDED: &str = "Azure London Production";

#[tokio::test]
async fn the_connection_filters_narrow_the_list_and_survive_going_back() {
    let b = Browser::open("connections").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let rows = b
        .wait_for_rows(
            "Acme's seeded connection",
            "[data-test=\"connection-row\"]",
            |r| r.len() == 1,
        )
        .await;
    assert_eq!(cell(&rows[0], "Name"), SEEDED);
    assert_eq!(
        b.script("return document.title;").await,
        "Connections · ExpressRoute portal"
    );

    b.fill("filter-name", "paris").await;
    b.wait_for_text(".empty", "No connection matches the filter (1 hidden).")
        .await;
    // Said to a screen reader too, by a status that stays while the table is drawn anew.
    const SAID: &str = "[role=\"status\"][data-test=\"list-status\"]";
    b.wait_for_text(SAID, "No connection matches the filter (1 hidden).")
        .await;
    assert!(
        !b.text(".empty").await.contains("Show deleted"),
        "no deleted connection is hidden, so none is hinted at"
    );
    b.wait_for_location("/connections?name=paris").await;
    // Only the query changed: the focus stays in the field being typed in.
    assert_eq!(
        b.script("return document.activeElement.id;").await,
        "filter-name"
    );
    b.screenshot("nothing-matches").await;

    // Whatever the case and the accents, as the list is sorted by name.
    b.fill("filter-name", "azure  LÓNDON").await;
    b.wait_for_rows(
        "the seeded connection, accents aside",
        "[data-test=\"connection-row\"]",
        |r| r.len() == 1,
    )
    .await;

    b.fill("filter-name", "LONDON prod").await;
    b.select("filter-status", "ACTIVE").await;
    b.wait_for_rows(
        "the seeded connection again",
        "[data-test=\"connection-row\"]",
        |r| r.len() == 1,
    )
    .await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE")
        .await;
    assert_eq!(b.text(SAID).await, "1 shown.");
    b.select("filter-status", "CREATING").await;
    b.wait_gone("[data-test=\"connection-row\"]").await;
    b.select("filter-status", "ACTIVE").await;

    // Into the connection and back: the list is filtered as it was.
    b.script("window.sameDocument = true; return null;").await;
    b.click_css("[data-test=\"connection-row\"] th a").await;
    b.wait_for_path_where("the connection's page", |p| p.starts_with("/connections/"))
        .await;
    b.wait_for_text(".page-head h1", SEEDED).await;
    assert_eq!(
        b.script("return window.sameDocument === true;").await,
        true,
        "the link was followed in place, not by loading the page again"
    );
    b.wait_for_focus("main").await;
    assert_eq!(
        b.script(
            "return Array.from(document.querySelectorAll('.main-nav a[aria-current=\"page\"]'))\
             .map((a) => a.getAttribute('href'));"
        )
        .await,
        serde_json::json!(["/connections"]),
        "a page below the connections marks their navigation link"
    );
    assert_eq!(
        b.script("return document.title;").await,
        format!("{SEEDED} · ExpressRoute portal")
    );
    b.back().await;
    b.wait_for_path("/connections").await;
    assert_eq!(
        b.script("return window.sameDocument === true;").await,
        true,
        "going back stayed in the page too"
    );
    assert_eq!(b.value("filter-name").await, "LONDON prod");
    assert_eq!(b.value("filter-status").await, "ACTIVE");
    b.find("[data-test=\"connection-row\"]").await;
    b.screenshot("filtered-after-back").await;

    // And forward again: the connection's page, still without loading the app again.
    b.forward().await;
    b.wait_for_path_where("the connection's page again", |p| {
        p.starts_with("/connections/")
    })
    .await;
    b.wait_for_text(".page-head h1", SEEDED).await;
    assert_eq!(
        b.script("return window.sameDocument === true;").await,
        true,
        "going forward stayed in the page"
    );
    b.back().await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE")
        .await;

    b.click_css("#show-deleted").await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE&deleted=1")
        .await;
    b.click_css("#show-deleted").await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE")
        .await;

    // Deleted as the status asked for shows the deleted, and the box says so.
    b.select("filter-status", "DELETED").await;
    b.wait_for_script(
        "the box ticked, and not to be unticked",
        "const box = document.getElementById('show-deleted');\
         return box.checked && box.disabled;",
    )
    .await;
    // An empty result offers the way back to every connection.
    b.click("clear-filters").await;
    b.wait_for_location("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    assert_eq!(b.value("filter-name").await, "");
    assert_eq!(
        b.script("return document.getElementById('show-deleted').disabled;")
            .await,
        false
    );
}

#[tokio::test]
async fn the_connections_are_sorted_as_chosen_and_the_order_is_kept_in_the_address() {
    let b = Browser::open("connections-sorted").await;
    let newest = demo::order_in_acme(&b, "Azure Zurich Backup").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let ids = async |what: &str, first: &str| -> Vec<String> {
        let rows = b
            .wait_for_rows(what, "[data-test=\"connection-row\"]", |r| {
                r.len() == 2 && cell(&r[0], "data-connection") == first
            })
            .await;
        rows.iter()
            .map(|r| cell(r, "data-connection").to_owned())
            .collect()
    };

    // Newest first, as the portal lists them, until another order is chosen.
    let listed = ids("the new connection first", &newest).await;
    let seeded = listed[1].clone();
    assert_eq!(b.value("sort").await, "");

    b.select("sort", "name").await;
    b.wait_for_location("/connections?sort=name").await;
    assert_eq!(
        ids("the list by name", &seeded).await,
        [seeded.as_str(), newest.as_str()]
    );
    b.select("sort", "-name").await;
    b.wait_for_location("/connections?sort=-name").await;
    assert_eq!(
        ids("the list by name, Z to A", &newest).await,
        [newest.as_str(), seeded.as_str()]
    );

    // The order is part of the address with the filters: a reload, or a link to it, keeps it.
    b.fill("filter-name", "azure").await;
    b.wait_for_location("/connections?name=azure&sort=-name")
        .await;
    b.goto("/connections?name=azure&sort=oldest").await;
    assert_eq!(
        ids("the list oldest first", &seeded).await,
        [seeded.as_str(), newest.as_str()]
    );
    b.wait_for_value("sort", "oldest").await;
    assert_eq!(b.value("filter-name").await, "azure");
    b.screenshot("oldest-first").await;

    // Back to the portal's own order: nothing about it stays in the address.
    b.select("sort", "").await;
    b.wait_for_location("/connections?name=azure").await;
    ids("the new connection first again", &newest).await;

    // An order or a status the choosers do not offer (an old or edited address) reads as the
    // portal's own order and any status, and the choosers say so rather than showing nothing.
    b.goto("/connections?status=NOPE&sort=size").await;
    ids("the list of an unknown order, newest first", &newest).await;
    b.wait_for_script(
        "the choosers showing \"Newest first\" and \"Any status\"",
        "const first = id => { const s = document.getElementById(id); \
                               return s.selectedIndex === 0 ? s.options[0].text : null; }; \
         return first('sort') === 'Newest first' && first('filter-status') === 'Any status';",
    )
    .await;
    // ... and the page says what it did not apply.
    b.wait_for_text(
        "[data-test=\"ignored-filters\"]",
        "Not understood in the address, so not applied: status=NOPE, sort=size.",
    )
    .await;
    // A chooser's value typed in another case is its value.
    b.goto("/connections?sort=OLDEST").await;
    b.wait_for_value("sort", "oldest").await;
    ids("the list oldest first", &seeded).await;
    assert_eq!(b.count("[data-test=\"ignored-filters\"]").await, 0);
}

#[tokio::test]
async fn a_legs_id_leads_to_its_connection_and_its_history() {
    let b = Browser::open("leg-id").await;
    demo::audit_of_ada_in_acme(&b).await;
    // The seeded connection's id and its legs', as the browser reads them from the portal.
    let seeded = seeded(&b).await;
    let id = seeded["id"].as_str().expect("the seeded connection's id");
    let legs: Vec<&str> = seeded["legs"]
        .as_array()
        .expect("its legs")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert_eq!(legs.len(), 2, "{seeded}");
    for leg in &legs {
        // Opened as a connection, it leads to the one it belongs to.
        b.goto(&format!("/connections/{leg}")).await;
        b.wait_for_text("[data-test=\"leg-of\"]", SEEDED).await;
        // Said as what it is, not as an error.
        b.wait_for_text("h1", &format!("A leg of {SEEDED}")).await;
        assert_eq!(b.count(".error-banner").await, 0);
        b.screenshot("a-legs-page").await;
        b.click("open-parent").await;
        b.wait_for_path(&format!("/connections/{id}")).await;
        b.wait_for_text("h1", SEEDED).await;
        // So do its progress and delete pages: the delete page says it under its own heading.
        b.goto(&format!("/connections/{leg}/progress")).await;
        b.wait_for_text("h1", &format!("A leg of {SEEDED}")).await;
        assert_eq!(b.count(".error-banner").await, 0);
        // The tab says so too, not that the connection was not found.
        b.wait_for_script(
            "the tab named for the leg",
            &format!(
                "return document.title === {};",
                serde_json::json!(format!("A leg of {SEEDED} · ExpressRoute portal"))
            ),
        )
        .await;
        // As does a peering page opened for it.
        b.goto(&format!("/connections/{leg}/peering/PRIVATE")).await;
        b.wait_for_text("main h2", &format!("A leg of {SEEDED}"))
            .await;
        assert_eq!(b.text("main h1").await, "Private peering");
        assert_eq!(b.count(".error-banner").await, 0);
        b.goto(&format!("/connections/{leg}/delete")).await;
        b.wait_for_text("main h2", &format!("A leg of {SEEDED}"))
            .await;
        assert_eq!(b.text("main h1").await, "Delete connection");
        assert_eq!(b.count(".error-banner").await, 0);
        assert_eq!(b.count("#confirmName").await, 0, "nothing to delete here");
        b.click("open-parent").await;
        b.wait_for_path(&format!("/connections/{id}")).await;
    }
    for leg in legs {
        assert_ne!(leg, id);
        b.goto("/audit").await;
        b.fill("filter-connection", leg).await;
        b.click("apply-filters").await;
        b.wait_for_location(&format!("/audit?connection={id}"))
            .await;
        b.wait_for_value("filter-connection", id).await;
        b.wait_for_text("[data-test=\"history-of\"]", SEEDED).await;
        // So does a link with the leg's id in the address.
        b.goto(&format!("/audit?connection={leg}&phase=outcome"))
            .await;
        b.wait_for_location(&format!("/audit?connection={id}&phase=outcome"))
            .await;
        b.wait_for_text("[data-test=\"history-of\"]", SEEDED).await;
    }
    b.screenshot("history-of-a-legs-connection").await;
}

#[tokio::test]
async fn a_deleted_connection_shows_its_peerings_as_removed_and_offers_nothing_to_change() {
    let b = Browser::open("deleted").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.wait_for_text("[data-test=\"connections\"]", SEEDED).await;
    let id = seeded(&b).await["id"]
        .as_str()
        .expect("the seeded connection's id")
        .to_owned();
    // A colleague deletes it, PRIVATE peering and all.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::DELETE,
            &format!("/api/connections/{id}"),
            json!({"reason": "The site is closed", "confirmName": SEEDED}),
        )
        .await;

    // Its page still shows what the peering was, as removed, and nothing to change.
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "REMOVED")
        .await;
    b.wait_for_text("[data-test=\"peering-card-PRIVATE\"]", "10.10.0.0/30")
        .await;
    for action in [
        "configure-PRIVATE",
        "delete-peering-PRIVATE",
        "configure-PUBLIC",
    ] {
        assert_eq!(
            b.count(&format!("[data-test=\"{action}\"]")).await,
            0,
            "{action}"
        );
    }
    // The peerings it never had say so, without the advice for configuring one.
    b.wait_for_text(
        "[data-test=\"peering-card-PUBLIC\"]",
        "None left on this connection.",
    )
    .await;
    assert_eq!(b.count("[data-test=\"caveat\"]").await, 0);
    b.screenshot("connection").await;

    // Its peering pages, opened by their address, say why there is nothing to do.
    b.goto(&format!("/connections/{id}/peering/PRIVATE/delete"))
        .await;
    b.wait_for_text(
        "[data-test=\"already-deleted\"]",
        "Its peerings go with it.",
    )
    .await;
    assert_eq!(b.count("#confirmName").await, 0, "no form to fill in");
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    b.wait_for_text("[data-test=\"not-active\"] h2", "it takes no peering")
        .await;
    assert!(
        !b.text("[data-test=\"not-active\"]")
            .await
            .contains("only once the connection is Active"),
        "a deleted connection is not waiting to become active"
    );

    // The list, with the deleted shown, does not call its peerings synced.
    b.goto("/connections?deleted=1").await;
    let row = format!("[data-connection=\"{id}\"]");
    b.wait_for_status(&row, "DELETED").await;
    b.wait_for_text(
        &format!("{row} [data-label=\"Peerings\"]"),
        "Removed with it",
    )
    .await;
    b.screenshot("list").await;
    // Without the deleted, nothing is left to show; no filter hid it.
    b.goto("/connections").await;
    b.wait_for_text(
        ".empty",
        "No connection to show. 1 deleted connection matches: it shows when",
    )
    .await;

    // Its progress page follows its removal, not an order.
    b.goto(&format!("/connections/{id}/progress")).await;
    b.wait_for_status("[data-test=\"progress\"] .page-head", "DELETED")
        .await;
    assert_eq!(b.text("[data-test=\"progress\"] h1").await, SEEDED);
    b.wait_for_text(
        "[data-test=\"progress\"] .lead",
        "The connection is deleted: nothing is being set up.",
    )
    .await;
    assert!(
        !b.text("[data-test=\"progress\"]")
            .await
            .contains("in progress"),
        "nothing of it is said to be in progress"
    );
}

/// The seeded connection as the browser, signed in to Acme, reads it from the portal.
async fn seeded(b: &Browser) -> serde_json::Value {
    b.script(&format!(
        "const x = new XMLHttpRequest();\
         x.open('GET', '/api/connections', false);\
         x.send();\
         return JSON.parse(x.responseText).find((c) => c.name === '{SEEDED}');"
    ))
    .await
}

#[tokio::test]
async fn a_connection_from_one_port_says_one_router_there_carries_both_links() {
    let b = Browser::open("one-port").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let created = colleague
        .send(
            Method::POST,
            "/api/connections",
            json!({
                "serviceKey": demo::london_key(),
                "name": "Both legs on LD8 2",
                "portIds": [demo::LONDON_PORT_2],
                "speedMbps": 100,
                "paymentType": "invoice",
            }),
        )
        .await;
    let id = created["id"].as_str().expect("the new connection's id");
    b.goto(&format!("/connections/{id}")).await;
    b.find("main dl.details .status[data-status=\"ACTIVE\"]")
        .await;
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({
                "config": {
                    "peerASN": 65050,
                    "primaryPeerSubnet": "10.50.0.0/30",
                    "secondaryPeerSubnet": "10.50.0.4/30",
                    "vlanId": 100,
                },
                "reason": "One router at LD8",
            }),
        )
        .await;
    b.goto(&format!("/connections/{id}")).await;
    b.find("[data-test=\"router-config-primary\"]").await;
    b.wait_for_text(
        "[data-test=\"one-port\"]",
        "Both legs start from one port, Acme London LD8 2",
    )
    .await;
    b.screenshot("one-port-router-config").await;
    // Legs from two ports: nothing of the kind.
    let seeded = seeded(&b).await;
    b.goto(&format!("/connections/{}", seeded["id"].as_str().unwrap()))
        .await;
    b.find("[data-test=\"router-config-primary\"]").await;
    assert_eq!(b.count("[data-test=\"one-port\"]").await, 0);
}

/// A leg's name too long for its column (a connection's name of one word, as some teams write
/// them) wraps, rather than the ports' ids beside it, which are read and copied whole.
#[tokio::test]
async fn a_long_leg_name_wraps_and_the_port_ids_stay_whole() {
    let b = Browser::open("connections-long-leg-names").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let name = "AzureLondonSecondDatacentreInterconnectPrimaryAndRedundantLinkX";
    let id = demo::order_in_acme(&b, name).await;
    b.goto(&format!("/connections/{id}")).await;
    b.find("table.legs code.id").await;
    let lines = b
        .script(
            "return [...document.querySelectorAll('table.legs code.id')] \
               .map(c => c.getClientRects().length);",
        )
        .await;
    let lines: Vec<u64> = serde_json::from_value(lines).unwrap();
    // Each leg's source port and Azure port.
    assert_eq!(lines, [1, 1, 1, 1], "lines of each id");
    let name_lines = b
        .script(
            "const range = document.createRange(); \
             range.selectNodeContents(document.querySelector('table.legs td[data-label=\"Name\"]')); \
             return range.getClientRects().length;",
        )
        .await;
    assert!(name_lines.as_u64().is_some_and(|n| n >= 2), "{name_lines}");
}

/// A name typed with its accents as combining marks (as some systems paste text) is the name a
/// keyboard types: a delete's confirmation takes it, in the browser as on the server.
#[tokio::test]
async fn a_delete_is_confirmed_by_the_name_in_either_unicode_form() {
    let b = Browser::open("delete-composed-name").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, "Z\u{fc}rich Site").await;
    b.goto(&format!("/connections/{id}/delete")).await;
    b.fill("reason", "The Zurich site is closed").await;
    b.fill("confirmName", "Zu\u{308}rich Site").await;
    b.wait_enabled("[data-test=\"confirm-delete\"]", true).await;
    // Shift+Enter in the reason, a line break in a box this tall, neither breaks its line (a
    // reason is one line) nor deletes.
    b.press_together("reason", &[Key::Shift, Key::Enter]).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(b.location().await, format!("/connections/{id}/delete"));
    assert_eq!(b.value("reason").await, "The Zurich site is closed");
    // Lines pasted into it are joined into its one line, and taken.
    b.script(
        "const r = document.getElementById('reason'); \
         r.value = 'The Zurich site is closed\\nper CHG-7'; \
         r.dispatchEvent(new Event('input', { bubbles: true }));",
    )
    .await;
    b.wait_for_value("reason", "The Zurich site is closed per CHG-7")
        .await;
    b.wait_enabled("[data-test=\"confirm-delete\"]", true).await;
    b.click("confirm-delete").await;
    // Deleted: the page goes back to the connection.
    b.wait_for_path(&format!("/connections/{id}")).await;
}

/// The delete page of a connection still being created follows it to Active, as its own page
/// does, so that the delete is confirmed against what it is now; what is typed stays typed.
#[tokio::test]
async fn the_delete_page_of_a_moving_connection_follows_it() {
    let b = Browser::open_with("delete-follows", &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, "Short Lived").await;
    b.goto(&format!("/connections/{id}/delete")).await;
    b.wait_for_text("[data-test=\"delete-status\"]", "Creating")
        .await;
    b.fill("reason", "Ordered by mistake").await;
    b.fill("confirmName", "Short").await;
    b.wait_for_text("[data-test=\"delete-status\"]", "Active")
        .await;
    assert_eq!(b.value("reason").await, "Ordered by mistake");
    assert_eq!(b.value("confirmName").await, "Short");
    b.screenshot("followed-to-active").await;
}

/// A MICROSOFT peering advertising many prefixes (up to 200 may be) shows its first few on the
/// connection's page, the rest folded under a line that counts them, so the card stays about as
/// tall as the others.
#[tokio::test]
async fn many_advertised_prefixes_fold_after_the_first_few() {
    let b = Browser::open("connections-many-prefixes").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    let prefixes: Vec<String> = (0..20).map(|i| format!("198.51.{i}.0/24")).collect();
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/MICROSOFT"),
            json!({
                "config": {
                    "peerASN": 64512,
                    "primaryPeerSubnet": "203.0.113.0/30",
                    "secondaryPeerSubnet": "203.0.113.4/30",
                    "vlanId": 300,
                    "advertisedPublicPrefixes": prefixes,
                    "customerASN": 64999,
                    "routingRegistryName": "ARIN",
                },
                "reason": "Advertise the campus ranges",
            }),
        )
        .await;

    b.goto(&format!("/connections/{id}")).await;
    let listed = "[data-test=\"peering-card-MICROSOFT\"] [data-test=\"prefixes\"]";
    let shown = b.wait_for_text(listed, "and 14 more").await;
    assert!(shown.contains("198.51.5.0/24, and 14 more"), "{shown}");
    assert!(!shown.contains("198.51.6.0/24"), "folded: {shown}");
    b.screenshot("prefixes-folded").await;
    b.click_css(&format!("{listed} summary")).await;
    let all = b.wait_for_text(listed, "198.51.19.0/24").await;
    assert!(all.contains("198.51.6.0/24"), "{all}");
}
