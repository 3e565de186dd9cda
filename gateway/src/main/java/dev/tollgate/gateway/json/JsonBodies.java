package dev.tollgate.gateway.json;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.error.GatewayException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a request body as one JSON object, refusing bodies over the limit before reading them; and
 * the checks every endpoint shares for the integers and texts it reads from one, so that a value
 * the gateway cannot hold (a number past {@code long}, a NUL that PostgreSQL refuses in text, a
 * line break that would forge a log line) is a 400 naming the field, never a 500.
 */
public final class JsonBodies {

  /** The most characters of a text field the control plane stores: names, ids, references. */
  public static final int MAX_TEXT_LENGTH = 200;

  private JsonBodies() {}

  /**
   * An optional integer field of {@code body} from {@code min} to {@code max}.
   *
   * @return the value, or null when absent or JSON null
   * @throws GatewayException (400) naming the field, for anything else: a float, a string, an
   *     integer out of range (also one past {@code long})
   */
  public static @Nullable Long integer(JsonNode body, String field, long min, long max) {
    return integer(body, field, field, min, max);
  }

  /** As {@link #integer(JsonNode, String, long, long)}, naming the field {@code param}. */
  public static @Nullable Long integer(
      JsonNode body, String field, String param, long min, long max) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.longValue() < min
        || value.longValue() > max) {
      throw GatewayException.badRequest(
          param,
          param
              + ": "
              + abbreviated(value)
              + " (expected: an integer from "
              + min
              + " to "
              + max
              + ")");
    }
    return value.longValue();
  }

  /**
   * Checks a text the gateway stores or logs: 1 to {@code maxLength} characters, none of them a
   * control character (PostgreSQL refuses NUL in text; a line break would forge a log line).
   *
   * @return {@code value}
   * @throws GatewayException (400) naming the field
   */
  public static String text(String param, String value, int maxLength) {
    if (isStorable(value, maxLength)) {
      return value;
    }
    if (value.isEmpty() || value.length() > maxLength) {
      throw GatewayException.badRequest(
          param, param + ": " + value.length() + " characters (expected: 1 to " + maxLength + ")");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw GatewayException.badRequest(
            param,
            param
                + ": a control character (U+"
                + String.format("%04X", (int) value.charAt(i))
                + ") at index "
                + i
                + " (expected: printable text, no NUL, line break or other control character)");
      }
    }
    return value;
  }

  /**
   * Whether {@code value} passes {@link #text}: for ids from a path, where a value that cannot be
   * stored cannot name anything stored either, and the answer is a 404 without asking the store.
   */
  public static boolean isStorable(String value, int maxLength) {
    if (value.isEmpty() || value.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** A bad number as it may be echoed: never more than a few dozen characters. */
  private static String abbreviated(JsonNode value) {
    String text = value.toString();
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

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

  /**
   * Where numbers are read exactly (amounts), a number in exponent notation ({@code 1e3}) is
   * refused as it is in a string: the one spelling of an amount is plain digits. Admin bodies are
   * small; this pass costs little and names the field.
   */
  private static void refuseExponents(byte[] bytes) {
    try (JsonParser parser = Json.MAPPER.createParser(bytes)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
          String text = parser.getString();
          if (text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
            String field = parser.currentName();
            throw GatewayException.badRequest(
                field,
                (field == null ? "A number" : field)
                    + ": "
                    + (text.length() <= 40 ? text : text.substring(0, 37) + "...")
                    + " (expected: a plain decimal such as 12.50, no exponent)");
          }
        }
      }
    }
  }

  private static ObjectNode parse(DataBuffer buffer, boolean exact) {
    byte[] bytes = new byte[buffer.readableByteCount()];
    buffer.read(bytes);
    DataBufferUtils.release(buffer);
    JsonNode node;
    try {
      if (exact) {
        refuseExponents(bytes);
      }
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
