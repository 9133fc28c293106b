#!/usr/bin/env bash
# Installs the Autobahn TestSuite's `wstest` (PyPI autobahntestsuite 25.10.1: Python 2.7,
# Autobahn 0.10.9, Twisted 19.10.0) into a virtualenv, on Debian 12, without Docker.
# Idempotent: does nothing when the virtualenv's wstest already runs. Needs root (apt) the
# first time; non-interactive; every network step is bounded by `timeout`.
#
# Env: WSTEST_PREFIX  virtualenv (default /opt/wstest)
#      WSTEST_LINK    symlink to create (default /usr/local/bin/wstest; empty: none)
set -euo pipefail

PREFIX="${WSTEST_PREFIX:-/opt/wstest}"
LINK="${WSTEST_LINK-/usr/local/bin/wstest}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

link() {
  if [ -n "$LINK" ] && [ "$(readlink -f "$LINK" 2>/dev/null)" != "$(readlink -f "$PREFIX/bin/wstest")" ]; then
    ln -sf "$PREFIX/bin/wstest" "$LINK"
  fi
}

if [ -x "$PREFIX/bin/wstest" ] && timeout 60 "$PREFIX/bin/wstest" -a >/dev/null 2>&1; then
  link
  echo "install-wstest: already installed at $PREFIX/bin/wstest"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-wstest: wstest is missing and installing it needs root (apt-get)" >&2
  exit 1
fi

WORK="$(mktemp -d /tmp/wstest-install.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

echo "install-wstest: 1/4 python2.7 from Debian 11"
# Debian 12 dropped Python 2. Debian 11's suite is added from the mirror already in use, at
# priority 100 so that it can only supply packages Debian 12 lacks, never upgrade one.
MIRROR=$(sed -n 's|^URIs:[[:space:]]*\([^[:space:]]*/debian\)/\{0,1\}[[:space:]]*$|\1|p' \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
if [ -z "$MIRROR" ]; then
  MIRROR=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
if [ -z "$MIRROR" ]; then
  echo "install-wstest: no Debian mirror found in the apt sources" >&2
  exit 1
fi
cat > /etc/apt/sources.list.d/bullseye-py2.sources <<SRC
Types: deb
URIs: $MIRROR
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat > /etc/apt/preferences.d/bullseye-py2.pref <<'PREF'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PREF
timeout 300 apt-get update -q
timeout 600 apt-get install -y -q --no-install-recommends \
  python2.7 python2.7-dev gcc libc6-dev ca-certificates python3-venv

echo "install-wstest: 2/4 virtualenv at $PREFIX"
# virtualenv 20.21.1 is the last release that can still create Python 2 environments; its
# bundled seed wheels (pip 20.3.4, setuptools 44.1.1) avoid a second download.
python3 -m venv "$WORK/tool"
timeout 300 "$WORK/tool/bin/pip" install -q 'virtualenv==20.21.1'
rm -rf "$PREFIX"
"$WORK/tool/bin/virtualenv" --app-data "$WORK/appdata" --no-download -p /usr/bin/python2.7 "$PREFIX"

echo "install-wstest: 3/4 autobahntestsuite and pinned dependencies"
# autobahntestsuite's own requirements plus the last Python-2-compatible release of every
# transitive dependency; unpinned, pip would pick Python-3-only versions.
cat > "$WORK/pins.txt" <<'PINS'
autobahntestsuite==25.10.1
autobahn==0.10.9
txaio==2.1.0
Twisted==19.10.0
incremental==16.10.1
zope.interface==4.6.0
pyOpenSSL==19.1.0
cryptography==3.3.2
service-identity==18.1.0
Jinja2==2.11.3
MarkupSafe==1.1.1
Werkzeug==1.0.1
klein==17.10.0
unittest2==1.1.0
six==1.16.0
setuptools==44.0.0
attrs==21.4.0
Automat==22.10.0
constantly==15.1.0
hyperlink==21.0.0
idna==2.10
typing==3.10.0.0
PyHamcrest==1.10.1
pyasn1==0.5.1
pyasn1-modules==0.3.0
argparse==1.4.0
linecache2==1.0.0
traceback2==1.4.0
enum34==1.1.10
ipaddress==1.0.23
wsaccel==0.6.6
ujson==2.0.3
cffi==1.15.1
pycparser==2.21
PINS
pip_install() { timeout 900 "$PREFIX/bin/pip" install -q -c "$WORK/pins.txt" "$@"; }
# incremental must be present before Twisted: Twisted's setup_requires would otherwise
# easy_install the newest incremental, which is Python 3 only.
pip_install incremental six
pip_install autobahntestsuite

echo "install-wstest: 4/4 smoke test"
link
"$PREFIX/bin/python" -W ignore -c 'import OpenSSL, wsaccel, ujson'
timeout 60 "$PREFIX/bin/wstest" -a
echo "install-wstest: installed at $PREFIX/bin/wstest${LINK:+ (linked as $LINK)}"
