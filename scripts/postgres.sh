#!/usr/bin/env bash
# Start the machine's PostgreSQL cluster (Debian package) and create a role that may create
# databases (pytest-django and the benchmark create their own). Prints the DATABASE_URL to use.
set -euo pipefail
role=${1:-belimumab}
if ! command -v pg_ctlcluster >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster "$version" main start >&2 || [ $? -eq 2 ]
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_roles WHERE rolname='$role'" | grep -q 1 \
  || runuser -u postgres -- psql -q -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$role'" >&2
runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_database WHERE datname='$role'" | grep -q 1 \
  || runuser -u postgres -- psql -q -c "CREATE DATABASE $role OWNER $role" >&2
echo "postgres://$role:$role@127.0.0.1:5432/$role"
