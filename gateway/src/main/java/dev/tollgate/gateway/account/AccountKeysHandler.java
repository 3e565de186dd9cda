package dev.tollgate.gateway.account;

import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.gateway.admin.AdminJson;
import dev.tollgate.gateway.admin.ApiKeyIssuer;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.util.Objects;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The owner's API keys: list (never the secret), create (the secret once), revoke. An API key may
 * list itself; creating and revoking need the owner's login.
 */
final class AccountKeysHandler {

  private final AccountOwners owners;
  private final ApiKeyRepository keys;
  private final ApiKeyIssuer issuer;
  private final AuditTrail audit;

  AccountKeysHandler(
      AccountOwners owners, ApiKeyRepository keys, ApiKeyIssuer issuer, AuditTrail audit) {
    this.owners = Objects.requireNonNull(owners, "owners");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  /** The owner sees every key of the account; an API key sees only itself. */
  Mono<ServerResponse> list(ServerRequest request) {
    ApiKey key = request.exchange().getAttribute(ApiKeyAuthFilter.ATTRIBUTE);
    return owners
        .byJwtOrKey(request)
        .flatMap(
            account ->
                keys.listByAccount(account.id())
                    .filter(row -> key == null || row.id().equals(key.id()))
                    .map(ApiKeyIssuer::view)
                    .collectList()
                    .flatMap(
                        views -> {
                          ObjectNode out = object();
                          out.put("object", "list");
                          ArrayNode data = out.putArray("data");
                          views.forEach(data::add);
                          return respond(200, out);
                        }));
  }

  Mono<ServerResponse> create(ServerRequest request) {
    return owners
        .byJwt(request)
        .flatMap(
            account ->
                JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
                    .zipWith(audit.owner(request))
                    .flatMap(t -> issuer.create(account.id(), t.getT1(), t.getT2())))
        .flatMap(created -> respond(201, created));
  }

  /** Only the owner's own keys: another account's key is as unknown as a key that never was. */
  Mono<ServerResponse> revoke(ServerRequest request) {
    String keyId = request.pathVariable("id");
    return owners
        .byJwt(request)
        .flatMap(
            account ->
                keys.listByAccount(account.id())
                    .filter(row -> row.id().equals(keyId))
                    .next()
                    .switchIfEmpty(
                        Mono.error(() -> GatewayException.notFound("No key '" + keyId + "'."))))
        .zipWith(audit.owner(request))
        .flatMap(t -> issuer.revoke(t.getT1().id(), t.getT2()))
        .then(ServerResponse.noContent().build());
  }
}
