//! Coming back to where one was: a lost session sends the user to the sign-in page with the
//! page they were on as `next`, and signing in returns there. Only a path of this app is ever
//! followed, so a crafted link cannot send anyone elsewhere.

/// Why the sign-in page is shown, which it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Nobody was signed in: nothing to say.
    Asked,
    /// The session ran out (or was ended on the server).
    Expired,
    /// Console Connect refused the session's API key, so the portal ended the session.
    KeyRefused,
    /// The user signed out in this tab.
    SignedOut,
    /// The user signed out in another tab of this browser.
    SignedOutElsewhere,
}

impl Why {
    /// The sign-in page's query parameter that says it.
    pub fn parameter(self) -> Option<&'static str> {
        match self {
            Why::Asked => None,
            Why::Expired => Some("expired"),
            Why::KeyRefused => Some("key-refused"),
            Why::SignedOut => Some("out"),
            Why::SignedOutElsewhere => Some("signed-out"),
        }
    }
}

/// The sign-in page's address, saying why it is shown and where to return.
pub fn sign_in_path(why: Why, next: Option<&str>) -> String {
    let mut query = Vec::new();
    if let Some(parameter) = why.parameter() {
        query.push(format!("{parameter}=1"));
    }
    if let Some(next) = next.and_then(safe_next) {
        query.push(format!("next={}", encode(next)));
    }
    if query.is_empty() {
        "/sign-in".to_owned()
    } else {
        format!("/sign-in?{}", query.join("&"))
    }
}

/// Whether `path` (with its query) is the sign-in page.
pub fn is_sign_in(path: &str) -> bool {
    path == "/sign-in" || path.starts_with("/sign-in?")
}

/// `next` when it is a path of this app worth returning to: it starts with one `/` (not `//`
/// or `/\`, which browsers read as another host), is neither the sign-in page itself nor one
/// of the server's own (its API and health checks, which are no pages), has no `.` or `..`
/// segment (plain or percent-encoded, which the browser resolves: `/audit/../api` is the
/// API), and is plain printable text of a sensible length.
pub fn safe_next(next: &str) -> Option<&str> {
    const NOT_PAGES: [&str; 4] = ["sign-in", "api", "healthz", "readyz"];
    let rest = next.strip_prefix('/')?;
    let plain = next.len() <= 2048 && next.chars().all(|c| !c.is_control() && c != '\\');
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let dotted = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    let first = path.split('/').next().unwrap_or_default();
    (plain && !dotted && !rest.starts_with('/') && !NOT_PAGES.contains(&first)).then_some(next)
}

/// Percent-encodes everything but the unreserved characters (RFC 3986), for a query value.
pub fn encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
    }
    out
}

/// Names the page in the browser's tab, history and bookmarks.
pub fn title(page: &str) {
    leptos::prelude::document().set_title(&format!("{page} · ExpressRoute portal"));
}

/// Where the browser is now, as a `next` value: path and query.
pub fn current() -> Option<String> {
    let location = leptos::prelude::window().location();
    let path = location.pathname().ok()?;
    let search = location.search().unwrap_or_default();
    Some(format!("{path}{search}"))
}

/// Whether the window is wider than the style sheet's narrow layout (`max-width: 820px`).
pub fn wide_screen() -> bool {
    leptos::prelude::window()
        .match_media("(min-width: 821px)")
        .ok()
        .flatten()
        .is_none_or(|m| m.matches())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_the_app_are_returned_to() {
        for next in [
            "/connections",
            "/connections/5f1e0a0b0c0d0e0f10111213/peering/PRIVATE",
            "/audit?connection=5f1e0a0b0c0d0e0f10111213&outcome=failed",
            "/",
        ] {
            assert_eq!(safe_next(next), Some(next), "{next}");
        }
    }

    #[test]
    fn other_hosts_and_the_sign_in_page_are_not() {
        for next in [
            "",
            "connections",
            "//evil.example/x",
            "/\\evil.example",
            "/a\\b",
            "https://evil.example/",
            "javascript:alert(1)",
            "/sign-in",
            "/sign-in?expired=1",
            "/sign-in/x",
            "/api/session",
            "/api",
            "/api?x=1",
            "/healthz",
            "/readyz#x",
            "/audit\n",
            &format!("/{}", "a".repeat(2048)),
            // Segments the browser resolves before it goes there.
            "/connections/../../api/session",
            "/audit/%2e%2e/api/audit/export.json",
            "/audit/.%2E/api",
            "/./api",
            "/connections/.",
        ] {
            assert_eq!(safe_next(next), None, "{next:?}");
        }
    }

    #[test]
    fn the_sign_in_address_carries_the_page_encoded() {
        assert_eq!(sign_in_path(Why::Asked, None), "/sign-in");
        assert_eq!(sign_in_path(Why::Expired, None), "/sign-in?expired=1");
        assert_eq!(
            sign_in_path(
                Why::Expired,
                Some("/audit?connection=ab&to=2026-11-30T10:00:00Z")
            ),
            "/sign-in?expired=1&next=%2Faudit%3Fconnection%3Dab%26to%3D2026-11-30T10%3A00%3A00Z"
        );
        assert_eq!(
            sign_in_path(Why::Asked, Some("/verify")),
            "/sign-in?next=%2Fverify"
        );
        assert_eq!(sign_in_path(Why::SignedOut, None), "/sign-in?out=1");
        assert_eq!(
            sign_in_path(Why::SignedOutElsewhere, Some("/verify")),
            "/sign-in?signed-out=1&next=%2Fverify"
        );
        assert_eq!(
            sign_in_path(Why::Expired, Some("/sign-in?expired=1")),
            "/sign-in?expired=1"
        );
        assert_eq!(sign_in_path(Why::Asked, Some("//evil.example")), "/sign-in");
    }
}
