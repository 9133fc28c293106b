//! Prints the medians of the last `compare` bench run as one markdown table.
//!
//! Reads `<target>/criterion/<workload>/<implementation>/new/estimates.json`, where
//! `<target>` is `$CARGO_TARGET_DIR` if set (as criterion itself does) or this package's
//! `target/`, unless a directory is given as the first argument.

use std::path::{Path, PathBuf};

const WORKLOADS: [&str; 5] = [
    "W1_1M_x_16B_binary",
    "W2_100k_x_1KiB_binary",
    "W3_100_x_1MiB_binary",
    "W4_100k_x_1KiB_text",
    "W5_1k_x_16x4KiB_fragments",
];
const PEERS: [&str; 3] = ["websocket-sans-io", "tungstenite", "fastwebsockets"];

fn median_ns(root: &Path, workload: &str, implementation: &str) -> Option<f64> {
    let path = root
        .join(workload)
        .join(implementation)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn main() {
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

    let mut header = vec!["workload".to_string(), "rfc6455".into()];
    header.extend(PEERS.iter().map(|p| p.to_string()));
    header.push("u64 walk".into());
    header.push("memcpy".into());
    header.extend(PEERS.iter().map(|p| format!("{p} / rfc6455")));
    header.push("u64 walk / rfc6455".into());
    println!("| {} |", header.join(" | "));
    println!("|{}", " --- |".repeat(header.len()));

    let cell = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("–".to_string(), f);
    for w in WORKLOADS {
        let ours = median_ns(&root, w, "rfc6455");
        let peers: Vec<_> = PEERS.iter().map(|p| median_ns(&root, w, p)).collect();
        let walk = median_ns(&root, w, "u64_walk");
        let memcpy = median_ns(&root, w, "memcpy");
        let ratio = |v: Option<f64>| match (v, ours) {
            (Some(v), Some(o)) => format!("{:.2}×", v / o),
            _ => "–".into(),
        };
        let mut row = vec![w.to_string(), cell(ours, &time)];
        row.extend(peers.iter().map(|&v| cell(v, &time)));
        row.push(cell(walk, &time));
        row.push(cell(memcpy, &time));
        row.extend(peers.iter().map(|&v| ratio(v)));
        row.push(ratio(walk));
        println!("| {} |", row.join(" | "));
    }
    println!();
    println!(
        "Times are criterion medians of one whole workload. A ratio is that column's time \
         over rfc6455's: above 1 is slower than rfc6455. `u64 walk / rfc6455` is the share \
         of the physical limit rfc6455 reaches."
    );
}
