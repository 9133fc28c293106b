#!/usr/bin/env bash
# WebSocket over HTTP/3 (RFC 9220, issue 16): examples/h3_echo runs its echo server and
# client on quinn + h3 + h3-quinn over loopback, the extended CONNECT converted by
# rfc6455's `http` feature and the frames run by rfc6455-io over the request stream.
# Its tests cover text, binary, ping/pong, the close round trip, permessage-deflate, and
# refusals (no `:protocol`, another `:protocol`, a wrong Sec-WebSocket-Version) as they
# arrive on the wire. One line at the end, `h3-interop-test: PASS (...)` or FAIL, and
# exit 1 on failure.
#
#   bash scripts/h3-interop-test.sh
#
# Every step is bounded by `timeout`; nothing listens beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=examples/h3_echo
MANIFEST=$PKG/Cargo.toml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

die() {
  echo "h3-interop-test: FAIL $*"
  exit 1
}

# vendor/h3 stands in for the h3 release (see the package's Cargo.toml): that release,
# fetched from crates.io, plus vendor/h3-0.0.8-websocket.patch. It is made here rather
# than kept in git: the patch is the only change worth reviewing.
if [[ ! -f $PKG/vendor/h3/Cargo.toml ]]; then
  mkdir -p "$WORK/fetch/src"
  printf '[package]\nname = "fetch-h3"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nh3 = "=0.0.8"\n[workspace]\n' \
    >"$WORK/fetch/Cargo.toml"
  touch "$WORK/fetch/src/lib.rs"
  timeout 300 cargo fetch --manifest-path "$WORK/fetch/Cargo.toml" >"$WORK/fetch.out" 2>&1 ||
    die "cargo fetch of h3 0.0.8: $(tail -c 300 "$WORK/fetch.out")"
  release=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/h3-0.0.8 | head -n 1)
  [[ -d $release ]] || die "h3 0.0.8 not in the cargo registry after the fetch"
  cp -r "$release" "$WORK/h3"
  timeout 60 patch --force --silent -p1 -d "$WORK/h3" \
    <"$PKG/vendor/h3-0.0.8-websocket.patch" >"$WORK/patch.out" 2>&1 ||
    die "vendor/h3-0.0.8-websocket.patch does not apply to h3 0.0.8: $(head -c 300 "$WORK/patch.out")"
  mv "$WORK/h3" "$PKG/vendor/h3"
fi

timeout 1200 cargo build --locked --manifest-path "$MANIFEST" --tests >"$WORK/build.out" 2>&1 || {
  tail -n 30 "$WORK/build.out"
  die "cargo build of $MANIFEST"
}

versions=$(for name in quinn h3 h3-quinn; do
  awk -v n="$name" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); printf "%s %s", n, $0 }' \
    "$PKG/Cargo.lock"
  [[ $name == h3 ]] && printf ' (vendor/h3, patched)'
  printf ', '
done)

rc=0
timeout 600 cargo test --locked --manifest-path "$MANIFEST" >"$WORK/tests.out" 2>&1 || rc=$?
passed=$(grep -c '^test .* \.\.\. ok$' "$WORK/tests.out" || true)
failed=$(grep -c '^test .* \.\.\. FAILED$' "$WORK/tests.out" || true)
if ((rc != 0 || failed > 0 || passed == 0)); then
  grep '^test .* \.\.\. FAILED$' "$WORK/tests.out" || true
  tail -n 40 "$WORK/tests.out"
  die "($failed failed, $passed passed, cargo test exited $rc)"
fi
echo "h3-interop-test: PASS ($passed tests over HTTP/3; ${versions%, })"
