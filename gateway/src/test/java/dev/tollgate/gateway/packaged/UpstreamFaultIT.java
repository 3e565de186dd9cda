package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * Hung and failing upstreams against the packaged jar (issue 10, item 5; docs/providers.md,
 * "Routing", rules 2, 4 and 7): an upstream that never sends a first byte, one that stops after its
 * first event, one that answers 500, 429 or 503, one that resets the connection before or after its
 * first event, and one that refuses connections. Each is checked for the attempts the fake upstream
 * received (retried {@code max-attempts} times before the first byte, never after), what the client
 * got, what was charged (nothing without an answer), the upstream connections left (none with a
 * request in progress; none at all after timeouts and resets, which close theirs), and the money
 * invariant.
 */
class UpstreamFaultIT extends FaultSuite {

  /** Concurrent requests per phase. */
  static final int N = 6;

  /** The documented default of {@code gateway.routing.max-attempts}. */
  static final int MAX_ATTEMPTS = 2;

  static final Duration FIRST_BYTE = Duration.ofMillis(500);

  record Answer(int status, String body, long millis) {}

  @Test
  void hungAndFailingUpstreams() throws Exception {
    String account = "acct-fault-upstream-" + TestServices.REDIS_PREFIX;
    long credits = 1_000_000_000;
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    upstream.clear();
    try (GatewayProcess gateway =
        gateway(
            "fault-upstream",
            account,
            "1.00",
            "--gateway.providers.fake.first-byte-timeout=" + FIRST_BYTE.toMillis() + "ms",
            "--gateway.providers.fake.idle-timeout=" + FIRST_BYTE.toMillis() + "ms",
            // counted attempts: the circuit must not open and skip them (rule 1)
            "--gateway.routing.circuit-breaker.failure-threshold=1000",
            "--gateway.providers.dead.type=openai",
            "--gateway.providers.dead.api-key=upstream-secret",
            "--gateway.providers.dead.connect-timeout=500ms",
            "--gateway.providers.dead.base-url=http://127.0.0.1:" + closedPort + "/v1",
            "--gateway.models[1].id=dead-model",
            "--gateway.models[1].provider=dead",
            "--gateway.models[1].price.input=1.00",
            "--gateway.models[1].price.output=2.00")) {
      HttpClient client = client(gateway.port(), 2 * N);

      // Hung before the first byte, streamed and not: retried, 504, every connection closed.
      for (boolean streamed : List.of(true, false)) {
        String name = streamed ? "hung-upstream-stream" : "hung-upstream-plain";
        Phase phase = new Phase(name, account, credits);
        List<Answer> answers = phase.run(client, FakeUpstream.hung(), body(streamed, "fake-model"));
        for (Answer a : answers) {
          assertThat(a.status()).as(name + ": " + a.body()).isEqualTo(504);
          assertThat(a.body()).contains("\"code\":\"upstream_timeout\"");
          // two first-byte timeouts and a back-off of at most 100 ms, on a loaded machine
          assertThat(a.millis()).isGreaterThanOrEqualTo(MAX_ATTEMPTS * FIRST_BYTE.toMillis());
        }
        phase.assertAttempts(N * MAX_ATTEMPTS);
        phase.assertConnectionsClosed();
        phase.assertFree();
        phase.print(answers, "504 upstream_timeout");
      }

      // Stops after its first event: not retried, the stream ends with an error event, usage and
      // [DONE]; charged the prompt and what was delivered.
      {
        Phase phase = new Phase("upstream-idle-mid-stream", account, credits);
        List<Answer> answers =
            phase.run(
                client,
                (response, recorder) ->
                    response
                        .header("content-type", "text/event-stream")
                        .sendString(
                            Flux.just(
                                    chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"),
                                    chunk("{\"content\":\" w\"}", "null"))
                                .concatWith(Mono.never()))
                        .then(),
                body(true, "fake-model"));
        for (Answer a : answers) {
          assertThat(a.status()).isEqualTo(200);
          assertThat(a.body())
              .contains("\"code\":\"upstream_timeout\"")
              .endsWith("data: [DONE]\n\n");
        }
        phase.assertAttempts(N);
        phase.assertConnectionsClosed();
        long charged = phase.charged();
        assertThat(charged).as("charged for the prompt and one token each").isPositive();
        phase.print(answers, "200, error event upstream_timeout, usage, [DONE]");
      }

      // Error statuses: retried, then 502 upstream_unavailable quoting the last; the connections
      // go back to the pool (idle, none with a request in progress).
      for (int status : List.of(500, 429, 503)) {
        String name = "upstream-" + status;
        Phase phase = new Phase(name, account, credits);
        List<Answer> answers =
            phase.run(
                client,
                FakeUpstream.json(
                    status,
                    "{\"error\":{\"message\":\"fake "
                        + status
                        + "\",\"type\":\"server_error\",\"code\":null}}"),
                body(false, "fake-model"));
        for (Answer a : answers) {
          assertThat(a.status()).as(name + ": " + a.body()).isEqualTo(502);
          assertThat(a.body())
              .contains("\"code\":\"upstream_unavailable\"")
              .contains("HTTP " + status)
              .contains("fake " + status);
        }
        phase.assertAttempts(N * MAX_ATTEMPTS);
        phase.assertNoRequestInProgress();
        phase.assertFree();
        phase.print(answers, "502 upstream_unavailable quoting HTTP " + status);
      }

      // Reset before the first event (headers, then the connection drops): retried, 502.
      {
        Phase phase = new Phase("upstream-reset-before-first-event", account, credits);
        List<Answer> answers =
            phase.run(client, FakeUpstream.sseThenDrop(List.of()), body(true, "fake-model"));
        for (Answer a : answers) {
          assertThat(a.status()).as(a.body()).isEqualTo(502);
        }
        phase.assertAttempts(N * MAX_ATTEMPTS);
        phase.assertNoRequestInProgress();
        phase.assertFree();
        phase.print(answers, "502 " + code(answers.getFirst()));
      }

      // Reset mid-stream: not retried; error event, usage, [DONE]; charged what was delivered.
      {
        Phase phase = new Phase("upstream-reset-mid-stream", account, credits);
        List<Answer> answers =
            phase.run(
                client,
                FakeUpstream.sseThenDrop(
                    List.of(
                        chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"),
                        chunk("{\"content\":\" w\"}", "null"),
                        chunk("{\"content\":\" w\"}", "null"))),
                body(true, "fake-model"));
        for (Answer a : answers) {
          assertThat(a.status()).isEqualTo(200);
          assertThat(a.body()).contains("\"error\"").endsWith("data: [DONE]\n\n");
        }
        phase.assertAttempts(N);
        phase.assertNoRequestInProgress();
        assertThat(phase.charged()).as("charged for what was delivered").isPositive();
        phase.print(answers, "200, error event " + code(answers.getFirst()) + ", usage, [DONE]");
      }

      // Connection refused: retried, 502 upstream_unavailable, nothing sent anywhere.
      {
        Phase phase = new Phase("upstream-connect-refused", account, credits);
        List<Answer> answers = phase.run(client, FakeUpstream.hung(), body(true, "dead-model"));
        for (Answer a : answers) {
          assertThat(a.status()).as(a.body()).isEqualTo(502);
          assertThat(a.body()).contains("\"code\":\"upstream_unavailable\"");
        }
        phase.assertAttempts(0);
        phase.assertFree();
        phase.print(answers, "502 upstream_unavailable");
      }

      assertMoney(account, credits);
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    }
  }

  static String body(boolean streamed, String model) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + streamed
        + (streamed ? ",\"stream_options\":{\"include_usage\":true}" : "")
        + ",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  static String code(Answer a) {
    int at = a.body().indexOf("\"code\":\"");
    return at < 0 ? "?" : a.body().substring(at + 8, a.body().indexOf('"', at + 8));
  }

  /** One fault: N requests at once against a scripted upstream, and what they left behind. */
  static final class Phase {
    final String name;
    final String account;
    final long credits;
    final long chargedBefore;
    final long rowsBefore;
    final long tokensBefore;
    final int acceptedBefore;
    long started;
    long ended;

    Phase(String name, String account, long credits) throws Exception {
      this.name = name;
      this.account = account;
      this.credits = credits;
      // before the first request the account is not in Redis yet: nothing charged so far
      this.chargedBefore =
          connection.sync().hexists(KEYS.account(account), "balance")
              ? assertMoney(account, credits)
              : 0;
      this.rowsBefore = rows(account);
      this.tokensBefore =
          BillingTestSupport.queryLong(
              "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_events"
                  + " WHERE account_id = ?",
              account);
      this.acceptedBefore = upstream.acceptedConnections();
      upstream.clear();
    }

    List<Answer> run(HttpClient client, FakeUpstream.Script script, String body) {
      upstream.script(script);
      started = System.nanoTime();
      List<Answer> answers =
          Flux.range(0, N)
              .flatMap(
                  i -> {
                    long t0 = System.nanoTime();
                    return client
                        .post()
                        .uri("/v1/chat/completions")
                        .send(ByteBufMono.fromString(Mono.just(body)))
                        .responseSingle(
                            (r, content) ->
                                content
                                    .asString()
                                    .defaultIfEmpty("")
                                    .map(
                                        b ->
                                            new Answer(
                                                r.status().code(),
                                                b,
                                                (System.nanoTime() - t0) / 1_000_000)));
                  },
                  N)
              .collectList()
              .block(Duration.ofSeconds(30));
      ended = System.nanoTime();
      return answers;
    }

    void assertAttempts(int expected) {
      assertThat(upstream.pendingRequests()).as(name + ": upstream attempts").isEqualTo(expected);
    }

    /** Waits (at most 2 s) for the upstream's connections to close: none may stay open. */
    void assertConnectionsClosed() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (upstream.openConnections() > 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      assertThat(upstream.openConnections()).as(name + ": upstream connections open").isZero();
      assertThat(upstream.requestsInProgress()).as(name + ": requests in progress").isZero();
    }

    /** Idle pooled connections may stay (for reuse); none may be stuck in a request. */
    void assertNoRequestInProgress() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (upstream.requestsInProgress() > 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      assertThat(upstream.requestsInProgress()).as(name + ": requests in progress").isZero();
      assertThat(upstream.openConnections())
          .as(name + ": open upstream connections (idle in the pool)")
          .isLessThanOrEqualTo(2 * N);
    }

    /** Nothing charged; one usage row per request, with no tokens. */
    void assertFree() throws Exception {
      assertThat(charged()).as(name + ": charged").isZero();
      assertThat(rows(account) - rowsBefore).as(name + ": usage rows").isEqualTo(N);
      assertThat(
              BillingTestSupport.queryLong(
                  "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_events"
                      + " WHERE account_id = ?",
                  account))
          .as(name + ": tokens billed in all")
          .isEqualTo(tokensBefore);
    }

    long charged() throws Exception {
      return assertMoney(account, credits) - chargedBefore;
    }

    void print(List<Answer> answers, String clientSaw) throws Exception {
      long charged = charged();
      long maxMs = answers.stream().mapToLong(Answer::millis).max().orElse(0);
      long minMs = answers.stream().mapToLong(Answer::millis).min().orElse(0);
      System.out.printf(
          "FAULT %s: %d requests -> %s in %d-%d ms; %d upstream attempts on %d new connections;"
              + " %d upstream connections open after (%d with a request in progress);"
              + " %d usage rows, %d nano-units charged; money invariant holds%n",
          name,
          answers.size(),
          clientSaw,
          minMs,
          maxMs,
          upstream.pendingRequests(),
          upstream.acceptedConnections() - acceptedBefore,
          upstream.openConnections(),
          upstream.requestsInProgress(),
          rows(account) - rowsBefore,
          charged);
    }
  }

  static long rows(String account) throws Exception {
    return BillingTestSupport.queryLong(
        "SELECT count(*) FROM usage_events WHERE account_id = ?", account);
  }
}
