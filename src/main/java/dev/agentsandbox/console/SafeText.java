package dev.agentsandbox.console;

/**
 * Makes untrusted text (what a sandbox printed, file names and messages from the agent's change)
 * safe for a CI console or job summary: one visible line that no runner reads as anything but text.
 * <ul>
 * <li>C0 and C1 controls but TAB, DEL, and the Unicode line and paragraph separators become
 * visible escapes ({@code \r}, {@code \e}, {@code \x07}, {@code \u2028}): no CR can start a new
 * line for the GitHub runner (which splits at CR), no ANSI sequence can erase or recolour a line,
 * no GitLab {@code section_start} or Jenkins console note (both need ESC) can take effect;</li>
 * <li>bidirectional controls and invisible characters become escapes too, so a line reads the
 * same in every viewer;</li>
 * <li>a line that would still read as a workflow command ({@code ::name::} on GitHub,
 * {@code ##[name]} and {@code ##vso[} of Azure-style runners) gets a visible prefix.</li>
 * </ul>
 */
public final class SafeText {
    /** What a neutralised command line starts with. */
    public static final String NEUTRALISED = "[text] ";

    private SafeText() {
    }

    /** One safe line. */
    public static String line(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            String esc = escape(cp);
            if (esc != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (esc != null) {
                    b.append(esc);
                } else {
                    b.appendCodePoint(cp);
                }
            }
            i += Character.charCount(cp);
        }
        String out = b == null ? s : b.toString();
        return looksLikeCommand(out) ? NEUTRALISED + out : out;
    }

    /** One safe line of at most about {@code max} characters (longer ones are cut and marked). */
    public static String line(String s, int max) {
        String l = line(s);
        return l.length() <= max ? l : l.substring(0, max) + "…[" + (l.length() - max) + " more]";
    }

    /** Whether a runner would read this line as a command rather than as text. */
    static boolean looksLikeCommand(String line) {
        String t = line.stripLeading();
        return t.startsWith("::") || t.startsWith("##[") || t.startsWith("##vso[");
    }

    private static String escape(int cp) {
        switch (cp) {
            case '\t':
                return null;
            case '\r':
                return "\\r";
            case '\n':
                return "\\n";
            case 0x1B:
                return "\\e";
            default:
                break;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            return String.format("\\x%02X", cp);
        }
        if (isHidden(cp)) {
            return String.format("\\u%04X", cp);
        }
        return null;
    }

    /**
     * Bidirectional controls, line and paragraph separators, interlinear annotations, and every
     * character Unicode says shows as nothing (Default_Ignorable_Code_Point: zero-width characters,
     * the Hangul fillers, variation selectors, the combining grapheme joiner, tags), from ICU's data.
     */
    public static boolean isHidden(int cp) {
        return cp == 0x2028 || cp == 0x2029 || (cp >= 0xFFF9 && cp <= 0xFFFB)
                || com.ibm.icu.lang.UCharacter.hasBinaryProperty(cp, com.ibm.icu.lang.UProperty.DEFAULT_IGNORABLE_CODE_POINT)
                || com.ibm.icu.lang.UCharacter.hasBinaryProperty(cp, com.ibm.icu.lang.UProperty.BIDI_CONTROL);
    }
}
