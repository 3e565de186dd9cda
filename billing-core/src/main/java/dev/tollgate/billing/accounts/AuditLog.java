package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The append-only audit trail ({@code audit_log}): who wrote what, when, for which request. Writes
 * that change PostgreSQL in one transaction record their entry in it ({@link #record(Connection,
 * AuditEntry)}); the others record it right after their change ({@link #record(AuditEntry)}).
 */
public final class AuditLog {

  /** The largest page a caller may ask for. */
  public static final int MAX_PAGE = 1000;

  private static final String INSERT =
      """
      INSERT INTO audit_log (actor, action, target, request_id, before, after)
      VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
      """;

  private static final String SELECT =
      "SELECT id, at, actor, action, target, request_id, before::text AS before_text,"
          + " after::text AS after_text FROM audit_log WHERE true";

  private final ConnectionFactory connectionFactory;

  public AuditLog(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /** Records an entry on its own connection, after the change it describes. */
  public Mono<Void> record(AuditEntry entry) {
    Objects.requireNonNull(entry, "entry");
    return Sql.withConnection(connectionFactory, connection -> record(connection, entry));
  }

  /** Records an entry in the connection's transaction, so that it commits with the change. */
  public static Mono<Void> record(Connection connection, AuditEntry entry) {
    Statement statement =
        connection
            .createStatement(INSERT)
            .bind(0, entry.actor())
            .bind(1, entry.action())
            .bind(2, entry.target());
    Sql.bind(statement, 3, entry.requestId(), String.class);
    Sql.bind(statement, 4, AuditJson.of(entry.before()), String.class);
    Sql.bind(statement, 5, AuditJson.of(entry.after()), String.class);
    return Sql.rowsUpdated(statement.execute()).then();
  }

  /**
   * One page of the trail, newest first.
   *
   * @param target only entries about this account or key, or every one when null
   * @param actor only entries by this actor, or every one when null
   * @param from only entries at or after this instant, or every one when null
   * @param cursor the {@link Page#nextCursor()} of the previous page; {@code null} for the first
   * @param limit rows per page, 1 to {@value #MAX_PAGE}
   */
  public Mono<Page<AuditRow>> page(
      @Nullable String target,
      @Nullable String actor,
      @Nullable Instant from,
      @Nullable String cursor,
      int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_PAGE + ")");
    }
    Long before = cursor == null ? null : Cursors.ledger(cursor);
    // The conditions are fixed fragments, chosen by which filters are given; values are bound.
    StringBuilder sql = new StringBuilder(SELECT);
    List<Object> values = new ArrayList<>();
    if (target != null) {
      values.add(target);
      sql.append(" AND target = $").append(values.size());
    }
    if (actor != null) {
      values.add(actor);
      sql.append(" AND actor = $").append(values.size());
    }
    if (from != null) {
      values.add(from);
      sql.append(" AND at >= $").append(values.size());
    }
    if (before != null) {
      values.add(before);
      sql.append(" AND id < $").append(values.size());
    }
    values.add(limit + 1);
    sql.append(" ORDER BY id DESC LIMIT $").append(values.size());
    String query = sql.toString();
    return Sql.withConnectionMany(
            connectionFactory,
            connection -> {
              Statement statement = connection.createStatement(query);
              for (int i = 0; i < values.size(); i++) {
                statement.bind(i, values.get(i));
              }
              return Sql.rows(statement, AuditLog::toRow);
            })
        .collectList()
        .map(
            rows ->
                rows.size() <= limit
                    ? new Page<>(rows, null)
                    : new Page<>(rows.subList(0, limit), Cursors.ledger(rows.get(limit - 1).id())));
  }

  private static AuditRow toRow(Readable row) {
    return new AuditRow(
        Sql.longOf(row, "id"),
        Sql.instant(row, "at"),
        Sql.text(row, "actor"),
        Sql.text(row, "action"),
        Sql.text(row, "target"),
        row.get("request_id", String.class),
        row.get("before_text", String.class),
        row.get("after_text", String.class));
  }
}
