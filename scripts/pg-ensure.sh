#!/usr/bin/env bash
# pg-ensure.sh URL — make sure a PostgreSQL server answers at URL and that
# URL's database exists.
#
# When a server answers at the URL's host and port, only the database is
# created (if missing). When none answers, a private cluster is started
# from the system's PostgreSQL packages (installed with apt-get when
# missing) in $ANXIN_DATA_DIR/pg (default .data/pg), listening on the URL's
# host and port with trust authentication for local connections. initdb
# and pg_ctl refuse to run as root, so as root the cluster runs as the
# 'postgres' system user (created by the packages).
#
# Only 127.0.0.1/localhost URLs are started locally; anything else must be
# running already.
set -euo pipefail

url=${1:-${ANXIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/anxin?sslmode=disable}}
data_dir=${ANXIN_DATA_DIR:-$(pwd)/.data}
log() { echo "pg-ensure: $*" >&2; }

# Parse postgres://user[:pw]@host[:port]/db[?params]
rest=${url#*://}
userinfo=postgres
if [[ $rest == *@* ]]; then userinfo=${rest%%@*}; rest=${rest#*@}; fi
user=${userinfo%%:*}
hostport=${rest%%/*}
dbpart=${rest#*/}; [[ $rest == */* ]] || dbpart=postgres
db=${dbpart%%\?*}; [[ -n $db ]] || db=postgres
host=${hostport%%:*}; [[ -n $host ]] || host=127.0.0.1
port=5432; [[ $hostport == *:* ]] && port=${hostport##*:}

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/initdb ]] && { echo "$d"; return 0; }
  done
  return 1
}

if ! answers; then
  case $host in 127.0.0.1|localhost|::1) ;; *) log "no server answers at $host:$port and it is not local; start it first"; exit 1;; esac
  if ! bin=$(pg_bin); then
    log "PostgreSQL is not installed; installing it from the system packages"
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-contrib >/dev/null
    bin=$(pg_bin)
  fi
  pgdata=$data_dir/pg
  run_as=()
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    run_as=(runuser -u postgres --)
  fi
  mkdir -p "$pgdata" "$data_dir/pg-run"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$pgdata" "$data_dir/pg-run"; chmod 700 "$pgdata"; fi
  # The parent directories must be traversable by the cluster's user.
  if [[ $(id -u) -eq 0 ]]; then chmod o+x "$data_dir" 2>/dev/null || true; fi
  if [[ ! -f $pgdata/PG_VERSION ]]; then
    log "initialising a private cluster in $pgdata"
    "${run_as[@]}" "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  log "starting the private cluster on $host:$port"
  "${run_as[@]}" "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
    -o "-c listen_addresses=$host -p $port -k $data_dir/pg-run -c max_connections=200 -c shared_buffers=512MB -c fsync=on" start >/dev/null
  for _ in $(seq 1 60); do answers && break; sleep 0.5; done
  answers || { log "the private cluster did not start; see $pgdata/server.log"; exit 1; }
fi

# Create the database when missing, through the Go binary-free route: psql
# if present, else the cluster's own bin directory.
psql_bin=$(command -v psql || true)
if [[ -z $psql_bin ]]; then b=$(pg_bin || true); [[ -n ${b:-} ]] && psql_bin=$b/psql; fi
if [[ -n $psql_bin && $db != postgres ]]; then
  exists=$("$psql_bin" -h "$host" -p "$port" -U "$user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null || true)
  if [[ $exists != 1 ]]; then
    log "creating database $db"
    "$psql_bin" -h "$host" -p "$port" -U "$user" -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
  fi
fi
log "PostgreSQL answers at $host:$port (database $db)"
