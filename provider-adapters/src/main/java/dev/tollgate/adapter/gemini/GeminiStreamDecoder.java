package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.gemini.GeminiWire.FunctionCall;
import dev.tollgate.adapter.gemini.GeminiWire.Part;
import dev.tollgate.adapter.gemini.GeminiWire.Response;
import dev.tollgate.adapter.gemini.GeminiWire.Text;
import dev.tollgate.adapter.gemini.GeminiWire.Thought;
import dev.tollgate.adapter.gemini.GeminiWire.Usage;
import dev.tollgate.adapter.internal.EventDecoder;
import dev.tollgate.adapter.sse.SseEvent;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Translates one Gemini stream ({@code streamGenerateContent?alt=sse}) into OpenAI {@code
 * chat.completion.chunk} events. Each Gemini event becomes at most one delta chunk; when the
 * upstream's body ends, {@link #finish()} adds the finish chunk, the usage-only chunk and {@code
 * [DONE]}, which Gemini does not send.
 *
 * <p>Stateful, one per stream (the adapter makes it inside {@code Flux.defer}); not thread-safe.
 */
final class GeminiStreamDecoder implements EventDecoder {

  private final String fallbackModel;
  private @Nullable ChatChunkWriter writer;
  private int toolCalls;
  private @Nullable String geminiFinish;
  private @Nullable Usage usage;

  /**
   * @param fallbackModel the {@code model} of the chunks when the upstream does not name its model
   *     version
   */
  GeminiStreamDecoder(String fallbackModel) {
    this.fallbackModel = fallbackModel;
  }

  /**
   * The chunks for one raw server-sent event (with its blank line): empty for comments and for
   * events that carry nothing to relay.
   *
   * @throws UpstreamException for an error event, a refused prompt, or data that is not JSON
   */
  @Override
  public List<UpstreamEvent> decode(byte[] event) {
    byte[] data = SseEvent.data(event);
    if (data == null || isBlank(data) || SseEvent.isDone(data, 0, data.length)) {
      return List.of();
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(data);
    } catch (JacksonException e) {
      throw UpstreamException.protocol("upstream sent an event that is not valid JSON", e);
    }
    if (!root.isObject()) {
      throw UpstreamException.protocol("upstream sent an event that is not a JSON object", null);
    }
    if (root.path("error").isObject()) {
      throw GeminiErrorMapper.inStream(root.path("error"));
    }
    Response response = Response.of(root);
    if (response.blockReason() != null) {
      throw GeminiErrorMapper.blocked(response.blockReason());
    }
    if (response.usage() != null) {
      usage = response.usage(); // cumulative: the last one counts
    }
    boolean first = writer == null;
    ChatChunkWriter chunks = writer;
    if (chunks == null) {
      String model = response.modelVersion();
      chunks =
          writer =
              new ChatChunkWriter(
                  ChatChunkWriter.newId(),
                  System.currentTimeMillis() / 1000,
                  model == null ? fallbackModel : model);
    }
    if (response.candidate() == null) {
      return first ? List.of(roleChunk(chunks)) : List.of();
    }
    if (response.candidate().finishReason() != null) {
      geminiFinish = response.candidate().finishReason();
    }
    return delta(chunks, first, response.candidate().parts());
  }

  private List<UpstreamEvent> delta(ChatChunkWriter chunks, boolean first, List<Part> parts) {
    StringBuilder content = null;
    StringBuilder reasoning = null;
    List<FunctionCall> calls = List.of();
    StringBuilder metered = null; // content, then the tool calls' names and arguments
    for (Part part : parts) {
      switch (part) {
        case Text t when !t.text().isEmpty() ->
            (content == null ? content = new StringBuilder() : content).append(t.text());
        case Text t -> {} // Gemini ends some streams with an empty text part
        case Thought t when !t.text().isEmpty() ->
            (reasoning == null ? reasoning = new StringBuilder() : reasoning).append(t.text());
        case Thought t -> {}
        case FunctionCall c -> {
          if (calls.isEmpty()) {
            calls = new ArrayList<>(2);
          }
          calls.add(c);
        }
      }
    }
    if (content != null) {
      metered = new StringBuilder(content);
    }
    for (FunctionCall c : calls) {
      (metered == null ? metered = new StringBuilder() : metered)
          .append(c.name())
          .append(ChatChunkWriter.arguments(c));
    }
    if (!first && content == null && reasoning == null && calls.isEmpty()) {
      return List.of();
    }
    String text = content == null ? null : content.toString();
    String thoughts = reasoning == null ? null : reasoning.toString();
    byte[] bytes = chunks.delta(first, text, thoughts, calls, toolCalls);
    toolCalls += calls.size();
    return List.of(
        new UpstreamEvent(
            bytes, Kind.CHUNK, metered == null ? null : metered.toString(), thoughts, null, null));
  }

  /**
   * The end of the upstream's body: the finish chunk, the usage-only chunk (when the upstream
   * reported usage) and {@code [DONE]}.
   *
   * @throws UpstreamException when the upstream never said it finished: it cut the stream off
   */
  @Override
  public List<UpstreamEvent> finish() {
    String reason = geminiFinish;
    ChatChunkWriter chunks = writer;
    if (reason == null || chunks == null) {
      throw UpstreamException.protocol("upstream closed the stream before it finished", null);
    }
    String finishReason = GeminiWire.finishReason(reason, toolCalls > 0);
    List<UpstreamEvent> events = new ArrayList<>(3);
    events.add(
        new UpstreamEvent(chunks.finish(finishReason), Kind.CHUNK, null, null, null, finishReason));
    Usage reported = usage;
    if (reported != null) {
      var tokens = reported.toTokenUsage();
      events.add(
          new UpstreamEvent(chunks.usage(tokens), Kind.USAGE_ONLY, null, null, tokens, null));
    }
    events.add(UpstreamEvent.of(ChatChunkWriter.DONE, Kind.DONE));
    return events;
  }

  private static UpstreamEvent roleChunk(ChatChunkWriter chunks) {
    return UpstreamEvent.of(chunks.delta(true, null, null, List.of(), 0), Kind.CHUNK);
  }

  private static boolean isBlank(byte[] data) {
    for (byte b : data) {
      if (b != ' ' && b != '\t') {
        return false;
      }
    }
    return true;
  }
}
