package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.anthropic.AnthropicWire.Usage;
import dev.tollgate.adapter.internal.EventDecoder;
import dev.tollgate.adapter.sse.SseEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the server-sent events of one Anthropic Messages stream into OpenAI {@code
 * chat.completion.chunk} events: text as {@code content}, tool use as {@code tool_calls}, thinking
 * as {@code reasoning_content}. The stream ends with the finish chunk, a usage-only chunk and
 * {@code [DONE]}; usage is reported once, there, because Anthropic's counts are final only then.
 *
 * <p>One instance per stream (it keeps the message id, the tool-call numbering and the usage seen
 * so far); not thread-safe. Build it inside the stream's {@code Flux.defer}.
 */
public final class AnthropicStreamDecoder implements EventDecoder {

  private static final UpstreamEvent PING =
      UpstreamEvent.of(": ping\n\n".getBytes(StandardCharsets.US_ASCII), Kind.COMMENT);

  private final long created;
  private @Nullable OpenAiChunkWriter writer;
  private Usage usage = Usage.NONE;
  private @Nullable String stopReason;
  private boolean finishSent;
  private boolean stopped;

  /** Tool-use blocks by content block index: OpenAI numbers tool calls apart from text. */
  private final Map<Integer, ToolBlock> tools = new HashMap<>();

  private static final class ToolBlock {
    final int index;
    boolean sentArguments;

    ToolBlock(int index) {
      this.index = index;
    }
  }

  /**
   * @param created the {@code created} time of the chunks, in epoch seconds
   */
  public AnthropicStreamDecoder(long created) {
    this.created = created;
  }

  /**
   * Decodes one raw event (as {@link dev.tollgate.adapter.sse.SseEventSplitter} cuts them).
   *
   * @return the OpenAI events it becomes, often none or one
   * @throws UpstreamException for an {@code error} event or an event that breaks the protocol
   */
  @Override
  public List<UpstreamEvent> decode(byte[] event) {
    if (stopped) {
      return List.of(); // anything after message_stop
    }
    int[] range = SseEvent.dataRange(event); // the usual single data line, read in place
    byte[] data = range != null ? event : SseEvent.data(event);
    if (data == null) {
      return List.of(); // a comment
    }
    @Nullable JsonNode node;
    try {
      node =
          range != null
              ? Json.MAPPER.readTree(data, range[0], range[1])
              : Json.MAPPER.readTree(data);
    } catch (JacksonException e) {
      throw UpstreamException.protocol("upstream sent an event that is not valid JSON", e);
    }
    if (node == null || node.isMissingNode()) {
      return List.of(); // an empty data line: a keep-alive
    }
    String type = node.path("type").asString("");
    switch (type) {
      case "ping" -> {
        return List.of(PING);
      }
      case "error" -> throw AnthropicErrorMapper.inStream(node);
      case "message_start" -> {
        return start(node.path("message"));
      }
      default -> {
        // other types follow message_start
      }
    }
    OpenAiChunkWriter w = writer;
    if (w == null) {
      throw UpstreamException.protocol(
          "upstream sent " + safe(type) + " before message_start", null);
    }
    return switch (type) {
      case "content_block_start" ->
          blockStart(w, node.path("index").asInt(-1), node.path("content_block"));
      case "content_block_delta" -> blockDelta(w, node.path("index").asInt(-1), node.path("delta"));
      case "content_block_stop" -> blockStop(w, node.path("index").asInt(-1));
      case "message_delta" -> messageDelta(w, node);
      case "message_stop" -> messageStop(w);
      default -> List.of(); // Anthropic may add event types; unknown ones carry nothing to relay
    };
  }

  /**
   * The upstream closed the stream.
   *
   * @throws UpstreamException when it closed before {@code message_stop}
   */
  @Override
  public List<UpstreamEvent> finish() {
    if (!stopped) {
      throw UpstreamException.protocol("upstream closed the stream before it finished", null);
    }
    return List.of();
  }

  /**
   * After {@code message_stop} the message is complete: a failure while the upstream closes the
   * response ends the stream quietly.
   */
  @Override
  public boolean ended() {
    return stopped;
  }

  private List<UpstreamEvent> start(JsonNode message) {
    if (writer != null) {
      throw UpstreamException.protocol("upstream sent a second message_start", null);
    }
    String id = message.path("id").asString("");
    String model = message.path("model").asString("");
    OpenAiChunkWriter w = new OpenAiChunkWriter(id, created, model);
    writer = w;
    usage = usage.merge(message.path("usage"));
    ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
    return List.of(UpstreamEvent.of(w.chunk(delta, null), Kind.CHUNK));
  }

  private List<UpstreamEvent> blockStart(OpenAiChunkWriter w, int index, JsonNode block) {
    switch (block.path("type").asString("")) {
      case "text" -> {
        return content(w, block.path("text").asString(""));
      }
      case "thinking" -> {
        return reasoning(w, block.path("thinking").asString(""));
      }
      case "tool_use" -> {
        ToolBlock tool = new ToolBlock(tools.size());
        tools.put(index, tool);
        String name = block.path("name").asString("");
        ObjectNode delta = Json.MAPPER.createObjectNode();
        ObjectNode call = delta.putArray("tool_calls").addObject().put("index", tool.index);
        call.put("id", block.path("id").asString(""));
        call.put("type", "function");
        call.putObject("function").put("name", name).put("arguments", "");
        return List.of(event(w, delta, name, null));
      }
      default -> {
        return List.of(); // redacted thinking, server tools: nothing an OpenAI client can read
      }
    }
  }

  private List<UpstreamEvent> blockDelta(OpenAiChunkWriter w, int index, JsonNode delta) {
    switch (delta.path("type").asString("")) {
      case "text_delta" -> {
        return content(w, delta.path("text").asString(""));
      }
      case "thinking_delta" -> {
        return reasoning(w, delta.path("thinking").asString(""));
      }
      case "input_json_delta" -> {
        ToolBlock tool = tools.get(index);
        if (tool == null) {
          throw UpstreamException.protocol(
              "upstream sent input_json_delta for block " + index + ", not a tool_use block", null);
        }
        return arguments(w, tool, delta.path("partial_json").asString(""));
      }
      default -> {
        return List.of(); // signature_delta, citations_delta
      }
    }
  }

  /** A tool call whose arguments never came is closed with {@code {}}: clients parse them. */
  private List<UpstreamEvent> blockStop(OpenAiChunkWriter w, int index) {
    ToolBlock tool = tools.get(index);
    return tool == null || tool.sentArguments ? List.of() : arguments(w, tool, "{}");
  }

  private List<UpstreamEvent> messageDelta(OpenAiChunkWriter w, JsonNode node) {
    usage = usage.merge(node.path("usage")); // cumulative counts: the latest are the totals
    JsonNode reason = node.path("delta").path("stop_reason");
    if (reason.isString()) {
      stopReason = reason.asString();
    }
    return stopReason == null || finishSent ? List.of() : finishAndUsage(w);
  }

  private List<UpstreamEvent> messageStop(OpenAiChunkWriter w) {
    stopped = true;
    List<UpstreamEvent> out = new ArrayList<>(3);
    if (!finishSent) {
      out.addAll(finishAndUsage(w));
    }
    out.add(UpstreamEvent.of(OpenAiChunkWriter.DONE, Kind.DONE));
    return out;
  }

  private List<UpstreamEvent> finishAndUsage(OpenAiChunkWriter w) {
    finishSent = true;
    String finish = AnthropicWire.finishReason(stopReason);
    byte[] last = w.chunk(Json.MAPPER.createObjectNode(), finish);
    var tokens = usage.toTokenUsage();
    return List.of(
        new UpstreamEvent(last, Kind.CHUNK, null, null, null, finish),
        new UpstreamEvent(w.usage(tokens), Kind.USAGE_ONLY, null, null, tokens, null));
  }

  private List<UpstreamEvent> content(OpenAiChunkWriter w, String text) {
    if (text.isEmpty()) {
      return List.of();
    }
    return List.of(event(w, Json.MAPPER.createObjectNode().put("content", text), text, null));
  }

  private List<UpstreamEvent> reasoning(OpenAiChunkWriter w, String text) {
    if (text.isEmpty()) {
      return List.of();
    }
    ObjectNode delta = Json.MAPPER.createObjectNode().put("reasoning_content", text);
    return List.of(event(w, delta, null, text));
  }

  private List<UpstreamEvent> arguments(OpenAiChunkWriter w, ToolBlock tool, String json) {
    if (json.isEmpty()) {
      return List.of();
    }
    tool.sentArguments = true;
    ObjectNode delta = Json.MAPPER.createObjectNode();
    ObjectNode call = delta.putArray("tool_calls").addObject().put("index", tool.index);
    call.putObject("function").put("arguments", json);
    return List.of(event(w, delta, json, null));
  }

  private static UpstreamEvent event(
      OpenAiChunkWriter w, ObjectNode delta, @Nullable String text, @Nullable String reasoning) {
    return new UpstreamEvent(w.chunk(delta, null), Kind.CHUNK, text, reasoning, null, null);
  }

  /** An event type for a message: only what Anthropic's types look like, never content. */
  private static String safe(String type) {
    return type.matches("[a-z_]{1,40}") ? type : "an unknown event";
  }
}
