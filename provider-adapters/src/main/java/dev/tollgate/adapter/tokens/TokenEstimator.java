package dev.tollgate.adapter.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Counts tokens locally with jtokkit ({@code o200k_base}, the encoding of current OpenAI models).
 * Used while a stream runs and when an upstream never reports usage; upstream-reported usage is
 * always preferred. Thread-safe. Build it once at start-up: loading the encoding reads a resource
 * file.
 */
public final class TokenEstimator {

  /** OpenAI's documented overheads: each message is framed by 3 tokens, the reply primed by 3. */
  private static final int TOKENS_PER_MESSAGE = 3;

  private static final int TOKENS_PER_NAME = 1;
  private static final int REPLY_PRIMING = 3;

  private static volatile @Nullable TokenEstimator shared;

  private final Encoding encoding;

  /**
   * The process-wide estimator; the first call loads the vocabulary (blocking: call at start-up).
   */
  public static TokenEstimator shared() {
    TokenEstimator e = shared;
    if (e == null) {
      synchronized (TokenEstimator.class) {
        e = shared;
        if (e == null) {
          shared = e = new TokenEstimator();
        }
      }
    }
    return e;
  }

  private TokenEstimator() {
    this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    encoding.countTokens("warm up"); // loads the vocabulary now, not on an event loop
  }

  /** Tokens of a piece of text. */
  public int count(String text) {
    return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }

  /**
   * Prompt tokens of an OpenAI chat-completions request: every message's role, name and text
   * content (text parts of multi-part content), tool calls and tool definitions.
   */
  public long countPrompt(JsonNode request) {
    long tokens = REPLY_PRIMING;
    JsonNode messages = request.path("messages");
    for (JsonNode message : messages) {
      tokens += TOKENS_PER_MESSAGE;
      tokens += count(message.path("role").asString(""));
      if (message.has("name")) {
        tokens += TOKENS_PER_NAME + count(message.path("name").asString(""));
      }
      tokens += countContent(message.path("content"));
      JsonNode toolCalls = message.path("tool_calls");
      for (JsonNode call : toolCalls) {
        JsonNode function = call.path("function");
        tokens += count(function.path("name").asString(""));
        tokens += count(function.path("arguments").asString(""));
      }
    }
    JsonNode tools = request.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      tokens += count(tools.toString());
    }
    return tokens;
  }

  /**
   * Input tokens of an OpenAI embeddings request's {@code input}: a string, an array of strings, an
   * array of token ids, or an array of token-id arrays (pre-tokenized input counts as it is).
   * Anything else counts 0: callers check the shape first.
   */
  public long countEmbeddingsInput(JsonNode input) {
    if (input.isString()) {
      return count(input.asString());
    }
    long tokens = 0;
    for (JsonNode item : input) {
      if (item.isString()) {
        tokens += count(item.asString());
      } else if (item.isArray()) {
        tokens += item.size();
      } else if (item.isNumber()) {
        tokens++;
      }
    }
    return tokens;
  }

  private long countContent(JsonNode content) {
    if (content.isString()) {
      return count(content.asString());
    }
    long tokens = 0;
    for (JsonNode part : content) {
      JsonNode text = part.path("text");
      if (text.isString()) {
        tokens += count(text.asString());
      }
    }
    return tokens;
  }
}
