//! `cargo xtask run`: build the browser app, then hand the terminal to a release portal serving it.

use std::process::Command;

use crate::Result;
use crate::exec;
use crate::frontend;
use crate::paths::Repo;
use crate::tools;

pub fn run(repo: &Repo, portal_args: &[String]) -> Result {
    tools::frontend_tools(repo)?;
    frontend::build(repo)?;
    // The portal creates its data directory itself.
    let mut portal = portal_command(repo, portal_args, |var| std::env::var_os(var).is_some());
    exec::replace(&mut portal)
}

/// `cargo run` of the release portal serving this checkout's browser app with its data in
/// `./data`. Those two defaults are given as the portal's environment variables, not flags, so
/// that the same flag after `--` (or the variable already set, as `is_set` tells) wins over
/// them instead of being refused as given twice.
fn portal_command(repo: &Repo, portal_args: &[String], is_set: impl Fn(&str) -> bool) -> Command {
    let mut portal = repo.cargo();
    portal
        .args(["run", "--release", "-p", "server", "--bin", "portal", "--"])
        .arg("serve")
        .args(portal_args);
    let defaults = [
        ("PORTAL_STATIC_DIR", repo.dist()),
        ("PORTAL_DATA_DIR", repo.data()),
    ];
    for (var, value) in defaults {
        if !is_set(var) {
            portal.env(var, value);
        }
    }
    portal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn args(c: &Command) -> Vec<String> {
        c.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn env(c: &Command, var: &str) -> Option<OsString> {
        c.get_envs()
            .find(|(k, _)| *k == var)
            .and_then(|(_, v)| v.map(ToOwned::to_owned))
    }

    #[test]
    fn the_checkouts_defaults_go_through_the_environment_so_flags_can_override_them() {
        let repo = Repo::locate();
        let extra = vec!["--data-dir".to_owned(), "/var/lib/portal".to_owned()];
        let c = portal_command(&repo, &extra, |_| false);
        assert_eq!(
            args(&c),
            [
                "run",
                "--release",
                "-p",
                "server",
                "--bin",
                "portal",
                "--",
                "serve",
                "--data-dir",
                "/var/lib/portal"
            ],
            "the flags given, and no second --data-dir or --static-dir"
        );
        assert_eq!(
            env(&c, "PORTAL_DATA_DIR"),
            Some(repo.data().into_os_string())
        );
        assert_eq!(
            env(&c, "PORTAL_STATIC_DIR"),
            Some(repo.dist().into_os_string())
        );
    }

    #[test]
    fn a_variable_already_set_is_left_as_it_is() {
        let repo = Repo::locate();
        let c = portal_command(&repo, &[], |var| var == "PORTAL_DATA_DIR");
        assert_eq!(env(&c, "PORTAL_DATA_DIR"), None);
        assert_eq!(
            env(&c, "PORTAL_STATIC_DIR"),
            Some(repo.dist().into_os_string())
        );
    }
}
