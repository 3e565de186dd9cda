package dev.tollgate.billing.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NanosTest {

  @Test
  void parsesExactly() {
    assertThat(Nanos.parse("0.15")).isEqualTo(150_000_000L);
    assertThat(Nanos.parse("3")).isEqualTo(3_000_000_000L);
    assertThat(Nanos.parse("0.000000001")).isEqualTo(1L);
    assertThat(Nanos.parse("0")).isZero();
    assertThat(Nanos.parse("12.5")).isEqualTo(12_500_000_000L);
    assertThat(Nanos.parse("007.10")).isEqualTo(7_100_000_000L);
    assertThat(Nanos.parse("1.5000000000")).isEqualTo(1_500_000_000L);
    assertThat(Nanos.parse("9223372036.854775807")).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void rejectsMoreThanNineDecimals() {
    assertThatThrownBy(() -> Nanos.parse("0.0000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'0.0000000001' has 10 decimals (expected: at most 9");
  }

  @Test
  void rejectsNegativeMalformedAndTooLarge() {
    assertThatThrownBy(() -> Nanos.parse("-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("amount: '-1' (expected: >= 0)");
    assertThatThrownBy(() -> Nanos.parse("1,5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: a plain decimal of ASCII digits");
    assertThatThrownBy(() -> Nanos.parse("9223372036.854775808"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: at most 9223372036.854775807");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "",
        " 12.5",
        "12.5 ",
        "+1",
        "1e3",
        "1E3",
        "1.5e2",
        "0x10",
        "1.",
        ".5",
        "1..5",
        "1.2.3",
        "1_000",
        "1 000",
        "1,5",
        "\u0661\u0662",
        "\uff11\uff12",
        "1\u0000",
        "NaN",
        "Infinity",
        "-",
        "--1",
        "\u09e7"
      })
  void rejectsAnythingButPlainAsciiDecimals(String text) {
    assertThatThrownBy(() -> Nanos.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(expected: a plain decimal of ASCII digits");
  }

  @Test
  void rejectsAmountsPastTheRangeWithoutOverflowing() {
    for (String text :
        new String[] {
          "9223372037",
          "18446744073709551616",
          "99999999999999999999999999999999.5",
          "1" + "0".repeat(5000)
        }) {
      assertThatThrownBy(() -> Nanos.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(expected: at most 9223372036.854775807)");
    }
  }

  @Test
  void formatsPlainWithoutTrailingZeros() {
    assertThat(Nanos.format(10_500)).isEqualTo("0.0000105");
    assertThat(Nanos.format(3_000_000_000L)).isEqualTo("3");
    assertThat(Nanos.format(-1_500_000_000L)).isEqualTo("-1.5");
    assertThat(Nanos.format(0)).isEqualTo("0");
    assertThat(Nanos.format(1)).isEqualTo("0.000000001");
    assertThat(Nanos.format(-1)).isEqualTo("-0.000000001");
    assertThat(Nanos.format(30_000_000_000L)).isEqualTo("30");
    assertThat(Nanos.format(Long.MAX_VALUE)).isEqualTo("9223372036.854775807");
    assertThat(Nanos.format(Long.MIN_VALUE)).isEqualTo("-9223372036.854775808");
  }

  @Test
  void formatAndParseRoundTrip() {
    for (long n : new long[] {0, 1, 7, 150_000_000L, 1_000_000_001L, 123_456_789_012L}) {
      assertThat(Nanos.parse(Nanos.format(n))).isEqualTo(n);
    }
  }
}
