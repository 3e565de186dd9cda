package dev.tollgate.gateway.route;

import java.util.List;
import java.util.random.RandomGenerator;

/** Picks a deployment at random in proportion to its weight, among those whose circuit admits. */
public final class WeightedPicker {

  private WeightedPicker() {}

  /**
   * @return the index in {@code candidates} of the pick, or -1 when no candidate's circuit admits a
   *     request
   */
  public static int pick(List<Deployment> candidates, RandomGenerator random) {
    long total = 0;
    for (Deployment d : candidates) {
      if (d.breaker().available()) {
        total += d.weight();
      }
    }
    if (total == 0) {
      return -1;
    }
    long point = random.nextLong(total);
    for (int i = 0; i < candidates.size(); i++) {
      Deployment d = candidates.get(i);
      if (d.breaker().available()) {
        point -= d.weight();
        if (point < 0) {
          return i;
        }
      }
    }
    return -1; // a circuit opened meanwhile; the caller tries again
  }
}
