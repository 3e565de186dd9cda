package dev.tollgate.gateway.pipeline;

import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.gateway.billing.Billing;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.billing.TabRequest;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.route.Router;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.server.HttpServerResponse;

/**
 * What every paid endpoint (chat, messages, embeddings) does around its upstream call: admit the
 * key's limits, open the tab, and meter the call so that it is recorded and settled exactly once
 * however it ends, the admission ending with it; and, once a deployment answers, name it in the
 * response and bill at its model's price.
 */
@Component
public final class PaidCalls {

  private final TokenEstimator estimator;
  private final Billing billing;
  private final UsageSink usageSink;
  private final KeyLimitsGuard limits;

  PaidCalls(TokenEstimator estimator, Billing billing, UsageSink usageSink, KeyLimitsGuard limits) {
    this.estimator = estimator;
    this.billing = billing;
    this.usageSink = usageSink;
    this.limits = limits;
  }

  /**
   * Admits {@code limitTokens} against the key's limits, opens the tab, then makes the call with
   * the tab and its meter.
   *
   * @param usedTokens the tokens of the finished request that count against the key's TPM
   */
  public <T> Mono<T> open(
      ServerWebExchange exchange,
      TabRequest tabRequest,
      long limitTokens,
      RequestMeter.Context context,
      ToLongFunction<UsageRecord> usedTokens,
      BiFunction<Tab, RequestMeter, Mono<T>> call) {
    return limits
        .admit(
            tabRequest.key(),
            tabRequest.requestId(),
            limitTokens,
            exchange.getResponse().getHeaders())
        .flatMap(
            admission -> {
              // The meter records exactly once however the request ends (cancel included): the
              // admission ends with it, giving back the concurrency slot and correcting the
              // tokens bucket.
              UsageSink sink =
                  record -> {
                    admission.finish(usedTokens.applyAsLong(record));
                    usageSink.accept(record);
                  };
              Opening opening = new Opening();
              // Not cancellable once sent: a reserve that runs in Redis after the client left
              // must still be observed, or its hold would stay until it expires. Its answer goes
              // to the opening, which hands the tab on or, if the request is gone, releases it.
              billing
                  .open(tabRequest)
                  .subscribe(
                      tab ->
                          opening.opened(new RequestMeter(context, estimator, tab, sink), exchange),
                      error -> {
                        admission.finish(0); // refused or failed: nothing was used
                        opening.failed(error);
                      });
              return opening
                  .meter()
                  .flatMap(meter -> call.apply(meter.tab(), meter))
                  .doOnCancel(opening::cancel);
            });
  }

  /**
   * One request's reservation as it opens: hands the metered tab to the request, or releases it
   * (settles it as a cancelled request: nothing was used) when the request was cancelled before the
   * reservation answered. Whichever of the answer and the cancel comes second does the release.
   */
  static final class Opening {
    private final Sinks.One<RequestMeter> answer = Sinks.one();
    private final AtomicReference<@Nullable RequestMeter> opened = new AtomicReference<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    Mono<RequestMeter> meter() {
      return answer.asMono();
    }

    void opened(RequestMeter meter, ServerWebExchange exchange) {
      opened.set(meter);
      // When the exchange ends: a response whose body never started (the request ended between
      // here and the relay's subscription) is settled, a running one cancelled.
      whenExchangeEnds(exchange, meter::onClientGone);
      if (cancelled.get() || answer.tryEmitValue(meter).isFailure()) {
        meter.abandonIfIdle();
      }
    }

    void failed(Throwable error) {
      answer.tryEmitError(error);
    }

    void cancel() {
      cancelled.set(true);
      RequestMeter meter = opened.get();
      if (meter != null) {
        meter.abandonIfIdle();
      }
    }
  }

  /**
   * Runs {@code action} once the exchange's response has ended, however it ended (the connection
   * closed included), on the Reactor Netty server; elsewhere not at all.
   */
  static void whenExchangeEnds(ServerWebExchange exchange, Runnable action) {
    Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse());
    if (nativeResponse instanceof HttpServerResponse response) {
      response.withConnection(
          connection -> connection.onTerminate().subscribe(null, e -> action.run(), action));
    }
  }

  /**
   * The call of a request answered whole, made unless the request was abandoned before it began
   * (then empty: nobody waits for it).
   */
  public static <T> Mono<T> started(RequestMeter meter, Supplier<Mono<T>> call) {
    return Mono.defer(() -> meter.start() ? call.get() : Mono.empty());
  }

  /** Once a deployment answers: name it in the response and bill at its model's price. */
  public static Router.Listener servedBy(ServerWebExchange exchange, Tab tab, RequestMeter meter) {
    return deployment -> {
      tab.serveAs(deployment.modelId());
      meter.servedBy(deployment.modelId(), deployment.provider());
      HttpHeaders headers = exchange.getResponse().getHeaders();
      headers.set(Router.MODEL_HEADER, deployment.modelId());
      headers.set(Router.PROVIDER_HEADER, deployment.provider());
    };
  }
}
