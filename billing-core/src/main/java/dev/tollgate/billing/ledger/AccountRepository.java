package dev.tollgate.billing.ledger;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Accounts in PostgreSQL, and money put into them: top-ups, refunds, adjustments. */
public final class AccountRepository {

  /** The ledger entry types that add to a balance; {@code debit} is the flusher's alone. */
  public static final Set<String> CREDIT_TYPES = Set.of("credit", "refund", "adjustment");

  private static final String KEY_SPEND =
      "SELECT id, spent_nanos FROM api_keys WHERE account_id = $1 AND spent_nanos > 0";

  private static final String FIND =
      """
      SELECT id, name, owner_subject, balance_nanos, allowance_nanos, allowance_left_nanos,
             allowance_period, discount_ppm, status, period_started_at
      FROM accounts WHERE id = $1
      """;

  // Deleted accounts have no owner (AccountDeletion clears it); the filter says so explicitly.
  private static final String FIND_BY_OWNER =
      """
      SELECT id, name, owner_subject, balance_nanos, allowance_nanos, allowance_left_nanos,
             allowance_period, discount_ppm, status, period_started_at
      FROM accounts WHERE owner_subject = $1 AND status <> 'deleted'
      ORDER BY created_at, id LIMIT 1
      """;

  // A plan's first period starts now (to the millisecond, as Redis records periods). Its end is
  // left to the renewal job, which works out period ends: period_ends_at = start means "due".
  private static final String ENSURE =
      """
      INSERT INTO accounts (id, name, owner_subject, balance_nanos, allowance_nanos,
                            allowance_left_nanos, allowance_period, period_started_at,
                            period_anchor_at, period_ends_at, discount_ppm, status)
      SELECT $1, $2, $3, $4, $5, $6, $7::text, s.start, s.start, s.start, $8, $9
      FROM (SELECT CASE WHEN $7::text IS NULL THEN NULL
                        ELSE date_trunc('milliseconds', now()) END AS start) AS s
      ON CONFLICT (id) DO NOTHING
      """;

  // One statement, hence one transaction: the balance moves only if the entry was inserted.
  private static final String CREDIT =
      """
      WITH entry AS (
          INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)
          VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (type, reference) DO NOTHING
          RETURNING account_id, amount_nanos)
      UPDATE accounts AS a
      SET balance_nanos = a.balance_nanos + entry.amount_nanos, updated_at = now()
      FROM entry
      WHERE a.id = entry.account_id
      RETURNING a.balance_nanos
      """;

  // Never revives a deleted account; the discount is kept when none is given ($3 NULL).
  private static final String UPDATE_STATUS =
      """
      UPDATE accounts
      SET status = $2, discount_ppm = coalesce($3, discount_ppm), updated_at = now()
      WHERE id = $1 AND status <> 'deleted'
      RETURNING id, name, owner_subject, balance_nanos, allowance_nanos, allowance_left_nanos,
                allowance_period, discount_ppm, status, period_started_at
      """;

  private static final String FIND_PERIOD_ANCHOR =
      "SELECT period_anchor_at FROM accounts WHERE id = $1 AND period_anchor_at IS NOT NULL";

  private static final String FIND_ENTRY =
      "SELECT account_id, amount_nanos FROM ledger_entries WHERE type = $1 AND reference = $2";

  private final ConnectionFactory connectionFactory;

  public AccountRepository(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /** The account, or empty when there is none with this id. */
  public Mono<AccountRow> find(String accountId) {
    Objects.requireNonNull(accountId, "accountId");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Flux.from(connection.createStatement(FIND).bind(0, accountId).execute())
                .concatMap(result -> result.map(AccountRepository::toAccount))
                .next());
  }

  /**
   * When the account's first allowance period started: periods are counted from it (so that P1M
   * from 31 January renews on 28 February and again on 31 March). Empty without an allowance plan.
   */
  public Mono<Instant> periodAnchor(String accountId) {
    Objects.requireNonNull(accountId, "accountId");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Flux.from(connection.createStatement(FIND_PERIOD_ANCHOR).bind(0, accountId).execute())
                .concatMap(result -> result.map(row -> row.get("period_anchor_at", Instant.class)))
                .next());
  }

  /**
   * What each of the account's stored keys has been charged in all, as the ledger recorded it, by
   * key id; keys that spent nothing are left out.
   */
  public Mono<Map<String, Long>> keySpend(String accountId) {
    Objects.requireNonNull(accountId, "accountId");
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Flux.from(connection.createStatement(KEY_SPEND).bind(0, accountId).execute())
                    .concatMap(
                        result ->
                            result.map(
                                (row, metadata) ->
                                    Map.entry(
                                        Objects.requireNonNull(row.get(0, String.class)),
                                        Objects.requireNonNull(row.get(1, Long.class))))))
        .collectMap(Map.Entry::getKey, Map.Entry::getValue);
  }

  /**
   * The account owned by this subject (the identity provider's {@code sub}), or empty when it owns
   * none that is not deleted. Should a subject own several, the oldest is answered.
   */
  public Mono<AccountRow> findByOwner(String ownerSubject) {
    Objects.requireNonNull(ownerSubject, "ownerSubject");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Flux.from(connection.createStatement(FIND_BY_OWNER).bind(0, ownerSubject).execute())
                .concatMap(result -> result.map(AccountRepository::toAccount))
                .next());
  }

  /**
   * Creates the account unless one with its id exists (which is then left as it is), as used for
   * the demo account at start-up.
   *
   * @return whether it was created
   */
  public Mono<Boolean> ensure(AccountRow account) {
    Objects.requireNonNull(account, "account");
    return Sql.withConnection(
        connectionFactory,
        connection -> {
          Statement statement =
              connection.createStatement(ENSURE).bind(0, account.id()).bind(1, account.name());
          bindNullable(statement, 2, account.ownerSubject());
          statement
              .bind(3, account.balanceNanos())
              .bind(4, account.allowanceNanos())
              .bind(5, account.allowanceLeftNanos());
          bindNullable(statement, 6, account.allowancePeriod());
          statement.bind(7, account.discountPpm()).bind(8, account.status().wireName());
          return Sql.rowsUpdated(Flux.from(statement.execute())).map(n -> n == 1);
        });
  }

  /** A new account id: {@code acct_} and 20 hex digits. Ids are not secrets. */
  public static String newId() {
    byte[] bytes = new byte[10];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "acct_" + HexFormat.of().formatHex(bytes);
  }

  /**
   * Sets an account's status and, when given, its discount. A deleted account is left alone.
   *
   * @param discountPpm the new discount in parts per million, or {@code null} to keep it
   * @return the account as updated; empty when it does not exist or is deleted
   */
  public Mono<AccountRow> updateStatus(
      String accountId, AccountStatus status, @Nullable Long discountPpm) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(status, "status");
    if (status == AccountStatus.DELETED) {
      throw new IllegalArgumentException(
          "status: deleted (expected: active or suspended; deletion is AccountDeletion's)");
    }
    if (discountPpm != null && (discountPpm < 0 || discountPpm > 1_000_000)) {
      throw new IllegalArgumentException("discountPpm: " + discountPpm + " (expected: 0..1000000)");
    }
    return Sql.withConnection(
        connectionFactory,
        connection -> {
          Statement statement =
              connection
                  .createStatement(UPDATE_STATUS)
                  .bind(0, accountId)
                  .bind(1, status.wireName());
          if (discountPpm == null) {
            statement.bindNull(2, Long.class);
          } else {
            statement.bind(2, discountPpm);
          }
          return Flux.from(statement.execute())
              .concatMap(result -> result.map(AccountRepository::toAccount))
              .next();
        });
  }

  /**
   * Puts money into an account, once per {@code (type, reference)}: inserts the ledger entry and
   * raises the balance, atomically. A repeat with the same type and reference changes nothing.
   *
   * @param reference the idempotency key, e.g. the payment provider's transaction id
   * @param type {@code credit}, {@code refund} or {@code adjustment}
   * @param amountNanos what to add, {@code > 0}
   * @param category what the money is for, e.g. {@code topup}
   * @return the new balance; empty when this credit had been applied before. Fails when the
   *     reference was used before for another account or amount, or the account does not exist.
   */
  public Mono<Long> credit(
      String accountId, String reference, String type, long amountNanos, String category) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(category, "category");
    if (!CREDIT_TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "type: '" + type + "' (expected: credit, refund or adjustment)");
    }
    if (amountNanos <= 0) {
      throw new IllegalArgumentException("amountNanos: " + amountNanos + " (expected: > 0)");
    }
    return Sql.withConnection(
        connectionFactory,
        connection -> {
          Statement credit =
              connection
                  .createStatement(CREDIT)
                  .bind(0, accountId)
                  .bind(1, type)
                  .bind(2, category)
                  .bind(3, amountNanos)
                  .bind(4, reference);
          Mono<Long> repeat =
              Flux.from(
                      connection
                          .createStatement(FIND_ENTRY)
                          .bind(0, type)
                          .bind(1, reference)
                          .execute())
                  .concatMap(
                      result ->
                          result.map(
                              row ->
                                  accountId.equals(row.get(0, String.class))
                                      && Objects.equals(row.get(1, Long.class), amountNanos)))
                  .next()
                  .flatMap(
                      same ->
                          same
                              ? Mono.empty()
                              : Mono.error(
                                  new IllegalStateException(
                                      type
                                          + " reference '"
                                          + reference
                                          + "' (expected: unused, or used before by the same "
                                          + amountNanos
                                          + " nanos to "
                                          + accountId
                                          + "; it was used for another account or amount)")));
          return Flux.from(credit.execute())
              .concatMap(result -> result.map(row -> row.get(0, Long.class)))
              .next()
              .switchIfEmpty(repeat);
        });
  }

  private static void bindNullable(Statement statement, int index, @Nullable String value) {
    if (value == null) {
      statement.bindNull(index, String.class);
    } else {
      statement.bind(index, value);
    }
  }

  private static AccountRow toAccount(Readable row) {
    return new AccountRow(
        Objects.requireNonNull(row.get("id", String.class)),
        Objects.requireNonNull(row.get("name", String.class)),
        row.get("owner_subject", String.class),
        longOf(row, "balance_nanos"),
        longOf(row, "allowance_nanos"),
        longOf(row, "allowance_left_nanos"),
        row.get("allowance_period", String.class),
        longOf(row, "discount_ppm"),
        AccountStatus.fromWireName(Objects.requireNonNull(row.get("status", String.class))),
        row.get("period_started_at", Instant.class));
  }

  private static long longOf(Readable row, String column) {
    return Objects.requireNonNull(row.get(column, Long.class), column);
  }
}
