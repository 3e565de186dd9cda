package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.sse.SseEventSplitter;
import dev.tollgate.adapter.sse.SseStreams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recorded Anthropic streams run through the splitter and the decoder, and both sides read again
 * without the code under test (a Jackson tree of their own) to have something to compare with.
 */
final class AnthropicFixtureStreams {

  static final long CREATED = 1_763_700_000L;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private AnthropicFixtureStreams() {}

  /** The stream cut into reads at {@code cuts} (sorted offsets), split, decoded and finished. */
  static List<UpstreamEvent> decode(byte[] stream, List<Integer> cuts) {
    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);
    AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(CREATED);
    List<UpstreamEvent> out = new ArrayList<>();
    int from = 0;
    List<Integer> ends = new ArrayList<>(cuts);
    ends.add(stream.length);
    for (int end : ends) {
      for (byte[] event : splitter.feed(stream, from, end - from)) {
        out.addAll(decoder.decode(event));
      }
      from = end;
    }
    for (byte[] event : splitter.finish()) {
      out.addAll(decoder.decode(event));
    }
    out.addAll(decoder.finish());
    return out;
  }

  static List<UpstreamEvent> decode(byte[] stream) {
    return decode(stream, List.of());
  }

  /** The event's JSON data, null for comments and {@code [DONE]}. */
  static @Nullable JsonNode json(byte[] event) {
    StringBuilder data = null;
    for (String line : new String(event, StandardCharsets.UTF_8).split("\r?\n")) {
      if (line.startsWith("data:")) {
        String value = line.substring(line.startsWith("data: ") ? 6 : 5);
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return data == null || data.toString().equals("[DONE]") ? null : JSON.readTree(data.toString());
  }

  /** One tool call as a client assembles it. */
  record Call(String id, String name, String arguments) {}

  /**
   * What an Anthropic stream says, or what an OpenAI client assembles from the translated chunks:
   * the same shape, so the two can be compared.
   */
  record Transcript(
      String id,
      String model,
      String text,
      String reasoning,
      List<Call> calls,
      @Nullable String finish,
      @Nullable JsonNode usage) {}

  /** Reads a recorded Anthropic stream the way its documentation describes it. */
  static Transcript anthropic(byte[] stream) {
    String id = "";
    String model = "";
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    Map<Integer, String[]> calls = new LinkedHashMap<>();
    String stop = null;
    for (String event : SseStreams.referenceSplit(stream)) {
      JsonNode json = json(event.getBytes(StandardCharsets.ISO_8859_1));
      if (json == null) {
        continue;
      }
      switch (json.path("type").asString()) {
        case "message_start" -> {
          id = json.path("message").path("id").asString();
          model = json.path("message").path("model").asString();
        }
        case "content_block_start" -> {
          JsonNode block = json.path("content_block");
          if (block.path("type").asString().equals("tool_use")) {
            calls.put(
                json.path("index").asInt(),
                new String[] {block.path("id").asString(), block.path("name").asString(), ""});
          }
        }
        case "content_block_delta" -> {
          JsonNode delta = json.path("delta");
          switch (delta.path("type").asString()) {
            case "text_delta" -> text.append(delta.path("text").asString());
            case "thinking_delta" -> reasoning.append(delta.path("thinking").asString());
            case "input_json_delta" ->
                calls.get(json.path("index").asInt())[2] += delta.path("partial_json").asString();
            default -> {}
          }
        }
        case "message_delta" -> stop = json.path("delta").path("stop_reason").asString();
        default -> {}
      }
    }
    List<Call> list = calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList();
    return new Transcript(id, model, text.toString(), reasoning.toString(), list, stop, null);
  }

  /** Assembles translated events the way an OpenAI client does. */
  static Transcript openAi(List<UpstreamEvent> events) {
    String id = null;
    String model = null;
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    Map<Integer, String[]> calls = new LinkedHashMap<>();
    String finish = null;
    JsonNode usage = null;
    for (UpstreamEvent event : events) {
      // a coalesced event holds several chunks: cut them apart again
      for (String one : SseStreams.referenceSplit(event.bytes())) {
        JsonNode json = json(one.getBytes(StandardCharsets.ISO_8859_1));
        if (json == null) {
          continue;
        }
        id = json.path("id").asString();
        model = json.path("model").asString();
        if (json.has("usage")) {
          usage = json.get("usage");
        }
        for (JsonNode choice : json.path("choices")) {
          JsonNode delta = choice.path("delta");
          text.append(delta.path("content").asString(""));
          reasoning.append(delta.path("reasoning_content").asString(""));
          for (JsonNode call : delta.path("tool_calls")) {
            String[] c = calls.computeIfAbsent(call.path("index").asInt(), i -> new String[3]);
            if (call.has("id")) {
              c[0] = call.path("id").asString();
              c[1] = call.path("function").path("name").asString();
              c[2] = "";
            }
            c[2] += call.path("function").path("arguments").asString("");
          }
          if (choice.path("finish_reason").isString()) {
            finish = choice.path("finish_reason").asString();
          }
        }
      }
    }
    List<Call> list = calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList();
    return new Transcript(
        id == null ? "" : id,
        model == null ? "" : model,
        text.toString(),
        reasoning.toString(),
        list,
        finish,
        usage);
  }
}
