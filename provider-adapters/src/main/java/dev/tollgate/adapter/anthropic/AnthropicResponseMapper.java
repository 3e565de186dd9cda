package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.anthropic.AnthropicWire.Usage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates a whole Anthropic {@code message} into an OpenAI {@code chat.completion} body: text
 * blocks joined as {@code content}, thinking as {@code reasoning_content}, tool use as {@code
 * tool_calls} (arguments as a JSON string), and the usage in OpenAI's terms.
 */
public final class AnthropicResponseMapper {

  private AnthropicResponseMapper() {}

  /**
   * @param created the {@code created} time of the completion, in epoch seconds
   * @throws UpstreamException when the body is not an Anthropic message
   */
  public static UpstreamResponse toResponse(byte[] body, long created) {
    JsonNode message = message(body);
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    StringBuilder metered = new StringBuilder(); // text and tool calls, as the stream meters them
    ArrayNode toolCalls = Json.MAPPER.createArrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asString("")) {
        case "text" -> text.append(block.path("text").asString(""));
        case "thinking" -> reasoning.append(block.path("thinking").asString(""));
        case "tool_use" -> {
          String name = block.path("name").asString("");
          JsonNode input = block.path("input");
          String arguments =
              Json.MAPPER.writeValueAsString(
                  input.isObject() ? input : Json.MAPPER.createObjectNode());
          ObjectNode call = toolCalls.addObject();
          call.put("id", block.path("id").asString(""));
          call.put("type", "function");
          call.putObject("function").put("name", name).put("arguments", arguments);
          metered.append(name).append(arguments);
        }
        default -> {
          // redacted thinking, server tool blocks: nothing an OpenAI client can read
        }
      }
    }
    JsonNode usageNode = message.path("usage");
    TokenUsage usage = usageNode.isObject() ? Usage.NONE.merge(usageNode).toTokenUsage() : null;

    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("id", message.path("id").asString(""));
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", message.path("model").asString(""));
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode reply = choice.putObject("message");
    reply.put("role", "assistant");
    reply.put("content", text.isEmpty() && !toolCalls.isEmpty() ? null : text.toString());
    if (!reasoning.isEmpty()) {
      reply.put("reasoning_content", reasoning.toString());
    }
    if (!toolCalls.isEmpty()) {
      reply.set("tool_calls", toolCalls);
    }
    choice.putNull("logprobs");
    JsonNode stop = message.path("stop_reason");
    choice.put(
        "finish_reason", AnthropicWire.finishReason(stop.isString() ? stop.asString() : null));
    if (usage != null) {
      out.set("usage", openAiUsage(usage));
    }
    return new UpstreamResponse(
        Json.MAPPER.writeValueAsBytes(out),
        usage,
        text.append(metered).toString(),
        reasoning.toString());
  }

  /**
   * A whole message relayed as it came: the body untouched, with the usage and the generated text
   * read from it as {@link #toResponse} reads them.
   *
   * @throws UpstreamException when the body is not an Anthropic message
   */
  public static UpstreamResponse toNativeResponse(byte[] body) {
    JsonNode message = message(body);
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asString("")) {
        case "text" -> text.append(block.path("text").asString(""));
        case "thinking" -> reasoning.append(block.path("thinking").asString(""));
        case "tool_use" -> {
          JsonNode input = block.path("input");
          text.append(block.path("name").asString(""))
              .append(
                  Json.MAPPER.writeValueAsString(
                      input.isObject() ? input : Json.MAPPER.createObjectNode()));
        }
        default -> {
          // redacted thinking, server tool blocks: nothing to count
        }
      }
    }
    JsonNode usageNode = message.path("usage");
    TokenUsage usage = usageNode.isObject() ? Usage.NONE.merge(usageNode).toTokenUsage() : null;
    return new UpstreamResponse(body, usage, text.toString(), reasoning.toString(), true);
  }

  private static JsonNode message(byte[] body) {
    JsonNode message;
    try {
      message = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw UpstreamException.protocol("upstream sent a body that is not valid JSON", e);
    }
    if (message == null || !"message".equals(message.path("type").asString(""))) {
      if (message != null && message.path("error").isObject()) {
        throw AnthropicErrorMapper.inStream(message);
      }
      throw UpstreamException.protocol("upstream sent a body that is not a message", null);
    }
    return message;
  }

  /** OpenAI's {@code usage} object for a usage the gateway meters. */
  static ObjectNode openAiUsage(TokenUsage usage) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("prompt_tokens", usage.promptTokens());
    out.put("completion_tokens", usage.completionTokens());
    out.put("total_tokens", usage.promptTokens() + usage.completionTokens());
    ObjectNode details = out.putObject("prompt_tokens_details");
    details.put("cached_tokens", usage.cachedPromptTokens());
    if (usage.cacheWriteTokens() > 0) {
      // OpenRouter's name for it; OpenAI's usage has no such field
      details.put("cache_write_tokens", usage.cacheWriteTokens());
    }
    return out;
  }
}
