#!/usr/bin/env bash
# Sizing of one gateway instance (docs/operations.md, "Sizing"): the packaged jar on the local Redis
# and PostgreSQL, a slow OpenAI-style upstream on loopback (benchmarks/sizing/upstream.mjs, one
# token a second), and N streams held open at once through the gateway (benchmarks/sizing/load.mjs).
# For idle and for each N: heap after a full GC (jcmd GC.run, GC.heap_info), resident memory,
# threads, file descriptors, the gateway's TCP connections to the upstream, Redis and PostgreSQL,
# and its CPU while the streams run. Traffic goes to 127.0.0.1 only; every run stops by itself and
# removes its database and Redis keys.
#
#   benchmarks/sizing.sh [N ...]          default: 1000 2000 4000
#
# Environment: XMX (1g), MAX_CONNECTIONS (gateway.upstream.max-connections, 8000: the default 1000
# would queue the streams past 1000), RATE (streams opened per 100 ms, 50), INTERVAL_MS (1000),
# REDIS (127.0.0.1:6379), PG (127.0.0.1:5432, user postgres, trust), NODE (node).
set -euo pipefail
cd "$(dirname "$0")/.."
. ./.mvn/jdk.sh
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
XMX=${XMX:-1g}
MAX_CONNECTIONS=${MAX_CONNECTIONS:-8000}
RATE=${RATE:-50}
INTERVAL_MS=${INTERVAL_MS:-1000}
REDIS=${REDIS:-127.0.0.1:6379}
PG=${PG:-127.0.0.1:5432}
NODE=${NODE:-node}
JAR=gateway/target/gateway.jar
[ -f "$JAR" ] || ./mvnw -B -ntp -q -pl gateway -am package -DskipTests
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 2000 4000)
OUT=benchmarks/target/sizing
mkdir -p "$OUT"

UP_PID="" GW_PID="" LOAD_PID="" DB="" PREFIX=""
cleanup() {
  for pid in $LOAD_PID $GW_PID $UP_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $LOAD_PID $GW_PID $UP_PID; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  LOAD_PID="" GW_PID="" UP_PID=""
  if [ -n "$DB" ]; then
    dropdb -h "${PG%:*}" -p "${PG#*:}" -U postgres --if-exists "$DB" || true
    DB=""
  fi
  if [ -n "$PREFIX" ]; then
    redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" --scan --pattern "$PREFIX:*" \
      | xargs -r -n 500 redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" DEL >/dev/null || true
    PREFIX=""
  fi
}
trap cleanup EXIT

free_port() {
  "$NODE" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# await DESCRIPTION SECONDS COMMAND...: polls COMMAND every 200 ms until it succeeds, for at most
# SECONDS of wall-clock time.
await() {
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  while [ $SECONDS -lt $deadline ]; do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  echo "timed out waiting for $what" >&2
  return 1
}

# conns PID PORT: established TCP connections of process PID to peer port PORT.
conns() {
  ss -tnpH state established "( dport = :$2 )" 2>/dev/null | grep -c "pid=$1," || true
}

heap_after_gc_kb() {
  "$JCMD" "$GW_PID" GC.run >/dev/null
  "$JCMD" "$GW_PID" GC.heap_info | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -n 1
}

cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$GW_PID/stat"
}

# measure LABEL STREAMS: one result line.
measure() {
  local heap rss fds threads up redis pg t0 t1 cpu
  heap=$(heap_after_gc_kb)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$GW_PID/status")
  fds=$(ls "/proc/$GW_PID/fd" | wc -l)
  threads=$(ls "/proc/$GW_PID/task" | wc -l)
  up=$(conns "$GW_PID" "$UP_PORT")
  redis=$(conns "$GW_PID" "${REDIS#*:}")
  pg=$(conns "$GW_PID" "${PG#*:}")
  t0=$(cpu_ticks)
  sleep 10 # CPU over 10 s of the streams' steady state (a measurement window, not a wait)
  t1=$(cpu_ticks)
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", 100 * d / hz / 10}')
  printf '| %s | %s | %d MB | %d MB | %s | %s | %s | %s | %s | %s%% |\n' \
    "$1" "$2" $((heap / 1024)) $((rss / 1024)) "$threads" "$fds" "$up" "$redis" "$pg" "$cpu" \
    | tee -a "$RESULTS"
  echo "$2 $heap" >>"$OUT/heap-$STAMP.txt"
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/sizing-$STAMP.md"
{
  echo "sizing $STAMP on $(uname -n): $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB,"
  echo "java $("$JAVA" -version 2>&1 | head -n 1), -Xmx$XMX, max-connections $MAX_CONNECTIONS,"
  echo "upstream one token every ${INTERVAL_MS} ms, streams opened $((RATE * 10))/s"
  echo
  echo "| run | streams | heap after GC | RSS | threads | fds | upstream conns | Redis conns | PG conns | CPU |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} | tee "$RESULTS"

for N in "${SIZES[@]}"; do
  SUFFIX="$(date +%s)-$N"
  DB="tollgate_sizing_${SUFFIX//-/_}"
  PREFIX="sizing-$SUFFIX"
  createdb -h "${PG%:*}" -p "${PG#*:}" -U postgres "$DB"
  UP_PORT=$(free_port)
  TOKENS=300 # five minutes at one a second: the streams outlive the measurement, then are closed
  "$NODE" benchmarks/sizing/upstream.mjs "$UP_PORT" "$TOKENS" "$INTERVAL_MS" >"$OUT/upstream-$N.log" 2>&1 &
  UP_PID=$!
  GW_PORT=$(free_port)
  MASTER="sizing-master-$SUFFIX"
  cat >"$OUT/gateway-$N.yaml" <<EOF
server: { address: 127.0.0.1, port: $GW_PORT }
spring:
  data: { redis: { url: "redis://$REDIS" } }
  r2dbc: { url: "r2dbc:postgresql://$PG/$DB", username: postgres }
tollgate: { embedded: { enabled: false } }
gateway:
  admin: { master-key: "$MASTER" }
  billing: { enabled: true, redis-prefix: "$PREFIX", instance-id: sizing }
  upstream: { max-connections: $MAX_CONNECTIONS }
  providers:
    slow: { type: openai, base-url: "http://127.0.0.1:$UP_PORT/v1", api-key: x }
  models:
    - { id: sizing-model, provider: slow, price: { input: 0.10, output: 0.40 } }
logging: { level: { dev.tollgate.usage: WARN } }
EOF
  "$JAVA" -Xmx"$XMX" -jar "$JAR" --spring.config.additional-location=file:"$OUT/gateway-$N.yaml" \
    >"$OUT/gateway-$N.log" 2>&1 &
  GW_PID=$!
  BASE="http://127.0.0.1:$GW_PORT"
  await "the gateway's readiness" 180 curl -fs -o /dev/null "$BASE/actuator/health/readiness"
  ADMIN=(-H "Authorization: Bearer $MASTER" -H "Content-Type: application/json")
  ACCOUNT=$(curl -fs "${ADMIN[@]}" -d '{"name":"sizing","owner":"sizing"}' "$BASE/admin/accounts" \
    | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p')
  curl -fs "${ADMIN[@]}" -d "{\"amount\":\"1000000\",\"reference\":\"sizing-$SUFFIX\",\"type\":\"credit\"}" \
    "$BASE/admin/accounts/$ACCOUNT/credits" >/dev/null
  KEY=$(curl -fs "${ADMIN[@]}" -d '{"name":"sizing"}' "$BASE/admin/accounts/$ACCOUNT/keys" \
    | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
  # Warm-up: a few short requests, so that idle means "has served", not "just started".
  for _ in $(seq 1 20); do
    curl -fs -o /dev/null -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
      -d '{"model":"sizing-model","messages":[{"role":"user","content":"hi"}]}' \
      "$BASE/v1/chat/completions"
  done
  measure "idle (N=$N run)" 0

  STATUS="$OUT/load-$N.json"
  rm -f "$STATUS"
  "$NODE" benchmarks/sizing/load.mjs "$GW_PORT" "$KEY" sizing-model "$N" "$RATE" "$STATUS" \
    >"$OUT/load-$N.log" 2>&1 &
  LOAD_PID=$!
  all_streaming() {
    [ -f "$STATUS" ] && "$NODE" -e "const s=JSON.parse(require('fs').readFileSync('$STATUS'));
      process.exit(s.started == $N && s.streaming + s.errors + s.done == $N ? 0 : 1)" 2>/dev/null
  }
  OPENING=$SECONDS
  # Every stream answered (streaming, refused or failed); on a busy machine opening is far slower
  # than RATE asks, so the budget is generous. A run that times out still reports what it saw.
  await "$N streams streaming" $((N / 5 + 120)) all_streaming || true
  echo "load after $((SECONDS - OPENING)) s: $(cat "$STATUS")" | tee -a "$RESULTS"
  measure "streaming" "$N"

  kill "$LOAD_PID"
  wait "$LOAD_PID" || true
  LOAD_PID=""
  upstream_closed() { [ "$(conns "$GW_PID" "$UP_PORT")" -eq 0 ]; }
  await "the gateway to close its upstream connections" 120 upstream_closed || true
  kill "$GW_PID"
  wait "$GW_PID" || true
  GW_PID=""
  cleanup
done
echo "results in $RESULTS"
