package dev.agentsandbox.gate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a gate tells the reports beyond its findings: one record per kind of gate, which readers
 * match on. {@link #facts()} is what gates.json holds (the same keys as ever); no secret values.
 */
public sealed interface GateDetails {
    Map<String, Object> facts();

    GateDetails NONE = new None();

    /** A gate with nothing to add. */
    record None() implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            return Map.of();
        }
    }

    /** The agent's sandbox: how it ended, the process limit's use, and the first programs it started (the review's timeline). */
    record Agent(int exitCode, String ending, long pidsPeak, int pidsLimit, List<Map<String, Object>> processes) implements GateDetails {
        public Agent {
            processes = List.copyOf(processes);
        }

        @Override
        public Map<String, Object> facts() {
            return Map.of("exitCode", exitCode, "ending", ending, "pidsPeak", pidsPeak, "pidsLimit", pidsLimit, "processes", processes);
        }
    }

    /** A check's sandbox (lint, tests) and, when it writes JUnit reports, their counts. */
    record Check(int exitCode, String ending, String image, String imageId, Map<String, Long> sandboxMillis, Junit junit) implements GateDetails {
        /** The counts of a check's JUnit reports. */
        public record Junit(int tests, int failures, int errors, int skipped) {
        }

        @Override
        public Map<String, Object> facts() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exitCode", exitCode);
            m.put("ending", ending);
            m.put("image", image);
            m.put("imageId", imageId);
            m.put("sandboxMillis", sandboxMillis);
            if (junit != null) {
                m.put("tests", junit.tests());
                m.put("failures", junit.failures());
                m.put("errors", junit.errors());
                m.put("skipped", junit.skipped());
            }
            return m;
        }
    }

    /** The change's size, as the policy gate judged it. */
    record Policy(int files, int linesAdded, int linesRemoved) implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            return Map.of("files", files, "linesAdded", linesAdded, "linesRemoved", linesRemoved);
        }
    }

    /** What the secret scan read and let pass. */
    record Secrets(long scannedLines, long scannedChars, int allowed, boolean enabled) implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            return Map.of("scannedLines", scannedLines, "scannedChars", scannedChars, "allowed", allowed, "enabled", enabled);
        }
    }

    /** The dependency delta's counts and, once the reports are written, its rows. */
    record Dependencies(int components, int added, int removed, int changed, int sourceChanges, int advisories,
                        List<Map<String, Object>> delta) implements GateDetails {
        public Dependencies {
            delta = delta == null ? null : List.copyOf(delta);
        }

        public Dependencies withDelta(List<Map<String, Object>> rows) {
            return new Dependencies(components, added, removed, changed, sourceChanges, advisories, rows);
        }

        @Override
        public Map<String, Object> facts() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("components", components);
            m.put("added", added);
            m.put("removed", removed);
            m.put("changed", changed);
            m.put("sourceChanges", sourceChanges);
            m.put("advisories", advisories);
            if (delta != null) {
                m.put("delta", delta);
            }
            return m;
        }
    }

    /** The risk tier the change falls in, and why. */
    record Risk(String tier, List<String> reasons) implements GateDetails {
        public Risk {
            reasons = List.copyOf(reasons);
        }

        @Override
        public Map<String, Object> facts() {
            return Map.of("tier", tier, "reasons", reasons);
        }
    }

    /** The organisation policy's data class for the repository, the rule that gave it, and the policy's digest. */
    record DataClass(String name, String rule, String policySha256) implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            Map<String, Object> m = new LinkedHashMap<>(); // in this order in the audit record
            m.put("class", name);
            m.put("rule", rule);
            m.put("policySha256", policySha256);
            return m;
        }
    }

    /** A plan-first run's plan, by digest (null: no plan was written). */
    record Plan(String sha256) implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            return sha256 == null ? Map.of() : Map.of("sha256", sha256);
        }
    }

    /** How many files the change holds. */
    record Change(int files) implements GateDetails {
        @Override
        public Map<String, Object> facts() {
            return Map.of("files", files);
        }
    }
}
