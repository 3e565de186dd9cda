package dev.tollgate.gateway.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.Redis;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} child process on a free port of 127.0.0.1, from the binary bundled in
 * {@code com.github.codemonstur:embedded-redis}. The process is started here rather than through
 * that library's {@code RedisServer}, which registers its own JVM shutdown hook: the gateway stops
 * Redis after the application context has closed, not concurrently with it.
 *
 * <p>Persisted as deploy/redis.conf says for production: an append-only file ({@code appendfsync
 * everysec}) in {@code <dir>/redis}, so that holds and outbox entries not yet written to PostgreSQL
 * survive a restart (balances are also reloaded from PostgreSQL when Redis lacks them). {@code
 * noeviction} because billing keys must never silently vanish.
 */
final class LocalRedis implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalRedis.class);
  private static final long START_TIMEOUT_SECONDS = 15;
  private static final int START_ATTEMPTS = 3;
  private static final String PID_FILE = "redis.pid";

  /**
   * {@code setsid} (util-linux), where there is one: Redis runs in a session of its own, so that
   * Ctrl-C in a terminal (SIGINT to the whole foreground process group) reaches the gateway only,
   * which then stops Redis after it has settled and flushed. {@code setsid} execs Redis in place
   * (the gateway's child is no group leader), so the process handle is Redis itself.
   */
  private static final List<Path> SETSID =
      Stream.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"))
          .filter(Files::isExecutable)
          .limit(1)
          .toList();

  private final Process process;
  private final int port;
  private final Path directory;

  private LocalRedis(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  /** Starts Redis with its working directory (where it would write any file) under {@code dir}. */
  static LocalRedis start(Path dir) throws IOException {
    Path directory = dir.resolve("redis").toAbsolutePath().normalize();
    Files.createDirectories(directory);
    stopOrphanedServer(directory);
    Path executable = ExecutableProvider.newJarResourceProvider().get().toPath();
    IOException last = null;
    // The free port is found by binding port 0 and letting it go; another process can take it
    // before Redis binds it, hence a few attempts.
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int port = freePort();
      try {
        return new LocalRedis(launch(executable, port, directory), port, directory);
      } catch (IOException e) {
        last = e;
        log.debug("Redis did not start on port {} (attempt {})", port, attempt, e);
      }
    }
    throw new IOException(
        "Embedded Redis did not start after " + START_ATTEMPTS + " attempts", last);
  }

  /**
   * A gateway killed with SIGKILL leaves its Redis running on these files. The caller holds the
   * directory's lock, so such a server belongs to no running gateway: it is stopped (SIGTERM, which
   * makes Redis write its append-only file and exit) before a new one opens the same files.
   */
  private static void stopOrphanedServer(Path directory) throws IOException {
    Path pidFile = directory.resolve(PID_FILE);
    if (!Files.isReadable(pidFile)) {
      return;
    }
    Optional<ProcessHandle> orphan;
    try {
      orphan =
          ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
              .filter(ProcessHandle::isAlive)
              .filter(p -> p.info().command().orElse("").contains("redis-server"));
    } catch (NumberFormatException e) {
      orphan = Optional.empty();
    }
    if (orphan.isPresent()) {
      log.warn(
          "Stopping the Redis server (pid {}) left running by an earlier gateway in {}",
          orphan.get().pid(),
          directory);
      orphan.get().destroy();
      try {
        orphan.get().onExit().get(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while stopping an orphaned Redis server", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("Could not stop the orphaned Redis server in " + directory, e);
      }
    }
    Files.deleteIfExists(pidFile);
  }

  private static Process launch(Path executable, int port, Path directory) throws IOException {
    List<String> command = new ArrayList<>(SETSID.stream().map(Path::toString).toList());
    command.addAll(
        List.of(
            executable.toString(),
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
            "--pidfile",
            directory.resolve(PID_FILE).toString(),
            "--dir",
            directory.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader =
        new Thread(() -> drain(process, ready, output), "embedded-redis-" + port + "-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return process;
    } catch (ExecutionException | TimeoutException e) {
      destroy(process);
      throw new IOException("Redis did not get ready on port " + port + ":\n" + output, e);
    } catch (InterruptedException e) {
      destroy(process);
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while starting Redis", e);
    }
  }

  /** Logs Redis' output (at DEBUG) until it exits; completes {@code ready} on its ready line. */
  private static void drain(Process process, CompletableFuture<Void> ready, StringBuilder output) {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        log.debug("redis: {}", line);
        if (!ready.isDone()) {
          synchronized (output) {
            output.append(line).append('\n');
          }
          if (Redis.SERVER_READY_PATTERN.matcher(line).matches()) {
            ready.complete(null);
          }
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(new IOException("redis-server exited"));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("No free port on 127.0.0.1", e);
    }
  }

  int port() {
    return port;
  }

  Path directory() {
    return directory;
  }

  ProcessHandle process() {
    return process.toHandle();
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Stops Redis (SIGTERM, then SIGKILL after 10 s) and waits until it has exited. */
  @Override
  public void close() {
    destroy(process);
  }

  private static void destroy(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
