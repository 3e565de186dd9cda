package dev.tollgate.gateway.auth;

import dev.tollgate.billing.accounts.KeyLimits;
import java.util.Objects;

/**
 * An authenticated API key, as the request path sees it: never the secret itself.
 *
 * @param id a stable identifier of the key
 * @param prefix the visible start of the key, for logs and receipts
 * @param accountId the account that pays for the key's requests
 * @param limits what the key may do (rate, spend, models, expiry); {@link KeyLimits#NONE} for dev
 *     keys
 */
public record ApiKey(String id, String prefix, String accountId, KeyLimits limits) {

  public ApiKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(limits, "limits");
  }
}
