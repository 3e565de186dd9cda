package dev.tollgate.gateway.bench;

import dev.tollgate.gateway.GatewayApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real gateway application, started in this JVM on 127.0.0.1 and a random port, with its
 * default configuration ({@code application.yaml}) plus one OpenAI-type provider pointing at the
 * fake upstream, one model and one dev key. Command-line arguments rank above {@code
 * application.yaml}, and a list set there replaces the file's list, so {@code gateway.models} and
 * {@code gateway.dev-keys} hold only what is given here.
 */
final class InProcessGateway implements AutoCloseable {

  static final String DEV_KEY = "sk-gw-load-harness-0123456789abcdef";

  private final ConfigurableApplicationContext context;
  private final GatewayProbe probe;
  private final int port;

  private InProcessGateway(ConfigurableApplicationContext context, GatewayProbe probe) {
    this.context = context;
    this.probe = probe;
    this.port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
  }

  static InProcessGateway start(String upstreamBaseUrl) {
    GatewayProbe probe = new GatewayProbe();
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(GatewayApplication.class)
            .web(WebApplicationType.REACTIVE)
            .initializers(ctx -> ctx.getBeanFactory().addBeanPostProcessor(probe))
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--spring.main.banner-mode=off",
                "--gateway.providers.bench.type=openai",
                "--gateway.providers.bench.base-url=" + upstreamBaseUrl,
                "--gateway.providers.bench.api-key=x",
                "--gateway.models[0].id=" + FakeCompletion.MODEL,
                "--gateway.models[0].provider=bench",
                "--gateway.models[0].upstream-model=" + FakeCompletion.MODEL,
                "--gateway.dev-keys[0]=" + DEV_KEY,
                // One INFO line per request would measure the console, not the gateway.
                "--logging.level.dev.tollgate.usage=WARN",
                "--logging.level.root=WARN");
    return new InProcessGateway(context, probe);
  }

  GatewayProbe probe() {
    return probe;
  }

  /** The base URL clients use: {@code http://127.0.0.1:PORT/v1}. */
  String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  @Override
  public void close() {
    context.close();
  }
}
