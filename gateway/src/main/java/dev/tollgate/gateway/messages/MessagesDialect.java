package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.gateway.api.ClientDialect;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;

/**
 * Anthropic Messages clients: the OpenAI-dialect answer translated into a {@code message} or its
 * event stream. Always takes the usage chunk: it becomes {@code message_delta}'s usage.
 *
 * @param messageId the {@code msg_...} id of the answer
 * @param model the model id the client asked for
 */
record MessagesDialect(String messageId, String model) implements ClientDialect {

  @Override
  public boolean includeUsage() {
    return true;
  }

  @Override
  public StreamEncoder streamEncoder(Tab tab, RequestMeter meter) {
    return new MessagesStreamEncoder(messageId, model, tab, meter);
  }

  @Override
  public byte[] body(UpstreamResponse response, TokenUsage usage, long costNanos) {
    return MessagesResponseEncoder.encode(response.body(), messageId, model, usage, costNanos);
  }
}
