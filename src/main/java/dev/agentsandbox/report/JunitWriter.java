package dev.agentsandbox.report;

import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The gates as JUnit test cases (Jenkins' junit step, GitLab's junit report): a gate without
 * findings is one passing case; each FAIL finding is a failing case; warnings are passing cases
 * whose text is in system-out, so they show without failing the build.
 */
public final class JunitWriter {
    private JunitWriter() {
    }

    public static void write(RunReport report, Path file) throws IOException {
        int tests = 0;
        int failures = 0;
        for (GateResult g : report.gates()) {
            tests += Math.max(1, g.findings().size());
            failures += (int) g.findings().stream().filter(f -> f.level() == Verdict.FAIL).count();
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("testsuite");
            w.writeAttribute("name", "agent-sandbox");
            w.writeAttribute("tests", Integer.toString(tests));
            w.writeAttribute("failures", Integer.toString(failures));
            w.writeAttribute("errors", "0");
            w.writeAttribute("skipped", "0");
            w.writeAttribute("time", seconds(report.gates().stream().mapToLong(g -> g.duration().toMillis()).sum()));
            for (GateResult g : report.gates()) {
                if (g.findings().isEmpty()) {
                    testcase(w, g, g.gate() + " passed", null, g.duration().toMillis());
                }
                int i = 0;
                for (Finding f : g.findings()) {
                    String name = f.rule() + (f.path() == null ? "" : " " + f.path() + (f.line() > 0 ? ":" + f.line() : "")) + " #" + (++i);
                    testcase(w, g, name, f, 0);
                }
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static void testcase(XMLStreamWriter w, GateResult g, String name, Finding f, long millis) throws XMLStreamException {
        w.writeCharacters("\n  ");
        w.writeStartElement("testcase");
        w.writeAttribute("classname", "agent-sandbox." + g.gate());
        w.writeAttribute("name", xml(name));
        w.writeAttribute("time", seconds(millis));
        if (f != null) {
            String text = xml(f.message() + (f.evidence() == null ? "" : "\n" + f.evidence()));
            if (f.level() == Verdict.FAIL) {
                w.writeStartElement("failure");
                w.writeAttribute("type", f.rule());
                w.writeAttribute("message", xml(f.message()));
                w.writeCharacters(text);
                w.writeEndElement();
            } else {
                w.writeStartElement("system-out");
                w.writeCharacters(f.level().id().toUpperCase(Locale.ROOT) + ": " + text);
                w.writeEndElement();
            }
        }
        w.writeEndElement();
    }

    /** XML 1.0 cannot carry most control characters, even escaped: they become U+FFFD. */
    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF
                || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000 && c <= 0x10FFFF ? c : 0xFFFD));
        return sb.toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }
}
