package dev.agentsandbox.gate.policy;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.console.SafeText;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.PolicyConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the agent may change at all. Above all it may not change the pipeline that gates it
 * (CI configuration, CODEOWNERS, this tool's configuration): such a change fails whatever else
 * it does.
 */
public final class PolicyGate implements Gate {
    public static final String NAME = "policy";
    private static final int SYMLINK = 0120000;
    private static final int EXECUTABLE = 0100755;

    private final PolicyConfig config;
    private static final int MAX_HIDDEN_FINDINGS = 50;

    private final List<PathGlob> protectedPaths;
    private final List<PathGlob> bidiAllowed;

    public PolicyGate(PolicyConfig config) {
        this.config = config;
        this.protectedPaths = PathGlob.all(config.protectedPaths());
        this.bidiAllowed = PathGlob.all(config.allowBidiPaths());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GateResult evaluate(GateContext context) {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>(check(context.change()));
        try {
            findings.addAll(collisions(context.change(), context.head()));
        } catch (java.io.IOException e) {
            findings.add(Finding.of(NAME, "name-collision", Verdict.FAIL, "the head tree could not be read to check its names: " + e.getMessage()));
        }
        return GateResult.of(NAME, findings, Duration.ofNanos(System.nanoTime() - t0),
                new GateDetails.Policy(context.change().files().size(), context.change().addedLineCount(), context.change().removedLineCount()));
    }

    private static final com.ibm.icu.text.Normalizer2 NFKC_CASEFOLD = com.ibm.icu.text.Normalizer2.getNFKCCasefoldInstance();

    /**
     * Names that are one name on a case-insensitive or normalising file system (Windows, macOS):
     * {@code CALC.py} beside {@code calc.py}, or a name in NFC beside the same in NFD. Checked across
     * the whole resulting tree; an added file that collides with any other is refused, since on such
     * a checkout one silently replaces the other.
     */
    static List<Finding> collisions(ChangeSet change, dev.agentsandbox.change.Tree head) throws java.io.IOException {
        java.util.Set<String> added = new java.util.HashSet<>();
        for (FileChange f : change.files()) {
            if (f.kind() == FileChange.Kind.ADDED) {
                added.add(f.path());
            }
        }
        List<Finding> out = new ArrayList<>();
        if (added.isEmpty()) {
            return out;
        }
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        for (String path : head.paths()) {
            String other = seen.putIfAbsent(NFKC_CASEFOLD.normalize(path), path);
            if (other != null && (added.contains(path) || added.contains(other))) {
                out.add(Finding.at(NAME, "name-collision", Verdict.FAIL, SafeText.line(path) + " and " + SafeText.line(other)
                        + " are one name on a case-insensitive or normalising file system (Windows, macOS): one would replace the other",
                        path, 0));
            }
        }
        return out;
    }

    List<Finding> check(ChangeSet change) {
        List<Finding> out = new ArrayList<>();
        if (change.isEmpty()) {
            out.add(Finding.of(NAME, "empty-change", Verdict.WARN, "the agent changed nothing: there is nothing to review"));
        }
        for (FileChange f : change.files()) {
            for (PathGlob g : protectedPaths) {
                if (g.matches(f.path())) {
                    out.add(Finding.at(NAME, "protected-path", Verdict.FAIL, "the change " + verb(f) + " " + f.path()
                            + ", a protected path (" + g.pattern() + "): the agent may not change the pipeline that checks it", f.path(), 0));
                    break;
                }
            }
            if (f.binary() && f.kind() != FileChange.Kind.DELETED && !config.allowBinary()) {
                out.add(Finding.at(NAME, "binary-file", Verdict.FAIL, "binary file " + f.path()
                        + " cannot be reviewed as a diff (policy.allow-binary is false)", f.path(), 0));
            }
            if (f.modeChanged() && !config.allowModeChanges()) {
                out.add(Finding.at(NAME, "mode-change", Verdict.FAIL, String.format("the mode of %s changed from %o to %o"
                        + " (policy.allow-mode-changes is false)", f.path(), f.oldMode(), f.newMode()), f.path(), 0));
            }
            if (f.kind() == FileChange.Kind.ADDED && f.newMode() == EXECUTABLE) {
                out.add(Finding.at(NAME, "new-executable", Verdict.WARN, "new executable file " + f.path(), f.path(), 0));
            }
            hiddenCharacters(f, out);
            if (f.kind() != FileChange.Kind.DELETED && f.newMode() == SYMLINK) {
                out.add(Finding.at(NAME, "symlink", Verdict.WARN, f.path() + " is a symbolic link (it stays inside the repository)", f.path(), 0));
            }
        }
        if (change.files().size() > config.maxFiles()) {
            out.add(Finding.of(NAME, "too-many-files", Verdict.FAIL, "the change touches " + change.files().size()
                    + " files; policy.max-files allows " + config.maxFiles()));
        }
        int lines = change.addedLineCount() + change.removedLineCount();
        if (lines > config.maxLines()) {
            out.add(Finding.of(NAME, "too-many-lines", Verdict.FAIL, "the change has " + lines
                    + " changed lines; policy.max-lines allows " + config.maxLines()));
        }
        return out;
    }

    /**
     * Text that reads differently to the reviewer than to the compiler (Trojan Source): bidirectional
     * overrides and isolates fail (unless the path is allowed real right-to-left text); characters
     * that show as nothing, and words mixing Latin with Cyrillic or Greek letters, warn.
     */
    private void hiddenCharacters(FileChange f, List<Finding> out) {
        boolean rtlText = bidiAllowed.stream().anyMatch(g -> g.matches(f.path()));
        int reported = 0;
        for (AddedLine l : f.addedLines()) {
            if (reported >= MAX_HIDDEN_FINDINGS) {
                break;
            }
            String text = l.text();
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (isBidiControl(cp) && !rtlText) {
                    out.add(Finding.at(NAME, "bidi-control", Verdict.FAIL, String.format("%s:%d holds the bidirectional control U+%04X: the"
                            + " line can read differently to a reviewer than to the compiler (policy.allow-bidi-paths for real"
                            + " right-to-left text)", f.path(), l.number(), cp), f.path(), l.number()));
                    reported++;
                    break;
                }
                if (!isBidiControl(cp) && SafeText.isHidden(cp) && !(cp == 0xFEFF && l.number() == 1 && i == 1)) {
                    out.add(Finding.at(NAME, "invisible-character", Verdict.WARN, String.format("%s:%d holds the invisible character U+%04X",
                            f.path(), l.number(), cp), f.path(), l.number()));
                    reported++;
                    break;
                }
            }
            String mixed = mixedScriptWord(text);
            if (mixed != null) {
                out.add(Finding.at(NAME, "mixed-script", Verdict.WARN, f.path() + ":" + l.number() + " has the word '" + SafeText.line(mixed)
                        + "', which mixes Latin with Cyrillic or Greek letters (a look-alike identifier?)", f.path(), l.number()));
                reported++;
            }
        }
    }

    static boolean isBidiControl(int cp) {
        return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }

    /** The first word (letters, digits, _) mixing Latin letters with Cyrillic or Greek ones, or null. */
    static String mixedScriptWord(String text) {
        int start = -1;
        boolean latin = false;
        boolean other = false;
        for (int i = 0; i <= text.length(); ) {
            int cp = i < text.length() ? text.codePointAt(i) : ' ';
            boolean word = Character.isLetterOrDigit(cp) || cp == '_';
            if (word) {
                if (start < 0) {
                    start = i;
                    latin = false;
                    other = false;
                }
                Character.UnicodeScript sc = Character.isLetter(cp) ? Character.UnicodeScript.of(cp) : Character.UnicodeScript.COMMON;
                latin |= sc == Character.UnicodeScript.LATIN;
                other |= sc == Character.UnicodeScript.CYRILLIC || sc == Character.UnicodeScript.GREEK;
            } else if (start >= 0) {
                if (latin && other) {
                    return text.substring(start, i);
                }
                start = -1;
            }
            i += i < text.length() ? Character.charCount(cp) : 1;
        }
        return null;
    }

    private static String verb(FileChange f) {
        return switch (f.kind()) {
            case ADDED -> "adds";
            case MODIFIED -> "modifies";
            case DELETED -> "deletes";
        };
    }
}
