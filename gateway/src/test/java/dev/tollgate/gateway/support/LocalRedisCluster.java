package dev.tollgate.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis Cluster of three masters (no replicas) on loopback, started once per test JVM on the
 * first use and stopped when the JVM exits: {@code redis-server --cluster-enabled yes} three times
 * on free ports, joined by {@code redis-cli --cluster create}. Tests keep apart by key prefix, as
 * on the local Redis. Needs {@code redis-server} and {@code redis-cli} on the {@code PATH}
 * (Debian's {@code redis-server} package).
 */
public final class LocalRedisCluster {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private static volatile LocalRedisCluster instance;

  private final Path dir;
  private final List<Integer> ports;
  private final List<Process> servers = new ArrayList<>();

  private LocalRedisCluster(Path dir, List<Integer> ports) {
    this.dir = dir;
    this.ports = ports;
  }

  /** The cluster of this JVM, started on the first call. */
  public static LocalRedisCluster get() {
    LocalRedisCluster cluster = instance;
    if (cluster == null) {
      synchronized (LocalRedisCluster.class) {
        cluster = instance;
        if (cluster == null) {
          cluster = start();
          instance = cluster;
        }
      }
    }
    return cluster;
  }

  /** {@code 127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}, as {@code spring.data.redis.cluster.nodes}. */
  public String nodes() {
    return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  public List<Integer> ports() {
    return ports;
  }

  /** Runs {@code redis-cli} against the first node; its output, or an exception if it failed. */
  public String cli(String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", ports.get(0).toString()));
    command.addAll(List.of(args));
    return run(command);
  }

  /** The port of the master that serves {@code slot} now, from {@code CLUSTER NODES}. */
  public int portOfSlot(int slot) {
    for (String line : cli("CLUSTER", "NODES").split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 9 || !fields[2].contains("master")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        if (fields[i].startsWith("[")) {
          continue; // a slot being migrated or imported
        }
        String[] range = fields[i].split("-");
        int from = Integer.parseInt(range[0]);
        int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
        if (slot >= from && slot <= to) {
          String address = fields[1].substring(0, fields[1].indexOf('@'));
          return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot);
  }

  private static LocalRedisCluster start() {
    try {
      Path dir = Files.createTempDirectory("tollgate-redis-cluster");
      LocalRedisCluster cluster = new LocalRedisCluster(dir, freePorts(3));
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "redis-cluster-stop"));
      cluster.launch();
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() throws IOException {
    for (int port : ports) {
      servers.add(
          new ProcessBuilder(
                  "redis-server",
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--cluster-enabled",
                  "yes",
                  "--cluster-config-file",
                  "nodes-" + port + ".conf",
                  "--cluster-node-timeout",
                  "2000",
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--dir",
                  dir.toString(),
                  "--logfile",
                  "redis-" + port + ".log")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout-" + port + ".log").toFile())
              .start());
    }
    for (int port : ports) {
      awaitAnswer(port, List.of("PING"), "PONG");
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    ports.forEach(p -> create.add("127.0.0.1:" + p));
    create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    run(create);
    for (int port : ports) {
      awaitAnswer(port, List.of("CLUSTER", "INFO"), "cluster_state:ok");
    }
  }

  private void awaitAnswer(int port, List<String> command, String expected) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      List<String> cli = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
      cli.addAll(command);
      try {
        last = run(cli);
        if (last.contains(expected)) {
          return;
        }
      } catch (IllegalStateException e) {
        last = e.getMessage();
      }
      pause();
    }
    throw new IllegalStateException(
        "Redis on port "
            + port
            + " never answered "
            + expected
            + " to "
            + command
            + "; last: "
            + last
            + " (logs in "
            + dir
            + ")");
  }

  private static String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " exited " + process.exitValue() + ": " + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException("running " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Ports whose cluster bus port (+10000) is free as well. */
  private static List<Integer> freePorts(int count) throws IOException {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < count) {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      if (port + 10000 > 65535 || ports.contains(port) || !isFree(port + 10000)) {
        continue;
      }
      ports.add(port);
    }
    return ports;
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void stop() {
    servers.forEach(Process::destroy);
    for (Process server : servers) {
      try {
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}
