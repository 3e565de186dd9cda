package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.error.GatewayException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Reading the admin and account APIs' query parameters, each refusal a 400 that names the
 * parameter.
 */
public final class Queries {

  /** Rows per page when the request does not say. */
  public static final int DEFAULT_LIMIT = 100;

  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");

  private Queries() {}

  public static int limit(ServerRequest request, int max) {
    Optional<String> text = request.queryParam("limit");
    if (text.isEmpty()) {
      return Math.min(DEFAULT_LIMIT, max);
    }
    try {
      int limit = Integer.parseInt(text.get());
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw GatewayException.badRequest(
        "limit", "limit: '" + text.get() + "' (expected: 1.." + max + ")");
  }

  public static @Nullable Instant instant(ServerRequest request, String name) {
    Optional<String> text = request.queryParam(name);
    if (text.isEmpty() || text.get().isBlank()) {
      return null;
    }
    Instant at;
    try {
      at = Instant.parse(text.get());
    } catch (DateTimeParseException e) {
      at = null;
    }
    // PostgreSQL's timestamps run from 4713 BC to 294276 AD: past them a query fails, not a 400.
    if (at == null || at.isBefore(EARLIEST) || !at.isBefore(LATEST)) {
      throw GatewayException.badRequest(
          name,
          name
              + ": '"
              + text.get()
              + "' (expected: an instant like 2026-01-31T00:00:00Z, in the years 1 to 9999)");
    }
    return at;
  }

  /** billing-core refuses bad arguments (a bad cursor, from after to) synchronously: a 400. */
  public static <T> Mono<T> badRequestOnIllegalArgument(Supplier<Mono<T>> call) {
    Mono<T> mono;
    try {
      mono = call.get();
    } catch (IllegalArgumentException e) {
      return Mono.error(GatewayException.badRequest(null, String.valueOf(e.getMessage())));
    }
    return mono;
  }
}
