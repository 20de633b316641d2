#!/usr/bin/env bash
# Slow security checks, kept out of pytest: sqlmap against the login and entry forms, and a
# 200-connection wrk load against gunicorn on PostgreSQL. See docs/security.md.
#
#   bash bench/security_checks.sh [load|sqlmap|all]      (default: all)
#
# Needs: Debian packages wrk, sqlmap, postgresql-client (psql); PostgreSQL reachable at
# $PGURL_ADMIN (default postgres@127.0.0.1:5432, trust). Creates (drops first) the database
# $LOAD_DB (default starrating_load), migrates it and seeds the demo school.
# Results go to $OUT (default /tmp/starrating-security); the verdict lines are printed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WHAT="${1:-all}"
PY="$ROOT/.venv/bin/python"
FLASK="$ROOT/.venv/bin/flask"
GUNICORN="$ROOT/.venv/bin/gunicorn"
PGHOST_PORT="${PGHOST_PORT:-127.0.0.1:5432}"
LOAD_DB="${LOAD_DB:-starrating_load}"
OUT="${OUT:-/tmp/starrating-security}"
DURATION="${DURATION:-60s}"
CONNECTIONS="${CONNECTIONS:-200}"
SQLMAP_TIMEOUT="${SQLMAP_TIMEOUT:-900}"
mkdir -p "$OUT"

export STARRATING_DATABASE_URL="postgresql+psycopg://postgres@$PGHOST_PORT/$LOAD_DB"
export SECRET_KEY="security-checks-$(date +%s)-not-a-real-secret-key"
export STARRATING_FILES_DIR="$OUT/files"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

setup_db() {
  psql -h "${PGHOST_PORT%:*}" -p "${PGHOST_PORT#*:}" -U postgres -qc "DROP DATABASE IF EXISTS $LOAD_DB" postgres
  psql -h "${PGHOST_PORT%:*}" -p "${PGHOST_PORT#*:}" -U postgres -qc "CREATE DATABASE $LOAD_DB" postgres
  STARRATING_ENV=development "$FLASK" --app starrating db upgrade >/dev/null
  STARRATING_ENV=development "$FLASK" --app starrating seed-demo >/dev/null
  echo "database $LOAD_DB ready (demo school)"
}

GPID=""
start_server() {  # $1 = STARRATING_ENV; sets BASE and GPID
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  STARRATING_ENV="$1" "$GUNICORN" -w 4 -b "127.0.0.1:$PORT" --backlog 2048 \
    --log-level warning --error-logfile "$OUT/gunicorn-$1.log" 'starrating:create_app()' &
  GPID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/login" && return 0; sleep 0.2; done
  echo "gunicorn did not start; see $OUT/gunicorn-$1.log" >&2; exit 1
}
stop_server() { [ -n "$GPID" ] && kill "$GPID" && wait "$GPID" 2>/dev/null || true; GPID=""; }
trap stop_server EXIT

# Logs in through the real form and prints "session=<value>" (parsed by hand: production
# cookies are Secure, and cookie jars will not send them over plain http).
login_cookie() {  # $1 username, $2 password
  "$PY" - "$BASE" "$1" "$2" <<'PYEOF'
import re, sys, urllib.parse, http.client
base, user, pw = sys.argv[1:]
host = urllib.parse.urlsplit(base)
def req(method, path, body=None, cookie=""):
    c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body, headers)
    r = c.getresponse()
    return r.status, r.getheader("Set-Cookie") or "", r.read().decode()
status, set_cookie, html = req("GET", "/login")
cookie = set_cookie.split(";")[0]
token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
body = urllib.parse.urlencode({"username": user, "password": pw, "csrf_token": token})
status, set_cookie, _ = req("POST", "/login", body, cookie)
assert status == 302, f"login failed: {status}"
print(set_cookie.split(";")[0])
PYEOF
}

COUNT_5XX_LUA="$OUT/count5xx.lua"
cat > "$COUNT_5XX_LUA" <<'LUA'
-- Counts responses by class across wrk's threads and prints them at the end.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s2 = 0; s3 = 0; s4 = 0; s5 = 0 end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1 else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t2, t3, t4, t5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("s2"); t3 = t3 + t:get("s3"); t4 = t4 + t:get("s4"); t5 = t5 + t:get("s5")
  end
  io.write(string.format("STATUS 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n", t2, t3, t4, t5))
end
LUA

run_load() {
  start_server production
  local cookie
  cookie="$(login_cookie wangfang Teacher2026)"
  local class_url
  class_url="$(curl -s -H "Cookie: $cookie" "$BASE/teacher/" | grep -o '/teacher/class/[0-9]*' | head -1)"
  for path in /login /teacher/ "$class_url"; do
    sleep 5  # let the previous run's queued connections drain
    local hdr=()
    [ "$path" != /login ] && hdr=(-H "Cookie: $cookie")
    echo "== wrk -t2 -c$CONNECTIONS -d$DURATION --timeout 10s $path (gunicorn -w 4, PostgreSQL)"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency "${hdr[@]}" \
      -s "$COUNT_5XX_LUA" "$BASE$path" | tee "$OUT/wrk$(echo "$path" | tr / _).txt" \
      | grep -E "Requests/sec|Latency |99%|Socket errors|Non-2xx|STATUS"
  done
  echo "== PostgreSQL connections now: $(psql -h "${PGHOST_PORT%:*}" -p "${PGHOST_PORT#*:}" -U postgres -Atc "select count(*) from pg_stat_activity where datname='$LOAD_DB'" postgres)"
  echo "== server errors logged: $(grep -c -E 'Traceback|ERROR' "$OUT/gunicorn-production.log" || true)"
  stop_server
}

SQLMAP_COMMON=(--batch --level=2 --risk=1 --flush-session --disable-coloring
               --output-dir="$OUT/sqlmap" --answers="follow=N")

run_sqlmap() {
  # Development config (cookies not Secure, so sqlmap's cookie jar sends them over http);
  # throttling raised so the 429 lockout does not mask the login query from sqlmap.
  export STARRATING_LOGIN_MAX_FAILURES=1000000 STARRATING_LOGIN_MAX_FAILURES_PER_IP=1000000 \
    STARRATING_LOGIN_MAX_FAILURES_ALL_ADDRESSES=1000000
  start_server development
  local cookie student
  echo "== sqlmap: login form"
  timeout "$SQLMAP_TIMEOUT" sqlmap -u "$BASE/login" \
    --data="username=wangfang&password=Guess2026&csrf_token=x" \
    --csrf-token=csrf_token --csrf-url="$BASE/login" "${SQLMAP_COMMON[@]}" \
    > "$OUT/sqlmap-login.txt" 2>&1 || echo "(sqlmap exit $?)"
  grep -E "all tested parameters|is vulnerable|injectable|might be injectable|CRITICAL|WARNING.*not injectable" "$OUT/sqlmap-login.txt" | sort | uniq -c

  cookie="$(login_cookie wangfang Teacher2026)"
  student="$(curl -s -H "Cookie: $cookie" "$BASE/teacher/entry/new" | grep -o 'option value="[0-9]*"' | head -1 | grep -o '[0-9]*')"
  echo "== sqlmap: new entry form (teacher session, student $student)"
  timeout "$SQLMAP_TIMEOUT" sqlmap -u "$BASE/teacher/entry/new" --cookie="$cookie" \
    --data="students=$student&indicator=moral.service&item=&points=1&occurred_on=$(date +%F)&note=abc&csrf_token=x" \
    --csrf-token=csrf_token --csrf-url="$BASE/teacher/entry/new" "${SQLMAP_COMMON[@]}" \
    > "$OUT/sqlmap-entry.txt" 2>&1 || echo "(sqlmap exit $?)"
  grep -E "all tested parameters|is vulnerable|injectable|might be injectable|CRITICAL|WARNING.*not injectable" "$OUT/sqlmap-entry.txt" | sort | uniq -c

  echo "== sqlmap: student records filter (GET query string, teacher session)"
  timeout "$SQLMAP_TIMEOUT" sqlmap -u "$BASE/teacher/student/$student?dimension=moral&indicator=moral.service&date_from=2025-01-01&date_to=2030-01-01" \
    --cookie="$cookie" "${SQLMAP_COMMON[@]}" -p "dimension,indicator,date_from,date_to" \
    > "$OUT/sqlmap-filter.txt" 2>&1 || echo "(sqlmap exit $?)"
  grep -E "all tested parameters|is vulnerable|injectable|might be injectable|CRITICAL|WARNING.*not injectable" "$OUT/sqlmap-filter.txt" | sort | uniq -c
  echo "== server errors logged: $(grep -c -E 'Traceback' "$OUT/gunicorn-development.log" || true)"
  stop_server
}

setup_db
case "$WHAT" in
  load) run_load ;;
  sqlmap) run_sqlmap ;;
  all) run_load; run_sqlmap ;;
  *) echo "usage: $0 [load|sqlmap|all]" >&2; exit 2 ;;
esac
