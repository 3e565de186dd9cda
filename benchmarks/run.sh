#!/bin/sh
# Builds the gateway's jar and benchmarks.jar, then runs the comparison (docs/benchmarks.md).
# Options go to the benchmark, e.g.: benchmarks/run.sh --seconds=5 --rounds=2 --targets=direct,nginx
set -eu
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -Pbench -pl gateway,benchmarks -am package -DskipTests
# the JDK (21 or newer) that ./mvnw picks
. ./.mvn/jdk.sh
mkdir -p benchmarks/target
exec "$JAVA_HOME/bin/java" -jar benchmarks/target/benchmarks.jar "$@"
