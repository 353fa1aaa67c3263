//! `console-connect-simulator`: serves the simulated Console Connect API with its demo data.

use clap::{Parser, ValueEnum};
use simulator::{Clock, Config, Delays, Simulator, demo};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// A stateful stand-in for PCCW Global's Console Connect API (the Azure ExpressRoute
/// endpoints), seeded with demo companies, ports, service keys and connections.
#[derive(Debug, Parser)]
#[command(version, after_help = CONTROL_ROUTES)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SIMULATOR_LISTEN", default_value = "127.0.0.1:9090")]
    listen: SocketAddr,

    /// How long connections take to create, provision and delete, and peerings to sync:
    /// `realistic` (seconds), `fast` (under a second, for browser tests) or `instant`.
    #[arg(long, env = "SIMULATOR_DELAYS", value_enum, default_value_t = DelayProfile::Realistic)]
    delays: DelayProfile,
}

/// What `--help` says of the control routes, which take no API key and are never faulted.
const CONTROL_ROUTES: &str = "\
Control routes (no API key; never faulted or logged):
  PUT    /__sim/faults/{route}  set the fault of one route, e.g. {\"status\": 503, \"times\": 2};
                                route: any, who_am_i, list_ports, list_connections,
                                get_connection, delete_connection, verify_service_key,
                                create_connection, update_peering, read_peering, delete_peering;
                                fields: latencyMs, status (with retryAfterSecs, echoRequest),
                                malformedBody, emptyBody, otherBody, hang, times
  GET    /__sim/faults          the faults in force
  DELETE /__sim/faults          clear them all
  GET    /__sim/requests        the requests received (request lines only); DELETE clears them
  GET    /__sim/demo            the demo API keys and service keys";

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DelayProfile {
    Realistic,
    Fast,
    Instant,
}

impl DelayProfile {
    fn delays(self) -> Delays {
        match self {
            DelayProfile::Realistic => Delays::realistic(),
            DelayProfile::Fast => Delays::fast(),
            DelayProfile::Instant => Delays::instant(),
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,simulator=debug")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let listener = TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let simulator = Simulator::new(Config {
        delays: args.delays.delays(),
        clock: Clock::Real,
    });
    println!(
        "Console Connect simulator on http://{addr} (delays: {:?})",
        args.delays
    );
    println!("Demo API keys (Authorization: Bearer <key>):");
    for key in demo::API_KEYS {
        println!("  {}  {}", key.key, key.description);
    }
    println!("Demo Azure service keys:");
    for key in demo::SERVICE_KEYS {
        println!("  {}  {}", key.key, key.description);
    }
    tracing::info!(%addr, "listening");
    simulator.serve(listener).await
}
