package dev.tollgate.gateway.packaged;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Debian's nginx ({@code /usr/sbin/nginx}) as a child process on {@code deploy/nginx.conf}: the
 * file's upstream servers and listen port replaced by loopback ones, its pid, logs and temporary
 * files in a directory of its own ({@code -p}), in the foreground ({@code daemon off}).
 */
final class Nginx implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/sbin/nginx");
  static final Path DEPLOY_CONF =
      Path.of("..", "deploy", "nginx.conf").toAbsolutePath().normalize();

  /** The upstream block's consecutive {@code server host:port options;} lines. */
  private static final Pattern UPSTREAM_SERVERS =
      Pattern.compile(
          "(?m)^([ \\t]*)server \\S+:\\d+([^\\n]*)\\n(?:[ \\t]*server \\S+:\\d+[^\\n]*\\n)*");

  private static final Pattern LISTEN = Pattern.compile("(?m)^(\\s*)listen \\d+;");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path directory;
  private final int port;

  private Nginx(Process process, Path directory, int port) {
    this.process = process;
    this.directory = directory;
    this.port = port;
  }

  /** Starts nginx in front of {@code upstreams} (host:port each) and returns once it listens. */
  static Nginx start(Path directory, List<String> upstreams)
      throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY
              + " not found (expected: Debian's nginx-light or nginx package;"
              + " .ci/run installs it, or: apt-get install nginx-light)");
    }
    Files.createDirectories(directory.resolve("logs"));
    Files.createDirectories(directory.resolve("temp"));
    int port = freePort();
    Path conf = directory.resolve("nginx.conf");
    Files.writeString(conf, configuration(directory, upstreams, port), StandardCharsets.UTF_8);
    Path output = directory.resolve("logs/nginx.out");
    Process process =
        new ProcessBuilder(
                BINARY.toString(),
                "-p",
                directory.toString(),
                "-c",
                conf.toString(),
                "-e",
                directory.resolve("logs/error.log").toString(),
                "-g",
                "daemon off; pid " + directory.resolve("nginx.pid") + ";")
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "nginx exited with " + process.exitValue() + ":\n" + Files.readString(output));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new Nginx(process, directory, port);
      } catch (IOException notYet) {
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("nginx not listening after " + START_TIMEOUT + ": " + output);
  }

  /**
   * deploy/nginx.conf with the upstream servers, the listen address and the temporary paths
   * replaced; everything else as shipped.
   */
  static String configuration(Path directory, List<String> upstreams, int port) throws IOException {
    String shipped = Files.readString(DEPLOY_CONF, StandardCharsets.UTF_8);
    Matcher servers = UPSTREAM_SERVERS.matcher(shipped);
    if (!servers.find()) {
      throw new IllegalStateException("no `server host:port ...;` lines in " + DEPLOY_CONF);
    }
    String ours =
        upstreams.stream()
            .map(u -> servers.group(1) + "server " + u + servers.group(2) + "\n")
            .collect(Collectors.joining());
    String conf = servers.replaceFirst(Matcher.quoteReplacement(ours));
    if (!LISTEN.matcher(conf).find()) {
      throw new IllegalStateException("no `listen <port>;` in " + DEPLOY_CONF);
    }
    conf = LISTEN.matcher(conf).replaceFirst("$1listen 127.0.0.1:" + port + ";");
    StringBuilder temp = new StringBuilder("http {\n");
    for (String kind : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      temp.append("  ")
          .append(kind)
          .append("_temp_path ")
          .append(directory.resolve("temp").resolve(kind))
          .append(";\n");
    }
    return conf.replaceFirst("(?m)^http \\{\\n", Matcher.quoteReplacement(temp.toString()));
  }

  int port() {
    return port;
  }

  Path directory() {
    return directory;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
