package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiErrorMapper.unsupported;

import dev.tollgate.adapter.Json;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Media a client links or inlines: a base64 {@code data:} URL becomes {@code inlineData}, an
 * http(s) URL {@code fileData} that Gemini fetches itself.
 */
final class GeminiMedia {

  private GeminiMedia() {}

  /**
   * @param param the request parameter the URL came from, for the error message
   */
  static ObjectNode fromUrl(String url, String param) {
    ObjectNode part = Json.MAPPER.createObjectNode();
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !header.endsWith(";base64") || header.length() == ";base64".length()) {
        throw unsupported(
            param, param + ": expected a base64 data: URL (data:<mime type>;base64,<data>)");
      }
      part.putObject("inlineData")
          .put("mimeType", header.substring(0, header.length() - ";base64".length()))
          .put("data", url.substring(comma + 1));
      return part;
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://") || lower.startsWith("http://")) {
      ObjectNode file = part.putObject("fileData");
      String mimeType = guessMimeType(lower);
      if (mimeType != null) {
        file.put("mimeType", mimeType);
      }
      file.put("fileUri", url);
      return part;
    }
    throw unsupported(param, param + ": expected an http(s) URL or a base64 data: URL");
  }

  /** From the URL's extension; null when it tells nothing (Gemini then works it out). */
  static @Nullable String guessMimeType(String lowerCaseUrl) {
    String path = lowerCaseUrl;
    int cut = path.indexOf('?');
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    cut = path.indexOf('#');
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    int dot = path.lastIndexOf('.');
    if (dot < 0 || dot < path.lastIndexOf('/')) {
      return null;
    }
    return switch (path.substring(dot + 1)) {
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "webp" -> "image/webp";
      case "gif" -> "image/gif";
      case "heic" -> "image/heic";
      case "heif" -> "image/heif";
      case "pdf" -> "application/pdf";
      default -> null;
    };
  }
}
