package dev.tollgate.adapter;

import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * One chat-completions request on its way upstream.
 *
 * @param requestId the gateway's id for the request
 * @param body the client's request, parsed once; the adapter may edit it in place (upstream model
 *     name, stream options) before it sends it
 * @param upstreamModel the model name the upstream knows
 * @param includeUsage whether the client asked for the usage chunk ({@code
 *     stream_options.include_usage}); the adapter always asks the upstream for usage when it can
 */
public record ChatCall(
    String requestId, ObjectNode body, String upstreamModel, boolean includeUsage) {

  public ChatCall {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(upstreamModel, "upstreamModel");
  }
}
