//! The portal under test: the built binary on a free loopback port with a fresh data directory
//! and its sandbox at fast speed (unless a test asks for another), its log kept next to the
//! screenshots, killed on drop.

use crate::artefacts::Artefacts;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use tempfile::TempDir;

const START_TIMEOUT: Duration = Duration::from_secs(30);
const BANNER: &str = "ExpressRoute portal on ";

pub struct Portal {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    data: TempDir,
}

impl Portal {
    /// Its data directory (the SQLite files and the server key).
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Starts the portal with `extra_args` and waits for the line announcing its address; `log`
    /// receives its standard error (the tracing log).
    pub fn start(artefacts: &Artefacts, log: &Path, extra_args: &[&str]) -> Portal {
        let data = tempfile::tempdir().expect("a temporary data directory");
        let stderr =
            File::create(log).unwrap_or_else(|e| panic!("could not create {}: {e}", log.display()));
        // Fast unless the test asks for another speed.
        let speed = if extra_args.contains(&"--sandbox-speed") {
            &[][..]
        } else {
            &["--sandbox-speed", "fast"][..]
        };
        let mut child = Command::new(&artefacts.portal_bin)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data.path())
            .arg("--static-dir")
            .arg(&artefacts.dist)
            .args(speed)
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", artefacts.portal_bin.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        // Read the banner, then keep draining so a later line never meets a closed pipe.
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(rest) = line.strip_prefix(BANNER) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(url);
                    let _ = reader.read_to_end(&mut Vec::new());
                    return;
                }
                line.clear();
            }
        });
        let url = match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the portal did not announce its address within {START_TIMEOUT:?}; see {}",
                    log.display()
                );
            }
        };
        Portal { child, url, data }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
