package dev.tollgate.gateway.bench;

import dev.tollgate.gateway.bench.LoadSettings.Mode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The results side by side, direct and through the gateway, with the ratio gateway/direct: as a
 * plain table for the console and as Markdown for {@code target/load-report.md}.
 */
final class LoadReport {

  /** Billing's target: it costs less than this share of streamed requests/s. */
  static final double BILLING_COST_TARGET = 0.15;

  /** The milestone's target: streamed requests/s through the gateway vs direct. */
  static final double TARGET_SSE_RATIO = 0.5;

  private record Row(String label, String direct, String gateway, String ratio) {}

  private final LoadSettings settings;
  private final Map<String, String> machine;
  private final List<ScenarioResult[]> pairs;

  /**
   * @param pairs per mode, {@code {direct, gateway}}
   */
  LoadReport(LoadSettings settings, Map<String, String> machine, List<ScenarioResult[]> pairs) {
    this.settings = settings;
    this.machine = machine;
    this.pairs = pairs;
  }

  String plain() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%-34s %20s %20s %16s%n",
            "",
            first(),
            second(),
            second() + "/" + first()));
    for (ScenarioResult[] pair : pairs) {
      out.append(pair[0].mode == Mode.SSE ? "SSE (streamed)" : "JSON (not streamed)").append('\n');
      for (Row row : rows(pair)) {
        out.append(
            String.format(
                Locale.ROOT,
                "  %-32s %20s %20s %16s%n",
                row.label,
                row.direct,
                row.gateway,
                row.ratio));
      }
    }
    out.append('\n').append(verdict()).append('\n');
    String errors = errors("  ");
    if (!errors.isEmpty()) {
      out.append("Errors:\n").append(errors);
    }
    out.append("Parameters: ").append(String.join(", ", parameters().values())).append('\n');
    out.append("Machine: ");
    machine.forEach((k, v) -> out.append(k).append(' ').append(v).append("; "));
    out.append('\n');
    return out.toString();
  }

  String markdown() {
    StringBuilder md = new StringBuilder("# Tollgate load report\n\n");
    md.append(verdict()).append("\n\n");
    md.append("| Scenario | Metric | ")
        .append(first())
        .append(" | ")
        .append(second())
        .append(" | ")
        .append(second())
        .append('/')
        .append(first())
        .append(" |\n");
    md.append("|---|---|---:|---:|---:|\n");
    for (ScenarioResult[] pair : pairs) {
      String scenario = pair[0].mode == Mode.SSE ? "SSE" : "JSON";
      for (Row row : rows(pair)) {
        md.append("| ").append(scenario).append(" | ").append(row.label).append(" | ");
        md.append(cell(row.direct)).append(" | ").append(cell(row.gateway)).append(" | ");
        md.append(row.ratio).append(" |\n");
      }
    }
    md.append("\nRates count correct responses only. Latencies are in milliseconds; for them a")
        .append(" ratio above 1 means slower through the gateway. CPU rows are in cores (CPU")
        .append(" seconds per second) of the one JVM that runs client, gateway and upstream.\n");
    String errors = errors("- ");
    if (!errors.isEmpty()) {
      md.append("\n## Errors\n\n").append(errors);
    }
    md.append("\n## Parameters\n\n");
    parameters().forEach((k, v) -> md.append("- ").append(v).append('\n'));
    md.append("\n## Machine\n\n");
    machine.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    return md.toString();
  }

  private String first() {
    return pairs.isEmpty() ? "direct" : pairs.getFirst()[0].target;
  }

  private String second() {
    return pairs.isEmpty() ? "gateway" : pairs.getFirst()[1].target;
  }

  /** Whether the streaming target is met, in one sentence; a note when streams were not run. */
  String verdict() {
    for (ScenarioResult[] pair : pairs) {
      if (pair[0].mode == Mode.SSE && "billing".equals(pair[1].target)) {
        double ratio = pair[1].requestsPerSecond() / pair[0].requestsPerSecond();
        return String.format(
            Locale.ROOT,
            "Target (billing costs less than %.0f%% of streamed requests/s): %s (billing on runs"
                + " at %.1f%% of billing off)",
            BILLING_COST_TARGET * 100,
            ratio >= 1 - BILLING_COST_TARGET ? "MET" : "NOT MET",
            ratio * 100);
      }
      if (pair[0].mode == Mode.SSE) {
        double ratio = pair[1].requestsPerSecond() / pair[0].requestsPerSecond();
        return String.format(
            Locale.ROOT,
            "Target (streamed requests/s through the gateway >= %.0f%% of direct): %s (%.1f%%)",
            TARGET_SSE_RATIO * 100,
            ratio >= TARGET_SSE_RATIO ? "MET" : "NOT MET",
            ratio * 100);
      }
    }
    return "Target (streamed requests/s): not measured (SSE scenario not run)";
  }

  long totalErrors() {
    long errors = 0;
    for (ScenarioResult[] pair : pairs) {
      for (ScenarioResult r : pair) {
        errors += r.errors() + ("ok".equals(r.strictCheck()) ? 0 : 1);
      }
    }
    return errors;
  }

  private List<Row> rows(ScenarioResult[] pair) {
    ScenarioResult d = pair[0];
    ScenarioResult g = pair[1];
    List<Row> rows = new ArrayList<>();
    rows.add(ratio("requests/s", d, g, ScenarioResult::requestsPerSecond, "%.0f"));
    rows.add(rounds(d, g));
    if (d.mode == Mode.SSE) {
      rows.add(
          ratio(
              "first event p50 (ms)", d, g, r -> ScenarioResult.millis(r.firstEvent, 50), "%.2f"));
      rows.add(
          ratio(
              "first event p99 (ms)", d, g, r -> ScenarioResult.millis(r.firstEvent, 99), "%.2f"));
      rows.add(
          ratio("full stream p50 (ms)", d, g, r -> ScenarioResult.millis(r.latency, 50), "%.2f"));
      rows.add(
          ratio("full stream p99 (ms)", d, g, r -> ScenarioResult.millis(r.latency, 99), "%.2f"));
      rows.add(ratio("streamed tokens/s", d, g, ScenarioResult::tokensPerSecond, "%.0f"));
    } else {
      rows.add(ratio("latency p50 (ms)", d, g, r -> ScenarioResult.millis(r.latency, 50), "%.2f"));
      rows.add(ratio("latency p99 (ms)", d, g, r -> ScenarioResult.millis(r.latency, 99), "%.2f"));
    }
    rows.add(
        ratio("process CPU per request (us)", d, g, ScenarioResult::cpuMicrosPerRequest, "%.0f"));
    rows.add(plainRow("CPU: load generator (cores)", d, g, r -> r.cpu().client()));
    rows.add(plainRow("CPU: gateway (cores)", d, g, r -> r.cpu().gateway()));
    rows.add(plainRow("CPU: fake upstream (cores)", d, g, r -> r.cpu().upstream()));
    rows.add(plainRow("CPU: other, GC, JIT (cores)", d, g, r -> r.cpu().other()));
    rows.add(new Row("responses ok", count(d.ok()), count(g.ok()), ""));
    rows.add(new Row("errors", count(d.errors()), count(g.errors()), ""));
    rows.add(new Row("one response fully parsed", d.strictCheck(), g.strictCheck(), ""));
    rows.add(new Row("gateway's own record", "-", endings(g), ""));
    return rows;
  }

  private static Row ratio(
      String label,
      ScenarioResult d,
      ScenarioResult g,
      ToDoubleFunction<ScenarioResult> metric,
      String format) {
    double direct = metric.applyAsDouble(d);
    double gateway = metric.applyAsDouble(g);
    return new Row(
        label,
        String.format(Locale.ROOT, format, direct),
        String.format(Locale.ROOT, format, gateway),
        String.format(Locale.ROOT, "%.2f", gateway / direct));
  }

  /** Requests/s of each round, and the ratio in each: how much the machine's load moved. */
  private static Row rounds(ScenarioResult d, ScenarioResult g) {
    List<Double> direct = d.roundRates();
    List<Double> gateway = g.roundRates();
    StringBuilder ds = new StringBuilder();
    StringBuilder gs = new StringBuilder();
    StringBuilder rs = new StringBuilder();
    for (int i = 0; i < Math.min(direct.size(), gateway.size()); i++) {
      String sep = i == 0 ? "" : "/";
      ds.append(sep).append(String.format(Locale.ROOT, "%.0f", direct.get(i)));
      gs.append(sep).append(String.format(Locale.ROOT, "%.0f", gateway.get(i)));
      rs.append(sep).append(String.format(Locale.ROOT, "%.2f", gateway.get(i) / direct.get(i)));
    }
    return new Row("requests/s by round", ds.toString(), gs.toString(), rs.toString());
  }

  private static Row plainRow(
      String label, ScenarioResult d, ScenarioResult g, ToDoubleFunction<ScenarioResult> metric) {
    return new Row(
        label,
        String.format(Locale.ROOT, "%.2f", metric.applyAsDouble(d)),
        String.format(Locale.ROOT, "%.2f", metric.applyAsDouble(g)),
        "");
  }

  /** How the gateway recorded the requests' ends: {@code completed/reported 5976}. */
  private static String endings(ScenarioResult g) {
    if (g.gatewayEndings().isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    g.gatewayEndings()
        .forEach((k, n) -> out.append(out.isEmpty() ? "" : ", ").append(k).append(' ').append(n));
    return out.toString();
  }

  /** A table cell: one line, no pipes, not too long. */
  private static String cell(String text) {
    String flat = text.replace('\n', ' ').replace("|", "\\|");
    return flat.length() > 90 ? flat.substring(0, 90) + "..." : flat;
  }

  private static String count(long n) {
    return Long.toString(n);
  }

  private String errors(String prefix) {
    StringBuilder out = new StringBuilder();
    for (ScenarioResult[] pair : pairs) {
      for (ScenarioResult r : pair) {
        for (String line : r.errorSummary()) {
          out.append(prefix).append(r.mode).append(' ').append(r.target).append(": ");
          out.append(line).append('\n');
        }
        r.gatewayFailures()
            .forEach(
                (cause, n) -> {
                  out.append(prefix).append(r.mode).append(' ').append(r.target);
                  out.append(": upstream failure seen by the gateway, ").append(n);
                  out.append(" x ").append(cause).append('\n');
                });
      }
    }
    return out.toString();
  }

  private Map<String, String> parameters() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("concurrency", "concurrency " + settings.concurrency());
    p.put(
        "duration",
        "warm-up "
            + settings.warmUp().toSeconds()
            + " s + measured "
            + settings.measured().toSeconds()
            + " s per scenario and target, in "
            + settings.rounds()
            + " rounds taking turns");
    p.put("tokens", settings.tokens() + " content chunks per stream");
    p.put("delay", "inter-token delay " + settings.tokenDelay().toMillis() + " ms");
    p.put("usage", "stream_options.include_usage " + settings.includeUsage());
    p.put(
        "billing",
        switch (InProcessGateway.billingMode()) {
          case "true" ->
              "billing on (local Redis and PostgreSQL: reserve, extend, settle, outbox flusher)";
          case "compare" ->
              "gateway without billing vs gateway with billing (local Redis and PostgreSQL)";
          default -> "billing off (gateway.billing.enabled=false)";
        });
    p.put("timeout", "request timeout " + settings.requestTimeout().toSeconds() + " s");
    return p;
  }
}
