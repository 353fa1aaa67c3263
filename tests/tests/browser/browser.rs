//! One test's world: its own portal (fresh database), chromedriver and headless Chromium, and
//! the helpers the tests speak in — go to a page, click by `data-test`, fill a field by id,
//! wait until the page shows something (polling against a deadline, never sleeping for app
//! state), read text, and save numbered screenshots for people to look at.

use crate::artefacts::Artefacts;
use crate::driver::Chromedriver;
use crate::portal::Portal;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long anything the page should come to show may take: the sandbox moves in well under a
/// second per step and the pages refresh every two seconds, so this is generous.
const DEADLINE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);
const WINDOW: (u32, u32) = (1280, 900);
/// Chromium's windows are never narrower than this, headless or not.
const MIN_WINDOW_WIDTH: u32 = 500;

/// How the browser shows pages: its window's size and the colour scheme it asks for.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub window: (u32, u32),
    pub dark: bool,
}

impl Look {
    /// A laptop's window in the light scheme, as every test but the look's own sees pages.
    pub const LAPTOP: Look = Look {
        window: WINDOW,
        dark: false,
    };
}

/// The row cells (`data-label` → text) and `data-*` attributes of every element matching a
/// selector, read in one call so a re-render cannot leave half a row stale.
const READ_ROWS: &str = r#"
return Array.from(document.querySelectorAll(arguments[0])).map((row) => {
  const out = {};
  for (const a of row.attributes) if (a.name.startsWith("data-")) out[a.name] = a.value;
  row.querySelectorAll("[data-label]").forEach((c) => { out[c.dataset.label] = c.innerText.trim(); });
  return out;
});
"#;

/// A description list (`dt` → `dd` text), or null while there is none.
const READ_DETAILS: &str = r#"
const dl = document.querySelector(arguments[0]);
if (!dl) return null;
const out = {};
dl.querySelectorAll("dt").forEach((dt) => {
  const dd = dt.nextElementSibling;
  if (dd) out[dt.innerText.trim()] = dd.innerText.trim();
});
return out;
"#;

const READ_TEXT: &str = r#"
const e = document.querySelector(arguments[0]);
return e ? e.innerText.trim() : null;
"#;

pub type Row = BTreeMap<String, String>;

pub struct Browser {
    client: Client,
    session_id: String,
    /// Shared with the other browsers opened beside this one; stopped with the last of them.
    portal: Arc<Portal>,
    shots: PathBuf,
    step: AtomicU32,
    driver: Chromedriver,
    _profile: TempDir,
}

impl Browser {
    /// A fresh portal and browser for the test `name`; its screenshots and logs go to
    /// `$PORTAL_TEST_OUTPUT/<name>/`, emptied first.
    pub async fn open(name: &str) -> Browser {
        Browser::open_with(name, &[]).await
    }

    /// As [`Browser::open`], the portal started with `portal_args` besides the usual ones.
    pub async fn open_with(name: &str, portal_args: &[&str]) -> Browser {
        Browser::open_looking(name, portal_args, Look::LAPTOP).await
    }

    /// As [`Browser::open_with`], the pages shown as `look` says.
    pub async fn open_looking(name: &str, portal_args: &[&str], look: Look) -> Browser {
        let artefacts = Artefacts::locate();
        let shots = artefacts.output.join(name);
        let _ = fs::remove_dir_all(&shots);
        fs::create_dir_all(&shots)
            .unwrap_or_else(|e| panic!("could not create {}: {e}", shots.display()));
        let portal = Portal::start(&artefacts, &shots.join("portal.log"), portal_args);
        Browser::attach(&artefacts, Arc::new(portal), shots, look).await
    }

    /// A second browser on this one's portal (its own Chromium, its own cookies), its
    /// screenshots and logs in `<this test's folder>/<name>/`: another person, or with the
    /// cookie shared ([`Browser::share_cookie`]) another tab of the same session.
    pub async fn open_beside(&self, name: &str) -> Browser {
        let artefacts = Artefacts::locate();
        let shots = self.shots.join(name);
        fs::create_dir_all(&shots)
            .unwrap_or_else(|e| panic!("could not create {}: {e}", shots.display()));
        Browser::attach(&artefacts, self.portal.clone(), shots, Look::LAPTOP).await
    }

    async fn attach(
        artefacts: &Artefacts,
        portal: Arc<Portal>,
        shots: PathBuf,
        look: Look,
    ) -> Browser {
        let driver = Chromedriver::start(artefacts, &shots.join("chromedriver.log")).await;
        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let mut capabilities = serde_json::Map::new();
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--no-first-run".to_owned(),
            format!("--window-size={},{}", look.window.0, look.window.1),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if look.dark {
            // What `prefers-color-scheme` answers: 0 is dark.
            args.push("--blink-settings=preferredColorScheme=0".to_owned());
        }
        let mut options = json!({ "binary": artefacts.chromium, "args": args });
        if look.window.0 < MIN_WINDOW_WIDTH {
            // Narrower than a window can be: a phone's screen, as Chromium emulates one.
            options["mobileEmulation"] = json!({
                "deviceMetrics": {
                    "width": look.window.0,
                    "height": look.window.1,
                    "pixelRatio": 1.0,
                    "mobile": true,
                },
            });
        }
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
        let session_id = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session has an id");
        Browser {
            client,
            session_id,
            portal,
            shots,
            step: AtomicU32::new(0),
            driver,
            _profile: profile,
        }
    }

    /// The portal's URL, `http://127.0.0.1:PORT`.
    pub fn portal_url(&self) -> &str {
        &self.portal.url
    }

    /// The portal's data directory.
    pub fn portal_data_dir(&self) -> &std::path::Path {
        self.portal.data_dir()
    }

    /// Opens a page of the portal by path, such as `/sign-in`.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.portal.url);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.client
            .back()
            .await
            .unwrap_or_else(|e| panic!("could not go back: {e}"));
    }

    /// The browser's Forward button.
    pub async fn forward(&self) {
        self.client
            .forward()
            .await
            .unwrap_or_else(|e| panic!("could not go forward: {e}"));
    }

    /// The path and query of the page shown, such as `/audit?connection=…`.
    pub async fn location(&self) -> String {
        self.try_location()
            .await
            .unwrap_or_else(|e| panic!("could not read the address: {e}"))
    }

    async fn try_location(&self) -> Result<String, CmdError> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Waits until the address is `path` (query ignored) and returns the full location.
    pub async fn wait_for_path(&self, path: &str) -> String {
        self.eventually(&format!("the address to be {path}"), async || {
            let location = self.try_location().await?;
            let current = location.split('?').next().unwrap_or_default();
            Ok((current == path).then_some(location))
        })
        .await
    }

    /// Waits until the address (path and query) is exactly `location`.
    pub async fn wait_for_location(&self, location: &str) {
        self.eventually(&format!("the address to be {location}"), async || {
            Ok((self.try_location().await? == location).then_some(()))
        })
        .await
    }

    /// Waits until `path_matches` holds for the address path; returns the path.
    pub async fn wait_for_path_where(
        &self,
        what: &str,
        path_matches: impl Fn(&str) -> bool,
    ) -> String {
        self.eventually(what, async || {
            let url = self.client.current_url().await?;
            Ok(path_matches(url.path()).then(|| url.path().to_owned()))
        })
        .await
    }

    /// Waits until an element matches `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.eventually(&format!("an element matching {css}"), async || {
            present(self.client.find(Locator::Css(css)).await)
        })
        .await
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("could not look for {css}: {e}"))
            .len()
    }

    /// The attribute `name` of the element matching `css`, once it is there.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.eventually(&format!("{css} with a {name} attribute"), async || {
            let Some(element) = present(self.client.find(Locator::Css(css)).await)? else {
                return Ok(None);
            };
            element.attr(name).await
        })
        .await
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.eventually(&format!("no element to match {css}"), async || {
            let all = self.client.find_all(Locator::Css(css)).await?;
            Ok(all.is_empty().then_some(()))
        })
        .await;
    }

    /// Clicks the enabled element `[data-test="…"]` once it is there.
    pub async fn click(&self, data_test: &str) {
        self.click_css(&format!("[data-test=\"{data_test}\"]"))
            .await;
    }

    /// Clicks the enabled element matching `css` once it is there.
    pub async fn click_css(&self, css: &str) {
        self.eventually(
            &format!("{css} to be there and enabled, to click it"),
            async || {
                let Some(element) = present(self.client.find(Locator::Css(css)).await)? else {
                    return Ok(None);
                };
                if !element.is_enabled().await? {
                    return Ok(None);
                }
                element.click().await?;
                Ok(Some(()))
            },
        )
        .await;
    }

    /// Replaces what is typed in the input `#id` with `text`, key by key as a person would.
    pub async fn fill(&self, id: &str, text: &str) {
        let css = format!("#{id}");
        self.eventually(&format!("#{id} to take {text:?}"), async || {
            let Some(input) = present(self.client.find(Locator::Css(&css)).await)? else {
                return Ok(None);
            };
            if !input.is_enabled().await? {
                return Ok(None);
            }
            input.clear().await?;
            input.send_keys(text).await?;
            let value = input.prop("value").await?.unwrap_or_default();
            Ok((value == text).then_some(()))
        })
        .await;
    }

    /// Presses Enter in the input `#id` (submitting its form, if the form lets it).
    pub async fn press_enter(&self, id: &str) {
        self.press(id, fantoccini::key::Key::Enter).await;
    }

    /// Presses `key` in the control `#id`.
    pub async fn press(&self, id: &str, key: fantoccini::key::Key) {
        self.find(&format!("#{id}"))
            .await
            .send_keys(&key.to_string())
            .await
            .unwrap_or_else(|e| panic!("could not press {key:?} in #{id}: {e}"));
    }

    /// Presses `keys` together in the control `#id` (a modifier is held until the last).
    pub async fn press_together(&self, id: &str, keys: &[fantoccini::key::Key]) {
        let chord: String = keys.iter().map(|&k| char::from(k)).collect();
        self.find(&format!("#{id}"))
            .await
            .send_keys(&chord)
            .await
            .unwrap_or_else(|e| panic!("could not press {keys:?} in #{id}: {e}"));
    }

    /// Presses Tab on the keyboard, wherever the page has put its focus.
    pub async fn press_tab(&self) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let tab = char::from(fantoccini::key::Key::Tab);
        let press = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab });
        self.client
            .perform_actions(press)
            .await
            .unwrap_or_else(|e| panic!("could not press Tab: {e}"));
    }

    /// Chooses the option with `value` in the select `#id`.
    pub async fn select(&self, id: &str, value: &str) {
        let css = format!("#{id}");
        self.eventually(&format!("#{id} to offer and take {value:?}"), async || {
            let Some(select) = present(self.client.find(Locator::Css(&css)).await)? else {
                return Ok(None);
            };
            select.select_by_value(value).await?;
            let chosen = select.prop("value").await?.unwrap_or_default();
            Ok((chosen == value).then_some(()))
        })
        .await;
    }

    /// The value of the form control `#id`.
    pub async fn value(&self, id: &str) -> String {
        self.find(&format!("#{id}"))
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("could not read the value of #{id}: {e}"))
            .unwrap_or_default()
    }

    /// Waits until the form control `#id` holds `expected` (a page drawn again after a
    /// navigation fills its controls a moment after the address changes).
    pub async fn wait_for_value(&self, id: &str, expected: &str) {
        let css = format!("#{id}");
        self.eventually(&format!("#{id} to hold {expected:?}"), async || {
            let Some(control) = present(self.client.find(Locator::Css(&css)).await)? else {
                return Ok(None);
            };
            let value = control.prop("value").await?.unwrap_or_default();
            Ok((value == expected).then_some(()))
        })
        .await;
    }

    /// Waits until the element matching `css` is enabled (`true`) or disabled (`false`).
    pub async fn wait_enabled(&self, css: &str, enabled: bool) {
        let state = if enabled { "enabled" } else { "disabled" };
        self.eventually(&format!("{css} to be {state}"), async || {
            let Some(element) = present(self.client.find(Locator::Css(css)).await)? else {
                return Ok(None);
            };
            Ok((element.is_enabled().await? == enabled).then_some(()))
        })
        .await;
    }

    /// Waits until an element matches `css` and returns its text.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for_text(css, "").await
    }

    /// Waits until the element matching `css` shows text containing `expected`; returns it all.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        self.wait_for_text_within(css, expected, DEADLINE).await
    }

    /// As [`Browser::wait_for_text`], for something that takes its time to come (a timeout).
    pub async fn wait_for_text_within(
        &self,
        css: &str,
        expected: &str,
        within: Duration,
    ) -> String {
        self.eventually_within(&format!("{css} to show {expected:?}"), within, async || {
            let text = self.client.execute(READ_TEXT, vec![json!(css)]).await?;
            Ok(text
                .as_str()
                .filter(|t| t.contains(expected))
                .map(str::to_owned))
        })
        .await
    }

    /// Waits until a status badge inside `scope` carries the wire value `status` (`ACTIVE`,
    /// `SYNCED`…).
    pub async fn wait_for_status(&self, scope: &str, status: &str) {
        self.find(&format!("{scope} .status[data-status=\"{status}\"]"))
            .await;
    }

    /// Waits until the elements matching `css`, each read as its `data-*` attributes and
    /// `data-label` cells, satisfy `check`, and returns them.
    pub async fn wait_for_rows(
        &self,
        what: &str,
        css: &str,
        check: impl Fn(&[Row]) -> bool,
    ) -> Vec<Row> {
        self.eventually(what, async || {
            let rows = self.client.execute(READ_ROWS, vec![json!(css)]).await?;
            let rows: Vec<Row> = serde_json::from_value(rows).map_err(CmdError::Json)?;
            Ok(check(&rows).then_some(rows))
        })
        .await
    }

    /// Waits for the description list matching `css` and reads it as term → description.
    pub async fn details(&self, css: &str) -> BTreeMap<String, String> {
        self.eventually(&format!("the details {css}"), async || {
            let details = self.client.execute(READ_DETAILS, vec![json!(css)]).await?;
            Ok(serde_json::from_value(details).ok())
        })
        .await
    }

    /// Gives `other` (on one of the portal's pages) this browser's cookie `name`, as a second
    /// tab of the same browser would have it.
    pub async fn share_cookie(&self, name: &str, other: &Browser) {
        let cookie = self
            .client
            .get_named_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("the browser has no cookie {name}: {e}"));
        other
            .client
            .add_cookie(cookie)
            .await
            .unwrap_or_else(|e| panic!("could not set the cookie {name}: {e}"));
    }

    /// Gives the cookie `name` another value, as when the server has forgotten the session
    /// the cookie names.
    pub async fn replace_cookie_value(&self, name: &str, value: &str) {
        let mut cookie = self
            .client
            .get_named_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("the browser has no cookie {name}: {e}"));
        cookie.set_value(value.to_owned());
        self.client
            .add_cookie(cookie)
            .await
            .unwrap_or_else(|e| panic!("could not set the cookie {name}: {e}"));
    }

    /// What the page hears when its tab is shown again (after another tab was used).
    pub async fn shown_again(&self) {
        self.script(
            "document.dispatchEvent(new Event('visibilitychange', {bubbles: true})); return null;",
        )
        .await;
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn script(&self, script: &str) -> serde_json::Value {
        self.script_with(script, json!([])).await
    }

    /// Runs `script` in the page with `args` (a JSON array) as its `arguments`, and returns
    /// what it returns.
    pub async fn script_with(&self, script: &str, args: serde_json::Value) -> serde_json::Value {
        let args = match args {
            serde_json::Value::Array(args) => args,
            other => vec![other],
        };
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("could not run {script:?}: {e}"))
    }

    /// Waits until the keyboard focus is on `#id`: the app moves it after what a key or a
    /// click set off has been drawn, a moment after the page shows it.
    pub async fn wait_for_focus(&self, id: &str) {
        self.wait_for_script(
            &format!("the keyboard focus on #{id}"),
            &format!(
                "return document.activeElement !== null && document.activeElement.id === {};",
                json!(id)
            ),
        )
        .await;
    }

    /// Waits until `script`, run in the page, returns `true`.
    pub async fn wait_for_script(&self, what: &str, script: &str) {
        self.eventually(what, async || {
            let done = self.client.execute(script, Vec::new()).await?;
            Ok((done == json!(true)).then_some(()))
        })
        .await;
    }

    /// Saves the viewport as `<NN>-<step>.png` in this test's output directory.
    pub async fn screenshot(&self, step: &str) {
        if let Err(e) = self.try_screenshot(step).await {
            panic!("could not save the screenshot {step}: {e}");
        }
    }

    async fn try_screenshot(&self, step: &str) -> Result<(), String> {
        let n = self.step.fetch_add(1, Ordering::Relaxed) + 1;
        let path = self.shots.join(format!("{n:02}-{step}.png"));
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Polls `probe` until it gives a value. Errors count as "not yet" (a re-render replaces
    /// elements under the driver's feet); the last one is quoted if the deadline passes, and
    /// the page at that moment is saved as a screenshot.
    async fn eventually<T>(
        &self,
        what: &str,
        probe: impl AsyncFnMut() -> Result<Option<T>, CmdError>,
    ) -> T {
        self.eventually_within(what, DEADLINE, probe).await
    }

    async fn eventually_within<T>(
        &self,
        what: &str,
        deadline: Duration,
        mut probe: impl AsyncFnMut() -> Result<Option<T>, CmdError>,
    ) -> T {
        let started = Instant::now();
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return value,
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if started.elapsed() > deadline {
                // Best effort: the browser itself may be what failed.
                let location = self
                    .try_location()
                    .await
                    .unwrap_or_else(|e| format!("an unknown page ({e})"));
                let _ = self.try_screenshot("timed-out").await;
                let error = last_error
                    .map(|e| format!("; last error: {e}"))
                    .unwrap_or_default();
                panic!(
                    "timed out after {deadline:?} waiting for {what}, on {location}{error}; \
                     screenshots and logs in {}",
                    self.shots.display()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.driver.end_session(&self.session_id);
    }
}

/// A lookup's element, or none while it is not there.
fn present(found: Result<Element, CmdError>) -> Result<Option<Element>, CmdError> {
    match found {
        Ok(element) => Ok(Some(element)),
        Err(e) if e.is_no_such_element() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The text of a row's cell, or an empty string.
pub fn cell<'a>(row: &'a Row, label: &str) -> &'a str {
    row.get(label).map(String::as_str).unwrap_or_default()
}
