package dev.tollgate.gateway.auth;

import java.util.Objects;

/**
 * An authenticated API key, as the request path sees it: never the secret itself.
 *
 * @param id a stable identifier of the key
 * @param prefix the visible start of the key, for logs and receipts
 * @param accountId the account that pays for the key's requests
 */
public record ApiKey(String id, String prefix, String accountId) {

  public ApiKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(accountId, "accountId");
  }
}
