package dev.tollgate.gateway.admin;

import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.accounts.AuditLog;
import dev.tollgate.gateway.web.RequestIds;
import java.security.Principal;
import java.util.Objects;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Who writes, as the audit trail names them, and the trail itself. Actors: {@code
 * admin:master-key}, {@code admin:<JWT subject>}, {@code owner:<JWT subject>}, {@code
 * webhook:payments}. Every entry carries the request's {@code x-request-id}.
 */
public final class AuditTrail {

  public static final String MASTER_KEY = "admin:master-key";
  public static final String PAYMENTS_WEBHOOK = "webhook:payments";

  private final AuditLog log;
  private final AdminCredentials credentials;

  public AuditTrail(AuditLog log, AdminCredentials credentials) {
    this.log = Objects.requireNonNull(log, "log");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  /** The admin writing this request ({@link AdminAuthFilter} let it through). */
  public Mono<AuditEntry.Context> admin(ServerRequest request) {
    if (credentials.presentsMasterKey(request.exchange().getRequest())) {
      return Mono.just(new AuditEntry.Context(MASTER_KEY, requestId(request)));
    }
    return request
        .principal()
        .map(principal -> new AuditEntry.Context("admin:" + subject(principal), requestId(request)))
        .defaultIfEmpty(new AuditEntry.Context("admin:unknown", requestId(request)));
  }

  /** The account owner writing this request, by the JWT's subject. */
  public Mono<AuditEntry.Context> owner(ServerRequest request) {
    return request
        .principal()
        .map(principal -> new AuditEntry.Context("owner:" + subject(principal), requestId(request)))
        .defaultIfEmpty(new AuditEntry.Context("owner:unknown", requestId(request)));
  }

  /** The payment provider's webhook. */
  public static AuditEntry.Context webhook(ServerRequest request) {
    return new AuditEntry.Context(PAYMENTS_WEBHOOK, requestId(request));
  }

  /** Records an entry after the change it describes. */
  public Mono<Void> record(AuditEntry entry) {
    return log.record(entry);
  }

  private static String subject(Principal principal) {
    if (principal instanceof JwtAuthenticationToken jwt && jwt.getToken().getSubject() != null) {
      return jwt.getToken().getSubject();
    }
    return principal.getName();
  }

  private static String requestId(ServerRequest request) {
    return RequestIds.of(request.exchange());
  }
}
