package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.sse.SseStreams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recorded OpenAI-dialect streams, decoded by the code under test, and read a second time without
 * it (a Jackson tree) to have something independent to compare with.
 */
final class OpenAiFixtureStreams {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private OpenAiFixtureStreams() {}

  /** One event of a fixture: its bytes and what the decoder made of them. */
  record Decoded(byte[] event, UpstreamEvent decoded) {}

  /** Generated output of one event, null when it has none (as the decoder reports it). */
  record Expected(@Nullable String text, @Nullable String reasoning) {}

  static List<Decoded> decodeAll(String fixture) {
    List<Decoded> decoded = new ArrayList<>();
    for (byte[] event : SseStreams.split(Fixtures.bytes(fixture))) {
      decoded.add(new Decoded(event, OpenAiStreamDecoder.decode(event)));
    }
    return decoded;
  }

  /** The event's JSON data, read without the code under test; null for comments and [DONE]. */
  static @Nullable JsonNode json(byte[] event) {
    List<String> data = new ArrayList<>();
    for (String line : new String(event, StandardCharsets.UTF_8).split("\r?\n")) {
      if (line.startsWith("data:")) {
        String value = line.substring(5);
        data.add(value.startsWith(" ") ? value.substring(1) : value);
      }
    }
    String joined = String.join("\n", data);
    return data.isEmpty() || joined.equals("[DONE]") ? null : JSON.readTree(joined);
  }

  /**
   * Generated output as the OpenAI dialects put it in a tree. Chat: {@code choices[].delta.content}
   * (a string, or Mistral's parts, thinking parts being reasoning), tool-call {@code function.name}
   * and {@code function.arguments}, and {@code reasoning}/{@code reasoning_content}. Responses: the
   * deltas of {@code response.output_text.delta} as text and of {@code
   * response.reasoning_summary_text.delta} as reasoning.
   */
  static Expected expectedOutput(@Nullable JsonNode json) {
    if (json == null) {
      return new Expected(null, null);
    }
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    String type = json.path("type").asString("");
    if (type.equals("response.output_text.delta")) {
      text.append(json.path("delta").asString());
    } else if (type.equals("response.reasoning_summary_text.delta")) {
      reasoning.append(json.path("delta").asString());
    }
    for (JsonNode choice : json.path("choices")) {
      JsonNode delta = choice.path("delta");
      JsonNode content = delta.path("content");
      if (content.isString()) {
        text.append(content.asString());
      }
      for (JsonNode part : content.isArray() ? content : JSON.createArrayNode()) {
        if (part.path("type").asString("").equals("thinking")) {
          for (JsonNode thought : part.path("thinking")) {
            reasoning.append(thought.path("text").asString(""));
          }
        } else {
          text.append(part.path("text").asString(""));
        }
      }
      for (String field : List.of("reasoning", "reasoning_content")) {
        if (delta.path(field).isString()) {
          reasoning.append(delta.path(field).asString());
        }
      }
      for (JsonNode call : delta.path("tool_calls")) {
        text.append(call.path("function").path("name").asString(""));
        text.append(call.path("function").path("arguments").asString(""));
      }
    }
    return new Expected(
        text.isEmpty() ? null : text.toString(), reasoning.isEmpty() ? null : reasoning.toString());
  }

  static List<Integer> indexesWhere(List<Decoded> events, Predicate<Decoded> test) {
    return IntStream.range(0, events.size()).filter(i -> test.test(events.get(i))).boxed().toList();
  }

  static long count(List<Decoded> events, Predicate<Decoded> test) {
    return events.stream().filter(test).count();
  }
}
