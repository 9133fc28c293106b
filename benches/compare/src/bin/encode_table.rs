//! Prints the medians of the last `encode` bench run as one markdown table per role.
//!
//! Reads `<target>/criterion/encode_<role>_<workload>/<implementation>/new/estimates.json`,
//! where `<target>` is found as in `table`: the first argument, else `$CARGO_TARGET_DIR`,
//! else this package's `target/`.

use rfc6455_compare::{criterion_root, median_ns, time, PEERS, WORKLOADS};
use std::path::Path;

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
    let root = criterion_root();
    table(&root, "client");
    table(&root, "server");
    println!(
        "Times are criterion medians of one whole workload. A ratio is rfc6455's time over \
         the named column's: above 1 is slower than it. The header-only column writes no \
         payload bytes."
    );
}
