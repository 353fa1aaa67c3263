//! The browser app: `trunk build` into frontend/dist, a gzipped copy of each text and wasm asset
//! beside it (the portal serves those as they are instead of compressing on every request;
//! zopfli makes them about 5% smaller than `gzip -9` would), and a report of what the browser
//! downloads.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::exec;
use crate::paths::Repo;

/// Fetches every crate first so that trunk, and the cargo it runs, can work `--offline`; the
/// cargo profile comes from `data-cargo-profile` in frontend/index.html.
pub fn build(repo: &Repo) -> Result {
    exec::run(repo.cargo().arg("fetch"))?;
    let dist = repo.dist();
    exec::run(
        Command::new("trunk")
            .args(["build", "--offline", "--release", "--dist"])
            .arg(&dist)
            .current_dir(repo.frontend()),
    )?;
    report_size(&dist)
}

/// Writes the compressed copy beside each asset of `dist` and prints the sizes.
pub fn report_size(dist: &Path) -> Result {
    let mut files = Vec::new();
    collect_files(dist, &mut files)?;
    files.sort();
    let compressor = Compressor::find();
    let mut total = 0;
    let mut total_gzip = 0;
    println!("{}:", dist.display());
    for file in &files {
        let size = fs::metadata(file)
            .map_err(|error| format!("could not read {}: {error}", file.display()))?
            .len();
        total += size;
        let name = file.strip_prefix(dist).unwrap_or(file).display();
        if let Some(compressor) = compressor.filter(|_| is_compressible(file)) {
            let gzipped = compressor.gzip_beside(file)?;
            total_gzip += gzipped;
            println!(
                "  {name:<48} {:>10}  gzip {:>10}",
                human_size(size),
                human_size(gzipped)
            );
        } else {
            println!("  {name:<48} {:>10}", human_size(size));
        }
    }
    let count = files.len();
    if let Some(compressor) = compressor {
        println!(
            "frontend dist: {count} files, {}; .wasm/.js/.css/.html gzip ({}): {}",
            human_size(total),
            compressor.name(),
            human_size(total_gzip)
        );
    } else {
        println!(
            "frontend dist: {count} files, {} (neither zopfli nor gzip found, no compressed size)",
            human_size(total)
        );
    }
    Ok(())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    let entries =
        fs::read_dir(dir).map_err(|error| format!("could not list {}: {error}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|error| format!("could not list {}: {error}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path.extension().is_none_or(|extension| extension != "gz") {
            files.push(path);
        }
    }
    Ok(())
}

/// What a web server would send compressed.
fn is_compressible(file: &Path) -> bool {
    file.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| matches!(extension, "wasm" | "js" | "css" | "html"))
}

/// What writes the `.gz` copies: zopfli where setup could install it, else `gzip -9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compressor {
    Zopfli,
    Gzip,
}

impl Compressor {
    fn find() -> Option<Self> {
        if exec::find_on_path("zopfli").is_some() {
            Some(Self::Zopfli)
        } else if exec::find_on_path("gzip").is_some() {
            Some(Self::Gzip)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Zopfli => "zopfli",
            Self::Gzip => "gzip -9",
        }
    }

    /// The command that writes `file` gzip-compressed to standard output.
    fn command(self, file: &Path) -> Command {
        let mut command = match self {
            Self::Zopfli => {
                let mut zopfli = Command::new("zopfli");
                zopfli.args(["--gzip", "-c"]);
                zopfli
            }
            Self::Gzip => {
                let mut gzip = Command::new("gzip");
                gzip.args(["-9", "-c"]);
                gzip
            }
        };
        command.arg(file);
        command
    }

    /// Writes `<file>.gz` and returns its size.
    fn gzip_beside(self, file: &Path) -> Result<u64> {
        let mut command = self.command(file);
        let output = command
            .output()
            .map_err(|error| format!("could not start `{}`: {error}", exec::display(&command)))?;
        if !output.status.success() {
            return Err(format!(
                "`{}` failed ({})",
                exec::display(&command),
                output.status
            ));
        }
        let mut gz = file.as_os_str().to_owned();
        gz.push(".gz");
        fs::write(&gz, &output.stdout)
            .map_err(|error| format!("could not write {}: {error}", Path::new(&gz).display()))?;
        Ok(output.stdout.len() as u64)
    }
}

fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    match bytes {
        b if b >= MIB => format!("{:.2} MiB", b as f64 / MIB as f64),
        b if b >= KIB => format!("{:.1} KiB", b as f64 / KIB as f64),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::env;

    #[test]
    fn sizes_are_shown_in_the_largest_fitting_unit() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.50 MiB");
    }

    #[test]
    fn each_compressor_writes_gzip_to_standard_output() {
        let file = Path::new("dist/app_bg.wasm");
        let words = |compressor: Compressor| exec::display(&compressor.command(file));
        assert_eq!(
            words(Compressor::Zopfli),
            "zopfli --gzip -c dist/app_bg.wasm"
        );
        assert_eq!(words(Compressor::Gzip), "gzip -9 -c dist/app_bg.wasm");
    }

    /// With the compressor this machine has, the copy is a gzip stream of the same bytes.
    #[test]
    fn the_compressed_copy_is_gzip_of_the_file() {
        let Some(compressor) = Compressor::find() else {
            return;
        };
        let dir = env::temp_dir().join(format!("xtask-gzip-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("style.css");
        let content = "body { margin: 0; }\n".repeat(200);
        fs::write(&file, &content).unwrap();
        let size = compressor.gzip_beside(&file).unwrap();
        let gz = fs::read(dir.join("style.css.gz")).unwrap();
        assert_eq!(size, gz.len() as u64);
        assert_eq!(gz[..2], [0x1f, 0x8b], "gzip magic");
        assert!(gz.len() < content.len() / 10, "{} bytes", gz.len());
        if exec::find_on_path("gzip").is_some() {
            let output = Command::new("gzip")
                .arg("-dc")
                .arg(dir.join("style.css.gz"))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(output.stdout).unwrap(), content);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_text_and_wasm_assets_count_as_compressible() {
        assert!(is_compressible(Path::new("dist/frontend-1a2b_bg.wasm")));
        assert!(is_compressible(Path::new("dist/index.html")));
        assert!(is_compressible(Path::new("dist/style.css")));
        assert!(is_compressible(Path::new("dist/frontend-1a2b.js")));
        assert!(!is_compressible(Path::new("dist/favicon.png")));
        assert!(!is_compressible(Path::new("dist/LICENSE")));
    }
}
