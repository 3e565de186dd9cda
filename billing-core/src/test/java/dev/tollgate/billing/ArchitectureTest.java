package dev.tollgate.billing;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The module's packages form no cycle (docs/architecture.md, "Packages"). Reads the compiled main
 * classes.
 */
class ArchitectureTest {

  private static final String BASE = "dev.tollgate.billing";

  @Test
  void noPackageCycleBetweenTheFirstPackagesUnderTheModule() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(BASE);
    slices().assignedFrom(firstPackageUnder(BASE)).should().beFreeOfCycles().check(classes);
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
