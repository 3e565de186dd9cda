package dev.tollgate.gateway.billing;

import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link BillingConcurrencyTest} on a three-master Redis Cluster: the reserve and settle scripts,
 * the outbox and its flusher through the cluster client. The context is closed after the class, so
 * that no cached context keeps connections to the test JVM's cluster.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gateway.billing.demo.balance=0.0014"})
@DirtiesContext
class BillingConcurrencyOnClusterTest extends BillingTestSupport {

  static final String ACCOUNT = "acct-conc-cluster-" + TestServices.REDIS_PREFIX;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    billingProperties(registry, ACCOUNT, RedisTopology.CLUSTER);
  }

  @Test
  void twoHundredConcurrentStreamsNeverOverspendAndTheLedgerAddsUpOnRedisCluster()
      throws Exception {
    BillingConcurrencyTest.twoHundredConcurrentStreamsNeverOverspend(this, ACCOUNT);
  }
}
