package dev.agentsandbox.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the risk tier of a run is decided: rules on paths (and optionally on added lines) give each
 * changed file a tier; the run takes its highest. A file no rule names is {@code medium}. The
 * repository's rules come first, then the defaults (seed 003): critical for schema migrations,
 * access policies, secret and key configuration and infrastructure state; high for CI/CD, shared
 * libraries, container images and Terraform; low for tests and docs.
 *
 * @param rules the repository's rules, then the defaults
 */
public record RiskConfig(List<Rule> rules) {
    public enum Tier {
        LOW, MEDIUM, HIGH, CRITICAL;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Tier parse(String s) {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("'" + s + "' is not a risk tier (use critical, high, medium or low)");
            }
        }
    }

    /** Files matching any of {@code paths} (globs), and, when {@code content} is given, with an added line matching one of its regexes. */
    public record Rule(Tier tier, List<String> paths, List<String> content) {
        public Rule {
            paths = paths == null ? List.of("**") : List.copyOf(paths);
            content = content == null ? List.of() : List.copyOf(content);
        }
    }

    public static final List<Rule> DEFAULT_RULES = List.of(
            new Rule(Tier.CRITICAL, List.of("**/migrations/**", "**/migrate/**", "db/**", "**/*.sql", "**/schema.rb", "**/schema.prisma",
                    "**/iam/**", "**/*iam*.json", "**/*policy*.json", "**/policies/**", "**/rbac/**", "**/*rbac*.yaml", "**/*.tfstate",
                    "**/*.tfstate.backup", "**/.sops.yaml", "**/*secret*.yaml", "**/*secrets*.yml", "**/vault/**", "**/*kms*",
                    "**/*.pem", "**/*.key", "**/.env*"), null),
            new Rule(Tier.HIGH, List.of(".github/**", ".gitlab-ci.yml", ".gitlab/**", "**/Jenkinsfile", ".circleci/**", ".buildkite/**",
                    "**/Dockerfile", "**/Dockerfile.*", "**/*.dockerfile", "**/docker-compose*.yml", "**/docker-compose*.yaml", "**/Containerfile",
                    "**/*.tf", "**/*.tfvars", "**/modules/**", "lib/**", "libs/**", "shared/**", "common/**", "**/helm/**", "**/k8s/**",
                    "**/kubernetes/**"), null),
            new Rule(Tier.LOW, List.of("test/**", "tests/**", "**/test/**", "**/tests/**", "**/__tests__/**", "**/*_test.*", "**/test_*.*",
                    "**/*.test.*", "**/*.spec.*", "docs/**", "**/*.md", "**/*.rst", "**/*.adoc", "**/*.txt"), null));

    public static final RiskConfig DEFAULT = new RiskConfig(null);

    public RiskConfig {
        List<Rule> all = new ArrayList<>(rules == null ? List.of() : rules);
        for (Rule d : DEFAULT_RULES) {
            if (!all.contains(d)) {
                all.add(d);
            }
        }
        rules = List.copyOf(all);
    }
}
