package dev.agentsandbox.gate.command;

import static dev.agentsandbox.gate.command.CheckRun.check;
import static dev.agentsandbox.gate.command.CheckRun.details;
import static dev.agentsandbox.gate.command.CheckRun.rules;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JUnit XML a check wrote, as CommandGate finds, bounds and counts it. */
class CommandGateJunitTest {
    static final String GLOB = "target/surefire-reports/TEST-*.xml";
    static final String PASSING = "<testsuite><testcase classname='a.B' name='ok'/><testcase classname='a.B' name='off'><skipped/></testcase></testsuite>";

    @TempDir
    Path dir;

    static Path write(CheckRun run, String rel, String xml) throws Exception {
        Path f = run.tree.resolve(rel);
        Files.createDirectories(f.getParent());
        return Files.writeString(f, xml);
    }

    static void sparse(CheckRun run, String rel, long size) throws Exception {
        Path f = run.tree.resolve(rel);
        Files.createDirectories(f.getParent());
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(size);
        }
    }

    @Test
    void failedTestsBecomeFindingsAndTheCountsAreKept() throws Exception {
        CheckRun run = new CheckRun(dir).exits(1, "Tests run: 4, Failures: 1");
        write(run, "target/surefire-reports/TEST-a.B.xml", PASSING);
        write(run, "target/surefire-reports/TEST-a.C.xml",
                "<testsuite><testcase classname='a.C' name='x'><failure message='boom'/></testcase><testcase name='y'><error/></testcase></testsuite>");
        write(run, "target/surefire-reports/a.C.txt", "not a report");
        GateResult r = run.run(check(GLOB));
        assertThat(rules(r)).containsExactly("exit-status", "test-failed", "test-failed");
        assertThat(r.findings().get(1).message()).isEqualTo("a.C.x: boom");
        assertThat(r.findings().get(2).message()).isEqualTo("y: ");
        assertThat(details(r).junit()).isEqualTo(new GateDetails.Check.Junit(4, 1, 1, 1));
        assertThat(run.reports.resolve("checks/tests/target/surefire-reports/TEST-a.C.xml")).exists();
        assertThat(run.reports.resolve("checks/tests/target/surefire-reports/a.C.txt")).doesNotExist();
    }

    @Test
    void aPassingReportPasses() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        write(run, "target/surefire-reports/TEST-a.B.xml", PASSING);
        GateResult r = run.run(check(GLOB));
        assertThat(r.verdict()).isEqualTo(Verdict.PASS);
        assertThat(details(r).junit()).isEqualTo(new GateDetails.Check.Junit(2, 0, 0, 1));
        assertThat(details(r).facts()).containsEntry("tests", 2).containsEntry("skipped", 1);
    }

    @Test
    void noReportFailsEvenAfterAPassingExit() throws Exception {
        GateResult r = new CheckRun(dir).exits(0, "").run(check(GLOB));
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("junit-missing");
            assertThat(f.level()).isEqualTo(Verdict.FAIL);
            assertThat(f.message()).contains(GLOB);
        });
        assertThat(details(r).junit()).isEqualTo(new GateDetails.Check.Junit(0, 0, 0, 0));
    }

    @Test
    void aReportCommittedAsItWasIsNotTheChecksResult() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        String rel = "target/surefire-reports/TEST-planted.xml";
        write(run, rel, PASSING);
        run.committed.put(rel, PASSING.getBytes(StandardCharsets.UTF_8));
        assertThat(rules(run.run(check(GLOB)))).containsExactly("junit-missing");
        run.committed.put(rel, (PASSING + " ").getBytes(StandardCharsets.UTF_8)); // the check rewrote it: it counts
        assertThat(run.run(check(GLOB)).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void aSymlinkedReportIsNotFollowed() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        Path outside = Files.writeString(dir.resolve("outside.xml"), PASSING);
        Files.createDirectories(run.tree.resolve("target/surefire-reports"));
        Files.createSymbolicLink(run.tree.resolve("target/surefire-reports/TEST-link.xml"), outside);
        assertThat(rules(run.run(check(GLOB)))).containsExactly("junit-missing");
    }

    @Test
    void aHostileReportIsAFindingNotARead() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        Files.writeString(dir.resolve("secret"), "TOP-SECRET");
        write(run, "target/surefire-reports/TEST-evil.xml", "<!DOCTYPE t [<!ENTITY x SYSTEM '" + dir.resolve("secret").toUri()
                + "'>]><testsuite><testcase name='&x;'><failure message='&x;'/></testcase></testsuite>");
        GateResult r = run.run(check(GLOB));
        assertThat(rules(r)).containsExactly("junit-invalid"); // a FAIL already: not "missing" as well
        assertThat(r.findings().get(0).path()).isEqualTo("target/surefire-reports/TEST-evil.xml");
        assertThat(r.findings().toString()).doesNotContain("TOP-SECRET");
        assertThat(run.reports.resolve("checks/tests/target/surefire-reports/TEST-evil.xml")).doesNotExist();
    }

    @Test
    void anOversizedReportIsNeitherReadNorKept() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        sparse(run, "target/surefire-reports/TEST-huge.xml", CommandGate.MAX_REPORT_BYTES + 1);
        write(run, "target/surefire-reports/TEST-ok.xml", PASSING);
        GateResult r = run.run(check(GLOB));
        assertThat(rules(r)).containsExactly("junit-too-large");
        assertThat(r.findings().get(0).message()).contains((CommandGate.MAX_REPORT_BYTES + 1) + " bytes", "neither read nor kept");
        assertThat(details(r).junit().tests()).isEqualTo(2);
        assertThat(run.reports.resolve("checks/tests/target/surefire-reports/TEST-huge.xml")).doesNotExist();
    }

    @Test
    void reportsAreBoundedInAllToo() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        long each = CommandGate.MAX_REPORT_BYTES - 1; // each under the limit, five over the total
        for (int i = 0; i < 5; i++) {
            sparse(run, "r/TEST-" + i + ".xml", each);
        }
        GateResult r = run.run(check("r/TEST-*.xml"));
        // the first four are read (and are not XML); the fifth would pass the total: it is not read
        assertThat(rules(r)).containsExactly("junit-invalid", "junit-invalid", "junit-invalid", "junit-invalid", "junit-too-large");
        assertThat(r.findings().get(4).path()).isEqualTo("r/TEST-4.xml");
    }

    @Test
    void tooManyReportsAreCutToTheFirstFiveHundred() throws Exception {
        CheckRun run = new CheckRun(dir).exits(0, "");
        for (int i = 0; i < CommandGate.MAX_REPORTS + 2; i++) {
            write(run, "r/TEST-%04d.xml".formatted(i), "<testsuite><testcase name='t%d'/></testsuite>".formatted(i));
        }
        GateResult r = run.run(check("r/TEST-*.xml"));
        assertThat(rules(r)).containsExactly("junit-too-many");
        assertThat(r.findings().get(0).message()).contains("wrote 502 files", "first 500");
        assertThat(details(r).junit().tests()).isEqualTo(500);
    }

    @Test
    void failureFindingsStopAtAHundredButTheCountsDoNot() throws Exception {
        CheckRun run = new CheckRun(dir).exits(1, "");
        StringBuilder xml = new StringBuilder("<testsuite>");
        for (int i = 0; i < 150; i++) {
            xml.append("<testcase name='t").append(i).append("'><failure message='no'/></testcase>");
        }
        write(run, "target/surefire-reports/TEST-many.xml", xml.append("</testsuite>").toString());
        GateResult r = run.run(check(GLOB));
        assertThat(rules(r).stream().filter("test-failed"::equals)).hasSize(100);
        assertThat(details(r).junit().failures()).isEqualTo(150);
    }
}
