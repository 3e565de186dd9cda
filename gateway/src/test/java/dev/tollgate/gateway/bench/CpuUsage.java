package dev.tollgate.gateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time the process spent while a scenario ran, split by who spent it, told apart by thread
 * names: the load generator's event loops ({@code bench-client-*}), the fake upstream's ({@code
 * bench-upstream-*}), and the gateway's (Reactor Netty's global loops, {@code reactor-http-*},
 * which serve both its server and its upstream client). Everything else (GC, JIT, timers) is
 * "other". Adds up over the rounds of a scenario.
 */
final class CpuUsage {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private long clientNanos;
  private long gatewayNanos;
  private long upstreamNanos;
  private long processNanos;
  private long elapsedNanos;

  /** CPU times at one moment: the process's, and each live thread's by id. */
  record Snapshot(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> names) {}

  static Snapshot snapshot() {
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = THREADS.getThreadCpuTime(info.getThreadId());
      if (nanos >= 0) {
        cpu.put(info.getThreadId(), nanos);
        names.put(info.getThreadId(), info.getThreadName());
      }
    }
    return new Snapshot(processCpuNanos(), cpu, names);
  }

  /** Adds what was spent between two snapshots taken {@code elapsedNanos} apart. */
  void add(Snapshot before, Snapshot after, long elapsedNanos) {
    long threads = 0;
    for (Map.Entry<Long, Long> entry : after.threadNanos().entrySet()) {
      long spent = entry.getValue() - before.threadNanos().getOrDefault(entry.getKey(), 0L);
      String name = after.names().get(entry.getKey());
      threads += spent;
      if (name.startsWith("bench-client")) {
        clientNanos += spent;
      } else if (name.startsWith("bench-upstream")) {
        upstreamNanos += spent;
      } else if (name.startsWith("reactor-http")) {
        gatewayNanos += spent;
      }
    }
    long process = after.processNanos() - before.processNanos();
    // GC and compiler threads are not Java threads: they count in the process's time only.
    processNanos += before.processNanos() < 0 ? threads : process;
    this.elapsedNanos += elapsedNanos;
  }

  /** The load generator, in cores: CPU seconds per second. */
  double client() {
    return cores(clientNanos);
  }

  double gateway() {
    return cores(gatewayNanos);
  }

  double upstream() {
    return cores(upstreamNanos);
  }

  /** The rest of the process: GC, JIT, timers, the harness itself. */
  double other() {
    return cores(Math.max(0, processNanos - clientNanos - gatewayNanos - upstreamNanos));
  }

  long processNanos() {
    return processNanos;
  }

  private double cores(long nanos) {
    return elapsedNanos == 0 ? Double.NaN : (double) nanos / elapsedNanos;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
