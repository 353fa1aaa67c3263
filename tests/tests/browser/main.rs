//! Real-browser tests: the built `portal` binary, each test with its own sandbox (fast speed)
//! and fresh database, driven through headless Chromium by chromedriver, the way a network
//! engineer uses it. Screenshots of every step land in `$PORTAL_TEST_OUTPUT/<test>/`.

mod artefacts;
mod audit;
mod browser;
mod colleague;
mod connections;
mod demo;
mod drafts;
mod driver;
mod failures;
mod journey;
mod look;
mod portal;
mod read_only;
mod refresh;
mod sign_in;
mod verify;
