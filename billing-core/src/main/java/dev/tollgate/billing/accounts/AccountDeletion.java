package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Deletes an account's personal and usage data, keeping what accounting needs, in one transaction.
 *
 * <p>Deleted: the account's API keys (hashes, prefixes, names, limits) and its usage events (the
 * per-request history: models, tokens, timings).
 *
 * <p>Kept, because the books must balance and payments must be traceable for tax and chargeback
 * purposes: the account row, anonymised ({@code name} blanked to {@code ''} as it is NOT NULL,
 * {@code owner_subject} set to NULL, {@code status} {@code deleted}; the balance, allowance and
 * discount stay as they were, since a remaining balance may still be owed back); its ledger entries
 * as they are (amounts, types, categories, references, which hold no personal data: usage request
 * ids no longer lead anywhere, payment references are the provider's transaction ids); its payments
 * as they are (the provider transaction id is what links a payment to the provider's own records).
 * The ledger and payments reference the account by foreign key, which is why the row stays.
 *
 * <p>Not done here: evicting the account from Redis and the keys from the gateways' caches. The
 * caller should revoke the keys (and let holds expire) first: a request still in flight settles
 * after the deletion and writes a usage event again.
 */
public final class AccountDeletion {

  private static final String ANONYMISE =
      """
      UPDATE accounts SET name = '', owner_subject = NULL, status = 'deleted', updated_at = now()
      WHERE id = $1
      """;

  private static final String DELETE_KEYS = "DELETE FROM api_keys WHERE account_id = $1";

  private static final String DELETE_USAGE = "DELETE FROM usage_events WHERE account_id = $1";

  private final ConnectionFactory connectionFactory;

  public AccountDeletion(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * Deletes the account's data as described above. Deleting a deleted account again is harmless.
   * Fails with {@link IllegalArgumentException} when there is no such account.
   */
  public Mono<Void> delete(String accountId) {
    return delete(accountId, null);
  }

  /**
   * As {@link #delete(String)}, recording {@code audit} in the same transaction (when given), so
   * that the trail has the deletion exactly when it happened.
   */
  public Mono<Void> delete(String accountId, @Nullable AuditEntry audit) {
    Objects.requireNonNull(accountId, "accountId");
    // The account row first: its lock serialises this with other writers of the account.
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            execute(connection, ANONYMISE, accountId)
                .flatMap(
                    updated ->
                        updated == 0
                            ? Mono.error(
                                new IllegalArgumentException(
                                    "accountId: '"
                                        + accountId
                                        + "' (expected: an existing account)"))
                            : execute(connection, DELETE_KEYS, accountId))
                .then(execute(connection, DELETE_USAGE, accountId))
                .then(audit == null ? Mono.empty() : AuditLog.record(connection, audit)));
  }

  private static Mono<Long> execute(Connection connection, String sql, String accountId) {
    return Sql.rowsUpdated(connection.createStatement(sql).bind(0, accountId).execute());
  }
}
