package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.TestServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two packaged gateways behind Debian's nginx on deploy/nginx.conf, on the local Redis and
 * PostgreSQL (one database and key prefix, as two instances of one deployment share them). Many
 * streams go through nginx; then one gateway gets SIGTERM while they run. Its readiness goes DOWN
 * at once while its streams still flow; the streams that fit in its shutdown phase finish, the
 * longer ones are cut when the phase ends, and every one of them is charged in PostgreSQL for what
 * it used; the other gateway's streams all finish, and new requests are all served by it.
 */
class NginxInFrontOfTwoGatewaysIT {

  private static final String KEY = "sk-gw-nginx-it-0123456789";
  private static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(8);
  private static final int STREAMS_PER_KIND = 8;

  /**
   * mock-short (about 3 s) fits in the shutdown phase; mock-long (about 25 s) does not. Token
   * timings of the mock provider (docs/providers.md).
   */
  private static final String CONFIGURATION =
      """
      gateway:
        dev-keys: ["%s"]
        models:
          - { id: mock-short, provider: local, mock: { ttft-ms: 50, inter-token-ms: 30, tokens: 100 },
              price: { input: 0.10, output: 0.40 } }
          - { id: mock-long, provider: local, mock: { ttft-ms: 50, inter-token-ms: 100, tokens: 250 },
              price: { input: 0.10, output: 0.40 } }
      """
          .formatted(KEY);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Test
  void aStoppedGatewayDrainsAndSettlesItsStreamsWhileTheOtherServesEverythingNew()
      throws Exception {
    Path directory = Path.of("target", "nginx-it").toAbsolutePath();
    Files.createDirectories(directory);
    Path configuration = directory.resolve("gateway.yaml");
    Files.writeString(configuration, CONFIGURATION, StandardCharsets.UTF_8);

    CompletableFuture<GatewayProcess> startingA = startGateway("nginx-it-a", configuration);
    CompletableFuture<GatewayProcess> startingB = startGateway("nginx-it-b", configuration);
    try (GatewayProcess a = startingA.get(4, TimeUnit.MINUTES);
        GatewayProcess b = startingB.get(4, TimeUnit.MINUTES);
        Nginx nginx =
            Nginx.start(
                directory.resolve("nginx"),
                List.of("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port()));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String probe : DeployFiles.probePaths()) {
        assertThat(status(a.managementPort(), probe)).as(probe).isEqualTo(200);
      }

      // Long streams first, then short ones, each kind under way before the next: least_conn
      // (open streams counted across nginx's workers) gives each gateway half of each kind.
      List<Future<Relayed>> running = new ArrayList<>();
      for (String model : List.of("mock-long", "mock-short")) {
        CountDownLatch underWay = new CountDownLatch(STREAMS_PER_KIND);
        for (int i = 0; i < STREAMS_PER_KIND; i++) {
          running.add(threads.submit(() -> stream(nginx.port(), model, underWay)));
        }
        assertThat(underWay.await(60, TimeUnit.SECONDS)).as(model + " under way").isTrue();
      }
      a.terminate();

      // Readiness DOWN at once, liveness still UP, while A's streams drain.
      assertThat(statusWithin(a, "/actuator/health/readiness", 503, Duration.ofSeconds(3)))
          .as("A's readiness after SIGTERM")
          .isEqualTo(503);
      assertThat(status(a.managementPort(), "/actuator/health/liveness"))
          .as("A's liveness while draining")
          .isEqualTo(200);

      List<Future<Relayed>> after = new ArrayList<>();
      // Spread over the drain, so that some arrive as A's short streams end and its connections
      // to nginx close.
      for (int i = 0; i < STREAMS_PER_KIND; i++) {
        after.add(threads.submit(() -> stream(nginx.port(), "mock-short", new CountDownLatch(1))));
        TimeUnit.MILLISECONDS.sleep(500);
      }
      List<Relayed> newOnes = collect(after);
      List<Relayed> streams = collect(running);
      assertThat(a.awaitExit(SHUTDOWN_PHASE.plusSeconds(60))).as("A's exit code").isEqualTo(143);

      // The usage line is logged when the stream's ending has been handled, just after its last
      // byte went out: wait for all of them.
      List<Relayed> all = new ArrayList<>(streams);
      all.addAll(newOnes);
      awaitUsageLines(all, a, b);
      String logA = a.output();
      String logB = b.output();
      for (Relayed s : newOnes) {
        assertThat(s.status).as("new request %s", s.requestId).isEqualTo(200);
        assertThat(s.done).as("new request %s finished", s.requestId).isTrue();
        assertThat(logB).as("new request %s served by B", s.requestId).contains(s.requestId);
      }
      int cutOnA = 0;
      for (Relayed s : streams) {
        assertThat(s.status).as("stream %s", s.requestId).isEqualTo(200);
        boolean onA = logA.contains("request=" + s.requestId);
        boolean onB = logB.contains("request=" + s.requestId);
        assertThat(onA ^ onB).as("%s served by exactly one gateway", s.requestId).isTrue();
        if (onB || s.model.equals("mock-short")) {
          assertThat(s.done)
              .as("%s (%s on %s) finished", s.requestId, s.model, onA ? "A" : "B")
              .isTrue();
          assertThat(s.cutForShutdown).as("%s cut", s.requestId).isFalse();
        } else {
          // Cut at the phase's end the way a cut-off ends (issue 10): a last chunk with the
          // gateway_shutting_down note, the usage chunk, then [DONE].
          assertThat(s.cutForShutdown)
              .as("long stream %s on A cut at the phase's end", s.requestId)
              .isTrue();
          assertThat(s.done).as("cut stream %s ends with [DONE]", s.requestId).isTrue();
          cutOnA++;
        }
      }
      assertThat(cutOnA).as("long streams cut on A").isPositive();

      // The money invariant: every stream is charged in PostgreSQL, the cut ones for what they
      // used (less than a whole long stream).
      long wholeLong = 0;
      for (Relayed s : streams) {
        if (s.model.equals("mock-long") && s.done && !s.cutForShutdown) {
          wholeLong = Math.max(wholeLong, charged(s.requestId));
        }
      }
      assertThat(wholeLong).as("a long stream finished on B and was charged").isPositive();
      for (Relayed s : all) {
        long charged = charged(s.requestId);
        assertThat(charged).as("charge of %s", s.requestId).isPositive();
        if (s.cutForShutdown) {
          assertThat(charged).as("charge of cut stream %s", s.requestId).isLessThan(wholeLong);
        }
      }
      assertThat(a.errors()).as("ERROR lines of A").isEmpty();
      assertThat(b.errors()).as("ERROR lines of B").isEmpty();
    }
  }

  private static CompletableFuture<GatewayProcess> startGateway(String name, Path configuration) {
    Map<String, String> environment =
        Map.of(
            "SPRING_DATA_REDIS_URL",
            TestServices.REDIS_URL,
            "SPRING_R2DBC_URL",
            TestServices.r2dbcUrl(),
            "SPRING_R2DBC_USERNAME",
            "postgres",
            "GATEWAY_BILLING_REDIS_PREFIX",
            TestServices.REDIS_PREFIX,
            "GATEWAY_BILLING_INSTANCE_ID",
            name,
            "MANAGEMENT_SERVER_PORT",
            "0",
            "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE",
            SHUTDOWN_PHASE.toSeconds() + "s");
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return GatewayProcess.start(
                name,
                Path.of("target").toAbsolutePath(),
                environment,
                "--spring.config.additional-location=file:" + configuration);
          } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(name, e);
          }
        });
  }

  /** One streamed chat completion through nginx, read to its end (or to where it was cut). */
  private Relayed stream(int port, String model, CountDownLatch headersReceived)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(90))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    """
                    {"model":"%s","stream":true,"stream_options":{"include_usage":true},
                     "messages":[{"role":"user","content":"Hello!"}]}"""
                        .formatted(model)))
            .build();
    HttpResponse<InputStream> response =
        client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    Relayed s =
        new Relayed(
            model,
            response.statusCode(),
            response.headers().firstValue("x-request-id").orElse("?"));
    headersReceived.countDown();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.equals("data: [DONE]")) {
          s.done = true;
        } else if (line.startsWith("data: ") && line.contains("\"gateway_shutting_down\"")) {
          s.cutForShutdown = true;
        }
      }
    } catch (IOException cut) {
      // a connection closed by nginx or the gateway: the stream did not end with [DONE]
    }
    return s;
  }

  private static void awaitUsageLines(List<Relayed> streams, GatewayProcess a, GatewayProcess b)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String logs = a.output() + b.output();
      List<String> missing =
          streams.stream()
              .map(r -> r.requestId)
              .filter(id -> !logs.contains("request=" + id))
              .toList();
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no usage line after 10 s for " + missing);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  private int status(int port, String path) throws IOException, InterruptedException {
    return client
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private int statusWithin(GatewayProcess gateway, String path, int expected, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int status = status(gateway.managementPort(), path);
    while (status != expected && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
      status = status(gateway.managementPort(), path);
    }
    return status;
  }

  private static List<Relayed> collect(List<Future<Relayed>> futures) throws Exception {
    List<Relayed> done = new ArrayList<>();
    for (Future<Relayed> f : futures) {
      done.add(f.get(2, TimeUnit.MINUTES));
    }
    return done;
  }

  /** The outbox is flushed within a poll interval by the gateway still running. */
  private static long charged(String requestId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
          PreparedStatement s =
              c.prepareStatement("SELECT charged_nanos FROM usage_events WHERE request_id = ?")) {
        s.setString(1, requestId);
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            return r.getLong(1);
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no usage event for " + requestId + " in PostgreSQL after 30 s");
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  private static final class Relayed {
    final String model;
    final int status;
    final String requestId;
    volatile boolean done;
    volatile boolean cutForShutdown;

    Relayed(String model, int status, String requestId) {
      this.model = model;
      this.status = status;
      this.requestId = requestId;
    }
  }
}
