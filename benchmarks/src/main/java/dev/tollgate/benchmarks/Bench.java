package dev.tollgate.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The comparison: the same wrk load against direct, nginx, Spring Cloud Gateway and this gateway,
 * rounds interleaved, then a table of requests/s, ratios, latency and CPU per request.
 */
final class Bench {

  /** Figures of one target in one mode, summed over its rounds. */
  private static final class Stat {
    final List<Wrk.Result> rounds = new ArrayList<>();
    double proxyCpu;
    double upstreamCpu;

    long ok() {
      return rounds.stream().mapToLong(r -> r.requests() - r.statusErrors()).sum();
    }

    double rate() {
      return ok() / rounds.stream().mapToDouble(Wrk.Result::seconds).sum();
    }

    long errors() {
      return rounds.stream().mapToLong(Wrk.Result::errors).sum();
    }

    double medianMs(java.util.function.ToLongFunction<Wrk.Result> f) {
      long[] v = rounds.stream().mapToLong(f).sorted().toArray();
      return v.length == 0 ? Double.NaN : v[v.length / 2] / 1000.0;
    }
  }

  private final BenchOptions o;
  private final List<Double> loads = new ArrayList<>();

  Bench(BenchOptions o) {
    this.o = o;
  }

  int run() throws Exception {
    Path dir = Files.createTempDirectory("tollgate-bench-");
    System.out.printf(
        Locale.ROOT,
        "tollgate benchmarks: %d round(s) x %d s per target and mode, %d s warm-up, wrk -t%d -c%d,"
            + " %d-token streams (upstream writes %s)%n  proxies on CPUs [%s], wrk and upstream on"
            + " CPUs [%s] (empty: not pinned), nice %d, JVM flags [%s], logs in %s%n"
            + "  load average at start: %.2f%n",
        o.rounds(),
        o.seconds(),
        o.warmup(),
        o.threads(),
        o.connections(),
        o.tokens(),
        o.upstreamFlush().equals("each") ? "each event on its own" : "a stream at once",
        o.proxyCpus(),
        o.loadCpus(),
        o.nice(),
        o.jvmFlags(),
        dir,
        Procs.loadAverage());
    Targets targets = new Targets(o, dir);
    try {
      targets.startUpstream();
      List<Target> list = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      for (String name : o.targets()) {
        try {
          Target t =
              switch (name) {
                case "direct" -> targets.direct();
                case "nginx" -> targets.nginx();
                case "scg" -> targets.scg();
                default -> targets.gateway();
              };
          String bad = "";
          for (String mode : o.modes()) {
            String c = targets.check(t, mode);
            if (!c.equals("ok")) {
              bad += " " + mode + ": " + abbreviate(c);
            }
          }
          if (bad.isEmpty()) {
            list.add(t);
          } else {
            notes.add(name + " left out, wrong answer:" + bad);
          }
        } catch (Exception e) {
          notes.add(name + " left out: " + e.getMessage());
        }
      }
      notes.forEach(n -> System.out.println("  NOTE: " + n));
      System.out.println("  started: " + list.stream().map(Target::name).toList());
      Map<String, Map<String, Stat>> stats = new LinkedHashMap<>();
      for (String mode : o.modes()) {
        Map<String, Stat> byTarget = new LinkedHashMap<>();
        list.forEach(t -> byTarget.put(t.name(), new Stat()));
        stats.put(mode, byTarget);
        if (o.warmup() > 0) {
          for (Target t : list) {
            Wrk.run(o, dir, t, mode, o.warmup());
          }
        }
        for (int r = 0; r < o.rounds(); r++) {
          for (Target t : list) {
            Process measured = t.proxy() == null ? targets.upstream : t.proxy();
            double c0 = Procs.cpuSeconds(measured);
            double u0 = Procs.cpuSeconds(targets.upstream);
            Wrk.Result res = Wrk.run(o, dir, t, mode, o.seconds());
            Stat s = byTarget.get(t.name());
            s.proxyCpu += Procs.cpuSeconds(measured) - c0;
            s.upstreamCpu += Procs.cpuSeconds(targets.upstream) - u0;
            s.rounds.add(res);
            loads.add(Procs.loadAverage());
            System.out.printf(
                Locale.ROOT,
                "  %s round %d %-8s %8.0f req/s  errors %d  load %.2f%n",
                mode,
                r + 1,
                t.name(),
                res.rate(),
                res.errors(),
                Procs.loadAverage());
          }
        }
      }
      Map<String, long[]> firstToken = new LinkedHashMap<>();
      if (o.firstTokenSeconds() > 0 && o.modes().contains("sse")) {
        try {
          firstToken = firstToken(list);
        } catch (Exception e) {
          notes.add("first-token test failed: " + e);
        }
      }
      report(stats, firstToken, notes);
      return 0;
    } finally {
      Procs.killAll();
      targets.cleanUp();
    }
  }

  private Map<String, long[]> firstToken(List<Target> list) throws Exception {
    Map<String, List<long[]>> parts = new LinkedHashMap<>();
    for (Target t : list) {
      FirstToken.measure(t, 1);
      parts.put(t.name(), new ArrayList<>());
    }
    for (int r = 0; r < o.rounds(); r++) {
      for (Target t : list) {
        parts.get(t.name()).add(FirstToken.measure(t, (double) o.firstTokenSeconds() / o.rounds()));
      }
    }
    Map<String, long[]> all = new LinkedHashMap<>();
    parts.forEach(
        (name, l) -> all.put(name, l.stream().flatMapToLong(Arrays::stream).sorted().toArray()));
    return all;
  }

  private void report(
      Map<String, Map<String, Stat>> stats, Map<String, long[]> firstToken, List<String> notes) {
    StringBuilder out = new StringBuilder("\n");
    for (var e : stats.entrySet()) {
      String mode = e.getKey();
      Map<String, Stat> s = e.getValue();
      out.append(
          String.format(
              Locale.ROOT,
              "%s, %d connections, %d x %d s per target%n",
              mode.equals("sse") ? "SSE (" + o.tokens() + "-token streams)" : "JSON (not streamed)",
              o.connections(),
              o.rounds(),
              o.seconds()));
      out.append(row("", s.keySet().stream().toList()));
      out.append(row("requests/s", s.values().stream().map(v -> fmt(v.rate(), 0)).toList()));
      out.append(
          row(
              "  by round",
              s.values().stream()
                  .map(
                      v ->
                          v.rounds.stream()
                              .map(r -> fmt(r.rate(), 0))
                              .collect(Collectors.joining("/")))
                  .toList()));
      out.append(
          row(
              "latency p50 (ms, median of rounds)",
              s.values().stream().map(v -> fmt(v.medianMs(Wrk.Result::p50Us), 2)).toList()));
      out.append(
          row(
              "latency p99 (ms, median of rounds)",
              s.values().stream().map(v -> fmt(v.medianMs(Wrk.Result::p99Us), 2)).toList()));
      List<String> proxyCpu = new ArrayList<>();
      s.forEach(
          (name, v) ->
              proxyCpu.add(name.equals("direct") ? "-" : fmt(v.proxyCpu / v.ok() * 1e6, 0)));
      out.append(row("proxy CPU per request (us)", proxyCpu));
      out.append(
          row(
              "proxy CPU (cores)",
              s.entrySet().stream()
                  .map(
                      en ->
                          en.getKey().equals("direct")
                              ? "-"
                              : fmt(
                                  en.getValue().proxyCpu
                                      / en.getValue().rounds.stream()
                                          .mapToDouble(Wrk.Result::seconds)
                                          .sum(),
                                  2))
                  .toList()));
      out.append(
          row(
              "upstream CPU per request (us)",
              s.values().stream().map(v -> fmt(v.upstreamCpu / v.ok() * 1e6, 0)).toList()));
      out.append(
          row(
              "errors (non-2xx, socket)",
              s.values().stream().map(v -> Long.toString(v.errors())).toList()));
      Stat gw = s.get("gateway");
      for (String peer : List.of("scg", "nginx", "direct")) {
        Stat p = s.get(peer);
        if (gw != null && p != null) {
          StringBuilder byRound = new StringBuilder();
          for (int i = 0; i < Math.min(gw.rounds.size(), p.rounds.size()); i++) {
            byRound
                .append(i == 0 ? "" : "/")
                .append(fmt(gw.rounds.get(i).rate() / p.rounds.get(i).rate(), 2));
          }
          out.append(
              String.format(
                  Locale.ROOT,
                  "  gateway/%-7s %6s  (by round %s)%n",
                  peer,
                  fmt(gw.rate() / p.rate(), 2),
                  byRound));
        }
      }
      Stat direct = s.get("direct");
      Stat nginx = s.get("nginx");
      if (direct != null && nginx != null) {
        out.append(
            direct.rate() >= nginx.rate()
                ? String.format(
                    Locale.ROOT,
                    "  VALID: direct %s >= nginx %s req/s%n",
                    fmt(direct.rate(), 0),
                    fmt(nginx.rate(), 0))
                : String.format(
                    Locale.ROOT,
                    "  INVALID: direct %s < nginx %s req/s: the load generator or the upstream is the bottleneck%n",
                    fmt(direct.rate(), 0),
                    fmt(nginx.rate(), 0)));
      } else {
        out.append("  validity not checked (needs direct and nginx)\n");
      }
      out.append("\n");
    }
    if (!firstToken.isEmpty()) {
      long[] d = firstToken.get("direct");
      out.append("First token, one request at a time (SSE), ms\n");
      out.append(row("", firstToken.keySet().stream().toList()));
      out.append(
          row(
              "requests",
              firstToken.values().stream().map(v -> Integer.toString(v.length)).toList()));
      out.append(
          row(
              "first token p50",
              firstToken.values().stream()
                  .map(v -> fmt(FirstToken.percentileMs(v, 50), 3))
                  .toList()));
      out.append(
          row(
              "first token p99",
              firstToken.values().stream()
                  .map(v -> fmt(FirstToken.percentileMs(v, 99), 3))
                  .toList()));
      if (d != null) {
        out.append(
            row(
                "added over direct p50",
                firstToken.values().stream()
                    .map(
                        v ->
                            fmt(FirstToken.percentileMs(v, 50) - FirstToken.percentileMs(d, 50), 3))
                    .toList()));
        out.append(
            row(
                "added over direct p99",
                firstToken.values().stream()
                    .map(
                        v ->
                            fmt(FirstToken.percentileMs(v, 99) - FirstToken.percentileMs(d, 99), 3))
                    .toList()));
      }
      out.append("\n");
    }
    double min = loads.stream().mapToDouble(x -> x).min().orElse(Double.NaN);
    double max = loads.stream().mapToDouble(x -> x).max().orElse(Double.NaN);
    double mean = loads.stream().mapToDouble(x -> x).average().orElse(Double.NaN);
    out.append(
        String.format(
            Locale.ROOT,
            "load average (1 min) after each round: min %.2f, mean %.2f, max %.2f (%d CPUs)%n",
            min,
            mean,
            max,
            Runtime.getRuntime().availableProcessors()));
    notes.forEach(n -> out.append("NOTE: ").append(n).append('\n'));
    System.out.print(out);
  }

  private static String row(String label, List<String> cells) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-36s", label));
    for (String c : cells) {
      b.append(String.format(Locale.ROOT, "%18s", c));
    }
    return b.append('\n').toString();
  }

  private static String fmt(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
