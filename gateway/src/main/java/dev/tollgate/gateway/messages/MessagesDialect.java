package dev.tollgate.gateway.messages;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.NativeMessagesCall;
import dev.tollgate.adapter.NativeMessagesCapable;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.pipeline.ClientDialect;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamEncoder;
import dev.tollgate.gateway.relay.UsageCost;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic Messages clients. A deployment whose adapter speaks the Messages API ({@link
 * NativeMessagesCapable}) gets the client's request as it came and its answer passes through with
 * only {@code usage.cost} added; any other deployment gets the translated chat-completions request
 * and its OpenAI-dialect answer is translated into a {@code message} or its event stream. The
 * choice is made per routing attempt, so a fallback from one kind to the other still answers in
 * Anthropic's shape. Always takes the usage chunk: it becomes {@code message_delta}'s usage.
 *
 * @param messageId the {@code msg_...} id of a translated answer
 * @param model the model id the client asked for (named in a translated answer)
 * @param request the client's request as it came (checked), for native attempts
 */
record MessagesDialect(String messageId, String model, ObjectNode request)
    implements ClientDialect {

  @Override
  public boolean includeUsage() {
    return true;
  }

  @Override
  public Flux<UpstreamEvent> stream(ProviderAdapter adapter, ChatCall call) {
    return adapter instanceof NativeMessagesCapable messages
        ? messages.streamNative(nativeCall(call))
        : adapter.stream(call);
  }

  @Override
  public Mono<UpstreamResponse> complete(ProviderAdapter adapter, ChatCall call) {
    return adapter instanceof NativeMessagesCapable messages
        ? messages.completeNative(nativeCall(call))
        : adapter.complete(call);
  }

  @Override
  public StreamEncoder streamEncoder(Tab tab, RequestMeter meter) {
    return new MessagesRelayEncoder(
        new MessagesStreamEncoder(messageId, model, tab, meter),
        new MessagesPassThroughEncoder(tab, meter));
  }

  @Override
  public byte[] body(UpstreamResponse response, TokenUsage usage, long costNanos) {
    return response.nativeDialect()
        ? UsageCost.intoBody(response.body(), costNanos)
        : MessagesResponseEncoder.encode(response.body(), messageId, model, usage, costNanos);
  }

  private NativeMessagesCall nativeCall(ChatCall call) {
    return new NativeMessagesCall(call.requestId(), request, call.upstreamModel());
  }
}
