package dev.tollgate.gateway.admin;

import dev.tollgate.gateway.support.GatewayTestBase;
import org.junit.jupiter.api.Test;

/** Without {@code gateway.admin.master-key} there is no admin API at all, whatever is sent. */
class AdminDisabledTest extends GatewayTestBase {

  @Test
  void theAdminApiIs404WithoutAMasterKey() {
    web.get()
        .uri("/admin/accounts/demo")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
  }
}
