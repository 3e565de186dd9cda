package dev.tollgate.gateway.billing;

import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.pricing.TopUpBonus;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.billing.top-up-bonus.tiers[]}: a bonus credited with every top-up (payment webhook
 * or admin credit of category {@code topup}) as its own ledger entry, category {@code bonus}. A
 * top-up of at least {@code min-amount} gets {@code percent} of it on top, from the highest tier it
 * reaches. No tiers: no bonus.
 *
 * @param tiers e.g. {@code [{min-amount: 50, percent: 5}, {min-amount: 100, percent: 10}]}
 */
@ConfigurationProperties("gateway.billing.top-up-bonus")
public record TopUpBonusProperties(@DefaultValue List<Tier> tiers) {

  /**
   * @param minAmount the least top-up, a decimal in the account currency (default 0)
   * @param percent the bonus in percent of the top-up, 0 to 1000, at most 4 decimals
   */
  public record Tier(@Nullable BigDecimal minAmount, @Nullable BigDecimal percent) {}

  public TopUpBonusProperties {
    tiers = List.copyOf(tiers);
    new TopUpBonusProperties.Checked(tiers); // fails at start-up with the bad tier named
  }

  /** The policy these tiers describe. */
  public TopUpBonus bonus() {
    return new Checked(tiers).bonus;
  }

  /** The tiers read into the policy's units, each bad value named. */
  private static final class Checked {

    final TopUpBonus bonus;

    Checked(List<Tier> tiers) {
      List<TopUpBonus.Tier> out = new ArrayList<>();
      for (int i = 0; i < tiers.size(); i++) {
        out.add(tier("gateway.billing.top-up-bonus.tiers[" + i + "]", tiers.get(i)));
      }
      bonus = new TopUpBonus(out);
    }
  }

  private static TopUpBonus.Tier tier(String at, Tier tier) {
    BigDecimal percent = tier.percent();
    if (percent == null) {
      throw new IllegalArgumentException(at + ".percent: missing (expected: 0 to 1000)");
    }
    BigDecimal ppm = percent.multiply(BigDecimal.valueOf(10_000));
    if (percent.signum() < 0
        || ppm.stripTrailingZeros().scale() > 0
        || ppm.compareTo(BigDecimal.valueOf(TopUpBonus.MAX_PPM)) > 0) {
      throw new IllegalArgumentException(
          at
              + ".percent: "
              + percent.toPlainString()
              + " (expected: 0 to 1000, at most 4 decimals)");
    }
    long min;
    try {
      min = tier.minAmount() == null ? 0 : Nanos.parse(tier.minAmount().toPlainString());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ".min-amount: " + e.getMessage(), e);
    }
    return new TopUpBonus.Tier(min, ppm.longValueExact());
  }
}
