package dev.tollgate.billing.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * R2DBC plumbing shared by billing's repositories: one connection, one transaction, always released
 * (returned to the pool); nullable binds; non-null reads. Not public API.
 */
public final class Sql {

  private Sql() {}

  /** Runs {@code work} in one transaction: commit on completion, rollback on error or cancel. */
  public static <T> Mono<T> inTransaction(
      ConnectionFactory factory, Function<Connection, Mono<T>> work) {
    return Mono.usingWhen(
        factory.create(),
        connection ->
            Mono.usingWhen(
                Mono.from(connection.beginTransaction()).thenReturn(connection),
                work,
                Connection::commitTransaction,
                (c, error) -> c.rollbackTransaction(),
                Connection::rollbackTransaction),
        Connection::close);
  }

  /** Runs {@code work} on a fresh connection in auto-commit mode and closes it afterwards. */
  public static <T> Mono<T> withConnection(
      ConnectionFactory factory, Function<Connection, Mono<T>> work) {
    return Mono.usingWhen(factory.create(), work, Connection::close);
  }

  /** As {@link #withConnection}, for work that yields many rows. */
  public static <T> Flux<T> withConnectionMany(
      ConnectionFactory factory, Function<Connection, Flux<T>> work) {
    return Flux.usingWhen(factory.create(), work, Connection::close);
  }

  /** The total of rows a statement's results report as updated, inserted or deleted. */
  public static Mono<Long> rowsUpdated(Publisher<? extends Result> results) {
    return Flux.from(results).flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
  }

  /** The rows of a statement's results, mapped. */
  public static <T> Flux<T> rows(Statement statement, Function<Readable, T> mapper) {
    return Flux.from(statement.execute()).concatMap(result -> result.map(mapper));
  }

  public static void bind(Statement statement, int index, @Nullable Object value, Class<?> type) {
    if (value == null) {
      statement.bindNull(index, type);
    } else {
      statement.bind(index, value);
    }
  }

  public static String text(Readable row, String column) {
    return Objects.requireNonNull(row.get(column, String.class), column);
  }

  public static long longOf(Readable row, String column) {
    return Objects.requireNonNull(row.get(column, Long.class), column);
  }

  public static Instant instant(Readable row, String column) {
    return Objects.requireNonNull(row.get(column, Instant.class), column);
  }
}
