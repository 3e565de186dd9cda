package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.admin.AdminCredentials;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

/** The path access is decided on, and which raw paths are refused before any decision. */
class RequestPathsTest {

  static String routed(String rawPath) {
    return RequestPaths.routed(
        MockServerHttpRequest.method(HttpMethod.GET, URI.create(rawPath)).build());
  }

  @Test
  void decisionsReadThePathTheRouterMatches() {
    assertThat(routed("/admin/accounts/a1")).isEqualTo("/admin/accounts/a1");
    assertThat(routed("/%61dmin/accounts/a1")).isEqualTo("/admin/accounts/a1");
    assertThat(routed("/admi%6E/accounts/a1")).isEqualTo("/admin/accounts/a1");
    assertThat(routed("/admin;x=1/accounts;y/a1")).isEqualTo("/admin/accounts/a1");
    assertThat(routed("/%76%31/models")).isEqualTo("/v1/models");
    // So even without CanonicalPathFilter the guard sees what the router sees.
    assertThat(AdminCredentials.isAdminPath(routed("/%61dmin/accounts/a1"))).isTrue();
    assertThat(AdminCredentials.isAdminPath(routed("/ADMIN/accounts/a1"))).isFalse();
  }

  @Test
  void canonicalPathsPass() {
    for (String path :
        new String[] {
          "/",
          "/v1/models",
          "/v1/models/",
          "/admin/accounts/acct-1",
          "/admin/accounts/no%20such",
          "/v1/keys/key_%C3%A9",
          "/a.b/c..d/.e"
        }) {
      assertThat(RequestPaths.problem(path)).as(path).isNull();
    }
  }

  @Test
  void otherSpellingsAreRefused() {
    for (String path :
        new String[] {
          "/%61dmin",
          "/%41dmin",
          "/admi%6e",
          "/admi%6E",
          "/%7e",
          "/%2D",
          "/%5F",
          "/%2e",
          "/%2561dmin",
          "/admin;x",
          "/admin/;",
          "//admin",
          "/admin//accounts",
          "/a//",
          "/./admin",
          "/x/../admin",
          "/admin/..",
          "/admin%2Faccounts",
          "/admin%2faccounts",
          "/admin%5Caccounts",
          "/admin%00",
          "/admin%",
          "/admin%4",
          "/admin%zz",
          "admin"
        }) {
      assertThat(RequestPaths.problem(path)).as(path).isNotNull();
    }
  }
}
