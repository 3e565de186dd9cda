package dev.tollgate.gateway.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The scheduled purge in a running gateway: usage events older than {@code usage-days} disappear on
 * the schedule, newer ones and the ledger stay. The context is closed afterwards so that its purge
 * stops before other tests use the shared database.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext
class RetentionJobTest {

  static final String ACCOUNT = "acct-retention-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
    registry.add("gateway.retention.usage-days", () -> "30");
    registry.add("gateway.retention.initial-delay", () -> "0s");
    registry.add("gateway.retention.interval", () -> "200ms");
  }

  @Autowired RetentionJob job;

  @Test
  void usageOlderThanTheRetentionIsPurgedOnSchedule() throws Exception {
    assertThat(job.isRunning()).isTrue();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    insert("old-1", now.minus(Duration.ofDays(400)));
    insert("old-2", now.minus(Duration.ofDays(31)));
    insert("new-1", now.minus(Duration.ofDays(29)));
    insert("new-2", now);

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (count("old-%") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(count("old-%")).as("events older than 30 days").isZero();
    assertThat(count("new-%")).as("events within 30 days").isEqualTo(2);
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new RetentionProperties(0, Duration.ofHours(1), Duration.ZERO))
        .hasMessage("gateway.retention.usage-days: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new RetentionProperties(365, Duration.ZERO, Duration.ZERO))
        .hasMessage("gateway.retention.interval: PT0S (expected: > 0)");
    assertThatThrownBy(
            () -> new RetentionProperties(365, Duration.ofHours(1), Duration.ofSeconds(-1)))
        .hasMessage("gateway.retention.initial-delay: PT-1S (expected: >= 0)");
  }

  static void insert(String suffix, Instant startedAt) throws SQLException {
    String sql =
        "INSERT INTO usage_events (request_id, account_id, key_id, model, provider, status,"
            + " source, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,"
            + " cost_nanos, charged_nanos, from_allowance_nanos, from_balance_nanos,"
            + " uncollected_nanos, price_version, markup_ppm, discount_ppm, started_at, ttft_ms,"
            + " duration_ms, settled_at)"
            + " VALUES (?, ?, 'key_x', 'paid', 'local', 'completed', 'reported', 8, 10, 0, 0,"
            + " 1000, 1000, 0, 1000, 0, 'v1', 0, 0, ?::timestamptz, 20, 100, now())";
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, ACCOUNT + "-" + suffix);
      s.setString(2, ACCOUNT);
      s.setString(3, startedAt.toString());
      s.executeUpdate();
    }
  }

  static long count(String suffixPattern) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement("SELECT count(*) FROM usage_events WHERE request_id LIKE ?")) {
      s.setString(1, ACCOUNT + "-" + suffixPattern);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
