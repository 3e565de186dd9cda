package dev.tollgate.gateway.web.pages;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.MediaType;

/**
 * The pages' files ({@code classpath:/web/*}), read once at start-up and kept in memory (a few tens
 * of kilobytes), so serving them never touches a file. One version, a hash over every file, is
 * appended to each reference between them ({@code "/web/app.css"} becomes {@code
 * "/web/app.css?v=<version>"}, {@code './common.js'} likewise), so a browser may keep a versioned
 * file forever and a new build is fetched at once.
 */
final class WebFiles {

  /** A file as served. */
  record File(String name, byte[] body, MediaType type) {}

  private static final Pattern REFERENCE = Pattern.compile("([\"'])(/web/|\\./)([\\w.-]+)\\1");

  private final Map<String, File> files;
  private final String version;

  private WebFiles(Map<String, File> files, String version) {
    this.files = files;
    this.version = version;
  }

  /** Reads {@code classpath:/web/*}; fails start-up when they cannot be read. */
  static WebFiles load() {
    Map<String, byte[]> raw = new TreeMap<>();
    try {
      for (Resource resource :
          new PathMatchingResourcePatternResolver().getResources("classpath:/web/*.*")) {
        String name = Objects.requireNonNull(resource.getFilename(), "filename");
        try (InputStream in = resource.getInputStream()) {
          raw.put(name, in.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("The web pages' files (classpath:/web/) cannot be read", e);
    }
    if (raw.isEmpty()) {
      throw new IllegalStateException("No web pages' files in classpath:/web/");
    }
    String version = version(raw);
    Map<String, File> files = new TreeMap<>();
    raw.forEach(
        (name, body) -> {
          MediaType type = type(name);
          byte[] served = type.getType().equals("image") ? body : versioned(body, raw, version);
          files.put(name, new File(name, served, type));
        });
    return new WebFiles(Map.copyOf(files), version);
  }

  @Nullable File get(String name) {
    return files.get(name);
  }

  String version() {
    return version;
  }

  private static byte[] versioned(byte[] body, Map<String, byte[]> names, String version) {
    String text = new String(body, StandardCharsets.UTF_8);
    Matcher m = REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 256);
    while (m.find()) {
      String replacement =
          names.containsKey(m.group(3))
              ? m.group(1) + m.group(2) + m.group(3) + "?v=" + version + m.group(1)
              : m.group();
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String version(Map<String, byte[]> raw) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      raw.forEach(
          (name, body) -> {
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(body);
          });
      return HexFormat.of().formatHex(sha.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MediaType type(String name) {
    String ext = name.substring(name.lastIndexOf('.') + 1);
    return switch (ext) {
      case "html" -> new MediaType("text", "html", StandardCharsets.UTF_8);
      case "js" -> new MediaType("text", "javascript", StandardCharsets.UTF_8);
      case "css" -> new MediaType("text", "css", StandardCharsets.UTF_8);
      case "svg" -> new MediaType("image", "svg+xml");
      case "png" -> MediaType.IMAGE_PNG;
      default -> throw new IllegalStateException("web/" + name + ": unexpected file type");
    };
  }
}
