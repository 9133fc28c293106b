//! Prints the medians of the last `compare` bench run as one markdown table.
//!
//! Reads `<target>/criterion/<workload>/<implementation>/new/estimates.json`, where
//! `<target>` is `$CARGO_TARGET_DIR` if set (as criterion itself does) or this package's
//! `target/`, unless a directory is given as the first argument.

use rfc6455_compare::{criterion_root, median_ns, time, PEERS, WORKLOADS};

fn main() {
    let root = criterion_root();

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
