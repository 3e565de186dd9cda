package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.Rejections.invalid;
import static dev.tollgate.adapter.anthropic.Rejections.string;
import static dev.tollgate.adapter.anthropic.Rejections.unsupported;

import dev.tollgate.adapter.Json;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI {@code image_url} parts as Anthropic image blocks: a {@code data:} URL becomes a base64
 * source, an http(s) URL a url source that Anthropic fetches itself. OpenAI's {@code detail} has no
 * equivalent and is dropped.
 */
final class AnthropicImages {

  private AnthropicImages() {}

  static ObjectNode toBlock(JsonNode imageUrl, String param) {
    String url = imageUrl.isString() ? imageUrl.asString() : string(imageUrl.path("url"));
    if (url == null) {
      throw invalid(param + ".url", param + ".url: missing (expected: a data: or https: URL)");
    }
    ObjectNode block = Json.MAPPER.createObjectNode().put("type", "image");
    ObjectNode source = block.putObject("source");
    String lower = url.substring(0, Math.min(url.length(), 8)).toLowerCase(Locale.ROOT);
    if (lower.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (!header.endsWith(";base64") || header.length() == 7) {
        throw unsupported(
            param + ".url",
            param
                + ".url: a data: URL without a media type or not base64"
                + " (expected: data:<media type>;base64,<data>)");
      }
      source.put("type", "base64");
      source.put("media_type", header.substring(0, header.length() - 7));
      source.put("data", url.substring(comma + 1));
    } else if (lower.startsWith("https://") || lower.startsWith("http://")) {
      source.put("type", "url");
      source.put("url", url);
    } else {
      throw unsupported(
          param + ".url", param + ".url: unsupported scheme (expected: data: or https:)");
    }
    return block;
  }
}
