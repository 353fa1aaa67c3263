//! The browser app: `trunk build` into frontend/dist, a gzipped copy of each text and wasm asset
//! beside it (the portal serves those as they are instead of compressing on every request), and
//! a report of what the browser downloads.

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

fn report_size(dist: &Path) -> Result {
    let mut files = Vec::new();
    collect_files(dist, &mut files)?;
    files.sort();
    let gzip_available = exec::find_on_path("gzip").is_some();
    let mut total = 0;
    let mut total_gzip = 0;
    println!("{}:", dist.display());
    for file in &files {
        let size = fs::metadata(file)
            .map_err(|error| format!("could not read {}: {error}", file.display()))?
            .len();
        total += size;
        let name = file.strip_prefix(dist).unwrap_or(file).display();
        if gzip_available && is_compressible(file) {
            let gzipped = gzip_beside(file)?;
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
    if gzip_available {
        println!(
            "frontend dist: {count} files, {}; .wasm/.js/.css/.html gzip -9: {}",
            human_size(total),
            human_size(total_gzip)
        );
    } else {
        println!(
            "frontend dist: {count} files, {} (gzip not found, no compressed size)",
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

/// Writes `<file>.gz` (gzip -9) and returns its size.
fn gzip_beside(file: &Path) -> Result<u64> {
    let mut gzip = Command::new("gzip");
    gzip.args(["-9", "-c"]).arg(file);
    let output = gzip
        .output()
        .map_err(|error| format!("could not start `{}`: {error}", exec::display(&gzip)))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({})",
            exec::display(&gzip),
            output.status
        ));
    }
    let mut gz = file.as_os_str().to_owned();
    gz.push(".gz");
    fs::write(&gz, &output.stdout)
        .map_err(|error| format!("could not write {}: {error}", Path::new(&gz).display()))?;
    Ok(output.stdout.len() as u64)
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

    #[test]
    fn sizes_are_shown_in_the_largest_fitting_unit() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.50 MiB");
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
