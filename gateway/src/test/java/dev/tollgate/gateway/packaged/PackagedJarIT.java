package dev.tollgate.gateway.packaged;

import static dev.tollgate.gateway.support.FakeUpstream.events;
import static dev.tollgate.gateway.support.FakeUpstream.sse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.TestServices;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar as an operator runs it (docs/operations.md, "Deploy"): {@code java -jar
 * gateway.jar --spring.config.additional-location=file:deploy/gateway.example.yaml} with that
 * file's values in environment variables, on the local Redis and PostgreSQL (a database and key
 * prefix of its own). A run-time dependency missing from the jar (test-scoped again, say) stops it
 * at start-up and fails this test, which no test on the test class path can notice.
 */
class PackagedJarIT {

  private static final String KEY = "sk-gw-packaged-it-0123456789";
  private static final FakeUpstream OPENAI = new FakeUpstream();

  @AfterAll
  static void closeUpstream() {
    OPENAI.close();
  }

  @Test
  void theJarOnTheDeployExampleStreamsBillsInPostgresAndStopsCleanlyOnSigterm() throws Exception {
    Path example = Path.of("..", "deploy", "gateway.example.yaml").toAbsolutePath().normalize();
    Map<String, String> environment =
        Map.of(
            "REDIS_URL",
            TestServices.REDIS_URL,
            "POSTGRES_R2DBC_URL",
            TestServices.r2dbcUrl(),
            "POSTGRES_USER",
            "postgres",
            "POSTGRES_PASSWORD",
            "",
            "TOLLGATE_DEV_KEY",
            KEY,
            "OPENAI_API_KEY",
            "upstream-secret",
            "OPENAI_BASE_URL",
            OPENAI.baseUrl(),
            "GATEWAY_BILLING_REDIS_PREFIX",
            TestServices.REDIS_PREFIX);
    OPENAI.script(
        sse(events(Fixtures.read("openai/chat_stream_text_include_usage.sse")), Duration.ZERO));

    try (GatewayProcess gateway =
        GatewayProcess.start(
            "packaged-jar",
            Path.of("target").toAbsolutePath(),
            environment,
            "--spring.config.additional-location=file:" + example)) {
      assertThat(gateway.output())
          .as("configured servers: nothing embedded")
          .doesNotContain("Embedded Redis up")
          .doesNotContain("Embedded PostgreSQL up");

      HttpResponse<String> response =
          gateway.post(
              "/v1/chat/completions",
              KEY,
              """
              {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},
               "messages":[{"role":"user","content":"What's the weather like in SF?"}]}""");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
      assertThat(response.body()).contains("\"usage\"").endsWith("data: [DONE]\n\n");
      String requestId = response.headers().firstValue("x-request-id").orElseThrow();

      long charged = chargedInPostgres(requestId);
      assertThat(charged).as("usage_events.charged_nanos").isPositive();
      assertThat(debitInLedger(requestId)).as("ledger_entries debit").isEqualTo(charged);

      assertThat(gateway.stop()).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(gateway.output()).contains("Graceful shutdown complete");
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    }
  }

  /** The outbox flusher writes within a poll interval; waits for it a bounded time. */
  private static long chargedInPostgres(String requestId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      Long charged =
          queryLong("SELECT charged_nanos FROM usage_events WHERE request_id = ?", requestId);
      if (charged != null) {
        return charged;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no usage event for " + requestId + " in PostgreSQL after 20 s");
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  private static Long debitInLedger(String requestId) throws Exception {
    return queryLong(
        "SELECT amount_nanos FROM ledger_entries WHERE type = 'debit' AND reference = ?",
        requestId);
  }

  private static Long queryLong(String sql, String parameter) throws Exception {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getLong(1) : null;
      }
    }
  }
}
