package dev.tollgate.gateway.billing;

import dev.tollgate.gateway.auth.ApiKey;
import java.util.Objects;

/**
 * What billing needs to know before a request goes upstream.
 *
 * @param promptTokens the locally counted prompt
 * @param maxOutputTokens the request's {@code max_tokens}, or the configured default reserve
 * @param clientLimited whether the client set {@code max_tokens}: the hold then covers all the
 *     upstream may generate, and is extended only if the metered cost overtakes it
 */
public record TabRequest(
    String requestId,
    ApiKey key,
    String model,
    String provider,
    long promptTokens,
    long maxOutputTokens,
    boolean clientLimited) {

  public TabRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
  }
}
