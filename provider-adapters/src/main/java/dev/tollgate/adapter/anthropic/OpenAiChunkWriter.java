package dev.tollgate.adapter.anthropic;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the OpenAI {@code chat.completion.chunk} events of one stream. What every chunk repeats
 * (id, created, model) is serialized once; per event only the small {@code delta} is.
 */
final class OpenAiChunkWriter {

  static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] NO_FINISH =
      ",\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes(StandardCharsets.US_ASCII);

  private final byte[] chunkPrefix;
  private final ObjectNode head;

  OpenAiChunkWriter(String id, long created, String model) {
    head = Json.MAPPER.createObjectNode();
    head.put("id", id);
    head.put("object", "chat.completion.chunk");
    head.put("created", created);
    head.put("model", model);
    String json = Json.MAPPER.writeValueAsString(head);
    chunkPrefix =
        ("data: " + json.substring(0, json.length() - 1) + ",\"choices\":[{\"index\":0,\"delta\":")
            .getBytes(StandardCharsets.UTF_8);
  }

  /** A chunk whose only choice carries {@code delta} and, on the last chunk, the finish reason. */
  byte[] chunk(ObjectNode delta, @Nullable String finishReason) {
    byte[] deltaJson = Json.MAPPER.writeValueAsBytes(delta);
    byte[] tail =
        finishReason == null
            ? NO_FINISH
            : (",\"logprobs\":null,\"finish_reason\":" + quote(finishReason) + "}]}\n\n")
                .getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[chunkPrefix.length + deltaJson.length + tail.length];
    System.arraycopy(chunkPrefix, 0, out, 0, chunkPrefix.length);
    System.arraycopy(deltaJson, 0, out, chunkPrefix.length, deltaJson.length);
    System.arraycopy(tail, 0, out, chunkPrefix.length + deltaJson.length, tail.length);
    return out;
  }

  /** The usage-only chunk ({@code choices: []}) that OpenAI sends when asked to include usage. */
  byte[] usage(TokenUsage usage) {
    ObjectNode chunk = head.deepCopy();
    chunk.putArray("choices");
    chunk.set("usage", AnthropicResponseMapper.openAiUsage(usage));
    return ("data: " + Json.MAPPER.writeValueAsString(chunk) + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return Json.MAPPER.writeValueAsString(s);
  }
}
