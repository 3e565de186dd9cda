package dev.tollgate.gateway.api;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/models}: the configured models in the OpenAI list shape, built once. */
@Component
public class ModelsHandler {

  private final byte[] body;

  public ModelsHandler(ModelCatalog catalog) {
    long created = System.currentTimeMillis() / 1000;
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (ModelRoute route : catalog.all()) {
      data.addObject()
          .put("id", route.modelId())
          .put("object", "model")
          .put("created", created)
          .put("owned_by", route.provider());
    }
    this.body = Json.MAPPER.writeValueAsBytes(root);
  }

  public Mono<ServerResponse> list(ServerRequest request) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
  }
}
