package dev.tollgate.gateway.api;

import dev.tollgate.adapter.Json;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Reads a request body as one JSON object, refusing bodies over the limit before reading them. */
public final class JsonBodies {

  private JsonBodies() {}

  public static Mono<ObjectNode> readObject(ServerRequest request, long maxBytes) {
    long declared = request.headers().contentLength().orElse(-1);
    if (declared > maxBytes) {
      return Mono.error(GatewayException.tooLarge(maxBytes));
    }
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, maxBytes);
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
        .onErrorMap(DataBufferLimitException.class, e -> GatewayException.tooLarge(maxBytes))
        .switchIfEmpty(
            Mono.error(() -> GatewayException.badRequest(null, "The request body is empty.")))
        .map(JsonBodies::parse);
  }

  private static ObjectNode parse(DataBuffer buffer) {
    byte[] bytes = new byte[buffer.readableByteCount()];
    buffer.read(bytes);
    DataBufferUtils.release(buffer);
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw GatewayException.invalidJson();
    }
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw GatewayException.invalidJson();
  }
}
