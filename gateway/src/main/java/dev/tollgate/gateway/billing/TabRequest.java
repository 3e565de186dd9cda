package dev.tollgate.gateway.billing;

import dev.tollgate.gateway.auth.ApiKey;
import java.util.Objects;

/**
 * What billing needs to know before a request goes upstream.
 *
 * @param promptTokens the locally counted prompt
 * @param maxOutputTokens the request's {@code max_tokens}, or the configured default reserve
 */
public record TabRequest(
    String requestId,
    ApiKey key,
    String model,
    String provider,
    long promptTokens,
    long maxOutputTokens) {

  public TabRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
  }
}
