package dev.tollgate.billing.metering;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one finished request used: exactly one record per request, whatever way it ended. Holds
 * counts and timings only, never prompt or completion text.
 *
 * @param requestId the gateway's request id
 * @param keyId which API key made the request (its visible prefix until accounts exist)
 * @param model the model id the client asked for
 * @param provider the provider that served it
 * @param promptTokens input tokens, cached ones included
 * @param completionTokens output tokens, reasoning ones included
 * @param cachedPromptTokens input tokens served from the provider's cache
 * @param reasoningTokens output tokens spent on reasoning
 * @param cacheWriteTokens input tokens written to the provider's prompt cache
 * @param cacheWrite1hTokens the part of {@code cacheWriteTokens} written for one hour
 * @param source where the counts came from
 * @param status how the request ended
 * @param startedAt when the gateway received the request
 * @param timeToFirstToken until the first event reached the client; null when none did
 * @param duration until the request ended
 * @param streamed whether the response was streamed
 */
public record UsageRecord(
    String requestId,
    String keyId,
    String model,
    String provider,
    long promptTokens,
    long completionTokens,
    long cachedPromptTokens,
    long reasoningTokens,
    long cacheWriteTokens,
    long cacheWrite1hTokens,
    UsageSource source,
    RequestStatus status,
    Instant startedAt,
    @Nullable Duration timeToFirstToken,
    Duration duration,
    boolean streamed) {

  public UsageRecord {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(duration, "duration");
    if (promptTokens < 0
        || completionTokens < 0
        || cachedPromptTokens < 0
        || reasoningTokens < 0
        || cacheWriteTokens < 0
        || cacheWrite1hTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0 (request " + requestId + ")");
    }
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
