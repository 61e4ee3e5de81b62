#!/usr/bin/env bash
# Checks the files in deploy/ with the programs that will read them (run by `make test`):
#
#   nginx    deploy/nginx.conf rendered into a throwaway nginx.conf (a self-signed certificate made
#            now, loopback high ports, pid, logs and temp files in a temp dir): `nginx -t`; then that
#            nginx really runs in front of two stand-in upstreams, and every request for one video
#            session reaches one and the same upstream (both are used), the other pages reach both,
#            port 80 redirects to https and serves ACME challenges.
#   coturn   deploy/turnserver.conf rendered the same way (loopback, high ports, the certificate):
#            turnserver has no config-check flag, so it runs for a moment and must log no
#            configuration complaint; a TURN allocation with the credentials the hub mints
#            (rtc/turn.py, from deploy/gongtiao.env through the hub's own config parser) succeeds,
#            one with a wrong password fails, and its TLS port completes a TLS handshake.
#   systemd  `systemd-analyze verify` on every unit (an instance of gongtiao@), the timer, and
#            Debian's coturn.service with our drop-in; any message fails, warnings included.
#            (It parses and resolves units and their executables; it needs no running systemd.)
#   the rest ports and names agreeing between nginx.conf, gongtiao@.service, gongtiao.env and
#            turnserver.conf; `sh -n` on the shell scripts.
#
# Not checked here: deploy/postgresql-roles.sql (tests/deploy/test_postgresql_roles.py runs it on a
# real PostgreSQL), and the units actually running under systemd as PID 1.
# A few seconds; leaves no process or file behind. Needs nginx, coturn, systemd and openssl
# (bash scripts/system-deps.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
started=$SECONDS

fail() {
  echo "check-deploy: FAIL: $*" >&2
  exit 1
}
ok() { echo "check-deploy: ok: $*"; }

for tool in nginx turnserver turnutils_uclient systemd-analyze openssl "$PY"; do
  command -v "$tool" >/dev/null || fail "$tool not found (bash scripts/system-deps.sh test; make setup)"
done

work=$(mktemp -d -t gongtiao-check-deploy.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Free loopback ports: nginx https and http, two upstreams, TURN, TURN over TLS, a TURN peer, relays.
read -r p_https p_http p_a p_b p_turn p_turns p_peer p_relay < <("$PY" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
EOF
)

wait_port() { # port, what: up to 20 s (a loaded CI machine starts Python slowly)
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  fail "$2 did not open port $1"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=gongtiao.example.org -addext "subjectAltName=DNS:gongtiao.example.org,DNS:turn.example.org" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null || fail "openssl could not make a test certificate"

# --- agreement between the files ----------------------------------------------------------------
grep -q '^Environment=GONGTIAO_PORT=80%i$' 'deploy/gongtiao@.service' ||
  fail "gongtiao@.service: expected Environment=GONGTIAO_PORT=80%i"
mapfile -t upstreams < <(awk '/^upstream /{name=$2} /^}/{name=""} name && $1=="server"{print name, $2}' deploy/nginx.conf)
plain=$(printf '%s\n' "${upstreams[@]}" | awk '$1=="gongtiao"{print $2}' | sort)
rooms=$(printf '%s\n' "${upstreams[@]}" | awk '$1=="gongtiao_rooms"{print $2}' | sort)
[[ -n "$plain" && "$plain" == "$rooms" ]] || fail "nginx.conf: the two upstreams must list the same servers"
while read -r server; do
  [[ "$server" =~ ^127\.0\.0\.1:80(8[1-9]|9[0-9])\;$ ]] ||
    fail "nginx.conf: $server is not a gongtiao@NN port (127.0.0.1:8081 to 8099)"
done <<<"$plain"
grep -q 'hash $gongtiao_session consistent;' deploy/nginx.conf || fail "nginx.conf: rooms are not pinned"
# systemd 252 drops an unknown capability name without a word: spell this one out.
grep -qx 'AmbientCapabilities=CAP_NET_BIND_SERVICE' deploy/coturn.service.d/gongtiao.conf ||
  fail "coturn.service.d/gongtiao.conf: coturn needs CAP_NET_BIND_SERVICE for port 443"
sh -n deploy/gongtiao-admin && sh -n deploy/certbot-deploy-hook || fail "shell syntax"
ok "ports and names agree; scripts parse"

# --- nginx ----------------------------------------------------------------------------------------
mkdir -p "$work/acme/.well-known/acme-challenge" && echo token >"$work/acme/.well-known/acme-challenge/t"
sed -e "s#/etc/letsencrypt/live/[^/]*/fullchain.pem#$work/cert.pem#" \
  -e "s#/etc/letsencrypt/live/[^/]*/privkey.pem#$work/key.pem#" \
  -e "s#listen [0-9.]*:443 ssl#listen 127.0.0.1:$p_https ssl#" \
  -e "s#listen 80;#listen 127.0.0.1:$p_http;#" -e '/listen \[::\]:80;/d' \
  -e "s#server 127.0.0.1:8081;#server 127.0.0.1:$p_a;#" -e "s#server 127.0.0.1:8082;#server 127.0.0.1:$p_b;#" \
  -e "s#root /var/www/letsencrypt;#root $work/acme;#" deploy/nginx.conf >"$work/site.conf"
for rendered in "127.0.0.1:$p_https ssl" "127.0.0.1:$p_http;" "$work/cert.pem" "$work/key.pem" "$work/acme"; do
  grep -qF "$rendered" "$work/site.conf" || fail "nginx.conf: could not render $rendered (its shape changed?)"
done
cat >"$work/nginx.conf" <<EOF
daemon off;
master_process off;
pid $work/nginx.pid;
error_log $work/nginx.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx-body;
    proxy_temp_path $work/nginx-proxy;
    fastcgi_temp_path $work/nginx-fastcgi;
    uwsgi_temp_path $work/nginx-uwsgi;
    scgi_temp_path $work/nginx-scgi;
    include $work/site.conf;
}
EOF
nginx_args=(-e "$work/nginx.log" -p "$work/" -c "$work/nginx.conf")
nginx -t -q "${nginx_args[@]}" 2>"$work/nginx-t.txt" || fail "nginx -t: $(cat "$work/nginx-t.txt")"
ok "nginx -t accepts deploy/nginx.conf"

for side in a b; do # stand-in upstreams: each answers with its own name
  for n in $(seq 1 16); do
    mkdir -p "$work/up-$side/mediations/$n"
    for page in ws room; do echo "$side" >"$work/up-$side/mediations/$n/$page"; done
  done
  echo "$side" >"$work/up-$side/index.html"
done
"$PY" -m http.server --bind 127.0.0.1 --directory "$work/up-a" "$p_a" >/dev/null 2>&1 &
pids+=($!)
"$PY" -m http.server --bind 127.0.0.1 --directory "$work/up-b" "$p_b" >/dev/null 2>&1 &
pids+=($!)
nginx "${nginx_args[@]}" 2>>"$work/nginx.log" &
pids+=($!)
wait_port "$p_a" "upstream a"
wait_port "$p_b" "upstream b"
wait_port "$p_https" nginx
"$PY" - "$p_https" "$p_http" <<'EOF' || fail "nginx routing (nginx's log: $(tail -3 "$work/nginx.log"))"
import http.client, ssl, sys

https, http_port = int(sys.argv[1]), int(sys.argv[2])
context = ssl._create_unverified_context()

def get(path, port=https, tls=True, headers=None):
    conn = (http.client.HTTPSConnection if tls else http.client.HTTPConnection)(
        "127.0.0.1", port, timeout=5, **({"context": context} if tls else {}))
    conn.request("GET", path, headers={"Host": "gongtiao.example.org", **(headers or {})})
    response = conn.getresponse()
    body = response.read().decode().strip()
    conn.close()
    return response.status, response.getheader("Location"), body

def fail(message):
    sys.exit(f"check-deploy: FAIL: {message}")

holders = {}
upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
for n in range(1, 17):
    seen = {get(f"/mediations/{n}/{page}", headers=upgrade if page == "ws" else None)[2]
            for page in ("ws", "room", "ws", "room", "ws")}
    if len(seen) != 1:
        fail(f"session {n} reached {sorted(seen)}: its room is not pinned to one process")
    holders[n] = seen.pop()
if set(holders.values()) != {"a", "b"}:
    fail(f"all sessions went to {set(holders.values())}: rooms are not spread over the processes")
if {get("/")[2] for _ in range(6)} != {"a", "b"}:
    fail("pages do not reach every process")
status, location, _ = get("/cases?x=1", port=http_port, tls=False)
if status != 301 or location != "https://gongtiao.example.org/cases?x=1":
    fail(f"port 80 answers {status} {location}, not a redirect to https")
if get("/.well-known/acme-challenge/t", port=http_port, tls=False)[2] != "token":
    fail("port 80 does not serve ACME challenges")
EOF
ok "nginx pins each video session to one process and spreads the rest; :80 redirects"

# --- coturn ---------------------------------------------------------------------------------------
turn_secret=check-deploy-$RANDOM$RANDOM-secret
sed -e "s#^listening-ip=.*#listening-ip=127.0.0.1#" -e "s#^relay-ip=.*#relay-ip=127.0.0.1#" \
  -e "s#^listening-port=.*#listening-port=$p_turn#" -e "s#^tls-listening-port=.*#tls-listening-port=$p_turns#" \
  -e "s#^min-port=.*#min-port=$p_relay#" -e "s#^max-port=.*#max-port=$((p_relay + 50))#" \
  -e "s#^cert=.*#cert=$work/cert.pem#" -e "s#^pkey=.*#pkey=$work/key.pem#" \
  -e "s#^static-auth-secret=.*#static-auth-secret=$turn_secret#" -e '/^syslog$/d' \
  deploy/turnserver.conf >"$work/turnserver.conf"
for rendered in "listening-ip=127.0.0.1" "relay-ip=127.0.0.1" "listening-port=$p_turn" "tls-listening-port=$p_turns" \
  "cert=$work/cert.pem" "pkey=$work/key.pem" "static-auth-secret=$turn_secret" "use-auth-secret"; do
  grep -qxF "$rendered" "$work/turnserver.conf" || fail "turnserver.conf: could not render $rendered"
done
turnserver -c "$work/turnserver.conf" --log-file stdout --pidfile "$work/turnserver.pid" \
  --userdb "$work/turndb" >"$work/turnserver.log" 2>&1 &
pids+=($!)
wait_port "$p_turns" "turnserver (log: $work/turnserver.log)"
# Benign here: one address cannot offer RFC 5780's CHANGE_REQUEST; no SCTP in a container.
complaints=$(grep -iE "error|bad|cannot|can't|unknown|wrong|not found|warning" "$work/turnserver.log" |
  grep -vE "cannot support STUN CHANGE_REQUEST|socket: Protocol not supported" || true)
[[ -z "$complaints" ]] || fail "turnserver complains about its configuration: $complaints"
ok "turnserver starts with deploy/turnserver.conf and logs no complaint"

# The hub's side: gongtiao.env through hub.config, credentials through rtc.turn, the same ports.
env -i PATH="$PATH" GONGTIAO_TURN_SECRET="$turn_secret" "$PY" - >"$work/credentials.txt" <<'EOF' ||
import os, re, sys
from datetime import UTC, datetime
from pathlib import Path

from hub.config import Config, ConfigError
from rtc.turn import ice_servers

def fail(message):
    sys.exit(f"check-deploy: FAIL: {message}")

env = {}
for line in Path("deploy/gongtiao.env").read_text().splitlines():
    if line.strip() and not line.lstrip().startswith("#"):
        key, _, value = line.partition("=")
        env[key] = value.strip().strip('"')
for forbidden in ("GONGTIAO_PORT", *(k for k in env if k.endswith("_FILE"))):
    if forbidden in env:
        fail(f"gongtiao.env sets {forbidden}: it would override the units' own setting")
try:
    config = Config.from_env({**env, "GONGTIAO_TURN_SECRET": os.environ["GONGTIAO_TURN_SECRET"]})
except ConfigError as error:
    fail(f"gongtiao.env: {error}")
coturn = dict(re.findall(r"^([a-z-]+)=(.*)$", Path("deploy/turnserver.conf").read_text(), re.M))
realm = coturn["realm"]
for url in config.ice_urls:
    host, port = re.match(r"^(?:stun|turns?):([^:?]+):(\d+)", url).groups()
    wanted = coturn["tls-listening-port"] if url.startswith("turns:") else coturn["listening-port"]
    if host != realm or port != wanted:
        fail(f"GONGTIAO_ICE_URLS has {url}; turnserver.conf listens on {realm}:{wanted}")
if not any(u.startswith("turns:") for u in config.ice_urls):
    fail("GONGTIAO_ICE_URLS offers no TURN over TLS (turns:)")
turn = [s for s in ice_servers(config, "check-deploy", now=datetime.now(UTC)) if "username" in s]
print(turn[0]["username"])
print(turn[0]["credential"])
EOF
  fail "the hub's side of TURN (above)"
mapfile -t credentials <"$work/credentials.txt"
[[ ${#credentials[@]} -eq 2 ]] || fail "no TURN credentials from the hub"
allocate() { # password -> uclient output
  timeout 5 turnutils_uclient -v -n 1 -m 1 -l 100 -e 127.0.0.1 -r "$p_peer" -p "$p_turn" \
    -u "${credentials[0]}" -w "$1" 127.0.0.1 2>&1 || true
}
allocate "${credentials[1]}" | grep -q "Received relay addr" ||
  fail "coturn refused the credentials the hub minted (use-auth-secret / static-auth-secret)"
if allocate "not-the-password" | grep -q "Received relay addr"; then
  fail "coturn accepted a wrong password"
fi
openssl s_client -connect "127.0.0.1:$p_turns" -servername turn.example.org </dev/null >"$work/tls.txt" 2>&1 ||
  fail "no TLS on coturn's tls-listening-port: $(tail -3 "$work/tls.txt")"
ok "coturn relays with the hub's credentials (and not without), TLS answers on its 443 stand-in"

# --- systemd --------------------------------------------------------------------------------------
mkdir -p "$work/units/coturn.service.d" "$work/opt/gongtiao/.venv/bin"
printf '#!/bin/sh\n' >"$work/opt/gongtiao/.venv/bin/gongtiao"
chmod 755 "$work/opt/gongtiao/.venv/bin/gongtiao"
for unit in deploy/*.service deploy/*.timer; do
  sed "s#/opt/gongtiao#$work/opt/gongtiao#g" "$unit" >"$work/units/$(basename "$unit")"
done
mv "$work/units/gongtiao@.service" "$work/units/gongtiao@81.service"
cp deploy/coturn.service.d/gongtiao.conf "$work/units/coturn.service.d/"
units=("$work"/units/*.service "$work"/units/*.timer)
coturn_unit=/lib/systemd/system/coturn.service
[[ -f "$coturn_unit" ]] && cp "$coturn_unit" "$work/units/" && units+=("$work/units/coturn.service")
if ! report=$(cd "$work/units" && systemd-analyze verify --man=no "${units[@]}" 2>&1) || [[ -n "$report" ]]; then
  fail "systemd-analyze verify: $report"
fi
ok "systemd-analyze verify: $(basename -a "${units[@]}" | tr '\n' ' ')"

echo "check-deploy: all good in $((SECONDS - started)) s"
