//! Load with wrk: fixed connections for a fixed time, `--latency` for the percentiles, and the
//! figures read back from its report.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// What one wrk run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkResult {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers that were not 2xx or 3xx.
    pub non_2xx: u64,
    /// Connect, read, write and timeout errors.
    pub socket_errors: u64,
}

/// One load run.
#[derive(Debug, Clone)]
pub struct Load<'a> {
    pub url: &'a str,
    pub headers: &'a [String],
    pub connections: u32,
    pub threads: u32,
    pub seconds: u32,
}

pub fn run(wrk: &Path, load: &Load<'_>) -> Result<WrkResult> {
    let mut command = Command::new(wrk);
    command
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("--latency");
    for header in load.headers {
        command.arg("-H").arg(header);
    }
    command.arg(load.url);
    let output = command
        .output()
        .with_context(|| format!("running {}", wrk.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse(&text).with_context(|| format!("reading wrk's report:\n{text}"))
}

fn parse(report: &str) -> Result<WrkResult> {
    let mut result = WrkResult {
        requests_per_sec: f64::NAN,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        non_2xx: 0,
        socket_errors: 0,
    };
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => result.requests_per_sec = rps.parse()?,
            ["50%", latency] => result.p50_ms = millis(latency)?,
            ["99%", latency] => result.p99_ms = millis(latency)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => result.non_2xx = n.parse()?,
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                result.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    if result.requests_per_sec.is_nan() || result.p99_ms.is_nan() {
        bail!("no Requests/sec or 99% latency line");
    }
    Ok(result)
}

/// wrk's latencies: `812.00us`, `1.23ms`, `1.02s`, `2.00m`.
fn millis(text: &str) -> Result<f64> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("no unit in {text}"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse()?;
    Ok(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        other => bail!("unknown unit {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
Running 10s test @ http://127.0.0.1:8080/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   845.12us  300.00us  12.34ms   90.00%
    Req/Sec    19.00k     1.00k   21.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    1.01ms
     90%    1.20ms
     99%    2.50ms
  190000 requests in 10.00s, 50.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  18999.50
Transfer/sec:      5.00MB
";

    #[test]
    fn the_report_is_read_in_milliseconds() {
        let r = parse(REPORT).unwrap();
        assert_eq!(r.requests_per_sec, 18999.5);
        assert!((r.p50_ms - 0.812).abs() < 1e-9);
        assert_eq!(r.p99_ms, 2.5);
        assert_eq!((r.non_2xx, r.socket_errors), (7, 3));
    }

    #[test]
    fn a_report_without_throughput_is_an_error() {
        assert!(parse("Running 10s test").is_err());
        assert_eq!(millis("1.02s").unwrap(), 1020.0);
    }
}
