package dev.tollgate.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class WeightedPickerTest {

  private static final ProviderAdapter NONE =
      new ProviderAdapter() {
        @Override
        public Mono<UpstreamResponse> complete(ChatCall call) {
          return Mono.empty();
        }

        @Override
        public Flux<UpstreamEvent> stream(ChatCall call) {
          return Flux.empty();
        }
      };

  static Deployment deployment(String provider, int weight) {
    return new Deployment(
        "m",
        provider,
        "up",
        NONE,
        weight,
        new CircuitBreaker(new CircuitBreaker.Settings(1, Duration.ofHours(1), 1)));
  }

  @Test
  void picksInProportionToTheWeights() {
    List<Deployment> deployments =
        List.of(deployment("a", 6), deployment("b", 3), deployment("c", 1));
    SplittableRandom random = new SplittableRandom(42);
    int[] counts = new int[3];

    for (int i = 0; i < 100_000; i++) {
      counts[WeightedPicker.pick(deployments, random)]++;
    }

    assertThat(counts[0]).isBetween(59_000, 61_000);
    assertThat(counts[1]).isBetween(29_000, 31_000);
    assertThat(counts[2]).isBetween(9_500, 10_500);
  }

  @Test
  void skipsDeploymentsWhoseCircuitIsOpen() {
    Deployment open = deployment("a", 1_000);
    open.breaker().onFailure();
    List<Deployment> deployments = List.of(open, deployment("b", 1));
    SplittableRandom random = new SplittableRandom(7);

    for (int i = 0; i < 1_000; i++) {
      assertThat(WeightedPicker.pick(deployments, random)).isEqualTo(1);
    }
  }

  @Test
  void noneWhenEveryCircuitIsOpen() {
    Deployment a = deployment("a", 1);
    Deployment b = deployment("b", 2);
    a.breaker().onFailure();
    b.breaker().onFailure();

    assertThat(WeightedPicker.pick(List.of(a, b), new SplittableRandom(1))).isEqualTo(-1);
    assertThat(WeightedPicker.pick(List.of(), new SplittableRandom(1))).isEqualTo(-1);
  }

  @Test
  void backOffDoublesPerRetryWithJitterAndStopsAtTheCap() {
    RoutingSettings settings =
        new RoutingSettings(
            3, Duration.ofMillis(100), Duration.ofMillis(350), CircuitBreaker.Settings.defaults());
    SplittableRandom random = new SplittableRandom(3);

    for (int i = 0; i < 1_000; i++) {
      assertThat(settings.backoff(1, random)).isBetween(ms(50), ms(100));
      assertThat(settings.backoff(2, random)).isBetween(ms(100), ms(200));
      assertThat(settings.backoff(3, random)).isBetween(ms(175), ms(350));
      assertThat(settings.backoff(80, random)).isBetween(ms(175), ms(350));
    }
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
