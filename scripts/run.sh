#!/usr/bin/env bash
# Starts the four services and the example consumer from bin/ (make run
# builds them) and stops them all on Ctrl-C. Each logs to this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hookmesh?sslmode=disable}"
export HOOKMESH_SUBSCRIPTIONS_FILE="${HOOKMESH_SUBSCRIPTIONS_FILE:-config/subscriptions.yaml}"
if ! env | grep -q '^HOOKMESH_SECRET_'; then
  export HOOKMESH_DEV_SECRETS=true
  echo "run: no HOOKMESH_SECRET_<PLATFORM> set: using DEVELOPMENT secrets (see services/edge/edge.go DevSecrets)"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

declare -A names
for svc in ledger normalizer edge dispatcher consumer; do
  bin/"$svc" &
  pids+=("$!")
  names[$!]=$svc
done

cat <<MSG
run: hookmesh is starting
  webhooks  POST http://localhost:8080/webhooks/{stripe,github,shopify,slack,standard}
  admin     GET  http://127.0.0.1:8081/v1/events
  gRPC      edge :9090  normalizer :9091  ledger :9092  dispatcher :9093  consumer 127.0.0.1:9094
            (grpcurl -plaintext localhost:9092 list)
Press Ctrl-C to stop.
MSG
# A service that exits (or that you stop to try an outage, such as the
# consumer) leaves the others running; restart it with bin/<name>.
# Ctrl-C stops everything.
live=("${pids[@]}")
while [ "${#live[@]}" -gt 0 ]; do
  status=0 exited=
  wait -n -p exited "${live[@]}" || status=$?
  [ -n "$exited" ] || break
  echo "run: ${names[$exited]} exited (status $status); the others keep running"
  rest=()
  for pid in "${live[@]}"; do [ "$pid" = "$exited" ] || rest+=("$pid"); done
  live=("${rest[@]}")
done
