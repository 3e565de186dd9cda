package dev.tollgate.gateway.web;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * The methods each known path answers, read from the application's router functions (their {@code
 * GET("/v1/models")}-style predicates), so that a known path asked with another method is a 405
 * with {@code Allow} rather than a 404. Matches the path as the router does (segments decoded,
 * case-sensitive). Built on first use, once every router function exists.
 */
@Component
public final class AllowedMethods {

  private record Route(PathPattern pattern, Set<HttpMethod> methods) {}

  private final ObjectProvider<RouterFunction<?>> routers;
  private volatile @Nullable List<Route> routes;

  public AllowedMethods(ObjectProvider<RouterFunction<?>> routers) {
    this.routers = routers;
  }

  /**
   * The methods the request's path answers to, sorted; empty when no route has this path (then it
   * is a 404).
   */
  public Set<String> allowed(ServerHttpRequest request) {
    PathContainer path = request.getPath().pathWithinApplication();
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes()) {
      if (route.pattern().matches(path)) {
        route.methods().forEach(m -> allowed.add(m.name()));
      }
    }
    return allowed;
  }

  private List<Route> routes() {
    List<Route> known = routes;
    if (known == null) {
      List<Route> collected = new ArrayList<>();
      routers.orderedStream().forEach(router -> router.accept(new Collector(collected)));
      known = List.copyOf(collected);
      routes = known;
    }
    return known;
  }

  /** Collects the path and methods of each route whose predicate names them. */
  private static final class Collector implements RouterFunctions.Visitor {
    private final List<Route> routes;

    Collector(List<Route> routes) {
      this.routes = routes;
    }

    @Override
    public void route(RequestPredicate predicate, HandlerFunction<?> handler) {
      PredicateParts parts = new PredicateParts();
      predicate.accept(parts);
      if (parts.paths.size() == 1 && !parts.methods.isEmpty()) {
        PathPattern pattern =
            PathPatternParser.defaultInstance.parse(parts.paths.iterator().next());
        routes.add(new Route(pattern, Set.copyOf(parts.methods)));
      }
    }

    @Override
    public void startNested(RequestPredicate predicate) {}

    @Override
    public void endNested(RequestPredicate predicate) {}

    @Override
    public void resources(Function<ServerRequest, Mono<Resource>> lookup) {}

    @Override
    public void attributes(Map<String, Object> attributes) {}

    @Override
    public void unknown(RouterFunction<?> routerFunction) {}
  }

  /** The paths and methods a predicate names, whatever its structure. */
  private static final class PredicateParts implements RequestPredicates.Visitor {
    final Set<String> paths = new LinkedHashSet<>();
    final Set<HttpMethod> methods = new LinkedHashSet<>();

    @Override
    public void method(Set<HttpMethod> httpMethods) {
      methods.addAll(httpMethods);
    }

    @Override
    public void path(String pattern) {
      paths.add(pattern);
    }

    @Override
    public void pathExtension(String extension) {}

    @Override
    public void header(String name, String value) {}

    @Override
    public void queryParam(String name, String value) {}

    @Override
    public void version(String version) {}

    @Override
    public void startAnd() {}

    @Override
    public void and() {}

    @Override
    public void endAnd() {}

    @Override
    public void startOr() {}

    @Override
    public void or() {}

    @Override
    public void endOr() {}

    @Override
    public void startNegate() {}

    @Override
    public void endNegate() {}

    @Override
    public void unknown(RequestPredicate predicate) {}
  }
}
