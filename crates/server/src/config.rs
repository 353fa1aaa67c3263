//! The portal's configuration: command-line flags, each also readable from an environment
//! variable, turned into one [`Config`] that the rest of the server reads.

use crate::db::Backend;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use models::PeeringType;
use models::api::{AuditAction, AuditOutcome, AuditPhase, AuditQuery};
use sqlx::sqlite::SqliteConnectOptions;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The Azure ExpressRoute portal for Console Connect.
///
/// With no subcommand it serves the portal. Without --upstream-url it runs against its built-in
/// sandbox, a simulated Console Connect with demo data.
#[derive(Debug, Parser)]
#[command(name = "portal", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve(ServeArgs),
    /// Work with the audit history offline, on the database file.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ask a running portal whether it is ready (GET /readyz), as a container's health check
    /// does: exit 0 when it is, 1 when it answers otherwise or not within 9 seconds.
    Ready {
        /// The address the portal listens on; one that listens on every address (0.0.0.0, ::)
        /// is asked on loopback.
        #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8080", value_parser = socket_address)]
        listen: SocketAddr,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 0 when it holds, 1 naming the first row that does not fit (or
    /// when --expect-head is not there as it was), 2 when it could not be checked (a database
    /// that cannot be opened or read, a flag it cannot take).
    /// Prints the head (ID:HASH of the last row): keep it elsewhere and pass it later as
    /// --expect-head to prove the history up to it is unchanged and was not cut short.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        /// A head printed by an earlier verification or logged by the portal (`ID:HASH`).
        #[arg(long, value_name = "ID:HASH")]
        expect_head: Option<models::api::ChainHead>,
    },
    /// Write the events, oldest first, as CSV or JSON: every one, or those the filters select
    /// (the same filters as the browser's audit history; given together, all must match).
    /// Exits 0 once all are written, 2 when they could not be.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// File to write, whole or not at all; standard output when absent or `-`.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: ExportFilter,
    },
}

/// Which events `portal audit export` writes.
#[derive(Debug, Clone, Default, Args)]
pub struct ExportFilter {
    /// A connection's events (its 24-hex id), with the intent of the order that created it.
    #[arg(long, value_name = "ID", value_parser = connection_filter)]
    pub connection: Option<String>,
    /// The events of one person: their Console Connect user id or email.
    #[arg(long, value_name = "ID_OR_EMAIL", value_parser = given)]
    pub actor: Option<String>,
    /// One kind of call: sign_in, sign_out, select_company, verify_service_key,
    /// create_connection, delete_connection, update_peering, delete_peering.
    #[arg(long, value_parser = action_filter)]
    pub action: Option<AuditAction>,
    /// One peering type: PRIVATE, PUBLIC or MICROSOFT.
    #[arg(long, value_name = "TYPE", value_parser = peering_type_filter)]
    pub peering_type: Option<PeeringType>,
    /// How the calls ended: succeeded, failed, unknown, refused, interrupted.
    #[arg(long, value_parser = outcome_filter)]
    pub outcome: Option<AuditOutcome>,
    /// Only the intents, or only the outcomes (one row per change, with how it ended):
    /// intent, outcome.
    #[arg(long, value_parser = phase_filter)]
    pub phase: Option<AuditPhase>,
    /// Events at or after this time: RFC 3339 (2026-11-25T09:00:00Z, any offset) or a date
    /// (2026-11-25, its midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = given)]
    pub from: Option<String>,
    /// Events before this time (not included), written like --from.
    #[arg(long, value_name = "TIME", value_parser = given)]
    pub to: Option<String>,
}

impl From<ExportFilter> for AuditQuery {
    fn from(f: ExportFilter) -> Self {
        AuditQuery {
            connection: f.connection,
            actor: f.actor,
            action: f.action,
            peering_type: f.peering_type,
            outcome: f.outcome,
            phase: f.phase,
            from: f.from,
            to: f.to,
            before: None,
            limit: None,
        }
    }
}

/// A filter's value, which a flag given empty (`--actor ''`) lacks: refused as every other
/// filter's empty value is, rather than taken as no filter.
fn given(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        Err("an empty value filters nothing: leave the flag out to export every event".into())
    } else {
        Ok(raw.to_owned())
    }
}

/// A connection's id, in capitals too (as it may be copied from elsewhere), as the history
/// keeps it: in lowercase.
fn connection_filter(raw: &str) -> Result<String, String> {
    let id = raw.trim().to_ascii_lowercase();
    models::validate::object_id("connection", &id).map_err(|_| {
        "a connection's id is exactly 24 hexadecimal characters (0-9, a-f, in either case)"
            .to_owned()
    })?;
    Ok(id)
}

/// A value named by one of `names`, or a message listing them all.
fn one_of<T: Copy>(raw: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T, String> {
    let raw = raw.trim();
    all.iter()
        .copied()
        .find(|v| name(*v).eq_ignore_ascii_case(raw))
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
            format!("must be one of {}; got {raw:?}", names.join(", "))
        })
}

fn action_filter(raw: &str) -> Result<AuditAction, String> {
    one_of(raw, &AuditAction::ALL, AuditAction::as_str)
}

fn peering_type_filter(raw: &str) -> Result<PeeringType, String> {
    one_of(raw, &PeeringType::ALL, PeeringType::as_wire)
}

fn outcome_filter(raw: &str) -> Result<AuditOutcome, String> {
    one_of(raw, &AuditOutcome::ALL, AuditOutcome::as_str)
}

fn phase_filter(raw: &str) -> Result<AuditPhase, String> {
    one_of(raw, &AuditPhase::ALL, AuditPhase::as_str)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Where the audit database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Directory for the databases and the generated server key.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Audit database URL: SQLite, or PostgreSQL (postgres://user@host/db) for several portals
    /// sharing one history [default: sqlite://<data-dir>/portal.db].
    #[arg(long, env = "DATABASE_URL", value_parser = Unechoed(database_url), hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| sqlite_url(&self.data_dir.join("portal.db")))
    }
}

/// How fast the built-in sandbox moves its connections and peerings along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SandboxSpeed {
    /// Seconds per step, like the real service feels.
    Realistic,
    /// Under a second per step.
    Fast,
    /// No waiting at all.
    Instant,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on: an IP address and a port.
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8080", value_parser = socket_address)]
    pub listen: SocketAddr,
    /// Console Connect base URL, e.g. https://api.consoleconnect.com. Without it the portal
    /// starts its built-in sandbox.
    #[arg(long, env = "CONSOLE_CONNECT_URL", value_parser = Unechoed(upstream_url))]
    pub upstream_url: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Session database URL, SQLite or PostgreSQL [default: the database URL when it is
    /// PostgreSQL, so the portals sharing it share sessions; otherwise
    /// sqlite://<data-dir>/sessions.db].
    #[arg(long, env = "PORTAL_SESSION_DATABASE_URL", value_parser = Unechoed(database_url), hide_env_values = true)]
    pub session_database_url: Option<String>,
    /// The built browser app to serve.
    #[arg(long, env = "PORTAL_STATIC_DIR", default_value = "frontend/dist")]
    pub static_dir: PathBuf,
    /// Server key (32 bytes, base64) that encrypts API keys in sessions and keys audit
    /// fingerprints [default: read from, or generated into, <data-dir>/secret.key].
    #[arg(long, env = "PORTAL_SECRET_KEY", hide_env_values = true, value_parser = Unechoed(secret_key))]
    pub secret_key: Option<String>,
    /// The URL people open, e.g. https://portal.example.com: http or https, a host and
    /// perhaps a port, no path or query. When it is https, the session cookie is Secure and
    /// named with the __Host- prefix.
    #[arg(long, env = "PORTAL_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Minutes without a request after which a session ends [1 to 1440]. The end is moved on
    /// at most once a minute (a quarter of the timeout, when that is shorter), so it may come
    /// up to that much sooner.
    #[arg(long, env = "PORTAL_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = |raw: &str| whole_number(raw, SESSION_IDLE_MINUTES))]
    pub session_idle_minutes: u64,
    /// Hours after sign-in after which a session ends whatever happens [1 to 720].
    #[arg(long, env = "PORTAL_SESSION_LIFETIME_HOURS", default_value_t = 12, value_parser = |raw: &str| whole_number(raw, SESSION_LIFETIME_HOURS))]
    pub session_lifetime_hours: u64,
    /// Seconds a request may take in all [1 to 3600].
    #[arg(long, env = "PORTAL_REQUEST_TIMEOUT_SECS", default_value_t = 60, value_parser = |raw: &str| whole_number(raw, TIMEOUT_SECS))]
    pub request_timeout_secs: u64,
    /// Seconds a Console Connect call may take in all (must be below the request timeout)
    /// [1 to 3600].
    #[arg(long, env = "PORTAL_UPSTREAM_TIMEOUT_SECS", default_value_t = 30, value_parser = |raw: &str| whole_number(raw, TIMEOUT_SECS))]
    pub upstream_timeout_secs: u64,
    /// Milliseconds a database write waits for a lock before the change is refused
    /// [0 to 60000].
    #[arg(long, env = "PORTAL_BUSY_TIMEOUT_MS", default_value_t = 5000, value_parser = |raw: &str| whole_number(raw, BUSY_TIMEOUT_MS))]
    pub busy_timeout_ms: u64,
    /// Speed of the built-in sandbox.
    #[arg(long, env = "PORTAL_SANDBOX_SPEED", value_enum, ignore_case = true, default_value_t = SandboxSpeed::Realistic)]
    pub sandbox_speed: SandboxSpeed,
    /// Address to serve Prometheus metrics on (GET /metrics), apart from the portal's own;
    /// without it there are none.
    #[arg(long, env = "PORTAL_METRICS_LISTEN", value_parser = socket_address)]
    pub metrics_listen: Option<SocketAddr>,
    /// Reverse proxies in front of the portal (addresses or CIDR blocks, comma-separated, e.g.
    /// 10.0.0.5,192.168.0.0/24). A request from one of them is taken to come from the address
    /// its X-Forwarded-For names (the last one that is not itself such a proxy), for the audit
    /// history and the sign-in bound; from anywhere else, X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "PORTAL_TRUSTED_PROXIES", value_name = "CIDR", value_delimiter = ',', value_parser = proxy_block)]
    pub trusted_proxies: Vec<IpNet>,
    /// Failed sign-ins one client address may make in 15 minutes; after that its sign-ins are
    /// refused (429) until the 15 minutes are over, with nothing sent to Console Connect or
    /// written to the audit history. Attempts Console Connect did not answer (an outage) are
    /// no failures, and have a bound of their own, five times this one. Counted in the session
    /// database when it is PostgreSQL (once for all the portals sharing it), else in this
    /// process. 0 for no bound [0 to 10000].
    #[arg(long, env = "PORTAL_SIGN_IN_FAILURES", default_value_t = 10, value_parser = |raw: &str| whole_number(raw, SIGN_IN_FAILURES))]
    pub sign_in_failures: u64,
}

/// A check of an option whose value may hold a secret (a database password, the server key):
/// clap's own refusal quotes the value, so this one says what is wrong without it.
#[derive(Clone)]
struct Unechoed(fn(&str) -> Result<String, String>);

impl clap::builder::TypedValueParser for Unechoed {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let name = arg.map_or_else(|| "the option".to_owned(), |a| format!("'{a}'"));
        let refuse = |message: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for {name}: {message}\n"),
            )
            .with_cmd(cmd)
        };
        let raw = value
            .to_str()
            .ok_or_else(|| refuse("it is not valid UTF-8".into()))?;
        (self.0)(raw).map_err(refuse)
    }
}

/// A Console Connect base URL, checked before anything starts.
fn upstream_url(raw: &str) -> Result<String, String> {
    console_connect::base_url(raw.trim())
        .map(|_| raw.trim().to_owned())
        .map_err(|e| match e {
            console_connect::BuildError::Credentials => {
                "give the URL without a user name or password, such as \
                 https://api.consoleconnect.com: the API key each user signs in with is the \
                 only credential sent"
                    .into()
            }
            console_connect::BuildError::Query => {
                "give the URL without a query (?…) or fragment (#…), such as \
                 https://api.consoleconnect.com: a path is put before each call's own, and a \
                 query would be dropped"
                    .into()
            }
            _ => "give an absolute http(s) URL such as https://api.consoleconnect.com (or leave \
                  the option out for the built-in sandbox)"
                .into(),
        })
}

/// The portal's public URL, kept as its origin (`https://portal.example.com`).
fn public_url(raw: &str) -> Result<String, String> {
    origin_of(raw).ok_or_else(|| {
        "give the address people open as an absolute http or https URL without a path or \
         query, such as https://portal.example.com"
            .into()
    })
}

/// The origin of an absolute http(s) URL that names nothing more (a trailing `/` at most), as
/// browsers send it in `Origin`: scheme and host in lowercase, the scheme's default port left
/// out. `None` for anything else.
pub fn origin_of(raw: &str) -> Option<String> {
    let url = console_connect::base_url(raw.trim()).ok()?;
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && url.host_str().is_some();
    bare.then(|| url.origin().ascii_serialization())
}

/// The server key, checked before anything starts (or is written); never echoed.
fn secret_key(raw: &str) -> Result<String, String> {
    crate::crypto::decode_key(raw)
        .map(|_| raw.to_owned())
        .map_err(|e| format!("{e:#}"))
}

// What each number option takes: enough for any real use, and small enough that no duration or
// date computed from it overflows. `--help` says each range where the option is documented.
const SESSION_IDLE_MINUTES: RangeInclusive<u64> = 1..=1440;
const SESSION_LIFETIME_HOURS: RangeInclusive<u64> = 1..=720;
const TIMEOUT_SECS: RangeInclusive<u64> = 1..=3600;
const BUSY_TIMEOUT_MS: RangeInclusive<u64> = 0..=60_000;
const SIGN_IN_FAILURES: RangeInclusive<u64> = 0..=10_000;

/// A whole number within `range`.
fn whole_number(raw: &str, range: RangeInclusive<u64>) -> Result<u64, String> {
    match raw.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// An address to listen on, as an IP address and a port.
fn socket_address(raw: &str) -> Result<SocketAddr, String> {
    raw.trim().parse().map_err(|_| {
        "give an IP address and a port, e.g. 127.0.0.1:8080, 0.0.0.0:8080 (every address) or \
         [::1]:8080; a host name such as localhost is not taken"
            .to_owned()
    })
}

/// A trusted proxy: an address (a block of one) or a CIDR block.
fn proxy_block(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "a trusted proxy is an IP address or a CIDR block such as 10.0.0.0/24; got {raw:?}"
            )
        })
}

/// Where Console Connect is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// Start the built-in simulator on a loopback port.
    Sandbox(SandboxSpeed),
    /// A real (or externally run) Console Connect at this base URL.
    Url(String),
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where `GET /metrics` is served, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    pub upstream: Upstream,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub session_database_url: String,
    pub static_dir: PathBuf,
    pub secret_key: Option<String>,
    pub public_url: Option<String>,
    pub session_idle: Duration,
    pub session_lifetime: Duration,
    pub request_timeout: Duration,
    pub upstream_timeout: Duration,
    pub upstream_connect_timeout: Duration,
    pub busy_timeout: Duration,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Failed sign-ins per client address and window; 0 for no bound.
    pub sign_in_failures: u32,
}

impl Config {
    /// Defaults for a data directory and an upstream, as the flags would give them.
    pub fn new(data_dir: impl Into<PathBuf>, upstream: Upstream) -> Self {
        let data_dir = data_dir.into();
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            upstream,
            database_url: sqlite_url(&data_dir.join("portal.db")),
            session_database_url: sqlite_url(&data_dir.join("sessions.db")),
            data_dir,
            static_dir: PathBuf::from("frontend/dist"),
            secret_key: None,
            public_url: None,
            session_idle: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            request_timeout: Duration::from_secs(60),
            upstream_timeout: Duration::from_secs(30),
            upstream_connect_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_millis(5000),
            trusted_proxies: Vec::new(),
            sign_in_failures: 10,
        }
    }

    /// Whether the portal is served over HTTPS, so cookies can be Secure.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self.upstream, Upstream::Sandbox(_))
    }

    /// The longest a change can take between its intent and its outcome: its Console Connect
    /// calls (a few, each bounded by the upstream timeout) and its audit writes (each bounded
    /// by the busy timeout), with room to spare. An intent older than this that has no outcome
    /// never gets one, and another portal sharing the database may close it.
    pub fn change_in_flight(&self) -> Duration {
        self.upstream_timeout * 10 + self.busy_timeout * 4
    }

    /// Refuses a SQLite database in a folder that does not exist (the data directory aside,
    /// which the portal creates), naming its option: SQLite would say no more than "unable to
    /// open database file".
    pub fn check_database_folders(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.data_dir.exists() || self.data_dir.is_dir(),
            "--data-dir {}: this is a file, not a folder; give a folder (it is created if it \
             does not exist)",
            self.data_dir.display()
        );
        for (option, url) in [
            ("--database-url", &self.database_url),
            ("--session-database-url", &self.session_database_url),
        ] {
            if Backend::of(url) != Backend::Sqlite
                || url.contains(":memory:")
                || url.contains("mode=memory")
            {
                continue;
            }
            let file = SqliteConnectOptions::from_str(url)
                .map_err(|e| anyhow::anyhow!("{option} {url}: {e}"))?
                .get_filename()
                .to_owned();
            let folder = match file.parent() {
                Some(folder) if !folder.as_os_str().is_empty() => folder,
                _ => Path::new("."),
            };
            anyhow::ensure!(
                folder == self.data_dir || folder.is_dir(),
                "{option} {url}: there is no folder {}",
                folder.display()
            );
        }
        Ok(())
    }

    /// How long, after Ctrl-C or SIGTERM, the portal waits for its open connections before it
    /// stops anyway: a request under way ends within the request timeout (a change with its
    /// outcome recorded), and the rest is room for its answer to be written.
    pub fn shutdown_grace(&self) -> Duration {
        self.request_timeout + Duration::from_secs(5)
    }
}

impl From<ServeArgs> for Config {
    fn from(a: ServeArgs) -> Self {
        let upstream = match a.upstream_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => Upstream::Url(url),
            None => Upstream::Sandbox(a.sandbox_speed),
        };
        let mut c = Config::new(a.database.data_dir.clone(), upstream);
        c.listen = a.listen;
        c.metrics_listen = a.metrics_listen;
        c.database_url = a.database.database_url();
        if let Some(url) = a.session_database_url {
            c.session_database_url = url;
        } else if Backend::of(&c.database_url) == Backend::Postgres {
            c.session_database_url = c.database_url.clone();
        }
        c.static_dir = a.static_dir;
        c.secret_key = a.secret_key;
        c.public_url = a.public_url;
        c.session_idle = Duration::from_secs(a.session_idle_minutes * 60);
        c.session_lifetime = Duration::from_secs(a.session_lifetime_hours * 3600);
        c.request_timeout = Duration::from_secs(a.request_timeout_secs);
        c.upstream_timeout = Duration::from_secs(a.upstream_timeout_secs);
        c.busy_timeout = Duration::from_millis(a.busy_timeout_ms);
        c.trusted_proxies = a.trusted_proxies;
        c.sign_in_failures = u32::try_from(a.sign_in_failures).unwrap_or(u32::MAX);
        c
    }
}

/// A database URL as the flags take it: SQLite's (`sqlite://path`, `sqlite:path`, a file, not
/// `sqlite::memory:`) or PostgreSQL's (`postgres://…`, `postgresql://…`), the two databases
/// whose settings the audit guarantees are built on. Anything else, another scheme or a bare
/// path, is refused here with what to give instead, before a file named after it could be
/// created.
pub fn database_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    if Backend::of(url) == Backend::Postgres {
        return match url.split_once("://").map(|(_, rest)| rest) {
            Some(rest) if !rest.is_empty() => Ok(url.to_owned()),
            _ => Err("the PostgreSQL URL names no server: give one such as \
                      postgres://portal@db.example/portal"
                .into()),
        };
    }
    let Some(rest) = url.strip_prefix("sqlite:") else {
        let scheme = url
            .split_once("://")
            .map(|(scheme, _)| format!("a {scheme}:// URL"))
            .unwrap_or_else(|| "a path".into());
        return Err(format!(
            "the portal keeps its databases in SQLite or PostgreSQL: give a sqlite:// URL such \
             as sqlite://data/portal.db or a postgres:// one (not {scheme}), or leave the option \
             out to use --data-dir"
        ));
    };
    let path = rest.trim_start_matches("//");
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    if path.is_empty() {
        return Err(
            "the SQLite URL names no file: give one such as sqlite://data/portal.db".into(),
        );
    }
    // Each connection would have a database of its own, the writer's without the tables the
    // migrations made, and all of it gone at the next stop.
    if path == ":memory:" || url.contains("mode=memory") {
        return Err(
            "an in-memory SQLite database keeps nothing past a stop and is not shared by the \
             portal's connections: give a file, such as sqlite://data/portal.db"
                .into(),
        );
    }
    Ok(url.to_owned())
}

/// A SQLite URL for a file path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn only_sqlite_and_postgres_database_urls_are_taken() {
        for ok in [
            "sqlite://data/portal.db",
            "sqlite:///var/lib/portal/portal.db?mode=rwc",
            "sqlite:portal.db",
            "postgres://127.0.0.1/portal",
            "postgresql://portal@db.example:5433/portal?sslmode=require",
        ] {
            assert_eq!(database_url(ok).as_deref(), Ok(ok), "{ok}");
        }
        for (bad, says) in [
            ("mysql://root@127.0.0.1/test", "not a mysql:// URL"),
            ("data/portal.db", "not a path"),
            ("sqlite://", "names no file"),
            ("sqlite://?mode=ro", "names no file"),
            ("postgres://", "names no server"),
            ("sqlite::memory:", "in-memory SQLite database keeps nothing"),
            ("sqlite://x.db?mode=memory&cache=shared", "in-memory"),
        ] {
            let message = database_url(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
        }
        let err = Cli::try_parse_from(["portal", "--database-url", "mysql://h/db"]).unwrap_err();
        assert!(err.to_string().contains("sqlite://"), "{err}");
        assert!(
            Cli::try_parse_from(["portal", "--session-database-url", "redis://h"]).is_err(),
            "the session database is checked too"
        );
    }

    #[test]
    fn sessions_follow_a_postgres_history_unless_told_otherwise() {
        let serve = |args: &[&str]| {
            let cli =
                Cli::try_parse_from([&["portal", "--data-dir", "/tmp/x"], args].concat()).unwrap();
            Config::from(cli.serve)
        };
        let pg = "postgres://127.0.0.1/portal";
        let c = serve(&["--database-url", pg]);
        assert_eq!(
            (c.database_url.as_str(), c.session_database_url.as_str()),
            (pg, pg)
        );
        let c = serve(&[
            "--database-url",
            pg,
            "--session-database-url",
            "sqlite://s.db",
        ]);
        assert_eq!(c.session_database_url, "sqlite://s.db");
        let c = serve(&[]);
        assert_eq!(c.session_database_url, "sqlite:///tmp/x/sessions.db");
    }

    #[test]
    fn no_upstream_url_means_sandbox() {
        let cli = Cli::try_parse_from(["portal", "--data-dir", "/tmp/x"]).unwrap();
        let c = Config::from(cli.serve);
        assert_eq!(c.metrics_listen, None, "no metrics unless asked for");
        assert_eq!(c.upstream, Upstream::Sandbox(SandboxSpeed::Realistic));
        assert_eq!(c.database_url, "sqlite:///tmp/x/portal.db");
        // In any case, as the other lists of values are read.
        let cli = Cli::try_parse_from(["portal", "--sandbox-speed", "FAST"]).unwrap();
        assert_eq!(
            Config::from(cli.serve).upstream,
            Upstream::Sandbox(SandboxSpeed::Fast)
        );
        assert_eq!(c.session_database_url, "sqlite:///tmp/x/sessions.db");
    }

    #[test]
    fn flags_are_read() {
        let cli = Cli::try_parse_from([
            "portal",
            "serve",
            "--listen",
            "0.0.0.0:9000",
            "--upstream-url",
            "https://api.consoleconnect.com",
            "--session-idle-minutes",
            "5",
            "--metrics-listen",
            "127.0.0.1:9464",
        ])
        .unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve expected")
        };
        let c = Config::from(args);
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(
            c.upstream,
            Upstream::Url("https://api.consoleconnect.com".into())
        );
        assert_eq!(c.session_idle, Duration::from_secs(300));
        assert_eq!(
            c.metrics_listen,
            Some(SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
    }

    #[test]
    fn numbers_outside_their_range_are_refused_naming_the_option_and_the_range() {
        let help = Cli::command().render_long_help().to_string();
        for (option, range) in [
            ("--session-idle-minutes", SESSION_IDLE_MINUTES),
            ("--session-lifetime-hours", SESSION_LIFETIME_HOURS),
            ("--request-timeout-secs", TIMEOUT_SECS),
            ("--upstream-timeout-secs", TIMEOUT_SECS),
            ("--busy-timeout-ms", BUSY_TIMEOUT_MS),
            ("--sign-in-failures", SIGN_IN_FAILURES),
        ] {
            let said = format!("[{} to {}]", range.start(), range.end());
            let documented = &help[help.find(option).unwrap()..];
            let documented = &documented[..documented.find("\n\n").unwrap()];
            assert!(documented.contains(&said), "{option}: {documented}");
            let too_big = (range.end() + 1).to_string();
            let mut refused = vec![too_big.as_str(), "18446744073709551615", "-1", "1.5"];
            if *range.start() > 0 {
                refused.push("0");
            }
            for raw in refused {
                let arg = format!("{option}={raw}");
                let err = Cli::try_parse_from(["portal", &arg]).unwrap_err();
                let message = err.to_string();
                assert!(message.contains(option), "{message}");
                let range = format!("from {} to {}", range.start(), range.end());
                assert!(message.contains(&range), "{message}");
                assert!(
                    message.lines().next().unwrap().contains(&range),
                    "one line says it all: {message}"
                );
            }
            for raw in [range.start().to_string(), range.end().to_string()] {
                assert!(Cli::try_parse_from(["portal", option, &raw]).is_ok());
            }
        }
    }

    #[test]
    fn the_largest_numbers_taken_make_durations_that_fit() {
        let cli = Cli::try_parse_from([
            "portal",
            "--session-idle-minutes",
            "1440",
            "--session-lifetime-hours",
            "720",
            "--request-timeout-secs",
            "3600",
            "--upstream-timeout-secs",
            "3600",
            "--busy-timeout-ms",
            "60000",
            "--sign-in-failures",
            "10000",
        ])
        .unwrap();
        let c = Config::from(cli.serve);
        assert_eq!(c.session_lifetime, Duration::from_secs(720 * 3600));
        assert_eq!(c.sign_in_failures, 10_000);
        assert!(c.change_in_flight() < Duration::from_secs(24 * 3600));
        let lifetime = time::Duration::try_from(c.session_lifetime).unwrap();
        assert!(
            time::OffsetDateTime::now_utc()
                .checked_add(lifetime)
                .is_some()
        );
    }

    #[test]
    fn the_public_url_is_an_http_origin_kept_normalised() {
        for (given, kept) in [
            ("https://portal.example.com", "https://portal.example.com"),
            (
                "https://Portal.Example.COM:443/",
                "https://portal.example.com",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("HTTP://portal.example.com:80", "http://portal.example.com"),
        ] {
            let cli = Cli::try_parse_from(["portal", "--public-url", given]).unwrap();
            assert_eq!(cli.serve.public_url.as_deref(), Some(kept), "{given}");
        }
        for refused in [
            "portal.example.com",
            "not a url",
            "ftp://x",
            "https://portal.example.com/portal",
            "https://portal.example.com/?a=1",
            "https://portal.example.com/#top",
            "https://user@portal.example.com",
            "",
        ] {
            let err = Cli::try_parse_from(["portal", "--public-url", refused]).unwrap_err();
            let message = err.to_string();
            assert!(message.contains("--public-url"), "{message}");
            assert!(message.contains("absolute http or https URL"), "{message}");
        }
    }

    #[test]
    fn audit_export_parses() {
        let cli = Cli::try_parse_from([
            "portal", "audit", "export", "--format", "json", "-o", "x.json",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Audit {
                command: AuditCommand::Export {
                    format: ExportFormat::Json,
                    ..
                }
            })
        ));
    }
}
