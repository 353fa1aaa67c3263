//! The `portal` command line: options that do not fit together are refused before anything
//! starts, and `--help` documents every option.

use std::process::Command;

fn portal(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(args)
        .output()
        .expect("the portal binary runs")
}

#[test]
fn an_upstream_timeout_not_below_the_request_timeout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = portal(&[
        "--data-dir",
        data,
        "--upstream-timeout-secs",
        "60",
        "--request-timeout-secs",
        "60",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("must be below --request-timeout-secs"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("portal.db").exists(),
        "nothing was started"
    );
}

#[test]
fn help_documents_every_serve_option() {
    let out = portal(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--listen",
        "--upstream-url",
        "--data-dir",
        "--database-url",
        "--session-database-url",
        "--static-dir",
        "--secret-key",
        "--public-url",
        "--session-idle-minutes",
        "--session-lifetime-hours",
        "--request-timeout-secs",
        "--upstream-timeout-secs",
        "--busy-timeout-ms",
        "--sandbox-speed",
        "CONSOLE_CONNECT_URL",
        "DATABASE_URL",
    ] {
        assert!(help.contains(option), "{option} is not in --help");
    }
}
