package dev.tollgate.gateway.api;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.billing.PriceBook;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.GatewayProperties.Model;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import dev.tollgate.gateway.route.Router;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/models}: the configured models in the OpenAI list shape, built once. Each model
 * also carries what a client needs to choose one (extra fields, which OpenAI SDKs ignore): its
 * configured prices with markup, its context length when configured, and the endpoints that serve
 * it.
 */
@Component
public class ModelsHandler {

  private final byte[] body;

  public ModelsHandler(
      ModelCatalog catalog,
      PriceBook prices,
      GatewayProperties properties,
      BillingProperties billing) {
    Map<String, Integer> contextLengths = new HashMap<>();
    for (Model model : properties.models()) {
      if (model.id() != null && model.contextLength() != null) {
        contextLengths.put(model.id(), model.contextLength());
      }
    }
    long created = System.currentTimeMillis() / 1000;
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (ModelRoute route : catalog.all()) {
      ObjectNode model =
          data.addObject()
              .put("id", route.modelId())
              .put("object", "model")
              .put("created", created)
              .put("owned_by", route.provider());
      Map<String, BigDecimal> listed = prices.listed(route.modelId());
      if (!listed.isEmpty()) {
        ObjectNode pricing = model.putObject("pricing");
        listed.forEach(pricing::put);
        pricing.put("currency", billing.currency());
      }
      Integer contextLength = contextLengths.get(route.modelId());
      if (contextLength != null) {
        model.put("context_length", contextLength);
      }
      ArrayNode endpoints = model.putArray("endpoints");
      endpoints.add("/v1/chat/completions").add("/v1/messages");
      if (route.deployments().stream().anyMatch(Router::hasEmbeddings)) {
        endpoints.add("/v1/embeddings");
      }
    }
    this.body = Json.MAPPER.writeValueAsBytes(root);
  }

  public Mono<ServerResponse> list(ServerRequest request) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
  }
}
