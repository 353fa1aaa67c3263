//! Names for the ids Console Connect answers with: a connection's legs name their source ports
//! and the audit history names connections only by id. A page reads the company's ports or
//! connections once and shows each id with its name; an id it cannot name (another company's,
//! or while the list loads or if it cannot be read) is shown as it is, never hidden.

use crate::api;
use leptos::prelude::*;

/// (id, name) pairs, empty until (and unless) the list is read. A company has tens of ports
/// and connections, not thousands: a list is searched quickly enough, and costs the browser
/// app less code than a map.
pub type Names = ReadSignal<Vec<(String, String)>>;

/// The name of `id` in `names`, if it is there.
pub fn name_of(names: &[(String, String)], id: &str) -> Option<String> {
    names.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone())
}

fn names_of<T: Clone + 'static, E: Clone + 'static>(
    list: crate::shared::Fetch<Result<Vec<T>, E>>,
    pair: fn(T) -> (String, String),
) -> Names {
    let names = RwSignal::new(Vec::new());
    crate::shared::effect(move || {
        if let Some(Ok(items)) = list.get() {
            names.set(items.into_iter().map(pair).collect());
        }
    });
    names.read_only()
}

/// The selected company's ports by id. Call once per page: it reads the list when called.
pub fn ports() -> Names {
    names_of(crate::shared::resource(|| api::list_ports(None)), |p| {
        (p.id, p.name)
    })
}

/// The selected company's connections (deleted ones included) by id. Call once per page.
pub fn connections() -> Names {
    names_of(crate::shared::resource(api::list_connections), |c| {
        (c.id, c.name)
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
        {move || name().map(|n| view! { <span class="name">{n}</span> })}
        <code class="id">{id}</code>
    }
}
