package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One settled request as recorded in {@code usage_events}: metadata, tokens and money, never text.
 *
 * @param status how the request ended ({@code completed}, {@code cancelled}, ...)
 * @param source where the token counts came from ({@code reported}, {@code estimated}, {@code
 *     partial})
 * @param cacheWriteTokens input tokens written to the provider's prompt cache
 * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour
 * @param costNanos what the request's usage cost at its price: {@code chargedNanos +
 *     uncollectedNanos}
 * @param chargedNanos what was collected: {@code fromAllowanceNanos + fromBalanceNanos}; the sum
 *     over an account's rows is what its allowance and balance paid
 * @param uncollectedNanos what the account could not pay (its funds ran out while the upstream
 *     reported more than was held)
 * @param ttftMs time to first token; {@code null} when no token was delivered
 */
public record UsageRow(
    String requestId,
    String keyId,
    String model,
    String provider,
    String status,
    String source,
    long promptTokens,
    long completionTokens,
    long cachedTokens,
    long reasoningTokens,
    long cacheWriteTokens,
    long cacheWrite1hTokens,
    long costNanos,
    long chargedNanos,
    long uncollectedNanos,
    long fromAllowanceNanos,
    long fromBalanceNanos,
    Instant startedAt,
    @Nullable Integer ttftMs,
    long durationMs) {

  public UsageRow {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(startedAt, "startedAt");
  }
}
