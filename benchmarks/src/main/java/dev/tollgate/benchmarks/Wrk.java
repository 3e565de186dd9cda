package dev.tollgate.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs /usr/bin/wrk once against a target and reads the figures its script prints. */
final class Wrk {

  /**
   * One wrk run.
   *
   * @param requests completed responses (any status)
   * @param seconds wrk's measured duration
   * @param errors non-2xx/3xx statuses plus socket errors (connect, read, write, timeout)
   * @param p50Us latency p50 in microseconds (whole response)
   * @param p99Us latency p99 in microseconds
   */
  record Result(
      long requests, double seconds, long errors, long statusErrors, long p50Us, long p99Us) {
    /** Successful responses per second (wrk counts a non-2xx response as a request). */
    double rate() {
      return (requests - statusErrors) / seconds;
    }
  }

  private static final Pattern NUM = Pattern.compile("\"(\\w+)\":(\\d+)");

  private Wrk() {}

  static Result run(BenchOptions o, Path dir, Target t, String mode, int seconds) throws Exception {
    Path script = dir.resolve("wrk-" + t.name() + "-" + mode + ".lua");
    if (!Files.exists(script)) {
      Files.writeString(script, Requests.wrkScript(mode, t.authorization()));
    }
    List<String> cmd = Procs.prefix(o, o.loadCpus());
    cmd.addAll(
        List.of(
            "/usr/bin/wrk",
            "-t" + o.threads(),
            "-c" + o.connections(),
            "-d" + seconds + "s",
            "--timeout",
            "10s",
            "-s",
            script.toString(),
            "http://127.0.0.1:" + t.port() + Targets.PATH));
    String out = Procs.run(cmd);
    int at = out.indexOf("WRKJSON ");
    if (at < 0) {
      throw new IllegalStateException("wrk printed no figures: " + out);
    }
    Matcher m = NUM.matcher(out.substring(at));
    java.util.Map<String, Long> v = new java.util.HashMap<>();
    while (m.find()) {
      v.put(m.group(1), Long.parseLong(m.group(2)));
    }
    long errors =
        v.get("connect") + v.get("read") + v.get("write") + v.get("status") + v.get("timeout");
    return new Result(
        v.get("requests"),
        v.get("duration_us") / 1e6,
        errors,
        v.get("status"),
        v.get("p50"),
        v.get("p99"));
  }
}
