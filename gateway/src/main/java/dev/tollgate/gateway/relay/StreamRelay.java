package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.gateway.api.OpenAiErrors;
import dev.tollgate.gateway.billing.Tab;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Relays an upstream's events to the client as they arrive: the bytes as they came, metered on the
 * way, with back-pressure from the client's connection. The usage-only chunk that the gateway asked
 * for is dropped unless the client asked for it too; an event carrying usage gets the request's
 * {@code usage.cost}.
 *
 * <p>A failure before the first event reaches the client propagates as an error, so the client gets
 * a proper HTTP status. A failure after that ends the stream with an error event in the OpenAI
 * shape. When the account's funds run out mid-stream the upstream is cancelled and the stream ends
 * cleanly: a last chunk with {@code finish_reason: "length"} and a note, then {@code [DONE]}.
 * Cancelling the returned flux (the client went away) cancels the upstream request. On every ending
 * the meter records the request.
 */
public final class StreamRelay {

  private static final byte[] CUT_OFF =
      ("data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
              + "\"finish_reason\":\"length\"}],\"error_note\":{\"type\":\"insufficient_balance\","
              + "\"message\":\"The stream was stopped: the account's balance is used up.\"}}\n\n"
              + "data: [DONE]\n\n")
          .getBytes(StandardCharsets.UTF_8);

  private StreamRelay() {}

  public static Flux<DataBuffer> relay(
      Flux<UpstreamEvent> upstream,
      RequestMeter meter,
      Tab tab,
      boolean clientWantsUsage,
      DataBufferFactory buffers) {
    // One operator per event on the hot path: meter (or stop, when the account cannot pay for
    // the event), drop the usage chunk the client did not ask for, add the cost to usage, wrap.
    return upstream
        .<DataBuffer>handle(
            (event, sink) -> {
              if (!meter.onEvent(event)) {
                meter.onCutOff(); // cancels the upstream: nothing more is generated or delivered
                sink.complete();
                return;
              }
              if (!clientWantsUsage && event.kind() == Kind.USAGE_ONLY) {
                return;
              }
              meter.onDelivered();
              byte[] bytes =
                  event.usage() == null
                      ? event.bytes()
                      : UsageCost.intoEvent(event.bytes(), tab.cost(event.usage()));
              sink.next(buffers.wrap(bytes));
            })
        .doOnComplete(meter::onUpstreamComplete)
        .concatWith(
            Mono.fromSupplier(
                () -> {
                  return meter.cutOff() ? buffers.wrap(CUT_OFF) : null;
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
              return Mono.just(buffers.wrap(OpenAiErrors.event(upstreamFailure)));
            })
        .doFinally(meter::finish);
  }
}
