package dev.agentsandbox.config;

import java.util.Locale;

/**
 * How an approved change lands.
 *
 * @param strategy fast-forward only, or a merge commit
 * @param remote remote to push to (null: do not push)
 * @param allowOverride whether a reviewer may approve a change whose gates failed (recorded)
 */
public record MergeConfig(Strategy strategy, String remote, Boolean allowOverride) {
    public enum Strategy {
        FAST_FORWARD, MERGE;

        public static Strategy parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "ff", "fast-forward", "fast_forward" -> FAST_FORWARD;
                case "merge", "no-ff" -> MERGE;
                default -> throw new IllegalArgumentException("unknown merge strategy '" + s + "': use fast-forward or merge");
            };
        }
    }

    public static final MergeConfig DEFAULT = new MergeConfig(null, null, null);

    public MergeConfig {
        strategy = strategy == null ? Strategy.FAST_FORWARD : strategy;
        allowOverride = allowOverride != null && allowOverride;
    }
}
