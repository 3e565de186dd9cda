package dev.tollgate.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The recorded provider responses, {@code fixtures/providers/} on the test class path: one copy, in
 * provider-adapters' test resources (their sources: the README there), which reach these tests
 * through that module's test jar.
 */
public final class Fixtures {

  private static final String RESOURCE = "fixtures/providers/";

  private Fixtures() {}

  public static String read(String relative) {
    try (InputStream in =
        Fixtures.class.getClassLoader().getResourceAsStream(RESOURCE + relative)) {
      if (in == null) {
        throw new IllegalStateException(
            "fixture " + relative + " not found on the class path under " + RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
