package dev.tollgate.gateway.packaged;

import dev.tollgate.adapter.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;

/**
 * The property names the gateway understands: Spring Boot's own (its configuration metadata on the
 * class path), the gateway's {@code @ConfigurationProperties} records (walked by reflection: the
 * module has no configuration processor), the names its code reads directly ({@code @Value},
 * {@code @ConditionalOnProperty}, {@code Environment}) and those its application.yaml sets. Checks
 * a property name, or an environment variable by Spring's relaxed binding ({@code
 * GATEWAY_BILLING_HOLD_TTL} is {@code gateway.billing.hold-ttl}).
 */
final class KnownProperties {

  private static final Pattern NAME_IN_CODE =
      Pattern.compile("[\"{]((?:gateway|tollgate|spring)\\.[a-z][a-z0-9.-]*[a-z0-9])[\":}]");

  /**
   * Known names as patterns: {@code *} a map key, {@code [*]} a list index, {@code **} anything.
   */
  private final List<String> names = new ArrayList<>();

  private final List<Pattern> asProperty = new ArrayList<>();
  private final List<Pattern> asEnvironment = new ArrayList<>();

  static KnownProperties load() throws IOException {
    KnownProperties known = new KnownProperties();
    known.springBootMetadata();
    known.gatewayRecords();
    known.namesInMainCode(Path.of("src", "main", "java"));
    DeployFiles.properties(
            DeployFiles.yaml(
                Files.readString(Path.of("src", "main", "resources", "application.yaml"))))
        .keySet()
        .forEach(name -> known.add(name.replaceAll("\\[\\d+]", "[*]")));
    for (String name : known.names) {
      known.asProperty.add(Pattern.compile(propertyRegex(name)));
      known.asEnvironment.add(Pattern.compile(environmentRegex(name)));
    }
    return known;
  }

  /** Whether {@code name} ({@code a.b-c[0].d}) is a property the gateway binds or reads. */
  boolean isProperty(String name) {
    return asProperty.stream().anyMatch(p -> p.matcher(name).matches());
  }

  /** Whether the environment variable {@code variable} binds to such a property. */
  boolean isEnvironmentVariable(String variable) {
    String uniform = variable.toLowerCase(Locale.ROOT).replace('_', '.');
    return asEnvironment.stream().anyMatch(p -> p.matcher(uniform).matches());
  }

  private void add(String name) {
    names.add(name);
  }

  private void springBootMetadata() throws IOException {
    ClassLoader loader = getClass().getClassLoader();
    for (String resource :
        List.of(
            "META-INF/spring-configuration-metadata.json",
            "META-INF/additional-spring-configuration-metadata.json")) {
      for (URL url : Collections.list(loader.getResources(resource))) {
        try (InputStream in = url.openStream()) {
          JsonNode properties = Json.MAPPER.readTree(in).path("properties");
          for (JsonNode property : properties) {
            String name = property.path("name").asString();
            String type = property.path("type").asString("");
            add(name);
            if (isMap(type) || isCollection(type)) {
              add(name + ".**");
            }
          }
        }
      }
    }
  }

  private static boolean isMap(String type) {
    return type.startsWith("java.util.Map<");
  }

  private static boolean isCollection(String type) {
    return type.startsWith("java.util.List<") || type.startsWith("java.util.Set<");
  }

  private void gatewayRecords() {
    ClassPathScanningCandidateComponentProvider scanner =
        new ClassPathScanningCandidateComponentProvider(false);
    scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
    for (BeanDefinition candidate : scanner.findCandidateComponents("dev.tollgate")) {
      Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), null);
      ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
      String prefix = annotation.value().isEmpty() ? annotation.prefix() : annotation.value();
      walk(prefix, type);
    }
  }

  private void walk(String prefix, Class<?> record) {
    if (!record.isRecord()) {
      throw new AssertionError(record + ": not a record; teach KnownProperties JavaBeans");
    }
    for (RecordComponent component : record.getRecordComponents()) {
      describe(prefix + "." + kebab(component.getName()), component.getGenericType());
    }
  }

  private void describe(String name, Type type) {
    Class<?> raw = raw(type);
    if (Map.class.isAssignableFrom(raw)) {
      Type value = argument(type, 1);
      if (raw(value).isRecord()) {
        describe(name + ".*", value);
      } else {
        add(name + ".**");
      }
    } else if (Collection.class.isAssignableFrom(raw)) {
      add(name);
      Type element = argument(type, 0);
      if (raw(element).isRecord()) {
        describe(name + "[*]", element);
      } else {
        add(name + "[*]");
      }
    } else if (raw.isRecord()) {
      walk(name, raw);
    } else {
      add(name);
    }
  }

  private void namesInMainCode(Path sources) throws IOException {
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = NAME_IN_CODE.matcher(Files.readString(file, StandardCharsets.UTF_8));
        while (m.find()) {
          add(m.group(1));
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class;
  }

  private static Type argument(Type type, int index) {
    return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static final Pattern WILDCARD = Pattern.compile("\\[\\*]|\\.\\*(?=[.\\[]|$)");

  /** {@code name} as a regular expression over property names ({@code a.b-c[0].d}). */
  private static String propertyRegex(String name) {
    return regex(name, false);
  }

  /**
   * {@code name} as a regular expression over environment variables in the form {@link
   * #isEnvironmentVariable} compares: lower case, {@code _} as {@code .}, no dashes.
   */
  private static String environmentRegex(String name) {
    return regex(name, true);
  }

  private static String regex(String name, boolean environment) {
    boolean anythingBelow = name.endsWith(".**");
    String base = anythingBelow ? name.substring(0, name.length() - 3) : name;
    StringBuilder regex = new StringBuilder();
    Matcher wildcard = WILDCARD.matcher(base);
    int literalFrom = 0;
    while (wildcard.find()) {
      regex.append(literal(base.substring(literalFrom, wildcard.start()), environment));
      boolean index = wildcard.group().equals("[*]");
      if (environment) {
        regex.append(index ? "\\.\\d+" : "\\.[a-z0-9]+");
      } else {
        regex.append(index ? "\\[\\d+]" : "(?:\\.[^.\\[\\]]+|\\[[^]]+])");
      }
      literalFrom = wildcard.end();
    }
    regex.append(literal(base.substring(literalFrom), environment));
    if (anythingBelow) {
      regex.append(environment ? "\\..+" : "(?:\\.|\\[).+");
    }
    return regex.toString();
  }

  /** In an environment variable a dash is left out or written as {@code _} (Spring's mapper). */
  private static String literal(String text, boolean environment) {
    if (!environment) {
      return Pattern.quote(text);
    }
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("-", -1))
        .map(part -> part.isEmpty() ? "" : Pattern.quote(part))
        .collect(Collectors.joining("\\.?"));
  }
}
