package dev.tollgate.gateway.packaged;

import static dev.tollgate.gateway.packaged.DeployFiles.at;
import static dev.tollgate.gateway.packaged.DeployFiles.list;
import static dev.tollgate.gateway.packaged.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * No image can be built here: the deploy files are checked as text. Every property they set and
 * every environment variable they give the gateway exists in its configuration (a misspelt one
 * would be ignored silently); every {@code ${VAR}} their configuration needs is set; the shutdown
 * arithmetic holds (docs/operations.md, "Deploy"). That the probe paths answer 200 on a running
 * gateway is checked by {@link NginxInFrontOfTwoGatewaysIT}.
 */
class DeployFilesTest {

  /** Read by the JVM, not by Spring. */
  private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(:[^}]*)?}");

  private static KnownProperties known;

  @BeforeAll
  static void loadKnownProperties() throws Exception {
    known = KnownProperties.load();
  }

  @Test
  void knownPropertiesTellAMisspeltNameFromARealOne() {
    assertThat(known.isProperty("gateway.billing.hold-ttl")).isTrue();
    assertThat(known.isProperty("gateway.providers.openai.base-url")).isTrue();
    assertThat(known.isProperty("gateway.models[3].price.cached-input")).isTrue();
    assertThat(known.isProperty("spring.lifecycle.timeout-per-shutdown-phase")).isTrue();
    assertThat(known.isProperty("gateway.billing.hold-tll")).isFalse();
    assertThat(known.isProperty("gateway.models[0].prize.input")).isFalse();
    assertThat(known.isEnvironmentVariable("GATEWAY_BILLING_HOLD_TTL")).isTrue();
    assertThat(known.isEnvironmentVariable("SPRING_R2DBC_URL")).isTrue();
    assertThat(known.isEnvironmentVariable("GATEWAY_BILLING_HOLDTTL")).isTrue();
    assertThat(known.isEnvironmentVariable("GATEWAY_BILLING_HOLD_TIME")).isFalse();
  }

  @Test
  void everyPropertyInTheDeployConfigurationsExists() {
    assertAllKnown("deploy/gateway.example.yaml", configurationOf("gateway.example.yaml"));
    assertAllKnown("deploy/k8s/configmap.yaml", configMapGatewayYaml());
  }

  @Test
  void everyEnvironmentVariableOfTheKubernetesDeploymentIsAPropertyOrNeededByTheConfiguration() {
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    for (Object variable : list(DeployFiles.gatewayContainer().get("env"))) {
      Map<String, Object> v = map(variable);
      environment.put((String) v.get("name"), String.valueOf(v.get("value")));
    }
    Set<String> placeholders = placeholders(gatewayYamlText());
    assertEnvironment("deploy/k8s/deployment.yaml", environment.keySet(), placeholders);
    assertThat(environment)
        .as("deploy/k8s/deployment.yaml loads the ConfigMap")
        .containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "file:/config/gateway.yaml");
    assertThat(environment.keySet())
        .as("every ${VAR} without a default in the ConfigMap is set")
        .containsAll(placeholdersWithoutDefault(gatewayYamlText()));
  }

  @Test
  void everyEnvironmentVariableOfTheComposeGatewaysIsAPropertyOrNeededByTheConfiguration() {
    Map<String, Object> services =
        map(DeployFiles.yamlDocuments("compose.yaml").getFirst().get("services"));
    Set<String> placeholders = placeholders(DeployFiles.text("gateway.example.yaml"));
    for (String name : List.of("gateway-1", "gateway-2")) {
      Map<String, Object> environment = map(at(services, name, "environment"));
      assertEnvironment("deploy/compose.yaml " + name, environment.keySet(), placeholders);
      assertThat(environment.keySet())
          .as("%s sets every ${VAR} without a default of gateway.example.yaml", name)
          .containsAll(placeholdersWithoutDefault(DeployFiles.text("gateway.example.yaml")));
      assertThat(list(at(services, name, "volumes")))
          .contains("./gateway.example.yaml:/config/gateway.yaml:ro");
    }
  }

  @Test
  void theDockerfileBuildsWithTheWrapperAndRunsTheLayeredJarAsANonRootUserWithContainerAwareHeap() {
    String dockerfile = DeployFiles.text("Dockerfile");
    assertThat(dockerfile)
        .containsPattern("(?m)^FROM eclipse-temurin:2[1-9]-jdk AS build$")
        .containsPattern("(?m)^FROM eclipse-temurin:2[1-9]-jre$")
        .contains("./mvnw -B -ntp -pl gateway -am package -DskipTests")
        .contains(
            "java -Djarmode=tools -jar gateway/target/gateway.jar extract --layers --launcher")
        .containsPattern("(?m)^USER 10001$")
        .contains("\"-XX:MaxRAMPercentage=75\"")
        .contains("\"org.springframework.boot.loader.launch.JarLauncher\"]");
    for (String layer :
        List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
      assertThat(dockerfile).contains("COPY --from=build /extracted/" + layer + "/ ./");
    }
    Matcher env = Pattern.compile("(?m)^ENV\\s+([A-Z_]+)").matcher(dockerfile);
    List<String> variables = new ArrayList<>();
    while (env.find()) {
      variables.add(env.group(1));
    }
    assertEnvironment("deploy/Dockerfile", variables, Set.of());
  }

  @Test
  void theNginxConfigurationIsRightForServerSentEvents() {
    String nginx = DeployFiles.text("nginx.conf");
    assertThat(nginx)
        .contains("proxy_buffering off;")
        .contains("proxy_request_buffering off;")
        .contains("proxy_http_version 1.1;")
        .contains("proxy_set_header Connection \"\";")
        .contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
        .contains("proxy_set_header X-Forwarded-Proto $scheme;")
        .contains("gzip off;")
        .containsPattern("(?m)^\\s*keepalive \\d+;");
    assertThat(nginx)
        .as("client_max_body_size = gateway.max-request-size (10MB)")
        .contains("client_max_body_size 10m;");
    Duration readTimeout = nginxSeconds(nginx, "proxy_read_timeout");
    // Longer than the gateway's own longest silence before it answers: two attempts of the
    // first-byte timeout (application.yaml: 300 s) plus back-off.
    assertThat(readTimeout).isGreaterThan(Duration.ofSeconds(2 * 300 + 2));
    assertThat(readTimeout).isGreaterThan(shutdownPhase());
  }

  @Test
  void theKubernetesShutdownLetsEveryStreamThatFitsInTheShutdownPhaseFinish() {
    Map<String, Object> podSpec =
        map(at(DeployFiles.k8s("k8s/deployment.yaml", "Deployment"), "spec", "template", "spec"));
    long grace = ((Number) podSpec.get("terminationGracePeriodSeconds")).longValue();
    List<Object> preStop =
        list(at(DeployFiles.gatewayContainer(), "lifecycle", "preStop", "exec", "command"));
    assertThat(preStop.getFirst()).isEqualTo("sleep");
    long sleep = Long.parseLong(String.valueOf(preStop.get(1)));
    long phase = shutdownPhase().toSeconds();
    assertThat(sleep).as("preStop sleep: endpoints updated before SIGTERM").isBetween(5L, 30L);
    assertThat(grace)
        .as("terminationGracePeriodSeconds >= preStop + shutdown phase + 20 s to settle and flush")
        .isGreaterThanOrEqualTo(sleep + phase + 20);
    for (String probe : DeployFiles.probePaths()) {
      assertThat(probe).isIn("/actuator/health/liveness", "/actuator/health/readiness");
    }
    assertThat(at(DeployFiles.gatewayContainer(), "readinessProbe", "httpGet", "path"))
        .isEqualTo("/actuator/health/readiness");
    assertThat(at(DeployFiles.gatewayContainer(), "livenessProbe", "httpGet", "path"))
        .isEqualTo("/actuator/health/liveness");

    Map<String, Object> services =
        map(DeployFiles.yamlDocuments("compose.yaml").getFirst().get("services"));
    Duration composePhase =
        DurationStyle.detectAndParse(
            String.valueOf(
                at(
                    services,
                    "gateway-1",
                    "environment",
                    "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE")));
    Duration composeGrace =
        DurationStyle.detectAndParse(
            String.valueOf(at(services, "gateway-1", "stop_grace_period")));
    assertThat(composeGrace).isGreaterThanOrEqualTo(composePhase.plusSeconds(20));
  }

  @Test
  void theContainerPortsAreThePortsTheGatewayListensOn() {
    Map<String, Object> ports = new java.util.HashMap<>();
    for (Object port : list(DeployFiles.gatewayContainer().get("ports"))) {
      ports.put((String) map(port).get("name"), map(port).get("containerPort"));
    }
    Map<String, Object> configuration = configMapGatewayYaml();
    assertThat(ports.get("http")).isEqualTo(at(configuration, "server", "port"));
    assertThat(ports.get("management"))
        .isEqualTo(at(configuration, "management", "server", "port"));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(at(DeployFiles.gatewayContainer(), probe, "httpGet", "port"))
          .as(probe + " on the management port")
          .isEqualTo("management");
    }
    assertThat(at(DeployFiles.k8s("k8s/service.yaml", "Service"), "spec", "ports"))
        .asString()
        .contains("targetPort=http");
  }

  @Test
  void theOtherKubernetesObjectsSelectTheDeploymentsPods() {
    Object labels =
        at(
            DeployFiles.k8s("k8s/deployment.yaml", "Deployment"),
            "spec",
            "template",
            "metadata",
            "labels");
    assertThat(at(DeployFiles.k8s("k8s/service.yaml", "Service"), "spec", "selector"))
        .isEqualTo(labels);
    assertThat(
            at(
                DeployFiles.k8s("k8s/pdb.yaml", "PodDisruptionBudget"),
                "spec",
                "selector",
                "matchLabels"))
        .isEqualTo(labels);
    assertThat(
            at(
                DeployFiles.k8s("k8s/hpa.yaml", "HorizontalPodAutoscaler"),
                "spec",
                "scaleTargetRef",
                "name"))
        .isEqualTo("tollgate");
    List<Object> resources =
        list(DeployFiles.yamlDocuments("k8s/kustomization.yaml").getFirst().get("resources"));
    assertThat(resources)
        .contains("configmap.yaml", "deployment.yaml", "service.yaml", "pdb.yaml", "hpa.yaml");
  }

  private static Duration shutdownPhase() {
    Object phase = at(configMapGatewayYaml(), "spring", "lifecycle", "timeout-per-shutdown-phase");
    return DurationStyle.detectAndParse(String.valueOf(phase));
  }

  private static Duration nginxSeconds(String nginx, String directive) {
    Matcher m = Pattern.compile("(?m)^\\s*" + directive + " (\\d+)s;").matcher(nginx);
    assertThat(m.find()).as(directive + " in seconds").isTrue();
    return Duration.ofSeconds(Long.parseLong(m.group(1)));
  }

  private static Map<String, Object> configurationOf(String relative) {
    return DeployFiles.yaml(DeployFiles.text(relative));
  }

  private static String gatewayYamlText() {
    return (String) at(DeployFiles.k8s("k8s/configmap.yaml", "ConfigMap"), "data", "gateway.yaml");
  }

  private static Map<String, Object> configMapGatewayYaml() {
    return DeployFiles.yaml(gatewayYamlText());
  }

  private static void assertAllKnown(String file, Map<String, Object> configuration) {
    List<String> unknown =
        DeployFiles.properties(configuration).keySet().stream()
            .filter(name -> !known.isProperty(name))
            .toList();
    assertThat(unknown).as("properties in %s that the gateway does not have", file).isEmpty();
  }

  private static void assertEnvironment(
      String file, Iterable<String> variables, Set<String> placeholders) {
    List<String> unknown = new ArrayList<>();
    for (String variable : variables) {
      if (!known.isEnvironmentVariable(variable)
          && !placeholders.contains(variable)
          && !JVM_VARIABLES.contains(variable)) {
        unknown.add(variable);
      }
    }
    assertThat(unknown)
        .as("environment variables in %s that are neither a property nor a ${VAR} it uses", file)
        .isEmpty();
  }

  private static Set<String> placeholders(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static Set<String> placeholdersWithoutDefault(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      if (m.group(2) == null) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
