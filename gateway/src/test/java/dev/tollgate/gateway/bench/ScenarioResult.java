package dev.tollgate.gateway.bench;

import dev.tollgate.gateway.bench.LoadSettings.Mode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What one scenario (a mode against a target) measured. Written to by many event-loop threads at
 * once while it runs (hence the concurrent histograms and adders); read once it has ended. Adds up
 * over the scenario's measured rounds. Latencies are recorded in microseconds.
 */
final class ScenarioResult {

  final Mode mode;
  final String target;

  /** Whole response: from sending the request to the last byte. */
  final Histogram latency = new ConcurrentHistogram(3);

  /** Streams only: from sending the request to the first complete event. */
  final Histogram firstEvent = new ConcurrentHistogram(3);

  private final LongAdder ok = new LongAdder();
  private final LongAdder tokens = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, String> errorSamples = new ConcurrentHashMap<>();

  private final CpuUsage cpu = new CpuUsage();
  private final List<Double> roundRates = new ArrayList<>();
  private long okAtLastRound;
  private long elapsedNanos;
  private @Nullable String strictCheck;
  private final Map<String, Long> gatewayEndings = new TreeMap<>();
  private final Map<String, Long> gatewayFailures = new TreeMap<>();

  ScenarioResult(Mode mode, String target) {
    this.mode = mode;
    this.target = target;
  }

  void success(long startNanos, long firstEventNanos, long endNanos, int streamedTokens) {
    latency.recordValue(micros(endNanos - startNanos));
    if (firstEventNanos > 0) {
      firstEvent.recordValue(micros(firstEventNanos - startNanos));
    }
    tokens.add(streamedTokens);
    ok.increment();
  }

  /**
   * A failed request.
   *
   * @param kind what went wrong, in few words; errors are counted by kind
   * @param detail one example, kept for the report
   */
  void error(String kind, String detail) {
    errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    if (!errorSamples.containsKey(kind)) {
      String line = detail.replace('\n', ' ');
      errorSamples.putIfAbsent(kind, line.length() > 200 ? line.substring(0, 200) + "..." : line);
    }
  }

  /** One measured round ended: it took {@code elapsedNanos}, between these CPU snapshots. */
  void addRound(long elapsedNanos, CpuUsage.Snapshot before, CpuUsage.Snapshot after) {
    this.elapsedNanos += elapsedNanos;
    cpu.add(before, after, elapsedNanos);
    long okNow = ok();
    roundRates.add((okNow - okAtLastRound) / (elapsedNanos / 1e9));
    okAtLastRound = okNow;
  }

  /** Correct responses per second in each round, in order: shows how steady the machine was. */
  List<Double> roundRates() {
    return List.copyOf(roundRates);
  }

  void strictCheck(String verdict) {
    String line = verdict.replace('\n', ' ');
    this.strictCheck = line.length() > 120 ? line.substring(0, 120) + "..." : line;
  }

  /**
   * How the gateway itself saw the requests end, and why its upstream calls failed (see {@link
   * GatewayProbe}); empty for direct scenarios.
   */
  void addGatewayView(Map<String, Long> endings, Map<String, Long> failures) {
    endings.forEach((k, n) -> gatewayEndings.merge(k, n, Long::sum));
    failures.forEach((k, n) -> gatewayFailures.merge(k, n, Long::sum));
  }

  Map<String, Long> gatewayEndings() {
    return gatewayEndings;
  }

  Map<String, Long> gatewayFailures() {
    return gatewayFailures;
  }

  /** "ok" or why the one fully parsed response was wrong. */
  String strictCheck() {
    return strictCheck == null ? "not run" : strictCheck;
  }

  long ok() {
    return ok.sum();
  }

  long errors() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Error kinds, most frequent first, each with its count and one example. */
  List<String> errorSummary() {
    return errors.entrySet().stream()
        .sorted(Comparator.comparingLong((Map.Entry<String, LongAdder> e) -> -e.getValue().sum()))
        .map(
            e ->
                e.getValue().sum()
                    + " x "
                    + e.getKey()
                    + " (e.g. "
                    + errorSamples.get(e.getKey())
                    + ")")
        .toList();
  }

  double seconds() {
    return elapsedNanos / 1e9;
  }

  double requestsPerSecond() {
    return ok() / seconds();
  }

  double tokensPerSecond() {
    return tokens.sum() / seconds();
  }

  /** Milliseconds at a percentile of a histogram of microseconds. */
  static double millis(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0
        ? Double.NaN
        : histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  CpuUsage cpu() {
    return cpu;
  }

  /** Process CPU time per successful request, in microseconds. */
  double cpuMicrosPerRequest() {
    long done = ok();
    return done == 0 ? Double.NaN : cpu.processNanos() / 1000.0 / done;
  }

  private static long micros(long nanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
  }
}
