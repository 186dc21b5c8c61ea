#!/usr/bin/env bash
# `make loadtest`: gunicorn + PostgreSQL on loopback, a generated cohort, locust headless for a
# bounded time; the summary goes to docs/benchmarks.md. Stops gunicorn whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PATIENTS=${LOADTEST_PATIENTS:-10000}
USERS=${LOADTEST_USERS:-50}
DURATION=${LOADTEST_TIME:-160s}
SPAWN_RATE=${LOADTEST_SPAWN_RATE:-1}  # staff log in one by one, not all in the same second
export LOADTEST_WAIT=${LOADTEST_WAIT:-3,10}
WORKERS=${LOADTEST_WORKERS:-5}
PORT=8001
DB=belimumab_loadtest
work=$(mktemp -d /tmp/belimumab-loadtest-XXXXXX)

# A fresh database each run (the cohort is generated again).
bash scripts/postgres.sh "$DB" >/dev/null
runuser -u postgres -- dropdb --if-exists "$DB"
export DATABASE_URL=$(bash scripts/postgres.sh "$DB")
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export DJANGO_ALLOWED_HOSTS=127.0.0.1
# TLS ends at the proxy in production; here locust sends X-Forwarded-Proto: https itself
# (it plays the proxy, so the application trusts the header).
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_TRUST_PROXY=true
export DB_CONN_MAX_AGE=60
export LOADTEST_PLAN=$work/plan.json

$PY manage.py migrate --no-input -v 0
$PY manage.py generate_cohort --patients "$PATIENTS" --seed 1 --output "$work/cohort" >/dev/null
$PY manage.py import_cohort "$work/cohort" >/dev/null
$PY scripts/loadtest.py prepare "$LOADTEST_PLAN"
$PY manage.py collectstatic --no-input -v 0

.venv/bin/gunicorn belimumab.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile /dev/null --error-logfile "$work/gunicorn.log" &
gunicorn_pid=$!
trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/login/" && break
  sleep 1
done

.venv/bin/locust -f scripts/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --stop-timeout 10 \
  --reset-stats \
  --csv "$work/locust" --only-summary --loglevel WARNING || true

title="### Load test ($(date +%F)): gunicorn $WORKERS workers + PostgreSQL, $PATIENTS patients, \
$USERS users (pharmacists and clinicians, ${LOADTEST_WAIT/,/-} s between pages) for $DURATION \
on $(nproc) cores; counted from the moment all users are logged in (--reset-stats)"
$PY scripts/loadtest.py report "$work/locust_stats.csv" "$work/locust_failures.csv" "$title" \
  "$PATIENTS-$USERS-$LOADTEST_WAIT"
if grep -q "Error\|Traceback" "$work/gunicorn.log"; then tail -n 20 "$work/gunicorn.log"; fi
