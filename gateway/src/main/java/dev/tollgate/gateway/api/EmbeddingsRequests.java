package dev.tollgate.gateway.api;

import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks an OpenAI embeddings request before anything is spent on it: the model, the shape of
 * {@code input} (what the gateway counts and bills), {@code encoding_format} and {@code
 * dimensions}. The upstream judges the rest.
 */
public final class EmbeddingsRequests {

  /** The most {@code dimensions} a request may ask for: above every embedding model's output. */
  public static final long MAX_DIMENSIONS = 65_536;

  private EmbeddingsRequests() {}

  /**
   * @return the requested model id
   * @throws GatewayException (400) naming the bad parameter
   */
  public static String validate(ObjectNode body) {
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw GatewayException.badRequest("model", "You must provide a model parameter.");
    }
    if (!model.isString() || model.asString().isBlank()) {
      throw GatewayException.badRequest("model", "model: expected a non-empty string.");
    }
    input(body.get("input"));
    JsonNode format = body.get("encoding_format");
    if (format != null
        && !format.isNull()
        && !(format.isString()
            && (format.asString().equals("float") || format.asString().equals("base64")))) {
      throw GatewayException.badRequest(
          "encoding_format", "encoding_format: " + format + " (expected: \"float\" or \"base64\")");
    }
    JsonBodies.integer(body, "dimensions", 1, MAX_DIMENSIONS);
    return model.asString();
  }

  /** A non-empty string, or a non-empty array of strings, of token ids, or of token-id arrays. */
  private static void input(JsonNode input) {
    if (input == null || input.isNull()) {
      throw GatewayException.badRequest("input", "Missing required parameter: 'input'.");
    }
    if (input.isString()) {
      if (input.asString().isEmpty()) {
        throw GatewayException.badRequest("input", "input: \"\" (expected: a non-empty string)");
      }
      return;
    }
    if (!input.isArray() || input.isEmpty()) {
      throw GatewayException.badRequest(
          "input",
          "input: expected a non-empty string, or a non-empty array of strings, of token ids or"
              + " of token-id arrays.");
    }
    JsonNode first = input.get(0);
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      boolean ok =
          first.isString()
              ? item.isString() && !item.asString().isEmpty()
              : first.isArray() ? tokenIds(item) : tokenId(item);
      if (!ok) {
        String expected =
            first.isString()
                ? "a non-empty string, as input[0]"
                : first.isArray()
                    ? "a non-empty array of token ids (integers >= 0), as input[0]"
                    : "a token id (an integer >= 0), as input[0]";
        throw GatewayException.badRequest(
            "input", "input[" + i + "]: " + abbreviated(item) + " (expected: " + expected + ")");
      }
    }
  }

  private static boolean tokenIds(JsonNode item) {
    if (!item.isArray() || item.isEmpty()) {
      return false;
    }
    for (JsonNode id : item) {
      if (!tokenId(id)) {
        return false;
      }
    }
    return true;
  }

  private static boolean tokenId(JsonNode item) {
    return item.isIntegralNumber() && item.canConvertToLong() && item.asLong() >= 0;
  }

  /** The bad value's kind, never its text: input is the client's content, not ours to echo. */
  private static String abbreviated(JsonNode item) {
    return switch (item.getNodeType()) {
      case STRING -> item.asString().isEmpty() ? "\"\"" : "a string";
      case NUMBER -> item.toString();
      case ARRAY -> item.isEmpty() ? "[]" : "an array";
      case OBJECT -> "an object";
      case BOOLEAN -> item.toString();
      case NULL -> "null";
      default -> "an unexpected value";
    };
  }
}
