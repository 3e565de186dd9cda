package dev.tollgate.billing.redis;

import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import java.util.Objects;

/**
 * What to settle for one finished request: its usage and its computed cost. The settle script
 * debits {@code cost} (subscription allowance first, then balance, never below zero), releases the
 * hold and writes one outbox entry with these fields and the funding split.
 *
 * @param cacheWriteTokens input tokens written to the provider's prompt cache
 * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour
 * @param cost nano-units, rounded up once; settle charges at most the hold plus what is free
 * @param priceVersion the price version the cost was computed with
 * @param markupPpm the model markup, parts per million
 * @param discountPpm the account discount, parts per million
 * @param startedAtMs epoch milliseconds
 * @param ttftMs time to first token, or -1 when no token was delivered
 */
public record Charge(
    String requestId,
    String accountId,
    String keyId,
    String model,
    String provider,
    RequestStatus status,
    UsageSource source,
    long promptTokens,
    long completionTokens,
    long cachedPromptTokens,
    long reasoningTokens,
    long cacheWriteTokens,
    long cacheWrite1hTokens,
    long cost,
    String priceVersion,
    long markupPpm,
    long discountPpm,
    long startedAtMs,
    long ttftMs,
    long durationMs) {

  public Charge {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(priceVersion, "priceVersion");
    if (cost < 0) {
      throw new IllegalArgumentException("cost: " + cost + " (expected: >= 0)");
    }
  }
}
