package dev.tollgate.adapter;

import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * One embeddings request on its way upstream.
 *
 * @param requestId the gateway's id for the request
 * @param body the client's request ({@code input}, {@code dimensions}, ...), parsed once; the
 *     adapter may edit it in place (the model name) before it sends it
 * @param upstreamModel the model name the upstream knows
 */
public record EmbeddingsCall(String requestId, ObjectNode body, String upstreamModel) {

  public EmbeddingsCall {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(upstreamModel, "upstreamModel");
  }
}
