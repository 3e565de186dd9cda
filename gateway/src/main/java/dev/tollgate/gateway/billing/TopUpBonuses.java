package dev.tollgate.gateway.billing;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.pricing.TopUpBonus;
import dev.tollgate.billing.redis.HoldStore;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Credits the bonus of a top-up ({@link TopUpBonus}) as its own ledger entry: type {@code credit},
 * category {@code bonus}, reference {@code bonus:<the top-up's reference>}. Idempotent with the
 * top-up: the reference makes a second application a repeat, so whoever retries the top-up (a
 * payment webhook delivered again, an admin credit sent again) also completes a bonus that a
 * failure left out. PostgreSQL first, then the Redis balance with its own credit id.
 */
public final class TopUpBonuses {

  /** The prefix of a bonus's ledger reference and Redis credit id. */
  public static final String REFERENCE_PREFIX = "bonus:";

  private final TopUpBonus policy;
  private final AccountChanges changes;
  private final HoldStore holds;

  public TopUpBonuses(TopUpBonus policy, AccountChanges changes, HoldStore holds) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.changes = Objects.requireNonNull(changes, "changes");
    this.holds = Objects.requireNonNull(holds, "holds");
  }

  /**
   * Credits the bonus of a top-up of {@code amountNanos}, once.
   *
   * @param topUpReference the top-up's ledger reference (unique among top-ups)
   * @return the bonus in nano-units; 0 (nothing written) below every tier
   */
  public Mono<Long> credit(
      String accountId, long amountNanos, String topUpReference, AuditEntry.Context by) {
    long bonus = policy.bonusNanos(amountNanos);
    if (bonus <= 0) {
      return Mono.just(0L);
    }
    String reference = REFERENCE_PREFIX + topUpReference;
    return changes
        .move(accountId, "credit", "bonus", bonus, reference, false, by)
        .flatMap(moved -> holds.credit(accountId, reference, bonus))
        .thenReturn(bonus);
  }
}
