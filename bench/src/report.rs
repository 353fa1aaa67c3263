//! The results: each figure's measures with anchor, ratio and target, written as
//! `bench/report.json` and as the generated part of `bench/REPORT.md` (the analysis written
//! by hand around it is kept).

use crate::stats::Summary;
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

const BEGIN: &str = "<!-- portal-bench: generated results begin -->";
const END: &str = "<!-- portal-bench: generated results end -->";

/// One measure: its runs, the anchor measured in the same run, and the targets it must meet.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub name: String,
    pub unit: &'static str,
    pub value: Summary,
    pub anchor: Option<Anchor>,
    /// Median over the anchor's median.
    pub ratio: Option<f64>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Anchor {
    pub name: String,
    pub value: Summary,
}

/// A target and whether the median meets it.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub text: String,
    pub met: bool,
    /// How far inside (or outside) the limit the median is.
    pub margin: String,
}

impl Target {
    pub fn at_most(text: &str, value: f64, limit: f64) -> Self {
        let met = value <= limit;
        let margin = if value <= 0.0 {
            "at or below zero".to_owned()
        } else if met {
            format!("{:.0}% under", (limit - value) / limit * 100.0)
        } else {
            format!("{:.0}% over", (value - limit) / limit * 100.0)
        };
        Target {
            text: text.to_owned(),
            met,
            margin,
        }
    }

    pub fn at_least(text: &str, value: f64, limit: f64) -> Self {
        let met = value >= limit;
        let margin = if met {
            format!("{:.0}% above", (value - limit) / limit * 100.0)
        } else {
            format!("{:.0}% short", (limit - value) / limit * 100.0)
        };
        Target {
            text: text.to_owned(),
            met,
            margin,
        }
    }

    /// An exact count that must be reached, such as zero lost rows.
    pub fn exactly(text: &str, value: f64, wanted: f64) -> Self {
        let met = value == wanted;
        Target {
            text: text.to_owned(),
            met,
            margin: if met {
                "exact".to_owned()
            } else {
                format!("{value} instead of {wanted}")
            },
        }
    }
}

impl Measure {
    pub fn new(name: impl Into<String>, unit: &'static str, runs: Vec<f64>) -> Self {
        Measure {
            name: name.into(),
            unit,
            value: Summary::of(runs),
            anchor: None,
            ratio: None,
            targets: Vec::new(),
        }
    }

    pub fn anchor(mut self, name: impl Into<String>, runs: Vec<f64>) -> Self {
        let value = Summary::of(runs);
        self.ratio = Some(self.value.median / value.median);
        self.anchor = Some(Anchor {
            name: name.into(),
            value,
        });
        self
    }

    /// Adds a target judged on this measure's median.
    pub fn target(mut self, make: impl FnOnce(f64) -> Target) -> Self {
        self.targets.push(make(self.value.median));
        self
    }

    /// Adds a target judged on the ratio to the anchor.
    pub fn ratio_target(mut self, make: impl FnOnce(f64) -> Target) -> Self {
        let ratio = self.ratio.unwrap_or(f64::NAN);
        self.targets.push(make(ratio));
        self
    }
}

/// One figure of the issue: what was measured, how, and the measures.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub id: &'static str,
    pub title: &'static str,
    pub method: String,
    pub measures: Vec<Measure>,
    pub notes: Vec<String>,
}

/// Where and when the benchmark ran.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    pub memory: String,
    pub date: String,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub settings: Vec<(String, String)>,
    /// Seconds the benchmark binary ran (the builds before it not included).
    pub bench_seconds: f64,
    pub figures: Vec<Figure>,
}

impl Report {
    pub fn write(&self, out_dir: &Path) -> Result<()> {
        std::fs::create_dir_all(out_dir)?;
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(out_dir.join("report.json"), json + "\n")?;
        let path = out_dir.join("REPORT.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let generated = format!("{BEGIN}\n{}{END}", self.markdown());
        let text = match (existing.find(BEGIN), existing.find(END)) {
            (Some(begin), Some(end)) if begin < end => format!(
                "{}{generated}{}",
                &existing[..begin],
                &existing[end + END.len()..]
            ),
            _ => format!(
                "# Benchmark report\n\nReproduce with `cargo xtask bench`.\n\n{generated}\n"
            ),
        };
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    fn markdown(&self) -> String {
        let m = &self.machine;
        let mut s = String::new();
        let _ = writeln!(s, "## Results\n");
        let _ = writeln!(
            s,
            "Machine: {} ({} cores), Linux {}, {} memory. Run {} at commit `{}`; the \
             benchmark binary took {:.0} s. The load generator, the portal, the simulator and \
             nginx all share these cores, so every throughput below is what is left after the \
             load generator's own share.\n",
            m.cpu, m.cores, m.kernel, m.memory, m.date, m.commit, self.bench_seconds
        );
        let _ = writeln!(s, "Settings:\n");
        for (name, value) in &self.settings {
            let _ = writeln!(s, "- {name}: {value}");
        }
        let _ = writeln!(s, "\n### Summary\n");
        let _ = writeln!(s, "| figure | measure | median | target | result |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for f in &self.figures {
            for measure in &f.measures {
                for t in &measure.targets {
                    let _ = writeln!(
                        s,
                        "| {} | {} | {} | {} | {} |",
                        f.title,
                        measure.name,
                        number(measure.value.median, measure.unit),
                        t.text,
                        verdict(t)
                    );
                }
            }
        }
        for f in &self.figures {
            let _ = writeln!(s, "\n### {}\n\n{}\n", f.title, f.method);
            let _ = writeln!(
                s,
                "| measure | median | min | max | anchor: median (min–max) | ratio | target | result |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
            for measure in &f.measures {
                let v = &measure.value;
                let anchor = measure.anchor.as_ref().map_or("–".to_owned(), |a| {
                    format!(
                        "{}: {} ({}–{})",
                        a.name,
                        number(a.value.median, measure.unit),
                        number(a.value.min, measure.unit),
                        number(a.value.max, measure.unit)
                    )
                });
                let ratio = measure.ratio.map_or("–".to_owned(), |r| format!("{r:.2}×"));
                let (targets, results) = if measure.targets.is_empty() {
                    ("–".to_owned(), "–".to_owned())
                } else {
                    (
                        join(measure.targets.iter().map(|t| t.text.clone())),
                        join(measure.targets.iter().map(verdict)),
                    )
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {anchor} | {ratio} | {targets} | {results} |",
                    measure.name,
                    number(v.median, measure.unit),
                    number(v.min, measure.unit),
                    number(v.max, measure.unit),
                );
            }
            for note in &f.notes {
                let _ = writeln!(s, "\n{note}");
            }
        }
        s
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("; ")
}

fn verdict(t: &Target) -> String {
    if t.met {
        format!("**met** ({})", t.margin)
    } else {
        format!("**missed** ({})", t.margin)
    }
}

/// A value with its unit, with as many decimals as its size needs.
pub fn number(value: f64, unit: &str) -> String {
    let digits = match value.abs() {
        _ if value.fract() == 0.0 => 0,
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        v if v >= 1.0 => 2,
        _ => 3,
    };
    if unit.is_empty() {
        format!("{value:.digits$}")
    } else {
        format!("{value:.digits$} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_say_how_far_inside_or_outside_they_are() {
        let t = Target::at_most("≤ 200 ms", 50.0, 200.0);
        assert!(t.met);
        assert_eq!(t.margin, "75% under");
        assert_eq!(
            Target::at_most("≤ 1 ms", -0.5, 1.0).margin,
            "at or below zero"
        );
        let t = Target::at_least("≥ 1000/s", 800.0, 1000.0);
        assert!(!t.met);
        assert_eq!(t.margin, "20% short");
        assert!(Target::exactly("0 lost", 0.0, 0.0).met);
    }

    #[test]
    fn numbers_keep_three_significant_digits_or_so() {
        assert_eq!(number(1234.6, "req/s"), "1235 req/s");
        assert_eq!(number(12.345, "ms"), "12.3 ms");
        assert_eq!(number(0.1234, "ms"), "0.123 ms");
        assert_eq!(number(2.5, ""), "2.50");
        assert_eq!(number(0.0, "rows"), "0 rows");
    }
}
