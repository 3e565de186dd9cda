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
 * the encoder's cut-off ending. Cancelling the returned flux (the client went away) cancels the
 * upstream request. On every ending the meter records the request.
 */
public final class StreamRelay {

  private StreamRelay() {}

  public static Flux<DataBuffer> relay(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      StreamEncoder encoder,
      DataBufferFactory buffers) {
    // One operator per event on the hot path: meter (or stop, when the account cannot pay for
    // the event), encode (for OpenAI clients: pass through), wrap.
    return upstream
        .<DataBuffer>handle(
            (event, sink) -> {
              if (!meter.onEvent(event)) {
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
