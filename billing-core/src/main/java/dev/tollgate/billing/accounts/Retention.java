package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Removes old usage events in bounded batches, each its own short transaction, so that a purge of
 * millions of rows never holds locks or a huge transaction for long. Ledger entries and payments
 * are accounting records and are not touched.
 */
public final class Retention {

  /** Rows deleted per statement by default. */
  public static final int BATCH = 5000;

  private static final String PURGE =
      """
      DELETE FROM usage_events WHERE request_id IN (
          SELECT request_id FROM usage_events WHERE started_at < $1 LIMIT $2)
      """;

  private final ConnectionFactory connectionFactory;
  private final int batchSize;

  public Retention(ConnectionFactory connectionFactory) {
    this(connectionFactory, BATCH);
  }

  public Retention(ConnectionFactory connectionFactory, int batchSize) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize: " + batchSize + " (expected: > 0)");
    }
    this.batchSize = batchSize;
  }

  /**
   * Deletes every usage event that started before {@code cutoff}, batch after batch until a batch
   * comes back short.
   *
   * @return how many rows were deleted
   */
  public Mono<Long> purgeUsageOlderThan(Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    Mono<Long> batch =
        Sql.withConnectionMany(
                connectionFactory,
                connection ->
                    Sql.rowsUpdated(
                            connection
                                .createStatement(PURGE)
                                .bind(0, cutoff)
                                .bind(1, batchSize)
                                .execute())
                        .flux())
            .next();
    return batch.repeat().takeUntil(deleted -> deleted < batchSize).reduce(0L, Long::sum);
  }
}
