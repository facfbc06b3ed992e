package dev.agentsandbox.gate.command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Test results read back from JUnit XML that a check wrote. The file comes from code the agent
 * may have written, so the parser takes no DTD and no external entity.
 */
record JunitResults(int tests, int failures, int errors, int skipped, List<Failure> failed) {
    record Failure(String testcase, String message) {
    }

    static JunitResults empty() {
        return new JunitResults(0, 0, 0, 0, List.of());
    }

    JunitResults plus(JunitResults o) {
        List<Failure> f = new ArrayList<>(failed);
        f.addAll(o.failed);
        return new JunitResults(tests + o.tests, failures + o.failures, errors + o.errors, skipped + o.skipped, f);
    }

    static JunitResults read(Path file) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(file.toFile());
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("not valid JUnit XML: " + e.getMessage(), e);
        }
        NodeList cases = doc.getElementsByTagName("testcase");
        int failures = 0;
        int errors = 0;
        int skipped = 0;
        List<Failure> failed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String name = c.getAttribute("classname").isEmpty() ? c.getAttribute("name") : c.getAttribute("classname") + "." + c.getAttribute("name");
            Element failure = first(c, "failure");
            Element error = first(c, "error");
            if (failure != null || error != null) {
                Element e = failure != null ? failure : error;
                if (failure != null) {
                    failures++;
                } else {
                    errors++;
                }
                String msg = e.getAttribute("message").isEmpty() ? e.getTextContent() : e.getAttribute("message");
                failed.add(new Failure(name, abbreviate(msg == null ? "" : msg.strip())));
            } else if (first(c, "skipped") != null) {
                skipped++;
            }
        }
        return new JunitResults(cases.getLength(), failures, errors, skipped, failed);
    }

    private static Element first(Element parent, String tag) {
        NodeList l = parent.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : (Element) l.item(0);
    }

    private static String abbreviate(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
