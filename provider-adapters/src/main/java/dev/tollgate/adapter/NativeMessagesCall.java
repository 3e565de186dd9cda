package dev.tollgate.adapter;

import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * One Anthropic Messages request on its way to an upstream that speaks the Messages API.
 *
 * @param requestId the gateway's id for the request
 * @param body the client's request as it arrived (already checked); the adapter sets {@code model}
 *     to {@code upstreamModel} (and {@code stream} when it disagrees with the call) and sends the
 *     rest as is
 * @param upstreamModel the model name the upstream knows
 */
public record NativeMessagesCall(String requestId, ObjectNode body, String upstreamModel) {

  public NativeMessagesCall {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(upstreamModel, "upstreamModel");
  }
}
