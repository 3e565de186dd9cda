package dev.tollgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.EmbeddingsCall;
import dev.tollgate.adapter.EmbeddingsCapable;
import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The router's decisions, against scripted adapters: no HTTP, no Spring. */
class RouterTest {

  private static final UpstreamEvent CHUNK =
      UpstreamEvent.of("data: {}\n\n".getBytes(StandardCharsets.UTF_8), UpstreamEvent.Kind.CHUNK);
  private static final ChatCall CALL =
      new ChatCall("req-1", Json.MAPPER.createObjectNode(), "up", false);

  private final AtomicLong now = new AtomicLong();
  private final List<Deployment> served = new ArrayList<>();

  /** Answers each stream call with the next scripted flux; counts the calls. */
  static class Scripted implements ProviderAdapter {
    final Deque<Flux<UpstreamEvent>> answers = new ArrayDeque<>();
    int calls;

    Scripted then(Flux<UpstreamEvent> answer) {
      answers.add(answer);
      return this;
    }

    @Override
    public Mono<UpstreamResponse> complete(ChatCall call) {
      return Mono.error(new UnsupportedOperationException());
    }

    @Override
    public Flux<UpstreamEvent> stream(ChatCall call) {
      return Flux.defer(
          () -> {
            calls++;
            Flux<UpstreamEvent> next = answers.poll();
            return next != null ? next : Flux.error(new AssertionError("no answer scripted"));
          });
    }
  }

  private Deployment deployment(String provider, int weight, ProviderAdapter adapter) {
    return new Deployment(
        "m",
        provider,
        "up-" + provider,
        adapter,
        weight,
        new CircuitBreaker(new CircuitBreaker.Settings(1, Duration.ofSeconds(10), 1), now::get));
  }

  private Router router(ModelRoute route, Duration backoffMax) {
    return new Router(
        new ModelCatalog(List.of(route)),
        new RoutingSettings(
            2, Duration.ofMillis(1), backoffMax, CircuitBreaker.Settings.defaults()),
        new SimpleMeterRegistry(),
        () -> new SplittableRandom(1));
  }

  @Test
  void aFailureAfterTheFirstEventIsPassedOnNotRetried() {
    Scripted first =
        new Scripted()
            .then(
                Flux.just(CHUNK).concatWith(Flux.error(UpstreamException.unavailable("x", null))));
    Scripted second = new Scripted();
    ModelRoute route =
        new ModelRoute(
            "m", List.of(deployment("a", 1_000_000, first), deployment("b", 1, second)), List.of());

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectNext(CHUNK)
        .expectError(UpstreamException.class)
        .verify(Duration.ofSeconds(5));

    assertThat(first.calls).isEqualTo(1);
    assertThat(second.calls).isZero();
    assertThat(served).extracting(Deployment::provider).containsExactly("a");
  }

  @Test
  void aClientErrorGoesBackAsItIsAndLeavesTheCircuitClosed() {
    UpstreamException badRequest =
        new UpstreamException(400, "invalid_request_error", null, "messages", "bad", null);
    Scripted only = new Scripted().then(Flux.error(badRequest));
    Deployment d = deployment("a", 1, only);
    ModelRoute route = new ModelRoute("m", List.of(d), List.of());

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectErrorMatches(e -> e == badRequest)
        .verify(Duration.ofSeconds(5));

    assertThat(only.calls).isEqualTo(1);
    assertThat(d.breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aRefusedUpstreamCredentialMovesOnToAnotherDeploymentAndNeverBlamesTheClient() {
    UpstreamException refused =
        new UpstreamException(
            401, "invalid_request_error", "invalid_api_key", null, "Incorrect key sk-...", null);
    Scripted first = new Scripted().then(Flux.error(refused));
    Scripted second = new Scripted().then(Flux.just(CHUNK));
    ModelRoute route =
        new ModelRoute(
            "m", List.of(deployment("a", 1_000_000, first), deployment("b", 1, second)), List.of());

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectNext(CHUNK)
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(first.calls).as("not retried on the same deployment").isEqualTo(1);
    assertThat(served).extracting(Deployment::provider).containsExactly("b");

    // With nowhere else to go: a 502 of the gateway's own, without the provider's words.
    Scripted only = new Scripted().then(Flux.error(refused));
    ModelRoute alone = new ModelRoute("m", List.of(deployment("c", 1, only)), List.of());
    StepVerifier.create(router(alone, Duration.ofSeconds(1)).stream(alone, CALL, served::add))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(UpstreamException.class);
              UpstreamException u = (UpstreamException) e;
              assertThat(u.status()).isEqualTo(502);
              assertThat(u.code()).isEqualTo("upstream_auth_failed");
              assertThat(u.getMessage()).doesNotContain("sk-");
            })
        .verify(Duration.ofSeconds(5));
    assertThat(only.calls).isEqualTo(1);
  }

  @Test
  void aRetryAfterLongerThanTheLongestBackOffMovesOnAtOnce() {
    UpstreamException limited =
        new UpstreamException(
            429, "rate_limit_error", null, null, "slow down", null, Duration.ofMinutes(1));
    Scripted first = new Scripted().then(Flux.error(limited));
    Scripted second = new Scripted().then(Flux.just(CHUNK));
    ModelRoute route =
        new ModelRoute(
            "m", List.of(deployment("a", 1_000_000, first), deployment("b", 1, second)), List.of());

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectNext(CHUNK)
        .expectComplete()
        .verify(Duration.ofSeconds(5));

    assertThat(first.calls).as("not tried again within the minute").isEqualTo(1);
    assertThat(second.calls).isEqualTo(1);
    assertThat(served).extracting(Deployment::provider).containsExactly("b");
  }

  @Test
  void aClientThatLeavesDuringAHalfOpenProbeGivesTheProbeBack() {
    Scripted hanging = new Scripted().then(Flux.never());
    Deployment d = deployment("a", 1, hanging);
    ModelRoute route = new ModelRoute("m", List.of(d), List.of());
    d.breaker().onFailure(); // threshold 1: open
    now.addAndGet(Duration.ofSeconds(10).toNanos()); // half-open, one probe

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectSubscription()
        .then(() -> assertThat(d.breaker().available()).as("the probe is taken").isFalse())
        .thenCancel()
        .verify(Duration.ofSeconds(5));

    assertThat(d.breaker().state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(d.breaker().tryAcquire()).as("the probe slot is free again").isTrue();
  }

  @Test
  void eachTryAsksTheDeploymentForItsOwnModelName() {
    List<String> asked = new ArrayList<>();
    ProviderAdapter recording =
        new Scripted() {
          @Override
          public Flux<UpstreamEvent> stream(ChatCall call) {
            asked.add(call.upstreamModel());
            return Flux.just(CHUNK);
          }
        };
    ModelRoute route = new ModelRoute("m", List.of(deployment("b", 1, recording)), List.of());

    StepVerifier.create(router(route, Duration.ofSeconds(1)).stream(route, CALL, served::add))
        .expectNext(CHUNK)
        .verifyComplete();

    assertThat(asked).containsExactly("up-b");
  }

  /** Scripted embeddings: each call takes the next answer and records the model name it asked. */
  static class ScriptedEmbeddings extends Scripted implements EmbeddingsCapable {
    final Deque<Mono<EmbeddingsResponse>> embeddings = new ArrayDeque<>();
    final List<String> asked = new ArrayList<>();

    ScriptedEmbeddings thenEmbed(Mono<EmbeddingsResponse> answer) {
      embeddings.add(answer);
      return this;
    }

    @Override
    public Mono<EmbeddingsResponse> embed(EmbeddingsCall call) {
      return Mono.defer(
          () -> {
            calls++;
            asked.add(call.upstreamModel());
            Mono<EmbeddingsResponse> next = embeddings.poll();
            return next != null ? next : Mono.error(new AssertionError("no answer scripted"));
          });
    }
  }

  @Test
  void embeddingsSkipDeploymentsAndFallbacksWithoutEmbeddings() {
    EmbeddingsResponse ok = new EmbeddingsResponse("{}".getBytes(StandardCharsets.UTF_8), null);
    Scripted chatOnly = new Scripted();
    ScriptedEmbeddings failing =
        new ScriptedEmbeddings().thenEmbed(Mono.error(UpstreamException.unavailable("down", null)));
    Scripted chatOnlyFallback = new Scripted();
    ScriptedEmbeddings fallback = new ScriptedEmbeddings().thenEmbed(Mono.just(ok));
    ModelRoute route =
        new ModelRoute(
            "m",
            List.of(deployment("chat", 1_000_000, chatOnly), deployment("emb", 1, failing)),
            List.of("chat-model", "emb-model"));
    ModelRoute chatModel =
        new ModelRoute("chat-model", List.of(deployment("c2", 1, chatOnlyFallback)), List.of());
    ModelRoute embModel =
        new ModelRoute("emb-model", List.of(deployment("e2", 1, fallback)), List.of());
    Router router =
        new Router(
            new ModelCatalog(List.of(route, chatModel, embModel)),
            new RoutingSettings(
                2, Duration.ofMillis(1), Duration.ofSeconds(1), CircuitBreaker.Settings.defaults()),
            new SimpleMeterRegistry(),
            () -> new SplittableRandom(1));

    StepVerifier.create(
            router.embed(
                route,
                new EmbeddingsCall("req-1", Json.MAPPER.createObjectNode(), "up"),
                served::add))
        .expectNext(ok)
        .verifyComplete();

    assertThat(chatOnly.calls).isZero();
    assertThat(chatOnlyFallback.calls).isZero();
    // one try: the helper's circuits open at the first failure
    assertThat(failing.asked).containsExactly("up-emb");
    assertThat(fallback.asked).containsExactly("up-e2");
    assertThat(served).extracting(Deployment::provider).containsExactly("e2");
  }
}
