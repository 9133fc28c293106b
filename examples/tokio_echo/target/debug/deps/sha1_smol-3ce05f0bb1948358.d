/work/main/examples/tokio_echo/target/debug/deps/sha1_smol-3ce05f0bb1948358.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/simd.rs

/work/main/examples/tokio_echo/target/debug/deps/libsha1_smol-3ce05f0bb1948358.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/simd.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/sha1_smol-1.0.1/src/simd.rs:
