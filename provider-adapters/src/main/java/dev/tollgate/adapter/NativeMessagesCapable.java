package dev.tollgate.adapter;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An optional capability of a {@link ProviderAdapter} whose upstream speaks Anthropic's Messages
 * API itself: an Anthropic Messages request is sent as the client wrote it and the answer comes
 * back as the upstream wrote it, with no translation either way. The gateway's {@code /v1/messages}
 * asks {@code adapter instanceof NativeMessagesCapable} per routing attempt, so that nothing
 * (thinking signatures, {@code cache_control}, stop sequences) is lost on the way.
 */
public interface NativeMessagesCapable {

  /**
   * A whole message: the body is the upstream's {@code message} JSON as it came, {@link
   * UpstreamResponse#nativeDialect()} is true, and the usage is read from it. Failures arrive as
   * {@link UpstreamException}, as from {@link ProviderAdapter#complete}.
   */
  Mono<UpstreamResponse> completeNative(NativeMessagesCall call);

  /**
   * A streamed message: every event is of kind {@link UpstreamEvent.Kind#NATIVE}, its bytes the
   * upstream's events as they came (joined per network read), with the metering facts read from
   * them. Cancelling the subscription cancels the upstream request.
   */
  Flux<UpstreamEvent> streamNative(NativeMessagesCall call);
}
