//! Running external programs: echo the command, inherit stdio, name the command on failure.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Result;

/// Runs `command` with inherited stdio; an error names the command and how it ended.
pub fn run(command: &mut Command) -> Result {
    let shown = display(command);
    println!("$ {shown}");
    let status = command
        .status()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Replaces xtask with `command` where the platform allows it, so Ctrl-C reaches only that
/// program and its exit status becomes ours.
pub fn replace(command: &mut Command) -> Result {
    let shown = display(command);
    println!("$ {shown}");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = command.exec();
        Err(format!("could not start `{shown}`: {error}"))
    }
    #[cfg(not(unix))]
    {
        run(command)
    }
}

/// The standard output of a probe such as `trunk --version`; `None` when the program is
/// missing or fails.
pub fn stdout_of(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The first executable file called `name` in a `PATH` directory.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `fixed` when it exists, otherwise `name` looked up on `PATH`.
pub fn locate(fixed: &str, name: &str) -> Option<PathBuf> {
    let fixed = Path::new(fixed);
    if fixed.is_file() {
        Some(fixed.to_path_buf())
    } else {
        find_on_path(name)
    }
}

/// The command as a shell line: environment set for it, program, arguments.
pub fn display(command: &Command) -> String {
    let env = command.get_envs().filter_map(|(key, value)| {
        value.map(|value| {
            format!(
                "{}={}",
                key.to_string_lossy(),
                quote(&value.to_string_lossy())
            )
        })
    });
    // The program by name: cargo is started by its full toolchain path, which only adds noise.
    let program = Path::new(command.get_program());
    let program = program.file_name().unwrap_or(program.as_os_str());
    let words = std::iter::once(quote(&program.to_string_lossy()))
        .chain(command.get_args().map(|arg| quote(&arg.to_string_lossy())));
    env.chain(words).collect::<Vec<_>>().join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_environment_program_and_arguments() {
        let mut command = Command::new("cargo");
        command
            .args(["test", "--workspace"])
            .env("PORTAL_BIN", "/repo/target/debug/portal");
        assert_eq!(
            display(&command),
            "PORTAL_BIN=/repo/target/debug/portal cargo test --workspace"
        );
    }

    #[test]
    fn display_names_a_program_started_by_path_by_its_file_name() {
        let command = Command::new("/root/.rustup/toolchains/stable/bin/cargo");
        assert_eq!(display(&command), "cargo");
    }

    #[test]
    fn display_quotes_words_a_shell_would_split() {
        let mut command = Command::new("echo");
        command.args(["two words", "", "it's"]);
        assert_eq!(display(&command), r"echo 'two words' '' 'it'\''s'");
    }

    #[test]
    fn a_failing_command_is_named_in_the_error() {
        let error = run(&mut Command::new("false")).unwrap_err();
        assert!(error.starts_with("`false` failed"), "{error}");
    }

    #[test]
    fn a_missing_program_is_named_in_the_error() {
        let error = run(&mut Command::new("xtask-no-such-program")).unwrap_err();
        assert!(
            error.starts_with("could not start `xtask-no-such-program`"),
            "{error}"
        );
    }

    #[test]
    fn a_probe_of_a_missing_program_is_none() {
        assert_eq!(stdout_of(&mut Command::new("xtask-no-such-program")), None);
    }
}
