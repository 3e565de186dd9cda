package dev.tollgate.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.mock.MockText;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.GatewayTestBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK pointed at the running gateway as its base URL: what a customer
 * does. Model {@code mock-fast} is the built-in mock provider answering 5 tokens.
 */
class OpenAiSdkEndToEndTest extends GatewayTestBase {

  private OpenAIClient client;

  @BeforeEach
  void sdk() {
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + port + "/v1")
            .apiKey(KEY)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(10))
            .build();
  }

  private static ChatCompletionCreateParams.Builder params(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say something.");
  }

  @Test
  void aPlainCompletion() throws Exception {
    ChatCompletion completion = client.chat().completions().create(params("mock-fast").build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValue(MockText.text(5));
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.usage()).isPresent();
    assertThat(completion.usage().get().completionTokens()).isEqualTo(5);

    UsageRecord record = usage.take();
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.completionTokens()).isEqualTo(5);
    assertThat(record.promptTokens()).isEqualTo(completion.usage().get().promptTokens());
  }

  @Test
  void aStreamedCompletion() throws Exception {
    StringBuilder text = new StringBuilder();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params("mock-fast").build())) {
      stream.stream()
          .forEach(
              chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
              });
    }

    assertThat(text.toString()).isEqualTo(MockText.text(5));
    assertThat(chunks).noneMatch(c -> c.usage().isPresent());
    UsageRecord record = usage.take();
    assertThat(record.streamed()).isTrue();
    assertThat(record.completionTokens()).isEqualTo(5);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
  }

  @Test
  void aStreamedCompletionWithUsage() throws Exception {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client
            .chat()
            .completions()
            .createStreaming(
                params("mock-fast")
                    .maxCompletionTokens(3)
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream().forEach(chunks::add);
    }

    ChatCompletionChunk last = chunks.getLast();
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage()).isPresent();
    assertThat(last.usage().get().completionTokens()).isEqualTo(3);
    assertThat(chunks)
        .anySatisfy(
            c ->
                assertThat(c.choices())
                    .anySatisfy(
                        choice ->
                            assertThat(choice.finishReason())
                                .hasValue(ChatCompletionChunk.Choice.FinishReason.LENGTH)));
    assertThat(usage.take().completionTokens()).isEqualTo(3);
  }

  @Test
  void anUnknownModelIsTheSdksNotFoundException() {
    assertThatThrownBy(() -> client.chat().completions().create(params("no-such-model").build()))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.code()).hasValue("model_not_found");
            });
  }

  @Test
  void aBadKeyIsTheSdksUnauthorizedException() {
    OpenAIClient wrongKey =
        OpenAIOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + port + "/v1")
            .apiKey("sk-gw-not-a-real-key-0000000000")
            .maxRetries(0)
            .build();
    assertThatThrownBy(() -> wrongKey.chat().completions().create(params("mock-fast").build()))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void anInvalidParameterIsTheSdksBadRequestException() {
    assertThatThrownBy(
            () ->
                client
                    .chat()
                    .completions()
                    .create(params("mock-fast").maxCompletionTokens(-1).build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> assertThat(e.param()).hasValue("max_completion_tokens"));
  }

  @Test
  void anUpstreamFailureIsTheSdksServerException() {
    UPSTREAM.script(
        FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    assertThatThrownBy(() -> client.chat().completions().create(params("fake-model").build()))
        .isInstanceOfSatisfying(
            InternalServerException.class, e -> assertThat(e.statusCode()).isEqualTo(502));
  }

  @Test
  void theModelsList() {
    List<Model> models = new ArrayList<>();
    client.models().list().autoPager().forEach(models::add);
    assertThat(models).extracting(Model::id).containsExactly("fake-model", "mock-fast");
    assertThat(models.get(0).ownedBy()).isEqualTo("fake");
    // the gateway's extra fields reach the SDK as additional properties, parsed and harmless
    assertThat(models.get(0)._additionalProperties()).containsKey("endpoints");
  }

  @Test
  void anEmbedding() throws Exception {
    UPSTREAM.script(
        FakeUpstream.json(
            200,
            "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.25,-0.5,0.125]}],\"model\":\"upstream-model-x\","
                + "\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}"));

    CreateEmbeddingResponse response =
        client
            .embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("fake-model")
                    .input("Hello world")
                    .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                    .build());

    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).containsExactly(0.25f, -0.5f, 0.125f);
    assertThat(response.usage().promptTokens()).isEqualTo(3);
    var sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("upstream-model-x");
    assertThat(sent.path("input").asString()).isEqualTo("Hello world");

    UsageRecord record = usage.take();
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.promptTokens()).isEqualTo(3);
  }

  @Test
  void anEmbeddingOfAModelWithoutEmbeddingsIsABadRequest() {
    assertThatThrownBy(
            () ->
                client
                    .embeddings()
                    .create(
                        EmbeddingCreateParams.builder()
                            .model("mock-fast")
                            .input("Hello world")
                            .build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("has no embeddings endpoint"));
  }
}
