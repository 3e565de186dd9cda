package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.support.RedisTopology;

/** {@link RateLimiterTest} with both instances on a three-master Redis Cluster. */
class RateLimiterOnClusterTest extends RateLimiterTest {

  @Override
  RedisTopology topology() {
    return RedisTopology.CLUSTER;
  }
}
