package dev.tollgate.gateway.packaged;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.Yaml;

/** The files under {@code deploy/}, parsed (YAML with SnakeYAML, which Spring Boot brings). */
final class DeployFiles {

  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  private DeployFiles() {}

  static String text(String relative) {
    try {
      return Files.readString(DEPLOY.resolve(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every document of a YAML file, as maps. */
  static List<Map<String, Object>> yamlDocuments(String relative) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(text(relative))) {
      if (document != null) {
        documents.add(map(document));
      }
    }
    return documents;
  }

  static Map<String, Object> yaml(String yaml) {
    return map(new Yaml().load(yaml));
  }

  /** The first document of {@code relative} whose {@code kind} is {@code kind}. */
  static Map<String, Object> k8s(String relative, String kind) {
    return yamlDocuments(relative).stream()
        .filter(d -> kind.equals(d.get("kind")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in deploy/" + relative));
  }

  /** The gateway container of the Deployment in deploy/k8s/deployment.yaml. */
  static Map<String, Object> gatewayContainer() {
    Map<String, Object> deployment = k8s("k8s/deployment.yaml", "Deployment");
    List<Object> containers = list(at(deployment, "spec", "template", "spec", "containers"));
    return map(containers.getFirst());
  }

  /** The HTTP paths of the gateway container's startup, liveness and readiness probes. */
  static Set<String> probePaths() {
    Set<String> paths = new LinkedHashSet<>();
    Map<String, Object> container = gatewayContainer();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Object path = at(container, probe, "httpGet", "path");
      if (path == null) {
        throw new AssertionError(probe + ".httpGet.path missing in deploy/k8s/deployment.yaml");
      }
      paths.add(path.toString());
    }
    return paths;
  }

  /** Flattens a YAML tree into Spring property names ({@code a.b[0].c}) and their values. */
  static Map<String, Object> properties(Map<String, Object> tree) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", tree, flat);
    return flat;
  }

  private static void flatten(String prefix, Object node, Map<String, Object> into) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String key = String.valueOf(e.getKey());
        String name = key.startsWith("[") ? prefix + key : join(prefix, key);
        flatten(name, e.getValue(), into);
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        flatten(prefix + "[" + i + "]", l.get(i), into);
      }
    } else {
      into.put(prefix, node);
    }
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  static Object at(Object node, String... path) {
    Object current = node;
    for (String step : path) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(step);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node) {
    if (!(node instanceof Map<?, ?>)) {
      throw new AssertionError("expected a mapping, got " + node);
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node) {
    if (!(node instanceof List<?>)) {
      throw new AssertionError("expected a sequence, got " + node);
    }
    return (List<Object>) node;
  }
}
