package dev.tollgate.gateway.account;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.accounts.RedemptionCodes;
import dev.tollgate.billing.accounts.RedemptionCodes.Redemption;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.admin.AdminJson;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import dev.tollgate.gateway.web.RequestIds;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/redeem} {@code {"code": "..."}}: the account of the owner's JWT, or of the API
 * key presented, redeems a code once ({@link RedemptionCodes#redeem}); then the Redis balance is
 * credited under the redemption's own credit id. A wrong, expired or spent code is a 4xx and moves
 * nothing.
 */
final class RedeemHandler {

  private final AccountOwners owners;
  private final RedemptionCodes codes;
  private final HoldStore holds;
  private final AuditTrail audit;

  RedeemHandler(AccountOwners owners, RedemptionCodes codes, HoldStore holds, AuditTrail audit) {
    this.owners = Objects.requireNonNull(owners, "owners");
    this.codes = Objects.requireNonNull(codes, "codes");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  Mono<ServerResponse> redeem(ServerRequest request) {
    return JsonBodies.readObject(request, AdminJson.MAX_BODY_BYTES)
        .map(
            body -> {
              for (String field : body.propertyNames()) {
                if (!field.equals("code")) {
                  throw GatewayException.badRequest(
                      field, field + ": unknown field (expected: code)");
                }
              }
              return AdminJson.requiredText(body, "code");
            })
        .flatMap(
            code ->
                owners
                    .byJwtOrKey(request)
                    .zipWith(actor(request))
                    .flatMap(
                        t ->
                            codes
                                .redeem(code, t.getT1().id(), t.getT2())
                                .flatMap(r -> applied(r, t.getT1().id()))));
  }

  /**
   * A redemption committed in PostgreSQL reaches the Redis balance with its own credit id (a repeat
   * of the credit changes nothing; an account not cached in Redis is loaded with it later).
   */
  private Mono<ServerResponse> applied(Redemption r, String accountId) {
    return switch (r.outcome()) {
      case REDEEMED ->
          holds
              .credit(accountId, r.reference(accountId), r.amountNanos())
              .then(holds.account(accountId))
              .map(state -> state.balance())
              .defaultIfEmpty(r.balanceNanos())
              .flatMap(balance -> answer(r, balance));
      case NOT_FOUND -> Mono.error(refused(404, "code_not_found", "No such code."));
      case EXPIRED -> Mono.error(refused(410, "code_expired", "This code has expired."));
      case USED_UP -> Mono.error(refused(409, "code_used_up", "This code has been used up."));
      case ALREADY_REDEEMED ->
          Mono.error(refused(409, "code_already_redeemed", "This account has redeemed this code."));
      case ACCOUNT_MISSING -> Mono.error(GatewayException.notFound("No such account."));
    };
  }

  /** The owner by the JWT's subject, or the API key by its id (never the secret). */
  private Mono<AuditEntry.Context> actor(ServerRequest request) {
    ApiKey key = request.exchange().getAttribute(ApiKeyAuthFilter.ATTRIBUTE);
    if (key != null) {
      return Mono.just(
          new AuditEntry.Context("key:" + key.id(), RequestIds.of(request.exchange())));
    }
    return audit.owner(request);
  }

  private static GatewayException refused(int status, String code, String message) {
    return new GatewayException(status, "invalid_request_error", code, "code", message);
  }

  static Mono<ServerResponse> answer(Redemption r, long redisBalance) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("object", "redemption");
    out.put("code_id", r.codeId());
    out.put("amount", AdminJson.decimal(r.amountNanos()));
    out.put("balance", AdminJson.decimal(redisBalance));
    return ServerResponse.status(201)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Json.MAPPER.writeValueAsBytes(out));
  }
}
