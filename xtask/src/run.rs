//! `cargo xtask run`: build the browser app, then hand the terminal to a release portal serving it.

use std::fs;

use crate::Result;
use crate::exec;
use crate::frontend;
use crate::paths::Repo;
use crate::tools;

pub fn run(repo: &Repo, portal_args: &[String]) -> Result {
    tools::frontend_tools(repo)?;
    frontend::build(repo)?;
    let data = repo.data();
    fs::create_dir_all(&data)
        .map_err(|error| format!("could not create {}: {error}", data.display()))?;
    let mut portal = repo.cargo();
    portal
        .args(["run", "--release", "-p", "server", "--bin", "portal", "--"])
        .arg("serve")
        .arg("--static-dir")
        .arg(repo.dist())
        .arg("--data-dir")
        .arg(&data)
        .args(portal_args);
    exec::replace(&mut portal)
}
