package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** An account's ledger, newest first ({@code id desc}), by keyset pagination. */
public final class LedgerQueries {

  /** The largest page a caller may ask for. */
  public static final int MAX_PAGE = 1000;

  private static final String FIRST =
      """
      SELECT id, account_id, type, category, amount_nanos, reference, created_at
      FROM ledger_entries WHERE account_id = $1
      ORDER BY id DESC LIMIT $2
      """;

  private static final String NEXT =
      """
      SELECT id, account_id, type, category, amount_nanos, reference, created_at
      FROM ledger_entries WHERE account_id = $1 AND id < $3
      ORDER BY id DESC LIMIT $2
      """;

  private final ConnectionFactory connectionFactory;

  public LedgerQueries(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * One page of an account's ledger entries.
   *
   * @param cursor the {@link Page#nextCursor()} of the previous page; {@code null} for the first
   * @param limit rows per page, 1 to {@value #MAX_PAGE}
   */
  public Mono<Page<LedgerRow>> page(String accountId, @Nullable String cursor, int limit) {
    Objects.requireNonNull(accountId, "accountId");
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_PAGE + ")");
    }
    Long after = cursor == null ? null : Cursors.ledger(cursor);
    return Sql.withConnectionMany(
            connectionFactory,
            connection -> {
              Statement statement =
                  connection
                      .createStatement(after == null ? FIRST : NEXT)
                      .bind(0, accountId)
                      .bind(1, limit + 1);
              if (after != null) {
                statement.bind(2, after);
              }
              return Sql.rows(statement, LedgerQueries::toRow);
            })
        .collectList()
        .map(
            rows ->
                rows.size() <= limit
                    ? new Page<>(rows, null)
                    : new Page<>(rows.subList(0, limit), Cursors.ledger(rows.get(limit - 1).id())));
  }

  private static LedgerRow toRow(Readable row) {
    return new LedgerRow(
        Sql.longOf(row, "id"),
        Sql.text(row, "account_id"),
        Sql.text(row, "type"),
        Sql.text(row, "category"),
        Sql.longOf(row, "amount_nanos"),
        Sql.text(row, "reference"),
        Sql.instant(row, "created_at"));
  }
}
