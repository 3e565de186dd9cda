package dev.tollgate.gateway.billing;

import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reads one settled request back from PostgreSQL for {@code GET /v1/generation/{id}}. */
public final class GenerationRepository {

  private static final String SELECT =
      "SELECT request_id, model, provider, status, source, prompt_tokens, completion_tokens,"
          + " cached_tokens, reasoning_tokens, cache_write_tokens, cache_write_1h_tokens,"
          + " charged_nanos, uncollected_nanos, from_allowance_nanos,"
          + " from_balance_nanos, started_at, ttft_ms, duration_ms, settled_at"
          + " FROM usage_events WHERE request_id = $1 AND key_id = $2";

  private final ConnectionFactory connections;

  public GenerationRepository(ConnectionFactory connections) {
    this.connections = connections;
  }

  /** The request's row as named values, or empty when the key made no such request. */
  public Mono<Map<String, @Nullable Object>> find(String requestId, String keyId) {
    return Mono.usingWhen(
        connections.create(),
        connection ->
            Flux.from(
                    connection
                        .createStatement(SELECT)
                        .bind("$1", requestId)
                        .bind("$2", keyId)
                        .execute())
                .flatMap(result -> result.map(GenerationRepository::row))
                .next(),
        connection -> Mono.from(connection.close()));
  }

  private static Map<String, @Nullable Object> row(Readable row) {
    Map<String, @Nullable Object> values = new LinkedHashMap<>();
    values.put("id", row.get("request_id", String.class));
    values.put("model", row.get("model", String.class));
    values.put("provider", row.get("provider", String.class));
    values.put("status", row.get("status", String.class));
    values.put("usage_source", row.get("source", String.class));
    values.put("prompt_tokens", row.get("prompt_tokens", Long.class));
    values.put("completion_tokens", row.get("completion_tokens", Long.class));
    values.put("cached_tokens", row.get("cached_tokens", Long.class));
    values.put("reasoning_tokens", row.get("reasoning_tokens", Long.class));
    values.put("cache_write_tokens", row.get("cache_write_tokens", Long.class));
    values.put("cache_write_1h_tokens", row.get("cache_write_1h_tokens", Long.class));
    // cost is what was charged, as in the usage export; what could not be collected is apart
    values.put("cost_nanos", row.get("charged_nanos", Long.class));
    values.put("charged_nanos", row.get("charged_nanos", Long.class));
    values.put("uncollected_nanos", row.get("uncollected_nanos", Long.class));
    values.put("from_allowance_nanos", row.get("from_allowance_nanos", Long.class));
    values.put("from_balance_nanos", row.get("from_balance_nanos", Long.class));
    values.put("started_at", text(row.get("started_at", OffsetDateTime.class)));
    values.put("ttft_ms", row.get("ttft_ms", Integer.class));
    values.put("duration_ms", row.get("duration_ms", Long.class));
    values.put("settled_at", text(row.get("settled_at", OffsetDateTime.class)));
    return values;
  }

  private static @Nullable String text(@Nullable OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
