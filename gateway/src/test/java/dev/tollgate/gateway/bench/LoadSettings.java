package dev.tollgate.gateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's parameters, read from {@code load.*} system properties (the Maven profile {@code
 * load} forwards {@code -Dload.x=...} from the command line).
 *
 * @param concurrency requests in flight at any time, per scenario
 * @param warmUp how long each scenario runs before it is measured
 * @param measured how long each scenario is measured, in all
 * @param rounds the measured time is cut into this many rounds, direct and gateway taking turns, so
 *     that a change in the machine's background load falls on both alike
 * @param tokens content chunks (one token each) per streamed response
 * @param tokenDelay the fake upstream's pause between two content chunks
 * @param includeUsage whether clients ask for the usage chunk ({@code stream_options})
 * @param modes which scenarios run, in this order
 * @param requestTimeout a request that takes longer counts as an error
 * @param report where the Markdown report is written
 * @param failOnErrors whether a run with wrong responses exits with status 1 (failing the build)
 */
record LoadSettings(
    int concurrency,
    Duration warmUp,
    Duration measured,
    int rounds,
    int tokens,
    Duration tokenDelay,
    boolean includeUsage,
    List<Mode> modes,
    Duration requestTimeout,
    Path report,
    boolean failOnErrors) {

  /** What a scenario asks for. */
  enum Mode {
    /** Non-streamed chat completions: one JSON body per request. */
    JSON,
    /** Streamed chat completions: server-sent events. */
    SSE
  }

  static LoadSettings fromSystemProperties() {
    int concurrency = positive("load.concurrency", 64);
    Duration warmUp = Duration.ofSeconds(atLeast("load.warmup", 5, 0));
    Duration measured = Duration.ofSeconds(positive("load.seconds", 15));
    int rounds = positive("load.rounds", 3);
    int tokens = positive("load.tokens", 64);
    Duration tokenDelay = Duration.ofMillis(atLeast("load.tokenDelayMs", 0, 0));
    boolean includeUsage =
        Boolean.parseBoolean(System.getProperty("load.includeUsage", "true").trim());
    List<Mode> modes = new ArrayList<>();
    for (String name : System.getProperty("load.scenarios", "json,sse").split(",")) {
      if (name.isBlank()) {
        continue;
      }
      try {
        modes.add(Mode.valueOf(name.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "load.scenarios: '" + name.trim() + "' (expected: json, sse or both, comma-separated)");
      }
    }
    if (modes.isEmpty()) {
      throw new IllegalArgumentException("load.scenarios: empty (expected: json, sse or both)");
    }
    Duration requestTimeout = Duration.ofSeconds(positive("load.requestTimeout", 30));
    Path report = Path.of(System.getProperty("load.report", "target/load-report.md"));
    boolean failOnErrors =
        Boolean.parseBoolean(System.getProperty("load.failOnErrors", "true").trim());
    return new LoadSettings(
        concurrency,
        warmUp,
        measured,
        rounds,
        tokens,
        tokenDelay,
        includeUsage,
        List.copyOf(modes),
        requestTimeout,
        report,
        failOnErrors);
  }

  /** How long one measured round of one target lasts. */
  Duration round() {
    return measured.dividedBy(rounds);
  }

  /** The longest a whole run may take before the watchdog ends it. */
  Duration budget() {
    // each warm-up and each round may overrun by a request timeout, plus a strict check each
    Duration slack = requestTimeout.plusSeconds(10).multipliedBy(rounds + 2L);
    Duration scenario = warmUp.plus(measured).plus(slack);
    return scenario.multipliedBy(2L * modes.size()).plusMinutes(2);
  }

  private static int positive(String name, int defaultValue) {
    return atLeast(name, defaultValue, 1);
  }

  private static int atLeast(String name, int defaultValue, int min) {
    String raw = System.getProperty(name);
    if (raw == null || raw.isBlank()) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + raw + "' (expected: an integer)");
    }
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }
}
