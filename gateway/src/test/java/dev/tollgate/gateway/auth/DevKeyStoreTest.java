package dev.tollgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.accounts.ApiKeys;
import dev.tollgate.billing.accounts.KeyLimits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class DevKeyStoreTest {

  static final String KEY = "sk-gw-dev-0123456789abcdef";

  final DevKeyStore store = DevKeyStore.of(List.of(KEY), "demo");

  @Test
  void aDevKeyIsFoundWithoutLimits() {
    StepVerifier.create(store.find(KEY))
        .assertNext(
            key -> {
              assertThat(key.accountId()).isEqualTo("demo");
              assertThat(key.limits()).isEqualTo(KeyLimits.NONE);
              assertThat(key.prefix()).isEqualTo(KEY.substring(0, 10));
            })
        .expectComplete()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void anUnknownKeyIsEmpty() {
    StepVerifier.create(store.find(KEY + "x")).expectComplete().verify(Duration.ofSeconds(5));
  }

  @Test
  void devKeysAreHashedLikeStoredKeys() {
    assertThat(store.findByHash(ApiKeys.hash(KEY))).isNotNull();
  }
}
