//! What the browser tests need from outside: the built portal and browser app, chromedriver and
//! Chromium, and where to put screenshots. `cargo xtask test` passes each in an environment
//! variable; plain `cargo test -p portal-tests` falls back to the repository's usual places. A
//! missing piece fails the test with what to run: these tests never pass by skipping.

use std::env;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Artefacts {
    pub portal_bin: PathBuf,
    pub dist: PathBuf,
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
    pub output: PathBuf,
}

impl Artefacts {
    /// Every artefact, each checked to exist.
    pub fn locate() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the tests package lives inside the workspace")
            .to_path_buf();
        let target = match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => root.join(dir),
            _ => root.join("target"),
        };
        let artefacts = Artefacts {
            portal_bin: from_env("PORTAL_BIN", target.join("debug").join("portal")),
            dist: from_env("PORTAL_DIST", root.join("frontend").join("dist")),
            chromedriver: from_env("CHROMEDRIVER", PathBuf::from("/usr/bin/chromedriver")),
            chromium: from_env("CHROMIUM", PathBuf::from("/usr/bin/chromium")),
            output: from_env("PORTAL_TEST_OUTPUT", target.join("test-output")),
        };
        require(
            &artefacts.portal_bin,
            "the portal binary",
            "PORTAL_BIN",
            "cargo build -p server --bin portal",
        );
        require(
            &artefacts.dist.join("index.html"),
            "the built browser app",
            "PORTAL_DIST",
            "cargo xtask frontend",
        );
        require(
            &artefacts.chromedriver,
            "chromedriver",
            "CHROMEDRIVER",
            "cargo xtask setup (it installs Debian's chromium-driver)",
        );
        require(
            &artefacts.chromium,
            "Chromium",
            "CHROMIUM",
            "cargo xtask setup (it installs Debian's chromium)",
        );
        artefacts
    }
}

fn from_env(name: &str, default: PathBuf) -> PathBuf {
    match env::var_os(name) {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => default,
    }
}

fn require(path: &Path, what: &str, variable: &str, command: &str) {
    assert!(
        path.is_file(),
        "{what} is missing: {} does not exist. Run `{command}` first, or `cargo xtask test` \
         for everything, or set {variable} to where it is.",
        path.display(),
    );
}
