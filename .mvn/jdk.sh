# Sourced by ./mvnw: make sure Maven runs on a JDK 21 or newer.
# Keeps JAVA_HOME when it (or the `java` on PATH) is new enough; otherwise picks the newest
# JDK >= 21 found in the usual install locations. POSIX sh; mvnw runs with `set -euf`.
tollgate_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}
tollgate_pick_jdk() {
  tg_min=21
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    tg_v=$(tollgate_java_major "$JAVA_HOME/bin/java")
    [ "${tg_v:-0}" -ge "$tg_min" ] && return 0
  elif [ -z "${JAVA_HOME-}" ] && command -v javac >/dev/null 2>&1; then
    tg_v=$(tollgate_java_major java)
    [ "${tg_v:-0}" -ge "$tg_min" ] && return 0
  fi
  tg_best="" tg_best_v=0
  set +f
  for tg_home in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$tg_home/bin/javac" ] || continue
    tg_v=$(tollgate_java_major "$tg_home/bin/java")
    if [ "${tg_v:-0}" -ge "$tg_min" ] && [ "${tg_v:-0}" -gt "$tg_best_v" ]; then
      tg_best=$tg_home tg_best_v=$tg_v
    fi
  done
  set -f
  if [ -z "$tg_best" ]; then
    echo "Tollgate needs a JDK $tg_min or newer; none found (JAVA_HOME=${JAVA_HOME-unset})." >&2
    echo "Install one (for example Temurin 21 or 25) or set JAVA_HOME to it." >&2
    exit 1
  fi
  JAVA_HOME=$tg_best
  export JAVA_HOME
}
tollgate_pick_jdk
