package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.RunnerUser;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * `doctor` and `run` agree on every kind of host user, through the launcher as that user: where
 * doctor passes, a run passes; where it fails, the run is refused for the same controls, before
 * anything starts; with the controls turned off by name in the configuration, both pass and doctor
 * says what is off. Fails if doctor checked less than the run needs (the old doctor passed the
 * runner's uid 1001, whose run then failed on the process log).
 */
class DoctorAgreesWithRunIT {
    Path root;

    @AfterEach
    void remove() throws Exception {
        if (root != null) {
            RunnerUser.remove(root);
        }
    }

    @ParameterizedTest
    @EnumSource(RunnerUser.class)
    void doctorPassesExactlyWhereARunPasses(RunnerUser user) throws Exception {
        user.requirePresent();
        root = user.newFolder("doctor-run");
        SampleRepo repo = SampleRepo.create(root);
        Path optOut = root.resolve("opt-out.yml");
        Files.writeString(optOut, Files.readString(repo.dir.resolve(".agent-sandbox.yml"))
                .replace("\nsandbox:\n", "\nsandbox:\n  disk: unlimited\n  process-log: false\n"));
        user.own(root);
        String cli = Path.of("bin/agent-sandbox").toAbsolutePath().toString();
        Map<String, String> env = Map.of("AGENT_SANDBOX_JAR", System.getProperty("agentsandbox.jar"));

        var doctor = user.exec(List.of(cli, "doctor", "--image", TestHost.IMAGE), root, env);
        var run = user.exec(List.of(cli, "run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE,
                "--command", "printf '\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py", "--bundle", root.resolve("b1").toString(),
                "--quiet"), root, env);
        boolean canGiveEverything = user != RunnerUser.NO_SUDO;
        assertThat(doctor.exitCode() == 0).as(doctor.out()).isEqualTo(canGiveEverything);
        assertThat(run.exitCode() == 0).as(run.out()).isEqualTo(canGiveEverything);
        if (!canGiveEverything) {
            assertThat(run.exitCode()).isEqualTo(3);
            for (String control : new String[] {"disk quota", "process log"}) {
                assertThat(doctor.out()).containsPattern("FAIL +" + control);
            }
            assertThat(run.out()).contains("sandbox.disk (").contains("sandbox.process-log (");
            assertThat(root.resolve("b1")).as("refused before anything starts").satisfiesAnyOf(
                    p -> assertThat(p).doesNotExist(), p -> assertThat(p.resolve("change.patch")).doesNotExist());
        } else {
            assertThat(doctor.out()).containsPattern("OK +disk quota").containsPattern("OK +process log");
        }

        // The controls off by name: both pass, and doctor says what is off.
        var doctorOff = user.exec(List.of(cli, "doctor", "--image", TestHost.IMAGE, "--config", optOut.toString()), root, env);
        var runOff = user.exec(List.of(cli, "run", "--repo", repo.dir.toString(), "--task", "Add multiply", "--image", TestHost.IMAGE,
                "--command", "printf '\\ndef multiply(a, b):\\n    return a * b\\n' >> calc.py", "--bundle", root.resolve("b2").toString(),
                "--config", optOut.toString(), "--quiet"), root, env);
        assertThat(doctorOff.exitCode()).as(doctorOff.out()).isZero();
        assertThat(doctorOff.out()).containsPattern("WARN +disk quota +off").containsPattern("WARN +process log +off");
        assertThat(runOff.exitCode()).as(runOff.out()).isZero();
    }
}
