package dev.tollgate.billing.ledger;

import java.util.Objects;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the billing schema ({@code classpath:db/migration}) with Flyway over JDBC.
 *
 * <p>Blocking by nature: call it once at start-up, on the main thread, before any reactive
 * component touches PostgreSQL. Never from an event loop or inside a reactive chain. Everything
 * after start-up goes through R2DBC.
 */
public final class Migrations {

  /** Where the migration scripts live on the classpath. */
  public static final String LOCATION = "classpath:db/migration";

  private Migrations() {}

  /**
   * Migrates the database to the latest schema version.
   *
   * @param password may be empty (trust authentication)
   * @return how many migrations were applied (0 when the schema was already current)
   */
  public static int migrate(String jdbcUrl, String user, String password) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    MigrateResult result =
        Flyway.configure().dataSource(jdbcUrl, user, password).locations(LOCATION).load().migrate();
    return result.migrationsExecuted;
  }
}
