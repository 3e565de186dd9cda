package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.support.RedisTopology;

/** {@link ConcurrencyLimiterTest} with both instances on a three-master Redis Cluster. */
class ConcurrencyLimiterOnClusterTest extends ConcurrencyLimiterTest {

  @Override
  RedisTopology topology() {
    return RedisTopology.CLUSTER;
  }
}
