package dev.tollgate.gateway.pipeline;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.billing.TabRequest;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.StreamRelay;
import dev.tollgate.gateway.relay.StreamShutdown;
import dev.tollgate.gateway.relay.UsageCost;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import dev.tollgate.gateway.route.Router;
import dev.tollgate.gateway.web.RequestIds;
import java.time.Instant;
import java.util.Objects;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every chat endpoint does with a checked request in the OpenAI chat-completions dialect,
 * whatever dialect its client speaks: route it, apply the key's limits, reserve its cost, call the
 * adapter, meter and settle it, and relay the answer, streamed or whole, written by the client's
 * {@link ClientDialect}. {@code /v1/chat/completions} and {@code /v1/messages} both end here.
 */
@Component
public class ChatPipeline {

  static final MediaType EVENT_STREAM =
      MediaType.parseMediaType("text/event-stream; charset=utf-8");

  /** The request's cost, decimal in the account currency, on non-streamed responses. */
  public static final String COST_HEADER = "x-gateway-cost";

  private final ModelCatalog catalog;
  private final Router router;
  private final TokenEstimator estimator;
  private final PaidCalls paid;
  private final long defaultOutputReserve;
  private final StreamShutdown shutdown;

  ChatPipeline(
      ModelCatalog catalog,
      Router router,
      TokenEstimator estimator,
      PaidCalls paid,
      BillingProperties billingProperties,
      StreamShutdown shutdown) {
    this.shutdown = shutdown;
    this.catalog = catalog;
    this.router = router;
    this.estimator = estimator;
    this.paid = paid;
    this.defaultOutputReserve = billingProperties.defaultOutputReserve();
  }

  /**
   * Serves one request.
   *
   * @param body a chat-completions request the caller has checked; the adapter may edit it
   * @param model the model id the client asked for
   * @param startedAt when the request arrived
   * @param startNanos {@link System#nanoTime()} when the request arrived
   */
  public Mono<ServerResponse> serve(
      ServerWebExchange exchange,
      ObjectNode body,
      String model,
      ClientDialect dialect,
      Instant startedAt,
      long startNanos) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dialect, "dialect");
    ModelRoute route = catalog.find(model);
    if (route == null) {
      return Mono.error(GatewayException.unknownModel(model));
    }
    boolean stream = ChatRequests.streamed(body);
    String requestId = RequestIds.of(exchange);
    ApiKey key = ApiKeyAuthFilter.keyOf(exchange);
    KeyLimitsGuard.checkModel(key, model);
    long promptEstimate = estimator.countPrompt(body);
    long maxOutput = ChatRequests.maxOutputTokens(body, 0);
    long outputReserve = maxOutput > 0 ? maxOutput : defaultOutputReserve;
    TabRequest tabRequest =
        new TabRequest(
            requestId, key, model, route.provider(), promptEstimate, outputReserve, maxOutput > 0);
    RequestMeter.Context context =
        new RequestMeter.Context(
            requestId,
            key.id(),
            model,
            route.provider(),
            promptEstimate,
            stream,
            startedAt,
            startNanos,
            maxOutput);
    return paid.open(
        exchange,
        tabRequest,
        promptEstimate + outputReserve,
        context,
        record -> record.promptTokens() + record.completionTokens(),
        (tab, meter) -> relay(exchange, route, body, tab, meter, context, dialect));
  }

  private Mono<ServerResponse> relay(
      ServerWebExchange exchange,
      ModelRoute route,
      ObjectNode body,
      Tab tab,
      RequestMeter meter,
      RequestMeter.Context context,
      ClientDialect dialect) {
    ChatCall call =
        new ChatCall(
            context.requestId(),
            body,
            route.deployments().getFirst().upstreamModel(),
            dialect.includeUsage());
    Router.Listener served = PaidCalls.servedBy(exchange, tab, meter);
    return context.streamed()
        ? streaming(exchange, route, call, served, meter, tab, dialect)
        : whole(route, call, served, meter, tab, dialect);
  }

  private Mono<ServerResponse> streaming(
      ServerWebExchange exchange,
      ModelRoute route,
      ChatCall call,
      Router.Listener served,
      RequestMeter meter,
      Tab tab,
      ClientDialect dialect) {
    Flux<DataBuffer> events =
        StreamRelay.relay(
            router.stream(route, call, dialect::stream, served),
            meter,
            dialect.streamEncoder(tab, meter),
            exchange.getResponse().bufferFactory(),
            shutdown.signal());
    return ServerResponse.ok()
        .contentType(EVENT_STREAM)
        .header("Cache-Control", "no-cache")
        .header("X-Accel-Buffering", "no")
        .body(BodyInserters.fromDataBuffers(events));
  }

  private Mono<ServerResponse> whole(
      ModelRoute route,
      ChatCall call,
      Router.Listener served,
      RequestMeter meter,
      Tab tab,
      ClientDialect dialect) {
    return PaidCalls.started(meter, () -> router.complete(route, call, dialect::complete, served))
        .doOnNext(meter::onResponse)
        .doOnError(meter::onError)
        .doFinally(meter::finish)
        .flatMap(
            response -> {
              TokenUsage usage = meter.usageSoFar();
              long cost = tab.cost(usage);
              return ServerResponse.ok()
                  .contentType(MediaType.APPLICATION_JSON)
                  .header(COST_HEADER, UsageCost.decimal(cost).toPlainString())
                  .bodyValue(dialect.body(response, usage, cost));
            });
  }
}
