package dev.tollgate.gateway.auth;

import org.jspecify.annotations.Nullable;

/** Looks up the key a client presented. Must answer from memory: it runs on the event loop. */
public interface ApiKeyStore {

  /** The key, or null when the presented secret is not a valid key. */
  @Nullable ApiKey find(String presentedSecret);
}
