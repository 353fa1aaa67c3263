//! `cargo xtask`: argument parsing, help and dispatch to the command modules.

mod bench;
mod exec;
mod frontend;
mod paths;
mod run;
mod test;
mod tools;

use std::env;
use std::process::ExitCode;

use paths::Repo;

/// Every failure is a message naming what failed; `main` prints it once.
type Result<T = (), E = String> = std::result::Result<T, E>;

const HELP: &str = "\
cargo xtask <command>

Commands:
  setup [--bench]         install what the other commands need, skipping what is there:
                          wasm32 target, trunk, wasm-bindgen-cli, zopfli, Chromium +
                          chromedriver (--bench adds nginx and wrk)
  frontend                build the browser app into frontend/dist and print its size
  run [-- <portal args>]  build the browser app, then run the portal serving it (Ctrl-C stops it)
  test [--quick]          every check CI runs: setup, fmt, clippy (native, wasm32), frontend,
                          portal build, cargo test (--quick: no Chromium, no browser build)
  bench                   release build, then the benchmarks (nginx, wrk, Chromium); writes
                          bench/REPORT.md and bench/report.json (a missed target is no error)
  help                    this list
";

#[derive(Debug, PartialEq, Eq)]
enum Task {
    Help,
    Setup { bench: bool },
    Frontend,
    Run { portal_args: Vec<String> },
    Test { quick: bool },
    Bench,
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let task = match parse(&args) {
        Ok(task) => task,
        Err(error) => {
            eprintln!("error: {error}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    match execute(task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

fn execute(task: Task) -> Result {
    let repo = Repo::locate();
    match task {
        Task::Help => {
            print!("{HELP}");
            Ok(())
        }
        Task::Setup { bench } => tools::all(&repo, bench),
        Task::Frontend => {
            tools::frontend_tools(&repo)?;
            frontend::build(&repo)
        }
        Task::Run { portal_args } => run::run(&repo, &portal_args),
        Task::Test { quick } => test::run(&repo, quick),
        Task::Bench => bench::run(&repo),
    }
}

fn parse(args: &[String]) -> Result<Task> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Task::Help);
    };
    let (options, after_dashes) = match rest.iter().position(|arg| arg == "--") {
        Some(dashes) => (&rest[..dashes], Some(&rest[dashes + 1..])),
        None => (rest, None),
    };
    if options.iter().any(|arg| arg == "--help" || arg == "-h") {
        return Ok(Task::Help);
    }
    if after_dashes.is_some() && command != "run" {
        return Err(format!("`{command}` takes no arguments after `--`"));
    }
    match command.as_str() {
        "help" | "--help" | "-h" => Ok(Task::Help),
        "setup" => {
            let [bench] = flags(command, options, ["--bench"])?;
            Ok(Task::Setup { bench })
        }
        "frontend" => {
            let [] = flags(command, options, [])?;
            Ok(Task::Frontend)
        }
        "run" => {
            let [] = flags(command, options, [])
                .map_err(|error| format!("{error}; pass portal arguments after `--`"))?;
            let portal_args = after_dashes.unwrap_or_default().to_vec();
            Ok(Task::Run { portal_args })
        }
        "test" => {
            let [quick] = flags(command, options, ["--quick"])?;
            Ok(Task::Test { quick })
        }
        "bench" => {
            let [] = flags(command, options, [])?;
            Ok(Task::Bench)
        }
        other => Err(format!("unknown command `{other}`")),
    }
}

/// Which of the `known` flags are present; anything else is an error.
fn flags<const N: usize>(command: &str, args: &[String], known: [&str; N]) -> Result<[bool; N]> {
    let mut present = [false; N];
    for arg in args {
        match known.iter().position(|flag| flag == arg) {
            Some(index) => present[index] = true,
            None => return Err(format!("unknown option `{arg}` for `{command}`")),
        }
    }
    Ok(present)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(line: &str) -> Result<Task> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    #[test]
    fn no_arguments_and_help_spellings_show_help() {
        for line in ["", "help", "--help", "-h", "test --help", "setup -h"] {
            assert_eq!(parse_words(line), Ok(Task::Help), "{line:?}");
        }
    }

    #[test]
    fn flags_switch_their_options_on() {
        assert_eq!(parse_words("setup"), Ok(Task::Setup { bench: false }));
        assert_eq!(
            parse_words("setup --bench"),
            Ok(Task::Setup { bench: true })
        );
        assert_eq!(parse_words("test"), Ok(Task::Test { quick: false }));
        assert_eq!(parse_words("test --quick"), Ok(Task::Test { quick: true }));
        assert_eq!(parse_words("frontend"), Ok(Task::Frontend));
        assert_eq!(parse_words("bench"), Ok(Task::Bench));
    }

    #[test]
    fn run_passes_everything_after_dashes_to_the_portal() {
        assert_eq!(
            parse_words("run"),
            Ok(Task::Run {
                portal_args: vec![]
            })
        );
        assert_eq!(
            parse_words("run -- --listen 127.0.0.1:9000 --help"),
            Ok(Task::Run {
                portal_args: vec!["--listen".into(), "127.0.0.1:9000".into(), "--help".into()]
            })
        );
    }

    #[test]
    fn run_refuses_portal_arguments_without_dashes() {
        let error = parse_words("run --listen 127.0.0.1:9000").unwrap_err();
        assert!(error.contains("after `--`"), "{error}");
    }

    #[test]
    fn unknown_commands_and_options_are_errors() {
        assert_eq!(
            parse_words("deploy"),
            Err("unknown command `deploy`".to_owned())
        );
        assert_eq!(
            parse_words("test --fast"),
            Err("unknown option `--fast` for `test`".to_owned())
        );
        assert_eq!(
            parse_words("frontend --bench"),
            Err("unknown option `--bench` for `frontend`".to_owned())
        );
        assert_eq!(
            parse_words("setup -- --bench"),
            Err("`setup` takes no arguments after `--`".to_owned())
        );
    }
}
