package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.gemini.GeminiWire.FunctionCall;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes OpenAI {@code chat.completion.chunk} events for one translated stream: every chunk carries
 * the same {@code id}, {@code created} and {@code model}, as OpenAI's own streams do. One per
 * stream.
 */
final class ChatChunkWriter {

  static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  private final String id;
  private final long created;
  private final String model;

  ChatChunkWriter(String id, long created, String model) {
    this.id = id;
    this.created = created;
    this.model = model;
  }

  /** A fresh {@code chatcmpl-...} id: random, not secure (it names a response, guards nothing). */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "chatcmpl-"
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }

  String model() {
    return model;
  }

  /**
   * A delta chunk.
   *
   * @param role whether to say {@code role: "assistant"} (the first chunk does)
   * @param firstToolIndex the stream-wide index of {@code calls.get(0)}
   */
  byte[] delta(
      boolean role,
      @Nullable String content,
      @Nullable String reasoning,
      List<FunctionCall> calls,
      int firstToolIndex) {
    ObjectNode chunk = chunk();
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode delta = choice.putObject("delta");
    if (role) {
      delta.put("role", "assistant");
    }
    if (content != null || (role && reasoning == null && calls.isEmpty())) {
      delta.put("content", content == null ? "" : content);
    }
    if (reasoning != null) {
      delta.put("reasoning_content", reasoning);
    }
    if (!calls.isEmpty()) {
      ArrayNode toolCalls = delta.putArray("tool_calls");
      for (int i = 0; i < calls.size(); i++) {
        ObjectNode call = toolCall(calls.get(i), newCallId(calls.get(i)));
        toolCalls.add(call.put("index", firstToolIndex + i));
      }
    }
    choice.putNull("finish_reason");
    return event(chunk);
  }

  /** The last chunk of the answer: an empty delta and the finish reason. */
  byte[] finish(String finishReason) {
    ObjectNode chunk = chunk();
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("delta");
    choice.put("finish_reason", finishReason);
    return event(chunk);
  }

  /** The usage-only chunk ({@code choices: []}) that {@code stream_options.include_usage} asks. */
  byte[] usage(TokenUsage usage) {
    ObjectNode chunk = chunk();
    chunk.putArray("choices");
    chunk.set("usage", usageJson(usage));
    return event(chunk);
  }

  /** OpenAI's usage object, with the cached and reasoning details. */
  static ObjectNode usageJson(TokenUsage usage) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("prompt_tokens", usage.promptTokens());
    json.put("completion_tokens", usage.completionTokens());
    json.put("total_tokens", usage.promptTokens() + usage.completionTokens());
    json.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
    json.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
    return json;
  }

  /**
   * One OpenAI tool call, arguments as a JSON string. Gemini 3's thought signature rides along as
   * {@code extra_content.google.thought_signature}, where Google's own OpenAI endpoint puts it.
   */
  static ObjectNode toolCall(FunctionCall call, String id) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("id", id);
    json.put("type", "function");
    ObjectNode function = json.putObject("function");
    function.put("name", call.name());
    function.put("arguments", arguments(call));
    if (call.thoughtSignature() != null) {
      json.putObject("extra_content")
          .putObject("google")
          .put("thought_signature", call.thoughtSignature());
    }
    return json;
  }

  static String arguments(FunctionCall call) {
    return call.args() == null ? "{}" : Json.MAPPER.writeValueAsString(call.args());
  }

  /** The upstream's call id when it sent one, else a fresh {@code call_...} id. */
  static String newCallId(FunctionCall call) {
    String id = call.id();
    if (id != null && !id.isEmpty()) {
      return id;
    }
    return "call_" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  private ObjectNode chunk() {
    ObjectNode chunk = Json.MAPPER.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    return chunk;
  }

  private static byte[] event(ObjectNode json) {
    byte[] payload = Json.MAPPER.writeValueAsBytes(json);
    byte[] event = new byte[DATA.length + payload.length + 2];
    System.arraycopy(DATA, 0, event, 0, DATA.length);
    System.arraycopy(payload, 0, event, DATA.length, payload.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }
}
