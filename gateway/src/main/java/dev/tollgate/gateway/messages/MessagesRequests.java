package dev.tollgate.gateway.messages;

import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import dev.tollgate.gateway.pipeline.ChatRequests;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks the top level of an Anthropic Messages request before anything is spent on it: what the
 * API requires ({@code model}, {@code max_tokens}, non-empty {@code messages} with roles {@code
 * user} or {@code assistant}) and the types of the fields the gateway reads. The content blocks are
 * checked while {@link MessagesRequestTranslator} translates them. Messages name the field the way
 * Anthropic's do ({@code messages.0.role}).
 */
final class MessagesRequests {

  /** Anthropic's minimum thinking budget. */
  static final long MIN_THINKING_BUDGET = 1024;

  private MessagesRequests() {}

  /**
   * @return the requested model id
   * @throws GatewayException (400) naming the bad field
   */
  static String validate(ObjectNode body) {
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw bad("model", "model: Field required");
    }
    if (!model.isString() || model.asString().isBlank()) {
      throw bad("model", "model: " + model + " (expected: a non-empty string)");
    }
    Long maxTokens = JsonBodies.integer(body, "max_tokens", 1, ChatRequests.MAX_OUTPUT_TOKENS);
    if (maxTokens == null) {
      throw bad("max_tokens", "max_tokens: Field required");
    }
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw bad("messages", "messages: Field required");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw bad("messages", "messages: expected a non-empty array of message objects");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages." + i;
      if (!message.isObject()) {
        throw bad(at, at + ": expected an object with 'role' and 'content'");
      }
      String role = message.path("role").asString("");
      if (!role.equals("user") && !role.equals("assistant")) {
        throw bad(
            at + ".role", at + ".role: " + message.get("role") + " (expected: user or assistant)");
      }
      JsonNode content = message.get("content");
      if (content == null || !(content.isString() || content.isArray())) {
        throw bad(at + ".content", at + ".content: expected a string or an array of blocks");
      }
    }
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isNull() && !stream.isBoolean()) {
      throw bad("stream", "stream: " + stream + " (expected: true or false)");
    }
    number(body, "temperature");
    number(body, "top_p");
    JsonNode thinking = body.path("thinking");
    if (thinking.isObject() && "enabled".equals(thinking.path("type").asString(""))) {
      Long budget =
          JsonBodies.integer(
              thinking,
              "budget_tokens",
              "thinking.budget_tokens",
              MIN_THINKING_BUDGET,
              Math.max(MIN_THINKING_BUDGET, maxTokens - 1));
      if (budget == null || budget >= maxTokens) {
        throw bad(
            "thinking.budget_tokens",
            "thinking.budget_tokens: "
                + budget
                + " (expected: an integer >= "
                + MIN_THINKING_BUDGET
                + " and < max_tokens)");
      }
    }
    return model.asString();
  }

  static GatewayException bad(String param, String message) {
    return GatewayException.badRequest(param, message);
  }

  private static void number(ObjectNode body, String name) {
    JsonNode value = body.get(name);
    if (value != null && !value.isNull() && !value.isNumber()) {
      throw bad(name, name + ": " + value + " (expected: a number)");
    }
  }
}
