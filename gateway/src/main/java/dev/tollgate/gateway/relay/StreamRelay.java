package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.api.OpenAiErrors;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Relays an upstream's events to the client as they arrive: the bytes as they came, metered on the
 * way, with back-pressure from the client's connection. The usage-only chunk that the gateway asked
 * for is dropped unless the client asked for it too.
 *
 * <p>A failure before the first event reaches the client propagates as an error, so the client gets
 * a proper HTTP status. A failure after that ends the stream with an error event in the OpenAI
 * shape. Cancelling the returned flux (the client went away) cancels the upstream request. On every
 * ending the meter records the request.
 */
public final class StreamRelay {

  private StreamRelay() {}

  public static Flux<DataBuffer> relay(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      boolean clientWantsUsage,
      DataBufferFactory buffers) {
    return upstream
        .doOnNext(meter::onEvent)
        .filter(event -> clientWantsUsage || event.kind() != Kind.USAGE_ONLY)
        .map(
            event -> {
              meter.onDelivered();
              return buffers.wrap(event.bytes());
            })
        .onErrorResume(
            failure -> {
              meter.onError(failure);
              if (!meter.delivered()) {
                return Mono.error(failure);
              }
              UpstreamException upstreamFailure =
                  failure instanceof UpstreamException u
                      ? u
                      : UpstreamException.unavailable("upstream stream failed", failure);
              return Mono.just(buffers.wrap(OpenAiErrors.event(upstreamFailure)));
            })
        .doFinally(meter::finish);
  }
}
