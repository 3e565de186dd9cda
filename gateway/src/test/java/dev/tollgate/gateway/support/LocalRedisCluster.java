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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster of three masters on loopback: {@code redis-server --cluster-enabled yes} on
 * free ports, joined by {@code redis-cli --cluster create}. {@link #get()} is the test JVM's shared
 * cluster (no replicas), started on the first use and stopped when the JVM exits; tests keep apart
 * by key prefix, as on the local Redis. A test that kills nodes or moves slots starts its own with
 * {@link #own} (a replica per master, if asked), closed after the class. Needs {@code redis-server}
 * and {@code redis-cli} on the {@code PATH} (Debian's {@code redis-server} package).
 */
public final class LocalRedisCluster implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private static volatile LocalRedisCluster instance;

  private static final Map<Class<?>, LocalRedisCluster> OWN = new HashMap<>();

  private final Path dir;
  private final List<Integer> ports;
  private final int replicasPerMaster;
  private final Map<Integer, Process> servers = new LinkedHashMap<>();

  private LocalRedisCluster(Path dir, List<Integer> ports, int replicasPerMaster) {
    this.dir = dir;
    this.ports = ports;
    this.replicasPerMaster = replicasPerMaster;
  }

  /** The cluster of this JVM, started on the first call. */
  public static LocalRedisCluster get() {
    LocalRedisCluster cluster = instance;
    if (cluster == null) {
      synchronized (LocalRedisCluster.class) {
        cluster = instance;
        if (cluster == null) {
          cluster = start(0);
          instance = cluster;
        }
      }
    }
    return cluster;
  }

  /**
   * The cluster of {@code testClass} alone, of three masters with {@code replicasPerMaster}
   * replicas each, started on the first call: the test may kill its nodes and move its slots.
   * {@link CloseOwnAfterClass} stops it after the class (a JVM exit hook does too, should the test
   * not get there).
   */
  public static LocalRedisCluster own(Class<?> testClass, int replicasPerMaster) {
    synchronized (OWN) {
      LocalRedisCluster cluster = OWN.get(testClass);
      if (cluster == null) {
        cluster = start(replicasPerMaster);
        OWN.put(testClass, cluster);
      } else if (cluster.replicasPerMaster != replicasPerMaster) {
        throw new IllegalArgumentException(
            "replicasPerMaster: "
                + replicasPerMaster
                + " (expected: "
                + cluster.replicasPerMaster
                + ", as "
                + testClass.getSimpleName()
                + "'s cluster was started)");
      }
      return cluster;
    }
  }

  /**
   * Stops the test class's {@link #own} cluster after the class. Declare it on the class itself
   * ({@code @ExtendWith}): it is then registered before the Spring extension that {@code
   * SpringBootTest} brings, so it runs after that has closed a {@code @DirtiesContext} context, and
   * the gateway's flusher and reaper stop while Redis is still there.
   */
  public static final class CloseOwnAfterClass implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
      LocalRedisCluster cluster;
      synchronized (OWN) {
        cluster = OWN.remove(context.getRequiredTestClass());
      }
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /**
   * The nodes started, {@code 127.0.0.1:P1,...}, as {@code spring.data.redis.cluster.nodes}: the
   * client finds the rest of the topology from any of them.
   */
  public String nodes() {
    return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  /** The ports of every node started (masters and replicas), killed ones included. */
  public List<Integer> ports() {
    return ports;
  }

  /** Runs {@code redis-cli} against a node still running; its output, or an exception. */
  public String cli(String... args) {
    int port =
        ports.stream()
            .filter(p -> servers.get(p) == null || servers.get(p).isAlive())
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"));
    return cli(port, args);
  }

  /** Runs {@code redis-cli} against the node on {@code port}. */
  public String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return run(command);
  }

  /**
   * The port of the master that serves {@code slot} now, from {@code CLUSTER NODES} of a node still
   * running; a master marked failed serves nothing.
   */
  public int portOfSlot(int slot) {
    return portOfSlot(slot, cli("CLUSTER", "NODES"));
  }

  /**
   * As {@link #portOfSlot(int)}, as the node on {@code viewPort} sees it (nodes learn of a failover
   * or a moved slot from each other, not all at once).
   */
  public int portOfSlotSeenBy(int viewPort, int slot) {
    return portOfSlot(slot, cli(viewPort, "CLUSTER", "NODES"));
  }

  private static int portOfSlot(int slot, String clusterNodes) {
    for (String line : clusterNodes.split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 9) {
        continue;
      }
      List<String> flags = List.of(fields[2].split(","));
      if (!flags.contains("master") || flags.contains("fail")) {
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
          return portOf(fields[1]);
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot);
  }

  /** The cluster node id of the node on {@code port}. */
  public String nodeId(int port) {
    return cli(port, "CLUSTER", "MYID").trim();
  }

  /** The port of a replica of the master on {@code masterPort}, from {@code CLUSTER NODES}. */
  public int replicaOf(int masterPort) {
    String masterId = nodeId(masterPort);
    for (String line : cli("CLUSTER", "NODES").split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length >= 4 && fields[2].contains("slave") && fields[3].equals(masterId)) {
        return portOf(fields[1]);
      }
    }
    throw new IllegalStateException("the master on port " + masterPort + " has no replica");
  }

  /** Kills the node on {@code port} as a crash would (SIGKILL) and waits for it to be gone. */
  public void kill(int port) {
    Process server = servers.get(port);
    if (server == null) {
      throw new IllegalArgumentException("port " + port + " (expected one of " + ports + ")");
    }
    server.destroyForcibly();
    try {
      if (!server.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server on port " + port + " did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Moves {@code slot} to the master on {@code targetPort} as {@code redis-cli --cluster reshard}
   * does, while clients keep using it: the target imports it, the source migrates it, its keys go
   * over by {@code MIGRATE} ten at a time (clients meet {@code ASK}, or {@code TRYAGAIN} for a
   * command on several keys of which some have moved), then every master is told the new owner
   * (clients meet {@code MOVED}).
   */
  public void moveSlot(int slot, int targetPort) {
    int sourcePort = portOfSlot(slot);
    String sourceId = nodeId(sourcePort);
    String targetId = nodeId(targetPort);
    String s = Integer.toString(slot);
    expectOk(cli(targetPort, "CLUSTER", "SETSLOT", s, "IMPORTING", sourceId));
    expectOk(cli(sourcePort, "CLUSTER", "SETSLOT", s, "MIGRATING", targetId));
    while (true) {
      List<String> keys =
          cli(sourcePort, "CLUSTER", "GETKEYSINSLOT", s, "10")
              .lines()
              .filter(k -> !k.isBlank())
              .toList();
      if (keys.isEmpty()) {
        break;
      }
      List<String> migrate =
          new ArrayList<>(
              List.of("MIGRATE", "127.0.0.1", Integer.toString(targetPort), "", "0", "5000"));
      migrate.add("KEYS");
      migrate.addAll(keys);
      expectOk(cli(sourcePort, migrate.toArray(String[]::new)));
    }
    expectOk(cli(targetPort, "CLUSTER", "SETSLOT", s, "NODE", targetId));
    expectOk(cli(sourcePort, "CLUSTER", "SETSLOT", s, "NODE", targetId));
    for (int port : ports) {
      if (port != sourcePort && port != targetPort && cli(port, "ROLE").startsWith("master")) {
        expectOk(cli(port, "CLUSTER", "SETSLOT", s, "NODE", targetId));
      }
    }
  }

  private static void expectOk(String reply) {
    if (!reply.trim().equals("OK")) {
      throw new IllegalStateException(reply.trim() + " (expected: OK)");
    }
  }

  /** Where the nodes' logs are, for a failure message. */
  public Path dir() {
    return dir;
  }

  private static int portOf(String address) {
    String hostPort = address.substring(0, address.indexOf('@'));
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static LocalRedisCluster start(int replicasPerMaster) {
    try {
      Path dir = Files.createTempDirectory("tollgate-redis-cluster");
      LocalRedisCluster cluster =
          new LocalRedisCluster(dir, freePorts(3 * (1 + replicasPerMaster)), replicasPerMaster);
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "redis-cluster-stop"));
      cluster.launch();
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() throws IOException {
    for (int port : ports) {
      servers.put(
          port,
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
    create.addAll(
        List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
    run(create);
    for (int port : ports) {
      awaitAnswer(port, List.of("CLUSTER", "INFO"), "cluster_state:ok");
    }
    // A replica can take over only once it has synchronised with its master.
    for (int port : ports) {
      if (cli(port, "ROLE").startsWith("slave")) {
        awaitAnswer(port, List.of("INFO", "REPLICATION"), "master_link_status:up");
      }
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

  /** Stops every node still running and deletes the cluster's directory; idempotent. */
  @Override
  public void close() {
    stop();
  }

  private synchronized void stop() {
    servers.values().forEach(Process::destroy);
    for (Process server : servers.values()) {
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
