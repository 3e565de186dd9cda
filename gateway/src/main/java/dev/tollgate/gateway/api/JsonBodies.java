package dev.tollgate.gateway.api;

import dev.tollgate.adapter.Json;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ObjectNode;

/** Reads a request body as one JSON object, refusing bodies over the limit before reading them. */
public final class JsonBodies {

  private JsonBodies() {}

  // Floats as BigDecimal: amounts keep the exact digits the client sent.
  private static final ObjectReader EXACT =
      Json.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  public static Mono<ObjectNode> readObject(ServerRequest request, long maxBytes) {
    return read(request, maxBytes, false);
  }

  /** As {@link #readObject}, with every JSON float read as an exact {@code BigDecimal}. */
  public static Mono<ObjectNode> readExactObject(ServerRequest request, long maxBytes) {
    return read(request, maxBytes, true);
  }

  private static Mono<ObjectNode> read(ServerRequest request, long maxBytes, boolean exact) {
    long declared = request.headers().contentLength().orElse(-1);
    if (declared > maxBytes) {
      return Mono.error(GatewayException.tooLarge(maxBytes));
    }
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, maxBytes);
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
        .onErrorMap(DataBufferLimitException.class, e -> GatewayException.tooLarge(maxBytes))
        .switchIfEmpty(
            Mono.error(() -> GatewayException.badRequest(null, "The request body is empty.")))
        .map(buffer -> parse(buffer, exact));
  }

  private static ObjectNode parse(DataBuffer buffer, boolean exact) {
    byte[] bytes = new byte[buffer.readableByteCount()];
    buffer.read(bytes);
    DataBufferUtils.release(buffer);
    JsonNode node;
    try {
      node = exact ? EXACT.readTree(bytes) : Json.MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw GatewayException.invalidJson();
    }
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw GatewayException.invalidJson();
  }
}
