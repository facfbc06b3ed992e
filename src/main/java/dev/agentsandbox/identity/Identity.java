package dev.agentsandbox.identity;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.Normalizer2;
import dev.agentsandbox.error.UsageException;
import java.util.Locale;

/**
 * A person as every decision names them, wherever the name comes from (the command line, a CI
 * variable, a forge review, a Jenkins user, a checkpoint answer): one normalisation, so that
 * {@code Alice}, {@code "alice "} and fullwidth {@code ａｌｉｃｅ} are one person and count once.
 * The form compared is Unicode NFKC_Casefold with white space trimmed and runs of it made one
 * space. A name holding a control, format or other invisible character (Unicode's
 * Default_Ignorable_Code_Point, the Hangul fillers among them), a line break, a private-use or
 * unassigned character is refused, not cleaned: it is either a mistake or an attempt to be two
 * people, or to write lines into a commit message.
 *
 * @param raw the name as given
 * @param id the name compared and recorded
 */
public record Identity(String raw, String id) {
    /** Longer names are refused: no forge or CI login comes near it. */
    public static final int MAX_LENGTH = 256;
    private static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();

    /** The identity of a name, or an exception that says what in it is refused. */
    public static Identity of(String raw) throws InvalidIdentityException {
        if (raw == null || raw.isBlank()) {
            throw new InvalidIdentityException("a name is needed");
        }
        if (raw.length() > MAX_LENGTH) {
            throw new InvalidIdentityException("the name is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            String why = refused(cp);
            if (why != null) {
                throw new InvalidIdentityException("the name holds " + why + " (" + String.format(Locale.ROOT, "U+%04X", cp) + ", at character "
                        + (raw.codePointCount(0, i) + 1) + "): names are compared as people, and this character would hide or split one");
            }
            i += Character.charCount(cp);
        }
        String id = collapse(NFKC_CASEFOLD.normalize(raw));
        if (id.isEmpty()) {
            throw new InvalidIdentityException("a name is needed");
        }
        return new Identity(raw, id);
    }

    /** The identity of a name the user gave as {@code what} (an option, a variable), or a usage error naming it. */
    public static Identity require(String what, String raw) throws UsageException {
        try {
            return of(raw);
        } catch (InvalidIdentityException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }

    /** The compared form of a name, or null when there is none or it is not a valid identity (it then matches no one). */
    public static String idOrNull(String raw) {
        try {
            return raw == null ? null : of(raw).id();
        } catch (InvalidIdentityException e) {
            return null;
        }
    }

    /** Whether the two names are one person (false when either is not a valid identity). */
    public static boolean same(String a, String b) {
        try {
            return a != null && b != null && of(a).id().equals(of(b).id());
        } catch (InvalidIdentityException e) {
            return false;
        }
    }

    /** Whether the name was given in another form than the one compared. */
    public boolean normalised() {
        return !raw.equals(id);
    }

    private static String refused(int cp) {
        if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029 || cp == 0x85) {
            return "a line break";
        }
        if (UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT)) {
            return "an invisible character";
        }
        return switch (UCharacter.getType(cp)) {
            case UCharacterCategory.CONTROL -> "a control character";
            case UCharacterCategory.FORMAT -> "a format character";
            case UCharacterCategory.PRIVATE_USE -> "a private-use character";
            case UCharacterCategory.SURROGATE -> "a lone surrogate";
            case UCharacterCategory.UNASSIGNED -> "an unassigned character";
            case UCharacterCategory.LINE_SEPARATOR, UCharacterCategory.PARAGRAPH_SEPARATOR -> "a line break";
            default -> null;
        };
    }

    /** Trimmed, with every run of white space one ASCII space. */
    private static String collapse(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (UCharacter.isUWhiteSpace(cp)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            b.appendCodePoint(cp);
        }
        return b.toString();
    }
}
