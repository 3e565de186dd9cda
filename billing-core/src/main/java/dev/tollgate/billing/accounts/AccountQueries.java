package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** The operator's listing of accounts, newest first, by keyset on {@code (created_at, id)}. */
public final class AccountQueries {

  /** The largest page a caller may ask for. */
  public static final int MAX_PAGE = 1000;

  static final String COLUMNS =
      """
      id, name, owner_subject, balance_nanos, allowance_nanos, allowance_left_nanos,
      allowance_period, discount_ppm, status, period_started_at, created_at
      """;

  // Case-insensitive part of the name; id and owner exactly (both are identifiers).
  private static final String MATCHES =
      " AND (id = $%d OR owner_subject = $%<d OR strpos(lower(name), lower($%<d)) > 0)";

  private final ConnectionFactory connectionFactory;

  public AccountQueries(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /** An account and when it was created. */
  public record Listed(AccountRow account, java.time.Instant createdAt) {}

  /**
   * One page of accounts, newest first.
   *
   * @param query matches the id or owner exactly, or part of the name; every account when null
   * @param status only accounts with this status, or every one when null
   * @param cursor the {@link Page#nextCursor()} of the previous page; {@code null} for the first
   * @param limit rows per page, 1 to {@value #MAX_PAGE}
   */
  public Mono<Page<Listed>> page(
      @Nullable String query, @Nullable AccountStatus status, @Nullable String cursor, int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_PAGE + ")");
    }
    Cursors.UsageKey after = cursor == null ? null : Cursors.usage(cursor);
    // The conditions are fixed fragments, chosen by which filters are given; values are bound.
    StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM accounts");
    sql.append(" WHERE true");
    List<Object> values = new ArrayList<>();
    if (query != null) {
      values.add(query);
      sql.append(String.format(MATCHES, values.size()));
    }
    if (status != null) {
      values.add(status.wireName());
      sql.append(" AND status = $").append(values.size());
    }
    if (after != null) {
      values.add(after.startedAt());
      values.add(after.requestId());
      sql.append(" AND (created_at, id) < ($")
          .append(values.size() - 1)
          .append(", $")
          .append(values.size())
          .append(')');
    }
    values.add(limit + 1);
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT $").append(values.size());
    String text = sql.toString();
    return Sql.withConnectionMany(
            connectionFactory,
            connection -> {
              Statement statement = connection.createStatement(text);
              for (int i = 0; i < values.size(); i++) {
                statement.bind(i, values.get(i));
              }
              return Sql.rows(statement, AccountQueries::toListed);
            })
        .collectList()
        .map(
            rows -> {
              if (rows.size() <= limit) {
                return new Page<>(rows, null);
              }
              Listed last = rows.get(limit - 1);
              return new Page<>(
                  rows.subList(0, limit), Cursors.usage(last.createdAt(), last.account().id()));
            });
  }

  static Listed toListed(Readable row) {
    return new Listed(toAccount(row), Sql.instant(row, "created_at"));
  }

  static AccountRow toAccount(Readable row) {
    return new AccountRow(
        Sql.text(row, "id"),
        Sql.text(row, "name"),
        row.get("owner_subject", String.class),
        Sql.longOf(row, "balance_nanos"),
        Sql.longOf(row, "allowance_nanos"),
        Sql.longOf(row, "allowance_left_nanos"),
        row.get("allowance_period", String.class),
        Sql.longOf(row, "discount_ppm"),
        AccountStatus.fromWireName(Sql.text(row, "status")),
        row.get("period_started_at", java.time.Instant.class));
  }
}
