package dev.tollgate.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Child processes: started pinned, their CPU time read from /proc, all killed on exit. */
final class Procs {

  private static final List<Process> STARTED = new CopyOnWriteArrayList<>();
  private static final long CLK_TCK = clockTicks();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Procs::killAll, "bench-kill-children"));
  }

  private Procs() {}

  /**
   * Starts {@code command} at the options' niceness, pinned to {@code cpus} (taskset) unless empty,
   * output to {@code log}.
   */
  static Process start(BenchOptions o, String cpus, List<String> command, Path log)
      throws IOException {
    List<String> cmd = prefix(o, cpus);
    cmd.addAll(command);
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    STARTED.add(p);
    return p;
  }

  /** {@code nice -n N taskset -c CPUS}, each part only when asked for. */
  static List<String> prefix(BenchOptions o, String cpus) {
    List<String> cmd = new ArrayList<>();
    if (o.nice() != 0) {
      cmd.addAll(List.of("nice", "-n", Integer.toString(o.nice())));
    }
    if (!cpus.isEmpty()) {
      cmd.addAll(List.of("taskset", "-c", cpus));
    }
    return cmd;
  }

  static void killAll() {
    for (Process p : STARTED) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : STARTED) {
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** CPU seconds (user + system) used so far by the process and its descendants. */
  static double cpuSeconds(Process p) {
    long ticks =
        Stream.concat(Stream.of(p.toHandle()), p.descendants())
            .mapToLong(h -> ticks(h.pid()))
            .sum();
    return (double) ticks / CLK_TCK;
  }

  private static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat (utime, stime); f[0] is field 3
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** Waits until 127.0.0.1:port accepts connections or {@code p} dies. */
  static void awaitPort(Process p, int port, int seconds, Path log) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IllegalStateException("process ended early, see " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException(
        "port " + port + " not open after " + seconds + " s, see " + log);
  }

  /** Runs a command to its end; returns its output, fails on a non-zero exit. */
  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
