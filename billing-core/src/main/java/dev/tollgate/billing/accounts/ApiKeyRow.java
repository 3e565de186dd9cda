package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** An API key as stored: never the secret, only its visible prefix (the hash is the lookup key). */
public record ApiKeyRow(
    String id,
    String accountId,
    String prefix,
    @Nullable String name,
    KeyLimits limits,
    ApiKeyStatus status,
    Instant createdAt) {

  public ApiKeyRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
