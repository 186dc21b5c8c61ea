#!/usr/bin/env bash
# `make loadtest`: the production topology on loopback (two gunicorn servers, one task worker,
# one PostgreSQL), a generated cohort, locust headless for a bounded time (staff users split over
# the two servers, a lab feed of one HL7 message a second, one cohort report a minute); the
# summary goes to docs/benchmarks.md. Stops the servers and the worker whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PATIENTS=${LOADTEST_PATIENTS:-10000}
USERS=${LOADTEST_USERS:-50}
DURATION=${LOADTEST_TIME:-160s}
SPAWN_RATE=${LOADTEST_SPAWN_RATE:-1}  # staff log in one by one, not all in the same second
export LOADTEST_WAIT=${LOADTEST_WAIT:-3,10}
WORKERS=${LOADTEST_WORKERS:-5}  # gunicorn workers of EACH server
PORTS=${LOADTEST_PORTS:-8001,8002}  # one gunicorn server per port
WITH_HOSPITAL_ID=${LOADTEST_HOSPITAL_IDS:-2000}  # patients the lab feed can name
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
export LOADTEST_COUNTS=$work/counts.json
export BELIMUMAB_TASKS=database  # exports queued for the worker, as in production

$PY manage.py migrate --no-input -v 0
$PY manage.py generate_cohort --patients "$PATIENTS" --seed 1 --output "$work/cohort" >/dev/null
$PY scripts/loadtest.py hospital-ids "$work/cohort" "$WITH_HOSPITAL_ID"
$PY manage.py import_cohort "$work/cohort" >/dev/null
$PY scripts/loadtest.py prepare "$LOADTEST_PLAN"
$PY manage.py collectstatic --no-input -v 0

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap stop EXIT
hosts=()
for port in ${PORTS//,/ }; do
  .venv/bin/gunicorn belimumab.wsgi:application --bind "127.0.0.1:$port" --workers "$WORKERS" \
    --access-logfile /dev/null --error-logfile "$work/gunicorn-$port.log" \
    >>"$work/gunicorn-$port.log" 2>&1 &  # the request log lines too
  pids+=($!)
  hosts+=("http://127.0.0.1:$port")
done
$PY manage.py run_worker >"$work/worker.log" 2>&1 &
pids+=($!)
for host in "${hosts[@]}"; do
  for _ in $(seq 1 30); do
    curl -s -o /dev/null "$host/login/" && break
    sleep 1
  done
done
export LOADTEST_HOSTS=$(IFS=,; echo "${hosts[*]}")

# USERS staff + the lab feed + the department head asking for reports (fixed_count users)
.venv/bin/locust -f scripts/locustfile.py --headless --host "${hosts[0]}" \
  --users "$((USERS + 2))" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --stop-timeout 10 \
  --reset-stats \
  --csv "$work/locust" --only-summary --loglevel WARNING || true

servers=${#hosts[@]}
title="### Load test ($(date +%F)): $servers gunicorn servers x $WORKERS workers + 1 task worker \
+ 1 PostgreSQL, $PATIENTS patients, $USERS users (pharmacists and clinicians, \
${LOADTEST_WAIT/,/-} s between pages, split over the servers) + a lab feed of 1 HL7 message/s \
+ 1 cohort report/min, for $DURATION on $(nproc) cores \
(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)); counted from the moment all users \
are logged in (--reset-stats)"
$PY scripts/loadtest.py report "$work/locust_stats.csv" "$work/locust_failures.csv" "$title" \
  "topology-$PATIENTS-$USERS-$LOADTEST_WAIT" "$LOADTEST_COUNTS"
echo "logs: $work"
for log in "$work"/gunicorn-*.log "$work/worker.log"; do
  if grep -q "ERROR\|Traceback" "$log"; then echo "== $log"; tail -n 20 "$log"; fi
done
