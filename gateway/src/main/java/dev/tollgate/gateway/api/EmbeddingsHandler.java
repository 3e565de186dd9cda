package dev.tollgate.gateway.api;

import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.auth.ApiKeyAuthFilter;
import dev.tollgate.gateway.billing.Billing;
import dev.tollgate.gateway.billing.Tab;
import dev.tollgate.gateway.billing.TabRequest;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard;
import dev.tollgate.gateway.ratelimit.KeyLimitsGuard.Admission;
import dev.tollgate.gateway.relay.RequestMeter;
import dev.tollgate.gateway.relay.UsageCost;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import dev.tollgate.gateway.route.Router;
import dev.tollgate.gateway.web.RequestIds;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
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
  private final Billing billing;
  private final UsageSink usageSink;
  private final KeyLimitsGuard limits;
  private final long maxRequestBytes;

  public EmbeddingsHandler(
      ModelCatalog catalog,
      Router router,
      TokenEstimator estimator,
      Billing billing,
      UsageSink usageSink,
      KeyLimitsGuard limits,
      GatewayProperties properties) {
    this.catalog = catalog;
    this.router = router;
    this.estimator = estimator;
    this.billing = billing;
    this.usageSink = usageSink;
    this.limits = limits;
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
    return limits
        .admit(key, requestId, inputEstimate, exchange.getResponse().getHeaders())
        .flatMap(
            admission ->
                billing
                    .open(tabRequest)
                    // Refused or abandoned before the meter exists: nothing was used.
                    .doOnError(e -> admission.finish(0))
                    .doOnCancel(() -> admission.finish(0))
                    .flatMap(tab -> relay(exchange, route, body, tab, admission, context)));
  }

  private Mono<ServerResponse> relay(
      ServerWebExchange exchange,
      ModelRoute route,
      ObjectNode body,
      Tab tab,
      Admission admission,
      RequestMeter.Context context) {
    // Records exactly once however the request ends; the admission ends with it.
    UsageSink sink =
        record -> {
          admission.finish(record.promptTokens());
          usageSink.accept(record);
        };
    RequestMeter meter = new RequestMeter(context, estimator, tab, sink);
    EmbeddingsCall call =
        new EmbeddingsCall(
            context.requestId(), body, route.deployments().getFirst().upstreamModel());
    Router.Listener served =
        deployment -> {
          tab.serveAs(deployment.modelId());
          meter.servedBy(deployment.modelId(), deployment.provider());
          HttpHeaders headers = exchange.getResponse().getHeaders();
          headers.set(Router.MODEL_HEADER, deployment.modelId());
          headers.set(Router.PROVIDER_HEADER, deployment.provider());
        };
    return router
        .embed(route, call, served)
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
