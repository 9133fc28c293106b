//! What the two table printers (`table` for decoding, `encode_table` for encoding) share:
//! the workload and peer names, where criterion left its results, and how a time reads.

use std::path::{Path, PathBuf};

/// W1–W5, as criterion names their groups.
pub const WORKLOADS: [&str; 5] = [
    "W1_1M_x_16B_binary",
    "W2_100k_x_1KiB_binary",
    "W3_100_x_1MiB_binary",
    "W4_100k_x_1KiB_text",
    "W5_1k_x_16x4KiB_fragments",
];

/// The other implementations both benches measure.
pub const PEERS: [&str; 3] = ["websocket-sans-io", "tungstenite", "fastwebsockets"];

/// Criterion's output: the first argument, else `$CARGO_TARGET_DIR/criterion` (as
/// criterion itself decides), else this package's `target/criterion`. Exits with a
/// message when there is nothing there yet.
pub fn criterion_root() -> PathBuf {
    let root = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("criterion"),
    };
    if !root.is_dir() {
        eprintln!(
            "no criterion results under {}; run the bench first",
            root.display()
        );
        std::process::exit(1);
    }
    root
}

/// The median time, in ns, of `implementation` in criterion group `group`.
pub fn median_ns(root: &Path, group: &str, implementation: &str) -> Option<f64> {
    let path = root
        .join(group)
        .join(implementation)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// A time in ns, in the unit that reads best.
pub fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}
