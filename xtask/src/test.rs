//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Result;
use crate::exec;
use crate::frontend;
use crate::paths::Repo;
use crate::tools::{self, Browser, WASM_TARGET};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Setup,
    Fmt,
    ClippyNative,
    ClippyWasm,
    Frontend,
    BuildPortal,
    CargoTest,
}

impl Step {
    const ALL: [Step; 7] = [
        Step::Setup,
        Step::Fmt,
        Step::ClippyNative,
        Step::ClippyWasm,
        Step::Frontend,
        Step::BuildPortal,
        Step::CargoTest,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::Setup => "setup",
            Step::Fmt => "fmt",
            Step::ClippyNative => "clippy (native)",
            Step::ClippyWasm => "clippy (wasm32)",
            Step::Frontend => "frontend build",
            Step::BuildPortal => "build portal",
            Step::CargoTest => "cargo test",
        }
    }
}

/// What one step hands to a later one.
#[derive(Debug, Default)]
struct Context {
    browser: Option<Browser>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped(&'static str),
    NotRun,
}

/// `--quick` leaves out the browser: no Chromium set-up, no frontend build, and no browser
/// tests (`portal-tests` is excluded rather than left to find nothing to drive).
pub fn run(repo: &Repo, quick: bool) -> Result {
    let started = Instant::now();
    let mut context = Context::default();
    let mut outcomes = Vec::new();
    let mut failure = None;
    for (index, step) in Step::ALL.into_iter().enumerate() {
        let outcome = if failure.is_some() {
            Outcome::NotRun
        } else if quick && step == Step::Frontend {
            Outcome::Skipped("--quick")
        } else {
            println!(
                "\n=== xtask test: step {}/{}: {} ===",
                index + 1,
                Step::ALL.len(),
                step.name()
            );
            let step_started = Instant::now();
            let result = run_step(step, repo, quick, &mut context);
            let elapsed = step_started.elapsed();
            println!("=== {}: {} ===", step.name(), duration(elapsed));
            match result {
                Ok(()) => Outcome::Passed(elapsed),
                Err(error) => {
                    failure = Some(format!("step `{}` failed: {error}", step.name()));
                    Outcome::Failed(elapsed)
                }
            }
        };
        outcomes.push((step, outcome));
    }
    print!("{}", summary(&outcomes, started.elapsed()));
    match failure {
        Some(failure) => Err(failure),
        None => {
            println!("xtask test: all steps passed");
            Ok(())
        }
    }
}

fn run_step(step: Step, repo: &Repo, quick: bool, context: &mut Context) -> Result {
    match step {
        Step::Setup if quick => {
            tools::wasm_target(repo)?;
            tools::shell_tools()?;
            tools::test_postgres()
        }
        Step::Setup => {
            tools::frontend_tools(repo)?;
            context.browser = Some(tools::browser()?);
            tools::shell_tools()?;
            tools::test_postgres()
        }
        Step::Fmt => exec::run(repo.cargo().args(["fmt", "--all", "--check"])),
        Step::ClippyNative => exec::run(repo.cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "leptos-counter",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
        Step::ClippyWasm => exec::run(repo.cargo().args([
            "clippy",
            "-p",
            "models",
            "-p",
            "frontend",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ])),
        Step::Frontend => frontend::build(repo),
        Step::BuildPortal => exec::run(
            repo.cargo()
                .args(["build", "-p", "server", "--bin", "portal"]),
        ),
        Step::CargoTest => {
            let output = repo.test_output();
            fs::create_dir_all(&output)
                .map_err(|error| format!("could not create {}: {error}", output.display()))?;
            let browser = if quick {
                None
            } else {
                Some(
                    context
                        .browser
                        .as_ref()
                        .ok_or("the setup step did not find Chromium")?,
                )
            };
            exec::run(&mut cargo_test(repo, browser))
        }
    }
}

/// `cargo test` over the workspace: with a browser, the browser tests too and everything they
/// need in the environment; without one, everything but the browser tests.
fn cargo_test(repo: &Repo, browser: Option<&Browser>) -> Command {
    let mut test = repo.cargo();
    test.args(["test", "--workspace", "--exclude", "leptos-counter"]);
    match browser {
        Some(browser) => {
            test.env("PORTAL_BIN", repo.debug_portal_bin())
                .env("PORTAL_DIST", repo.dist())
                .env("CHROMEDRIVER", &browser.chromedriver)
                .env("CHROMIUM", &browser.chromium)
                .env("PORTAL_TEST_OUTPUT", repo.test_output());
        }
        None => {
            test.args(["--exclude", "portal-tests"]);
        }
    }
    test
}

fn summary(outcomes: &[(Step, Outcome)], total: Duration) -> String {
    let mut table = format!(
        "\nxtask test summary\n  {:<18}{:<18}{:>9}\n",
        "step", "result", "time"
    );
    for (step, outcome) in outcomes {
        let (result, time) = match outcome {
            Outcome::Passed(elapsed) => ("ok".to_owned(), duration(*elapsed)),
            Outcome::Failed(elapsed) => ("FAILED".to_owned(), duration(*elapsed)),
            Outcome::Skipped(why) => (format!("skipped ({why})"), String::new()),
            Outcome::NotRun => ("not run".to_owned(), String::new()),
        };
        let row = format!("  {:<18}{:<18}{:>9}", step.name(), result, time);
        table += row.trim_end();
        table.push('\n');
    }
    table += &format!("  {:<36}{:>9}\n", "total", duration(total));
    table
}

fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds >= 60 {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1}s", elapsed.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_to_minutes_after_a_minute() {
        assert_eq!(duration(Duration::from_millis(2_340)), "2.3s");
        assert_eq!(duration(Duration::from_secs(65)), "1m 05s");
        assert_eq!(duration(Duration::from_secs(3_600)), "60m 00s");
    }

    #[test]
    fn the_steps_run_in_the_ci_order() {
        let names: Vec<_> = Step::ALL.iter().map(|step| step.name()).collect();
        assert_eq!(
            names,
            [
                "setup",
                "fmt",
                "clippy (native)",
                "clippy (wasm32)",
                "frontend build",
                "build portal",
                "cargo test"
            ]
        );
    }

    fn words(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    fn variables(command: &Command) -> Vec<String> {
        command
            .get_envs()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn quick_tests_leave_out_the_browser_tests() {
        let test = cargo_test(&Repo::locate(), None);
        assert!(
            words(&test)
                .windows(2)
                .any(|w| w == ["--exclude", "portal-tests"]),
            "{:?}",
            words(&test)
        );
        assert_eq!(variables(&test), Vec::<String>::new());
    }

    #[test]
    fn full_tests_run_the_browser_tests_with_everything_they_need() {
        let browser = Browser {
            chromium: "/usr/bin/chromium".into(),
            chromedriver: "/usr/bin/chromedriver".into(),
        };
        let test = cargo_test(&Repo::locate(), Some(&browser));
        assert!(!words(&test).contains(&"portal-tests".to_owned()));
        // The browser app's own unit tests run natively with the rest.
        assert!(!words(&test).contains(&"frontend".to_owned()));
        let mut names = variables(&test);
        names.sort();
        assert_eq!(
            names,
            [
                "CHROMEDRIVER",
                "CHROMIUM",
                "PORTAL_BIN",
                "PORTAL_DIST",
                "PORTAL_TEST_OUTPUT"
            ]
        );
    }

    #[test]
    fn the_summary_marks_the_failed_step_and_what_did_not_run() {
        let table = summary(
            &[
                (Step::Setup, Outcome::Passed(Duration::from_secs(1))),
                (Step::Fmt, Outcome::Failed(Duration::from_millis(500))),
                (Step::Frontend, Outcome::Skipped("--quick")),
                (Step::CargoTest, Outcome::NotRun),
            ],
            Duration::from_secs(90),
        );
        let lines: Vec<_> = table
            .lines()
            .map(str::split_whitespace)
            .map(Iterator::collect::<Vec<_>>)
            .collect();
        assert!(lines.contains(&vec!["setup", "ok", "1.0s"]), "{table}");
        assert!(lines.contains(&vec!["fmt", "FAILED", "0.5s"]), "{table}");
        assert!(
            lines.contains(&vec!["frontend", "build", "skipped", "(--quick)"]),
            "{table}"
        );
        assert!(
            lines.contains(&vec!["cargo", "test", "not", "run"]),
            "{table}"
        );
        assert!(lines.contains(&vec!["total", "1m", "30s"]), "{table}");
    }
}
