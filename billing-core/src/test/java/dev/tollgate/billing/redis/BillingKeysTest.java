package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The key layout that lets every script run on Redis Cluster: the keys one script names (see each
 * script's KEYS header and {@link HoldStore}) always share one hash slot.
 */
class BillingKeysTest {

  private final BillingKeys keys = new BillingKeys("gw", 64);

  @Test
  void everyKeyOfAnAccountsScriptsIsInItsBucketsSlot() {
    for (int i = 0; i < 1000; i++) {
      String account = UUID.randomUUID().toString();
      String request = UUID.randomUUID().toString();
      int bucket = keys.bucketOf(account);
      int slot = SlotHash.getSlot(keys.account(account));
      // reserve/extend: account, hold, holds; settle and the reaper add the outbox; credit its
      // marker; load_account, update_account and renew_allowance the account alone.
      assertThat(
              List.of(
                  SlotHash.getSlot(keys.hold(account, request)),
                  SlotHash.getSlot(keys.hold(bucket, request)),
                  SlotHash.getSlot(keys.holds(bucket)),
                  SlotHash.getSlot(keys.outbox(bucket)),
                  SlotHash.getSlot(keys.credit(account, request))))
          .containsOnly(slot);
    }
  }

  @Test
  void theSixtyFourBucketsUseSixtyFourSlots() {
    Set<Integer> slots = new HashSet<>();
    for (int bucket = 0; bucket < 64; bucket++) {
      slots.add(SlotHash.getSlot(keys.outbox(bucket)));
    }
    assertThat(slots).hasSize(64);
  }
}
