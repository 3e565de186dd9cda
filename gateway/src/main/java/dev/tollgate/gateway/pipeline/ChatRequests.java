package dev.tollgate.gateway.pipeline;

import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a chat-completions request before anything is spent on it. Checks only what the gateway
 * itself relies on; the upstream judges the rest.
 */
public final class ChatRequests {

  /**
   * The most output tokens a request may ask for ({@code max_tokens}, {@code
   * max_completion_tokens}, and Anthropic's {@code max_tokens} on {@code /v1/messages}): above what
   * any model produces in one answer, far below what would overflow a reservation. A larger value
   * is a 400 before anything is reserved.
   */
  public static final long MAX_OUTPUT_TOKENS = 1_000_000;

  /** OpenAI's own bound on {@code n}, the number of choices. */
  public static final long MAX_CHOICES = 128;

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
    JsonBodies.integer(body, "max_tokens", 1, MAX_OUTPUT_TOKENS);
    JsonBodies.integer(body, "max_completion_tokens", 1, MAX_OUTPUT_TOKENS);
    JsonBodies.integer(body, "n", 1, MAX_CHOICES);
    JsonBodies.integer(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE);
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
}
