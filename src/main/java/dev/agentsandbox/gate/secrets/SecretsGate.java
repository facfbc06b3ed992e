package dev.agentsandbox.gate.secrets;

import dev.agentsandbox.secrets.SecretShapes;

import dev.agentsandbox.secrets.SecretScanner;

import dev.agentsandbox.secrets.SecretRules;

import dev.agentsandbox.secrets.SecretMatch;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.SecretsConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Scans the lines the change ADDS for credentials; values never leave this class unredacted. */
public final class SecretsGate implements Gate {
    public static final String NAME = "secrets";

    private final SecretsConfig config;
    private final SecretScanner scanner;
    private final List<PathGlob> allowPaths;
    private final Set<String> allowFingerprints;

    public SecretsGate(SecretsConfig config) {
        this.config = config;
        this.scanner = new SecretScanner(SecretRules.defaults().stream().filter(r -> !config.disabledRules().contains(r.id())).toList());
        this.allowPaths = PathGlob.all(config.allowPaths());
        this.allowFingerprints = Set.copyOf(config.allowFingerprints().stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean findsCredentials() {
        return true;
    }

    @Override
    public GateResult evaluate(GateContext context) {
        long t0 = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        long lines = 0;
        long bytes = 0;
        int allowed = 0;
        if (config.enabled()) {
            for (FileChange f : context.change().files()) {
                if (f.binary() || f.kind() == FileChange.Kind.DELETED) {
                    continue;
                }
                boolean pathAllowed = PathGlob.anyMatches(allowPaths, f.path());
                // a name is scanned like a line: a token as a file name is copied into the patch and the bundle
                if (!pathAllowed) {
                    for (SecretMatch m : scanner.scan(f.path())) {
                        findings.add(new Finding(NAME, m.rule().id(), m.rule().level(), m.rule().description() + " in a file name (sha256 "
                                + m.fingerprint() + "); remove it and rotate the credential", SecretShapes.redact(scanner, scanner.redact(f.path())), 0,
                                null));
                    }
                }
                for (AddedLine l : f.addedLines()) {
                    lines++;
                    bytes += l.text().length();
                    List<SecretMatch> direct = scanner.scan(f.path(), l.text());
                    for (SecretMatch m : direct) {
                        if (pathAllowed || allowFingerprints.contains(m.fingerprint())) {
                            allowed++;
                            continue;
                        }
                        findings.add(new Finding(NAME, m.rule().id(), m.rule().level(), m.rule().description() + " added (sha256 "
                                + m.fingerprint() + "); remove it and rotate the credential", f.path(), l.number(), abbreviate(m.redactedLine())));
                    }
                    if (direct.isEmpty() && !pathAllowed) {
                        for (SecretShapes.Hidden h : SecretShapes.find(scanner, l.text())) {
                            if (allowFingerprints.contains(h.fingerprint())) {
                                allowed++;
                                continue;
                            }
                            findings.add(new Finding(NAME, h.rule().id(), h.rule().level(), h.rule().description() + " added, " + h.shape()
                                    + " (sha256 " + h.fingerprint() + "); remove it and rotate the credential", f.path(), l.number(),
                                    abbreviate(SecretShapes.redact(scanner, l.text()))));
                            break; // one finding a line: the shapes of one credential overlap
                        }
                    }
                }
            }
        }
        return GateResult.of(NAME, findings, Duration.ofNanos(System.nanoTime() - t0),
                new GateDetails.Secrets(lines, bytes, allowed, config.enabled()));
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
