#!/usr/bin/env bash
# A 3-node Hawser cluster on this machine, without Docker, bound to 127.0.0.1 only.
#
#   deploy/local-cluster.sh start  [DATA_DIR]   # start nats-server (when installed) and nodes a, b, c
#   deploy/local-cluster.sh status [DATA_DIR]   # processes, URLs and readiness
#   deploy/local-cluster.sh stop   [DATA_DIR]   # SIGTERM each recorded PID, one node at a time, and wait
#
# DATA_DIR defaults to ./local-cluster-data; it holds each node's data, the logs, the PID file "pids"
# and the chosen ports "cluster.env". Environment: HAWSER_JAR (default target/hawser.jar of this project),
# JAVA_OPTS (default -Xmx512m), HTTP_BASE_PORT (8081), CLUSTER_BASE_PORT (5701), NATS_BASE_PORT (4222),
# NO_NATS=1 to skip nats-server, STOP_TIMEOUT seconds per process (90).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="${HAWSER_JAR:-$ROOT/target/hawser.jar}"
NODES=(a b c)
HOST=127.0.0.1
STOP_TIMEOUT="${STOP_TIMEOUT:-90}"
READY_TIMEOUT="${READY_TIMEOUT:-150}"

usage() {
  echo "usage: $0 start|stop|status [DATA_DIR]" >&2
  exit 2
}

die() {
  echo "local-cluster: $*" >&2
  exit 1
}

# True when something already listens on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

TAKEN=" "
PORT=
# Sets PORT to the first port from $1 up that is free and not handed out already by this run
# (no command substitution: TAKEN must persist).
free_port() {
  local p=$1
  while [[ "$TAKEN" == *" $p "* ]] || port_in_use "$p"; do
    p=$((p + 1))
    ((p < 65535)) || die "no free port above $1"
  done
  TAKEN+="$p "
  PORT=$p
}

# True when PID $1 is alive and still runs the command the PID file says ($2: hawser or nats).
is_ours() {
  local pid=$1 what=$2 cmd
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
  case "$what" in
    nats) [[ "$cmd" == *nats-server* ]] ;;
    *) [[ "$cmd" == *java* && "$cmd" == *--node-id* ]] ;;
  esac
}

# GET $1 with curl; prints the HTTP status, or 000 when unreachable.
http_status() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

start() {
  [[ -f "$JAR" ]] || die "$JAR not found: build it first (mvn -q package -DskipTests)"
  command -v java >/dev/null || die "java not found"
  mkdir -p "$DATA"
  if [[ -f "$PIDS" ]]; then
    while read -r name pid; do
      if is_ours "$pid" "$name"; then
        die "already running ($name, PID $pid): $0 stop $DATA"
      fi
    done <"$PIDS"
  fi
  : >"$PIDS"

  local nats_url="" nats_port name i http_port cluster_port
  local -a http_ports=() cluster_ports=()
  for i in "${!NODES[@]}"; do
    free_port "$((${HTTP_BASE_PORT:-8081} + i))"
    http_ports[i]=$PORT
    free_port "$((${CLUSTER_BASE_PORT:-5701} + i))"
    cluster_ports[i]=$PORT
  done
  local join=""
  for i in "${!NODES[@]}"; do
    join+="${join:+,}$HOST:${cluster_ports[i]}"
  done

  if [[ "${NO_NATS:-0}" != 1 ]] && command -v nats-server >/dev/null; then
    free_port "${NATS_BASE_PORT:-4222}"
    nats_port=$PORT
    nats_url="nats://$HOST:$nats_port"
    nohup nats-server -a "$HOST" -p "$nats_port" >"$DATA/nats.log" 2>&1 &
    echo "nats $!" >>"$PIDS"
  else
    echo "nats-server not started (not installed or NO_NATS=1): NATS bridge off"
  fi

  {
    echo "NATS_URL=$nats_url"
    for i in "${!NODES[@]}"; do
      echo "NODE_${NODES[i]}=http://$HOST:${http_ports[i]}"
    done
  } >"$DATA/cluster.env"

  for i in "${!NODES[@]}"; do
    name="${NODES[i]}"
    http_port="${http_ports[i]}"
    cluster_port="${cluster_ports[i]}"
    mkdir -p "$DATA/node-$name"
    # Flags win over HAWSER_* variables and conf/hawser.json (run from the project root).
    # shellcheck disable=SC2086
    (cd "$ROOT" && exec nohup java ${JAVA_OPTS:--Xmx512m} -jar "$JAR" \
      --node-id "$name" --data-dir "$DATA/node-$name" \
      --http-host "$HOST" --http-port "$http_port" \
      --cluster-host "$HOST" --cluster-port "$cluster_port" \
      --join "$join" --nats-url "$nats_url" \
      >"$DATA/node-$name.log" 2>&1) &
    echo "$name $!" >>"$PIDS"
  done

  if command -v curl >/dev/null; then
    local deadline=$((SECONDS + READY_TIMEOUT)) all_ready
    while :; do
      all_ready=1
      for i in "${!NODES[@]}"; do
        [[ "$(http_status "http://$HOST:${http_ports[i]}/health/ready")" == 200 ]] || all_ready=0
      done
      ((all_ready)) && break
      while read -r name pid; do
        is_ours "$pid" "$name" || die "$name (PID $pid) exited; see $DATA/node-$name.log or $DATA/nats.log"
      done <"$PIDS"
      ((SECONDS < deadline)) || die "not ready after ${READY_TIMEOUT}s; see $DATA/node-*.log ($0 stop $DATA)"
      sleep 1
    done
    echo "cluster ready"
  else
    echo "curl not found: not waiting for readiness"
  fi
  print_urls
}

print_urls() {
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      NODE_*) echo "node ${key#NODE_}: $value" ;;
      NATS_URL) [[ -z "$value" ]] || echo "nats:   $value" ;;
    esac
  done <"$DATA/cluster.env"
  echo "PIDs in $PIDS, logs in $DATA"
}

stop() {
  [[ -f "$PIDS" ]] || { echo "not running (no $PIDS)"; return 0; }
  local name pid entry
  local -a entries=()
  mapfile -t entries <"$PIDS"
  # Nodes one at a time, so each hands its partitions to members still running; NATS last.
  for entry in "${entries[@]}" ; do
    read -r name pid <<<"$entry"
    [[ "$name" == nats ]] && continue
    stop_one "$name" "$pid"
  done
  for entry in "${entries[@]}" ; do
    read -r name pid <<<"$entry"
    [[ "$name" == nats ]] && stop_one "$name" "$pid"
  done
  rm -f "$PIDS"
}

stop_one() {
  local name=$1 pid=$2 deadline
  if ! is_ours "$pid" "$name"; then
    echo "$name (PID $pid) not running"
    return 0
  fi
  kill -TERM "$pid"
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "$name (PID $pid) still running after ${STOP_TIMEOUT}s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  echo "$name (PID $pid) stopped"
}

status() {
  [[ -f "$PIDS" ]] || { echo "not running (no $PIDS)"; return 0; }
  local name pid url ready running=0
  while read -r name pid; do
    if is_ours "$pid" "$name"; then
      running=$((running + 1))
      if [[ "$name" == nats ]]; then
        echo "nats    PID $pid running  $(grep '^NATS_URL=' "$DATA/cluster.env" | cut -d= -f2-)"
      else
        url="$(grep "^NODE_$name=" "$DATA/cluster.env" | cut -d= -f2-)"
        ready="$(http_status "$url/health/ready")"
        case "$ready" in
          200) ready=ready ;;
          503) ready=not-ready ;;
          *) ready="no answer ($ready)" ;;
        esac
        echo "node $name  PID $pid running  $url  $ready"
      fi
    else
      [[ "$name" == nats ]] && echo "nats    PID $pid not running" || echo "node $name  PID $pid not running"
    fi
  done <"$PIDS"
  ((running > 0)) || return 3
}

[[ $# -ge 1 && $# -le 2 ]] || usage
DATA="${2:-./local-cluster-data}"
mkdir -p "$(dirname "$DATA")"
DATA="$(cd "$(dirname "$DATA")" && pwd)/$(basename "$DATA")"
PIDS="$DATA/pids"

case "$1" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
