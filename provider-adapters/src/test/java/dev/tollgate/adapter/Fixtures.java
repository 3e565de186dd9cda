package dev.tollgate.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The recorded provider responses in {@code src/test/resources/fixtures/providers} (their sources:
 * the README there), read from the test class path. The gateway's tests read the same files through
 * this module's test jar.
 */
public final class Fixtures {

  /** Where the recordings are on the class path. */
  public static final String RESOURCE = "fixtures/providers";

  private static volatile Path dir;

  private Fixtures() {}

  /** The fixtures directory (this module's test classes are a directory, not a jar). */
  public static Path dir() {
    Path d = dir;
    if (d == null) {
      d = dir = locate(RESOURCE);
    }
    return d;
  }

  /** A fixture file, for example {@code openai/chat_completion.json}. */
  public static Path path(String name) {
    Path file = dir().resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("fixture " + name + " not found in " + dir());
    }
    return file;
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The fixtures of one provider whose name ends with {@code suffix}, as names relative to {@link
   * #dir()} (for example {@code openai/chat_stream_tool_call.sse}), sorted.
   */
  public static List<String> list(String provider, String suffix) {
    try (Stream<Path> files = Files.list(dir().resolve(provider))) {
      List<String> names = new ArrayList<>();
      files
          .filter(f -> f.getFileName().toString().endsWith(suffix))
          .forEach(f -> names.add(provider + "/" + f.getFileName()));
      names.sort(null);
      if (names.isEmpty()) {
        throw new IllegalStateException("no " + suffix + " fixtures in " + dir().resolve(provider));
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every {@code .sse} fixture of every provider. */
  public static List<String> allSse() {
    List<String> names = new ArrayList<>();
    for (String provider : List.of("anthropic", "gemini", "mistral", "openai", "openrouter")) {
      names.addAll(list(provider, ".sse"));
    }
    return names;
  }

  /** The directory of a class-path resource directory (its README.md locates it). */
  static Path locate(String resource) {
    URL readme = Fixtures.class.getClassLoader().getResource(resource + "/README.md");
    if (readme == null) {
      throw new IllegalStateException(
          "provider fixtures not found: expected " + resource + "/README.md on the class path");
    }
    try {
      return Path.of(readme.toURI()).getParent();
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException(
          "provider fixtures at " + readme + " are not in a directory (expected: test classes)", e);
    }
  }
}
