package dev.tollgate.gateway.api;

import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.billing.TabRequest;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import dev.tollgate.gateway.pipeline.ChatPipeline;
import dev.tollgate.gateway.pipeline.PaidCalls;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.UsageCost;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import dev.tollgate.gateway.route.Router;
import dev.tollgate.gateway.web.RequestIds;
import java.time.Instant;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/embeddings}: checks the request, applies the key's limits, reserves the counted
 * input's cost, sends it to a deployment whose adapter has embeddings, and relays the upstream's
 * body byte for byte: its cost is in the {@code x-gateway-cost} header only, since adding {@code
 * usage.cost} would re-serialize every vector. Metered and settled like a whole chat completion, by
 * the same {@link RequestMeter} and {@link Tab}: input tokens only, at the model's input price.
 */
@Component
public class EmbeddingsHandler {

  private final ModelCatalog catalog;
  private final Router router;
  private final TokenEstimator estimator;
  private final PaidCalls paid;
  private final long maxRequestBytes;

  EmbeddingsHandler(
      ModelCatalog catalog,
      Router router,
      TokenEstimator estimator,
      PaidCalls paid,
      GatewayProperties properties) {
    this.catalog = catalog;
    this.router = router;
    this.estimator = estimator;
    this.paid = paid;
    this.maxRequestBytes = properties.maxRequestSize().toBytes();
  }

  public Mono<ServerResponse> handle(ServerRequest request) {
    long startNanos = System.nanoTime();
    Instant startedAt = Instant.now();
    return JsonBodies.readObject(request, maxRequestBytes)
        .flatMap(body -> serve(request.exchange(), body, startedAt, startNanos));
  }

  private Mono<ServerResponse> serve(
      ServerWebExchange exchange, ObjectNode body, Instant startedAt, long startNanos) {
    String model = EmbeddingsRequests.validate(body);
    ModelRoute route = catalog.find(model);
    if (route == null) {
      return Mono.error(GatewayException.unknownModel(model));
    }
    if (route.deployments().stream().noneMatch(Router::hasEmbeddings)) {
      return Mono.error(GatewayException.modelNotSupported(model, "embeddings"));
    }
    String requestId = RequestIds.of(exchange);
    ApiKey key = ApiKeyAuthFilter.keyOf(exchange);
    KeyLimitsGuard.checkModel(key, model);
    long inputEstimate = estimator.countEmbeddingsInput(body.path("input"));
    TabRequest tabRequest =
        new TabRequest(requestId, key, model, route.provider(), inputEstimate, 0, true);
    RequestMeter.Context context =
        new RequestMeter.Context(
            requestId,
            key.id(),
            model,
            route.provider(),
            inputEstimate,
            false,
            startedAt,
            startNanos);
    return paid.open(
        exchange,
        tabRequest,
        inputEstimate,
        context,
        UsageRecord::promptTokens,
        (tab, meter) -> relay(exchange, route, body, tab, meter, context));
  }

  private Mono<ServerResponse> relay(
      ServerWebExchange exchange,
      ModelRoute route,
      ObjectNode body,
      Tab tab,
      RequestMeter meter,
      RequestMeter.Context context) {
    EmbeddingsCall call =
        new EmbeddingsCall(
            context.requestId(), body, route.deployments().getFirst().upstreamModel());
    Router.Listener served = PaidCalls.servedBy(exchange, tab, meter);
    return PaidCalls.started(meter, () -> router.embed(route, call, served))
        .doOnNext(meter::onEmbeddings)
        .doOnError(meter::onError)
        .doFinally(meter::finish)
        .flatMap(
            response -> {
              TokenUsage usage = meter.usageSoFar();
              long cost = tab.cost(usage);
              return ServerResponse.ok()
                  .contentType(MediaType.APPLICATION_JSON)
                  .header(ChatPipeline.COST_HEADER, UsageCost.decimal(cost).toPlainString())
                  .bodyValue(response.body());
            });
  }
}
