package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Relays an upstream's events to the client as they arrive, metered on the way, with back-pressure
 * from the client's connection. What the client gets for each event is the {@link StreamEncoder}'s
 * choice: for OpenAI clients the bytes as they came ({@link OpenAiStreamEncoder}).
 *
 * <p>A failure before the first event reaches the client propagates as an error, so the client gets
 * a proper HTTP status. A failure after that ends the stream with the encoder's error event. When
 * the account's funds run out mid-stream the upstream is cancelled and the stream ends cleanly with
 * the encoder's cut-off ending: the event that would have cost more than the hold is not delivered,
 * and none is delivered while the hold's extension is on its way (see {@link
 * RequestMeter#onEvent}). Cancelling the returned flux (the client went away) cancels the upstream
 * request. On every ending the meter records the request.
 */
public final class StreamRelay {

  /** Upstream events read ahead while one waits for the hold's extension. */
  private static final int PREFETCH = 32;

  private StreamRelay() {}

  public static Flux<DataBuffer> relay(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      StreamEncoder encoder,
      DataBufferFactory buffers) {
    // Per event on the hot path: admit (at once, or once the hold's extension answered: the
    // events behind wait, in order), then encode (for OpenAI clients: pass through) and wrap, or
    // stop when the account cannot pay for the event. Errors wait for the events before them.
    return upstream
        .concatMapDelayError(meter::onEvent, true, PREFETCH)
        .<DataBuffer>handle(
            (event, sink) -> {
              if (event == RequestMeter.REFUSED) {
                meter.onCutOff(); // cancels the upstream: nothing more is generated or delivered
                sink.complete();
                return;
              }
              byte[] bytes = encoder.encode(event);
              if (bytes == null) {
                return;
              }
              meter.onDelivered();
              sink.next(buffers.wrap(bytes));
            })
        .doOnComplete(meter::onUpstreamComplete)
        .concatWith(
            Mono.fromSupplier(
                () -> {
                  byte[] last = meter.cutOff() ? encoder.cutOff() : encoder.end();
                  return last == null ? null : buffers.wrap(last);
                }))
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
              return Mono.just(buffers.wrap(encoder.error(upstreamFailure)));
            })
        .doFinally(meter::finish);
  }
}
