package dev.tollgate.adapter.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.tokens.TokenEstimator;
import org.junit.jupiter.api.Test;

class MockTextTest {

  private static final TokenEstimator TOKENS = TokenEstimator.shared();

  @Test
  void everyTokenIsOneToken() {
    // two full turns of the word list, past the wrap from "." back to " quick"
    for (int i = 0; i < 60; i++) {
      assertThat(TOKENS.count(MockText.token(i)))
          .as("token %d '%s'", i, MockText.token(i))
          .isEqualTo(1);
    }
  }

  @Test
  void textOfNTokensCountsAsNTokens() {
    assertThat(MockText.text(0)).isEmpty();
    for (int n = 1; n <= 200; n++) {
      assertThat(TOKENS.count(MockText.text(n))).as("n = %d", n).isEqualTo(n);
    }
  }

  @Test
  void textIsTheTokensJoined() {
    assertThat(MockText.text(4)).isEqualTo("The quick brown fox");
    assertThat(MockText.token(24)).isEqualTo(".");
    assertThat(MockText.token(25)).isEqualTo(" quick"); // "The" only opens the answer
  }
}
