package dev.tollgate.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The recorded provider responses in {@code shared/fixtures/providers}, which lives next to the
 * repository (in the repository root's parent directory), not inside it. The fixtures are shared by
 * several work trees and are never copied into the repository.
 */
public final class Fixtures {

  private static final String RELATIVE = "shared/fixtures/providers";

  private static volatile Path dir;

  private Fixtures() {}

  /** The fixtures directory, found once by walking up from the working directory. */
  public static Path dir() {
    Path d = dir;
    if (d == null) {
      d = dir = locate(Path.of("").toAbsolutePath());
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

  /**
   * Walks up from {@code start} to the repository root (the first directory with a {@code .git}
   * entry; a work tree has a {@code .git} file) and looks in its parent.
   */
  static Path locate(Path start) {
    List<Path> repoRoots = new ArrayList<>();
    for (Path p = start; p != null; p = p.getParent()) {
      if (!Files.exists(p.resolve(".git"))) {
        continue;
      }
      repoRoots.add(p);
      Path parent = p.getParent();
      if (parent != null && Files.isDirectory(parent.resolve(RELATIVE))) {
        return parent.resolve(RELATIVE);
      }
    }
    throw new IllegalStateException(
        "provider fixtures not found: expected a directory "
            + RELATIVE
            + " in the parent of the repository root; walked up from "
            + start
            + (repoRoots.isEmpty()
                ? " and found no repository root (no .git)"
                : " past repository roots " + repoRoots));
  }
}
