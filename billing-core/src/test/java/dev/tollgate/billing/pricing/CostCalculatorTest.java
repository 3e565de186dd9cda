package dev.tollgate.billing.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CostCalculatorTest {

  /** 0.15 per million input, 0.075 cached, 0.60 output, 2.40 reasoning, no request price. */
  private static final ModelPrice MINI =
      ModelPrice.of(
          "mini",
          Nanos.parse("0.15"),
          Nanos.parse("0.075"),
          Nanos.parse("0.60"),
          Nanos.parse("2.40"),
          0,
          0);

  @Test
  void zeroPricesCostNothing() {
    ModelPrice free = ModelPrice.of("free", 0, 0, 0, 0, 0, 200_000);
    assertThat(CostCalculator.cost(free, 1_000_000, 10, 5_000, 7, 0)).isZero();
  }

  @Test
  void zeroTokensCostNothingWithoutRequestPrice() {
    assertThat(CostCalculator.cost(MINI, 0, 0, 0, 0, 0)).isZero();
  }

  @Test
  void oneTokenAtFifteenCentsPerMillion() {
    // 0.15 per million = 150,000,000 nano-units per million tokens; one token is
    // 150,000,000 / 1,000,000 = 150 nano-units exactly.
    assertThat(CostCalculator.cost(MINI, 1, 0, 0, 0, 0)).isEqualTo(150);
  }

  @Test
  void roundsUpOnceAtTheEnd() {
    // 1 token at 1,500 nano-units per million = 0.0015 nano-units -> rounded up to 1.
    ModelPrice tiny = ModelPrice.of("tiny", 1_500, 1_500, 1_500, 1_500, 0, 0);
    assertThat(CostCalculator.cost(tiny, 1, 0, 0, 0, 0)).isEqualTo(1);
    // 7 tokens at 150,000,001 per million = 1,050,000,007 / 10^6 = 1050.000007 -> 1051.
    ModelPrice odd = ModelPrice.of("odd", 150_000_001, 0, 0, 0, 0, 0);
    assertThat(CostCalculator.cost(odd, 7, 0, 0, 0, 0)).isEqualTo(1051);
    // Rounded once per request, not per token kind: 1 input + 1 output token at 1,500 per
    // million each is 3,000 / 10^6 = 0.003 -> 1 (rounding each kind would give 2).
    assertThat(CostCalculator.cost(tiny, 1, 0, 1, 0, 0)).isEqualTo(1);
  }

  @Test
  void cachedTokensPricedSeparately() {
    // 1,000 prompt tokens of which 400 cached: 600 x 150,000,000 + 400 x 75,000,000
    // = 90,000,000,000 + 30,000,000,000 = 120,000,000,000 / 10^6 = 120,000 nano-units.
    assertThat(CostCalculator.cost(MINI, 1_000, 400, 0, 0, 0)).isEqualTo(120_000);
    // More cached than prompt (bad upstream data): the uncached part is 0, never negative.
    // 0 x 150,000,000 + 10 x 75,000,000 = 750,000,000 / 10^6 = 750.
    assertThat(CostCalculator.cost(MINI, 5, 10, 0, 0, 0)).isEqualTo(750);
  }

  @Test
  void reasoningPricedSeparately() {
    // 1,000 completion tokens of which 300 reasoning: 700 x 600,000,000 + 300 x 2,400,000,000
    // = 420,000,000,000 + 720,000,000,000 = 1,140,000,000,000 / 10^6 = 1,140,000.
    assertThat(CostCalculator.cost(MINI, 0, 0, 1_000, 300, 0)).isEqualTo(1_140_000);
    // More reasoning than completion: the plain output part is 0.
    // 50 x 2,400,000,000 / 10^6 = 120,000.
    assertThat(CostCalculator.cost(MINI, 0, 0, 10, 50, 0)).isEqualTo(120_000);
  }

  @Test
  void markupAndDiscount() {
    ModelPrice marked =
        ModelPrice.of("m", Nanos.parse("0.15"), 0, Nanos.parse("0.60"), 0, 0, 200_000);
    // base: 1,000 x 150,000,000 + 1,000 x 600,000,000 = 750,000,000,000 (per million) = 750,000
    // markup 20%: 900,000; discount 10%: 810,000.
    assertThat(CostCalculator.cost(marked, 1_000, 0, 1_000, 0, 100_000)).isEqualTo(810_000);
    // 1 token at 150 nano-units, x 1.2 = 180, x (1 - 0.333333) = 120.00006 -> 121.
    assertThat(CostCalculator.cost(marked, 1, 0, 0, 0, 333_333)).isEqualTo(121);
  }

  @Test
  void perRequestPrice() {
    // 0.001 per request = 1,000,000 nano-units, plus 1 input token (150), x 1.5 markup
    // = 1,000,150 x 1.5 = 1,500,225.
    ModelPrice image = ModelPrice.of("img", Nanos.parse("0.15"), 0, 0, 0, 1_000_000, 500_000);
    assertThat(CostCalculator.cost(image, 1, 0, 0, 0, 0)).isEqualTo(1_500_225);
    assertThat(CostCalculator.cost(image, 0, 0, 0, 0, 0)).isEqualTo(1_500_000);
  }

  @Test
  void fullDiscountIsFree() {
    assertThat(CostCalculator.cost(MINI, 1_000_000, 0, 1_000_000, 0, 1_000_000)).isZero();
  }

  @Test
  void hugeTokenCountsUseBigIntegerWithoutLosingPrecision() {
    long tokens = Long.MAX_VALUE / 2;
    // 3 nano-units per million: tokens x 3 overflows a long, so this takes the BigInteger path.
    ModelPrice cheap = ModelPrice.of("cheap", 3, 1, 5, 7, 11, 123_457);
    long cost = CostCalculator.cost(cheap, tokens, 12_345, 1_000_001, 999, 76_543);
    assertThat(cost).isEqualTo(reference(cheap, tokens, 12_345, 1_000_001, 999, 76_543));
    assertThat(cost).isGreaterThan(13_000_000_000_000L);
  }

  @Test
  void largeButFittingCostsStayExactOnTheLongPath() {
    long tokens = Long.MAX_VALUE / 2;
    ModelPrice one = ModelPrice.of("one", 1, 0, 0, 0, 0, 200_000);
    assertThat(CostCalculator.cost(one, tokens, 0, 0, 0, 100_000))
        .isEqualTo(reference(one, tokens, 0, 0, 0, 100_000));
  }

  @Test
  void agreesWithBigDecimalOnRandomInputs() {
    SplittableRandom random = new SplittableRandom(20_240_601);
    for (int i = 0; i < 20_000; i++) {
      ModelPrice price =
          ModelPrice.of(
              "r",
              random.nextLong(0, 100_000_000_000L),
              random.nextLong(0, 100_000_000_000L),
              random.nextLong(0, 100_000_000_000L),
              random.nextLong(0, 100_000_000_000L),
              random.nextLong(0, 10_000_000_000L),
              random.nextLong(0, 2_000_000));
      long prompt = random.nextLong(0, 2_000_000);
      long cached = random.nextLong(0, prompt + 1);
      long completion = random.nextLong(0, 200_000);
      long reasoning = random.nextLong(0, completion + 1);
      long discount = random.nextLong(0, 1_000_001);
      assertThat(CostCalculator.cost(price, prompt, cached, completion, reasoning, discount))
          .as(
              "case %d: %s %d %d %d %d %d",
              i, price, prompt, cached, completion, reasoning, discount)
          .isEqualTo(reference(price, prompt, cached, completion, reasoning, discount));
    }
  }

  @Test
  void costBeyondLongRangeFailsLoudly() {
    ModelPrice dear = ModelPrice.of("dear", Nanos.parse("1000"), 0, 0, 0, 0, 0);
    assertThatThrownBy(() -> CostCalculator.cost(dear, Long.MAX_VALUE / 2, 0, 0, 0, 0))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("cost exceeds");
  }

  @Test
  void rejectsNegativeTokensAndDiscountOutOfRange() {
    assertThatThrownBy(() -> CostCalculator.cost(MINI, -1, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("promptTokens: -1 (expected: >= 0)");
    assertThatThrownBy(() -> CostCalculator.cost(MINI, 0, 0, 0, 0, 1_000_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("discountPpm: 1000001 (expected: 0..1000000)");
  }

  @Test
  void versionIsStableAndFollowsThePrice() {
    // Pinned: the first 12 hex digits of sha256("in=150000000;cached=75000000;out=600000000;
    // reasoning=2400000000;cache_write=187500000;cache_write_1h=300000000;request=0;
    // markup_ppm=0"), computed outside Java.
    String v =
        ModelPrice.versionOf(
            150_000_000L,
            75_000_000L,
            600_000_000L,
            2_400_000_000L,
            187_500_000L,
            300_000_000L,
            0,
            0);
    assertThat(v).hasSize(12).isEqualTo(MINI.version()).isEqualTo("977164e58497");
    assertThat(ModelPrice.of("other-model", 1, 2, 3, 4, 5, 6).version())
        .isEqualTo(ModelPrice.of("same-price", 1, 2, 3, 4, 5, 6).version())
        .isNotEqualTo(ModelPrice.of("same-price", 1, 2, 3, 4, 5, 7).version());
  }

  @Test
  void cacheWritesDefaultToWhatAnthropicChargesOverTheInputPrice() {
    // input 3.00 per million: 5-minute writes 3.75, 1-hour writes 6.00
    ModelPrice sonnet =
        ModelPrice.of(
            "sonnet", 3_000_000_000L, 300_000_000L, 15_000_000_000L, 15_000_000_000L, 0, 0);
    assertThat(sonnet.cacheWritePerMillion()).isEqualTo(3_750_000_000L);
    assertThat(sonnet.cacheWrite1hPerMillion()).isEqualTo(6_000_000_000L);
    // rounded up, never below: 0.000000003 per million is 3 nano-units; x 1.25 is 3.75 -> 4
    assertThat(ModelPrice.defaultCacheWrite(3)).isEqualTo(4);
    assertThat(ModelPrice.of("x", 1, 1, 1, 1, 9, 9, 0, 0).version())
        .isNotEqualTo(ModelPrice.of("x", 1, 1, 1, 1, 9, 8, 0, 0).version())
        .isNotEqualTo(ModelPrice.of("x", 1, 1, 1, 1, 8, 9, 0, 0).version());
  }

  @Test
  void cacheWritesArePricedApartFromTheRestOfThePrompt() {
    ModelPrice sonnet =
        ModelPrice.of(
            "sonnet", 3_000_000_000L, 300_000_000L, 15_000_000_000L, 15_000_000_000L, 0, 0);
    // 10 000 prompt tokens: 1 000 read from the cache, 4 000 written (1 000 of them for 1 hour),
    // 5 000 plain; 200 output.
    long cost = CostCalculator.cost(sonnet, 10_000, 1_000, 4_000, 1_000, 200, 0, 0);
    long expected =
        5_000 * 3_000L // plain input, 3 000 nano-units a token
            + 1_000 * 300L // cache read
            + 3_000 * 3_750L // 5-minute writes
            + 1_000 * 6_000L // 1-hour writes
            + 200 * 15_000L; // output
    assertThat(cost).isEqualTo(expected).isEqualTo(35_550_000L);
    // the same prompt without cache writes costs less: they were billed at the input price before
    assertThat(CostCalculator.cost(sonnet, 10_000, 1_000, 200, 0, 0)).isLessThan(cost);
    // configured prices win, and markup and discount apply to them as to the rest
    ModelPrice set = ModelPrice.of("set", 1_000, 0, 0, 0, 2_000, 5_000, 0, 500_000);
    assertThat(CostCalculator.cost(set, 1_000_000, 0, 1_000_000, 0, 0, 0, 0))
        .isEqualTo(3_000); // 2 000 x 1.5
    assertThat(CostCalculator.cost(set, 1_000_000, 0, 1_000_000, 1_000_000, 0, 0, 500_000))
        .isEqualTo(3_750); // 5 000 x 1.5 x 0.5
    // the slow path agrees: 1-hour writes whose base no long holds
    long huge = Long.MAX_VALUE / 2;
    ModelPrice tiny = ModelPrice.of("tiny", 1, 0, 0, 0, 1, 8, 0, 0);
    BigInteger base =
        BigInteger.valueOf(huge - huge / 2) // plain input
            .add(BigInteger.valueOf(huge / 2 - huge / 4)) // 5-minute writes
            .add(BigInteger.valueOf(huge / 4).multiply(BigInteger.valueOf(8))); // 1-hour writes
    BigInteger[] qr = base.divideAndRemainder(BigInteger.valueOf(1_000_000));
    assertThat(CostCalculator.cost(tiny, huge, 0, huge / 2, huge / 4, 0, 0, 0))
        .isEqualTo(qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1));
  }

  /** An independent computation with BigDecimal and the formula in currency terms. */
  private static long reference(
      ModelPrice p, long prompt, long cached, long completion, long reasoning, long discountPpm) {
    BigDecimal million = BigDecimal.valueOf(1_000_000);
    BigDecimal perToken =
        BigDecimal.valueOf(Math.max(0, prompt - cached))
            .multiply(BigDecimal.valueOf(p.inputPerMillion()))
            .add(BigDecimal.valueOf(cached).multiply(BigDecimal.valueOf(p.cachedInputPerMillion())))
            .add(
                BigDecimal.valueOf(Math.max(0, completion - reasoning))
                    .multiply(BigDecimal.valueOf(p.outputPerMillion())))
            .add(
                BigDecimal.valueOf(reasoning).multiply(BigDecimal.valueOf(p.reasoningPerMillion())))
            .divide(million);
    BigDecimal base = perToken.add(BigDecimal.valueOf(p.perRequest()));
    BigDecimal markup = BigDecimal.ONE.add(BigDecimal.valueOf(p.markupPpm()).divide(million));
    BigDecimal keep = BigDecimal.ONE.subtract(BigDecimal.valueOf(discountPpm).divide(million));
    return base.multiply(markup).multiply(keep).setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
