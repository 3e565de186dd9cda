package dev.tollgate.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded provider responses in {@code ../shared/fixtures/providers/} beside the repository.
 */
public final class Fixtures {

  private Fixtures() {}

  public static Path dir() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/fixtures/providers");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "shared/fixtures/providers not found above " + here + " (expected beside the repository)");
  }

  public static String read(String relative) {
    try {
      return Files.readString(dir().resolve(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
