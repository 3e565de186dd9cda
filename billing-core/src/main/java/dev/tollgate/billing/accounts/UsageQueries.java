package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An account's usage history, newest first ({@code started_at desc, request_id desc}), by keyset
 * pagination: each query starts after the last row seen, so a page costs the same at any depth and
 * rows inserted meanwhile do not shift the pages (no {@code OFFSET}).
 *
 * <p>Time filters are half-open: {@code from} inclusive, {@code to} exclusive.
 */
public final class UsageQueries {

  /** The largest page a caller may ask for. */
  public static final int MAX_PAGE = 1000;

  /** Rows per query of {@link #export}. */
  public static final int EXPORT_CHUNK = 1000;

  private static final String COLUMNS =
      "SELECT request_id, key_id, model, provider, status, source, prompt_tokens,"
          + " completion_tokens, cached_tokens, reasoning_tokens, cache_write_tokens,"
          + " cache_write_1h_tokens, cost_nanos, charged_nanos, uncollected_nanos,"
          + " from_allowance_nanos, from_balance_nanos, started_at, ttft_ms, duration_ms"
          + " FROM usage_events WHERE account_id = $1";

  private final ConnectionFactory connectionFactory;
  private final int exportChunk;
  private final Runnable onRowRead;

  public UsageQueries(ConnectionFactory connectionFactory) {
    this(connectionFactory, EXPORT_CHUNK, () -> {});
  }

  /**
   * For tests: another export chunk size, and a probe told of every row read from the database, so
   * that a test can prove how many rows are held at once.
   */
  UsageQueries(ConnectionFactory connectionFactory, int exportChunk, Runnable onRowRead) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
    if (exportChunk <= 0) {
      throw new IllegalArgumentException("exportChunk: " + exportChunk + " (expected: > 0)");
    }
    this.exportChunk = exportChunk;
    this.onRowRead = Objects.requireNonNull(onRowRead, "onRowRead");
  }

  /**
   * One page of an account's usage.
   *
   * @param model only this model, if given
   * @param cursor the {@link Page#nextCursor()} of the previous page; {@code null} for the first
   * @param limit rows per page, 1 to {@value #MAX_PAGE}
   */
  public Mono<Page<UsageRow>> page(
      String accountId,
      @Nullable Instant from,
      @Nullable Instant to,
      @Nullable String model,
      @Nullable String cursor,
      int limit) {
    Objects.requireNonNull(accountId, "accountId");
    checkRange(from, to);
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_PAGE + ")");
    }
    Cursors.UsageKey after = cursor == null ? null : Cursors.usage(cursor);
    // One row more than asked tells whether there is a next page.
    return query(accountId, from, to, model, after, limit + 1, UsageQueries::toRow)
        .collectList()
        .map(
            rows -> {
              if (rows.size() <= limit) {
                return new Page<>(rows, null);
              }
              UsageRow last = rows.get(limit - 1);
              return new Page<>(
                  rows.subList(0, limit), Cursors.usage(last.startedAt(), last.requestId()));
            });
  }

  /**
   * All of an account's usage in the range, newest first, read {@value #EXPORT_CHUNK} rows per
   * query: the next query runs only once the previous chunk has been asked for, so at most about
   * three chunks are held at a time, however long the history.
   *
   * <p>Not a snapshot: each chunk is its own query. A row flushed during the export that sorts
   * after the position reached (an older {@code started_at}) is included, one that sorts before it
   * is not.
   */
  public Flux<UsageRow> export(String accountId, @Nullable Instant from, @Nullable Instant to) {
    Objects.requireNonNull(accountId, "accountId");
    checkRange(from, to);
    Function<Readable, UsageRow> probed =
        row -> {
          onRowRead.run();
          return toRow(row);
        };
    return chunk(accountId, from, to, null, probed)
        .expand(
            rows -> {
              if (rows.size() < exportChunk) {
                return Mono.empty();
              }
              UsageRow last = rows.get(rows.size() - 1);
              return chunk(
                  accountId,
                  from,
                  to,
                  new Cursors.UsageKey(last.startedAt(), last.requestId()),
                  probed);
            })
        // Prefetch 1: at most one chunk waits here. expand subscribes to the next chunk query only
        // once the previous chunk has been requested and emitted, which bounds the read-ahead.
        .concatMapIterable(rows -> rows, 1);
  }

  private Mono<List<UsageRow>> chunk(
      String accountId,
      @Nullable Instant from,
      @Nullable Instant to,
      Cursors.@Nullable UsageKey after,
      Function<Readable, UsageRow> mapper) {
    return query(accountId, from, to, null, after, exportChunk, mapper).collectList();
  }

  private Flux<UsageRow> query(
      String accountId,
      @Nullable Instant from,
      @Nullable Instant to,
      @Nullable String model,
      Cursors.@Nullable UsageKey after,
      int limit,
      Function<Readable, UsageRow> mapper) {
    // The SQL is put together from constant fragments only; every value is a bound parameter.
    StringBuilder sql = new StringBuilder(COLUMNS);
    List<Object> values = new ArrayList<>();
    values.add(accountId);
    if (from != null) {
      sql.append(" AND started_at >= ").append(param(values, from));
    }
    if (to != null) {
      sql.append(" AND started_at < ").append(param(values, to));
    }
    if (model != null) {
      sql.append(" AND model = ").append(param(values, model));
    }
    if (after != null) {
      sql.append(" AND (started_at, request_id) < (")
          .append(param(values, after.startedAt()))
          .append(", ")
          .append(param(values, after.requestId()))
          .append(')');
    }
    sql.append(" ORDER BY started_at DESC, request_id DESC LIMIT ").append(param(values, limit));
    String text = sql.toString();
    return Sql.withConnectionMany(
        connectionFactory,
        connection -> {
          Statement statement = connection.createStatement(text);
          for (int i = 0; i < values.size(); i++) {
            statement.bind(i, values.get(i));
          }
          return Sql.rows(statement, mapper);
        });
  }

  private static String param(List<Object> values, Object value) {
    values.add(value);
    return "$" + values.size();
  }

  private static void checkRange(@Nullable Instant from, @Nullable Instant to) {
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException(
          "from: " + from + ", to: " + to + " (expected: from before to)");
    }
  }

  private static UsageRow toRow(Readable row) {
    return new UsageRow(
        Sql.text(row, "request_id"),
        Sql.text(row, "key_id"),
        Sql.text(row, "model"),
        Sql.text(row, "provider"),
        Sql.text(row, "status"),
        Sql.text(row, "source"),
        Sql.longOf(row, "prompt_tokens"),
        Sql.longOf(row, "completion_tokens"),
        Sql.longOf(row, "cached_tokens"),
        Sql.longOf(row, "reasoning_tokens"),
        Sql.longOf(row, "cache_write_tokens"),
        Sql.longOf(row, "cache_write_1h_tokens"),
        Sql.longOf(row, "cost_nanos"),
        Sql.longOf(row, "charged_nanos"),
        Sql.longOf(row, "uncollected_nanos"),
        Sql.longOf(row, "from_allowance_nanos"),
        Sql.longOf(row, "from_balance_nanos"),
        Sql.instant(row, "started_at"),
        row.get("ttft_ms", Integer.class),
        Sql.longOf(row, "duration_ms"));
  }
}
