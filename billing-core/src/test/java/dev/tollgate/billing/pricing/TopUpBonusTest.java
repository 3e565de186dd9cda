package dev.tollgate.billing.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopUpBonusTest {

  private static final long UNIT = Nanos.PER_UNIT;

  @Test
  void theHighestTierReachedGivesItsShareRoundedDown() {
    TopUpBonus bonus =
        new TopUpBonus(
            List.of(
                new TopUpBonus.Tier(100 * UNIT, 100_000), new TopUpBonus.Tier(50 * UNIT, 50_000)));
    assertThat(bonus.bonusNanos(49 * UNIT)).isZero();
    assertThat(bonus.bonusNanos(50 * UNIT)).isEqualTo(2_500_000_000L);
    assertThat(bonus.bonusNanos(100 * UNIT)).isEqualTo(10 * UNIT);
    assertThat(bonus.bonusNanos(333)).isZero();
    assertThat(new TopUpBonus(List.of(new TopUpBonus.Tier(0, 333_333))).bonusNanos(10))
        .isEqualTo(3);
    assertThat(TopUpBonus.NONE.bonusNanos(1_000 * UNIT)).isZero();
    assertThat(
            new TopUpBonus(List.of(new TopUpBonus.Tier(0, 10_000_000))).bonusNanos(Long.MAX_VALUE))
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void tiersAreChecked() {
    assertThatThrownBy(() -> new TopUpBonus.Tier(-1, 0))
        .hasMessage("minNanos: -1 (expected: >= 0)");
    assertThatThrownBy(() -> new TopUpBonus.Tier(0, 10_000_001))
        .hasMessage("ppm: 10000001 (expected: 0..10000000)");
  }
}
