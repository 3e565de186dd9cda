package dev.tollgate.gateway.packaged;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged gateway ({@code target/gateway.jar}) started as the docs say, {@code java -jar
 * gateway.jar [args]}, in a separate process, on the JDK that runs the build. Its output goes to a
 * log file under {@code target/it-logs}, read for the port it listens on and the generated key.
 */
final class GatewayProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "gateway.jar").toAbsolutePath();

  private static final Pattern PORT = Pattern.compile("Netty started on port (\\d+)");
  private static final Pattern KEY = Pattern.compile("generated development key (sk-gw-\\S+)");
  private static final Pattern ERROR = Pattern.compile("^\\S+\\s+ERROR \\d+ ---");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  private final Process process;
  private final Path log;
  private final int port;
  private final int managementPort;

  private GatewayProcess(Process process, Path log, int port, int managementPort) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.managementPort = managementPort;
  }

  /**
   * Starts the jar and returns once it serves requests.
   *
   * @param environment added to this JVM's environment; {@code SERVER_PORT=0} is always set
   */
  static GatewayProcess start(
      String name, Path workingDirectory, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " missing (expected: built by `package` before ITs)");
    }
    Path log = Path.of("target", "it-logs", name + ".log").toAbsolutePath();
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    builder.environment().put("SERVER_PORT", "0");
    Process process = builder.start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String output = Files.readString(log, StandardCharsets.UTF_8);
      if (output.contains("Started GatewayApplication")) {
        Matcher port = PORT.matcher(output);
        if (!port.find()) {
          throw new IllegalStateException("started, but no port in " + log);
        }
        int main = Integer.parseInt(port.group(1));
        // With management.server.port set, the actuator's server starts second.
        int management = port.find() ? Integer.parseInt(port.group(1)) : main;
        return new GatewayProcess(process, log, main, management);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "java -jar gateway.jar exited with " + process.exitValue() + ":\n" + output);
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    process.destroyForcibly();
    throw new IllegalStateException("not started after " + START_TIMEOUT + "; output in " + log);
  }

  int port() {
    return port;
  }

  /** The process id, for {@code jcmd} and {@code /proc/<pid>/fd}. */
  long pid() {
    return process.pid();
  }

  /** The actuator's port: {@link #port()} unless {@code management.server.port} is set. */
  int managementPort() {
    return managementPort;
  }

  /** SIGTERM without waiting: the shutdown runs while the caller watches it. */
  void terminate() {
    process.destroy();
  }

  /** The exit code once the process has exited, waiting at most {@code timeout}. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("still running after " + timeout + "; output in " + log);
    }
    return process.exitValue();
  }

  /** Lines logged at ERROR level (Spring Boot's console format). */
  List<String> errors() throws IOException {
    return output().lines().filter(l -> ERROR.matcher(l).find()).toList();
  }

  String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  Optional<String> generatedKey() throws IOException {
    Matcher key = KEY.matcher(output());
    return key.find() ? Optional.of(key.group(1)) : Optional.empty();
  }

  HttpResponse<String> post(String path, String key, String json)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key).GET().build());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> send(HttpRequest request)
      throws IOException, InterruptedException {
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      return client.send(
          HttpRequest.newBuilder(request, (n, v) -> true).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /**
   * SIGTERM, as a process manager stops the gateway, and the exit code once it has exited: 143 (128
   * + SIGTERM) is the JVM's exit after its shutdown hooks ran to the end.
   */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("still running 60 s after SIGTERM; output in " + log);
    }
    return process.exitValue();
  }

  /** SIGKILL, as a crash: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
