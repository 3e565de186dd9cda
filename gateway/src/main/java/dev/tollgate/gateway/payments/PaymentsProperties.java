package dev.tollgate.gateway.payments;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.payments.*}: top-ups from the payment provider.
 *
 * @param webhookSecret the HMAC-SHA256 secret shared with the payment provider; empty disables
 *     {@code POST /webhooks/payments} (it answers 404)
 * @param reconcileInterval how often payments committed in PostgreSQL but not applied to Redis are
 *     looked for
 * @param reconcileBatch how many such payments one pass applies at most
 */
@ConfigurationProperties("gateway.payments")
public record PaymentsProperties(
    @DefaultValue("") String webhookSecret,
    @DefaultValue("30s") Duration reconcileInterval,
    @DefaultValue("500") int reconcileBatch) {

  public PaymentsProperties {
    if (reconcileInterval.isNegative() || reconcileInterval.isZero()) {
      throw new IllegalArgumentException(
          "gateway.payments.reconcile-interval: " + reconcileInterval + " (expected: > 0)");
    }
    if (reconcileBatch <= 0) {
      throw new IllegalArgumentException(
          "gateway.payments.reconcile-batch: " + reconcileBatch + " (expected: > 0)");
    }
  }

  /** Whether the webhook endpoint serves. */
  public boolean webhookEnabled() {
    return !webhookSecret.isBlank();
  }
}
