# Sourced by the bench scripts: starts nymphd on plain HTTP at a free
# loopback port on the bundled models, with a private state directory, and
# stops it when the calling script exits. Sets `port`.
# Default log level on purpose: one log line per request is part of what the
# agent costs.
start_bench_daemon() {
  local state log pid
  state=$(mktemp -d)
  log="$state/nymphd.log"
  build/bin/nymphd --http --listen 127.0.0.1:0 --models models \
    --state-dir "$state" >"$log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2064 # expand now: these locals are gone at exit
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$state'" EXIT
  # The kernel picks the port; the daemon's log says which.
  port=""
  for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" |
      sed 's/.*://' | head -n 1 || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/ready" >/dev/null &&
      return 0
    sleep 0.1
  done
  echo "bench: nymphd did not get ready:" >&2
  cat "$log" >&2
  exit 1
}
