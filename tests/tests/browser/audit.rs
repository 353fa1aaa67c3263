//! The audit history's time range: given in UTC, as every time on the page is shown, whatever
//! the browser's own zone (the browsers of these tests are five and a half hours off UTC), kept in the
//! address and read back into the form; an end at or before the start is said under the end
//! as soon as both are given, and such a range is never applied; one to the second or
//! millisecond is kept so; the last hour, day or week is one click. Back from an event shows
//! the history as it was, older pages included.

use crate::browser::{Browser, Row, cell};
use crate::colleague::Colleague;
use crate::demo;
use reqwest::Method;
use serde_json::json;

/// Sets the `datetime-local` input `#id` to now plus `minutes`, in UTC, as a person picking it
/// would (an `input` event).
async fn set_time(b: &Browser, id: &str, minutes: i64) {
    b.script_with(
        "const [id, minutes] = arguments;\
         const d = new Date(Date.now() + minutes * 60000);\
         const el = document.getElementById(id);\
         el.value = d.toISOString().slice(0, 16);\
         el.dispatchEvent(new Event('input', {bubbles: true}));\
         return null;",
        json!([id, minutes]),
    )
    .await;
}

/// An order Console Connect refused made no connection: its events are named by the name it
/// asked for, so that the history says which order it was.
#[tokio::test]
async fn a_refused_order_is_named_by_the_name_it_asked_for() {
    let b = Browser::open("audit-refused-order").await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let reason = format!(
        "A circuit whose key is taken: {}",
        "the order is refused and nothing is made. ".repeat(10)
    );
    let (status, text) = colleague
        .attempt(
            Method::POST,
            "/api/connections",
            json!({
                "serviceKey": demo::used_key(),
                "name": "Refused Order",
                "portIds": [demo::LONDON_PORT_1, demo::LONDON_PORT_2],
                "speedMbps": 100,
                "paymentType": "invoice",
                "reason": reason,
            }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/audit?action=create_connection").await;
    b.wait_for_text("[data-test=\"audit-row\"]", "Refused Order")
        .await;
    // Its intent and its outcome, each with the name where a connection would be.
    assert_eq!(b.count("[data-test=\"ordered-name\"]").await, 2);
    let cell = b
        .text("[data-test=\"audit-row\"] td[data-label=\"Connection\"]")
        .await;
    assert!(
        cell.contains("Refused Order") && cell.contains("as ordered"),
        "{cell}"
    );
    // Its long reason takes a few lines of the row, not a screen: all of it on hover.
    let reason_cell = "[data-test=\"audit-row\"] td[data-label=\"Reason\"] .clamp";
    assert_eq!(b.attr(reason_cell, "title").await, reason.trim_end());
    let clamped = b
        .script(&format!(
            "const s = document.querySelector('{reason_cell}'); \
             return s.scrollHeight > s.clientHeight;"
        ))
        .await;
    assert_eq!(clamped, true, "the reason is cut to its first lines");
    b.screenshot("refused-order").await;
}

#[tokio::test]
async fn the_audit_history_filters_by_time_and_refuses_a_range_that_ends_first() {
    let b = Browser::open("audit-time-range").await;
    let all = demo::audit_of_ada_in_acme(&b).await;
    assert_eq!(
        b.script("return new Date().getTimezoneOffset();").await,
        -330,
        "the browser's clock is off UTC, so the page's UTC is tested"
    );
    assert_eq!(b.text("label[for=\"filter-from\"]").await, "From (UTC)");

    // From an hour ahead: nothing yet.
    set_time(&b, "filter-from", 60).await;
    b.click("apply-filters").await;
    b.wait_for_text(".empty", "No event matches these filters.")
        .await;
    // A screen reader is told what was found, as the table itself is not read out.
    b.wait_for_script(
        "the filters' result said",
        "return document.querySelector('[role=\"status\"][data-test=\"audit-found\"]')\
           .textContent === 'No event matches these filters.';",
    )
    .await;
    b.wait_for_text("[data-test=\"filter-count\"]", "1 active")
        .await;
    let ahead = b.location().await;
    assert!(ahead.contains("from="), "{ahead}");
    assert!(!b.value("filter-from").await.is_empty(), "read back");

    // To now, before that start: said under the end, and not applied.
    set_time(&b, "filter-to", 0).await;
    let said = b.wait_for_text("#filter-to-error", "later than From").await;
    assert!(said.starts_with("To must be later than From"), "{said}");
    assert_eq!(b.attr("#filter-to", "aria-invalid").await, "true");
    b.screenshot("range-ends-first").await;
    b.click("apply-filters").await;
    b.find(".empty").await;
    assert_eq!(
        b.location().await,
        ahead,
        "a backwards range is not applied"
    );

    // An hour either side of now: every event so far, both ends in the address.
    set_time(&b, "filter-from", -60).await;
    b.wait_gone("#filter-to-error").await;
    set_time(&b, "filter-to", 60).await;
    b.click("apply-filters").await;
    b.wait_for_text("[data-test=\"filter-count\"]", "2 active")
        .await;
    let location = b.location().await;
    assert!(
        location.contains("from=") && location.contains("to="),
        "{location}"
    );
    b.wait_for_rows(
        "the events of the last hour: all of them",
        "[data-test=\"audit-row\"]",
        |r| ids(r) == ids(&all),
    )
    .await;
    b.screenshot("last-hour").await;

    // One click for the last 24 hours: a start a day ago, no end, at once.
    b.click("last-1440").await;
    b.wait_for_text("[data-test=\"filter-count\"]", "1 active")
        .await;
    let location = b.location().await;
    assert!(
        location.contains("from=") && !location.contains("to="),
        "{location}"
    );
    let day_ago = b
        .script(
            "const d = new Date(document.getElementById('filter-from').value + 'Z');\
             return Math.round((Date.now() - d.getTime()) / 60000);",
        )
        .await;
    assert!(
        day_ago.as_i64().is_some_and(|m| (1439..=1441).contains(&m)),
        "the start is a day ago: {day_ago} minutes"
    );
    assert_eq!(b.value("filter-to").await, "");
    b.wait_for_rows(
        "the events of the last day: all of them",
        "[data-test=\"audit-row\"]",
        |r| ids(r) == ids(&all),
    )
    .await;

    // A range to the second or the millisecond, as an address may give it, is shown so and
    // kept as it is when another filter is applied.
    b.goto("/audit?from=2026-01-01T00:42:30Z&to=2099-01-01T00:43:30.250Z")
        .await;
    b.wait_for_value("filter-from", "2026-01-01T00:42:30").await;
    // The browser writes the milliseconds without their trailing zero.
    assert_eq!(b.value("filter-to").await, "2099-01-01T00:43:30.25");
    b.select("filter-phase", "outcome").await;
    b.click("apply-filters").await;
    b.wait_for_text("[data-test=\"filter-count\"]", "3 active")
        .await;
    let range = b
        .script(
            "const q = new URLSearchParams(location.search);\
             return [q.get('from'), q.get('to'), q.get('phase')];",
        )
        .await;
    assert_eq!(
        range,
        json!([
            "2026-01-01T00:42:30.000Z",
            "2099-01-01T00:43:30.250Z",
            "outcome"
        ])
    );
}

#[tokio::test]
async fn filters_in_the_address_are_read_as_typed_or_said_not_to_be_understood() {
    let b = Browser::open("audit-address").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    // A connection's name in any case, as the filter takes it: the address is put right to
    // its id, and the history of that connection is shown, no error on the way.
    b.goto("/audit?connection=azure%20LONDON%20production")
        .await;
    b.wait_for_location(&format!("/audit?connection={id}"))
        .await;
    b.wait_for_text("[data-test=\"history-of\"]", "Azure London Production")
        .await;
    // (The seeded connection was made before the history began.)
    b.wait_for_text(".empty", "No event matches these filters.")
        .await;
    assert_eq!(b.count(".error-banner").await, 0);
    // An id in capitals too.
    b.goto(&format!("/audit?connection={}", id.to_uppercase()))
        .await;
    b.wait_for_location(&format!("/audit?connection={id}"))
        .await;

    // An id none of the company's connections has: its events, if any are kept, are shown,
    // and the page says that no connection has it now.
    b.goto("/audit?connection=0123456789abcdef01234567").await;
    b.wait_for_text(
        "[data-test=\"connection-not-listed\"]",
        "None of this company's connections has this id now",
    )
    .await;
    b.wait_for_text(".empty", "No event matches these filters.")
        .await;
    assert_eq!(b.count("[data-test=\"history-of\"]").await, 0);

    // A name of none of the company's connections: said under the filter and in place of the
    // history, in the same words, with nothing to export.
    b.goto("/audit?connection=Azure%20Paris").await;
    let unknown = "No connection of this company is named \u{201c}Azure Paris\u{201d}";
    b.wait_for_text(".error-banner", unknown).await;
    b.wait_for_text("#filter-connection-error", unknown).await;
    assert_eq!(b.count("[data-test=\"connection-not-listed\"]").await, 0);
    assert_eq!(
        b.attr("[data-test=\"export-csv\"]", "aria-disabled").await,
        "true"
    );
    assert_eq!(b.count("[data-test^=\"export-\"][href]").await, 0);
    assert_eq!(
        b.text("[data-test=\"export-note\"]").await,
        "The filters cannot be read: put them right to export."
    );
    b.screenshot("unknown-connection").await;

    // A value none of a filter's list has, and a parameter that is no filter (a page's
    // cursor kept from the API's address): said not to be applied, the others applied.
    b.goto("/audit?action=bogus&outcome=FAILED&before=3").await;
    b.wait_for_text(
        "[data-test=\"ignored-filters\"]",
        "Not understood in the address, so not applied: action=bogus, before=3.",
    )
    .await;
    assert_eq!(b.value("filter-outcome").await, "failed");
    assert_eq!(b.value("filter-action").await, "");
    // The files run oldest first, as the history was written, unlike the page: said on the
    // page, and to a screen reader on the buttons.
    assert_eq!(
        b.attr("[data-test=\"export-json\"]", "title").await,
        "Every event of the history shown (the filters applied), oldest first"
    );
    assert_eq!(
        b.text("[data-test=\"export-note\"]").await,
        "Exports hold every event of the history shown (the filters applied, not any since changed in the form), oldest first."
    );
    assert_eq!(
        b.attr("[data-test=\"export-csv\"]", "aria-describedby")
            .await,
        "export-note"
    );
    b.screenshot("value-not-understood").await;

    // A time without a zone is UTC, as the fields say: applied as they show it.
    b.goto("/audit?from=2020-01-01T08:00&to=2099-01-01").await;
    assert_eq!(b.value("filter-from").await, "2020-01-01T08:00");
    b.find("[data-test=\"audit-row\"]").await;
    assert_eq!(b.count(".error-banner").await, 0);
    // A range that ends before it starts is said under its end and never asked for: the
    // message carries no request id.
    b.goto("/audit?from=2099-01-02&to=2099-01-01").await;
    b.wait_for_text("#filter-to-error", "later than From").await;
    let banner = b.wait_for_text(".error-banner", "later than From").await;
    assert!(!banner.contains("Request id"), "{banner}");
    // A bound that is no time at all is not applied, as a value of no filter's list is not,
    // and said so; the other bound is, and the history shows.
    b.goto("/audit?from=yesterday&to=2099-01-01").await;
    b.wait_for_text(
        "[data-test=\"ignored-filters\"]",
        "Not understood in the address, so not applied: from=yesterday.",
    )
    .await;
    b.find("[data-test=\"audit-row\"]").await;
    assert_eq!(b.count(".error-banner").await, 0);
    assert_eq!(b.value("filter-from").await, "");
    assert_eq!(b.value("filter-to").await, "2099-01-01T00:00");
}

fn ids(rows: &[Row]) -> Vec<i64> {
    rows.iter()
        .map(|r| cell(r, "data-id").parse().expect("an event id"))
        .collect()
}

#[tokio::test]
async fn back_from_an_event_shows_the_older_pages_loaded_and_what_was_written_meanwhile() {
    let b = Browser::open("audit-back").await;
    // A colleague's sign-in and company choices: more events than the history's page of 50.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let choose_acme = async |c: &mut Colleague| {
        c.send(
            Method::PUT,
            "/api/session/company",
            json!({ "company": "acme" }),
        )
        .await;
    };
    for _ in 0..28 {
        choose_acme(&mut colleague).await;
    }
    let first_page = demo::audit_of_ada_in_acme(&b).await;
    assert_eq!(first_page.len(), 50, "one page");
    b.click("load-older").await;
    let all = b
        .wait_for_rows(
            "every event, older ones added",
            "[data-test=\"audit-row\"]",
            |r| r.len() > 50,
        )
        .await;
    b.wait_gone("[data-test=\"load-older\"]").await;
    b.wait_for_script(
        "how many events are shown, said",
        &format!(
            "return document.querySelector('[data-test=\"audit-found\"]').textContent\
               === '{} events shown.';",
            all.len()
        ),
    )
    .await;
    let all = ids(&all);
    // The button gone with the last page, the keyboard goes on from the first event it brought.
    b.wait_for_script(
        "the keyboard on the first older event",
        &format!(
            "return document.activeElement.closest('[data-test=\"audit-row\"]')\
             ?.getAttribute('data-id') === '{}';",
            all[50]
        ),
    )
    .await;
    assert!(
        all.windows(2).all(|w| w[0] > w[1]),
        "newest first, once each: {all:?}"
    );
    let oldest = *all.last().expect("events");

    b.click_css(&format!("[data-test=\"audit-row\"][data-id=\"{oldest}\"]"))
        .await;
    b.wait_for_path(&format!("/audit/{oldest}")).await;
    b.find("[data-test=\"audit-event\"]").await;
    // The first event, a sign-in's intent, came before anyone was known.
    assert_eq!(
        b.text("[data-test=\"audit-event\"] h2").await,
        format!("#{oldest} · Sign in · Intent")
    );
    let details = b.details("[data-test=\"audit-event\"] dl").await;
    assert_eq!(
        details["Actor"], "— (not known: the API key had not been checked yet)",
        "{details:?}"
    );
    // Meanwhile the colleague changes something.
    choose_acme(&mut colleague).await;

    b.back().await;
    b.wait_for_location("/audit").await;
    let shown = b
        .wait_for_rows(
            "the history as it was, with the events written since on top",
            "[data-test=\"audit-row\"]",
            |r| r.len() == all.len() + 2,
        )
        .await;
    let shown = ids(&shown);
    assert_eq!(shown[2..], all[..], "the pages loaded before, in order");
    assert!(shown[1] > all[0], "the new events on top: {shown:?}");
    assert_eq!(
        b.count("[data-test=\"load-older\"]").await,
        0,
        "nothing older"
    );
    assert_eq!(b.count("[data-test=\"history-started-again\"]").await, 0);
    // The history goes on from the event opened, at its foot: the keyboard on it, in view.
    b.wait_for_script(
        "the keyboard on the event opened, in view",
        &format!(
            "const row = document.activeElement.closest('[data-test=\"audit-row\"]'); \
             if (!row || row.getAttribute('data-id') !== '{oldest}') return false; \
             const r = row.getBoundingClientRect(); \
             return window.scrollY > 0 && r.top >= 0 && r.bottom <= window.innerHeight;"
        ),
    )
    .await;
    b.screenshot("back-from-the-oldest-event").await;

    // A reload reads the first page again.
    b.goto("/audit").await;
    b.wait_for_rows("the first page only", "[data-test=\"audit-row\"]", |r| {
        r.len() == 50
    })
    .await;
    b.find("[data-test=\"load-older\"]").await;

    // More than a page written while an event is open: Back starts again from the newest,
    // and says so, where the reader was being gone.
    let newest = ids(&first_rows(&b).await)[0];
    b.click_css(&format!("[data-test=\"audit-row\"][data-id=\"{newest}\"]"))
        .await;
    b.wait_for_path(&format!("/audit/{newest}")).await;
    b.find("[data-test=\"audit-event\"]").await;
    for _ in 0..26 {
        choose_acme(&mut colleague).await;
    }
    b.back().await;
    b.wait_for_location("/audit").await;
    b.wait_for_text(
        "[data-test=\"history-started-again\"]",
        "the history starts again from the newest",
    )
    .await;
    let shown = ids(&first_rows(&b).await);
    assert!(shown[0] > newest + 50, "{shown:?}");
    b.screenshot("back-after-many-written").await;
}

async fn first_rows(b: &Browser) -> Vec<Row> {
    b.wait_for_rows("a page of events", "[data-test=\"audit-row\"]", |r| {
        r.len() == 50
    })
    .await
}

#[tokio::test]
async fn an_event_of_another_company_of_the_reader_names_it() {
    let b = Browser::open("audit-other-company").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    // Grace verifies a key at Globex, which Ada belongs to as well; Ada one at Acme.
    let mut grace = Colleague::sign_in(b.portal_url(), demo::grace(), "globex").await;
    grace
        .send(
            Method::POST,
            "/api/service-keys/verify",
            json!({ "serviceKey": demo::dallas_key() }),
        )
        .await;
    let mut ada = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    ada.send(
        Method::POST,
        "/api/service-keys/verify",
        json!({ "serviceKey": demo::london_key() }),
    )
    .await;

    b.goto("/audit?action=verify_service_key&phase=outcome")
        .await;
    let rows = b
        .wait_for_rows("both verifications", "[data-test=\"audit-row\"]", |r| {
            r.len() == 2
        })
        .await;
    let actors: Vec<&str> = rows.iter().map(|r| cell(r, "Actor")).collect();
    assert!(actors[0].starts_with("Ada Lovelace"), "{actors:?}");
    assert!(actors[1].starts_with("Grace Hopper"), "{actors:?}");
    let grace_row = "[data-test=\"audit-row\"]:nth-child(2)";
    assert_eq!(
        b.text(&format!("{grace_row} [data-test=\"event-company\"]"))
            .await,
        "in Globex Corporation"
    );
    assert_eq!(
        b.count("[data-test=\"audit-row\"]:nth-child(1) [data-test=\"event-company\"]")
            .await,
        0,
        "the chosen company's events need no such note"
    );
    b.screenshot("other-company-event").await;

    // A change to one of Acme's connections: its event opens the connection while Acme is
    // chosen, and, Globex chosen, leads only to its history (the connection pages are the
    // chosen company's).
    b.goto("/connections").await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    demo::colleague_sets_seeded_private_peering(&b, &id, 65010, 120, "The change window's VLAN")
        .await;
    let event = demo::newest_audit_event(&b, "action=update_peering&phase=outcome").await;
    let page = format!("/audit/{event}");
    b.goto(&page).await;
    assert_eq!(
        b.attr("[data-test=\"open-connection\"]", "href").await,
        format!("/connections/{id}")
    );
    b.select("switch-company", "globex").await;
    b.wait_for_value("switch-company", "globex").await;
    b.wait_for_path("/connections").await;
    b.goto(&page).await;
    b.find("[data-test=\"audit-event\"]").await;
    assert_eq!(b.count("[data-test=\"open-connection\"]").await, 0);
    b.find(&format!("a[href=\"/audit?connection={id}\"]")).await;
    // Its history, Globex chosen, says whose connection it is, not that none has this id.
    b.goto(&format!("/audit?connection={id}")).await;
    b.wait_for_text(
        "[data-test=\"connection-elsewhere\"]",
        "This connection belongs to Acme Networks (acme), another of your companies",
    )
    .await;
    assert_eq!(b.count("[data-test=\"connection-not-listed\"]").await, 0);
    // So does its page (a link kept from before the switch), rather than that there is none.
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_text(
        "[data-test=\"connection-elsewhere\"]",
        "This connection belongs to Acme Networks (acme), another of your companies: choose \
         that company in the header to open it.",
    )
    .await;
    assert_eq!(b.text("h1").await, "In another of your companies");
    // The tab too, on this page and on its progress page alike.
    let titled = "return document.title === \
                  'In another of your companies · ExpressRoute portal';";
    b.wait_for_script("the tab saying whose it is", titled)
        .await;
    b.goto(&format!("/connections/{id}/progress")).await;
    b.find("[data-test=\"connection-elsewhere\"]").await;
    b.wait_for_script("the progress tab saying whose it is", titled)
        .await;
    b.goto(&format!("/connections/{id}")).await;
    b.find(&format!(
        "[data-test=\"connection-elsewhere\"] a[href=\"/audit?connection={id}\"]"
    ))
    .await;

    // The switch to Globex: the company chosen, by its name as the header gives it.
    let switched = demo::newest_audit_event(&b, "action=select_company&phase=outcome").await;
    b.goto(&format!("/audit/{switched}")).await;
    b.wait_for_text(
        "[data-test=\"diff\"] tr[data-field=\"company\"] td.after",
        "Globex Corporation (globex)",
    )
    .await;

    // Its page, which says to choose Acme to open it: Acme chosen, it opens there.
    b.goto(&format!("/connections/{id}")).await;
    b.find("[data-test=\"connection-elsewhere\"]").await;
    b.select("switch-company", "acme").await;
    b.wait_for_value("switch-company", "acme").await;
    b.find("[data-test=\"summary\"]").await;
    assert_eq!(b.location().await, format!("/connections/{id}"));
    // The seeded connection, as it was ordered.
    let summary = b.details("[data-test=\"summary\"]").await;
    assert_eq!(summary["Payment"], "Invoice", "{summary:?}");
    assert_eq!(summary["Class of service"], "Gold", "{summary:?}");
    assert_eq!(b.count("[data-test=\"connection-elsewhere\"]").await, 0);
}

/// A row changed behind the portal's back (its table's guard dropped first): the chain's check
/// links the first row that breaks it, and that event's page says, above all it shows, that it
/// does not fit; its partner's page says that its partner does not.
#[tokio::test]
async fn a_row_changed_behind_the_portals_back_is_linked_from_the_check_and_says_so() {
    use sqlx::{ConnectOptions, Executor};
    let b = Browser::open("audit-changed-row").await;
    demo::audit_of_ada_in_acme(&b).await;
    let intent = demo::newest_audit_event(&b, "action=select_company&phase=intent")
        .await
        .as_i64()
        .unwrap();
    let outcome = demo::newest_audit_event(&b, "action=select_company&phase=outcome")
        .await
        .as_i64()
        .unwrap();

    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(b.portal_data_dir().join("portal.db"))
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    db.execute("drop trigger audit_events_no_update")
        .await
        .unwrap();
    sqlx::query("update audit_events set client_addr = '203.0.113.9' where id = ?")
        .bind(intent)
        .execute(&mut db)
        .await
        .unwrap();

    b.click("verify-chain").await;
    b.wait_for_text(
        "[data-test=\"chain-result\"][data-ok=\"false\"]",
        &format!("Broken at event #{intent}: the row's content does not match its hash"),
    )
    .await;
    b.screenshot("chain-broken").await;
    b.click("chain-bad-event").await;
    b.wait_for_path(&format!("/audit/{intent}")).await;
    b.wait_for_text(
        "[data-test=\"chain-problems\"]",
        &format!("Event #{intent} does not match its hash"),
    )
    .await;
    // What the row says now is shown, under the warning.
    b.wait_for_text("[data-test=\"audit-event\"]", "203.0.113.9")
        .await;
    b.screenshot("event-does-not-fit").await;

    b.goto(&format!("/audit/{outcome}")).await;
    b.wait_for_text(
        "[data-test=\"chain-problems\"]",
        &format!("Its partner, event #{intent}, does not match its hash"),
    )
    .await;
    // A row that fits says nothing of the kind.
    b.goto("/audit/1").await;
    b.wait_for_text("[data-test=\"audit-event\"]", "#1").await;
    assert_eq!(b.count("[data-test=\"chain-problems\"]").await, 0);
}

/// An event opened from another's related events shows as loading until it is read, not as
/// the event left under the new address.
#[tokio::test]
async fn a_related_event_opened_is_not_shown_as_the_one_left() {
    let b = Browser::open("audit-related").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let outcome = demo::newest_audit_event(&b, "action=select_company&phase=outcome").await;
    b.goto(&format!("/audit/{outcome}")).await;
    b.wait_for_script(
        "the outcome shown",
        &format!(
            "return document.querySelector('[data-test=\"audit-event\"]')\
               ?.getAttribute('data-id') === '{outcome}';"
        ),
    )
    .await;
    let intent = b.attr(".related a", "href").await;
    let intent_id = intent.trim_start_matches("/audit/").to_owned();
    b.script_with(
        crate::failures::SLOW_FETCH,
        json!([[format!("/api{intent}")], 3000]),
    )
    .await;
    b.click_css(".related a").await;
    b.wait_for_location(&intent).await;
    assert_eq!(
        b.count("[data-test=\"audit-event\"]").await,
        0,
        "the event left is not shown under its partner's address"
    );
    b.wait_for_script(
        "the intent shown",
        &format!(
            "return document.querySelector('[data-test=\"audit-event\"]')\
               ?.getAttribute('data-id') === '{intent_id}';"
        ),
    )
    .await;
}
