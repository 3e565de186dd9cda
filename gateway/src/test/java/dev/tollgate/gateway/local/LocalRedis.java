package dev.tollgate.gateway.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.Redis;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} child process on a free port of 127.0.0.1, from the binary bundled in
 * {@code com.github.codemonstur:embedded-redis}. The process is started here rather than through
 * that library's {@code RedisServer}, which registers its own JVM shutdown hook: the launcher stops
 * Redis after the application context has closed, not concurrently with it.
 *
 * <p>Nothing is persisted ({@code save ""}, no AOF): balances live in PostgreSQL, Redis holds only
 * what billing can rebuild. {@code noeviction} because billing keys must never silently vanish.
 */
final class LocalRedis implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalRedis.class);
  private static final long START_TIMEOUT_SECONDS = 15;
  private static final int START_ATTEMPTS = 3;

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

  private static Process launch(Path executable, int port, Path directory) throws IOException {
    List<String> command =
        List.of(
            executable.toString(),
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
            "--dir",
            directory.toString());
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
