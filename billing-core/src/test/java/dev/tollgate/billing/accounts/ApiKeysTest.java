package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void aKeyIsSkGwAnd43Base64UrlCharactersWithItsHashAndPrefix() {
    NewKey key = ApiKeys.generate();

    assertThat(key.secret()).matches("sk-gw-[A-Za-z0-9_-]{43}");
    assertThat(key.prefix()).hasSize(12).isEqualTo(key.secret().substring(0, 12));
    assertThat(key.hash()).matches("[0-9a-f]{64}").isEqualTo(ApiKeys.hash(key.secret()));
  }

  @Test
  void keysDiffer() {
    assertThat(ApiKeys.generate().secret()).isNotEqualTo(ApiKeys.generate().secret());
  }

  @Test
  void theHashIsSha256Hex() {
    assertThat(ApiKeys.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void toStringNeverShowsTheSecret() {
    NewKey key = ApiKeys.generate();
    assertThat(key.toString()).doesNotContain(key.secret()).contains(key.prefix());
  }
}
