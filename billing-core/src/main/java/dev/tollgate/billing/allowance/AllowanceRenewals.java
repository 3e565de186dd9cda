package dev.tollgate.billing.allowance;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The PostgreSQL side of allowance renewal: which accounts are due, the renewal itself (one
 * statement, so one transaction, guarded by the period start it was computed from), and the
 * renewals not yet known to have reached Redis ({@code allowance_redis_pending}).
 */
public final class AllowanceRenewals {

  private static final String DUE =
      """
      SELECT id, allowance_nanos, allowance_period, period_started_at,
             date_trunc('milliseconds',
                        coalesce(period_anchor_at, period_started_at, created_at)) AS anchor
      FROM accounts
      WHERE allowance_period IS NOT NULL AND status <> 'deleted' AND period_ends_at <= $1
      ORDER BY period_ends_at
      LIMIT $2
      """;

  // Unused allowance does not roll over: the new period starts with the full allowance. The
  // optimistic check on the old start makes a second instance's renewal of the same period a no-op.
  private static final String RENEW =
      """
      UPDATE accounts
      SET period_started_at = $2, period_anchor_at = $3, period_ends_at = $4,
          allowance_left_nanos = allowance_nanos, allowance_redis_pending = true,
          updated_at = now()
      WHERE id = $1 AND period_started_at IS NOT DISTINCT FROM $5 AND allowance_period = $6
        AND status <> 'deleted'
      RETURNING allowance_nanos
      """;

  private static final String SET_END =
      """
      UPDATE accounts
      SET period_anchor_at = $3, period_ends_at = $4, updated_at = now()
      WHERE id = $1 AND period_started_at = $2 AND period_started_at IS NOT DISTINCT FROM $5
        AND allowance_period = $6
      """;

  private static final String STOP =
      "UPDATE accounts SET period_ends_at = NULL WHERE id = $1 AND allowance_period = $2";

  private static final String PENDING =
      """
      SELECT id, allowance_nanos, period_started_at
      FROM accounts
      WHERE allowance_redis_pending AND status <> 'deleted' AND period_started_at IS NOT NULL
      ORDER BY id
      LIMIT $1
      """;

  private static final String APPLIED =
      """
      UPDATE accounts SET allowance_redis_pending = false
      WHERE id = $1 AND period_started_at = $2
      """;

  private final ConnectionFactory connectionFactory;

  public AllowanceRenewals(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * A renewal committed in PostgreSQL, to be brought to Redis.
   *
   * @param periodStart the period the account is in now
   */
  public record Renewed(String accountId, Instant periodStart, long allowanceNanos) {
    public Renewed {
      Objects.requireNonNull(accountId, "accountId");
      Objects.requireNonNull(periodStart, "periodStart");
    }
  }

  /** Up to {@code limit} accounts with a plan whose period ended by {@code now}, oldest first. */
  public Flux<DueAccount> due(Instant now, int limit) {
    Objects.requireNonNull(now, "now");
    requirePositive(limit);
    return Sql.withConnectionMany(
        connectionFactory,
        connection ->
            Sql.rows(
                connection.createStatement(DUE).bind(0, now).bind(1, limit),
                AllowanceRenewals::toDue));
  }

  /**
   * Starts {@code window} on the account: its period start and end, and its allowance left back to
   * the full allowance; marks the renewal as pending in Redis.
   *
   * @return the renewal; empty when the account changed since it was read (renewed by another
   *     instance, its plan changed, deleted)
   */
  public Mono<Renewed> renew(DueAccount account, AllowancePeriods.Window window) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(window, "window");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Sql.rows(
                    guarded(connection.createStatement(RENEW), account, window),
                    row -> Sql.longOf(row, "allowance_nanos"))
                .next()
                .map(allowance -> new Renewed(account.id(), window.start(), allowance)));
  }

  /**
   * Records the end (and anchor) of the period the account is already in, when it was not worked
   * out yet; nothing else changes. Returns whether the account was updated.
   */
  public Mono<Boolean> setEnd(DueAccount account, AllowancePeriods.Window window) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(window, "window");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Sql.rowsUpdated(guarded(connection.createStatement(SET_END), account, window).execute())
                .map(n -> n == 1));
  }

  /**
   * Takes an account whose plan has an unusable period out of renewal ({@code period_ends_at}
   * NULL), so that it does not come back every run.
   */
  public Mono<Void> stopRenewing(DueAccount account) {
    Objects.requireNonNull(account, "account");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Sql.rowsUpdated(
                    connection
                        .createStatement(STOP)
                        .bind(0, account.id())
                        .bind(1, account.allowancePeriod())
                        .execute())
                .then());
  }

  /** Up to {@code limit} renewals committed here but not yet known to have reached Redis. */
  public Flux<Renewed> pendingInRedis(int limit) {
    requirePositive(limit);
    return Sql.withConnectionMany(
        connectionFactory,
        connection ->
            Sql.rows(
                connection.createStatement(PENDING).bind(0, limit),
                row ->
                    new Renewed(
                        Sql.text(row, "id"),
                        Sql.instant(row, "period_started_at"),
                        Sql.longOf(row, "allowance_nanos"))));
  }

  /**
   * Records that the renewal reached Redis (or needs not: the account was not cached); a renewal of
   * a later period committed meanwhile stays pending.
   */
  public Mono<Void> appliedInRedis(Renewed renewed) {
    Objects.requireNonNull(renewed, "renewed");
    return Sql.withConnection(
        connectionFactory,
        connection ->
            Sql.rowsUpdated(
                    connection
                        .createStatement(APPLIED)
                        .bind(0, renewed.accountId())
                        .bind(1, renewed.periodStart())
                        .execute())
                .then());
  }

  private static Statement guarded(
      Statement statement, DueAccount account, AllowancePeriods.Window window) {
    statement
        .bind(0, account.id())
        .bind(1, window.start())
        .bind(2, account.anchor())
        .bind(3, window.end());
    Sql.bind(statement, 4, account.periodStartedAt(), Instant.class);
    return statement.bind(5, account.allowancePeriod());
  }

  private static DueAccount toDue(Readable row) {
    return new DueAccount(
        Sql.text(row, "id"),
        Sql.longOf(row, "allowance_nanos"),
        Sql.text(row, "allowance_period"),
        row.get("period_started_at", Instant.class),
        Sql.instant(row, "anchor"));
  }

  private static void requirePositive(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
    }
  }
}
