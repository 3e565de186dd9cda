package dev.tollgate.billing.ledger;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One settled charge as the settle script wrote it to a bucket's outbox stream, on its way to
 * PostgreSQL. Field names in the stream entry are the snake_case of these components ({@code
 * request_id}, {@code from_allowance}, ...); {@link #streamId} is the entry's id.
 *
 * @param cacheWriteTokens input tokens written to the provider's prompt cache (0 in entries written
 *     before cache writes were recorded)
 * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour
 * @param cost what the request cost
 * @param charged what was actually debited: {@code cost} unless funds ran short
 * @param fromAllowance the part of {@code charged} taken from the subscription allowance
 * @param fromBalance the part of {@code charged} taken from the top-up balance
 * @param uncollected {@code cost - charged}
 * @param subPeriodMs the start (epoch ms) of the allowance period {@code fromAllowance} was drawn
 *     from, as the account's hash recorded it; null for entries written before periods were
 *     recorded (and accounts cached without one), which count as drawn from the current period
 */
public record SettledCharge(
    String streamId,
    String requestId,
    String accountId,
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
    long cost,
    long charged,
    long fromAllowance,
    long fromBalance,
    long uncollected,
    String priceVersion,
    long markupPpm,
    long discountPpm,
    long startedAtMs,
    long ttftMs,
    long durationMs,
    long settledAtMs,
    @Nullable Long subPeriodMs) {

  public SettledCharge {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(accountId, "accountId");
  }
}
