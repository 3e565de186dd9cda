package dev.tollgate.billing.ledger;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** R2DBC plumbing shared by the repositories: one connection, one transaction, always released. */
final class Transactions {

  private Transactions() {}

  /**
   * Runs {@code work} in one transaction on a fresh connection: commits when it completes, rolls
   * back when it fails or is cancelled, and closes (returns to the pool) the connection either way.
   */
  static <T> Mono<T> inTransaction(ConnectionFactory factory, Function<Connection, Mono<T>> work) {
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
  static <T> Mono<T> withConnection(ConnectionFactory factory, Function<Connection, Mono<T>> work) {
    return Mono.usingWhen(factory.create(), work, Connection::close);
  }

  /** The total of rows a statement's results report as updated (or inserted). */
  static Mono<Long> rowsUpdated(Flux<? extends Result> results) {
    return results.flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
  }
}
