#!/bin/sh
# Hawser container entrypoint: java gets the HAWSER_* environment (read by the node itself) and any
# arguments as extra flags (`docker run hawser:0.1.0 --segment-bytes 16777216`).
set -eu

# Hazelcast binds only to an IP address, not a host name: resolve HAWSER_CLUSTER_HOST when it is a
# name, and use this container's first address when it is unset.
is_ip() {
  case "$1" in
    *[!0-9.]*) case "$1" in *:*) return 0 ;; *) return 1 ;; esac ;;
    *.*.*.*) return 0 ;;
    *) return 1 ;;
  esac
}

host="${HAWSER_CLUSTER_HOST:-}"
if [ -z "$host" ]; then
  host="$(hostname -i | awk '{print $1}')"
elif ! is_ip "$host"; then
  resolved="$(getent ahostsv4 "$host" | awk 'NR == 1 {print $1}')"
  if [ -z "$resolved" ]; then
    echo "entrypoint: cannot resolve HAWSER_CLUSTER_HOST '$host'" >&2
    exit 2
  fi
  host="$resolved"
fi
export HAWSER_CLUSTER_HOST="$host"

# exec: java is PID 1 and receives SIGTERM itself.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar /opt/hawser/hawser.jar "$@"
