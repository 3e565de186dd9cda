package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Payments from the payment provider, durable first: each is committed in PostgreSQL with its
 * ledger entry and balance change in one transaction, and applied to the Redis balance afterwards
 * by a reconciler ({@link #unapplied}, {@link #markApplied}).
 *
 * <ul>
 *   <li>{@code succeeded}: a {@code credit} entry (category {@code topup}, reference the
 *       transaction id) and the balance raised.
 *   <li>{@code refunded} (money given back to the customer, under the refund's own transaction id):
 *       a {@code debit} entry (category {@code refund}, reference {@code
 *       payment-refund:<transaction id>}, a namespace no request id uses) and the balance lowered.
 *       The balance may go negative in PostgreSQL when the refunded money was spent already: there
 *       is no CHECK on it on purpose (see V1), and the operator settles the difference.
 *   <li>{@code failed}: the payment row only.
 * </ul>
 *
 * <p>Every account is kept in one currency, given to the constructor. A payment in any other
 * currency is refused whatever its status: it is recorded with the refusal {@link
 * #CURRENCY_MISMATCH} and moves nothing (no ledger entry, no balance change, never applied to
 * Redis), so that a repeat of its transaction id is refused the same way. Never credited one to
 * one: JPY 1000 is not USD 1000.
 */
public final class PaymentRepository {

  /** The statuses a payment may be recorded with. */
  public static final Set<String> STATUSES = Set.of("succeeded", "failed", "refunded");

  /** The ledger reference prefix of a payment refund's debit. */
  public static final String REFUND_REFERENCE_PREFIX = "payment-refund:";

  /** The refusal of a payment in another currency than the accounts'. */
  public static final String CURRENCY_MISMATCH = "currency_mismatch";

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private static final String COLUMNS =
      "id, provider_transaction_id, account_id, amount_nanos, currency, status, applied_to_redis,"
          + " created_at, refusal";

  private static final String INSERT =
      "INSERT INTO payments"
          + " (provider_transaction_id, account_id, amount_nanos, currency, status, refusal)"
          + " VALUES ($1, $2, $3, $4, $5, $6)"
          + " ON CONFLICT (provider_transaction_id) DO NOTHING RETURNING "
          + COLUMNS;

  private static final String FIND =
      "SELECT " + COLUMNS + " FROM payments WHERE provider_transaction_id = $1";

  // No ON CONFLICT: the payment row was just inserted, so an entry with this reference already
  // there is a broken invariant (e.g. the same id credited by another path); the transaction fails.
  private static final String MOVE =
      """
      WITH entry AS (
          INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)
          VALUES ($1, $2, $3, $4, $5)
          RETURNING account_id)
      UPDATE accounts AS a
      SET balance_nanos = a.balance_nanos + $6, updated_at = now()
      FROM entry
      WHERE a.id = entry.account_id
      RETURNING a.balance_nanos
      """;

  private static final String UNAPPLIED =
      "SELECT "
          + COLUMNS
          + " FROM payments WHERE NOT applied_to_redis AND status IN ('succeeded', 'refunded')"
          + " AND refusal IS NULL ORDER BY created_at, id LIMIT $1";

  private static final String MARK_APPLIED =
      "UPDATE payments SET applied_to_redis = true"
          + " WHERE provider_transaction_id = $1 AND NOT applied_to_redis";

  private final ConnectionFactory connectionFactory;
  private final String accountCurrency;

  /**
   * @param accountCurrency the currency every account is kept in (ISO 4217, e.g. {@code USD})
   */
  public PaymentRepository(ConnectionFactory connectionFactory, String accountCurrency) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
    Objects.requireNonNull(accountCurrency, "accountCurrency");
    if (!CURRENCY.matcher(accountCurrency).matches()) {
      throw new IllegalArgumentException(
          "accountCurrency: '" + accountCurrency + "' (expected: an ISO 4217 code like EUR)");
    }
    this.accountCurrency = accountCurrency;
  }

  /** The currency every account is kept in; payments in any other are refused. */
  public String accountCurrency() {
    return accountCurrency;
  }

  /**
   * Records a payment once per provider transaction id, with its ledger entry and balance change,
   * in one transaction; a payment in another currency than {@link #accountCurrency} is recorded as
   * refused and moves nothing (see {@link PaymentRow#refused}).
   *
   * @param amountNanos {@code > 0}, in the account currency
   * @param currency ISO 4217, e.g. {@code EUR}
   * @param status {@code succeeded}, {@code failed} or {@code refunded}
   * @return the result; on a repeat the payment recorded first, with {@code repeated = true}. Fails
   *     with {@link IllegalStateException} when the id was recorded before with another account,
   *     amount, currency or status (a conflicting repeat is a bug upstream, not a retry), and with
   *     the driver's integrity violation when the account does not exist.
   */
  public Mono<PaymentResult> record(
      String providerTransactionId,
      String accountId,
      long amountNanos,
      String currency,
      String status) {
    Objects.requireNonNull(providerTransactionId, "providerTransactionId");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(status, "status");
    if (providerTransactionId.isBlank()) {
      throw new IllegalArgumentException("providerTransactionId: '' (expected: non-blank)");
    }
    if (amountNanos <= 0) {
      throw new IllegalArgumentException("amountNanos: " + amountNanos + " (expected: > 0)");
    }
    if (!CURRENCY.matcher(currency).matches()) {
      throw new IllegalArgumentException(
          "currency: '" + currency + "' (expected: an ISO 4217 code like EUR)");
    }
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException(
          "status: '" + status + "' (expected: succeeded, failed or refunded)");
    }
    boolean foreign = !currency.equals(accountCurrency);
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Sql.rows(
                    bindRefusal(
                        connection
                            .createStatement(INSERT)
                            .bind(0, providerTransactionId)
                            .bind(1, accountId)
                            .bind(2, amountNanos)
                            .bind(3, currency)
                            .bind(4, status),
                        foreign),
                    PaymentRepository::toRow)
                .next()
                .flatMap(inserted -> apply(connection, inserted))
                .switchIfEmpty(
                    Mono.defer(
                        () ->
                            repeat(
                                connection,
                                providerTransactionId,
                                accountId,
                                amountNanos,
                                currency,
                                status))));
  }

  /** Committed payments that move money and have not reached Redis yet, oldest first. */
  public Flux<PaymentRow> unapplied(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
    }
    return Sql.withConnectionMany(
        connectionFactory,
        connection ->
            Sql.rows(
                connection.createStatement(UNAPPLIED).bind(0, limit), PaymentRepository::toRow));
  }

  /**
   * Notes that a payment has been applied to Redis.
   *
   * @return whether it changed (false: unknown, or marked before)
   */
  public Mono<Boolean> markApplied(String providerTransactionId) {
    Objects.requireNonNull(providerTransactionId, "providerTransactionId");
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Sql.rowsUpdated(
                        connection
                            .createStatement(MARK_APPLIED)
                            .bind(0, providerTransactionId)
                            .execute())
                    .flux())
        .next()
        .map(n -> n > 0);
  }

  private static Statement bindRefusal(Statement insert, boolean foreign) {
    Sql.bind(insert, 5, foreign ? CURRENCY_MISMATCH : null, String.class);
    return insert;
  }

  private static Mono<PaymentResult> apply(Connection connection, PaymentRow payment) {
    if (payment.refused()) {
      return Mono.just(new PaymentResult(payment, false, null));
    }
    boolean topUp = payment.status().equals("succeeded");
    if (!topUp && !payment.status().equals("refunded")) {
      return Mono.just(new PaymentResult(payment, false, null));
    }
    String txid = payment.providerTransactionId();
    return Sql.rows(
            connection
                .createStatement(MOVE)
                .bind(0, payment.accountId())
                .bind(1, topUp ? "credit" : "debit")
                .bind(2, topUp ? "topup" : "refund")
                .bind(3, payment.amountNanos())
                .bind(4, topUp ? txid : REFUND_REFERENCE_PREFIX + txid)
                .bind(5, topUp ? payment.amountNanos() : -payment.amountNanos()),
            row -> Sql.longOf(row, "balance_nanos"))
        .next()
        .map(balance -> new PaymentResult(payment, false, balance))
        .switchIfEmpty(
            Mono.error(
                () ->
                    new IllegalStateException(
                        "account '" + payment.accountId() + "' (expected: to exist)")));
  }

  private static Mono<PaymentResult> repeat(
      Connection connection,
      String providerTransactionId,
      String accountId,
      long amountNanos,
      String currency,
      String status) {
    return Sql.rows(
            connection.createStatement(FIND).bind(0, providerTransactionId),
            PaymentRepository::toRow)
        .next()
        .flatMap(
            first -> {
              if (first.accountId().equals(accountId)
                  && first.amountNanos() == amountNanos
                  && first.currency().equals(currency)
                  && first.status().equals(status)) {
                return Mono.just(new PaymentResult(first, true, null));
              }
              return Mono.error(
                  new IllegalStateException(
                      "payment '"
                          + providerTransactionId
                          + "' (expected: new, or a repeat of the same payment; it was recorded"
                          + " before as "
                          + first.status()
                          + " "
                          + first.amountNanos()
                          + " "
                          + first.currency()
                          + " nanos to "
                          + first.accountId()
                          + ")"));
            });
  }

  private static PaymentRow toRow(Readable row) {
    return new PaymentRow(
        Sql.longOf(row, "id"),
        Sql.text(row, "provider_transaction_id"),
        Sql.text(row, "account_id"),
        Sql.longOf(row, "amount_nanos"),
        Sql.text(row, "currency"),
        Sql.text(row, "status"),
        Objects.requireNonNull(row.get("applied_to_redis", Boolean.class), "applied_to_redis"),
        Sql.instant(row, "created_at"),
        row.get("refusal", String.class));
  }
}
