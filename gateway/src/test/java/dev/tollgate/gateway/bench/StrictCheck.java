package dev.tollgate.gateway.bench;

import dev.tollgate.adapter.Json;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Checks one whole response properly, parsing every JSON payload: the generated text and the usage
 * must be exactly what the fake upstream sent. Run once per scenario before the load starts; too
 * costly to run on every response under load, where {@link SseStreamCheck} and a byte comparison
 * do.
 */
final class StrictCheck {

  private StrictCheck() {}

  /** Why the JSON body is wrong, or null when it holds the expected answer. */
  static @Nullable String json(FakeCompletion expected, byte[] body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      return "body is not JSON: " + e.getOriginalMessage();
    }
    String text = root.path("choices").path(0).path("message").path("content").asString("");
    if (!expected.text.equals(text)) {
      return "message content differs from what the upstream sent: '" + text + "'";
    }
    if (!"stop".equals(root.path("choices").path(0).path("finish_reason").asString(""))) {
      return "finish_reason is not 'stop'";
    }
    return usage(expected, root.path("usage"));
  }

  /** Why the event stream is wrong, or null when it holds the expected answer. */
  static @Nullable String sse(FakeCompletion expected, boolean expectUsage, byte[] stream) {
    String all = new String(stream, StandardCharsets.UTF_8);
    StringBuilder text = new StringBuilder();
    int usages = 0;
    boolean done = false;
    String finish = null;
    for (String event : all.split("\n\n")) {
      if (event.isBlank()) {
        continue;
      }
      if (!event.startsWith("data: ")) {
        return "not a data event: " + event;
      }
      String data = event.substring(6);
      if (done) {
        return "event after [DONE]: " + data;
      }
      if (data.equals("[DONE]")) {
        done = true;
        continue;
      }
      JsonNode chunk;
      try {
        chunk = Json.MAPPER.readTree(data);
      } catch (JacksonException e) {
        return "event is not JSON: " + data;
      }
      if (chunk.has("error")) {
        return "error event: " + data;
      }
      JsonNode choices = chunk.path("choices");
      if (choices.isEmpty()) {
        usages++;
        String wrong = usage(expected, chunk.path("usage"));
        if (wrong != null) {
          return wrong;
        }
        continue;
      }
      text.append(choices.path(0).path("delta").path("content").asString(""));
      if (choices.path(0).path("finish_reason").isString()) {
        finish = choices.path(0).path("finish_reason").asString();
      }
    }
    if (!done) {
      return "no [DONE]";
    }
    if (!expected.text.contentEquals(text)) {
      return "streamed text differs from what the upstream sent: '" + text + "'";
    }
    if (!"stop".equals(finish)) {
      return "finish_reason is " + finish + " (expected: stop)";
    }
    if (usages != (expectUsage ? 1 : 0)) {
      return usages + " usage chunks (expected: " + (expectUsage ? 1 : 0) + ")";
    }
    return null;
  }

  private static @Nullable String usage(FakeCompletion expected, JsonNode usage) {
    long prompt = usage.path("prompt_tokens").asLong(-1);
    long completion = usage.path("completion_tokens").asLong(-1);
    if (prompt != FakeCompletion.PROMPT_TOKENS || completion != expected.tokens) {
      return "usage differs from what the upstream sent: " + usage;
    }
    return null;
  }
}
