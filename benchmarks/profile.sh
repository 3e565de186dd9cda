#!/bin/sh
# Profiles the gateway's jar under wrk load with JDK Flight Recorder (docs/benchmarks.md, "Profile").
# Set-up as benchmarks/run.sh's gateway target: billing on, a stored API key, the fake upstream
# (benchmarks.jar upstream), the local Redis and PostgreSQL; everything on 127.0.0.1.
# Usage: benchmarks/profile.sh [sse|json] [seconds]   (needs gateway.jar and benchmarks.jar built:
#   ./mvnw -B -ntp -q -Pbench -pl gateway,benchmarks -am package -DskipTests)
# Environment: GATEWAY_JAR (default gateway/target/gateway.jar), WARMUP seconds (15), CONNS (32).
# Writes target/profile-<run>/{gateway.jfr,summary.txt}; summary.txt is benchmarks/jfr-summary.py's.
set -eu
cd "$(dirname "$0")/.."
MODE=${1:-sse}
SECONDS_=${2:-30}
WARMUP=${WARMUP:-15}
CONNS=${CONNS:-32}
. ./.mvn/jdk.sh
J="$JAVA_HOME/bin"
RUN=$(date +%s)
DIR="target/profile-$RUN"
mkdir -p "$DIR"
DB="tollgate_prof_$RUN"
PREFIX="prof$RUN"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
UP_PORT=$(free_port)
GW_PORT=$(free_port)
UP_PID=""
GW_PID=""
cleanup() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null || true
  [ -n "$UP_PID" ] && kill "$UP_PID" 2>/dev/null || true
  sleep 1
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB" 2>/dev/null || true
  redis-cli -h 127.0.0.1 --scan --pattern "$PREFIX*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
}
trap cleanup EXIT INT TERM

"$J/java" -Xms1g -Xmx1g -jar benchmarks/target/benchmarks.jar upstream "$UP_PORT" 20 once \
  >"$DIR/upstream.log" 2>&1 &
UP_PID=$!
createdb -h 127.0.0.1 -U postgres "$DB"
MASTER="prof-master-$RUN"
cat >"$DIR/gateway.yaml" <<EOF
server: { address: 127.0.0.1, port: $GW_PORT }
spring:
  data: { redis: { url: "redis://127.0.0.1:6379" } }
  r2dbc: { url: "r2dbc:postgresql://127.0.0.1:5432/$DB", username: postgres }
tollgate: { embedded: { enabled: false } }
gateway:
  admin: { master-key: "$MASTER" }
  billing: { enabled: true, redis-prefix: "$PREFIX", instance-id: prof }
  providers:
    bench: { type: openai, base-url: "http://127.0.0.1:$UP_PORT/v1", api-key: x }
  models:
    - { id: bench-model, provider: bench, price: { input: 0.10, output: 0.40 } }
logging: { level: { dev.tollgate.usage: WARN } }
EOF
"$J/java" -Xms1g -Xmx1g -XX:+FlightRecorder -jar "${GATEWAY_JAR:-gateway/target/gateway.jar}" \
  "--spring.config.additional-location=file:$DIR/gateway.yaml" >"$DIR/gateway.log" 2>&1 &
GW_PID=$!
BASE="http://127.0.0.1:$GW_PORT"
i=0
until curl -sf "$BASE/actuator/health/readiness" >/dev/null; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo "gateway not ready, see $DIR/gateway.log"; exit 1; }
  sleep 0.5
done
post() { curl -sf -H "Authorization: Bearer $MASTER" -H 'Content-Type: application/json' -d "$2" "$BASE$1"; }
ACCOUNT=$(post /admin/accounts '{"name":"prof","owner":"prof"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
post "/admin/accounts/$ACCOUNT/credits" "{\"amount\":\"1000000\",\"reference\":\"prof-$RUN\",\"type\":\"credit\"}" >/dev/null
KEY=$(post "/admin/accounts/$ACCOUNT/keys" '{"name":"prof"}' | sed 's/.*"key":"\([^"]*\)".*/\1/')
STREAM=false; [ "$MODE" = sse ] && STREAM=true
cat >"$DIR/wrk.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"model":"bench-model","stream":$STREAM,"max_tokens":64,"messages":[{"role":"user","content":"Say twenty words, please."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
EOF
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$DIR/wrk.lua")" "$BASE/v1/chat/completions" | tail -c 200
echo
/usr/bin/wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s "$DIR/wrk.lua" "$BASE/v1/chat/completions" >/dev/null
cpu() { awk '{print $14+$15}' "/proc/$GW_PID/stat"; }
"$J/jcmd" "$GW_PID" JFR.start name=prof settings=profile duration="${SECONDS_}s" \
  filename="$(pwd)/$DIR/gateway.jfr" >/dev/null
C0=$(cpu)
/usr/bin/wrk -t2 -c"$CONNS" -d"${SECONDS_}s" -s "$DIR/wrk.lua" "$BASE/v1/chat/completions" \
  | tee "$DIR/wrk.txt"
C1=$(cpu)
TICKS=$(getconf CLK_TCK)
REQS=$(awk '/requests in/ {print $1}' "$DIR/wrk.txt")
echo "gateway CPU: $(( (C1 - C0) * 1000000 / TICKS / REQS )) us per request ($REQS requests, JFR on)" \
  | tee "$DIR/cpu.txt"
i=0
until [ -s "$DIR/gateway.jfr" ] && sleep 2; do i=$((i + 1)); [ $i -gt 60 ] && break; sleep 1; done
python3 benchmarks/jfr-summary.py "$J/jfr" "$DIR/gateway.jfr" | tee "$DIR/summary.txt"
echo "written: $DIR"
