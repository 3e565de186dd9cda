package dev.tollgate.gateway.bench;

import dev.tollgate.gateway.GatewayApplication;
import dev.tollgate.gateway.support.TestServices;
import java.util.List;
import java.util.stream.Stream;
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

  /**
   * {@code -Dload.billing}: {@code false} (default) runs the gateway without billing; {@code true}
   * bills every request in the local Redis and PostgreSQL; {@code compare} runs both gateways side
   * by side instead of direct vs gateway.
   */
  static String billingMode() {
    String mode = System.getProperty("load.billing", "false").trim();
    if (!mode.equals("false") && !mode.equals("true") && !mode.equals("compare")) {
      throw new IllegalArgumentException(
          "load.billing: '" + mode + "' (expected: false, true or compare)");
    }
    return mode;
  }

  static InProcessGateway start(String upstreamBaseUrl) {
    return start(upstreamBaseUrl, billingMode().equals("true"));
  }

  static InProcessGateway start(String upstreamBaseUrl, boolean billing) {
    GatewayProbe probe = new GatewayProbe();
    List<String> billingArgs =
        billing
            ? List.of(
                "--gateway.billing.enabled=true",
                "--spring.data.redis.url=redis://127.0.0.1:6379",
                "--spring.r2dbc.url=" + TestServices.r2dbcUrl(),
                "--gateway.billing.redis-prefix=" + TestServices.REDIS_PREFIX,
                "--gateway.billing.demo.id=load-" + TestServices.REDIS_PREFIX,
                "--gateway.billing.demo.balance=1000000",
                "--gateway.models[0].price.input=0.15",
                "--gateway.models[0].price.output=0.60")
            : List.of("--gateway.billing.enabled=false");
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(GatewayApplication.class)
            .web(WebApplicationType.REACTIVE)
            .initializers(ctx -> ctx.getBeanFactory().addBeanPostProcessor(probe))
            .run(
                Stream.concat(
                        Stream.of(
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
                            "--logging.level.root=WARN"),
                        billingArgs.stream())
                    .toArray(String[]::new));
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
