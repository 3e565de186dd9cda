package dev.tollgate.gateway.auth;

import reactor.core.publisher.Mono;

/**
 * Looks up the key a client presented. Runs on the event loop for every request: answer from memory
 * when possible, and never block when not.
 */
public interface ApiKeyStore {

  /**
   * The key; empty when the presented secret is not a usable key (unknown, revoked, expired). May
   * fail with a {@link dev.tollgate.gateway.error.GatewayException} that says why the key may not
   * be used, e.g. its account is suspended.
   */
  Mono<ApiKey> find(String presentedSecret);
}
