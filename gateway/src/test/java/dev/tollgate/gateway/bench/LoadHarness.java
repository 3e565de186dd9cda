package dev.tollgate.gateway.bench;

import dev.tollgate.gateway.bench.LoadGenerator.Target;
import dev.tollgate.gateway.bench.LoadSettings.Mode;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Measures the gateway's cost: the same load, in one run, sent straight to a fake OpenAI-compatible
 * upstream and through the gateway to that same upstream, on loopback. For each mode (JSON, then
 * SSE): a warm-up for each target, then measured rounds in which direct and gateway take turns;
 * both are reported side by side. Stops by itself; a watchdog ends a run that overruns its budget.
 *
 * <p>Run with {@code ./mvnw -q -pl gateway -am -Pload -DskipTests verify}; parameters are {@code
 * load.*} system properties (see {@link LoadSettings} and docs/benchmarks.md). Exits with 1 when
 * any response was wrong, unless {@code -Dload.failOnErrors=false}.
 */
public final class LoadHarness {

  private LoadHarness() {}

  public static void main(String[] args) throws IOException {
    LoadSettings settings = LoadSettings.fromSystemProperties();
    startWatchdog(settings);
    Map<String, String> machine = machine();
    FakeCompletion completion = new FakeCompletion(settings.tokens());
    LoadReport report;
    boolean compareBilling = InProcessGateway.billingMode().equals("compare");
    try (FakeOpenAiUpstream upstream = new FakeOpenAiUpstream(completion, settings.tokenDelay());
        InProcessGateway gateway = InProcessGateway.start(upstream.baseUrl());
        InProcessGateway billed =
            compareBilling ? InProcessGateway.start(upstream.baseUrl(), true) : null;
        LoadGenerator load = new LoadGenerator(settings, completion)) {
      Target gatewayTarget =
          new Target("gateway", gateway.baseUrl() + "/chat/completions", InProcessGateway.DEV_KEY);
      List<Target> targets =
          billed != null
              ? List.of(
                  gatewayTarget,
                  new Target(
                      "billing", billed.baseUrl() + "/chat/completions", InProcessGateway.DEV_KEY))
              : List.of(
                  new Target("direct", upstream.baseUrl() + "/chat/completions", "x"),
                  gatewayTarget);
      progress("upstream %s, gateway %s", upstream.baseUrl(), gateway.baseUrl());
      List<ScenarioResult[]> pairs = new ArrayList<>();
      for (Mode mode : settings.modes()) {
        pairs.add(
            scenario(
                load, targets, mode, settings, billed != null ? billed.probe() : gateway.probe()));
      }
      machine.put("load average at end", loadAverage());
      report = new LoadReport(settings, machine, pairs);
    }
    System.out.println();
    System.out.print(report.plain());
    Path file = settings.report();
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, report.markdown());
    System.out.println("Report: " + file.toAbsolutePath());
    long errors = report.totalErrors();
    if (errors > 0) {
      System.out.println(
          "[load] "
              + errors
              + " wrong responses: see Errors above"
              + (settings.failOnErrors()
                  ? " (exit status 1; -Dload.failOnErrors=false to ignore)"
                  : ""));
    }
    System.exit(errors > 0 && settings.failOnErrors() ? 1 : 0);
  }

  /**
   * One mode against every target: a strict check and a warm-up each, then the measured rounds, the
   * targets taking turns.
   */
  private static ScenarioResult[] scenario(
      LoadGenerator load,
      List<Target> targets,
      Mode mode,
      LoadSettings settings,
      GatewayProbe probe) {
    ScenarioResult[] results = new ScenarioResult[targets.size()];
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      results[i] = new ScenarioResult(mode, target.name());
      String strict = load.strictCheck(target, mode);
      results[i].strictCheck(strict);
      progress("%s via %s: one response fully parsed: %s", mode, target.name(), strict);
      if (!settings.warmUp().isZero()) {
        ScenarioResult warmUp = new ScenarioResult(mode, target.name());
        load.run(target, mode, settings.warmUp(), warmUp);
        progress(
            "%s via %s: warm-up %d s: %.0f requests/s, %d errors",
            mode,
            target.name(),
            settings.warmUp().toSeconds(),
            warmUp.requestsPerSecond(),
            warmUp.errors());
      }
    }
    settle();
    probe.drainEndings(); // forget the warm-up
    probe.drainFailures();
    for (int round = 1; round <= settings.rounds(); round++) {
      for (int i = 0; i < targets.size(); i++) {
        Target target = targets.get(i);
        long okBefore = results[i].ok();
        long errorsBefore = results[i].errors();
        load.run(target, mode, settings.round(), results[i]);
        progress(
            "%s via %s: round %d/%d, %.1f s: %d ok, %d errors",
            mode,
            target.name(),
            round,
            settings.rounds(),
            settings.round().toMillis() / 1000.0,
            results[i].ok() - okBefore,
            results[i].errors() - errorsBefore);
      }
    }
    settle();
    for (int i = 0; i < targets.size(); i++) {
      if (targets.get(i).name().equals("gateway")) {
        results[i].addGatewayView(probe.drainEndings(), probe.drainFailures());
      }
    }
    for (ScenarioResult result : results) {
      progress(
          "%s via %s: %.0f requests/s, %d ok, %d errors",
          mode, result.target, result.requestsPerSecond(), result.ok(), result.errors());
    }
    return results;
  }

  /**
   * Lets the gateway finish recording the last requests: it records a request when its response has
   * ended, which may be just after the client has read all of it.
   */
  private static void settle() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, String> machine() {
    Map<String, String> m = new LinkedHashMap<>();
    Runtime runtime = Runtime.getRuntime();
    m.put("nproc", Integer.toString(runtime.availableProcessors()));
    m.put("cpu", cpuModel());
    m.put(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    m.put(
        "jvm",
        System.getProperty("java.vm.name")
            + " "
            + Runtime.version()
            + " ("
            + System.getProperty("java.vm.vendor")
            + ")");
    m.put("heap", runtime.maxMemory() / (1 << 20) + " MiB max");
    m.put(
        "jvm options",
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(arg -> !arg.startsWith("-Dload."))
            .collect(Collectors.joining(" ")));
    m.put(
        "gc",
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ")));
    m.put("load average at start", loadAverage());
    return m;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String loadAverage() {
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", load);
  }

  private static void progress(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[load] " + format + "%n", args);
  }

  /** Ends the JVM if the run takes far longer than it should (a hang, not a slow machine). */
  private static void startWatchdog(LoadSettings settings) {
    long budgetMillis = settings.budget().toMillis();
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(budgetMillis);
              } catch (InterruptedException e) {
                return;
              }
              System.err.println(
                  "[load] still running after " + budgetMillis / 1000 + " s: giving up");
              Runtime.getRuntime().halt(2);
            },
            "load-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
