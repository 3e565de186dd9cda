package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.gateway.api.JsonBodies;
import java.util.Objects;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** API keys: create (the secret is shown in this one answer only) and revoke. */
final class KeysAdminHandler {

  private final ApiKeyIssuer issuer;

  KeysAdminHandler(ApiKeyIssuer issuer) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
  }

  Mono<ServerResponse> create(ServerRequest request) {
    String accountId = request.pathVariable("id");
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .flatMap(body -> issuer.create(accountId, body))
        .flatMap(created -> respond(201, created));
  }

  Mono<ServerResponse> revoke(ServerRequest request) {
    return issuer.revoke(request.pathVariable("id")).then(ServerResponse.noContent().build());
  }
}
