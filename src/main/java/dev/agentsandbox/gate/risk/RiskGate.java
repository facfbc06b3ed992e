package dev.agentsandbox.gate.risk;

import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.change.PathGlob;
import dev.agentsandbox.config.RiskConfig;
import dev.agentsandbox.gate.Gate;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The risk tier of the change (seed 003 §5.2): each changed file takes the highest tier of the
 * rules it matches, medium when none does; the run takes its files' highest. The tier decides how
 * many people must approve. It never fails the run: its result carries the tier and why.
 */
public final class RiskGate implements Gate {
    public static final String NAME = "risk";
    private static final int MAX_REASONS = 20;

    private final List<Compiled> rules = new ArrayList<>();

    private record Compiled(RiskConfig.Tier tier, List<PathGlob> paths, List<Pattern> content, String describe) {
    }

    public RiskGate(RiskConfig config) {
        for (RiskConfig.Rule r : config.rules()) {
            rules.add(new Compiled(r.tier(), PathGlob.all(r.paths()), r.content().stream().map(Pattern::compile).toList(),
                    String.join(", ", r.paths()) + (r.content().isEmpty() ? "" : " with " + String.join(" | ", r.content()))));
        }
    }

    /** The tier and, for each file that set it, the rule that matched. */
    public record Assessment(RiskConfig.Tier tier, List<String> reasons) {
    }

    public Assessment assess(List<FileChange> files) {
        RiskConfig.Tier tier = files.isEmpty() ? RiskConfig.Tier.LOW : null;
        Map<String, RiskConfig.Tier> byFile = new LinkedHashMap<>();
        Map<String, String> why = new LinkedHashMap<>();
        for (FileChange f : files) {
            RiskConfig.Tier t = null;
            for (Compiled r : rules) {
                if ((t == null || r.tier().compareTo(t) > 0) && PathGlob.anyMatches(r.paths(), f.path()) && contentMatches(r, f)) {
                    t = r.tier();
                    why.put(f.path(), f.path() + ": " + r.tier().id() + " (" + r.describe() + ")");
                }
            }
            if (t == null) {
                t = RiskConfig.Tier.MEDIUM;
                why.put(f.path(), f.path() + ": medium (no rule names it)");
            }
            byFile.put(f.path(), t);
            tier = tier == null || t.compareTo(tier) > 0 ? t : tier;
        }
        RiskConfig.Tier run = tier;
        List<String> reasons = byFile.entrySet().stream().filter(e -> e.getValue() == run).map(e -> why.get(e.getKey()))
                .limit(MAX_REASONS).toList();
        return new Assessment(run, reasons);
    }

    private static boolean contentMatches(Compiled r, FileChange f) {
        if (r.content().isEmpty()) {
            return true;
        }
        for (AddedLine l : f.addedLines()) {
            for (Pattern p : r.content()) {
                if (p.matcher(l.text()).find()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GateResult evaluate(GateContext context) {
        long t0 = System.nanoTime();
        Assessment a = assess(context.change().files());
        return GateResult.of(NAME, List.of(), Duration.ofNanos(System.nanoTime() - t0), new GateDetails.Risk(a.tier().id(), a.reasons()));
    }
}
