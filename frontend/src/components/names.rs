//! Names for the ids Console Connect answers with: a connection's legs name their source ports
//! and the audit history names connections only by id. A page reads the company's ports or
//! connections once and shows each id with its name; an id it cannot name (another company's,
//! or while the list loads or if it cannot be read) is shown as it is, never hidden.

use crate::api;
use leptos::prelude::*;
use models::ConnectionStatus;

/// (id, name) pairs, empty until (and unless) the list is read. A company has tens of ports
/// and connections, not thousands: a list is searched quickly enough, and costs the browser
/// app less code than a map.
pub type Names = ReadSignal<Vec<(String, String)>>;

/// The name of `id` in `names`, if it is there.
pub fn name_of(names: &[(String, String)], id: &str) -> Option<String> {
    names.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone())
}

pub use models::validate::is_same_name;

/// `name` as the pages show it, in small letters: what a name typed to find it is compared as.
pub fn seen_lower(name: &str) -> String {
    models::validate::as_seen(name).to_lowercase()
}

/// The one of `names` that is `name` (see [`is_same_name`]), as it is written there.
pub fn same_name(names: &[(String, String)], name: &str) -> Option<String> {
    if seen_lower(name).is_empty() {
        return None;
    }
    names
        .iter()
        .find(|(_, n)| is_same_name(n, name))
        .map(|(_, n)| n.trim().to_owned())
}

/// How long a list that could not be read waits before it is read again.
const READ_AGAIN: std::time::Duration = std::time::Duration::from_secs(5);

fn names_of<T: Clone + 'static>(
    list: crate::shared::Fetch<Result<Vec<T>, models::ApiError>>,
    pair: fn(T) -> Option<(String, String)>,
) -> Names {
    let names = RwSignal::new(Vec::new());
    crate::shared::effect(move || match list.get() {
        Some(Ok(items)) => names.set(items.into_iter().filter_map(pair).collect()),
        // Not read for a reason that may pass (the network, the portal or Console Connect
        // away): read again a little later, so the page that came back names its ids too.
        Some(Err(e)) if e.may_pass_on_retry() => {
            if let Ok(handle) = set_timeout_with_handle(move || list.refetch(), READ_AGAIN) {
                on_cleanup(move || handle.clear());
            }
        }
        _ => {}
    });
    names.read_only()
}

/// The selected company's ports by id. Call once per page: it reads the list when called.
pub fn ports() -> Names {
    names_of(crate::shared::resource(|| api::list_ports(None)), |p| {
        Some((p.id, p.name))
    })
}

/// The selected company's connections (deleted ones included) by id. Call once per page.
pub fn connections() -> Names {
    connections_with_legs().0
}

/// The selected company's connections (deleted ones included) by id, and the ids of their
/// legs, each with its connection's id (leg id, parent id). Call once per page.
pub fn connections_with_legs() -> (Names, Names) {
    let (connections, legs, _) = connections_listed();
    (connections, legs)
}

/// As [`connections_with_legs`], with whether the list has been read (a company may have no
/// connections at all).
pub fn connections_listed() -> (Names, Names, ReadSignal<bool>) {
    let list = crate::shared::resource(api::list_connections);
    let legs = RwSignal::new(Vec::new());
    let read = RwSignal::new(false);
    crate::shared::effect(move || {
        if let Some(Ok(connections)) = list.get() {
            legs.set(leg_parents(&connections));
            read.set(true);
        }
    });
    (
        names_of(list, |c| Some((c.id, c.name))),
        legs.read_only(),
        read.read_only(),
    )
}

/// (leg id, parent id) for each leg of these connections.
pub fn leg_parents(connections: &[models::api::ConnectionView]) -> Vec<(String, String)> {
    connections
        .iter()
        .flat_map(|c| c.legs.iter().map(|l| (l.id.clone(), c.id.clone())))
        .collect()
}

/// The selected company's connections that are not deleted, by id. Call once per page.
pub fn live_connections() -> Names {
    names_of(crate::shared::resource(api::list_connections), |c| {
        (c.status != ConnectionStatus::Deleted).then_some((c.id, c.name))
    })
}

/// An id with its name above it when the name is known.
#[component]
pub fn Named(id: String, names: Names) -> impl IntoView {
    let name = {
        let id = id.clone();
        move || names.with(|n| name_of(n, &id))
    };
    view! {
        // Apart by a space, which a screen reader reads too.
        {move || name().map(|n| view! { <span class="name">{n}</span> " " })}
        <code class="id">{id}</code>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_the_same_in_any_case_and_spacing_but_not_when_empty() {
        let names = vec![
            ("a".to_owned(), "Azure London Production".to_owned()),
            ("b".to_owned(), " Dallas ".to_owned()),
        ];
        let same = |name: &str| same_name(&names, name);
        assert_eq!(
            same("azure LONDON production ").as_deref(),
            Some("Azure London Production")
        );
        assert_eq!(same("dallas").as_deref(), Some("Dallas"));
        assert_eq!(same("Azure London"), None);
        assert_eq!(same("  "), None);
        // Spaces between words count as the pages show them: one.
        assert_eq!(
            same("Azure  London\u{200b} Production").as_deref(),
            Some("Azure London Production")
        );
        assert_eq!(same("\u{200b}"), None);
        assert_eq!(same_name(&[], "Dallas"), None);
    }
}
