package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.gateway.auth.KeyRevocations;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.util.Objects;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * API keys: create (the secret is shown in this one answer only), change name and limits, revoke.
 */
final class KeysAdminHandler {

  private final ApiKeyIssuer issuer;
  private final AccountChanges changes;
  private final KeyRevocations revocations;
  private final AuditTrail audit;

  KeysAdminHandler(
      ApiKeyIssuer issuer, AccountChanges changes, KeyRevocations revocations, AuditTrail audit) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.changes = Objects.requireNonNull(changes, "changes");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  Mono<ServerResponse> create(ServerRequest request) {
    String accountId = request.pathVariable("id");
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .zipWith(audit.admin(request))
        .flatMap(t -> issuer.create(accountId, t.getT1(), t.getT2()))
        .flatMap(created -> respond(201, created));
  }

  /**
   * Changes the key in PostgreSQL, then has every instance forget the account's cached keys, so the
   * next request with this key anywhere loads the new limits.
   */
  Mono<ServerResponse> update(ServerRequest request) {
    String keyId = request.pathVariable("id");
    if (!JsonBodies.isStorable(keyId, JsonBodies.MAX_TEXT_LENGTH)) {
      return Mono.error(GatewayException.notFound("No key with that id."));
    }
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .map(ApiKeyIssuer::edit)
        .zipWith(audit.admin(request))
        .flatMap(t -> changes.editKey(keyId, t.getT1(), t.getT2()))
        .switchIfEmpty(Mono.error(() -> GatewayException.notFound("No key '" + keyId + "'.")))
        .flatMap(
            row ->
                revocations
                    .accountChanged(row.accountId())
                    .then(respond(200, ApiKeyIssuer.view(row))));
  }

  Mono<ServerResponse> revoke(ServerRequest request) {
    return audit
        .admin(request)
        .flatMap(by -> issuer.revoke(request.pathVariable("id"), by))
        .then(ServerResponse.noContent().build());
  }
}
