package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The parts of Gemini's {@code GenerateContentResponse} the adapter reads, as records. Read from a
 * Jackson tree by hand rather than by data binding: every field may be absent, and the shape of a
 * response the upstream extends with new fields must not fail a stream.
 */
final class GeminiWire {

  private GeminiWire() {}

  /**
   * One {@code GenerateContentResponse}: a whole response, or one event of a stream.
   *
   * @param candidate {@code candidates[0]}; null when the response has none (usage-only events, a
   *     blocked prompt)
   * @param blockReason {@code promptFeedback.blockReason}: the prompt itself was refused
   * @param usage {@code usageMetadata}, cumulative over a stream
   */
  record Response(
      @Nullable Candidate candidate,
      @Nullable String blockReason,
      @Nullable Usage usage,
      @Nullable String modelVersion,
      @Nullable String responseId) {

    static Response of(JsonNode root) {
      JsonNode candidates = root.path("candidates");
      Candidate candidate =
          candidates.isArray() && !candidates.isEmpty() ? Candidate.of(candidates.get(0)) : null;
      JsonNode usage = root.path("usageMetadata");
      return new Response(
          candidate,
          string(root.path("promptFeedback").path("blockReason")),
          usage.isObject() ? Usage.of(usage) : null,
          string(root.path("modelVersion")),
          string(root.path("responseId")));
    }
  }

  /**
   * @param parts the candidate's content parts, in order
   * @param finishReason Gemini's finish reason ({@code STOP}, {@code MAX_TOKENS}, ...); null while
   *     the candidate is still being generated
   */
  record Candidate(List<Part> parts, @Nullable String finishReason) {

    static Candidate of(JsonNode candidate) {
      List<Part> parts = new ArrayList<>();
      for (JsonNode part : candidate.path("content").path("parts")) {
        Part p = Part.of(part);
        if (p != null) {
          parts.add(p);
        }
      }
      return new Candidate(parts, string(candidate.path("finishReason")));
    }
  }

  /** A content part the gateway can relay. Parts of other kinds (code execution...) are skipped. */
  sealed interface Part {

    static @Nullable Part of(JsonNode part) {
      JsonNode call = part.path("functionCall");
      if (call.isObject()) {
        JsonNode args = call.path("args");
        return new FunctionCall(
            string(call.path("id")),
            call.path("name").asString(""),
            args.isObject() ? args : null,
            string(part.path("thoughtSignature")));
      }
      String text = string(part.path("text"));
      if (text == null) {
        return null;
      }
      return part.path("thought").asBoolean(false) ? new Thought(text) : new Text(text);
    }
  }

  /** Answer text. */
  record Text(String text) implements Part {}

  /** A thought summary ({@code thought: true}), relayed as reasoning. */
  record Thought(String text) implements Part {}

  /**
   * A function call, whole: Gemini never splits one across events.
   *
   * @param id the upstream's call id, which only some models send
   * @param args the arguments object; null when the call has none
   * @param thoughtSignature the opaque signature Gemini 3 wants back with the call on the next turn
   */
  record FunctionCall(
      @Nullable String id, String name, @Nullable JsonNode args, @Nullable String thoughtSignature)
      implements Part {}

  /** {@code usageMetadata}: counts of the whole response so far. */
  record Usage(long prompt, long cached, long candidates, long thoughts) {

    static Usage of(JsonNode usage) {
      return new Usage(
          count(usage.path("promptTokenCount")),
          count(usage.path("cachedContentTokenCount")),
          count(usage.path("candidatesTokenCount")),
          count(usage.path("thoughtsTokenCount")));
    }

    /** In OpenAI's terms: thoughts are output tokens, part of the completion. */
    TokenUsage toTokenUsage() {
      return new TokenUsage(prompt, candidates + thoughts, Math.min(cached, prompt), thoughts);
    }

    private static long count(JsonNode n) {
      return n.isIntegralNumber() ? Math.max(0, n.asLong()) : 0;
    }
  }

  /**
   * Gemini's finish reason in OpenAI's words.
   *
   * @param calledFunctions whether the response contained function calls: a normal stop is then
   *     {@code tool_calls}, as OpenAI clients expect before they run the tools
   */
  static String finishReason(String gemini, boolean calledFunctions) {
    return switch (gemini) {
      case "STOP" -> calledFunctions ? "tool_calls" : "stop";
      case "MAX_TOKENS" -> "length";
      case "SAFETY",
          "RECITATION",
          "BLOCKLIST",
          "PROHIBITED_CONTENT",
          "SPII",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT" ->
          "content_filter";
      default -> "stop"; // OTHER, MALFORMED_FUNCTION_CALL, LANGUAGE, ...
    };
  }

  static @Nullable String string(JsonNode node) {
    return node.isString() ? node.asString() : null;
  }
}
