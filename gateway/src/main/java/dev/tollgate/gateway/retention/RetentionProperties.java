package dev.tollgate.gateway.retention;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.retention.*}: how long usage history is kept. Ledger entries and payments are
 * accounting records and are kept regardless.
 *
 * @param usageDays usage events older than this many days are purged; at least 1
 * @param interval how often the purge runs
 * @param initialDelay how long after start-up the first purge runs
 */
@ConfigurationProperties("gateway.retention")
public record RetentionProperties(
    @DefaultValue("365") int usageDays,
    @DefaultValue("1h") Duration interval,
    @DefaultValue("1m") Duration initialDelay) {

  public RetentionProperties {
    if (usageDays < 1) {
      throw new IllegalArgumentException(
          "gateway.retention.usage-days: " + usageDays + " (expected: >= 1)");
    }
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "gateway.retention.interval: " + interval + " (expected: > 0)");
    }
    if (initialDelay == null || initialDelay.isNegative()) {
      throw new IllegalArgumentException(
          "gateway.retention.initial-delay: " + initialDelay + " (expected: >= 0)");
    }
  }
}
