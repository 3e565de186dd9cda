package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with streams longer than the shutdown phase (5 s here), against the packaged jar (issue
 * 10, item 6; docs/operations.md, "Shutdown and rolling updates"): readiness answers 503 at once,
 * the API port takes no new connection, streams that fit in the phase finish, longer ones are cut
 * at its end like a cut-off (the {@code gateway_shutting_down} note, the usage chunk, {@code
 * [DONE]}), every charge is in PostgreSQL before the process exits (the outbox empty, nothing held:
 * no other instance runs to flush it), and the process exits with 143 within the phase and the
 * documented 20 s to settle, flush and close.
 */
class ShutdownFaultIT extends FaultSuite {

  static final Duration PHASE = Duration.ofSeconds(5);
  static final int SHORT = 10;
  static final int LONG = 10;
  static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

  static final class Streamed {
    final boolean isLong;
    int status;
    String requestId = "?";
    long contentEvents;
    long reportedCompletionTokens = -1;
    boolean done;
    boolean cut;
    boolean dropped;

    Streamed(boolean isLong) {
      this.isLong = isLong;
    }
  }

  @Test
  void sigtermWithStreamsLongerThanTheShutdownPhase() throws Exception {
    String account = "acct-fault-shutdown-" + TestServices.REDIS_PREFIX;
    long credits = 10_000_000_000L;
    SplittableRandom random = new SplittableRandom(5);
    upstream.clear();
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    try (GatewayProcess gateway =
            gateway("fault-shutdown", account, "10.00", "--management.server.port=0");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      warmUp(client(gateway.port(), 4), random);
      // ready, and the probe warm, as a probed instance's is
      for (int i = 0; i < 3; i++) {
        // the first answer of a cold management server takes seconds on a loaded machine
        assertThat(
                status(
                    http,
                    gateway.managementPort(),
                    "/actuator/health/readiness",
                    Duration.ofSeconds(30)))
            .as("readiness before SIGTERM")
            .isEqualTo(200);
      }
      // short: 40 tokens 50 ms apart (2 s); long: 600 tokens (30 s), told apart by the prompt
      FakeUpstream.Script shortStream = stream(40, 50, random);
      FakeUpstream.Script longStream = stream(600, 50, random);
      upstream.script(
          (response, recorder) ->
              (recorder.body.contains("long") ? longStream : shortStream)
                  .answer(response, recorder));

      // the long ones first, then the short ones: all of these are under way at the SIGTERM
      List<Future<Streamed>> running = new ArrayList<>();
      for (boolean isLong : List.of(true, false)) {
        int n = isLong ? LONG : SHORT;
        CountDownLatch flowing = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
          running.add(threads.submit(() -> stream(http, gateway.port(), isLong, flowing)));
        }
        assertThat(flowing.await(30, TimeUnit.SECONDS)).as("streams flowing").isTrue();
      }
      // the short ones have at most 2 s to go: all of them end inside the phase
      long sigterm = System.nanoTime();
      gateway.terminate();

      StringBuilder polls = new StringBuilder();
      long readinessDown = awaitReadiness503(http, gateway.managementPort(), sigterm, polls);
      long liveness = status(http, gateway.managementPort(), "/actuator/health/liveness");
      String refused = newRequestAfterSigterm(http, gateway.port());

      List<Streamed> streams = new ArrayList<>();
      for (Future<Streamed> f : running) {
        streams.add(f.get(60, TimeUnit.SECONDS));
      }
      long streamsEnded = System.nanoTime();
      int exit = gateway.awaitExit(PHASE.plusSeconds(30));
      long exited = System.nanoTime();

      // No other instance runs: what is in PostgreSQL now was flushed before the exit.
      assertThat(held(account)).as("held after the exit").isZero();
      long charged = assertMoney(account, credits);
      long shortDone = 0;
      long cut = 0;
      long cutSeen = 0;
      long cutReported = 0;
      for (Streamed s : streams) {
        assertThat(s.status).as("stream %s", s.requestId).isEqualTo(200);
        assertThat(s.dropped).as("stream %s dropped without [DONE]", s.requestId).isFalse();
        assertThat(s.done).as("stream %s ends with [DONE]", s.requestId).isTrue();
        assertThat(s.reportedCompletionTokens).as("usage chunk of %s", s.requestId).isNotNegative();
        assertThat(rowsFor(s.requestId)).as("usage row of %s", s.requestId).isEqualTo(1);
        if (s.isLong) {
          assertThat(s.cut).as("long stream %s cut for the shutdown", s.requestId).isTrue();
          assertThat(s.contentEvents).as("long stream %s cut early", s.requestId).isLessThan(600);
          assertThat(status(s.requestId)).isEqualTo("cancelled");
          // charged what the client saw: the usage chunk is the local count it is billed
          assertThat(completionTokens(s.requestId)).isEqualTo(s.reportedCompletionTokens);
          cut++;
          cutSeen += s.contentEvents;
          cutReported += s.reportedCompletionTokens;
        } else {
          assertThat(s.cut).as("short stream %s cut", s.requestId).isFalse();
          assertThat(s.contentEvents).isEqualTo(40);
          assertThat(status(s.requestId)).isEqualTo("completed");
          shortDone++;
        }
      }
      long exitMs = (exited - sigterm) / 1_000_000;
      System.out.printf(
          "FAULT sigterm-long-streams: readiness 503 %d ms after SIGTERM (polls:%s; liveness %d); a new"
              + " request %s; %d of %d short streams finished, %d of %d long streams cut with"
              + " gateway_shutting_down + usage + [DONE] (%d content events seen, %d completion"
              + " tokens billed); streams ended %d ms after SIGTERM, exit %d after %d ms (phase"
              + " %d ms); outbox empty and held 0 at the exit; %d nano-units charged%n",
          readinessDown,
          polls,
          liveness,
          refused,
          shortDone,
          SHORT,
          cut,
          LONG,
          cutSeen,
          cutReported,
          (streamsEnded - sigterm) / 1_000_000,
          exit,
          exitMs,
          PHASE.toMillis(),
          charged);
      assertThat(readinessDown).as("ms to readiness 503").isLessThan(1_000);
      assertThat(liveness).as("liveness while draining").isEqualTo(200);
      assertThat(refused).startsWith("refused");
      assertThat(exit).as("exit code (128 + SIGTERM)").isEqualTo(143);
      // docs/operations.md: the phase, then 20 s to settle, flush and close
      assertThat(exitMs).isLessThan(PHASE.toMillis() + 20_000);
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    } finally {
      threads.shutdownNow();
    }
  }

  private static Streamed stream(HttpClient http, int port, boolean isLong, CountDownLatch flowing)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(60))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"fake-model\",\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true},\"max_tokens\":1000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\""
                        + (isLong ? "long" : "short")
                        + "\"}]}"))
            .build();
    Streamed s = new Streamed(isLong);
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    s.status = response.statusCode();
    s.requestId = response.headers().firstValue("x-request-id").orElse("?");
    boolean counted = false;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.equals("data: [DONE]")) {
          s.done = true;
        } else if (line.contains("\"content\":\" w\"")) {
          s.contentEvents++;
          if (!counted) {
            counted = true;
            flowing.countDown();
          }
        } else if (line.contains("\"gateway_shutting_down\"")) {
          s.cut = true;
        } else if (line.contains("\"usage\"")) {
          Matcher m = COMPLETION_TOKENS.matcher(line);
          if (m.find()) {
            s.reportedCompletionTokens = Long.parseLong(m.group(1));
          }
        }
      }
    } catch (IOException e) {
      s.dropped = true;
    } finally {
      if (!counted) {
        flowing.countDown();
      }
    }
    return s;
  }

  /** Polls readiness until 503; each poll's outcome goes to {@code polls}. */
  private static long awaitReadiness503(
      HttpClient http, int port, long sigterm, StringBuilder polls) throws InterruptedException {
    long deadline = sigterm + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      long asked = System.nanoTime();
      String outcome;
      try {
        int status = status(http, port, "/actuator/health/readiness");
        outcome = String.valueOf(status);
        if (status == 503) {
          polls.append(String.format(" @%dms:503", (asked - sigterm) / 1_000_000));
          return (System.nanoTime() - sigterm) / 1_000_000;
        }
      } catch (IOException e) {
        outcome = e.getClass().getSimpleName();
      }
      polls.append(
          String.format(
              " @%dms:%s(%dms)",
              (asked - sigterm) / 1_000_000, outcome, (System.nanoTime() - asked) / 1_000_000));
      TimeUnit.MILLISECONDS.sleep(10);
    }
    throw new AssertionError("readiness not 503 within 5 s of SIGTERM:" + polls);
  }

  /** A request on a new connection after SIGTERM: "refused (...)" or what it was answered. */
  private static String newRequestAfterSigterm(HttpClient http, int port)
      throws InterruptedException {
    try (HttpClient fresh =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build()) {
      HttpResponse<String> r =
          fresh.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                  .header("Authorization", "Bearer " + KEY)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return "answered " + r.statusCode();
    } catch (ConnectException e) {
      return "refused (connection refused)";
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static int status(HttpClient http, int port, String path)
      throws IOException, InterruptedException {
    return status(http, port, path, Duration.ofSeconds(2));
  }

  private static int status(HttpClient http, int port, String path, Duration timeout)
      throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static long rowsFor(String requestId) {
    return BillingTestSupport.queryLong(
        "SELECT count(*) FROM usage_events WHERE request_id = ?", requestId);
  }

  private static long completionTokens(String requestId) {
    return BillingTestSupport.queryLong(
        "SELECT completion_tokens FROM usage_events WHERE request_id = ?", requestId);
  }

  private static String status(String requestId) throws Exception {
    try (var c = java.sql.DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        var s = c.prepareStatement("SELECT status FROM usage_events WHERE request_id = ?")) {
      s.setString(1, requestId);
      try (var r = s.executeQuery()) {
        return r.next() ? r.getString(1) : "none";
      }
    }
  }
}
