package dev.tollgate.gateway.api;

import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.gateway.billing.Billing;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.billing.TabRequest;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.route.Router;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What every paid endpoint (chat, messages, embeddings) does around its upstream call: admit the
 * key's limits, open the tab, and meter the call so that it is recorded and settled exactly once
 * however it ends, the admission ending with it; and, once a deployment answers, name it in the
 * response and bill at its model's price.
 */
@Component
final class PaidCalls {

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
  <T> Mono<T> open(
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
            admission ->
                billing
                    .open(tabRequest)
                    // Refused or abandoned before the meter exists: nothing was used.
                    .doOnError(e -> admission.finish(0))
                    .doOnCancel(() -> admission.finish(0))
                    .flatMap(
                        tab -> {
                          // The meter records exactly once however the request ends (cancel
                          // included): the admission ends with it, giving back the concurrency
                          // slot and correcting the tokens bucket.
                          UsageSink sink =
                              record -> {
                                admission.finish(usedTokens.applyAsLong(record));
                                usageSink.accept(record);
                              };
                          return call.apply(tab, new RequestMeter(context, estimator, tab, sink));
                        }));
  }

  /** Once a deployment answers: name it in the response and bill at its model's price. */
  static Router.Listener servedBy(ServerWebExchange exchange, Tab tab, RequestMeter meter) {
    return deployment -> {
      tab.serveAs(deployment.modelId());
      meter.servedBy(deployment.modelId(), deployment.provider());
      HttpHeaders headers = exchange.getResponse().getHeaders();
      headers.set(Router.MODEL_HEADER, deployment.modelId());
      headers.set(Router.PROVIDER_HEADER, deployment.provider());
    };
  }
}
