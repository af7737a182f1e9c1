//! Draws the criterion results of `cargo bench --bench bulk` as bar charts:
//! `docs/img/benchmarks-cache.svg` and `docs/img/benchmarks-dram.svg` (G elements/s per
//! kernel, every backend beside the same-bytes copy and the peers).
//!
//! ```sh
//! cargo bench --bench bulk
//! cargo run --release --example bench_plot
//! ```

#[path = "common/svg.rs"]
mod svg;

use std::collections::BTreeMap;
use std::path::Path;

/// The text after `"key":` in a JSON document (enough for criterion's flat files).
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    Some(&json[at..])
}

fn string_field(json: &str, key: &str) -> Option<String> {
    let rest = field(json, key)?.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

fn number_field(json: &str, key: &str) -> Option<f64> {
    let rest = field(json, key)?;
    let end = rest.find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))?;
    rest[..end].parse().ok()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crit = root.join("target/criterion");
    // group id -> (function id -> G elements/s)
    let mut groups: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    let Ok(dirs) = std::fs::read_dir(&crit) else {
        eprintln!(
            "no {} — run `cargo bench --bench bulk` first",
            crit.display()
        );
        std::process::exit(1);
    };
    for g in dirs.flatten() {
        let mut stack = vec![g.path()];
        while let Some(d) = stack.pop() {
            let new = d.join("new");
            if let (Ok(b), Ok(e)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(new.join("estimates.json")),
            ) {
                let (Some(group), Some(func), Some(n)) = (
                    string_field(&b, "group_id"),
                    string_field(&b, "function_id"),
                    field(&b, "throughput").and_then(|t| number_field(t, "Elements")),
                ) else {
                    continue;
                };
                let Some(ns) = field(&e, "median").and_then(|m| number_field(m, "point_estimate"))
                else {
                    continue;
                };
                let name = match string_field(&b, "value_str") {
                    Some(v) => format!("{func} {v}"),
                    None => func,
                };
                groups.entry(group).or_default().push((name, n / ns));
            } else if let Ok(sub) = std::fs::read_dir(&d) {
                stack.extend(sub.flatten().map(|s| s.path()).filter(|p| p.is_dir()));
            }
        }
    }
    for size in ["cache", "dram"] {
        let mut rows: Vec<(String, Vec<(String, f64)>)> = groups
            .iter()
            .filter(|(g, _)| g.ends_with(&format!("/{size}")))
            .map(|(g, v)| {
                let mut v = v.clone();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                (g.trim_end_matches(&format!("/{size}")).to_string(), v)
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        if rows.is_empty() {
            continue;
        }
        let svg = svg::bars(
            &format!("cargo bench --bench bulk: {size}-sized inputs"),
            "single thread, median of criterion samples, this machine (see docs/benchmarks.md)",
            "G elements per second",
            &rows,
        );
        let out = root.join(format!("docs/img/benchmarks-{size}.svg"));
        std::fs::write(&out, svg).expect("write the chart");
        println!("wrote {} ({} groups)", out.display(), rows.len());
    }
}
