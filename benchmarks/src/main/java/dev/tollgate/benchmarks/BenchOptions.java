package dev.tollgate.benchmarks;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Options, each {@code --name=value} on the command line (docs/benchmarks.md has the table).
 *
 * @param seconds measured seconds per round, target and mode
 * @param rounds rounds; in each, every target gets one turn (A B C D, A B C D, ...)
 * @param warmup seconds of unmeasured load per target and mode before the first round
 * @param connections wrk's connections (requests in flight)
 * @param threads wrk's threads
 * @param tokens content chunks per streamed response
 * @param modes {@code sse}, {@code json} or both
 * @param targets which of direct, nginx, scg, gateway run
 * @param jvmFlags the options of every JVM started (upstream, Spring Cloud Gateway, gateway)
 * @param proxyCpus CPU list (taskset -c) for nginx, Spring Cloud Gateway and the gateway; empty: no
 *     pinning
 * @param loadCpus CPU list for wrk and the fake upstream; empty: no pinning
 * @param upstreamFlush {@code once}: the fake upstream writes a stream's events at once; {@code
 *     each}: one write and flush per event
 * @param nice niceness of every process started (wrk, upstream, proxies); negative gives them
 *     priority over other work on a shared machine, 0 leaves it as it is
 * @param firstTokenSeconds measured seconds per target of the one-request-at-a-time first-token
 *     latency test; 0 skips it
 * @param gatewayJar the gateway's packaged jar
 * @param redisUrl Redis for the gateway's billing (a key prefix of its own)
 * @param postgresHost PostgreSQL host:port for the gateway (a database of its own, dropped after)
 */
record BenchOptions(
    int seconds,
    int rounds,
    int warmup,
    int connections,
    int threads,
    int tokens,
    List<String> modes,
    List<String> targets,
    String jvmFlags,
    String proxyCpus,
    String loadCpus,
    String upstreamFlush,
    int nice,
    int firstTokenSeconds,
    Path gatewayJar,
    String redisUrl,
    String postgresHost) {

  static BenchOptions parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || !a.contains("=")) {
        throw new IllegalArgumentException(a + " (expected: --name=value)");
      }
      m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    BenchOptions o =
        new BenchOptions(
            positive(m, "seconds", 8),
            positive(m, "rounds", 3),
            Integer.parseInt(m.getOrDefault("warmup", "6")),
            positive(m, "connections", 32),
            positive(m, "threads", 2),
            positive(m, "tokens", 20),
            List.of(m.getOrDefault("modes", "sse,json").split(",")),
            List.of(m.getOrDefault("targets", "direct,nginx,scg,gateway").split(",")),
            m.getOrDefault("jvm-flags", "-Xms1g -Xmx1g"),
            m.getOrDefault("proxy-cpus", ""),
            m.getOrDefault("load-cpus", ""),
            m.getOrDefault("upstream-flush", "once"),
            Integer.parseInt(m.getOrDefault("nice", "-10")),
            Integer.parseInt(m.getOrDefault("first-token-seconds", "3")),
            Path.of(m.getOrDefault("gateway-jar", "gateway/target/gateway.jar")),
            m.getOrDefault("redis-url", "redis://127.0.0.1:6379"),
            m.getOrDefault("postgres", "127.0.0.1:5432"));
    m.keySet()
        .removeAll(
            List.of(
                "seconds",
                "rounds",
                "warmup",
                "connections",
                "threads",
                "tokens",
                "modes",
                "targets",
                "jvm-flags",
                "proxy-cpus",
                "load-cpus",
                "nice",
                "upstream-flush",
                "nice",
                "upstream-flush",
                "first-token-seconds",
                "gateway-jar",
                "redis-url",
                "postgres"));
    if (!m.isEmpty()) {
      throw new IllegalArgumentException("unknown options " + m.keySet());
    }
    for (String t : o.targets) {
      if (!List.of("direct", "nginx", "scg", "gateway").contains(t)) {
        throw new IllegalArgumentException(
            "--targets: " + t + " (expected: direct, nginx, scg, gateway)");
      }
    }
    for (String mode : o.modes) {
      if (!List.of("sse", "json").contains(mode)) {
        throw new IllegalArgumentException("--modes: " + mode + " (expected: sse, json)");
      }
    }
    if (!List.of("once", "each").contains(o.upstreamFlush)) {
      throw new IllegalArgumentException(
          "--upstream-flush: " + o.upstreamFlush + " (expected: once, each)");
    }
    return o;
  }

  private static int positive(Map<String, String> m, String name, int dflt) {
    int v = Integer.parseInt(m.getOrDefault(name, Integer.toString(dflt)));
    if (v <= 0) {
      throw new IllegalArgumentException("--" + name + ": " + v + " (expected: > 0)");
    }
    return v;
  }
}
