package io.jenkins.plugins.agentsandbox;

import java.text.Normalizer;
import java.util.Locale;

/**
 * A person's name in the form the CLI compares (its Identity: NFKC, case folded, white space made
 * one space), so that the page counts people as the bundle will: {@code Alice} and fullwidth
 * {@code ａｌｉｃｅ} are one person, never two approvals. Names with a control, format, private-use,
 * unassigned or filler character match no one, as the CLI refuses them. The CLI stays the judge
 * when it records the decision; this keeps the page from promising what the bundle will refuse.
 */
final class Person {
    private Person() {
    }

    /** The compared form, or null when the name is not one the CLI accepts. */
    static String key(String raw) {
        if (raw == null || raw.isBlank() || raw.length() > 256) {
            return null;
        }
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL && cp != '\t' || type == Character.FORMAT || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                    || type == Character.SURROGATE || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x034F || (cp >= 0xFE00 && cp <= 0xFE0F)) {
                return null;
            }
            i += Character.charCount(cp);
        }
        String folded = Normalizer.normalize(Normalizer.normalize(raw, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
        String id = folded.strip().replaceAll("\\s+", " ");
        return id.isEmpty() ? null : id;
    }

    static boolean same(String a, String b) {
        String ka = key(a);
        return ka != null && ka.equals(key(b));
    }
}
