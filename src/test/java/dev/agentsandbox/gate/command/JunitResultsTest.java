package dev.agentsandbox.gate.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JUnit XML as a check writes it; the check runs the agent's code, so the file may be hostile. */
class JunitResultsTest {
    @TempDir
    Path dir;
    /** Counts any fetch the parser makes: a hostile report points its entities here. */
    HttpServer trap;
    final AtomicInteger fetched = new AtomicInteger();

    @BeforeEach
    void trap() throws IOException {
        trap = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        trap.createContext("/", x -> {
            fetched.incrementAndGet();
            byte[] b = "<testcase name='fetched'/>".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        trap.start();
    }

    @AfterEach
    void stop() {
        trap.stop(0);
    }

    String url(String p) {
        return "http://127.0.0.1:" + trap.getAddress().getPort() + "/" + p;
    }

    JunitResults read(String xml) throws IOException {
        return read(xml, StandardCharsets.UTF_8);
    }

    JunitResults read(String xml, Charset cs) throws IOException {
        Path f = dir.resolve("TEST-x.xml");
        Files.write(f, xml.getBytes(cs));
        return JunitResults.read(f);
    }

    @Test
    void countsAndFailuresOfNestedSuites() throws IOException {
        JunitResults r = read("""
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuites><testsuite name="outer">
                  <testcase classname="a.B" name="ok"/>
                  <testcase classname="a.B" name="fails"><failure message="expected 1 but was 2">stack</failure></testcase>
                  <testsuite name="inner">
                    <testcase name="bare" classname=""><error type="NPE">java.lang.NullPointerException
                        at a.B.x(B.java:1)</error></testcase>
                    <testcase classname="a.C" name="off"><skipped/></testcase>
                    <testcase classname="a.C" name="both"><error message="e"/><failure message="f"/></testcase>
                  </testsuite>
                </testsuite></testsuites>
                """);
        assertThat(r).extracting(JunitResults::tests, JunitResults::failures, JunitResults::errors, JunitResults::skipped)
                .containsExactly(5, 2, 1, 1);
        assertThat(r.failed()).containsExactly(
                new JunitResults.Failure("a.B.fails", "expected 1 but was 2"),
                new JunitResults.Failure("bare", "java.lang.NullPointerException"), // the text's first line when there is no message
                new JunitResults.Failure("a.C.both", "f")); // a failure is named before an error
    }

    @Test
    void aLongMessageIsCutToOneLineOf300() throws IOException {
        JunitResults r = read("<testsuite><testcase name='t'><failure message='" + "m".repeat(1000) + "'/></testcase></testsuite>");
        assertThat(r.failed().get(0).message()).hasSize(301).endsWith("m…");
        assertThat(read("<testsuite><testcase name='t'><failure>\n\n  first\nsecond</failure></testcase></testsuite>")
                .failed().get(0).message()).isEqualTo("first");
    }

    @Test
    void resultsAddUp() throws IOException {
        JunitResults a = read("<testsuite><testcase name='a'><failure message='x'/></testcase><testcase name='b'><skipped/></testcase></testsuite>");
        JunitResults b = new JunitResults(3, 0, 1, 0, List.of(new JunitResults.Failure("c", "y")));
        assertThat(JunitResults.empty().plus(a).plus(b)).isEqualTo(
                new JunitResults(5, 1, 1, 1, List.of(new JunitResults.Failure("a", "x"), new JunitResults.Failure("c", "y"))));
    }

    @Test
    void anExternalEntityIsRefusedAndNothingIsFetched() throws IOException {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET");
        for (String xml : List.of(
                "<!DOCTYPE t [<!ENTITY x SYSTEM '" + secret.toUri() + "'>]><testsuite><testcase name='&x;'/></testsuite>",
                "<!DOCTYPE t [<!ENTITY x SYSTEM '" + url("entity") + "'>]><testsuite><testcase name='&x;'/></testsuite>",
                "<!DOCTYPE t SYSTEM '" + url("dtd") + "'><testsuite/>",
                "<!DOCTYPE t [<!ENTITY % p SYSTEM '" + url("param") + "'> %p;]><testsuite/>")) {
            assertThatThrownBy(() -> read(xml)).isInstanceOf(IOException.class).hasMessageStartingWith("not valid JUnit XML: ")
                    .hasMessageNotContaining("TOP-SECRET");
        }
        assertThat(fetched).hasValue(0);
    }

    @Test
    void anXIncludeIsNotFollowed() throws IOException {
        JunitResults r = read("<testsuite xmlns:xi='http://www.w3.org/2001/XInclude'><xi:include href='" + url("inc") + "' parse='xml'/>"
                + "<testcase name='own'/></testsuite>");
        assertThat(r.tests()).isEqualTo(1);
        assertThat(fetched).hasValue(0);
    }

    @Test
    void billionLaughsIsRefusedAtOnce() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE lolz [<!ENTITY lol0 'lol'>");
        for (int i = 1; i <= 10; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" '").append(("&lol" + (i - 1) + ";").repeat(10)).append("'>");
        }
        String xml = dtd + "]><testsuite><testcase name='&lol10;'/></testsuite>";
        assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                assertThatThrownBy(() -> read(xml)).isInstanceOf(IOException.class).hasMessageContaining("DOCTYPE"));
    }

    @Test
    void theDeclaredEncodingIsHonoured() throws IOException {
        String xml = "<?xml version='1.0' encoding='ISO-8859-1'?><testsuite><testcase name='t'><failure message='attendu é, reçu è'/></testcase></testsuite>";
        assertThat(read(xml, StandardCharsets.ISO_8859_1).failed().get(0).message()).isEqualTo("attendu é, reçu è");
        String utf16 = "\uFEFF<?xml version='1.0' encoding='UTF-16'?><testsuite><testcase name='ü'/></testsuite>";
        assertThat(read(utf16, StandardCharsets.UTF_16LE).tests()).isEqualTo(1);
    }

    @Test
    void bytesThatAreNotTheirDeclaredEncodingAreRefused() throws IOException {
        Path f = dir.resolve("bad.xml");
        byte[] head = "<?xml version='1.0' encoding='UTF-8'?><testsuite><testcase name='".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "'/></testsuite>".getBytes(StandardCharsets.US_ASCII);
        Files.write(f, concat(head, new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF}, tail));
        assertThatThrownBy(() -> JunitResults.read(f)).isInstanceOf(IOException.class);
    }

    @Test
    void whatIsNotXmlIsRefused() {
        for (String bad : List.of("", "not xml", "<testsuite><testcase name='t'></testsuite>", "{\"tests\": 1}")) {
            assertThatThrownBy(() -> read(bad)).as(bad).isInstanceOf(IOException.class).hasMessageStartingWith("not valid JUnit XML: ");
        }
        assertThatThrownBy(() -> JunitResults.read(dir.resolve("missing.xml"))).isInstanceOf(IOException.class);
    }

    @Test
    void aReportWithNoTestcasesCountsNothing() throws IOException {
        // the suite's own attributes are not believed: only testcases count
        assertThat(read("<testsuite tests='9' failures='0'/>")).isEqualTo(JunitResults.empty());
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
