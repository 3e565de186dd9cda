package dev.tollgate.gateway.packaged;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The fault suite's own Redis: {@code redis-server} on a free loopback port with AOF ({@code
 * appendfsync everysec}) in a temporary directory, as production runs it; it can be killed (-9) and
 * started again on the same port and data.
 */
final class FaultRedis implements AutoCloseable {

  private final Path dir;
  private final int port;
  private Process process;

  private FaultRedis(Path dir, int port) throws IOException, InterruptedException {
    this.dir = dir;
    this.port = port;
    start();
  }

  static FaultRedis start(String name) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("fault-redis-" + name);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return new FaultRedis(dir, port);
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) on its port and data directory; returns once it accepts. */
  void start() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    throw new IllegalStateException("redis-server did not start; see " + dir);
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
