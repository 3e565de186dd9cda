package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** API keys in PostgreSQL, stored as SHA-256 hash and visible prefix, never as the secret. */
public final class ApiKeyRepository {

  static final String COLUMNS =
      """
      id, account_id, prefix, name, spend_cap_nanos, rpm, tpm, max_concurrent, allowed_models,
      expires_at, status, created_at, budget_nanos, budget_period
      """;

  // Only for an account that exists and is not deleted: no row is inserted otherwise.
  private static final String CREATE =
      "INSERT INTO api_keys (id, account_id, key_hash, prefix, name, spend_cap_nanos, rpm, tpm,"
          + " max_concurrent, allowed_models, expires_at, budget_nanos, budget_period)"
          + " SELECT $1, a.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13"
          + " FROM accounts a WHERE a.id = $2 AND a.status <> 'deleted'"
          + " RETURNING "
          + COLUMNS;

  private static final String FIND_BY_HASH =
      "SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = $1";

  private static final String LIST_BY_ACCOUNT =
      "SELECT " + COLUMNS + " FROM api_keys WHERE account_id = $1 ORDER BY created_at, id";

  private static final String REVOKE =
      "UPDATE api_keys SET status = 'revoked' WHERE id = $1 AND status = 'active'";

  // Revoking twice answers the hash again: whoever retries a revocation publishes it again.
  private static final String REVOKE_RETURNING_HASH =
      "UPDATE api_keys SET status = 'revoked' WHERE id = $1 RETURNING key_hash";

  private static final String REVOKE_ALL =
      "UPDATE api_keys SET status = 'revoked' WHERE account_id = $1 AND status = 'active'";

  private final ConnectionFactory connectionFactory;

  public ApiKeyRepository(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * Stores a new key (its hash and prefix) for an account, with a new id {@code key_} + 20 hex.
   *
   * @param name the owner's label for the key, if any
   * @return the stored key; fails with {@link IllegalArgumentException} when the account does not
   *     exist or is deleted, and with the driver's integrity violation when the hash exists already
   */
  public Mono<ApiKeyRow> create(
      String accountId, @Nullable String name, KeyLimits limits, NewKey key) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(key, "key");
    return Sql.withConnectionMany(
            connectionFactory,
            connection -> {
              // A new id per subscription: a retry does not collide with its own earlier attempt.
              Statement statement =
                  connection
                      .createStatement(CREATE)
                      .bind(0, newId())
                      .bind(1, accountId)
                      .bind(2, key.hash())
                      .bind(3, key.prefix());
              Sql.bind(statement, 4, name, String.class);
              Sql.bind(statement, 5, limits.spendCapNanos(), Long.class);
              Sql.bind(statement, 6, limits.rpm(), Integer.class);
              Sql.bind(statement, 7, limits.tpm(), Integer.class);
              Sql.bind(statement, 8, limits.maxConcurrent(), Integer.class);
              Sql.bind(
                  statement,
                  9,
                  limits.allowedModels().isEmpty()
                      ? null
                      : limits.allowedModels().toArray(String[]::new),
                  String[].class);
              Sql.bind(statement, 10, limits.expiresAt(), Instant.class);
              bindBudget(statement, 11, limits.budget());
              return Sql.rows(statement, ApiKeyRepository::toRow);
            })
        .next()
        .switchIfEmpty(
            Mono.error(
                () ->
                    new IllegalArgumentException(
                        "accountId: '"
                            + accountId
                            + "' (expected: an existing, not deleted account)")));
  }

  /** The key with this hash, active or not (the caller decides), or empty. */
  public Mono<ApiKeyRow> findByHash(String hash) {
    Objects.requireNonNull(hash, "hash");
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Sql.rows(
                    connection.createStatement(FIND_BY_HASH).bind(0, hash),
                    ApiKeyRepository::toRow))
        .next();
  }

  /** The account's keys, revoked ones included, oldest first. */
  public Flux<ApiKeyRow> listByAccount(String accountId) {
    Objects.requireNonNull(accountId, "accountId");
    return Sql.withConnectionMany(
        connectionFactory,
        connection ->
            Sql.rows(
                connection.createStatement(LIST_BY_ACCOUNT).bind(0, accountId),
                ApiKeyRepository::toRow));
  }

  /**
   * Revokes a key.
   *
   * @return whether it changed (false: unknown, or revoked before)
   */
  public Mono<Boolean> revoke(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    return update(REVOKE, keyId);
  }

  /**
   * Revokes a key and answers its hash, so that caches keyed by hash can be told to forget it.
   *
   * @return the key's hash, also when it was revoked before; empty when there is no such key
   */
  public Mono<String> revokeReturningHash(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Sql.rows(
                    connection.createStatement(REVOKE_RETURNING_HASH).bind(0, keyId),
                    row -> Sql.text(row, "key_hash")))
        .next();
  }

  /**
   * Revokes every active key of an account.
   *
   * @return whether any key changed
   */
  public Mono<Boolean> revokeAllOf(String accountId) {
    Objects.requireNonNull(accountId, "accountId");
    return update(REVOKE_ALL, accountId);
  }

  private Mono<Boolean> update(String sql, String value) {
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Sql.rowsUpdated(connection.createStatement(sql).bind(0, value).execute()).flux())
        .next()
        .map(n -> n > 0);
  }

  private static String newId() {
    // Ids are not secrets, so no SecureRandom (which may read /dev/urandom on the event loop).
    byte[] bytes = new byte[10];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "key_" + HexFormat.of().formatHex(bytes);
  }

  static ApiKeyRow toRow(Readable row) {
    String[] models = row.get("allowed_models", String[].class);
    KeyLimits limits =
        new KeyLimits(
            row.get("spend_cap_nanos", Long.class),
            row.get("rpm", Integer.class),
            row.get("tpm", Integer.class),
            row.get("max_concurrent", Integer.class),
            models == null ? List.of() : List.of(models),
            row.get("expires_at", Instant.class),
            budget(row));
    return new ApiKeyRow(
        Sql.text(row, "id"),
        Sql.text(row, "account_id"),
        Sql.text(row, "prefix"),
        row.get("name", String.class),
        limits,
        ApiKeyStatus.fromWireName(Sql.text(row, "status")),
        Sql.instant(row, "created_at"));
  }

  /** Binds a budget's amount and period at {@code index} and the next one (nulls for none). */
  static void bindBudget(Statement statement, int index, KeyLimits.@Nullable Budget budget) {
    Sql.bind(statement, index, budget == null ? null : budget.amountNanos(), Long.class);
    Sql.bind(
        statement, index + 1, budget == null ? null : budget.period().wireName(), String.class);
  }

  private static KeyLimits.@Nullable Budget budget(Readable row) {
    Long amount = row.get("budget_nanos", Long.class);
    String period = row.get("budget_period", String.class);
    return amount == null || period == null
        ? null
        : new KeyLimits.Budget(amount, BudgetPeriod.of(period));
  }
}
