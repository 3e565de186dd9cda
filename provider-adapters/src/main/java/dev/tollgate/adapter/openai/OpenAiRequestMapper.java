package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * The minimal edits the pass-through path makes to a client's request before forwarding it: the
 * upstream model name, the stream flag, and a request for the usage chunk.
 */
public final class OpenAiRequestMapper {

  private OpenAiRequestMapper() {}

  /**
   * @param askForUsage false for servers that reject {@code stream_options}
   * @return the request body to send, serialized once
   */
  public static byte[] toUpstream(ChatCall call, boolean stream, boolean askForUsage) {
    ObjectNode body = call.body();
    body.put("model", call.upstreamModel());
    if (stream) {
      body.put("stream", true);
      if (askForUsage) {
        ObjectNode options =
            body.get("stream_options") instanceof ObjectNode existing
                ? existing
                : body.putObject("stream_options");
        options.put("include_usage", true);
      } else {
        body.remove("stream_options"); // the server rejects it; usage is counted locally
      }
    } else {
      body.remove("stream_options");
      if (body.has("stream")) {
        body.put("stream", false);
      }
    }
    return Json.MAPPER.writeValueAsBytes(body);
  }

  /**
   * An embeddings request: only the model name is swapped.
   *
   * @return the request body to send, serialized once
   */
  public static byte[] toUpstream(EmbeddingsCall call) {
    ObjectNode body = call.body();
    body.put("model", call.upstreamModel());
    return Json.MAPPER.writeValueAsBytes(body);
  }
}
