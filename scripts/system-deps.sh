#!/usr/bin/env bash
# Installs the Debian packages gongtiao needs, only those missing.
#   system-deps.sh run   -> what `make run` needs (WeasyPrint's libraries, a CJK font)
#   system-deps.sh test  -> plus Chromium, PostgreSQL, poppler (pdftotext), espeak-ng and sox for the
#                           tests, and libatomic1 for Playwright's bundled node
# The lists were found on a minimal Debian 12 (debootstrap --variant=minbase): docs/fresh-debian.md.
# As root it installs with apt-get; otherwise it prints the command to run and carries on, so that a
# developer without root still gets a clear message instead of a half-failed build.
set -euo pipefail

mode="${1:-run}"
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-noto-cjk)
if [[ "$mode" == "test" ]]; then
  # libatomic1: Playwright's bundled `node` links it and Debian's chromium does not pull it in; without it
  # every browser test fails with "Connection closed while reading from the driver".
  # sox: tests/rtc/test_minutes_flow.py turns espeak-ng's speech into the recorder's format with it.
  packages+=(chromium postgresql poppler-utils espeak-ng sox libatomic1)
  packages+=(janus)  # tests/e2e/test_sfu_room.py: the SFU of large rooms (its own config, started by the test)
  packages+=(nginx coturn systemd)  # scripts/check-deploy.sh: nginx -t, turnserver, systemd-analyze
fi
# The Makefile makes .venv with `python3 -m venv`; Debian's own Python can do that only with python3-venv
# (its ensurepip lives there). A Python of its own (pyenv, say) has ensurepip and needs nothing.
python=$(command -v python3.11 || command -v python3 || true)
if [[ "$python" == /usr/bin/* ]] && ! "$python" -c 'import ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "gongtiao needs these Debian packages: ${missing[*]}" >&2
  echo "Install them once with:  sudo apt-get install -y ${missing[*]}" >&2
  echo "需要安装以下系统软件包: sudo apt-get install -y ${missing[*]}" >&2
  if [[ "$mode" == "test" ]]; then exit 1; fi
  exit 0
fi

echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
# Always refresh the package lists first: a new machine has none, or stale ones.
apt-get update -qq
# Debian starts a daemon the moment its package is installed. The tests start their own servers
# (PostgreSQL, nginx, coturn) on loopback; started by the package, nginx would hold port 80 and
# coturn would be an open TURN relay with its stock settings. policy-rc.d's 101 ("not allowed")
# keeps them stopped during this install, unless the machine already has a policy of its own.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# gongtiao system-deps.sh: no daemon starts while it installs\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed Debian packages: ${missing[*]}"
