#!/usr/bin/env bash
# Smoke test of the production stack (deploy/stack.sh): nginx in front of two gunicorn app
# servers sharing PostgreSQL, Redis and the media folder, all on 127.0.0.1. Checks what a reader,
# an editor and the proxy see, then stops everything it started and drops its database.
#
#   deploy/smoke.sh            # about a minute; exit status 0 when every check passed
#
# Needs: the .venv with the project installed, PostgreSQL at 127.0.0.1:5432 (user postgres),
# Redis at 127.0.0.1:6379, and nginx (installed here from Debian when missing and run as root).
# SMOKE_TIMEOUT (default 300) bounds the whole run; STACK_DB names the database (newsroom_smoke).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/stack.sh
. "$here/stack.sh"

if ! command -v nginx >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    stack_log "installing nginx from Debian"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get install -y -qq nginx >/dev/null 2>&1 || {
      timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq nginx >/dev/null; }
  else
    echo "smoke: nginx is missing (apt-get install -y nginx)" >&2; exit 1
  fi
fi

dir=$(mktemp -d /tmp/newsroom-smoke.XXXXXX)
watchdog=""
cleanup() {
  local status=$?
  [[ -n $watchdog ]] && kill "$watchdog" 2>/dev/null || true
  if (( status != 0 )) && [[ -d $dir ]]; then
    for log in "$dir"/gunicorn-a.log "$dir"/gunicorn-b.log "$dir"/nginx-error.log; do
      [[ -s $log ]] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  stack_down "$dir"
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The watchdog: TERM ends it and its sleep, so nothing of ours outlives the run.
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "${SMOKE_TIMEOUT:-300}" >/dev/null 2>&1 &
  sleeper=$!
  wait "$sleeper" && { echo "smoke: over ${SMOKE_TIMEOUT:-300}s, stopping" >&2; kill -TERM $$; }
) &
watchdog=$!

stack_up "$dir"
# shellcheck disable=SC1091
. "$dir/stack.env"
proxy="http://127.0.0.1:$NGINX_PORT"
app_a="http://127.0.0.1:$APP_A_PORT"
app_b="http://127.0.0.1:$APP_B_PORT"
article=/articles/rebels-is-agree-to-truce-in-south-damascus/

passed=0
failed=0
check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then
    printf '  ok    %s\n' "$what"; passed=$((passed + 1))
  else
    printf '  FAIL  %s\n' "$what"; failed=$((failed + 1))
  fi
}
# fetch URL [curl options]: body to $dir/body, headers to $dir/headers, prints the status.
fetch() {
  local url=$1; shift
  curl -s -m 10 -o "$dir/body" -D "$dir/headers" -w '%{http_code}' "$@" "$url"
}
status_is() { [[ $(fetch "$2" "${@:3}") == "$1" ]]; }
body_has() { grep -qF -- "$1" "$dir/body"; }
header_has() { grep -qiE -- "$1" "$dir/headers"; }
page_ok() { status_is 200 "$1" && body_has "$2"; }

echo "Smoke test through nginx at $proxy"
check "home page" page_ok "$proxy/" "Rebels, IS agree to truce"
check "sample article" page_ok "$proxy$article" "Ammar al-Maydani"
check "health check" page_ok "$proxy/healthz" '"database": "ok"'
check "robots.txt and sitemap" eval 'page_ok "$proxy/robots.txt" Sitemap && page_ok "$proxy/sitemap.xml" sitemap-articles.xml && page_ok "$proxy/sitemap-articles.xml" "$article"'
check "unknown page is a 404, no traceback" eval \
  '[[ $(fetch "$proxy/articles/no-such-story/") == 404 ]] && ! body_has Traceback'
check "admin login page" page_ok "$proxy/admin/login/" 'name="csrfmiddlewaretoken"'
check "security headers from Django behind nginx" eval \
  'fetch "$proxy/" >/dev/null && header_has "^x-frame-options: DENY" && header_has "^x-content-type-options: nosniff"'

# A repeat visit with the page's ETag costs a 304.
repeat_visit_is_304() {
  local etag
  fetch "$proxy$article" >/dev/null
  etag=$(grep -i '^etag:' "$dir/headers" | cut -d' ' -f2- | tr -d '\r')
  [[ -n $etag && $(fetch "$proxy$article" -H "If-None-Match: $etag") == 304 ]]
}
check "repeat visit answers 304 Not Modified" repeat_visit_is_304
# The page is cached now; the cached copy is still not served for a host the site does not serve.
check "a host the site does not serve gets 400, cached page or not" eval \
  'status_is 200 "$app_a$article" && status_is 400 "$app_a$article" -H "Host: attacker.example" \
   && status_is 400 "$proxy$article" -H "Host: attacker.example"'

# Static files: hashed names from the page itself, served by nginx, cached for a year, gzipped.
fetch "$proxy/" >/dev/null
css=$(grep -oE '/static/[^"]+\.[0-9a-f]{12}\.css' "$dir/body" | head -1 || true)
check "page links a hashed stylesheet ($css)" test -n "$css"
check "hashed stylesheet served with a year of caching" eval \
  'status_is 200 "$proxy$css" && header_has "^cache-control:.*max-age=31536000" && header_has "immutable"'
check "stylesheet served gzipped to who asks" eval \
  'status_is 200 "$proxy$css" -H "Accept-Encoding: gzip" && header_has "^content-encoding: gzip"'
check "admin's own static files" status_is 200 "$proxy/static/admin/css/base.css"

# Media: one folder shared by both app servers, served by nginx as images and nothing else.
"$STACK_PYTHON" -c 'import sys; from PIL import Image; Image.new("RGB", (2, 2), "red").save(sys.argv[1])' \
  "$dir/media/smoke.png"
echo '<html><script>alert(1)</script></html>' >"$dir/media/smoke.html"
echo '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' >"$dir/media/smoke.svg"
cp "$dir/media/smoke.html" "$dir/media/smoke.png.html"
echo "smoke media" >"$dir/media/smoke.txt"
chmod a+r "$dir"/media/smoke.*
check "an image under media is served as an image, nosniff, sandboxed" eval \
  'status_is 200 "$proxy/media/smoke.png" && header_has "^content-type: image/png" \
   && header_has "^x-content-type-options: nosniff" && header_has "^content-security-policy:.*sandbox"'
media_hides_non_images() {
  local name code
  for name in smoke.html smoke.svg smoke.txt smoke.png.html; do
    code=$(fetch "$proxy/media/$name")
    [[ $code == 404 ]] || { echo "    /media/$name answered $code"; return 1; }
  done
}
check "HTML, SVG, text and a .png.html under media do not exist (404)" media_hides_non_images

# Sign-in throttling behind nginx (TRUSTED_PROXY_COUNT=1) sees the reader's address, not nginx's:
# five wrong passwords from 127.0.0.2 pause that username from 127.0.0.2 only; from 127.0.0.3
# the right password still signs in. Counted from one address, both would be paused.
throttle_sees_client_address() {
  timeout 60 "$STACK_PYTHON" - "$NGINX_PORT" "$DEMO_PASSWORD" <<'PY'
import http.client, re, sys, urllib.parse

port, password = int(sys.argv[1]), sys.argv[2]

def sign_in(source: str, secret: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    conn.request("GET", "/admin/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = {"csrfmiddlewaretoken": token, "username": "translator", "password": secret}
    conn.request("POST", "/admin/login/", urllib.parse.urlencode(form), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer.status

wrong = [sign_in("127.0.0.2", "not-the-password") for _ in range(5)]
paused = sign_in("127.0.0.2", password)
elsewhere = sign_in("127.0.0.3", password)
print(f"    wrong: {wrong}, right from 127.0.0.2: {paused}, right from 127.0.0.3: {elsewhere}")
assert paused == 429, "five wrong passwords did not pause the username from that address"
assert elsewhere == 302, "the username was paused from another address too: throttling sees nginx"
PY
}
check "sign-in throttling counts the reader's address behind nginx" throttle_sees_client_address

# The edge cache: nginx keeps public pages for readers without a session until the end of the
# second (deploy/nginx/newsroom.conf); X-Cache-Status says what it did for a request.
cache_status() { grep -i '^x-cache-status:' "$dir/headers" | cut -d' ' -f2- | tr -d '\r'; }
cache_status_is() {  # cache_status_is STATUS URL [curl options]
  local want=$1; shift
  fetch "$@" >/dev/null
  [[ $(cache_status) == "$want" ]] || { echo "    $1: X-Cache-Status $(cache_status), not $want"; return 1; }
}
# Until the start of the next second, so that two requests fall in the same second.
next_second() { sleep "$("$STACK_PYTHON" -c 'import time; print(1.02 - time.time() % 1)')"; }
second_get_is_a_hit() {
  next_second
  fetch "$proxy$article" >/dev/null
  cache_status_is HIT "$proxy$article" && body_has "Ammar al-Maydani" \
    && cache_status_is HIT "$proxy$article?utm_source=smoke"
}
check "a second anonymous GET is a HIT at the edge (also with ?utm_source)" second_get_is_a_hit
check "staff (session cookie) and forms (CSRF cookie) go past the edge cache" eval \
  'cache_status_is BYPASS "$proxy$article" -H "Cookie: sessionid=smoke" \
   && cache_status_is BYPASS "$proxy$article" -H "Cookie: theme=dark; csrftoken=smoke"'
admin_never_cached() {
  local i
  for i in 1 2 3; do
    cache_status_is BYPASS "$proxy/admin/login/" || return 1
    cache_status_is BYPASS "$proxy/admin/" || return 1
  done
}
check "/admin/ is never cached at the edge" admin_never_cached
check "what the app does not mark as public is not kept (/healthz)" eval \
  'cache_status_is MISS "$proxy/healthz" && cache_status_is MISS "$proxy/healthz"'
check "a query the key could misread goes past the edge cache (?page=1&page=2, ?Q=, %71=)" eval \
  'cache_status_is BYPASS "$proxy/search/?q=truce&page=1&page=2" \
   && cache_status_is BYPASS "$proxy/search/?Q=truce" && cache_status_is BYPASS "$proxy/search/?%71=truce"'

# An edit saved in the admin of app server A is seen at once on app server B, whose copy of the
# page was cached (in Redis) just before: cache invalidation across servers.
cross_server_edit() {
  PYTHONPATH="$here" timeout 60 "$STACK_PYTHON" - "$app_a" "$app_b" "$proxy" "$article" \
    "$DEMO_PASSWORD" "$OTP_KEY" "$dir" <<'PY'
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from adminclient import AdminSession, field

app_a, app_b, proxy, article, password, otp_key, state = sys.argv[1:]

def page(base):
    with urllib.request.urlopen(base + article, timeout=10) as response:
        return response.read().decode()

def next_second():
    time.sleep(1.02 - time.time() % 1)

def app_requests():
    """How many requests for the article the app servers have answered so far."""
    count = 0
    for name in ("a", "b"):
        with open(f"{state}/gunicorn-{name}.log") as log:
            for line in log:
                if line.startswith("{") and json.loads(line).get("path") == article:
                    count += 1
    return count

editor = AdminSession(app_a)
editor.login("editor", password, otp_key)
pk = editor.find_story("Rebels, IS agree")
fields = editor.story_form(pk)
new_dek = f"Smoke edit {time.time_ns()}: the truce holds in south Damascus."
assert new_dek not in page(app_b) and new_dek not in page(app_b)  # now cached on B
assert new_dek not in page(proxy) and new_dek not in page(proxy)  # and at the edge
saved = editor.save_story(pk, fields, dek=new_dek)
assert saved.ok, f"save through A refused: {saved.message}"
started = time.monotonic()
assert new_dek in page(app_b), "app server B still serves the page from before the edit"
assert new_dek in field(editor.story_form(pk), "dek")
print(f"    edit via A seen via B after {1000 * (time.monotonic() - started):.0f} ms")
# The edge keeps its copy until the end of the second at most.
time.sleep(max(0.0, started + 1.1 - time.monotonic()))
assert new_dek in page(proxy), "nginx still serves the page from before the edit after 1.1 s"
print(f"    and through nginx after {1000 * (time.monotonic() - started):.0f} ms")

# Right after a second edit, 100 readers at once: the app servers render the page once, and
# the readers get the page from before for the milliseconds that takes, or wait for it.
burst_dek = f"Smoke burst {time.time_ns()}: the truce holds in south Damascus."
assert page(proxy)  # the edge has a copy
saved = editor.save_story(pk, editor.story_form(pk), dek=burst_dek)
assert saved.ok, f"save through A refused: {saved.message}"
next_second()
time.sleep(0.05)  # the app servers have written their log lines
before = app_requests()
first_second = int(time.time())
with ThreadPoolExecutor(max_workers=50) as readers:
    pages = list(readers.map(lambda _: page(proxy), range(100)))
seconds = int(time.time()) - first_second + 1
time.sleep(0.3)
rendered = app_requests() - before
print(f"    a burst of 100 readers after an edit: {rendered} request(s) to the app servers, "
      f"{sum(burst_dek in p for p in pages)} given the edited page, within {seconds} second(s)")
assert 1 <= rendered <= seconds, "the burst was not collapsed into one request per second"
PY
}
check "edit saved through app server A is seen at once through app server B" cross_server_edit

check "both app servers answered through nginx" eval \
  'grep -q "\"path\": \"/healthz\"" "$dir/gunicorn-a.log" && grep -q "\"path\": \"/healthz\"" "$dir/gunicorn-b.log"'
check "app server logs are JSON lines" eval \
  '"$STACK_PYTHON" -c "import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.startswith(\"{\")]" "$dir/gunicorn-a.log" && grep -q "^{" "$dir/gunicorn-a.log"'

# Last, as it takes the sample story down. Withdrawn through the workflow (a management shell with
# the app servers' settings), it answers 410 at once from every worker of both app servers, each
# of which had the page cached: the page cache (CACHE_URL) is one for all of them.
withdrawn_everywhere() {
  local base code i
  for i in 1 2 3 4 5 6; do
    for base in "$app_a" "$app_b" "$proxy"; do [[ $(fetch "$base$article") == 200 ]] || return 1; done
  done
  stack_manage "$dir" shell -c "
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
story = Article.objects.get(slug='${article:10:-1}')
workflow.transition(story, 'withdraw', by=get_user_model().objects.get(username='editor'),
                    comment='Withdrawn by the smoke test.')
" >/dev/null || return 1
  for i in 1 2 3 4 5 6 7 8 9 10; do
    for base in "$app_a" "$app_b"; do
      code=$(fetch "$base$article")
      [[ $code == 410 ]] || { echo "    $base$article answered $code after the withdrawal"; return 1; }
    done
  done
  body_has "Withdrawn by the smoke test." || return 1
  # The edge keeps its copy until the end of the second at most, and then the 410 in its place.
  sleep 1.1
  for i in 1 2 3 4 5; do
    code=$(fetch "$proxy$article")
    [[ $code == 410 ]] || { echo "    $proxy$article answered $code 1.1 s after the withdrawal"; return 1; }
  done
  body_has "Withdrawn by the smoke test."
}
check "a withdrawn story answers 410 from every app server and worker at once, through nginx within 1.1 s" \
  withdrawn_everywhere

echo "smoke: $passed passed, $failed failed"
(( failed == 0 ))
