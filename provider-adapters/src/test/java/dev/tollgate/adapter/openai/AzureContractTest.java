package dev.tollgate.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.Map;

/**
 * The provider contract for preset {@code azure}: OpenAI's recordings served on the deployment path
 * with the {@code api-version} query, the key in an {@code api-key} header.
 */
class AzureContractTest extends OpenAiContractTest {

  @Override
  protected Map<String, String> options() {
    return Map.of("preset", "azure", "api-version", "2024-10-21");
  }

  /** An Azure base URL is the resource's root. */
  @Override
  protected URI baseUrl(URI root) {
    return root;
  }

  @Override
  protected String upstreamUri(boolean stream) {
    return "/openai/deployments/" + UPSTREAM_MODEL + "/chat/completions?api-version=2024-10-21";
  }

  @Override
  protected void assertAuthenticated(HttpHeaders headers) {
    assertThat(headers.get("api-key")).isEqualTo(apiKey());
    assertThat(headers.contains("authorization")).isFalse();
  }
}
