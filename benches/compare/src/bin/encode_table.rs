//! Prints the medians of the last `encode` bench run as one markdown table per role.
//!
//! Reads `<target>/criterion/encode_<role>_<workload>/<implementation>/new/estimates.json`,
//! where `<target>` is found as in `table`: the first argument, else `$CARGO_TARGET_DIR`,
//! else this package's `target/`.

use std::path::{Path, PathBuf};

const WORKLOADS: [&str; 5] = [
    "W1_1M_x_16B_binary",
    "W2_100k_x_1KiB_binary",
    "W3_100_x_1MiB_binary",
    "W4_100k_x_1KiB_text",
    "W5_1k_x_16x4KiB_fragments",
];
const PEERS: [&str; 3] = ["websocket-sans-io", "tungstenite", "fastwebsockets"];

fn median_ns(root: &Path, group: &str, implementation: &str) -> Option<f64> {
    let path = root
        .join(group)
        .join(implementation)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
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

fn ratio(num: Option<f64>, den: Option<f64>) -> String {
    match (num, den) {
        (Some(n), Some(d)) => format!("{:.2}×", n / d),
        _ => "–".into(),
    }
}

fn table(root: &Path, role: &str) {
    // The client has a copy-and-mask baseline; the server the header-only path.
    let (extra, extra_label) = match role {
        "client" => ("memcpy+xor", "memcpy+xor"),
        _ => ("rfc6455_header_only", "rfc6455 header-only"),
    };
    let mut header = vec!["workload", "rfc6455", extra_label];
    header.extend(PEERS);
    header.extend(["memcpy", "rfc6455 / memcpy"]);
    if role == "client" {
        header.push("rfc6455 / memcpy+xor");
    }
    header.push("rfc6455 / best peer");
    println!("{role}:\n");
    println!("| {} |", header.join(" | "));
    println!("|{}", " --- |".repeat(header.len()));
    let cell = |v: Option<f64>| v.map_or("–".to_string(), time);
    for w in WORKLOADS {
        let group = format!("encode_{role}_{w}");
        let get = |name| median_ns(root, &group, name);
        let ours = get("rfc6455");
        let peers: Vec<_> = PEERS.iter().map(|p| get(p)).collect();
        let best = PEERS
            .iter()
            .zip(&peers)
            .filter_map(|(name, v)| v.map(|v| (name, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let mut row = vec![w.to_string(), cell(ours), cell(get(extra))];
        row.extend(peers.iter().map(|&v| cell(v)));
        row.push(cell(get("memcpy")));
        row.push(ratio(ours, get("memcpy")));
        if role == "client" {
            row.push(ratio(ours, get(extra)));
        }
        row.push(match best {
            Some((name, v)) => format!("{} ({name})", ratio(ours, Some(v))),
            None => "–".into(),
        });
        println!("| {} |", row.join(" | "));
    }
    println!();
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
    table(&root, "client");
    table(&root, "server");
    println!(
        "Times are criterion medians of one whole workload. A ratio is rfc6455's time over \
         the named column's: above 1 is slower than it. The header-only column writes no \
         payload bytes."
    );
}
