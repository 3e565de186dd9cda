package dev.tollgate.gateway.bench;

import dev.tollgate.adapter.Json;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one answer the fake upstream gives, as bytes computed once: a whole JSON body and the
 * server-sent events of the same answer streamed, shaped like OpenAI's (see {@code
 * provider-adapters/src/test/resources/fixtures/providers/openai/chat_stream_text_include_usage.sse}).
 * One token per content chunk, so the number of content chunks is the number of completion tokens.
 */
final class FakeCompletion {

  static final String MODEL = "bench-model";
  static final int PROMPT_TOKENS = 12;

  private static final String ID = "chatcmpl-tollgate-bench";
  private static final long CREATED = 1_767_225_600L;
  private static final String[] WORDS = {
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ",", " and",
    " then", " it", " naps", " in", " the", " sun", "."
  };

  final int tokens;
  final String text;
  final byte[] json;
  final byte[] roleEvent;
  final byte[][] contentEvents;
  final byte[] finishEvent;
  final byte[] usageEvent;
  final byte[] doneEvent;

  FakeCompletion(int tokens) {
    this.tokens = tokens;
    StringBuilder all = new StringBuilder();
    contentEvents = new byte[tokens][];
    for (int i = 0; i < tokens; i++) {
      String word = WORDS[i % WORDS.length];
      all.append(word);
      contentEvents[i] = event(chunk(delta().put("content", word), null));
    }
    text = all.toString();
    roleEvent =
        event(chunk(delta().put("role", "assistant").put("content", "").putNull("refusal"), null));
    finishEvent = event(chunk(delta(), "stop"));
    ObjectNode usage = header();
    usage.putArray("choices");
    usage.set("usage", usage());
    usageEvent = event(usage);
    doneEvent = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("id", ID).put("object", "chat.completion").put("created", CREATED).put("model", MODEL);
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", 0);
    choice
        .putObject("message")
        .put("role", "assistant")
        .put("content", text)
        .putNull("refusal")
        .putArray("annotations");
    choice.putNull("logprobs");
    choice.put("finish_reason", "stop");
    body.set("usage", usage());
    body.put("service_tier", "default").put("system_fingerprint", "fp_bench");
    json = Json.MAPPER.writeValueAsBytes(body);
  }

  private ObjectNode usage() {
    ObjectNode usage = Json.MAPPER.createObjectNode();
    usage
        .put("prompt_tokens", PROMPT_TOKENS)
        .put("completion_tokens", tokens)
        .put("total_tokens", PROMPT_TOKENS + tokens);
    usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
    usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0);
    return usage;
  }

  private static ObjectNode header() {
    ObjectNode chunk = Json.MAPPER.createObjectNode();
    chunk
        .put("id", ID)
        .put("object", "chat.completion.chunk")
        .put("created", CREATED)
        .put("model", MODEL)
        .put("service_tier", "default")
        .put("system_fingerprint", "fp_bench");
    return chunk;
  }

  private static ObjectNode delta() {
    return Json.MAPPER.createObjectNode();
  }

  /** A chunk with one choice, its fields in OpenAI's order. */
  private static ObjectNode chunk(ObjectNode delta, @Nullable String finishReason) {
    ObjectNode chunk = header();
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return chunk;
  }

  private static byte[] event(ObjectNode payload) {
    byte[] data = Json.MAPPER.writeValueAsBytes(payload);
    byte[] event = new byte[data.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(data, 0, event, 6, data.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }
}
