package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.RedemptionCodes;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /admin/codes}: redemption codes worth an amount, {@code count} random ones or the
 * operator's own {@code codes}, each redeemable once per account and {@code max_redemptions} times
 * in all, until {@code expires_at}. The codes are in this answer only.
 */
final class CodesAdminHandler {

  private static final Set<String> FIELDS =
      Set.of("amount", "count", "codes", "max_redemptions", "expires_at");

  /** An operator's own code: long enough not to be guessed in a few tries. */
  private static final int MIN_CODE_LENGTH = 8;

  private final RedemptionCodes codes;
  private final AuditTrail audit;

  CodesAdminHandler(RedemptionCodes codes, AuditTrail audit) {
    this.codes = Objects.requireNonNull(codes, "codes");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  Mono<ServerResponse> create(ServerRequest request) {
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .zipWith(audit.admin(request))
        .flatMap(
            t -> {
              JsonNode body = t.getT1();
              for (String field : body.propertyNames()) {
                if (!FIELDS.contains(field)) {
                  throw GatewayException.badRequest(
                      field,
                      field + ": unknown field (expected: one of " + List.copyOf(FIELDS) + ")");
                }
              }
              JsonNode amountNode = body.get("amount");
              if (amountNode == null || amountNode.isNull()) {
                throw GatewayException.badRequest(
                    "amount", "amount: missing (expected: a decimal such as \"5.00\")");
              }
              long amount = AdminJson.amount(amountNode, "amount");
              if (amount == 0) {
                throw GatewayException.badRequest("amount", "amount: 0 (expected: > 0)");
              }
              Long max = JsonBodies.integer(body, "max_redemptions", 1, Integer.MAX_VALUE);
              Instant expiresAt = expiresAt(AdminJson.optionalText(body, "expires_at"));
              int maxRedemptions = max == null ? 1 : max.intValue();
              // Random codes come from SecureRandom (blocking reads): made off the event loop.
              return Mono.fromCallable(() -> codeList(body))
                  .subscribeOn(Schedulers.boundedElastic())
                  .flatMap(
                      list -> codes.create(list, amount, maxRedemptions, expiresAt, t.getT2()));
            })
        .onErrorMap(
            R2dbcDataIntegrityViolationException.class,
            e ->
                new GatewayException(
                    409,
                    "invalid_request_error",
                    "code_exists",
                    "codes",
                    "codes: one of them exists already (expected: new codes)"))
        .flatMap(
            created -> {
              ObjectNode out = object();
              out.put("object", "list");
              ArrayNode data = out.putArray("data");
              for (RedemptionCodes.Created c : created) {
                ObjectNode e = data.addObject();
                e.put("id", c.id());
                e.put("object", "redemption_code");
                e.put("code", c.code());
                e.put("prefix", c.prefix());
                e.put("amount", decimal(c.amountNanos()));
                e.put("max_redemptions", c.maxRedemptions());
                e.put("expires_at", c.expiresAt() == null ? null : c.expiresAt().toString());
              }
              return respond(201, out);
            });
  }

  private static List<String> codeList(JsonNode body) {
    JsonNode given = body.get("codes");
    Long count = JsonBodies.integer(body, "count", 1, RedemptionCodes.MAX_COUNT);
    if (given != null && !given.isNull()) {
      if (count != null) {
        throw GatewayException.badRequest(
            "count", "count: with codes (expected: count or codes, not both)");
      }
      if (!given.isArray() || given.isEmpty() || given.size() > RedemptionCodes.MAX_COUNT) {
        throw GatewayException.badRequest(
            "codes",
            "codes: "
                + (given.isArray() ? given.size() + " codes" : given.getNodeType().toString())
                + " (expected: an array of 1 to "
                + RedemptionCodes.MAX_COUNT
                + " codes)");
      }
      List<String> out = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (JsonNode node : given) {
        String code = AdminJson.text(node, "codes");
        if (code.length() < MIN_CODE_LENGTH || !code.strip().equals(code) || !seen.add(code)) {
          throw GatewayException.badRequest(
              "codes",
              "codes: a code of "
                  + code.length()
                  + " characters (expected: distinct codes of at least "
                  + MIN_CODE_LENGTH
                  + " characters, no leading or trailing space)");
        }
        out.add(code);
      }
      return out;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < (count == null ? 1 : count); i++) {
      out.add(RedemptionCodes.newCode());
    }
    return out;
  }

  private static @Nullable Instant expiresAt(@Nullable String text) {
    if (text == null) {
      return null;
    }
    Instant at;
    try {
      at = Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw GatewayException.badRequest(
          "expires_at",
          "expires_at: '"
              + text
              + "' (expected: an ISO-8601 instant such as 2027-01-01T00:00:00Z)");
    }
    if (!at.isAfter(Instant.now())) {
      throw GatewayException.badRequest(
          "expires_at", "expires_at: '" + text + "' is past (expected: a later instant)");
    }
    return at;
  }
}
