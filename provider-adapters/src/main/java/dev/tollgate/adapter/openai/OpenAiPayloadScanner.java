package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamFactory;

/**
 * Reads what metering needs from one OpenAI JSON payload in a single pass of a streaming parser,
 * building no tree and writing nothing back: generated text, reasoning, usage, finish reason and
 * error. Understands chat-completion chunks and bodies ({@code choices[].delta} / {@code
 * choices[].message}), the Responses API events ({@code response.*}), and the common
 * OpenAI-compatible variants (Mistral's structured content, {@code reasoning_content}, {@code
 * reasoning}).
 */
final class OpenAiPayloadScanner {

  /** Parsers straight from the token factory: no databind context is built per event. */
  private static final TokenStreamFactory FACTORY = Json.MAPPER.tokenStreamFactory();

  private OpenAiPayloadScanner() {}

  /** What one payload held. */
  static final class Scan {
    @Nullable StringBuilder text;
    @Nullable StringBuilder reasoning;
    @Nullable TokenUsage usage;
    @Nullable String finishReason;

    /** -1 when the payload has no {@code choices} array. */
    int choices = -1;

    @Nullable String type;
    @Nullable String topLevelDelta;
    boolean hasError;
    @Nullable String errorMessage;
    @Nullable String errorType;
    @Nullable String errorCode;
    @Nullable String errorParam;

    @Nullable String text() {
      return text == null ? null : text.toString();
    }

    @Nullable String reasoning() {
      return reasoning == null ? null : reasoning.toString();
    }

    void appendText(String s) {
      if (!s.isEmpty()) {
        (text == null ? text = new StringBuilder(s.length()) : text).append(s);
      }
    }

    void appendReasoning(String s) {
      if (!s.isEmpty()) {
        (reasoning == null ? reasoning = new StringBuilder(s.length()) : reasoning).append(s);
      }
    }
  }

  static Scan scan(byte[] bytes, int offset, int length) {
    Scan scan = new Scan();
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      String name;
      while ((name = p.nextName()) != null) {
        JsonToken t = p.nextToken();
        switch (name) {
          case "choices" -> readChoices(p, t, scan);
          case "usage" -> scan.usage = readUsage(p, t, scan.usage);
          case "error" -> readError(p, t, scan);
          case "type" -> scan.type = t == JsonToken.VALUE_STRING ? p.getString() : null;
          case "delta" -> {
            // Responses API: response.output_text.delta and friends carry a string delta
            if (t == JsonToken.VALUE_STRING) {
              scan.topLevelDelta = p.getString();
            } else {
              p.skipChildren();
            }
          }
          case "response" -> readResponse(p, t, scan);
          default -> p.skipChildren();
        }
      }
    }
    applyResponsesEvent(scan);
    return scan;
  }

  private static void applyResponsesEvent(Scan scan) {
    String type = scan.type;
    String delta = scan.topLevelDelta;
    if (type == null || delta == null) {
      return;
    }
    if (type.startsWith("response.reasoning")) {
      scan.appendReasoning(delta);
    } else if (type.endsWith(".delta")) {
      // output_text, refusal, function_call_arguments, custom tool input, ...
      scan.appendText(delta);
    }
  }

  private static void readChoices(JsonParser p, JsonToken t, Scan scan) {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    int count = 0;
    while (p.nextToken() == JsonToken.START_OBJECT) {
      count++;
      String name;
      while ((name = p.nextName()) != null) {
        JsonToken v = p.nextToken();
        switch (name) {
          case "delta", "message" -> readMessage(p, v, scan);
          case "finish_reason" -> {
            if (v == JsonToken.VALUE_STRING) {
              scan.finishReason = p.getString();
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    scan.choices = count;
  }

  private static void readMessage(JsonParser p, JsonToken t, Scan scan) {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "content", "refusal" -> {
          if (v == JsonToken.VALUE_STRING) {
            scan.appendText(p.getString());
          } else if (v == JsonToken.START_ARRAY) {
            readContentParts(p, scan); // Mistral: [{"type":"thinking"...},{"type":"text"...}]
          }
        }
        case "reasoning_content", "reasoning" -> {
          if (v == JsonToken.VALUE_STRING) {
            scan.appendReasoning(p.getString());
          } else {
            p.skipChildren();
          }
        }
        case "tool_calls" -> readToolCalls(p, v, scan);
        case "function_call" -> readFunction(p, v, scan);
        default -> p.skipChildren();
      }
    }
  }

  /**
   * Structured content: text parts count as text, thinking parts (and what they hold) as reasoning.
   */
  private static void readContentParts(JsonParser p, Scan scan) {
    while (p.nextToken() == JsonToken.START_OBJECT) {
      boolean thinking = false;
      StringBuilder partText = new StringBuilder();
      String name;
      while ((name = p.nextName()) != null) {
        JsonToken v = p.nextToken();
        if (name.equals("type") && v == JsonToken.VALUE_STRING) {
          thinking = p.getString().equals("thinking");
        } else if (v == JsonToken.VALUE_STRING
            && (name.equals("text") || name.equals("thinking"))) {
          partText.append(p.getString());
        } else if (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT) {
          collectTextFields(p, v, partText);
        }
      }
      if (thinking) {
        scan.appendReasoning(partText.toString());
      } else {
        scan.appendText(partText.toString());
      }
    }
  }

  /** Appends every string under a {@code text} field in the structure the parser stands on. */
  private static void collectTextFields(JsonParser p, JsonToken start, StringBuilder out) {
    int depth = 1;
    String lastName = null;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return;
      }
      switch (t) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case PROPERTY_NAME -> lastName = p.currentName();
        case VALUE_STRING -> {
          if ("text".equals(lastName)) {
            out.append(p.getString());
          }
        }
        default -> {}
      }
    }
  }

  private static void readToolCalls(JsonParser p, JsonToken t, Scan scan) {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String name;
      while ((name = p.nextName()) != null) {
        JsonToken v = p.nextToken();
        if (name.equals("function")) {
          readFunction(p, v, scan);
        } else {
          p.skipChildren();
        }
      }
    }
  }

  private static void readFunction(JsonParser p, JsonToken t, Scan scan) {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if ((name.equals("arguments") || name.equals("name")) && v == JsonToken.VALUE_STRING) {
        scan.appendText(p.getString());
      } else {
        p.skipChildren();
      }
    }
  }

  /** Responses API: {@code response.completed} (and friends) carry the final usage. */
  private static void readResponse(JsonParser p, JsonToken t, Scan scan) {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if (name.equals("usage")) {
        scan.usage = readUsage(p, v, scan.usage);
      } else {
        p.skipChildren();
      }
    }
  }

  /** Reads chat ({@code prompt_tokens}...) and Responses ({@code input_tokens}...) usage alike. */
  private static @Nullable TokenUsage readUsage(
      JsonParser p, JsonToken t, @Nullable TokenUsage previous) {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return previous;
    }
    long prompt = 0;
    long completion = 0;
    long cached = 0;
    long reasoning = 0;
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "prompt_tokens", "input_tokens" -> prompt = number(p, v);
        case "completion_tokens", "output_tokens" -> completion = number(p, v);
        case "prompt_tokens_details", "input_tokens_details" ->
            cached = Math.max(cached, nestedNumber(p, v, "cached_tokens", 0));
        case "prompt_cache_hit_tokens" -> cached = Math.max(cached, number(p, v)); // DeepSeek
        case "completion_tokens_details", "output_tokens_details" ->
            reasoning = nestedNumber(p, v, "reasoning_tokens", reasoning);
        default -> p.skipChildren();
      }
    }
    return new TokenUsage(prompt, completion, cached, reasoning);
  }

  private static long nestedNumber(JsonParser p, JsonToken t, String field, long fallback) {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return fallback;
    }
    long value = fallback;
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      if (name.equals(field)) {
        value = number(p, v);
      } else {
        p.skipChildren();
      }
    }
    return value;
  }

  private static long number(JsonParser p, JsonToken t) {
    return t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : 0;
  }

  private static void readError(JsonParser p, JsonToken t, Scan scan) {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    scan.hasError = true;
    if (t == JsonToken.VALUE_STRING) {
      scan.errorMessage = p.getString();
      return;
    }
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String name;
    while ((name = p.nextName()) != null) {
      JsonToken v = p.nextToken();
      String value = v == JsonToken.VALUE_STRING ? p.getString() : null;
      if (value == null && v != JsonToken.VALUE_NUMBER_INT) {
        p.skipChildren();
      } else if (value == null) {
        value = p.getString();
      }
      switch (name) {
        case "message" -> scan.errorMessage = value;
        case "type" -> scan.errorType = value;
        case "code" -> scan.errorCode = value;
        case "param" -> scan.errorParam = value;
        default -> {}
      }
    }
  }
}
