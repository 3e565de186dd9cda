package dev.tollgate.gateway.api;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a chat-completions request before anything is spent on it. Checks only what the gateway
 * itself relies on; the upstream judges the rest.
 */
public final class ChatRequests {

  private ChatRequests() {}

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
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw GatewayException.badRequest("messages", "Missing required parameter: 'messages'.");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw GatewayException.badRequest(
          "messages", "messages: expected a non-empty array of message objects.");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      if (!message.isObject() || !message.path("role").isString()) {
        throw GatewayException.badRequest(
            "messages[" + i + "]", "messages[" + i + "]: expected an object with a string 'role'.");
      }
    }
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isNull() && !stream.isBoolean()) {
      throw GatewayException.badRequest(
          "stream", "stream: " + stream + " (expected: true or false)");
    }
    positiveInteger(body, "max_tokens");
    positiveInteger(body, "max_completion_tokens");
    return model.asString();
  }

  /** {@code max_completion_tokens}, else {@code max_tokens}, else {@code fallback}. */
  public static long maxOutputTokens(ObjectNode body, long fallback) {
    long limit = body.path("max_completion_tokens").asLong(0);
    if (limit <= 0) {
      limit = body.path("max_tokens").asLong(0);
    }
    return limit > 0 ? limit : fallback;
  }

  public static boolean streamed(ObjectNode body) {
    return body.path("stream").asBoolean(false);
  }

  public static boolean wantsUsage(ObjectNode body) {
    return body.path("stream_options").path("include_usage").asBoolean(false);
  }

  private static void positiveInteger(ObjectNode body, String name) {
    JsonNode value = body.get(name);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isIntegralNumber() || value.asLong() <= 0) {
      throw GatewayException.badRequest(name, name + ": " + value + " (expected: an integer > 0)");
    }
  }
}
