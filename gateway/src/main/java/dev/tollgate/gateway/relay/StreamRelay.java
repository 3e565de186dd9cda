package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

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
    return relay(upstream, meter, encoder, buffers, Mono.never());
  }

  /**
   * As {@link #relay(Flux, RequestMeter, StreamEncoder, DataBufferFactory)}, and when {@code
   * shutdown} completes, the upstream is cancelled and the stream ends like a cut-off, its note
   * saying that the gateway is shutting down.
   */
  public static Flux<DataBuffer> relay(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      StreamEncoder encoder,
      DataBufferFactory buffers,
      Mono<Void> shutdown) {
    // Per event on the hot path: admit (at once, or once the hold's extension answered: the
    // events behind wait, in order), then encode (for OpenAI clients: pass through) and wrap, or
    // stop when the account cannot pay for the event. Errors wait for the events before them.
    return Flux.defer(
        () -> meter.start() ? metered(upstream, meter, encoder, buffers, shutdown) : Flux.empty());
  }

  private static Flux<DataBuffer> metered(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      StreamEncoder encoder,
      DataBufferFactory buffers,
      Mono<Void> shutdown) {
    return upstream
        .concatMapDelayError(meter::onEvent, true, PREFETCH)
        .takeUntilOther(
            shutdown.then(
                Mono.fromCallable(
                    () -> {
                      meter.onShutdown(); // cancels the upstream; the ending says why
                      return true;
                    })))
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
        .doOnComplete(
            () -> {
              if (!meter.shutDown()) {
                meter.onUpstreamComplete();
              }
            })
        .concatWith(
            Mono.fromSupplier(
                () -> {
                  byte[] last =
                      meter.cutOff()
                          ? encoder.cutOff(CutReason.FUNDS)
                          : meter.shutDown() ? encoder.cutOff(CutReason.SHUTDOWN) : encoder.end();
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
        // Recorded (and so settled) before the ending reaches the server: a drained stream's
        // charge is on its way to Redis before the graceful shutdown counts the stream as done.
        .doOnComplete(() -> meter.finish(SignalType.ON_COMPLETE))
        .doOnError(e -> meter.finish(SignalType.ON_ERROR))
        .doOnCancel(() -> meter.finish(SignalType.CANCEL))
        // The client's connection ended: cancel, even if the server did not (a response whose
        // connection closed just after its first write kept its body subscribed, with no demand).
        .takeUntilOther(meter.clientGone());
  }
}
