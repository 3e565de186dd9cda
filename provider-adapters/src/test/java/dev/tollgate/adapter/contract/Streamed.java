package dev.tollgate.adapter.contract;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The events of one stream an adapter produced: what its decoder reported (text, reasoning, usage,
 * finish reason) and, read back from the relayed bytes as an OpenAI client would, the content, tool
 * calls and reasoning the chunks carry.
 */
record Streamed(List<UpstreamEvent> events) {

  String text() {
    StringBuilder out = new StringBuilder();
    events.stream().map(UpstreamEvent::text).filter(Objects::nonNull).forEach(out::append);
    return out.toString();
  }

  String reasoning() {
    StringBuilder out = new StringBuilder();
    events.stream().map(UpstreamEvent::reasoning).filter(Objects::nonNull).forEach(out::append);
    return out.toString();
  }

  @Nullable String lastFinishReason() {
    String last = null;
    for (UpstreamEvent e : events) {
      if (e.finishReason() != null) {
        last = e.finishReason();
      }
    }
    return last;
  }

  @Nullable TokenUsage lastUsage() {
    TokenUsage last = null;
    for (UpstreamEvent e : events) {
      if (e.usage() != null) {
        last = e.usage();
      }
    }
    return last;
  }

  /** The string {@code delta.content} of every chunk, joined. */
  String contentInBytes() {
    StringBuilder out = new StringBuilder();
    for (JsonNode delta : deltas()) {
      if (delta.path("content").isString()) {
        out.append(delta.path("content").asString());
      }
    }
    return out.toString();
  }

  /**
   * The reasoning the chunks carry: {@code reasoning_content}, {@code reasoning}, thinking parts.
   */
  String reasoningInBytes() {
    StringBuilder out = new StringBuilder();
    for (JsonNode delta : deltas()) {
      for (String field : List.of("reasoning_content", "reasoning")) {
        if (delta.path(field).isString()) {
          out.append(delta.path(field).asString());
        }
      }
      for (JsonNode part : delta.path("content")) {
        if (part.path("type").asString("").equals("thinking")) {
          part.path("thinking").forEach(t -> out.append(t.path("text").asString("")));
        }
      }
    }
    return out.toString();
  }

  List<String> toolNamesInBytes() {
    List<String> names = new ArrayList<>();
    for (JsonNode delta : deltas()) {
      for (JsonNode call : delta.path("tool_calls")) {
        JsonNode name = call.path("function").path("name");
        if (name.isString() && !name.asString().isEmpty()) {
          names.add(name.asString());
        }
      }
    }
    return names;
  }

  /** The {@code function.arguments} fragments of every tool call, joined. */
  String toolArgumentsInBytes() {
    StringBuilder out = new StringBuilder();
    for (JsonNode delta : deltas()) {
      for (JsonNode call : delta.path("tool_calls")) {
        out.append(call.path("function").path("arguments").asString(""));
      }
    }
    return out.toString();
  }

  private List<JsonNode> deltas() {
    List<JsonNode> deltas = new ArrayList<>();
    for (UpstreamEvent e : events) {
      if (e.kind() != Kind.CHUNK && e.kind() != Kind.USAGE_ONLY) {
        continue;
      }
      for (String payload : OpenAiChunks.payloads(new String(e.bytes(), StandardCharsets.UTF_8))) {
        for (JsonNode choice : ProviderContractTest.JSON.readTree(payload).path("choices")) {
          deltas.add(choice.path("delta"));
        }
      }
    }
    return deltas;
  }
}
