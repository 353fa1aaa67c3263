//! Where things live: the repository root and every path the commands derive from it.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace checkout that xtask was built from.
#[derive(Debug)]
pub struct Repo {
    root: PathBuf,
}

impl Repo {
    /// The parent of xtask's own manifest directory. Compiled in, so it does not depend on the
    /// directory `cargo xtask` was started from.
    pub fn locate() -> Self {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .expect("xtask's manifest directory has a parent")
            .to_path_buf();
        Self { root }
    }

    pub fn cargo_lock(&self) -> PathBuf {
        self.root.join("Cargo.lock")
    }

    pub fn frontend(&self) -> PathBuf {
        self.root.join("frontend")
    }

    /// The built browser app that the portal serves.
    pub fn dist(&self) -> PathBuf {
        self.frontend().join("dist")
    }

    /// The portal's data directory (SQLite, generated server key) for `cargo xtask run`.
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Honours `CARGO_TARGET_DIR` like cargo does; a relative value is relative to the root.
    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => self.root.join(dir),
            _ => self.root.join("target"),
        }
    }

    pub fn debug_portal_bin(&self) -> PathBuf {
        self.target_dir().join("debug").join("portal")
    }

    /// Where the black-box tests write logs and screenshots.
    pub fn test_output(&self) -> PathBuf {
        self.target_dir().join("test-output")
    }

    /// `cargo`, run from the root. Uses the cargo that started xtask (it sets `CARGO`), so
    /// every step builds with the same toolchain.
    pub fn cargo(&self) -> Command {
        let program = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut command = Command::new(program);
        command.current_dir(&self.root);
        command
    }

    /// Any other program, run from the root (so rustup's toolchain overrides apply).
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.root);
        command
    }
}
