package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.PriceVersions;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.PriceVersion;
import dev.tollgate.gateway.billing.PriceBook;
import dev.tollgate.gateway.billing.PriceUpdates;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Model prices without a restart: {@code PUT /admin/models/{id}/price} adds a version (every
 * instance uses it within a second, see {@link PriceUpdates}); {@code GET
 * /admin/models/{id}/prices} lists the versions with their validity.
 */
final class PricesAdminHandler {

  static final Set<String> FIELDS =
      Set.of(
          "input",
          "cached_input",
          "output",
          "reasoning",
          "cache_write",
          "cache_write_1h",
          "request",
          "markup",
          "valid_from");

  /** How far in the past a stated {@code valid_from} may be: clocks differ a little. */
  private static final Duration PAST_TOLERANCE = Duration.ofSeconds(5);

  private final PriceBook book;
  private final PriceUpdates updates;
  private final PriceVersions versions;
  private final AuditTrail audit;

  PricesAdminHandler(
      PriceBook book, PriceUpdates updates, PriceVersions versions, AuditTrail audit) {
    this.book = Objects.requireNonNull(book, "book");
    this.updates = Objects.requireNonNull(updates, "updates");
    this.versions = Objects.requireNonNull(versions, "versions");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  Mono<ServerResponse> put(ServerRequest request) {
    String model = request.pathVariable("id");
    if (!book.knows(model)) {
      return Mono.error(unknownModel(model));
    }
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .zipWith(audit.admin(request))
        .flatMap(
            t -> {
              JsonNode body = t.getT1();
              ModelPrice price = price(model, body);
              Instant validFrom = validFrom(body);
              return updates.set(price, validFrom, t.getT2());
            })
        .flatMap(added -> respond(201, view(added, null)));
  }

  Mono<ServerResponse> list(ServerRequest request) {
    String model = request.pathVariable("id");
    if (!book.knows(model)) {
      return Mono.error(unknownModel(model));
    }
    return versions
        .list(model)
        .collectList()
        .flatMap(
            list -> {
              ObjectNode out = object();
              out.put("object", "list");
              out.put("model", model);
              out.put("current", book.price(model).version());
              ArrayNode data = out.putArray("data");
              // Newest first: each version is valid until the one listed before it starts.
              for (int i = 0; i < list.size(); i++) {
                data.add(view(list.get(i), i == 0 ? null : list.get(i - 1).validFrom()));
              }
              return respond(200, out);
            });
  }

  /**
   * The new price: input and output are required; the others default as in YAML (cached input to
   * input, reasoning to output, cache writes to 1.25 and 2 times input, request and markup to 0).
   */
  static ModelPrice price(String model, JsonNode body) {
    for (String field : body.propertyNames()) {
      if (!FIELDS.contains(field)) {
        throw GatewayException.badRequest(
            field, field + ": unknown field (expected: one of " + List.copyOf(FIELDS) + ")");
      }
    }
    long input = required(body, "input");
    long output = required(body, "output");
    long cached = optional(body, "cached_input", input);
    long reasoning = optional(body, "reasoning", output);
    long cacheWrite = optional(body, "cache_write", ModelPrice.defaultCacheWrite(input));
    long cacheWrite1h = optional(body, "cache_write_1h", ModelPrice.defaultCacheWrite1h(input));
    long perRequest = optional(body, "request", 0);
    long markup = 0;
    JsonNode markupNode = body.get("markup");
    if (markupNode != null && !markupNode.isNull()) {
      // A fraction (0.2 is 20%) up to 100, at most 6 decimals: nano-units over 1000 are ppm.
      long nanos = AdminJson.amount(markupNode, "markup");
      if (nanos % 1000 != 0 || nanos / 1000 > ModelPrice.MAX_MARKUP_PPM) {
        throw GatewayException.badRequest(
            "markup",
            "markup: "
                + markupNode
                + " (expected: a fraction from 0 to 100, at most 6 decimals, 0.2 for 20%)");
      }
      markup = nanos / 1000;
    }
    return ModelPrice.of(
        model, input, cached, output, reasoning, cacheWrite, cacheWrite1h, perRequest, markup);
  }

  private static @Nullable Instant validFrom(JsonNode body) {
    String text = AdminJson.optionalText(body, "valid_from");
    if (text == null) {
      return null;
    }
    Instant at;
    try {
      at = Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw GatewayException.badRequest(
          "valid_from",
          "valid_from: '"
              + text
              + "' (expected: an ISO-8601 instant such as 2026-12-01T00:00:00Z)");
    }
    if (at.isBefore(Instant.now().minus(PAST_TOLERANCE))) {
      throw GatewayException.badRequest(
          "valid_from",
          "valid_from: '"
              + text
              + "' is in the past (expected: now or later; charges already made keep their price)");
    }
    return at;
  }

  private static long required(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      throw GatewayException.badRequest(
          field, field + ": missing (expected: a decimal per million tokens such as \"2.50\")");
    }
    return AdminJson.amount(node, field);
  }

  private static long optional(JsonNode body, String field, long otherwise) {
    JsonNode node = body.get(field);
    return node == null || node.isNull() ? otherwise : AdminJson.amount(node, field);
  }

  static ObjectNode view(PriceVersion v, @Nullable Instant validTo) {
    ModelPrice p = v.price();
    ObjectNode out = object();
    out.put("object", "model.price");
    out.put("model", p.model());
    out.put("version", p.version());
    out.put("valid_from", v.validFrom().toString());
    if (validTo == null) {
      out.putNull("valid_to");
    } else {
      out.put("valid_to", validTo.toString());
    }
    out.put("source", v.source());
    out.put("created_by", v.createdBy());
    out.put("created_at", v.createdAt().toString());
    out.put("input", decimal(p.inputPerMillion()));
    out.put("cached_input", decimal(p.cachedInputPerMillion()));
    out.put("output", decimal(p.outputPerMillion()));
    out.put("reasoning", decimal(p.reasoningPerMillion()));
    out.put("cache_write", decimal(p.cacheWritePerMillion()));
    out.put("cache_write_1h", decimal(p.cacheWrite1hPerMillion()));
    out.put("request", decimal(p.perRequest()));
    out.put("markup", BigDecimal.valueOf(p.markupPpm(), 6).stripTrailingZeros());
    return out;
  }

  private static GatewayException unknownModel(String model) {
    return GatewayException.notFound(
        "No model '"
            + (JsonBodies.isStorable(model, JsonBodies.MAX_TEXT_LENGTH) ? model : "?")
            + "' is configured.");
  }
}
