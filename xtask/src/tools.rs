//! Tool set-up: each function checks one tool, installs it only when missing, and says which.

use std::fs;
use std::path::PathBuf;

use crate::Result;
use crate::exec;
use crate::paths::Repo;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Pinned because trunk 0.22 needs a newer rustc than the workspace's.
pub const TRUNK_VERSION: &str = "0.21.14";

/// Where the browser tests find their browser.
#[derive(Debug)]
pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// The PostgreSQL server the tests create their databases on, unless `PORTAL_TEST_POSTGRES`
/// names another (the server tests read the same variable and default).
pub const TEST_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `cargo xtask setup`: everything the other commands need; nginx and wrk only with `bench`.
pub fn all(repo: &Repo, bench: bool) -> Result {
    frontend_tools(repo)?;
    browser()?;
    shell_tools()?;
    test_postgres()?;
    if bench {
        bench_tools()?;
    }
    println!("setup: done");
    Ok(())
}

/// What `trunk build` needs: the wasm target, trunk and the matching wasm-bindgen; and zopfli
/// for the compressed copies of the build.
pub fn frontend_tools(repo: &Repo) -> Result {
    wasm_target(repo)?;
    trunk(repo)?;
    wasm_bindgen(repo)?;
    zopfli();
    Ok(())
}

/// zopfli writes gzip files about 5% smaller than `gzip -9` that every browser reads as usual.
/// Installed from apt where it can be; without it the build falls back to `gzip -9`, so a
/// machine without apt or root still builds.
fn zopfli() {
    if let Some(zopfli) = exec::find_on_path("zopfli") {
        println!("setup: zopfli: {}", zopfli.display());
        return;
    }
    println!("setup: zopfli: missing, installing it from apt");
    match apt_install(&["zopfli"]) {
        Ok(()) if exec::find_on_path("zopfli").is_some() => {}
        Ok(()) => println!("setup: zopfli: still missing; the frontend build uses gzip -9"),
        Err(error) => {
            println!("setup: zopfli: not installed ({error}); the frontend build uses gzip -9")
        }
    }
}

pub fn wasm_target(repo: &Repo) -> Result {
    let installed = exec::stdout_of(
        repo.command("rustup")
            .args(["target", "list", "--installed"]),
    )
    .ok_or("could not list the installed targets: `rustup target list --installed` failed")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("setup: rust target {WASM_TARGET}: installed");
        return Ok(());
    }
    println!("setup: rust target {WASM_TARGET}: missing, adding it");
    exec::run(repo.command("rustup").args(["target", "add", WASM_TARGET]))
}

fn trunk(repo: &Repo) -> Result {
    cargo_tool(
        repo,
        &CargoTool {
            program: "trunk",
            krate: "trunk",
            version: TRUNK_VERSION,
            locked: true,
        },
    )
}

/// wasm-bindgen-cli must be exactly the version of the `wasm-bindgen` crate the frontend links.
fn wasm_bindgen(repo: &Repo) -> Result {
    let lock_path = repo.cargo_lock();
    let lock = fs::read_to_string(&lock_path)
        .map_err(|error| format!("could not read {}: {error}", lock_path.display()))?;
    let version = locked_version(&lock, "wasm-bindgen")?;
    cargo_tool(
        repo,
        &CargoTool {
            program: "wasm-bindgen",
            krate: "wasm-bindgen-cli",
            version: &version,
            // Its own lock file names a crate version the registry lacks.
            locked: false,
        },
    )
}

/// Chromium and chromedriver for the browser tests.
pub fn browser() -> Result<Browser> {
    let find = || {
        Some(Browser {
            chromium: exec::locate("/usr/bin/chromium", "chromium")?,
            chromedriver: exec::locate("/usr/bin/chromedriver", "chromedriver")?,
        })
    };
    if let Some(browser) = find() {
        println!(
            "setup: chromium + chromedriver: {} and {}",
            browser.chromium.display(),
            browser.chromedriver.display()
        );
        return Ok(browser);
    }
    println!("setup: chromium + chromedriver: missing, installing from apt");
    apt_install(&["chromium", "chromium-driver"])?;
    find().ok_or_else(|| {
        "chromium and chromium-driver were installed but chromium or chromedriver is still \
         missing from /usr/bin and PATH"
            .to_owned()
    })
}

/// curl and jq, which the README's walkthrough of the API uses; a test runs it as written.
pub fn shell_tools() -> Result {
    let missing: Vec<&str> = ["curl", "jq"]
        .into_iter()
        .filter(|tool| exec::find_on_path(tool).is_none())
        .collect();
    if missing.is_empty() {
        println!("setup: curl + jq: found");
        return Ok(());
    }
    println!(
        "setup: {}: missing, installing from apt",
        missing.join(" + ")
    );
    apt_install(&missing)?;
    match missing
        .iter()
        .find(|tool| exec::find_on_path(tool).is_none())
    {
        Some(tool) => Err(format!(
            "{tool} was installed but is still missing from PATH"
        )),
        None => Ok(()),
    }
}

/// nginx and wrk for the benchmark.
pub fn bench_tools() -> Result {
    let find = || {
        Some((
            exec::locate("/usr/sbin/nginx", "nginx")?,
            exec::locate("/usr/bin/wrk", "wrk")?,
        ))
    };
    if let Some((nginx, wrk)) = find() {
        println!(
            "setup: nginx + wrk: {} and {}",
            nginx.display(),
            wrk.display()
        );
        return Ok(());
    }
    println!("setup: nginx + wrk: missing, installing from apt");
    apt_install(&["nginx", "wrk"])?;
    find()
        .map(drop)
        .ok_or_else(|| "nginx and wrk were installed but one is still missing".to_owned())
}

/// A binary installed with `cargo install`, checked through `<program> --version`.
struct CargoTool<'a> {
    program: &'a str,
    krate: &'a str,
    version: &'a str,
    locked: bool,
}

fn cargo_tool(repo: &Repo, tool: &CargoTool) -> Result {
    let label = format!("setup: {} {}", tool.program, tool.version);
    match installed(repo, tool) {
        Installed::Wanted => {
            println!("{label}: installed");
            return Ok(());
        }
        Installed::Other(found) => println!("{label}: found {found}, installing {}", tool.version),
        Installed::Missing => println!("{label}: missing, installing it"),
    }
    let mut install = repo.cargo();
    install.args(["install", tool.krate, "--version", tool.version]);
    if tool.locked {
        install.arg("--locked");
    }
    exec::run(&mut install)?;
    match installed(repo, tool) {
        Installed::Wanted => Ok(()),
        after => Err(format!(
            "installed {} {} but `{} --version` then reported {after}; is cargo's bin \
             directory (usually ~/.cargo/bin) on PATH?",
            tool.krate, tool.version, tool.program,
        )),
    }
}

fn installed(repo: &Repo, tool: &CargoTool) -> Installed {
    let output = exec::stdout_of(repo.command(tool.program).arg("--version"));
    compare(output.as_deref(), tool.program, tool.version)
}

/// What `<program> --version` says compared with the version we want.
#[derive(Debug, PartialEq, Eq)]
enum Installed {
    Wanted,
    /// Another version, or an unrecognised first line of output.
    Other(String),
    Missing,
}

impl std::fmt::Display for Installed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Wanted => f.write_str("the wanted version"),
            Self::Other(found) => write!(f, "`{found}`"),
            Self::Missing => f.write_str("nothing"),
        }
    }
}

/// Versions must match exactly: `trunk 0.21.1` does not satisfy `0.21.14`.
fn compare(output: Option<&str>, program: &str, wanted: &str) -> Installed {
    let Some(output) = output else {
        return Installed::Missing;
    };
    match version_in(output, program) {
        Some(version) if version == wanted => Installed::Wanted,
        Some(version) => Installed::Other(version.to_owned()),
        None => Installed::Other(output.lines().next().unwrap_or_default().trim().to_owned()),
    }
}

/// The version in a `--version` line such as `trunk 0.21.14` or
/// `wasm-bindgen 0.2.130 (a1b2c3d)`; `None` when the line names another program.
fn version_in<'a>(output: &'a str, program: &str) -> Option<&'a str> {
    let mut words = output.lines().next()?.split_whitespace();
    (words.next()? == program).then_some(())?;
    words.next()
}

/// The version Cargo.lock pins for `package`; an error when it is absent or pinned twice.
fn locked_version(lock: &str, package: &str) -> Result<String> {
    let mut versions: Vec<&str> = Vec::new();
    for entry in lock.split("[[package]]").skip(1) {
        let field = |key| entry.lines().find_map(|line| toml_string(line, key));
        if field("name") == Some(package)
            && let Some(version) = field("version")
            && !versions.contains(&version)
        {
            versions.push(version);
        }
    }
    match versions.as_slice() {
        [version] => Ok((*version).to_owned()),
        [] => Err(format!("Cargo.lock has no `{package}` package")),
        several => Err(format!(
            "Cargo.lock has several `{package}` versions ({}); the frontend needs exactly one",
            several.join(", ")
        )),
    }
}

/// The value of a `key = "value"` line.
fn toml_string<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.trim()
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim()
        .strip_prefix('"')?
        .strip_suffix('"')
}

/// `apt-get install` as root, or through sudo; a clear error where there is no apt.
fn apt_install(packages: &[&str]) -> Result {
    if exec::find_on_path("apt-get").is_none() {
        return Err(format!(
            "apt-get not found: install {} with your system's package manager \
             (Chromium and its chromedriver for the browser tests, curl and jq for the \
             README's walkthrough, nginx and wrk for the benchmark), then run this again",
            packages.join(" and ")
        ));
    }
    let sudo = if is_root() {
        false
    } else if exec::find_on_path("sudo").is_some() {
        true
    } else {
        return Err(format!(
            "installing {} needs root: run as root or install sudo",
            packages.join(" and ")
        ));
    };
    let apt_get = |args: &[&str]| {
        let mut command = std::process::Command::new(if sudo { "sudo" } else { "apt-get" });
        if sudo {
            // sudo resets the environment, so the variable travels as an argument of `env`.
            command.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        } else {
            command.env("DEBIAN_FRONTEND", "noninteractive");
        }
        command.args(args);
        command
    };
    exec::run(&mut apt_get(&["update"]))?;
    exec::run(&mut apt_get(&[&["install", "-y"], packages].concat()))
}

fn is_root() -> bool {
    exec::stdout_of(std::process::Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn the_wasm_bindgen_version_is_read_from_its_own_package_entry() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro").unwrap(),
            "0.2.131"
        );
    }

    #[test]
    fn a_package_missing_from_the_lock_file_is_an_error() {
        let error = locked_version(LOCK, "trunk").unwrap_err();
        assert!(error.contains("no `trunk` package"), "{error}");
    }

    #[test]
    fn two_versions_of_wasm_bindgen_are_an_error() {
        let lock = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        let error = locked_version(&lock, "wasm-bindgen").unwrap_err();
        assert!(error.contains("0.2.130, 0.2.99"), "{error}");
    }

    #[test]
    fn the_workspace_lock_file_pins_one_wasm_bindgen() {
        let lock = fs::read_to_string(Repo::locate().cargo_lock()).unwrap();
        let version = locked_version(&lock, "wasm-bindgen").unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }

    #[test]
    fn version_lines_are_parsed_for_the_named_program() {
        assert_eq!(version_in("trunk 0.21.14\n", "trunk"), Some("0.21.14"));
        assert_eq!(
            version_in(
                "wasm-bindgen 0.2.130 (a1b2c3d 2025-01-01)\n",
                "wasm-bindgen"
            ),
            Some("0.2.130")
        );
    }

    #[test]
    fn version_lines_of_another_program_or_no_version_are_rejected() {
        assert_eq!(version_in("trunk 0.21.14", "wasm-bindgen"), None);
        assert_eq!(version_in("trunk\n", "trunk"), None);
        assert_eq!(version_in("", "trunk"), None);
    }

    #[test]
    fn only_the_exact_version_satisfies_the_pin() {
        let trunk = |output| compare(output, "trunk", TRUNK_VERSION);
        assert_eq!(trunk(Some("trunk 0.21.14\n")), Installed::Wanted);
        assert_eq!(
            trunk(Some("trunk 0.21.1")),
            Installed::Other("0.21.1".into())
        );
        assert_eq!(
            trunk(Some("trunk 0.21.140")),
            Installed::Other("0.21.140".into())
        );
        assert_eq!(
            trunk(Some("trunk 0.22.0")),
            Installed::Other("0.22.0".into())
        );
        assert_eq!(trunk(None), Installed::Missing);
    }

    #[test]
    fn output_naming_another_program_is_reported_as_found() {
        assert_eq!(
            compare(Some("wasm-bindgen 0.2.130\n"), "trunk", TRUNK_VERSION),
            Installed::Other("wasm-bindgen 0.2.130".into())
        );
        assert_eq!(
            compare(Some("wasm-bindgen 0.2.130"), "wasm-bindgen", "0.2.130"),
            Installed::Wanted
        );
    }
}

/// Checks that the PostgreSQL server of the tests answers. It is a service of the machine, not a
/// tool: it is not installed here (that would mean starting a server and changing how it lets
/// users in), but a missing one is named before any test needs it.
pub fn test_postgres() -> Result {
    let url = std::env::var("PORTAL_TEST_POSTGRES").unwrap_or_else(|_| TEST_POSTGRES.into());
    let address = postgres_address(&url)
        .ok_or_else(|| format!("PORTAL_TEST_POSTGRES={url} names no host:port"))?;
    let answers = std::net::ToSocketAddrs::to_socket_addrs(address.as_str())
        .ok()
        .into_iter()
        .flatten()
        .any(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(3)).is_ok()
        });
    if answers {
        println!("setup: postgresql for the tests: {address}");
        Ok(())
    } else {
        Err(format!(
            "the PostgreSQL tests need a server where they can create databases, and nothing \
             answers at {address}: run PostgreSQL there, letting the user `postgres` in without \
             a password from 127.0.0.1 (Debian: apt-get install postgresql, then `trust` for \
             host 127.0.0.1/32 in pg_hba.conf), or set PORTAL_TEST_POSTGRES to the URL of \
             another one, e.g. postgres://user:password@host:5432/postgres"
        ))
    }
}

/// `host:port` of a `postgres://` URL (port 5432 when it names none).
fn postgres_address(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !host_port.ends_with(']');
    Some(if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    })
}

#[cfg(test)]
mod postgres_tests {
    use super::postgres_address;

    #[test]
    fn the_test_server_address_is_read_from_its_url() {
        for (url, address) in [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                Some("127.0.0.1:5432"),
            ),
            (
                "postgresql://u:p%40ss@db.example/x?sslmode=require",
                Some("db.example:5432"),
            ),
            ("postgres://[::1]:6543/postgres", Some("[::1]:6543")),
            ("postgres://[::1]/postgres", Some("[::1]:5432")),
            ("postgres:///postgres", None),
            ("not a url", None),
        ] {
            assert_eq!(postgres_address(url).as_deref(), address, "{url}");
        }
    }
}
