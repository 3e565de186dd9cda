package dev.tollgate.gateway;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The gateway's packages form no cycle and depend only on their own layer and the layers below it,
 * as docs/architecture.md ("Packages") draws them. Reads the compiled main classes (bytecode: an
 * import used only in Javadoc is not a dependency).
 */
class ArchitectureTest {

  private static final String BASE = "dev.tollgate.gateway";

  private static final JavaClasses GATEWAY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(BASE);

  @Test
  void noPackageCycleBetweenTheFirstPackagesUnderTheGateway() {
    slices().assignedFrom(firstPackageUnder(BASE)).should().beFreeOfCycles().check(GATEWAY);
  }

  @Test
  void everyPackageDependsOnlyOnItsOwnLayerAndTheLayersBelow() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .ensureAllClassesAreContainedInArchitecture()
        .layer("front ends")
        .definedBy(
            BASE,
            BASE + ".api..",
            BASE + ".messages..",
            BASE + ".admin..",
            BASE + ".account..",
            BASE + ".payments..",
            BASE + ".health..",
            BASE + ".web.pages..")
        .layer("pipeline")
        .definedBy(BASE + ".pipeline..")
        .layer("services")
        .definedBy(
            BASE + ".auth..",
            BASE + ".ratelimit..",
            BASE + ".billing..",
            BASE + ".relay..",
            BASE + ".route..",
            BASE + ".retention..")
        .layer("platform")
        .definedBy(
            BASE + ".config..",
            BASE + ".redis..",
            BASE + ".embedded..",
            BASE + ".web",
            BASE + ".web.internal..")
        .layer("leaf")
        .definedBy(BASE + ".error..", BASE + ".json..")
        .whereLayer("front ends")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("pipeline")
        .mayOnlyBeAccessedByLayers("front ends")
        .whereLayer("services")
        .mayOnlyBeAccessedByLayers("front ends", "pipeline")
        .whereLayer("platform")
        .mayOnlyBeAccessedByLayers("front ends", "pipeline", "services")
        .whereLayer("leaf")
        .mayOnlyBeAccessedByLayers("front ends", "pipeline", "services", "platform")
        .check(GATEWAY);
  }

  /** One slice per first package under {@code base}; {@code base} itself is a slice too. */
  static SliceAssignment firstPackageUnder(String base) {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
        String name = javaClass.getPackageName();
        if (name.equals(base)) {
          return SliceIdentifier.of("(" + base + ")");
        }
        if (!name.startsWith(base + ".")) {
          return SliceIdentifier.ignore();
        }
        String rest = name.substring(base.length() + 1);
        int dot = rest.indexOf('.');
        return SliceIdentifier.of(dot < 0 ? rest : rest.substring(0, dot));
      }

      @Override
      public String getDescription() {
        return "the first packages under " + base;
      }
    };
  }
}
