package dev.tollgate.billing.redis;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The store is driven from non-blocking threads, where BlockHound reports any blocking call. */
class NonBlockingTest extends RedisTestSupport {

  @Test
  void blockHoundIsWatching() {
    StepVerifier.create(
            Mono.delay(Duration.ZERO)
                .doOnNext(
                    tick -> {
                      try {
                        Thread.sleep(1);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }))
        .expectError(BlockingOperationError.class)
        .verify(TIMEOUT);
  }

  @Test
  void aWholeRequestLifecycleRunsOnNonBlockingThreads() {
    String acct = id("acct");
    String request = id("req");
    StepVerifier.create(
            Mono.delay(Duration.ZERO)
                .flatMap(tick -> store.loadAccount(acct, 10_000, 1_000, 0, "active"))
                .flatMap(loaded -> store.reserve(acct, request, 2_000, FAR_FUTURE, "k", "m"))
                .flatMap(
                    reserved -> store.extend(acct, request, 1_000, FAR_FUTURE, 5, 5, 0, 0, 100))
                .flatMap(extended -> store.settle(charge(acct, request, 2_500), FAR_FUTURE))
                .flatMap(settled -> store.credit(acct, id("topup"), 1))
                .flatMap(credited -> store.account(acct)))
        .expectNext(new AccountState(10_000 - 1_500 + 1, 0, 0, 0, "active"))
        .expectComplete()
        .verify(TIMEOUT);
  }
}
