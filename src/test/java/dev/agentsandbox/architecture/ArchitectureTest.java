package dev.agentsandbox.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/architecture.md describes, as a test: a new dependency that points the wrong
 * way fails the build, naming the classes.
 */
class ArchitectureTest {
    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.agentsandbox");

    @Test
    void theLayersPointOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.agentsandbox.cli..")
                .layer("pipeline").definedBy("dev.agentsandbox.pipeline..")
                .layer("stages").definedBy("dev.agentsandbox.run..")
                .layer("blocks").definedBy(JavaClass.Predicates.resideInAPackage("dev.agentsandbox..").and(DescribedPredicate.not(
                        JavaClass.Predicates.resideInAnyPackage("dev.agentsandbox.cli..", "dev.agentsandbox.pipeline..", "dev.agentsandbox.run..",
                                "dev.agentsandbox.verdict..", "dev.agentsandbox.error.."))))
                .layer("base").definedBy("dev.agentsandbox.verdict..", "dev.agentsandbox.error..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("pipeline").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("stages").mayOnlyBeAccessedByLayers("cli", "pipeline")
                .whereLayer("blocks").mayOnlyBeAccessedByLayers("cli", "pipeline", "stages")
                .whereLayer("base").mayOnlyBeAccessedByLayers("cli", "pipeline", "stages", "blocks")
                .check(MAIN);
    }

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching("dev.agentsandbox.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theStagesAreFreeOfCycles() {
        slices().matching("dev.agentsandbox.run.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    /** The building blocks that sit lowest: what a run records, reads and is configured by knows no gate, stage or service. */
    @Test
    void theLowestBlocksStayLow() {
        noClasses().that().resideInAnyPackage("dev.agentsandbox.bundle..", "dev.agentsandbox.config..", "dev.agentsandbox.workspace..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.agentsandbox.gate..", "dev.agentsandbox.approval..",
                        "dev.agentsandbox.report..", "dev.agentsandbox.notify..")
                .check(MAIN);
        noClasses().that().resideInAPackage("dev.agentsandbox.config..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.agentsandbox.sandbox..", "dev.agentsandbox.workspace..", "dev.agentsandbox.bundle..", "dev.agentsandbox.git..")
                .check(MAIN);
    }

    /** Stages do their own part: the agent's stage writes no report, no stage decides an approval, the CLI reaches no stage's insides. */
    @Test
    void stagesKeepToTheirPart() {
        noClasses().that().resideInAPackage("dev.agentsandbox.run.agent..").should().dependOnClassesThat()
                .resideInAPackage("dev.agentsandbox.report..").check(MAIN);
        noClasses().that().resideInAPackage("dev.agentsandbox.run..").should().dependOnClassesThat()
                .resideInAPackage("dev.agentsandbox.approval..").check(MAIN);
        noClasses().that().resideInAPackage("dev.agentsandbox.cli..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.agentsandbox.run.prepare..", "dev.agentsandbox.run.agent..", "dev.agentsandbox.run.collect..",
                        "dev.agentsandbox.run.gates..", "dev.agentsandbox.run.publish..").check(MAIN);
    }
}
