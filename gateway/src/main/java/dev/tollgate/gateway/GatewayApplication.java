package dev.tollgate.gateway;

import dev.tollgate.gateway.embedded.EmbeddedDefault;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Tollgate gateway: an OpenAI-compatible base URL in front of many LLM providers. {@link #main}
 * is the executable jar's entry point: with no Redis or PostgreSQL configured it runs on embedded
 * ones ({@link EmbeddedDefault}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(GatewayApplication.class);
    application.addListeners(new EmbeddedDefault());
    // PostgreSQL's own output (zonky logs it at INFO) only when asked for, e.g. with
    // --logging.level.io.zonky.test=INFO: the embedded default logs one line per service.
    application.setDefaultProperties(Map.of("logging.level.io.zonky.test", "WARN"));
    application.run(args);
  }
}
