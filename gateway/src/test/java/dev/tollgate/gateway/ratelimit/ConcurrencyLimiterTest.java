package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Two gateway instances (two clients) sharing stream slots in the local Redis; {@link
 * ConcurrencyLimiterOnClusterTest} runs the same on Redis Cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrencyLimiterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private RedisTopology.Client clientA;
  private RedisTopology.Client clientB;
  private ConcurrencyLimiter limiterA;
  private ConcurrencyLimiter limiterB;

  RedisTopology topology() {
    return RedisTopology.STANDALONE;
  }

  @BeforeAll
  void connect() {
    clientA = topology().connect();
    clientB = topology().connect();
    limiterA = limiter(clientA, Duration.ofMinutes(5));
    limiterB = limiter(clientB, Duration.ofMinutes(5));
  }

  private static ConcurrencyLimiter limiter(RedisTopology.Client client, Duration lease) {
    return new ConcurrencyLimiter(
        client.connections().reactive(), TestServices.REDIS_PREFIX, lease);
  }

  @AfterAll
  void close() {
    clientA.close();
    clientB.close();
  }

  @Test
  void threeStreamsAcrossTwoInstancesThenTheFourthWaitsForARelease() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                onEventLoop(limiterA.acquire(key, "r1", 3)),
                onEventLoop(limiterB.acquire(key, "r2", 3)),
                onEventLoop(limiterA.acquire(key, "r3", 3)),
                onEventLoop(limiterB.acquire(key, "r4", 3)),
                // r2 ends; its slot is free for r4, through the other instance
                onEventLoop(limiterA.release(key, "r2").then(limiterB.acquire(key, "r4", 3))),
                onEventLoop(limiterA.acquire(key, "r5", 3))))
        .expectNext(true, true, true, false, true, false)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void acquiringAgainRenewsTheLeaseAndTakesNoSecondSlot() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                onEventLoop(limiterA.acquire(key, "r1", 2)),
                onEventLoop(limiterB.acquire(key, "r1", 2)),
                onEventLoop(limiterB.acquire(key, "r2", 2)),
                onEventLoop(limiterA.acquire(key, "r3", 2))))
        .expectNext(true, true, true, false)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aLeaseWhoseHolderVanishedExpires() {
    String key = newKey();
    // the "crashed" instance: short leases, never released
    ConcurrencyLimiter crashed = limiter(clientA, Duration.ofMillis(300));
    StepVerifier.create(
            Flux.concat(
                onEventLoop(crashed.acquire(key, "r1", 3)),
                onEventLoop(crashed.acquire(key, "r2", 3)),
                onEventLoop(crashed.acquire(key, "r3", 3)),
                onEventLoop(limiterB.acquire(key, "r4", 3)),
                Mono.delay(Duration.ofMillis(400))
                    .then(onEventLoop(limiterB.acquire(key, "r4", 3)))))
        .expectNext(true, true, true, false, true)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aScriptFlushedFromRedisIsLoadedAgain() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                onEventLoop(limiterA.acquire(key, "r1", 1)),
                // Every master forgets every script (the shared server's other users reload too).
                clientA.connections().reactive().scriptFlush().then(Mono.empty()),
                onEventLoop(limiterB.acquire(key, "r2", 1)),
                onEventLoop(limiterA.release(key, "r1").then(limiterB.acquire(key, "r2", 1)))))
        .expectNext(true, false, true)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void releasingWhatIsNotHeldDoesNothing() {
    StepVerifier.create(onEventLoop(limiterA.release(newKey(), "nobody")))
        .expectComplete()
        .verify(TIMEOUT);
  }

  private static <T> Mono<T> onEventLoop(Mono<T> call) {
    return call.subscribeOn(Schedulers.parallel());
  }

  private static String newKey() {
    return "key-" + UUID.randomUUID();
  }
}
