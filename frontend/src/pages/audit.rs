//! `/audit`: the audit history, newest first, with filters kept in the address (so links such
//! as "History of this connection" work), paging to older events, the events written meanwhile
//! added on top when its tab is shown again, exports of the same filter, and the hash-chain
//! check. Coming back to the same filters (from an event, with Back) shows every page loaded
//! before, not only the first.

use crate::api;
use crate::components::feedback::{ActionError, Empty, LoadError, Loading, NotUnderstood, Retry};
use crate::components::field::{Choice, Field};
use crate::components::names::{self, Named, Names};
use crate::format;
use crate::route::Params;
use crate::route::{use_navigate, use_query_map};
use leptos::prelude::*;
use models::PeeringType;
use models::api::{AuditAction, AuditEvent, AuditOutcome, AuditPhase, AuditQuery};

/// The filters in the address, as the API reads them.
fn query_from(params: &Params) -> AuditQuery {
    let text = |name: &str| params.get(name).filter(|v| !v.trim().is_empty());
    AuditQuery {
        connection: text("connection"),
        actor: text("actor"),
        // In any case, as typed into an address by hand: `outcome=FAILED` is `failed`.
        action: text("action").and_then(|a| AuditAction::parse(&a.trim().to_ascii_lowercase())),
        peering_type: text("peeringType").and_then(|t| t.parse::<PeeringType>().ok()),
        outcome: text("outcome").and_then(|o| AuditOutcome::parse(&o.trim().to_ascii_lowercase())),
        phase: text("phase").and_then(|p| AuditPhase::parse(&p.trim().to_ascii_lowercase())),
        from: text("from").map(plus_restored),
        to: text("to").map(plus_restored),
        before: None,
        limit: None,
    }
}

/// A time whose zone's `+` was typed into the address as it is, and so read as a space
/// (`2026-12-07T14:03:00 13:00`), with its `+` back; any other text as it is.
fn plus_restored(time: String) -> String {
    let zone_like = |zone: &str| {
        zone.len() == 5
            && zone.bytes().enumerate().all(|(i, b)| {
                if i == 2 {
                    b == b':'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    match time.trim().split_once(' ') {
        Some((at, zone)) if at.contains('T') && zone_like(zone) => format!("{at}+{zone}"),
        _ => time,
    }
}

/// The filters in the address, its times as the portal writes them: a time given without a
/// zone is UTC, as the filters' fields say (and show it). One that is no time is not applied,
/// as a value of no filter's list is not, and the page says so ([`not_understood`]).
fn query_of(params: &Params) -> AuditQuery {
    let in_utc = |time: String| {
        let shown = format::utc_to_input(&time);
        (!shown.is_empty()).then(|| format::input_to_utc(&shown).unwrap_or(time))
    };
    let query = query_from(params);
    AuditQuery {
        from: query.from.and_then(in_utc),
        to: query.to.and_then(in_utc),
        ..query
    }
}

/// Whether the browser reads `text` as a time (see [`format::utc_to_input`]).
fn is_time(text: &str) -> bool {
    !format::utc_to_input(text).is_empty()
}

/// The parameters of the address the page reads: its filters.
const FILTERS: [&str; 8] = [
    "connection",
    "actor",
    "action",
    "peeringType",
    "outcome",
    "phase",
    "from",
    "to",
];

/// The filters of a closed list of values whose value in the address is none of them
/// (`action=bogus`) and the times that are no time (`is_time` tells), as `name=value`, then
/// the parameters that are no filter (`before=9`, a misspelt `outcomes=failed`): they are not
/// applied, and the page says so.
fn not_understood(params: &Params, is_time: impl Fn(&str) -> bool) -> Vec<String> {
    let query = query_from(params);
    [
        ("action", query.action.is_none()),
        ("peeringType", query.peering_type.is_none()),
        ("outcome", query.outcome.is_none()),
        ("phase", query.phase.is_none()),
        ("from", !query.from.as_deref().is_some_and(&is_time)),
        ("to", !query.to.as_deref().is_some_and(&is_time)),
    ]
    .into_iter()
    .filter(|(_, dropped)| *dropped)
    .filter_map(|(name, _)| {
        let given = params.get(name)?;
        (!given.trim().is_empty()).then(|| format!("{name}={}", given.trim()))
    })
    .chain(params.unknown(&FILTERS))
    .collect()
}

/// The connection filter as [`connection_filter`] found it, once it is known whether the
/// company's connections were read (`listed`): a name not found among none read is not said to
/// name no connection.
fn looked_up(
    found: Result<Option<String>, String>,
    listed: bool,
) -> Result<Option<String>, String> {
    match found {
        Err(_) if !listed => Err("The company's connections have not been read (their list \
             failed, or is still on its way), so none can be found by its name now: give the \
             connection's id (24 characters 0-9 and a-f), or reload the page to read them again"
            .to_owned()),
        found => found,
    }
}

/// The connection filter as typed: nothing, a connection's id, the id of one of its legs
/// (the history is kept by the connection's id: a leg's stands for its connection's), or the
/// name of one of the company's connections (in any case), which stands for its id, or part of
/// the name of only one (as the connections list finds names). `known` holds (id, name) pairs,
/// `legs` (leg id, connection id) pairs.
fn connection_filter(
    typed: &str,
    known: &[(String, String)],
    legs: &[(String, String)],
) -> Result<Option<String>, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let id = typed.to_ascii_lowercase();
    if models::validate::object_id("connection", &id).is_ok() {
        return Ok(Some(names::name_of(legs, &id).unwrap_or(id)));
    }
    let named: Vec<&String> = known
        .iter()
        .filter(|(_, name)| crate::components::names::is_same_name(name, typed))
        .map(|(id, _)| id)
        .collect();
    // Found as the connections list finds names: in any case and without their accents.
    let part = models::validate::name_folded(typed);
    let holding: Vec<&(String, String)> = known
        .iter()
        .filter(|(_, name)| models::validate::name_folded(name).contains(&part))
        .collect();
    match (&named[..], &holding[..]) {
        ([id], _) => Ok(Some((*id).clone())),
        ([], [(id, _)]) => Ok(Some(id.clone())),
        ([], []) => Err(format!(
            "No connection of this company is named \u{201c}{typed}\u{201d}, nor has it in its \
             name: give one's name as listed, or part of it, or its id (24 characters 0-9 and a-f)"
        )),
        ([], several) => {
            let mut them: Vec<&str> = several.iter().map(|(_, n)| n.as_str()).collect();
            them.sort_unstable();
            them.dedup();
            Err(format!(
                "{} connections' names hold \u{201c}{typed}\u{201d} ({}): type more of the one \
                 meant, or its id",
                several.len(),
                them.join(", ")
            ))
        }
        _ => Err(format!(
            "{} connections are named \u{201c}{typed}\u{201d}: choose one by its id from the list",
            named.len()
        )),
    }
}

pub fn phase_label(p: AuditPhase) -> &'static str {
    match p {
        AuditPhase::Intent => "Intent",
        AuditPhase::Outcome => "Outcome",
    }
}

/// The phase filter's choices: outcomes alone give one row per change, with how it ended.
fn phase_choice(p: AuditPhase) -> &'static str {
    match p {
        AuditPhase::Intent => "Intents only",
        AuditPhase::Outcome => "Outcomes only",
    }
}

fn outcome_label(o: AuditOutcome) -> &'static str {
    match o {
        AuditOutcome::Succeeded => "Succeeded",
        AuditOutcome::Failed => "Failed",
        AuditOutcome::Refused => "Refused",
        AuditOutcome::Unknown => "Unknown",
        AuditOutcome::Interrupted => "Interrupted",
    }
}

pub fn outcome_badge(o: Option<AuditOutcome>) -> AnyView {
    match o {
        Some(o) => {
            let tone = match o {
                AuditOutcome::Succeeded => "tone-ok",
                AuditOutcome::Failed | AuditOutcome::Interrupted => "tone-bad",
                AuditOutcome::Refused | AuditOutcome::Unknown => "tone-warn",
            };
            view! {
                <span class=format!("status {tone}") data-status=o.as_str()>
                    {outcome_label(o)}
                </span>
            }
            .into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// Whom a history was shown to: the user's id and the company they were working in.
type Whose = Option<(String, Option<String>)>;

/// The history as it was shown last: whose, with which filters, the events loaded and where
/// the next older page starts.
struct LastShown {
    whose: Whose,
    query: AuditQuery,
    events: Vec<AuditEvent>,
    cursor: Option<i64>,
}

thread_local! {
    /// The history shown last, kept in memory only (a reload reads the first page again).
    static LAST_SHOWN: std::cell::RefCell<Option<LastShown>> = const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// The event last opened: the history shown again goes on from it.
    static OPENED: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

thread_local! {
    /// Filters were just applied from a folded panel (a phone's): the history drawn for them
    /// gives the keyboard the panel's fold, where their count now is, not the page's start.
    static APPLIED_FOLDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes the event an event page shows, for the history shown again (by Back, or its link
/// back) to take the keyboard, and the view, to that event's row rather than its top.
pub fn note_opened(id: i64) {
    OPENED.set(Some(id));
}

fn keep_shown(shown: LastShown) {
    LAST_SHOWN.set(Some(shown));
}

/// Whom the history is shown to now.
fn whose_now() -> Whose {
    untrack(|| crate::session::Auth::get().session()).map(|s| (s.user.id, s.company))
}

/// The history's address with the filters it was last shown with to whoever is signed in now,
/// for a way back from one of its events; the whole history's otherwise.
pub fn last_history_path() -> String {
    history_path_for(&whose_now())
}

fn history_path_for(whose: &Whose) -> String {
    let qs = LAST_SHOWN.with_borrow(|last| {
        last.as_ref()
            .filter(|l| l.whose == *whose)
            .map(|l| api::audit_query_string(&l.query))
            .unwrap_or_default()
    });
    if qs.is_empty() {
        "/audit".to_owned()
    } else {
        format!("/audit?{qs}")
    }
}

/// The events and cursor the history showed last with these filters to this user in this
/// company, if it did.
fn shown_before(whose: &Whose, query: &AuditQuery) -> (Vec<AuditEvent>, Option<i64>) {
    LAST_SHOWN.with_borrow(|last| {
        last.as_ref()
            .filter(|l| l.whose == *whose && l.query == *query)
            .map(|l| (l.events.clone(), l.cursor))
            .unwrap_or_default()
    })
}

#[component]
pub fn AuditPage() -> impl IntoView {
    crate::nav::title("Audit history");
    let params = use_query_map();
    // Read once for the page, not again each time the filters change.
    let (connections, legs, listed) = names::connections_listed();
    // The connection in the address as the history keeps it: given there as it may be typed
    // into the filter (a name in any case, an id in capitals, a leg's id, which stands for its
    // connection's), it is read the same way, the name and the leg once the company's
    // connections are known. `None` while that may still change it.
    let resolved = move |raw: &str| {
        let resolved =
            connections.with(|known| legs.with(|legs| connection_filter(raw, known, legs)));
        match resolved {
            Ok(id) if listed.get() || models::validate::object_id("connection", raw).is_ok() => {
                Some(Ok(id))
            }
            Err(e) if listed.get() => Some(Err(e)),
            _ => None,
        }
    };
    // The address is put right: the history is read by the connection's id.
    let navigate = use_navigate();
    crate::shared::effect(move || {
        let mut query = params.with(query_of);
        let parent = query
            .connection
            .clone()
            .and_then(|raw| match resolved(&raw) {
                Some(Ok(Some(id))) if id != raw => Some(id),
                _ => None,
            });
        if let Some(parent) = parent {
            query.connection = Some(parent);
            navigate(
                &format!("/audit?{}", api::audit_query_string(&query)),
                crate::route::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    move || {
        let query = params.with(query_of);
        // Not read until the connection in the address is one the history can be read by:
        // until it is put right, the history waits; one the company has none of is said so,
        // under the filter and in place of the history.
        let unknown = match query.connection.as_deref() {
            Some(raw) if models::validate::object_id("connection", raw).is_err() => {
                match resolved(raw) {
                    Some(Err(e)) => Some(e),
                    _ => return view! { <Loading/> }.into_any(),
                }
            }
            _ => None,
        };
        // Nor is a range that ends before it starts: it is said under its end. (A bound that
        // is no time is not applied: see `not_understood`.)
        let refused = match unknown {
            Some(message) => Some(models::FieldError {
                field: "connection".into(),
                message,
            }),
            None => query
                .from
                .as_deref()
                .zip(query.to.as_deref())
                .and_then(|(from, to)| models::validate::time_range(from, to).err())
                .map(|e| models::FieldError {
                    field: e.field().into(),
                    message: e.to_string(),
                }),
        };
        let ignored = params.with(|p| not_understood(p, is_time));
        view! {
            <Audit
                query=query
                connections=connections
                legs=legs
                listed=listed
                refused=refused
                ignored=ignored
            />
        }
        .into_any()
    }
}

#[component]
fn Audit(
    query: AuditQuery,
    connections: Names,
    legs: Names,
    /// Whether `connections` has been read.
    listed: ReadSignal<bool>,
    /// Why the filters in the address cannot be applied (a connection the company has none
    /// of, a range that ends before it starts), under the filter's name: the history is not
    /// read.
    refused: Option<models::FieldError>,
    /// Filters in the address whose values are not understood (see [`not_understood`]).
    ignored: Vec<String>,
) -> impl IntoView {
    let navigate = use_navigate();
    let connection = RwSignal::new(query.connection.clone().unwrap_or_default());
    let actor = RwSignal::new(query.actor.clone().unwrap_or_default());
    let action = RwSignal::new(
        query
            .action
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    );
    let peering = RwSignal::new(
        query
            .peering_type
            .map(|t| t.as_wire().to_owned())
            .unwrap_or_default(),
    );
    let outcome = RwSignal::new(
        query
            .outcome
            .map(|o| o.as_str().to_owned())
            .unwrap_or_default(),
    );
    let phase = RwSignal::new(
        query
            .phase
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    );
    let from = RwSignal::new(
        query
            .from
            .as_deref()
            .map(format::utc_to_input)
            .unwrap_or_default(),
    );
    let to = RwSignal::new(
        query
            .to
            .as_deref()
            .map(format::utc_to_input)
            .unwrap_or_default(),
    );

    // An end at or before the start, said under the end as soon as both are given.
    let range_error = Signal::derive(move || {
        let from = format::input_to_utc(&from.get())?;
        let to = format::input_to_utc(&to.get())?;
        models::validate::time_range(&from, &to)
            .err()
            .map(|e| e.to_string())
    });

    // The signed-in user as the actor filter names them: by email, or by id without one.
    let me = untrack(|| crate::session::Auth::get().session()).map(|s| {
        if s.user.email.trim().is_empty() {
            s.user.id
        } else {
            s.user.email
        }
    });

    // A connection named rather than given by id is looked up among the company's.
    let chosen_connection = Memo::new(move |_| {
        let found = connections
            .with(|known| legs.with(|legs| connection_filter(&connection.get(), known, legs)));
        looked_up(found, listed.get())
    });
    let connection_error = Signal::derive(move || chosen_connection.get().err());

    let apply_filters = {
        let navigate = navigate.clone();
        move || {
            // Not applied while a filter is wrong: the keyboard goes to the first such, where
            // its message is.
            let Ok(connection) = chosen_connection.get_untracked() else {
                crate::route::focus("filter-connection");
                return;
            };
            if range_error.with_untracked(Option::is_some) {
                crate::route::focus("filter-to");
                return;
            }
            let text = |s: RwSignal<String>| {
                Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
            };
            let q = AuditQuery {
                connection,
                actor: text(actor),
                action: text(action).and_then(|a| AuditAction::parse(&a)),
                peering_type: text(peering).and_then(|t| t.parse().ok()),
                outcome: text(outcome).and_then(|o| AuditOutcome::parse(&o)),
                phase: text(phase).and_then(|p| AuditPhase::parse(&p)),
                from: format::input_to_utc(&from.get_untracked()),
                to: format::input_to_utc(&to.get_untracked()),
                before: None,
                limit: None,
            };
            let qs = api::audit_query_string(&q);
            APPLIED_FOLDED.set(!crate::nav::wide_screen());
            navigate(
                &if qs.is_empty() {
                    "/audit".to_owned()
                } else {
                    format!("/audit?{qs}")
                },
                Default::default(),
            );
        }
    };

    // The history does not move by itself; only a tab shown again reads its newest page again.
    let poll = crate::poll::Poll::new();
    let connection_unknown = refused.as_ref().is_some_and(|r| r.field == "connection");
    let first = {
        let q = query.clone();
        poll.resource(move || {
            let (q, refused) = (q.clone(), refused.clone());
            async move {
                match refused {
                    Some(refused) => Err(models::ApiError::validation(vec![refused])),
                    None => api::list_audit(q).await,
                }
            }
        })
    };
    let whose = whose_now();
    let (before, before_cursor) = shown_before(&whose, &query);
    // The event opened from this history, when it is shown again: the keyboard, and the view,
    // go on from its row, once drawn and again once the first read has added the events
    // written meanwhile on top (which draws the rows anew), not after any later read.
    let opened = StoredValue::new(
        OPENED
            .take()
            .filter(|id| before.iter().any(|e| e.id == *id)),
    );
    let go_on_from_opened = move |last: bool| {
        let id = opened.get_value();
        if last {
            opened.set_value(None);
        }
        if let Some(id) = id {
            gloo_timers::callback::Timeout::new(0, move || {
                crate::focus::take_if_dropped(
                    &format!("[data-test=\"audit-row\"][data-id=\"{id}\"] a"),
                    "[data-test=\"audit\"]",
                );
            })
            .forget();
        }
    };
    go_on_from_opened(false);
    if APPLIED_FOLDED.take() {
        gloo_timers::callback::Timeout::new(0, || {
            crate::focus::take_if_dropped(
                "[data-test=\"filter-summary\"]",
                "[data-test=\"filter-panel\"]",
            );
        })
        .forget();
    }
    let events: RwSignal<Vec<AuditEvent>> = RwSignal::new(before);
    let cursor: RwSignal<Option<i64>> = RwSignal::new(before_cursor);
    {
        let query = query.clone();
        crate::shared::effect(move || {
            let kept = LastShown {
                whose: whose.clone(),
                query: query.clone(),
                events: events.get(),
                cursor: cursor.get(),
            };
            keep_shown(kept);
        });
    }
    // Whether the history started again from the newest over the events it showed, more
    // having been written meanwhile than a page holds: said, since where the reader was is gone.
    let started_again = RwSignal::new(false);
    crate::shared::effect(move || {
        if let Some(Ok(page)) = first.get() {
            let shown = events.with_untracked(|e| e.first().map(|e| e.id));
            match newer_than(page.events, shown, |e| e.id) {
                // Events written since: on top of those shown, older pages kept.
                Ok(newer) => {
                    started_again.set(false);
                    events.update(|e| {
                        e.splice(0..0, newer);
                    });
                }
                // The first read, or more new events than a page: start again from them.
                Err(all) => {
                    started_again.set(shown.is_some());
                    events.set(all);
                    cursor.set(page.next_before);
                }
            }
            go_on_from_opened(true);
        }
    });
    let older = {
        let q = query.clone();
        crate::shared::action(move |before: &i64| {
            api::list_audit(AuditQuery {
                before: Some(*before),
                ..q.clone()
            })
        })
    };
    crate::shared::effect(move || {
        if let Some(Ok(page)) = older.value() {
            let first_new = page.events.first().map(|e| e.id);
            events.update(|e| e.extend(page.events));
            cursor.set(page.next_before);
            // The keyboard goes on from the first event the page brought, where the reading
            // goes on (the button, left on, would be past them all; on the last page it goes).
            if let Some(id) = first_new {
                gloo_timers::callback::Timeout::new(0, move || {
                    crate::focus::take_if_dropped(
                        &format!("[data-test=\"audit-row\"][data-id=\"{id}\"] a"),
                        "[data-test=\"audit\"], [data-test=\"load-older\"]",
                    );
                })
                .forget();
            }
        }
    });
    let older_error = Signal::derive(move || older.value().and_then(Result::err));
    // Which view the history is in, told only when that changes: the table, once drawn, stays
    // (its rows added to, a failed read again leaving it as it is).
    let shown = Memo::new(move |_| {
        if !events.with(Vec::is_empty) {
            return Shown::Events;
        }
        first.with(|r| match r {
            None => Shown::Loading,
            Some(Err(e)) => Shown::Failed(e.clone()),
            Some(Ok(_)) => Shown::Empty,
        })
    });

    let chain = crate::shared::action(|_: &()| api::verify_audit_chain());
    let chain_error = Signal::derive(move || chain.value().and_then(Result::err));

    // An export of filters the history refused (a range that ends before it starts) would
    // be refused too: its links wait for filters that can be read.
    let exportable = move || {
        !first.with(|r| matches!(r, Some(Err(e)) if e.code == models::ErrorCode::ValidationFailed))
    };
    // What an export holds: the page shows the newest first, a file runs as the history was
    // written.
    let export_title = move || {
        if exportable() {
            "Every event of the history shown (the filters applied), oldest first"
        } else {
            "The filters cannot be read: put them right to export"
        }
    };
    let csv = {
        let url = api::audit_export_url(&query, "csv");
        move || exportable().then(|| url.clone())
    };
    let json = {
        let url = api::audit_export_url(&query, "json");
        move || exportable().then(|| url.clone())
    };
    let filtered = query != AuditQuery::default();
    // Intents have no outcome yet, so the two filters together select nothing: say why.
    let contradictory = query.phase == Some(AuditPhase::Intent) && query.outcome.is_some();
    let active = active_filters(&query);
    // Open where there is room beside the history; on a phone the history comes first, the
    // filters a tap away with their count on the fold (and folded again once applied).
    let open = crate::nav::wide_screen();
    // The connection filtered by, named; an id none of the company's connections has now (a
    // typing slip, or one deleted long ago) is said so, as its history may still be kept.
    let chosen_company = untrack(|| crate::session::Auth::get().company());
    // The company the events shown were recorded in, when it is another of the reader's.
    let other_company = move || {
        events.with(|e| {
            e.iter()
                .find_map(|e| e.company.clone())
                .filter(|c| Some(c) != chosen_company.as_ref())
        })
    };
    let of_connection = query.connection.clone().filter(|_| !connection_unknown).map(|id| {
        move || match connections.with(|n| names::name_of(n, &id)) {
            None if listed.get() && let Some(company) = other_company() => Some({
                crate::route::OpensIn::get().here(Some(company.clone()));
                view! {
                    <p class="notice" data-test="connection-elsewhere">
                        {format!(
                            "This connection belongs to {}, another of your companies: its events are shown here; its page opens once you choose that company.",
                            crate::session::company_label(Some(company)),
                        )}
                    </p>
                }
                    .into_any()
            }),
            Some(name) => Some(
                view! { <p class="lead" data-test="history-of">"Events of " <strong>{name}</strong></p> }
                    .into_any(),
            ),
            // Said once the history is read: its events may name the company it is of.
            None if listed.get() && first.with(|r| r.is_some()) => Some(
                view! {
                    <p class="notice" data-test="connection-not-listed">
                        "None of this company's connections has this id now (a connection deleted long ago may still have events here)."
                    </p>
                }
                    .into_any(),
            ),
            None => None,
        }
    });

    // A download is the browser's, and a session ended elsewhere only makes it fail there:
    // the session is looked at as it starts, and the app goes to sign-in if it is gone.
    let still_signed_in = move |_| {
        leptos::task::spawn_local(async {
            let _ = api::session_if_still_there().await;
        });
    };

    view! {
        <div class="page-head">
            <h1>"Audit history"</h1>
            <div class="head-actions">
                <a
                    class="button secondary"
                    href=csv
                    aria-disabled=move || (!exportable()).then_some("true")
                    title=export_title
                    aria-describedby="export-note"
                    download
                    data-test="export-csv"
                    on:click=still_signed_in
                >
                    "Export CSV"
                </a>
                <a
                    class="button secondary"
                    href=json
                    aria-disabled=move || (!exportable()).then_some("true")
                    title=export_title
                    aria-describedby="export-note"
                    download
                    data-test="export-json"
                    on:click=still_signed_in
                >
                    "Export JSON"
                </a>
                <button
                    type="button"
                    class="secondary"
                    data-test="verify-chain"
                    disabled=move || chain.pending().get()
                    on:click=move |_| {
                        chain.dispatch(());
                    }
                >
                    {move || if chain.pending().get() { "Verifying…" } else { "Verify chain" }}
                </button>
            </div>
        </div>
        // What the files hold is said where keyboards and touch screens see it too.
        <p class="help export-note" id="export-note" data-test="export-note">
            {move || {
                if exportable() {
                    "Exports hold every event of the history shown (the filters applied, not any since changed in the form), oldest first."
                } else {
                    "The filters cannot be read: put them right to export."
                }
            }}
        </p>
        {of_connection}
        <NotUnderstood ignored=ignored/>
        <div aria-live="polite">
            {move || {
                chain
                    .value()
                    .and_then(Result::ok)
                    .map(|v| {
                        let (class, text) = match &v.first_bad {
                            None if v.ok => ("notice ok", match &v.head {
                                Some(head) => format!("Chain intact: {} rows, the whole history's (every company's events, whatever the filters). Head (keep it to check later): {head}", v.rows_checked),
                                None => format!("Chain intact: {} rows, the whole history's (every company's events, whatever the filters)", v.rows_checked),
                            }.into_any()),
                            // The row is opened from here, where it says what of it does not fit.
                            Some(b) => ("notice bad", view! {
                                "Broken at "
                                <a href=format!("/audit/{}", b.id) data-test="chain-bad-event">
                                    {format!("event #{}", b.id)}
                                </a>
                                {format!(": {}", b.reason)}
                            }.into_any()),
                            None => ("notice bad", format!("Chain broken ({} rows checked)", v.rows_checked).into_any()),
                        };
                        view! { <p class=class data-test="chain-result" data-ok=v.ok.to_string()>{text}</p> }
                    })
            }}
        </div>
        <ActionError error=chain_error/>
        // Filters that cannot be read are shown, folded or not before, so the fields at fault
        // are in sight.
        <details class="filter-panel" open=move || open || !exportable() data-test="filter-panel">
            <summary data-test="filter-summary">
                "Filters"
                {(active > 0).then(|| view! {
                    <span class="filter-count" data-test="filter-count">
                        {format!("{active} active")}
                    </span>
                })}
            </summary>
            <form
                class="filters audit-filters"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    apply_filters();
                }
            >
                <Field id="filter-connection" label="Connection (name or id)" error=connection_error>
                    <input id="filter-connection" type="text" spellcheck="false" autocomplete="off"
                        list="connection-choices"
                        aria-describedby="filter-connection-error"
                        aria-invalid=move || connection_error.with(Option::is_some).to_string()
                        prop:value=move || connection.get()
                        on:input=move |ev| connection.set(event_target_value(&ev))/>
                    // Suggests the company's connections by name; the filter takes the id.
                    <datalist id="connection-choices">
                        {move || {
                            let mut known = connections.get();
                            known.sort_by(|a, b| a.1.cmp(&b.1));
                            known
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id>{name}</option> })
                                .collect_view()
                        }}
                    </datalist>
                </Field>
                <div class="field">
                    <label for="filter-actor">"Actor (email or user id)"</label>
                    <input id="filter-actor" type="text" spellcheck="false"
                        prop:value=move || actor.get()
                        on:input=move |ev| actor.set(event_target_value(&ev))/>
                </div>
                <Choice id="filter-action" label="Action" any="Any action" value=action
                    on_change=Box::new(move |v| action.set(v))
                    choices=AuditAction::ALL.iter().map(|a| (a.as_str(), a.label())).collect()/>
                <Choice id="filter-peeringType" label="Peering type" any="Any" value=peering
                    on_change=Box::new(move |v| peering.set(v))
                    choices=PeeringType::ALL.iter().map(|t| (t.as_wire(), t.label())).collect()/>
                <Choice id="filter-outcome" label="Outcome" any="Any" value=outcome
                    on_change=Box::new(move |v| outcome.set(v))
                    choices=AuditOutcome::ALL.iter().map(|o| (o.as_str(), outcome_label(*o))).collect()/>
                <Choice id="filter-phase" label="Phase" any="Both" value=phase
                    on_change=Box::new(move |v| phase.set(v))
                    choices=AuditPhase::ALL.iter().map(|p| (p.as_str(), phase_choice(*p))).collect()/>
                <div class="field">
                    <label for="filter-from">"From (UTC)"</label>
                    <input id="filter-from" type="datetime-local"
                        step=move || format::input_step(&from.get())
                        prop:value=move || from.get()
                        on:input=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <Field id="filter-to" label="To (UTC)" error=range_error>
                    <input id="filter-to" type="datetime-local"
                        aria-describedby="filter-to-error"
                        aria-invalid=move || range_error.with(Option::is_some).to_string()
                        step=move || format::input_step(&to.get())
                        prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev))/>
                </Field>
                <div class="filter-actions">
                    <button type="submit" class="primary" data-test="apply-filters">"Apply filters"</button>
                    {filtered.then(|| view! { <a href="/audit" class="button secondary" data-test="clear-filters">"Clear"</a> })}
                </div>
                <div class="presets">
                    <div role="group" aria-labelledby="presets-label">
                        <span id="presets-label">"Within the last"</span>
                        {RECENT
                            .iter()
                            .map(|&(label, minutes)| {
                                let apply = apply_filters.clone();
                                view! {
                                    <button type="button" class="small" data-test=format!("last-{minutes}")
                                        on:click=move |_| {
                                            from.set(format::input_minutes_ago(minutes));
                                            to.set(String::new());
                                            apply();
                                        }>
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                    {me.map(|me| {
                        let apply = apply_filters.clone();
                        view! {
                            <div role="group" aria-label="Whose events">
                                <button type="button" class="small" data-test="filter-mine"
                                    title=format!("Only the events of {me}")
                                    on:click=move |_| {
                                        actor.set(me.clone());
                                        apply();
                                    }>
                                    "Only mine"
                                </button>
                            </div>
                        }
                    })}
                </div>
            </form>
        </details>
        // What the filters found, said to a screen reader as it changes (the table itself is
        // not read out).
        <p class="visually-hidden" role="status" data-test="audit-found">
            {move || match shown.get() {
                Shown::Events => {
                    let n = events.with(Vec::len);
                    let more = if cursor.get().is_some() { ", older ones to load" } else { "" };
                    format!("{n} {} shown{more}.", if n == 1 { "event" } else { "events" })
                }
                Shown::Empty if filtered => "No event matches these filters.".to_owned(),
                Shown::Empty => "The history is empty.".to_owned(),
                Shown::Loading | Shown::Failed(_) => String::new(),
            }}
        </p>
        <Show when=move || started_again.get()>
            <p class="notice" role="status" data-test="history-started-again">
                "More events were written meanwhile than one page shows, so the history starts again from the newest: load older events to go back to where you were."
            </p>
        </Show>
        {move || match shown.get() {
            Shown::Loading => view! { <Loading label="Loading the history…"/> }.into_any(),
            Shown::Failed(e) => view! { <LoadError error=e retry=Retry::of(first)/> }.into_any(),
            Shown::Empty => {
                view! {
                    <Empty>
                        <p>
                            {if contradictory {
                                "No event matches these filters: an intent has no outcome, so with \u{201c}Intents only\u{201d} leave Outcome at \u{201c}Any\u{201d}."
                            } else if filtered {
                                "No event matches these filters."
                            } else {
                                "The history is empty."
                            }}
                        </p>
                    </Empty>
                }
                    .into_any()
            }
            Shown::Events => view! { <AuditTable events=events connections=connections/> }.into_any(),
        }}
        <ActionError error=older_error/>
        <Show when=move || cursor.get().is_some()>
            <div class="actions center">
                <button
                    type="button"
                    class="secondary"
                    data-test="load-older"
                    disabled=move || older.pending().get()
                    on:click=move |_| {
                        if let Some(before) = cursor.get_untracked() {
                            older.dispatch(before);
                        }
                    }
                >
                    {move || if older.pending().get() { "Loading…" } else { "Load older" }}
                </button>
            </div>
        </Show>
    }
}

/// The time ranges offered with one click: each from so many minutes ago, with no end.
const RECENT: [(&str, u32); 3] = [("hour", 60), ("24 hours", 24 * 60), ("7 days", 7 * 24 * 60)];

/// How many filters the address sets (a time range's two ends count as one each).
fn active_filters(q: &AuditQuery) -> usize {
    [
        q.connection.is_some(),
        q.actor.is_some(),
        q.action.is_some(),
        q.peering_type.is_some(),
        q.outcome.is_some(),
        q.phase.is_some(),
        q.from.is_some(),
        q.to.is_some(),
    ]
    .into_iter()
    .filter(|set| *set)
    .count()
}

#[derive(Clone, PartialEq)]
enum Shown {
    Loading,
    Failed(models::ApiError),
    Empty,
    Events,
}

/// Of a newest-first page read again, the events newer than the newest shown (`Ok`), or the
/// whole page when nothing is shown yet or the page holds no event already shown (`Err`: events
/// may be missing between the two).
fn newer_than<E>(page: Vec<E>, shown: Option<i64>, id: fn(&E) -> i64) -> Result<Vec<E>, Vec<E>> {
    match shown {
        Some(top) if page.iter().any(|e| id(e) <= top) => {
            Ok(page.into_iter().take_while(|e| id(e) > top).collect())
        }
        _ => Err(page),
    }
}

/// The name an order asked for, for its events that name no connection (its intent, written
/// before there was one; an outcome that made none), as its intent's request gives it: the
/// event's own, or for an outcome its intent's, when that is among the events read.
fn ordered_name(e: &AuditEvent, read: &[AuditEvent]) -> Option<String> {
    if e.action != AuditAction::CreateConnection || e.connection_id.is_some() {
        return None;
    }
    let intent = match e.intent_id {
        Some(id) => read.iter().find(|i| i.id == id)?,
        None => e,
    };
    let name = intent.request.as_ref()?.get("name")?.as_str()?;
    Some(name.to_owned())
}

#[component]
fn AuditTable(events: RwSignal<Vec<AuditEvent>>, connections: Names) -> impl IntoView {
    let navigate = use_navigate();
    // A reader of several companies sees the events of all of them: those of another company
    // than the one chosen name it, and their connections are not opened here (the connection
    // pages are the chosen company's).
    let (chosen, companies) = untrack(|| crate::session::Auth::get().session())
        .map(|s| (s.company, s.companies))
        .unwrap_or_default();
    let elsewhere = move |company: &Option<String>| {
        company
            .as_ref()
            .filter(|c| chosen.as_ref() != Some(*c))
            .map(|c| {
                companies
                    .iter()
                    .find(|k| k.username == *c)
                    .map_or_else(|| c.clone(), |k| k.name.clone())
            })
    };
    view! {
        <table class="audit stack" data-test="audit">
            <caption class="visually-hidden">"Audit events, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Actor"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Connection"</th>
                    <th scope="col">"Peering"</th>
                    <th scope="col">"Phase"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Ticket"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || events.get() key=|e| e.id let:e>
                    {
                        let href = format!("/audit/{}", e.id);
                        let go = {
                            let navigate = navigate.clone();
                            let href = href.clone();
                            move |ev: leptos::ev::MouseEvent| {
                                // A click on the link itself is handled by the link, and one
                                // that ends selecting text (to copy a reason) opens nothing.
                                let on_link = event_target::<web_sys::Element>(&ev).closest("a").ok().flatten().is_some();
                                let selecting = window()
                                    .get_selection()
                                    .ok()
                                    .flatten()
                                    .is_some_and(|s| !s.is_collapsed());
                                if !on_link && !selecting {
                                    navigate(&href, Default::default());
                                }
                            }
                        };
                        let actor = e.actor_name.clone().or(e.actor_id.clone()).unwrap_or_else(|| "—".into());
                        let other_company = elsewhere(&e.company);
                        let ordered = events.with_untracked(|page| ordered_name(&e, page));
                        view! {
                            <tr data-test="audit-row" data-id=e.id.to_string() data-action=e.action.as_str() class="clickable" on:click=go>
                                <td data-label="Time">
                                    <a href=href>{format::time(&e.at)}</a>
                                </td>
                                <td data-label="Actor" class="wrap">
                                    {actor}
                                    {e.actor_email.as_deref().map(email)}
                                </td>
                                <td data-label="Action">{e.action.label()}</td>
                                <td data-label="Connection">
                                    {match e.connection_id.clone() {
                                        // A real id of the chosen company opens its connection;
                                        // anything else is only shown.
                                        Some(c) if other_company.is_none() && models::validate::object_id("connection", &c).is_ok() => {
                                            let href = format!("/connections/{c}");
                                            view! {
                                                <a href=href title="Open this connection">
                                                    <Named id=c names=connections/>
                                                </a>
                                            }
                                                .into_any()
                                        }
                                        Some(c) => view! { <code class="id">{c}</code> }.into_any(),
                                        None => match ordered {
                                            Some(name) => view! {
                                                <span data-test="ordered-name">{name}</span>
                                                <span class="sub">"as ordered"</span>
                                            }
                                                .into_any(),
                                            None => view! { <span class="muted">"—"</span> }.into_any(),
                                        },
                                    }}
                                    {other_company.map(|name| view! {
                                        <span class="sub" data-test="event-company">{format!("in {name}")}</span>
                                    })}
                                </td>
                                <td data-label="Peering">{e.peering_type.map(|t| t.label()).unwrap_or("—")}</td>
                                <td data-label="Phase">{phase_label(e.phase)}</td>
                                <td data-label="Outcome">{outcome_badge(e.outcome)}</td>
                                <td data-label="Reason" class="wrap">
                                    // A long reason shows its first lines here, all of it on
                                    // hover and on the event's page.
                                    <span class="clamp" title=e.reason.clone()>
                                        {e.reason.clone().unwrap_or_else(|| "—".into())}
                                    </span>
                                </td>
                                <td data-label="Ticket" class="wrap ticket">{e.ticket.clone().unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
    }
}

/// An address, which a narrow column breaks before its `@` rather than anywhere in it.
fn email(address: &str) -> impl IntoView + use<> {
    let (local, domain) = match address.find('@') {
        Some(at) => address.split_at(at),
        None => (address, ""),
    };
    let (local, domain) = (local.to_owned(), domain.to_owned());
    view! { <span class="sub email">{local}<wbr/>{domain}</span> }
}

#[cfg(test)]
mod tests {
    use super::{
        LastShown, active_filters, connection_filter, history_path_for, keep_shown, looked_up,
        newer_than, not_understood, ordered_name, plus_restored, query_from, shown_before,
    };
    use models::api::{AuditEvent, AuditOutcome, AuditPhase, AuditQuery};

    fn event(id: i64) -> AuditEvent {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "at": "2026-11-25T21:48:39.979Z",
            "requestId": "r",
            "phase": "intent",
            "action": "sign_in",
            "prevHash": "",
            "hash": "",
        }))
        .expect("an event")
    }

    #[test]
    fn an_order_without_a_connection_is_named_by_the_name_its_intent_asked_for() {
        let mut intent = event(7);
        intent.action = models::api::AuditAction::CreateConnection;
        intent.request = Some(serde_json::json!({ "name": "CapRace1", "speedMbps": 100 }));
        let mut outcome = event(9);
        outcome.phase = AuditPhase::Outcome;
        outcome.action = intent.action;
        outcome.intent_id = Some(7);
        let read = vec![outcome.clone(), event(8), intent.clone()];
        assert_eq!(ordered_name(&intent, &read).as_deref(), Some("CapRace1"));
        assert_eq!(ordered_name(&outcome, &read).as_deref(), Some("CapRace1"));
        // Its intent not read (on a later page): nothing is guessed.
        assert_eq!(ordered_name(&outcome, &read[..2]), None);
        // One that made a connection is named by it; other actions by their connection alone.
        let mut made = outcome.clone();
        made.connection_id = Some("6650a1c2e4b0d7a3c1000000".into());
        assert_eq!(ordered_name(&made, &read), None);
        let mut other = intent.clone();
        other.action = models::api::AuditAction::DeleteConnection;
        assert_eq!(ordered_name(&other, &read), None);
    }

    #[test]
    fn a_zone_whose_plus_was_typed_unencoded_is_read_with_its_plus() {
        let q = query_from(&crate::route::Params::from_query(
            "?from=2026-12-07T14:03:00+13:00&to=2026-12-08T00:00:00%2B13:00",
        ));
        assert_eq!(q.from.as_deref(), Some("2026-12-07T14:03:00+13:00"));
        assert_eq!(q.to.as_deref(), Some("2026-12-08T00:00:00+13:00"));
        for other in [
            "2026-12-07",
            "soon later",
            "2026-12-07T14:03 1300",
            "a b:cd",
        ] {
            assert_eq!(plus_restored(other.to_owned()), other);
        }
    }

    #[test]
    fn the_filters_in_the_address_are_read_in_any_case() {
        let q = query_from(&crate::route::Params::from_query(
            "?outcome=FAILED&phase=Outcome&action=UPDATE_PEERING&peeringType=private",
        ));
        assert_eq!(q.outcome, Some(AuditOutcome::Failed));
        assert_eq!(q.phase, Some(AuditPhase::Outcome));
        assert_eq!(q.action, Some(models::api::AuditAction::UpdatePeering));
        assert_eq!(q.peering_type, Some(models::PeeringType::Private));
        let unknown = query_from(&crate::route::Params::from_query("?outcome=bogus"));
        assert_eq!(unknown.outcome, None);
    }

    #[test]
    fn a_filter_value_the_page_cannot_read_is_named_as_not_applied() {
        let params = crate::route::Params::from_query(
            "?action=bogus&outcome=FAILED&peeringType=+&phase=later&actor=ada&connection=x",
        );
        let any_time = |_: &str| true;
        assert_eq!(
            not_understood(&params, any_time),
            ["action=bogus", "phase=later"]
        );
        let fine = crate::route::Params::from_query(
            "?action=sign_in&outcome=&connection=&actor=&peeringType=PRIVATE&phase=intent\
             &from=2026-11-01&to=2026-12-01",
        );
        assert!(not_understood(&fine, any_time).is_empty());
        // A bound that is no time (as the browser reads times) is not applied either.
        let times = crate::route::Params::from_query("?from=x&to=2026-12-01&outcome=failed");
        assert_eq!(
            not_understood(&times, |t| t.starts_with("2026")),
            ["from=x"]
        );
        // Paging and names that are no filter, kept by a bookmark or misspelt by hand.
        let odd = crate::route::Params::from_query("?before=9&outcomes=failed&limit=5&x&=y");
        assert_eq!(
            not_understood(&odd, any_time),
            ["before=9", "outcomes=failed", "limit=5", "x"]
        );
    }

    #[test]
    fn the_history_shown_last_comes_back_only_to_its_user_in_its_company_with_its_filters() {
        let acme = Some(("ada".to_owned(), Some("acme".to_owned())));
        let failed = AuditQuery {
            outcome: Some(AuditOutcome::Failed),
            ..AuditQuery::default()
        };
        keep_shown(LastShown {
            whose: acme.clone(),
            query: failed.clone(),
            events: vec![event(9), event(7)],
            cursor: Some(7),
        });
        let (events, cursor) = shown_before(&acme, &failed);
        assert_eq!(events.iter().map(|e| e.id).collect::<Vec<_>>(), [9, 7]);
        assert_eq!(cursor, Some(7));
        // The way back from an event keeps the filters, for the same user in the same company.
        assert_eq!(history_path_for(&acme), "/audit?outcome=failed");
        assert_eq!(
            history_path_for(&Some(("linus".to_owned(), Some("acme".to_owned())))),
            "/audit"
        );
        // Another company's history, another user's, or other filters, start from their first
        // page.
        for (whose, query) in [
            (
                Some(("ada".to_owned(), Some("globex".to_owned()))),
                failed.clone(),
            ),
            (Some(("ada".to_owned(), None)), failed.clone()),
            (
                Some(("linus".to_owned(), Some("acme".to_owned()))),
                failed.clone(),
            ),
            (None, failed.clone()),
            (acme.clone(), AuditQuery::default()),
        ] {
            let (events, cursor) = shown_before(&whose, &query);
            assert!(events.is_empty() && cursor.is_none(), "{whose:?} {query:?}");
        }
        // Only the last one shown is kept.
        keep_shown(LastShown {
            whose: acme.clone(),
            query: AuditQuery::default(),
            events: vec![event(12)],
            cursor: None,
        });
        assert!(shown_before(&acme, &failed).0.is_empty());
        assert_eq!(shown_before(&acme, &AuditQuery::default()).0.len(), 1);
    }

    #[test]
    fn the_fold_counts_each_filter_the_address_sets() {
        assert_eq!(active_filters(&AuditQuery::default()), 0);
        let q = AuditQuery {
            actor: Some("ada@example.com".into()),
            outcome: Some(AuditOutcome::Failed),
            phase: Some(AuditPhase::Outcome),
            from: Some("2026-11-01T00:00:00Z".into()),
            before: Some(40),
            limit: Some(10),
            ..AuditQuery::default()
        };
        // Paging is not a filter.
        assert_eq!(active_filters(&q), 4);
    }

    #[test]
    fn a_connection_is_filtered_by_its_id_or_its_name() {
        let id = "5f1e0a0b0c0d0e0f10111213";
        let known = [
            (id.to_owned(), "Azure London DR".to_owned()),
            ("5f1e0a0b0c0d0e0f10111214".to_owned(), "Twin".to_owned()),
            ("5f1e0a0b0c0d0e0f10111215".to_owned(), "twin ".to_owned()),
        ];
        assert_eq!(connection_filter("  ", &known, &[]), Ok(None));
        // A name looked up before (or without) the company's list is not said to be no one's.
        let unlisted = looked_up(connection_filter("Azure London DR", &[], &[]), false);
        assert!(
            unlisted
                .unwrap_err()
                .starts_with("The company's connections have not been read"),
        );
        assert_eq!(
            looked_up(connection_filter(id, &[], &[]), false),
            Ok(Some(id.to_owned()))
        );
        assert_eq!(looked_up(Ok(None), false), Ok(None));
        // An id, known or not (a deleted connection's), and in capitals too.
        assert_eq!(connection_filter(id, &[], &[]), Ok(Some(id.to_owned())));
        assert_eq!(
            connection_filter(&format!(" {} ", id.to_uppercase()), &known, &[]),
            Ok(Some(id.to_owned()))
        );
        // A name, in any case, stands for its connection's id.
        assert_eq!(
            connection_filter(" azure london dr", &known, &[]),
            Ok(Some(id.to_owned()))
        );
        let unknown = connection_filter("Azure Paris", &known, &[]).unwrap_err();
        assert!(unknown.contains("\u{201c}Azure Paris\u{201d}"), "{unknown}");
        assert!(unknown.contains("0-9 and a-f"), "{unknown}");
        let twice = connection_filter("TWIN", &known, &[]).unwrap_err();
        assert!(twice.starts_with("2 connections are named"), "{twice}");
        // Part of one name alone, as the connections list finds it, stands for it too; part of
        // several names is said with them.
        assert_eq!(
            connection_filter("london", &known, &[]),
            Ok(Some(id.to_owned()))
        );
        // Without its accents too, as the connections list finds it.
        let zurich = [(
            "5f1e0a0b0c0d0e0f10111216".to_owned(),
            "Z\u{fc}rich Edge".to_owned(),
        )];
        assert_eq!(
            connection_filter("zurich", &zurich, &[]),
            Ok(Some(zurich[0].0.clone()))
        );
        let part = connection_filter("w", &known, &[]).unwrap_err();
        assert!(
            part.starts_with("2 connections' names hold \u{201c}w\u{201d} (Twin, twin ):"),
            "{part}"
        );
        // Part of an id is not an id.
        assert!(connection_filter(&id[..20], &known, &[]).is_err());
    }

    #[test]
    fn a_legs_id_stands_for_its_connection() {
        let parent = "5f1e0a0b0c0d0e0f10111213";
        let primary = "5f1e0a0b0c0d0e0f10111220";
        let secondary = "5f1e0a0b0c0d0e0f10111221";
        let view = |id: &str, legs: &[&str]| models::api::ConnectionView {
            id: id.to_owned(),
            name: "Azure London DR".to_owned(),
            speed_mbps: Some(1000),
            status: models::ConnectionStatus::Active,
            provisioning_status: None,
            service_key_masked: None,
            legs: legs
                .iter()
                .map(|l| models::api::LegView {
                    id: (*l).to_owned(),
                    name: format!("Azure London DR {l}"),
                    role: models::api::LegRole::Primary,
                    status: models::ConnectionStatus::Active,
                    src_port_id: None,
                    dest_port_id: None,
                })
                .collect(),
            peerings: vec![],
            created_at: None,
            updated_at: None,
            error_reason: None,
            payment_type: None,
            class_of_service: None,
            base: String::new(),
        };
        let legs = crate::components::names::leg_parents(&[
            view(parent, &[primary, secondary]),
            view("5f1e0a0b0c0d0e0f10111214", &[]),
        ]);
        assert_eq!(
            legs,
            [
                (primary.to_owned(), parent.to_owned()),
                (secondary.to_owned(), parent.to_owned())
            ]
        );
        for leg in [primary, secondary] {
            assert_eq!(
                connection_filter(&leg.to_uppercase(), &[], &legs),
                Ok(Some(parent.to_owned()))
            );
        }
        // Any other id is taken as it is.
        assert_eq!(
            connection_filter(parent, &[], &legs),
            Ok(Some(parent.to_owned()))
        );
        let other = "5f1e0a0b0c0d0e0f10111299";
        assert_eq!(
            connection_filter(other, &[], &legs),
            Ok(Some(other.to_owned()))
        );
    }

    #[test]
    fn a_page_read_again_adds_only_the_events_newer_than_those_shown() {
        let id = |e: &i64| *e;
        assert_eq!(
            newer_than(vec![12, 11, 10, 9], Some(10), id),
            Ok(vec![12, 11])
        );
        assert_eq!(newer_than(vec![10, 9, 8], Some(10), id), Ok(vec![]));
        // Nothing shown yet, or a whole page of new events: the page replaces what is shown.
        assert_eq!(newer_than(vec![3, 2, 1], None, id), Err(vec![3, 2, 1]));
        assert_eq!(newer_than(vec![30, 29], Some(10), id), Err(vec![30, 29]));
    }
}
