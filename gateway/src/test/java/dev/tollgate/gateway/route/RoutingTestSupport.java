package dev.tollgate.gateway.route;

import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.support.CapturingUsageSink;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * A gateway with billing on (its own demo account) whose models are routed across fake upstreams
 * that fail in scripted ways and mock providers that serve. Prices: 1.00 input and 2.00 output per
 * million tokens, except {@code backup} at 10.00 and 20.00.
 */
abstract class RoutingTestSupport {

  static final String KEY = "sk-gw-routing-test-0123456789";
  static final String ACCOUNT = "acct-routing-" + TestServices.REDIS_PREFIX;

  /** The prompt {@code hi} counts 8 tokens; the mock answers with 10. */
  static final long PROMPT_TOKENS = 8;

  static final FakeUpstream BROKEN = new FakeUpstream();
  static final FakeUpstream LIMITED = new FakeUpstream();
  static final FakeUpstream DROPPER = new FakeUpstream();
  static final FakeUpstream REJECTING = new FakeUpstream();
  static final FakeUpstream FRAGILE = new FakeUpstream();

  static final String[] PROPERTIES = {
    "gateway.dev-keys[0]=" + KEY,
    "gateway.billing.demo.balance=1000",
    "gateway.billing.default-output-reserve=10",
    "gateway.billing.reaper-interval=1h",
    "gateway.billing.flusher.poll-interval=20ms",
    "logging.level.dev.tollgate.usage=WARN",
    "gateway.routing.max-attempts=2",
    "gateway.routing.backoff.base=20ms",
    "gateway.routing.backoff.max=2s",
    "gateway.routing.circuit-breaker.failure-threshold=3",
    "gateway.routing.circuit-breaker.open-duration=1s",
    "gateway.routing.circuit-breaker.half-open-probes=1",
    "gateway.providers.mockA.type=mock",
    "gateway.providers.mockB.type=mock",
    "gateway.providers.broken.type=openai",
    "gateway.providers.refused.type=openai",
    "gateway.providers.limited.type=openai",
    "gateway.providers.dropper.type=openai",
    "gateway.providers.rejecting.type=openai",
    "gateway.providers.fragile.type=openai",
    // the first deployment is all but certain to be picked first: 1 in a million
    "gateway.models[0].id=failover",
    "gateway.models[0].deployments[0].provider=broken",
    "gateway.models[0].deployments[0].weight=1000000",
    "gateway.models[0].deployments[1].provider=mockA",
    "gateway.models[1].id=patient",
    "gateway.models[1].provider=limited",
    "gateway.models[1].upstream-model=gpt-4o",
    "gateway.models[2].id=midstream",
    "gateway.models[2].deployments[0].provider=dropper",
    "gateway.models[2].deployments[0].weight=1000000",
    "gateway.models[2].deployments[1].provider=mockB",
    "gateway.models[3].id=doomed",
    "gateway.models[3].deployments[0].provider=broken",
    "gateway.models[3].deployments[1].provider=refused",
    "gateway.models[3].fallbacks[0]=doomed-backup",
    "gateway.models[4].id=doomed-backup",
    "gateway.models[4].provider=broken",
    "gateway.models[5].id=weighted",
    "gateway.models[5].deployments[0].provider=mockA",
    "gateway.models[5].deployments[0].weight=3",
    "gateway.models[5].deployments[1].provider=mockB",
    "gateway.models[6].id=fragile",
    "gateway.models[6].provider=fragile",
    "gateway.models[7].id=strict",
    "gateway.models[7].deployments[0].provider=rejecting",
    "gateway.models[7].deployments[0].weight=1000000",
    "gateway.models[7].deployments[1].provider=mockA",
    "gateway.models[8].id=primary",
    "gateway.models[8].provider=broken",
    "gateway.models[8].fallbacks[0]=backup",
    "gateway.models[9].id=backup",
    "gateway.models[9].provider=mockA",
    "gateway.models[10].id=primary-stream",
    "gateway.models[10].provider=broken",
    "gateway.models[10].fallbacks[0]=backup",
  };

  static void routingProperties(DynamicPropertyRegistry registry) {
    for (String p : PROPERTIES) {
      int eq = p.indexOf('=');
      registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
    for (int i = 0; i <= 10; i++) {
      String at = "gateway.models[" + i + "].";
      boolean backup = i == 9;
      registry.add(at + "price.input", () -> backup ? "10.00" : "1.00");
      registry.add(at + "price.output", () -> backup ? "20.00" : "2.00");
    }
    for (int i : new int[] {0, 2, 5, 7, 9}) { // the models a mock provider serves
      String at = "gateway.models[" + i + "].";
      registry.add(at + "mock.tokens", () -> "10");
      registry.add(at + "mock.ttft-ms", () -> "0");
      registry.add(at + "mock.inter-token-ms", () -> "0");
    }
    registry.add("gateway.providers.broken.base-url", BROKEN::baseUrl);
    registry.add("gateway.providers.limited.base-url", LIMITED::baseUrl);
    registry.add("gateway.providers.dropper.base-url", DROPPER::baseUrl);
    registry.add("gateway.providers.rejecting.base-url", REJECTING::baseUrl);
    registry.add("gateway.providers.fragile.base-url", FRAGILE::baseUrl);
    int closed = closedPort();
    registry.add("gateway.providers.refused.base-url", () -> "http://127.0.0.1:" + closed + "/v1");
    registry.add("spring.data.redis.url", () -> TestServices.REDIS_URL);
    registry.add("spring.r2dbc.url", TestServices::r2dbcUrl);
    registry.add("gateway.billing.redis-prefix", () -> TestServices.REDIS_PREFIX);
    registry.add("gateway.billing.demo.id", () -> ACCOUNT);
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class Sink {
    @Bean
    @Primary
    CapturingUsageSink capturingUsageSink() {
      return new CapturingUsageSink();
    }
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;
  @Autowired CapturingUsageSink usage;

  /** One HTTP answer as the client saw it. */
  record Answer(
      int status,
      String requestId,
      String body,
      String cost,
      String servedModel,
      String servedProvider) {}

  Answer chat(String model, boolean stream) {
    String json =
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":10"
            + (stream ? ",\"stream\":true" : "")
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    return HttpClient.create()
        .headers(
            h -> h.set("Authorization", "Bearer " + KEY).set("content-type", "application/json"))
        .post()
        .uri("http://127.0.0.1:" + port + "/v1/chat/completions")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Answer(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                body,
                                response.responseHeaders().get("x-gateway-cost"),
                                response.responseHeaders().get(Router.MODEL_HEADER),
                                response.responseHeaders().get(Router.PROVIDER_HEADER))))
        .block(Duration.ofSeconds(20));
  }

  /** The account's balance in Redis, loading the account with a first request if needed. */
  long balance() {
    AccountState state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
    if (state == null) {
      chat("backup", false);
      state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
    }
    if (state == null) {
      throw new AssertionError("account " + ACCOUNT + " is not in Redis");
    }
    return state.balance();
  }

  /** The balance once no hold is left: every request so far has settled. */
  long settledBalance() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      AccountState state = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
      if (state != null && state.held() == 0) {
        return state.balance();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("holds of " + ACCOUNT + " were not released within 5 s");
  }

  /** Nano-units: 1.00 per million tokens is 1 000 a token. */
  static long cost(long prompt, long completion, long inputPerToken, long outputPerToken) {
    return prompt * inputPerToken + completion * outputPerToken;
  }

  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
