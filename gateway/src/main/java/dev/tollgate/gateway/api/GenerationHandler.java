package dev.tollgate.gateway.api;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.billing.GenerationRepository;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.relay.UsageCost;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/generation/{id}}: one of the key's own requests once its charge has reached
 * PostgreSQL: tokens, cost, status, usage source, timings. 404 before that, and for other keys'
 * requests.
 */
public final class GenerationHandler {

  private final GenerationRepository generations;

  public GenerationHandler(GenerationRepository generations) {
    this.generations = generations;
  }

  public Mono<ServerResponse> get(ServerRequest request) {
    String id = request.pathVariable("id");
    String keyId = ApiKeyAuthFilter.keyOf(request.exchange()).id();
    return generations
        .find(id, keyId)
        .switchIfEmpty(
            Mono.error(
                () ->
                    new GatewayException(
                        404,
                        "invalid_request_error",
                        "generation_not_found",
                        "id",
                        "No generation '" + id + "' for this key (yet: it appears once settled).")))
        .flatMap(
            row ->
                ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Json.MAPPER.writeValueAsBytes(body(row))));
  }

  private static ObjectNode body(Map<String, ? extends Object> row) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("object", "generation");
    row.forEach(
        (name, value) -> {
          switch (name) {
            case "cost_nanos" -> node.put("cost", UsageCost.decimal((Long) value));
            case "charged_nanos" -> node.put("charged", UsageCost.decimal((Long) value));
            case "uncollected_nanos" -> node.put("uncollected", UsageCost.decimal((Long) value));
            case "from_allowance_nanos" ->
                node.put("from_allowance", UsageCost.decimal((Long) value));
            case "from_balance_nanos" -> node.put("from_balance", UsageCost.decimal((Long) value));
            default -> node.putPOJO(name, value);
          }
        });
    return node;
  }
}
