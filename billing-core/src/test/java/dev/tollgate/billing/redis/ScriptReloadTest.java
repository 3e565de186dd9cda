package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class ScriptReloadTest extends RedisTestSupport {

  @Test
  void scriptsAreReloadedAfterScriptFlush() {
    StepVerifier.create(store.loadScripts()).expectComplete().verify(TIMEOUT);
    String acct = id("acct");
    load(acct, 1_000, 0);

    // Affects the whole (shared) server; every other run reloads on NOSCRIPT the same way.
    assertThat(sync.scriptFlush()).isEqualTo("OK");

    StepVerifier.create(store.reserve(acct, "r1", 400, FAR_FUTURE, "key-1", "mini"))
        .expectNext(new Reservation(Reservation.Outcome.GRANTED, 600, 400))
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(store.settle(charge(acct, "r1", 100), FAR_FUTURE))
        .expectNext(new Settlement(true, 100, 0, 100))
        .expectComplete()
        .verify(TIMEOUT);
  }
}
