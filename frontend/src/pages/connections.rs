//! `/connections`, the home page: the company's Azure connections with both legs and their
//! peerings, filtered by name and status and sorted (the filters and the order kept in the
//! address), refreshed while any of them is moving.

use crate::api;
use crate::components::details::role_label;
use crate::components::feedback::{Empty, LoadError, Loading, NotUnderstood, RefreshError, Retry};
use crate::components::field::Choice;
use crate::components::status::{Status, connection_status, provisioning_status};
use crate::format;
use crate::nav;
use crate::poll::Poll;
use crate::route::{NavigateOptions, Params, use_navigate, use_query_map};
use crate::session::Auth;
use leptos::prelude::*;
use models::api::{ConnectionView, LegRole};
use models::{ConnectionStatus, ProvisioningStatus, validate};
use std::cmp::Ordering;

fn leg_cell(c: &ConnectionView, role: LegRole) -> AnyView {
    match c.legs.iter().find(|l| l.role == role) {
        Some(l) => view! {
            <span class="leg" title=l.name.clone()>
                {connection_status(&l.status)}
            </span>
        }
        .into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

fn peerings_cell(c: &ConnectionView) -> AnyView {
    if c.peerings.is_empty() {
        return view! { <span class="muted">"None"</span> }.into_any();
    }
    // What Console Connect still lists of a deleted connection's peerings carries no traffic.
    if c.status == ConnectionStatus::Deleted {
        return view! { <span class="muted">"Removed with it"</span> }.into_any();
    }
    view! {
        <ul class="badges">
            {c
                .peerings
                .iter()
                .map(|p| {
                    let label = format!("{}: {}", p.peering_type.label(), p.sync_status.label());
                    view! {
                        <li data-peering=p.peering_type.as_wire()>
                            <Status wire=p.sync_status.as_wire().to_owned() label=label/>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

fn row(c: ConnectionView) -> impl IntoView {
    let href = format!("/connections/{}", c.id);
    // The progress page follows the order and Azure's provisioning after it.
    let provisioning = c
        .provisioning_status
        .as_ref()
        .is_some_and(ProvisioningStatus::is_transitional);
    let progress = (c.status.is_transitional() || (provisioning && !c.status.is_gone()))
        .then(|| format!("/connections/{}/progress", c.id));
    let (id, name) = (c.id.clone(), c.name.clone());
    // Named for a screen reader's list of links, where several rows' would read alike.
    let progress_label = format!("Progress of {name}");
    view! {
        <tr data-connection=id data-test="connection-row">
            <th scope="row" data-label="Name">
                <a href=href>{name}</a>
                {progress.map(|p| view! { <a href=p class="small-link" aria-label=progress_label>"progress"</a> })}
            </th>
            <td data-label="Speed">{format::optional_speed(c.speed_mbps)}</td>
            <td data-label="Status">{connection_status(&c.status)}</td>
            <td data-label="Azure">{provisioning_status(c.provisioning_status.as_ref())}</td>
            <td data-label=role_label(LegRole::Primary)>{leg_cell(&c, LegRole::Primary)}</td>
            <td data-label=role_label(LegRole::Secondary)>{leg_cell(&c, LegRole::Secondary)}</td>
            <td data-label="Peerings">{peerings_cell(&c)}</td>
        </tr>
    }
}

/// The orders the list can be shown in: the address's `sort` value and how the chooser names
/// it. The first, the portal's own order, is the one without a `sort` in the address.
const SORTS: [(&str, &str); 6] = [
    ("", "Newest first"),
    ("oldest", "Oldest first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("speed", "Fastest first"),
    ("status", "Status"),
];

/// An address's value for a chooser: the choice it names, in any case (as typed into an
/// address by hand), else `""`, the chooser's first choice (so an old or edited address shows
/// what the chooser says, and the page says it did not understand it).
fn offered<'a>(value: &str, mut choices: impl Iterator<Item = &'a str>) -> String {
    let value = value.trim();
    choices
        .find(|c| c.eq_ignore_ascii_case(value))
        .unwrap_or_default()
        .to_owned()
}

/// The statuses the status chooser offers, as the address gives them.
fn statuses() -> impl Iterator<Item = &'static str> {
    ConnectionStatus::KNOWN
        .iter()
        .map(ConnectionStatus::as_wire)
}

/// Whether the address's `deleted` value asks for the deleted connections.
fn deleted_asked(value: &str) -> bool {
    value.trim() == "1"
}

/// The values in the address the list's filters do not offer, as `name=value`, then the
/// parameters that are none of its filters: they are not applied, and the page says so.
fn not_understood(params: &Params) -> Vec<String> {
    let given = |name: &'static str| {
        Some((name, params.get(name).unwrap_or_default().trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
    };
    [
        given("status").filter(|(_, v)| offered(v, statuses()).is_empty()),
        given("sort").filter(|(_, v)| offered(v, SORTS.iter().map(|(v, _)| *v)).is_empty()),
        given("deleted").filter(|(_, v)| !deleted_asked(v) && v != "0"),
    ]
    .into_iter()
    .flatten()
    .map(|(name, value)| format!("{name}={value}"))
    .chain(params.unknown(&["name", "status", "sort", "deleted"]))
    .collect()
}

/// Puts `rows`, which come newest first, in the order `by` (a value of [`SORTS`]) names; rows
/// that compare equal, and every row for an order it does not know, keep their order.
fn sort_connections(rows: &mut [ConnectionView], by: &str) {
    // One comparison function type, so that the page carries one copy of the sort.
    let order: fn(&ConnectionView, &ConnectionView) -> Ordering = match by {
        "oldest" => {
            rows.reverse();
            return;
        }
        "name" => |a, b| validate::name_order(&a.name, &b.name),
        "-name" => |a, b| validate::name_order(&b.name, &a.name),
        // Unknown speeds (`None`, below every speed) last.
        "speed" => |a, b| b.speed_mbps.cmp(&a.speed_mbps),
        // Along the lifecycle: being made, working, going, gone, then what went wrong.
        "status" => |a, b| status_rank(&a.status).cmp(&status_rank(&b.status)),
        _ => return,
    };
    rows.sort_by(order);
}

/// Where a status comes in [`ConnectionStatus::KNOWN`]; one it does not know after them.
fn status_rank(status: &ConnectionStatus) -> usize {
    ConnectionStatus::KNOWN
        .iter()
        .position(|k| k == status)
        .unwrap_or(ConnectionStatus::KNOWN.len())
}

/// The list's filters and order, as the address gives them.
#[derive(Clone, Copy)]
struct Filters {
    name: Memo<String>,
    status: Memo<String>,
    deleted: Memo<bool>,
    sort: Memo<String>,
}

impl Filters {
    /// The connections of `all` the filters let through, in the order chosen.
    fn apply(&self, all: &[ConnectionView]) -> Vec<ConnectionView> {
        let deleted = self.shows_deleted();
        let mut rows: Vec<ConnectionView> = self
            .matching(all)
            .filter(|c| deleted || c.status != ConnectionStatus::Deleted)
            .cloned()
            .collect();
        self.sort.with(|by| sort_connections(&mut rows, by));
        rows
    }

    /// How many of `all` match the name and status but are left out for being deleted.
    fn deleted_hidden(&self, all: &[ConnectionView]) -> usize {
        if untrack(|| self.shows_deleted()) {
            return 0;
        }
        self.matching(all)
            .filter(|c| c.status == ConnectionStatus::Deleted)
            .count()
    }

    /// Whether deleted connections are shown: when asked to, or when they are the status
    /// chosen.
    fn shows_deleted(&self) -> bool {
        self.deleted.get() || self.status.get() == ConnectionStatus::Deleted.as_wire()
    }

    /// The connections of `all` with the name and status asked for, deleted or not.
    fn matching<'a>(&self, all: &'a [ConnectionView]) -> impl Iterator<Item = &'a ConnectionView> {
        // Whatever the case and accents, as the list is sorted: `zurich` finds `Zürich Edge`.
        let needle = validate::name_folded(&self.name.get());
        let status = self.status.get();
        all.iter()
            .filter(move |c| needle.is_empty() || validate::name_folded(&c.name).contains(&needle))
            .filter(move |c| status.is_empty() || c.status.as_wire() == status)
    }
}

/// What this tab followed of another tab's: said once on the list it goes to, or on the list
/// already shown.
enum Followed {
    /// The company it was in, the one chosen, and whether a wizard of the first was left
    /// unfinished on this tab.
    Company {
        was: String,
        now: String,
        wizard_left: bool,
    },
    /// Another user signed in, by name.
    User(String),
    /// A company chosen in this tab's header left a wizard of company `was` unfinished.
    WizardLeft { was: String },
}

thread_local! {
    /// What was followed, for the list that opens next.
    static FOLLOWED: std::cell::RefCell<Option<Followed>> =
        const { std::cell::RefCell::new(None) };
    /// The notice of the list on screen, if one is: it is not opened again to say it.
    static SHOWN: std::cell::Cell<Option<RwSignal<Option<Followed>, LocalStorage>>> =
        const { std::cell::Cell::new(None) };
}

/// Tells the list that this tab left company `was` for `now`, chosen in another tab, and
/// whether that left a wizard unfinished.
pub fn company_followed(was: String, now: String, wizard_left: bool) {
    tell(Followed::Company {
        was,
        now,
        wizard_left,
    });
}

/// A company was chosen in this tab: what the list said of an earlier choice (another tab's,
/// say) no longer holds, and is not said.
pub fn chosen_here() {
    FOLLOWED.set(None);
    if let Some(notice) = SHOWN.get() {
        notice.try_set(None);
    }
}

/// Tells the list that a company chosen in this tab left a wizard unfinished in `was`.
pub fn wizard_left(was: String) {
    tell(Followed::WizardLeft { was });
}

/// Tells the list that this tab now shows the session of `name`, signed in in another tab.
pub fn user_followed(name: String) {
    tell(Followed::User(name));
}

fn tell(followed: Followed) {
    let unshown = match SHOWN.get() {
        Some(notice) => notice.try_set(Some(followed)).flatten(),
        None => Some(followed),
    };
    if let Some(followed) = unshown {
        FOLLOWED.set(Some(followed));
    }
}

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    nav::title("Connections");
    let auth = Auth::get();
    let notice = RwSignal::new_local(FOLLOWED.take());
    SHOWN.set(Some(notice));
    on_cleanup(move || {
        if SHOWN.get() == Some(notice) {
            SHOWN.set(None);
        }
    });
    let followed = move || {
        notice.with(|followed| followed.as_ref().map(|followed| match followed {
        Followed::Company { was, now, wizard_left } => view! {
            <p class="notice" role="status" data-test="company-followed">
                {format!("{now} was chosen in another tab of this browser, so this tab shows it too.")}
                {wizard_left.then(|| format!(
                    " The wizard left unfinished in {was} is kept: it comes back when you choose {was} again and open it.",
                ))}
            </p>
        }
        .into_any(),
        Followed::WizardLeft { was } => view! {
            <p class="notice" role="status" data-test="wizard-left">
                {format!("The wizard left unfinished in {was} is kept: it comes back when you choose {was} again and open it.")}
            </p>
        }
        .into_any(),
        Followed::User(name) => view! {
            <p class="notice" role="status" data-test="user-followed">
                {format!(
                    "{name} signed in in another tab of this browser, so this tab shows their session too.",
                )}
            </p>
        }
        .into_any(),
    }))
    };

    // The filters live in the address, so going back to this page, or signing in again,
    // finds them as they were.
    let query = use_query_map();
    let raw = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let param = move |name: &'static str| Memo::new(move |_| raw(name));
    let (name_filter, deleted) = (param("name"), param("deleted"));
    // A status or an order the choosers do not offer reads as any status and the portal's own
    // order: the page shows what its choosers say.
    let status_filter = Memo::new(move |_| offered(&raw("status"), statuses()));
    let sort = Memo::new(move |_| offered(&raw("sort"), SORTS.iter().map(|(v, _)| *v)));
    let filters = Filters {
        name: name_filter,
        status: status_filter,
        deleted: Memo::new(move |_| deleted_asked(&deleted.get())),
        sort,
    };
    let ignored = Memo::new(move |_| query.with(not_understood));
    let navigate = use_navigate();
    let set_filter = move |name: &'static str, value: String| {
        let mut filters = [
            ("name", name_filter.get_untracked()),
            ("status", status_filter.get_untracked()),
            (
                "deleted",
                if filters.deleted.get_untracked() {
                    "1"
                } else {
                    ""
                }
                .to_owned(),
            ),
            ("sort", sort.get_untracked()),
        ];
        for (n, v) in filters.iter_mut() {
            if *n == name {
                *v = value.clone();
            }
        }
        let qs: Vec<String> = filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| format!("{n}={}", nav::encode(v)))
            .collect();
        let url = if qs.is_empty() {
            "/connections".to_owned()
        } else {
            format!("/connections?{}", qs.join("&"))
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
            },
        );
    };

    view! {
        {followed}
        <div class="page-head">
            <h1>"Connections"</h1>
            <a href="/create" class="button primary">
                "New connection"
            </a>
        </div>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-name">"Name contains"</label>
                <input
                    id="filter-name"
                    type="search"
                    prop:value=name_filter
                    on:input={
                        let set_filter = set_filter.clone();
                        move |ev| set_filter("name", event_target_value(&ev))
                    }
                />
            </div>
            <Choice
                id="filter-status"
                label="Status"
                any="Any status"
                value=status_filter
                on_change=Box::new({
                    let set_filter = set_filter.clone();
                    move |v| set_filter("status", v)
                })
                choices=ConnectionStatus::KNOWN.iter().map(|s| (s.as_wire(), s.label())).collect()
            />
            <Choice
                id="sort"
                label="Sort by"
                any=SORTS[0].1
                value=sort
                on_change=Box::new({
                    let set_filter = set_filter.clone();
                    move |v| set_filter("sort", v)
                })
                choices=SORTS[1..].to_vec()
            />
            <div class="field checkbox">
                <input
                    id="show-deleted"
                    type="checkbox"
                    // Deleted as the status chosen shows them whatever the box says.
                    prop:checked=move || filters.shows_deleted()
                    disabled=move || filters.status.get() == ConnectionStatus::Deleted.as_wire()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        set_filter("deleted", if on { "1" } else { "" }.to_owned())
                    }
                />
                <label for="show-deleted">"Show deleted"</label>
            </div>
        </form>
        {move || view! { <NotUnderstood ignored=ignored.get()/> }}
        // Each company's list is read by its own: what was last read of one company is never
        // shown once another is chosen.
        {move || {
            auth.company();
            view! { <CompanyConnections filters=filters/> }
        }}
    }
}

/// The selected company's connections. The table is redrawn only when the list changed, not
/// on every refresh; a refresh that failed leaves it as last read under its error, with a way
/// to read it again, and while a connection in it is moving the page goes on reading by itself
/// (and, more slowly, while none is and the tab is shown: a colleague's order appears).
#[component]
fn CompanyConnections(filters: Filters) -> impl IntoView {
    // A colleague's order appears in a console left open, as it does in a tab shown again.
    let poll = Poll::new().also_when_idle();
    let list = poll.resource(api::list_connections);
    let (shown, failed) = crate::shared::last_read(list);
    poll.while_busy(move || {
        crate::poll::still_moving(list, shown, |all: &Vec<ConnectionView>| {
            all.iter().any(ConnectionView::is_transitional)
        })
    });
    let loaded = Memo::new(move |_| shown.with(Option::is_some));
    let retry = Retry::poll(poll, list);
    // The table is drawn anew when the filter changes, which a screen reader does not announce:
    // what it now shows is said in a status that stays, and changes only when that does.
    let said =
        Memo::new(move |_| shown.with(|all| summary(all.as_deref().unwrap_or_default(), filters)));
    move || {
        if loaded.get() {
            view! {
                <RefreshError error=failed retry=retry/>
                <p class="visually-hidden" role="status" data-test="list-status">{said}</p>
                {move || shown.with(|all| table(all.as_deref().unwrap_or_default(), filters))}
            }
            .into_any()
        } else {
            match failed.get() {
                None => view! { <Loading label="Loading connections…"/> }.into_any(),
                Some(e) => view! { <LoadError error=e retry=retry/> }.into_any(),
            }
        }
    }
}

/// The table of the connections of `all` the filters let through, or why it is empty.
fn table(all: &[ConnectionView], filters: Filters) -> AnyView {
    if all.is_empty() {
        return view! {
            <Empty>
                <p>"There are no Azure ExpressRoute connections in this company yet."</p>
                <p>
                    <a href="/create">"Create your first connection"</a>
                    " (the wizard verifies its Azure service key), or "
                    <a href="/verify">"verify a service key"</a>
                    " on its own."
                </p>
            </Empty>
        }
        .into_any();
    }
    let rows = filters.apply(all);
    let said = summary(all, filters);
    if rows.is_empty() {
        return view! {
            <Empty>
                <p>{said}</p>
                <p>
                    <a href="/connections" data-test="clear-filters">"Clear the filters"</a>
                </p>
            </Empty>
        }
        .into_any();
    }
    view! {
        <table class="connections stack" data-test="connections">
            <caption class="visually-hidden">"Azure ExpressRoute connections"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Speed"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Azure"</th>
                    <th scope="col">"Primary"</th>
                    <th scope="col">"Secondary"</th>
                    <th scope="col">"Peerings"</th>
                </tr>
            </thead>
            <tbody>{rows.into_iter().map(row).collect_view()}</tbody>
        </table>
        // Read out by the status line above; not read a second time.
        <p class="muted table-note" aria-hidden="true">{said}</p>
    }
    .into_any()
}

/// What the list says of the connections of `all` it shows: how many, and how many the filter
/// hides (the deleted told of apart), or that there are none.
fn summary(all: &[ConnectionView], filters: Filters) -> String {
    if all.is_empty() {
        return "There are no Azure ExpressRoute connections in this company yet.".to_owned();
    }
    let rows = filters.apply(all).len();
    let deleted_hidden = filters.deleted_hidden(all);
    // Left out by the name or status asked for.
    let hidden = all.len() - rows - deleted_hidden;
    let deleted_note = match deleted_hidden {
        0 => String::new(),
        1 => " 1 deleted connection matches: it shows when \u{201c}Show deleted\u{201d} is ticked."
            .to_owned(),
        n => format!(
            " {n} deleted connections match: they show when \u{201c}Show deleted\u{201d} is ticked."
        ),
    };
    match (rows, hidden) {
        (0, 0) => format!("No connection to show.{deleted_note}"),
        (0, _) => format!("No connection matches the filter ({hidden} hidden).{deleted_note}"),
        (_, 0) => format!("{rows} shown.{deleted_note}"),
        _ => format!("{rows} shown, {hidden} hidden by the filter.{deleted_note}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn connection(name: &str, speed: Option<u64>, status: &str) -> ConnectionView {
        serde_json::from_value(json!({
            "id": name, "name": name, "speedMbps": speed, "status": status,
            "provisioningStatus": null, "serviceKeyMasked": null, "legs": [], "peerings": [],
            "createdAt": null, "updatedAt": null, "errorReason": null,
        }))
        .unwrap()
    }

    /// The filters of a name, a status and whether deleted connections show, in the portal's
    /// own order. Call inside an owner.
    fn filters(name: &'static str, status: &'static str, deleted: bool) -> Filters {
        Filters {
            name: Memo::new(move |_| name.to_owned()),
            status: Memo::new(move |_| status.to_owned()),
            deleted: Memo::new(move |_| deleted),
            sort: Memo::new(|_| String::new()),
        }
    }

    fn sorted(by: &str) -> Vec<String> {
        // As the portal lists them: newest first.
        let mut rows = vec![
            connection("beta", Some(200), "ACTIVE"),
            connection("Gamma", None, "SOMETHING_NEW"),
            connection("alpha", Some(1000), "ERROR"),
            connection("Delta", Some(200), "CREATING"),
            connection("epsilon", Some(50), "ACTIVE"),
        ];
        sort_connections(&mut rows, by);
        rows.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn a_deleted_connection_is_counted_as_hidden_only_when_it_matches_the_rest() {
        Owner::new().with(|| {
            let all = [
                connection("London A", Some(200), "ACTIVE"),
                connection("London B", Some(200), "DELETED"),
                connection("Paris", Some(200), "DELETED"),
            ];
            let named = |name: &'static str, deleted: bool| filters(name, "", deleted);
            let of_status = |status: &'static str| filters("", status, false);
            let shown = |f: &Filters| {
                f.apply(&all)
                    .into_iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
            };
            let london = named("london", false);
            assert_eq!(shown(&london), ["London A"]);
            // Deleted, the status chosen, shows the deleted without ticking "Show deleted".
            let gone = of_status("DELETED");
            assert_eq!(shown(&gone), ["London B", "Paris"]);
            assert_eq!(gone.deleted_hidden(&all), 0);
            assert_eq!(summary(&all, gone), "2 shown, 1 hidden by the filter.");
            assert_eq!(shown(&of_status("ACTIVE")), ["London A"]);
            assert_eq!(london.deleted_hidden(&all), 1, "London B, not Paris");
            assert_eq!(named("tokyo", false).deleted_hidden(&all), 0);
            let everything = named("", true);
            assert_eq!(shown(&everything).len(), 3);
            assert_eq!(everything.deleted_hidden(&all), 0, "none is left out");

            // What the list says: the deleted left out are not counted as shown.
            let note = "1 deleted connection matches: it shows when \u{201c}Show deleted\u{201d} is ticked.";
            assert_eq!(
                summary(&all, london),
                format!("1 shown, 1 hidden by the filter. {note}")
            );
            assert_eq!(
                summary(&all, named("", false)),
                "1 shown. 2 deleted connections match: they show when \u{201c}Show deleted\u{201d} is ticked."
            );
            assert_eq!(summary(&all, everything), "3 shown.");
            assert_eq!(
                summary(&all, named("paris", true)),
                "1 shown, 2 hidden by the filter."
            );
            assert_eq!(
                summary(&all, named("tokyo", true)),
                "No connection matches the filter (3 hidden)."
            );
            assert_eq!(
                summary(&all, named("paris", false)),
                format!("No connection matches the filter (2 hidden). {note}")
            );
            assert_eq!(
                summary(&[], everything),
                "There are no Azure ExpressRoute connections in this company yet."
            );
        });
    }

    #[test]
    fn each_order_of_the_chooser_sorts_the_list() {
        // Names whatever their case; equal speeds and statuses keep the newest first.
        let expected = [
            ("", ["beta", "Gamma", "alpha", "Delta", "epsilon"]),
            ("oldest", ["epsilon", "Delta", "alpha", "Gamma", "beta"]),
            ("name", ["alpha", "beta", "Delta", "epsilon", "Gamma"]),
            ("-name", ["Gamma", "epsilon", "Delta", "beta", "alpha"]),
            ("speed", ["alpha", "beta", "Delta", "epsilon", "Gamma"]),
            ("status", ["Delta", "beta", "epsilon", "alpha", "Gamma"]),
        ];
        for (by, names) in expected {
            assert_eq!(sorted(by), names, "sorted by {by:?}");
        }
        // An order the chooser does not offer (an old or edited address) leaves the list as is.
        assert_eq!(sorted("size"), sorted(""));
    }

    #[test]
    fn an_address_s_order_or_status_is_read_in_any_case_and_an_unknown_one_as_the_first() {
        let sorts = || SORTS.iter().map(|(v, _)| *v);
        for value in sorts() {
            assert_eq!(offered(value, sorts()), value);
        }
        assert_eq!(offered("NAME", sorts()), "name");
        assert_eq!(offered(" -Name ", sorts()), "-name");
        for odd in ["size", "-speed", "oldest&x=1"] {
            assert_eq!(offered(odd, sorts()), "", "{odd}");
        }
        assert_eq!(offered("ACTIVE", statuses()), "ACTIVE");
        assert_eq!(offered("deleted", statuses()), "DELETED");
        assert_eq!(offered("bogus", statuses()), "");
    }

    #[test]
    fn values_in_the_address_the_filters_do_not_offer_are_named_as_not_applied() {
        let address =
            |query: &'static str| not_understood(&crate::route::Params::from_query(query));
        assert_eq!(
            address("?status=bogus&sort=size&deleted=maybe&name=x"),
            ["status=bogus", "sort=size", "deleted=maybe"]
        );
        assert_eq!(
            address("?state=ACTIVE&name=x&page=2"),
            ["state=ACTIVE", "page=2"]
        );
        assert!(address("?status=active&sort=NAME&deleted=1").is_empty());
        assert!(address("?deleted=0&status=&sort=").is_empty());
        assert!(deleted_asked(" 1") && !deleted_asked("true") && !deleted_asked(""));
    }

    #[test]
    fn the_name_filter_reads_spaces_as_the_list_shows_them() {
        Owner::new().with(|| {
            let all = [
                connection("Trail  Name \u{2713}", Some(200), "ACTIVE"),
                connection("Trailhead", Some(200), "ACTIVE"),
            ];
            let named = |name: &'static str| filters(name, "", false).apply(&all).len();
            assert_eq!(named("trail name"), 1);
            assert_eq!(named(" Trail Name \u{2713} "), 1);
            assert_eq!(named("trail"), 2);
            assert_eq!(named("trail  head"), 0);
        });
    }

    #[test]
    fn the_chooser_offers_each_order_once_and_the_portal_s_own_first() {
        assert_eq!(SORTS[0].0, "");
        for (i, (value, label)) in SORTS.iter().enumerate() {
            assert!(!label.is_empty());
            assert!(
                SORTS[i + 1..].iter().all(|(v, _)| v != value),
                "{value} twice"
            );
        }
    }
}
