package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.PriceVersion;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The versions of every model's price ({@code model_prices}): the YAML prices instances started
 * with, and the prices set through the admin API, each valid from its instant until a later one. A
 * charge's {@code (model, price_version)} names the prices it was computed with here.
 */
public final class PriceVersions {

  /** The most versions {@link #list} answers. */
  public static final int MAX_LISTED = 1000;

  private static final String COLUMNS =
      """
      model, version, input_nanos, cached_input_nanos, output_nanos, reasoning_nanos,
      cache_write_nanos, cache_write_1h_nanos, request_nanos, markup_ppm, valid_from, source,
      created_by, created_at
      """;

  private static final String INSERT =
      """
      INSERT INTO model_prices (model, version, input_nanos, cached_input_nanos, output_nanos,
          reasoning_nanos, cache_write_nanos, cache_write_1h_nanos, request_nanos, markup_ppm,
          valid_from, source, created_by)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
          coalesce($11, date_trunc('milliseconds', now())), $12, $13)
      RETURNING
      """
          + COLUMNS;

  // Instances starting together record one config version each, not one per instance.
  private static final String LOCK_MODEL =
      "SELECT pg_advisory_xact_lock(hashtext('model_prices:' || $1))";

  private static final String LAST_CONFIG =
      "SELECT "
          + COLUMNS
          + " FROM model_prices WHERE model = $1 AND source = 'config'"
          + " ORDER BY valid_from DESC, id DESC LIMIT 1";

  // The admin price in force for each model now, and every admin price that starts later.
  private static final String IN_FORCE =
      "(SELECT DISTINCT ON (model) "
          + COLUMNS
          + " FROM model_prices WHERE source = 'admin' AND valid_from <= now()"
          + " ORDER BY model, valid_from DESC, id DESC)"
          + " UNION ALL (SELECT "
          + COLUMNS
          + " FROM model_prices WHERE source = 'admin' AND valid_from > now())";

  private static final String LIST =
      "SELECT "
          + COLUMNS
          + " FROM model_prices WHERE model = $1 ORDER BY valid_from DESC, id DESC LIMIT $2";

  private final ConnectionFactory connectionFactory;

  public PriceVersions(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * Records a configured (YAML) price unless it is the model's last recorded one: a changed YAML
   * price is a new version from now on.
   *
   * @return the recorded version, new or the last one
   */
  public Mono<PriceVersion> recordConfigured(ModelPrice price) {
    Objects.requireNonNull(price, "price");
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Sql.rows(connection.createStatement(LOCK_MODEL).bind(0, price.model()), row -> true)
                .thenMany(
                    Sql.rows(
                        connection.createStatement(LAST_CONFIG).bind(0, price.model()),
                        PriceVersions::toVersion))
                .next()
                .filter(last -> last.price().equals(price))
                .switchIfEmpty(
                    Mono.defer(
                        () ->
                            insert(connection, price, null, PriceVersion.CONFIG, "config")
                                .next())));
  }

  /**
   * A new version set by an operator, with its audit entry in the same transaction.
   *
   * @param validFrom when it applies; now (PostgreSQL's clock) when null
   * @param before the price in force until now, for the audit trail
   */
  public Mono<PriceVersion> add(
      ModelPrice price,
      @Nullable Instant validFrom,
      @Nullable ModelPrice before,
      AuditEntry.Context audit) {
    Objects.requireNonNull(price, "price");
    Objects.requireNonNull(audit, "audit");
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            insert(connection, price, validFrom, PriceVersion.ADMIN, audit.actor())
                .next()
                .flatMap(
                    added -> {
                      Map<String, @Nullable Object> after = fields(price);
                      after.put("valid_from", added.validFrom().toString());
                      return AuditLog.record(
                              connection,
                              audit.entry(
                                  "model.price",
                                  price.model(),
                                  before == null ? Map.of() : fields(before),
                                  after))
                          .thenReturn(added);
                    }));
  }

  /** Every admin version in force now or later, over all models. */
  public Flux<PriceVersion> inForce() {
    return Sql.withConnectionMany(
        connectionFactory,
        connection -> Sql.rows(connection.createStatement(IN_FORCE), PriceVersions::toVersion));
  }

  /** A model's versions, the latest first (by validity), at most {@value #MAX_LISTED}. */
  public Flux<PriceVersion> list(String model) {
    Objects.requireNonNull(model, "model");
    return Sql.withConnectionMany(
        connectionFactory,
        connection ->
            Sql.rows(
                connection.createStatement(LIST).bind(0, model).bind(1, MAX_LISTED),
                PriceVersions::toVersion));
  }

  private static Flux<PriceVersion> insert(
      Connection connection,
      ModelPrice price,
      @Nullable Instant validFrom,
      String source,
      String createdBy) {
    Statement insert =
        connection
            .createStatement(INSERT)
            .bind(0, price.model())
            .bind(1, price.version())
            .bind(2, price.inputPerMillion())
            .bind(3, price.cachedInputPerMillion())
            .bind(4, price.outputPerMillion())
            .bind(5, price.reasoningPerMillion())
            .bind(6, price.cacheWritePerMillion())
            .bind(7, price.cacheWrite1hPerMillion())
            .bind(8, price.perRequest())
            .bind(9, price.markupPpm())
            .bind(11, source)
            .bind(12, createdBy);
    Sql.bind(insert, 10, validFrom, Instant.class);
    return Sql.rows(insert, PriceVersions::toVersion);
  }

  /** The price fields as the audit trail records them. */
  private static Map<String, @Nullable Object> fields(ModelPrice price) {
    Map<String, @Nullable Object> fields = new LinkedHashMap<>();
    fields.put("version", price.version());
    fields.put("input_nanos", price.inputPerMillion());
    fields.put("cached_input_nanos", price.cachedInputPerMillion());
    fields.put("output_nanos", price.outputPerMillion());
    fields.put("reasoning_nanos", price.reasoningPerMillion());
    fields.put("cache_write_nanos", price.cacheWritePerMillion());
    fields.put("cache_write_1h_nanos", price.cacheWrite1hPerMillion());
    fields.put("request_nanos", price.perRequest());
    fields.put("markup_ppm", price.markupPpm());
    return fields;
  }

  private static PriceVersion toVersion(Readable row) {
    ModelPrice price =
        new ModelPrice(
            Sql.text(row, "model"),
            Sql.text(row, "version"),
            Sql.longOf(row, "input_nanos"),
            Sql.longOf(row, "cached_input_nanos"),
            Sql.longOf(row, "output_nanos"),
            Sql.longOf(row, "reasoning_nanos"),
            Sql.longOf(row, "cache_write_nanos"),
            Sql.longOf(row, "cache_write_1h_nanos"),
            Sql.longOf(row, "request_nanos"),
            Sql.longOf(row, "markup_ppm"));
    return new PriceVersion(
        price,
        Sql.instant(row, "valid_from"),
        Sql.text(row, "source"),
        Sql.text(row, "created_by"),
        Sql.instant(row, "created_at"));
  }
}
