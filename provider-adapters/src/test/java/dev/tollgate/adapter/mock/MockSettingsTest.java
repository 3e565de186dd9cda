package dev.tollgate.adapter.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockSettingsTest {

  @Test
  void absentAndBlankOptionsKeepTheDefaults() {
    assertThat(MockSettings.from(Map.of())).isEqualTo(MockSettings.DEFAULT);
    assertThat(MockSettings.from(Map.of("ttft-ms", " ", "inter-token-ms", "", "tokens", "")))
        .isEqualTo(MockSettings.DEFAULT);
  }

  @Test
  void readsTheOptions() {
    assertThat(MockSettings.from(Map.of("ttft-ms", "250", "inter-token-ms", " 20 ", "tokens", "5")))
        .isEqualTo(new MockSettings(Duration.ofMillis(250), Duration.ofMillis(20), 5));
  }

  @Test
  void rejectsNegativeDelaysNamingTheKey() {
    assertThatThrownBy(() -> MockSettings.from(Map.of("ttft-ms", "-5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mock.ttft-ms: ")
        .hasMessageEndingWith("(expected: >= 0)");
    assertThatThrownBy(() -> MockSettings.from(Map.of("inter-token-ms", "-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mock.inter-token-ms: ")
        .hasMessageEndingWith("(expected: >= 0)");
  }

  @Test
  void rejectsANonPositiveTokenCountNamingTheKey() {
    assertThatThrownBy(() -> MockSettings.from(Map.of("tokens", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mock.tokens: 0 (expected: > 0)");
    assertThatThrownBy(() -> MockSettings.from(Map.of("tokens", "-3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mock.tokens: -3 (expected: > 0)");
  }

  @Test
  void rejectsWhatIsNotANumberNamingTheKey() {
    assertThatThrownBy(() -> MockSettings.from(Map.of("tokens", "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mock.tokens: 'many' (expected: a number)");
    assertThatThrownBy(() -> MockSettings.from(Map.of("ttft-ms", "1.5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mock.ttft-ms: '1.5' (expected: a number)");
    assertThatThrownBy(() -> MockSettings.from(Map.of("inter-token-ms", "10ms")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mock.inter-token-ms: '10ms' (expected: a number)");
  }

  @Test
  void tokenCountBeyondIntRangeIsRejectedNotTruncated() {
    // 2^32 + 1 used to be cast to int and silently became 1; -(2^32) + 1 became 1 as well
    for (String value : new String[] {"4294967297", "-4294967295", "2147483648"}) {
      assertThatThrownBy(() -> MockSettings.from(Map.of("tokens", value)))
          .as(value)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("mock.tokens: " + value + " (expected: ");
    }
  }
}
