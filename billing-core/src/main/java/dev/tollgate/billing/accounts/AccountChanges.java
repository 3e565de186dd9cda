package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The operator's changes to accounts and keys, each in one transaction with its audit entry: the
 * row is locked, changed, and the changed fields recorded before and after.
 */
public final class AccountChanges {

  /** The ledger categories (V7 constrains the column to them). */
  public static final Set<String> CATEGORIES =
      Set.of("usage", "topup", "bonus", "refund", "adjustment", "code");

  private static final String LOCK_ACCOUNT =
      "SELECT "
          + AccountQueries.COLUMNS
          + " FROM accounts WHERE id = $1 AND status <> 'deleted'"
          + " FOR UPDATE";

  // $5/$6: the plan's allowance and period, NULL to keep; $7: restart the period now (its end is
  // left to the renewal job: period_ends_at = start means "due", as for a new account), the full
  // new allowance left, and the renewal marked for Redis until it is known to have reached it.
  private static final String UPDATE_ACCOUNT =
      """
      UPDATE accounts
      SET name = $2, status = $3, discount_ppm = $4,
          allowance_nanos = coalesce($5, allowance_nanos),
          allowance_period = coalesce($6, allowance_period),
          period_started_at = CASE WHEN $7 THEN date_trunc('milliseconds', now())
                                   ELSE period_started_at END,
          period_anchor_at = CASE WHEN $7 THEN date_trunc('milliseconds', now())
                                  ELSE period_anchor_at END,
          period_ends_at = CASE WHEN $7 THEN date_trunc('milliseconds', now())
                                ELSE period_ends_at END,
          allowance_left_nanos = CASE WHEN $7 THEN coalesce($5, allowance_nanos)
                                      ELSE allowance_left_nanos END,
          allowance_redis_pending = allowance_redis_pending OR $7,
          updated_at = now()
      WHERE id = $1
      RETURNING
      """
          + AccountQueries.COLUMNS;

  private static final String FIND_ENTRY =
      "SELECT account_id, amount_nanos FROM ledger_entries WHERE type = $1 AND reference = $2";

  private static final String INSERT_ENTRY =
      "INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)"
          + " VALUES ($1, $2, $3, $4, $5)";

  private static final String MOVE_BALANCE =
      "UPDATE accounts SET balance_nanos = balance_nanos + $2, updated_at = now() WHERE id = $1"
          + " RETURNING balance_nanos";

  private static final String LOCK_KEY =
      "SELECT " + ApiKeyRepository.COLUMNS + " FROM api_keys WHERE id = $1 FOR UPDATE";

  private static final String UPDATE_KEY =
      "UPDATE api_keys SET name = $2, spend_cap_nanos = $3, rpm = $4, tpm = $5,"
          + " max_concurrent = $6, allowed_models = $7, expires_at = $8, budget_nanos = $9,"
          + " budget_period = $10 WHERE id = $1 RETURNING "
          + ApiKeyRepository.COLUMNS;

  private final ConnectionFactory connectionFactory;

  public AccountChanges(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * A new subscription plan.
   *
   * @param allowanceNanos granted each period
   * @param period an ISO-8601 period such as {@code P1M}
   * @param now restart the current period at once with the full new allowance; otherwise the new
   *     allowance applies from the next renewal, and the period must stay as it is (an account
   *     without a plan starts its first period at once either way)
   */
  public record Plan(long allowanceNanos, String period, boolean now) {

    public Plan {
      Objects.requireNonNull(period, "period");
      if (allowanceNanos < 0) {
        throw new IllegalArgumentException(
            "allowanceNanos: " + allowanceNanos + " (expected: >= 0)");
      }
    }
  }

  /** What to change on an account; {@code null}: keep. */
  public record AccountPatch(
      @Nullable String name,
      @Nullable AccountStatus status,
      @Nullable Long discountPpm,
      @Nullable Plan plan) {

    public AccountPatch {
      if (status == AccountStatus.DELETED) {
        throw new IllegalArgumentException(
            "status: deleted (expected: active or suspended; deletion is AccountDeletion's)");
      }
      if (discountPpm != null && (discountPpm < 0 || discountPpm > 1_000_000)) {
        throw new IllegalArgumentException(
            "discountPpm: " + discountPpm + " (expected: 0..1000000)");
      }
    }
  }

  /**
   * Changes an account's name, status or discount and records what changed.
   *
   * @return the account as updated; empty when it does not exist or is deleted
   */
  public Mono<AccountRow> update(String accountId, AccountPatch patch, AuditEntry.Context audit) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(patch, "patch");
    Objects.requireNonNull(audit, "audit");
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Sql.rows(
                    connection.createStatement(LOCK_ACCOUNT).bind(0, accountId),
                    AccountQueries::toAccount)
                .next()
                .flatMap(
                    old -> {
                      String name = patch.name() == null ? old.name() : patch.name();
                      AccountStatus status = patch.status() == null ? old.status() : patch.status();
                      long discount =
                          patch.discountPpm() == null ? old.discountPpm() : patch.discountPpm();
                      Map<String, @Nullable Object> before = new LinkedHashMap<>();
                      Map<String, @Nullable Object> after = new LinkedHashMap<>();
                      diff(before, after, "name", old.name(), name);
                      diff(before, after, "status", old.status().wireName(), status.wireName());
                      diff(before, after, "discount_ppm", old.discountPpm(), discount);
                      Plan plan = patch.plan();
                      boolean restart =
                          plan != null && (plan.now() || old.allowancePeriod() == null);
                      if (plan != null
                          && !restart
                          && !plan.period().equals(old.allowancePeriod())) {
                        return Mono.error(
                            new IllegalArgumentException(
                                "plan.period: '"
                                    + plan.period()
                                    + "' differs from the current '"
                                    + old.allowancePeriod()
                                    + "' (expected: the same period, or \"effective\": \"now\""
                                    + " to restart the period with the new plan)"));
                      }
                      if (plan != null) {
                        diff(
                            before,
                            after,
                            "allowance_nanos",
                            old.allowanceNanos(),
                            plan.allowanceNanos());
                        diff(
                            before,
                            after,
                            "allowance_period",
                            old.allowancePeriod(),
                            plan.period());
                      }
                      Statement update =
                          connection
                              .createStatement(UPDATE_ACCOUNT)
                              .bind(0, accountId)
                              .bind(1, name)
                              .bind(2, status.wireName())
                              .bind(3, discount)
                              .bind(6, restart);
                      Sql.bind(update, 4, plan == null ? null : plan.allowanceNanos(), Long.class);
                      Sql.bind(update, 5, plan == null ? null : plan.period(), String.class);
                      if (restart) {
                        before.put("period_started_at", old.periodStartedAt());
                        after.put("period_restarted", true);
                      }
                      return Sql.rows(update, AccountQueries::toAccount)
                          .next()
                          .flatMap(
                              row ->
                                  record(
                                          connection,
                                          audit.entry("account.update", accountId, before, after))
                                      .thenReturn(row));
                    }));
  }

  /** The outcome of {@link #move}: the balance in PostgreSQL, and whether it was a repeat. */
  public record Moved(long balanceNanos, boolean repeated) {}

  /** A debit that would take the balance below zero, which was not allowed. */
  public static final class BalanceTooLowException extends RuntimeException {

    private final long balanceNanos;

    BalanceTooLowException(long balanceNanos, long amountNanos) {
      super(
          "amount: a debit of "
              + amountNanos
              + " nanos from a balance of "
              + balanceNanos
              + " (expected: at most the balance, or allow_negative)");
      this.balanceNanos = balanceNanos;
    }

    public long balanceNanos() {
      return balanceNanos;
    }
  }

  /**
   * Puts money into or takes it out of an account, once per {@code (type, reference)}: the ledger
   * entry, the balance and the audit entry in one transaction. Amounts in the ledger are positive;
   * money out is a {@code debit}.
   *
   * @param type {@code credit}, {@code refund}, {@code adjustment} (money in) or {@code debit}
   * @param amountNanos {@code > 0}
   * @param allowNegative whether a debit may take the balance below zero
   * @return the new balance; a repeat of an applied move answers the balance as it is, {@code
   *     repeated}; empty when the account does not exist or is deleted. Fails with {@link
   *     IllegalStateException} when the reference was used for another account or amount, with
   *     {@link BalanceTooLowException} when a debit is not allowed to take the balance below zero.
   */
  public Mono<Moved> move(
      String accountId,
      String type,
      String category,
      long amountNanos,
      String reference,
      boolean allowNegative,
      AuditEntry.Context audit) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(audit, "audit");
    boolean debit = type.equals("debit");
    if (!debit && !Set.of("credit", "refund", "adjustment").contains(type)) {
      throw new IllegalArgumentException(
          "type: '" + type + "' (expected: credit, refund, adjustment or debit)");
    }
    if (!CATEGORIES.contains(category)) {
      throw new IllegalArgumentException(
          "category: '" + category + "' (expected: one of " + CATEGORIES + ")");
    }
    if (amountNanos <= 0) {
      throw new IllegalArgumentException("amountNanos: " + amountNanos + " (expected: > 0)");
    }
    long signed = debit ? -amountNanos : amountNanos;
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Sql.rows(
                    connection.createStatement(LOCK_ACCOUNT).bind(0, accountId),
                    AccountQueries::toAccount)
                .next()
                .flatMap(
                    account ->
                        Sql.rows(
                                connection
                                    .createStatement(FIND_ENTRY)
                                    .bind(0, type)
                                    .bind(1, reference),
                                row ->
                                    accountId.equals(row.get(0, String.class))
                                        && Objects.equals(row.get(1, Long.class), amountNanos))
                            .next()
                            .flatMap(
                                same ->
                                    same
                                        ? Mono.just(new Moved(account.balanceNanos(), true))
                                        : Mono.error(
                                            conflict(type, reference, accountId, amountNanos)))
                            .switchIfEmpty(
                                Mono.defer(
                                    () -> {
                                      long balance = account.balanceNanos();
                                      if (debit && !allowNegative && balance < amountNanos) {
                                        return Mono.error(
                                            new BalanceTooLowException(balance, amountNanos));
                                      }
                                      return apply(
                                          connection,
                                          account,
                                          type,
                                          category,
                                          amountNanos,
                                          signed,
                                          reference,
                                          audit);
                                    }))));
  }

  /** Whether a ledger entry with this type and reference exists. */
  public Mono<Boolean> hasEntry(String type, String reference) {
    return Sql.withConnectionMany(
            connectionFactory,
            connection ->
                Sql.rows(
                    connection.createStatement(FIND_ENTRY).bind(0, type).bind(1, reference),
                    row -> true))
        .hasElements();
  }

  private static Mono<Moved> apply(
      Connection connection,
      AccountRow account,
      String type,
      String category,
      long amountNanos,
      long signed,
      String reference,
      AuditEntry.Context audit) {
    Statement entry =
        connection
            .createStatement(INSERT_ENTRY)
            .bind(0, account.id())
            .bind(1, type)
            .bind(2, category)
            .bind(3, amountNanos)
            .bind(4, reference);
    return Sql.rowsUpdated(entry.execute())
        .then(
            Sql.rows(
                    connection.createStatement(MOVE_BALANCE).bind(0, account.id()).bind(1, signed),
                    row -> Sql.longOf(row, "balance_nanos"))
                .next())
        .flatMap(
            balance -> {
              Map<String, @Nullable Object> before = new LinkedHashMap<>();
              before.put("balance_nanos", account.balanceNanos());
              Map<String, @Nullable Object> after = new LinkedHashMap<>();
              after.put("balance_nanos", balance);
              after.put("type", type);
              after.put("category", category);
              after.put("amount_nanos", signed);
              after.put("reference", reference);
              return record(connection, audit.entry("account.ledger", account.id(), before, after))
                  .thenReturn(new Moved(balance, false));
            });
  }

  /** What to set on a key: its name and every limit, as they are to be. */
  public record KeyEdit(@Nullable String name, KeyLimits limits) {

    public KeyEdit {
      Objects.requireNonNull(limits, "limits");
    }
  }

  /**
   * Changes a key's name and limits: {@code edit} gets the key as stored (locked) and answers what
   * it is to be. Records what changed.
   *
   * @return the key as updated; empty when there is no such key
   */
  public Mono<ApiKeyRow> editKey(
      String keyId, Function<ApiKeyRow, KeyEdit> edit, AuditEntry.Context audit) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(edit, "edit");
    Objects.requireNonNull(audit, "audit");
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Sql.rows(connection.createStatement(LOCK_KEY).bind(0, keyId), ApiKeyRepository::toRow)
                .next()
                .flatMap(
                    old -> {
                      KeyEdit next = edit.apply(old);
                      KeyLimits was = old.limits();
                      KeyLimits is = next.limits();
                      Map<String, @Nullable Object> before = new LinkedHashMap<>();
                      Map<String, @Nullable Object> after = new LinkedHashMap<>();
                      diff(before, after, "name", old.name(), next.name());
                      diff(
                          before,
                          after,
                          "spend_cap_nanos",
                          was.spendCapNanos(),
                          is.spendCapNanos());
                      diff(before, after, "rpm", was.rpm(), is.rpm());
                      diff(before, after, "tpm", was.tpm(), is.tpm());
                      diff(
                          before, after, "max_concurrent", was.maxConcurrent(), is.maxConcurrent());
                      diff(before, after, "models", was.allowedModels(), is.allowedModels());
                      diff(before, after, "expires_at", was.expiresAt(), is.expiresAt());
                      diff(
                          before,
                          after,
                          "budget_nanos",
                          was.budget() == null ? null : was.budget().amountNanos(),
                          is.budget() == null ? null : is.budget().amountNanos());
                      diff(
                          before,
                          after,
                          "budget_period",
                          was.budget() == null ? null : was.budget().period().wireName(),
                          is.budget() == null ? null : is.budget().period().wireName());
                      Statement update = connection.createStatement(UPDATE_KEY).bind(0, keyId);
                      Sql.bind(update, 1, next.name(), String.class);
                      Sql.bind(update, 2, is.spendCapNanos(), Long.class);
                      Sql.bind(update, 3, is.rpm(), Integer.class);
                      Sql.bind(update, 4, is.tpm(), Integer.class);
                      Sql.bind(update, 5, is.maxConcurrent(), Integer.class);
                      Sql.bind(
                          update,
                          6,
                          is.allowedModels().isEmpty()
                              ? null
                              : is.allowedModels().toArray(String[]::new),
                          String[].class);
                      Sql.bind(update, 7, is.expiresAt(), Instant.class);
                      ApiKeyRepository.bindBudget(update, 8, is.budget());
                      return Sql.rows(update, ApiKeyRepository::toRow)
                          .next()
                          .flatMap(
                              row ->
                                  record(
                                          connection,
                                          audit.entry("key.update", keyId, before, after))
                                      .thenReturn(row));
                    }));
  }

  /** Records the entry unless nothing changed. */
  private static Mono<Void> record(Connection connection, AuditEntry entry) {
    if (entry.before().isEmpty() && entry.after().isEmpty()) {
      return Mono.empty();
    }
    return AuditLog.record(connection, entry);
  }

  private static void diff(
      Map<String, @Nullable Object> before,
      Map<String, @Nullable Object> after,
      String field,
      @Nullable Object was,
      @Nullable Object is) {
    if (!Objects.equals(was, is)) {
      before.put(field, was);
      after.put(field, is);
    }
  }

  private static IllegalStateException conflict(
      String type, String reference, String accountId, long amountNanos) {
    return new IllegalStateException(
        type
            + " reference '"
            + reference
            + "' (expected: unused, or used before by the same "
            + amountNanos
            + " nanos to "
            + accountId
            + "; it was used for another account or amount)");
  }
}
