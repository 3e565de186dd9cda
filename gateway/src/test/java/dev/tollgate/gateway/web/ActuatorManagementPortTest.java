package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.RawHttp;
import dev.tollgate.gateway.support.TestServices;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code management.server.port} set, the actuator lives on that port only (private by
 * deployment, no credential asked) and the public port has none of it.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.server.port=0",
      "gateway.admin.master-key=management-port-master-key-0123"
    })
class ActuatorManagementPortTest {

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, "acct-mgmt-" + TestServices.REDIS_PREFIX);
  }

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @Test
  void theActuatorIsOnTheManagementPortOnly() throws IOException {
    assertThat(managementPort).isNotEqualTo(port);
    for (String path :
        List.of(
            "/actuator/health",
            "/actuator/health/liveness",
            "/actuator/metrics",
            "/actuator/prometheus")) {
      assertThat(RawHttp.exchange(managementPort, "GET", path, null, null).status())
          .as(path)
          .isEqualTo(200);
      assertThat(RawHttp.exchange(port, "GET", path, null, null).status()).as(path).isEqualTo(404);
    }
  }
}
