//! The app's addresses: which screen a path shows and with which parameters, the query string
//! as a map, and moving between pages with the History API. A click on a link to one of the
//! app's own pages is handled in place; downloads, the API, other hosts, new tabs and links
//! with a modifier key are left to the browser.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// The screens the app has; [`recognise`] says which one a path shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `/`, which becomes `/connections`.
    Home,
    SignIn,
    Connections,
    Connection,
    Progress,
    DeleteConnection,
    Peering,
    DeletePeering,
    Verify,
    Create,
    Audit,
    AuditEvent,
    NotFound,
}

impl Screen {
    /// Whether the screen is shown inside the signed-in frame (header, session checks): every
    /// one but the sign-in page, and an unknown address unless nobody is signed in.
    pub fn in_shell(self, signed_out: bool) -> bool {
        match self {
            Screen::SignIn => false,
            Screen::NotFound => !signed_out,
            _ => true,
        }
    }
}

/// Named values from a path (`id`, `type`) or a query string, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// The parameters whose name is none of `known`, as `name=value` (or `name` alone when
    /// it has no value), in the order given: a page that reads only `known` says it did not
    /// apply these.
    pub fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(name, _)| !name.trim().is_empty() && !known.contains(&name.as_str()))
            .map(|(name, value)| match value.trim() {
                "" => name.clone(),
                value => format!("{name}={value}"),
            })
            .collect()
    }

    /// A query string (`?` optional) as `application/x-www-form-urlencoded` reads it.
    pub fn from_query(search: &str) -> Params {
        let search = search.strip_prefix('?').unwrap_or(search);
        Params(
            search
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(name, true), decode(value, true))
                })
                .collect(),
        )
    }
}

/// Percent-decoding; `+` is a space in a query. Bytes that are not UTF-8 become U+FFFD.
fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let hex = |at: usize| char::from(*bytes.get(at)?).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let escaped = if b == b'%' {
            hex(i + 1).zip(hex(i + 2)).map(|(hi, lo)| hi * 16 + lo)
        } else {
            None
        };
        match escaped {
            Some(value) => {
                out.push(value as u8);
                i += 3;
            }
            None => {
                out.push(if plus_is_space && b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The screen a path shows, with its path parameters. A trailing `/` is ignored.
pub fn recognise(path: &str) -> (Screen, Params) {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<String> = trimmed
        .strip_prefix('/')
        .map(|rest| rest.split('/').map(|s| decode(s, false)).collect())
        .unwrap_or_default();
    let param = |pairs: &[(&str, &String)]| {
        Params(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).clone()))
                .collect(),
        )
    };
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let plain = |screen| (screen, Params::default());
    match s.as_slice() {
        [] | ["index.html"] => plain(Screen::Home),
        ["sign-in"] => plain(Screen::SignIn),
        ["connections"] => plain(Screen::Connections),
        ["verify"] => plain(Screen::Verify),
        ["create"] => plain(Screen::Create),
        ["audit"] => plain(Screen::Audit),
        ["audit", _] => (Screen::AuditEvent, param(&[("id", &segments[1])])),
        ["connections", _, rest @ ..] => {
            let id = &connection_id(&segments[1]);
            match rest {
                [] => (Screen::Connection, param(&[("id", id)])),
                ["progress"] => (Screen::Progress, param(&[("id", id)])),
                ["delete"] => (Screen::DeleteConnection, param(&[("id", id)])),
                // A peering of no type there is is no page: said so signed out too.
                ["peering", t] if peering_type(t) => (
                    Screen::Peering,
                    param(&[("id", id), ("type", &segments[3])]),
                ),
                ["peering", t, "delete"] if peering_type(t) => (
                    Screen::DeletePeering,
                    param(&[("id", id), ("type", &segments[3])]),
                ),
                _ => plain(Screen::NotFound),
            }
        }
        _ => plain(Screen::NotFound),
    }
}

/// A connection id as the address gives it: one of 24 hex digits in any case is read as the
/// lower-case id it is (as the audit page reads one); anything else as written, for the page
/// to say there is no such connection.
fn connection_id(segment: &str) -> String {
    if segment.len() == 24 && segment.bytes().all(|b| b.is_ascii_hexdigit()) {
        segment.to_ascii_lowercase()
    } else {
        segment.to_owned()
    }
}

/// Whether a link's `href` is one of the app's pages, to be shown without reloading: a path on
/// this host (one leading `/`, not `//` or `/\`) outside the API.
pub fn is_page_link(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && !href.starts_with("/\\")
        && href != "/api"
        && !href.starts_with("/api/")
        && !href.starts_with("/api?")
}

/// How [`Navigate`] moves: adding a history entry or replacing the current one, and whether
/// the new page starts at the top.
#[derive(Debug, Clone, Copy)]
pub struct NavigateOptions {
    pub replace: bool,
    pub scroll: bool,
}

impl Default for NavigateOptions {
    fn default() -> Self {
        NavigateOptions {
            replace: false,
            scroll: true,
        }
    }
}

/// Where the browser is: path and query string, changed together.
#[derive(Clone, Copy)]
struct Location(RwSignal<(String, String)>);

impl Location {
    fn read() -> (String, String) {
        let location = window().location();
        (
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default(),
        )
    }

    /// Takes in the browser's address, first turning `/` (or the page's own file name,
    /// `/index.html`) into `/connections`.
    fn sync(self) {
        let (path, search) = Location::read();
        if path == "/" || path == "/index.html" {
            self.go(
                &format!("/connections{search}"),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                },
            );
            return;
        }
        let (new_page, changed) = self
            .0
            .with_untracked(|(p, s)| (*p != path, *p != path || *s != search));
        if changed {
            self.0.set((path, search));
        }
        if new_page {
            focus_main();
        }
    }

    fn go(self, href: &str, options: NavigateOptions) {
        let Ok(history) = window().history() else {
            let _ = window().location().set_href(href);
            return;
        };
        let (path, search) = Location::read();
        let same = format!("{path}{search}") == href;
        let done = if options.replace || same {
            history.replace_state_with_url(&JsValue::NULL, "", Some(href))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(href))
        };
        if done.is_err() {
            let _ = window().location().set_href(href);
            return;
        }
        self.sync();
        if options.scroll {
            window().scroll_to_with_x_and_y(0.0, 0.0);
        }
    }
}

/// Puts the keyboard focus at the start of the page's content, as a page load would: the link
/// that was used is gone, and a screen reader then reads the new page from its start. The
/// frame's `<main>` stays while its page changes, so this works before the page is drawn.
fn focus_main() {
    focus("main");
}

/// Puts the keyboard focus on the element with this id, if there is one.
pub fn focus(id: &str) {
    let element = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

thread_local! {
    /// Whether the page goes back to its top once the browser has gone back ([`back_to_top`]).
    static TO_TOP_AFTER_BACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the browser puts back the scroll position of the current history entry when it is
/// gone back (or forward) to; an entry added from it starts the same.
pub fn restore_scroll_here(restore: bool) {
    use web_sys::ScrollRestoration::{Auto, Manual};
    if let Ok(history) = window().history() {
        let _ = history.set_scroll_restoration(if restore { Auto } else { Manual });
    }
}

/// Marks the current history entry as `mark` (its state, which a reload keeps), so that a
/// page shown again from it knows how the entry was made.
pub fn mark_entry(mark: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::from_str(mark), "", None);
    }
}

/// Whether the current history entry was marked `mark` ([`mark_entry`]).
pub fn entry_marked(mark: &str) -> bool {
    window()
        .history()
        .and_then(|h| h.state())
        .is_ok_and(|state| state.as_string().as_deref() == Some(mark))
}

/// Goes back one entry of the history to the same page, shown from its top (the entry's own
/// scroll position may leave what the page now shows, and the keyboard's place, out of sight:
/// it is one the browser does not put back, see [`restore_scroll_here`]).
pub fn back_to_top() {
    TO_TOP_AFTER_BACK.set(true);
    if window().history().and_then(|h| h.back()).is_err() {
        TO_TOP_AFTER_BACK.set(false);
    }
}

/// Starts following the browser's address: back and forward, and clicks on the app's links.
/// Returns the current screen; [`use_params_map`], [`use_query_map`] and [`use_navigate`] work
/// below the caller.
pub fn start() -> Memo<Screen> {
    let location = Location(RwSignal::new(Location::read()));
    provide_context(location);
    location.sync();
    // The handles are kept for the page's life: nothing ever removes these listeners.
    std::mem::forget(window_event_listener(leptos::ev::popstate, move |_| {
        location.sync();
        if TO_TOP_AFTER_BACK.take() {
            // After the browser has put back the entry's scroll position.
            gloo_timers::callback::Timeout::new(0, || {
                window().scroll_to_with_x_and_y(0.0, 0.0);
            })
            .forget();
        }
    }));
    std::mem::forget(window_event_listener(leptos::ev::click, move |ev| {
        if let Some(href) = page_link_clicked(&ev) {
            ev.prevent_default();
            location.go(&href, NavigateOptions::default());
        }
    }));
    let matched = Memo::new(move |_| location.0.with(|(path, _)| recognise(path)));
    provide_context(matched);
    Memo::new(move |_| matched.with(|(screen, _)| *screen))
}

/// Whether a path's peering type is one there is (as its pages read it).
fn peering_type(t: &str) -> bool {
    t.parse::<models::PeeringType>().is_ok()
}

/// The `href` of the app's link a plain click landed on, if it did.
fn page_link_clicked(ev: &web_sys::MouseEvent) -> Option<String> {
    let modified = ev.meta_key() || ev.ctrl_key() || ev.shift_key() || ev.alt_key();
    if ev.default_prevented() || ev.button() != 0 || modified {
        return None;
    }
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let link = target.closest("a[href]").ok()??;
    let elsewhere = link.has_attribute("download")
        || link.has_attribute("target")
        || link
            .get_attribute("rel")
            .is_some_and(|rel| rel.split_whitespace().any(|r| r == "external"));
    let href = link.get_attribute("href")?;
    (!elsewhere && is_page_link(&href)).then_some(href)
}

/// The current path's parameters (`id`, `type`).
pub fn use_params_map() -> Memo<Params> {
    let matched = expect_context::<Memo<(Screen, Params)>>();
    Memo::new(move |_| matched.with(|(_, params)| params.clone()))
}

/// The current screen.
pub fn use_screen() -> Memo<Screen> {
    let matched = expect_context::<Memo<(Screen, Params)>>();
    Memo::new(move |_| matched.with(|(screen, _)| *screen))
}

/// The current path, without the query.
pub fn use_path() -> Memo<String> {
    let location = expect_context::<Location>();
    Memo::new(move |_| location.0.with(|(path, _)| path.clone()))
}

/// The current query string's values.
pub fn use_query_map() -> Memo<Params> {
    let location = expect_context::<Location>();
    Memo::new(move |_| location.0.with(|(_, search)| Params::from_query(search)))
}

/// The company a page shown now opens in, when it shows a connection of another of the user's
/// companies (which says to choose that company): chosen in the header, that page is drawn anew
/// rather than left for the connections list.
#[derive(Clone, Copy)]
pub struct OpensIn {
    /// Read only when a company is chosen, never tracked.
    company: StoredValue<Option<String>>,
    drawn: RwSignal<u32>,
}

impl OpensIn {
    pub fn provide() -> Self {
        let opens_in = OpensIn {
            company: StoredValue::new(None),
            drawn: RwSignal::new(0),
        };
        provide_context(opens_in);
        opens_in
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// The page shown opens once `company` is chosen (`None`: as any page, in the company
    /// chosen).
    pub fn here(self, company: Option<String>) {
        self.company.set_value(company);
    }

    /// With `company` just chosen: whether the page shown opens in it, which is then drawn anew.
    pub fn stays_for(self, company: Option<&str>) -> bool {
        let stays = company.is_some() && self.company.with_value(|c| c.as_deref() == company);
        if stays {
            self.company.set_value(None);
            self.drawn.update(|n| *n += 1);
            // As a page moved to: the keyboard, and a screen reader, start from its content.
            focus_main();
        }
        stays
    }

    /// Makes the caller run again whenever a page is to be drawn anew.
    pub fn track(self) {
        self.drawn.track();
    }
}

/// Moves to another page of the app.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone + Send + Sync + 'static {
    let location = expect_context::<Location>();
    move |href: &str, options: NavigateOptions| location.go(href, options)
}

/// Whether the current path is `href` or below it, for marking the navigation's current page.
pub fn use_is_current(href: &'static str) -> Signal<bool> {
    let location = expect_context::<Location>();
    Signal::derive(move || {
        location.0.with(|(path, _)| {
            path == href
                || path
                    .strip_prefix(href)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(params: &Params) -> Option<String> {
        params.get("id")
    }

    #[test]
    fn every_page_is_recognised_with_its_parameters() {
        let c = "5f1e0a0b0c0d0e0f10111213";
        let cases = [
            ("/", Screen::Home, None, None),
            ("", Screen::Home, None, None),
            ("/index.html", Screen::Home, None, None),
            ("/sign-in", Screen::SignIn, None, None),
            ("/connections", Screen::Connections, None, None),
            ("/connections/", Screen::Connections, None, None),
            (
                &format!("/connections/{c}"),
                Screen::Connection,
                Some(c),
                None,
            ),
            (
                &format!("/connections/{c}/progress"),
                Screen::Progress,
                Some(c),
                None,
            ),
            (
                &format!("/connections/{c}/delete"),
                Screen::DeleteConnection,
                Some(c),
                None,
            ),
            (
                &format!("/connections/{c}/peering/PRIVATE"),
                Screen::Peering,
                Some(c),
                Some("PRIVATE"),
            ),
            (
                &format!("/connections/{c}/peering/MICROSOFT/delete"),
                Screen::DeletePeering,
                Some(c),
                Some("MICROSOFT"),
            ),
            ("/verify", Screen::Verify, None, None),
            ("/create", Screen::Create, None, None),
            ("/audit", Screen::Audit, None, None),
            ("/audit/42", Screen::AuditEvent, Some("42"), None),
        ];
        for (path, screen, want_id, want_type) in cases {
            let (got, params) = recognise(path);
            assert_eq!(got, screen, "{path}");
            assert_eq!(id(&params).as_deref(), want_id, "{path}");
            assert_eq!(params.get("type").as_deref(), want_type, "{path}");
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in [
            "/nowhere",
            "/connections/x/elsewhere",
            "/connections/x/peering",
            "/connections/x/peering/PRIVATE/delete/more",
            "/connections/x/peering/BOGUS",
            "/connections/x/peering/BOGUS/delete",
            "/audit/1/2",
            "/sign-in/again",
            "/api/session",
        ] {
            assert_eq!(recognise(path).0, Screen::NotFound, "{path}");
        }
    }

    #[test]
    fn only_sign_in_and_unknown_addresses_signed_out_are_shown_outside_the_frame() {
        for signed_out in [false, true] {
            assert!(!recognise("/sign-in").0.in_shell(signed_out));
            for path in [
                "/connections",
                "/audit/7",
                "/connections/x/peering/PRIVATE",
                "/create",
            ] {
                assert!(recognise(path).0.in_shell(signed_out), "{path}");
            }
        }
        assert!(recognise("/nowhere").0.in_shell(false));
        assert!(!recognise("/nowhere").0.in_shell(true));
    }

    #[test]
    fn path_parameters_are_decoded() {
        let (_, params) = recognise("/connections/a%2Fb%20c/peering/PRI%56ATE");
        assert_eq!(params.get("id").as_deref(), Some("a/b c"));
        assert_eq!(params.get("type").as_deref(), Some("PRIVATE"));
        // A `+` in a path is a plus.
        assert_eq!(recognise("/audit/1+2").1.get("id").as_deref(), Some("1+2"));
        // A connection id in capitals is the id.
        for path in [
            "/connections/6B16294C23F796AD00000000",
            "/connections/6b16294C23F796AD00000000/progress",
            "/connections/6B16294C23F796AD00000000/peering/PRIVATE",
        ] {
            assert_eq!(
                recognise(path).1.get("id").as_deref(),
                Some("6b16294c23f796ad00000000"),
                "{path}"
            );
        }
        assert_eq!(
            recognise("/connections/NOT-AN-ID").1.get("id").as_deref(),
            Some("NOT-AN-ID")
        );
    }

    #[test]
    fn query_strings_are_read_as_forms_send_them() {
        let q = Params::from_query(
            "?next=%2Fconnections%3Fname%3Dx&expired=1&name=a+b&flag&empty=&bad=%zz%4",
        );
        assert_eq!(q.get("next").as_deref(), Some("/connections?name=x"));
        assert_eq!(q.get("expired").as_deref(), Some("1"));
        assert_eq!(q.get("name").as_deref(), Some("a b"));
        assert_eq!(q.get("flag").as_deref(), Some(""));
        assert_eq!(q.get("empty").as_deref(), Some(""));
        assert_eq!(q.get("bad").as_deref(), Some("%zz%4"));
        assert_eq!(q.get("missing"), None);
        assert_eq!(Params::from_query(""), Params::default());
        // What `nav::encode` writes reads back the same.
        let text = "Zürich & 10.0.0.0/30 ?=+%";
        let q = Params::from_query(&format!("a={}", crate::nav::encode(text)));
        assert_eq!(q.get("a").as_deref(), Some(text));
        // The first of a repeated name.
        assert_eq!(Params::from_query("a=1&a=2").get("a").as_deref(), Some("1"));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_refused() {
        assert_eq!(
            Params::from_query("a=%FF").get("a").as_deref(),
            Some("\u{FFFD}")
        );
    }

    #[test]
    fn only_the_apps_own_pages_are_handled_in_place() {
        for href in [
            "/connections",
            "/audit?actor=x",
            "/",
            "/sign-in?next=%2Faudit",
        ] {
            assert!(is_page_link(href), "{href}");
        }
        for href in [
            "//evil.example/x",
            "/\\evil.example",
            "https://example.com/",
            "#main",
            "mailto:x@example.com",
            "/api/audit/export?format=csv",
            "/api",
            "connections",
            "",
        ] {
            assert!(!is_page_link(href), "{href}");
        }
    }
}
