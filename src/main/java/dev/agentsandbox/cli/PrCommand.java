package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import dev.agentsandbox.approval.ChangeRequests;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.forge.Forge;
import dev.agentsandbox.forge.GithubForge;
import dev.agentsandbox.forge.GitlabForge;
import dev.agentsandbox.secrets.Redaction;
import dev.agentsandbox.git.Repositories;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Delivery as a pull request (GitHub) or merge request (GitLab), for protected branches. */
@Command(name = "pr", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Deliver a run as a pull request (GitHub) or merge request (GitLab): open it, then merge it when approved.",
        subcommands = {PrCommand.Open.class, PrCommand.Merge.class})
final class PrCommand extends CommandGroup {

    /** Which forge, where its API is, which project; the token only from the environment (never on the command line). */
    static final class ForgeOptions {
        @Option(names = "--forge", description = "github or gitlab (default: the CI this runs in)")
        String forge;

        @Option(names = "--api", description = "the forge's API URL (default: $GITHUB_API_URL, or $CI_API_V4_URL)")
        String api;

        @Option(names = "--project", description = "owner/name on GitHub (default: $GITHUB_REPOSITORY); group/name on GitLab"
                + " (default: $CI_PROJECT_PATH); it must be the run's repository")
        String project;

        Forge open(Map<String, String> env) throws UsageException {
            String kind = forge != null ? forge : env.get("GITLAB_CI") != null ? "gitlab" : env.get("GITHUB_ACTIONS") != null ? "github" : null;
            if (kind == null) {
                throw new UsageException("give --forge github or gitlab (no CI variable says which)");
            }
            String token = env.get(HostVariables.FORGE_TOKEN);
            switch (kind) {
                case "github" -> {
                    token = token != null ? token : env.get("GITHUB_TOKEN");
                    String url = api != null ? api : env.getOrDefault("GITHUB_API_URL", "https://api.github.com");
                    return new GithubForge(URI.create(url), project != null ? project : env.get("GITHUB_REPOSITORY"), require(token, "GITHUB_TOKEN"));
                }
                case "gitlab" -> {
                    token = token != null ? token : env.get("GITLAB_TOKEN");
                    String url = api != null ? api : env.get("CI_API_V4_URL");
                    if (url == null) {
                        throw new UsageException("give --api (the GitLab API URL, e.g. https://gitlab.example.com/api/v4): $CI_API_V4_URL is not set");
                    }
                    return new GitlabForge(URI.create(url), project != null ? project : env.get("CI_PROJECT_PATH"), require(token, "GITLAB_TOKEN"));
                }
                default -> throw new UsageException("--forge takes github or gitlab, not '" + kind + "'");
            }
        }

        private static String require(String token, String name) throws UsageException {
            if (token == null || token.isBlank()) {
                throw new UsageException("no forge token: set AGENT_SANDBOX_FORGE_TOKEN (or " + name + ") to a token that may push branches"
                        + " and open and merge requests");
            }
            return token.strip();
        }
    }

    @Command(name = "open", mixinStandardHelpOptions = true, description = "Push the run's feature branch and open a request for it,"
            + " with the run's summary; prints its number and URL.")
    static final class Open implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        RunBundleOption run;

        @Mixin
        PinnedKey key;

        @Mixin
        ForgeOptions forge;

        @Option(names = "--repo", defaultValue = ".", description = "the repository the branch is pushed from (default: the current folder)")
        Path repo;

        @Option(names = "--remote", defaultValue = "origin", description = "the remote to push the feature branch to (default: ${DEFAULT-VALUE})")
        String remote;

        @Override
        public Integer call() throws AgentSandboxException {
            var env = System.getenv();
            Forge f = forge.open(env);
            try (Repository r = Repositories.open(repo)) {
                Forge.ChangeRequest cr = new ChangeRequests(Clock.systemUTC(), Redaction::redact).open(run.require(), key.require("pr open"), r,
                        remote, CiEnvironment.gitCredentials(env), f, CiEnvironment.reviewUrl(env));
                spec.commandLine().getOut().println("opened " + f.noun() + " " + cr.number() + ": " + cr.url());
                spec.commandLine().getOut().println("number=" + cr.number());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge the request through the forge when its head is the"
            + " run's commit and the run's approvals (in the bundle, or the forge's reviews) are met; signs the merge into the bundle.")
    static final class Merge implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        RunBundleOption run;

        @Mixin
        PinnedKey key;

        @Mixin
        SigningKey signingKey;

        @Mixin
        ForgeOptions forge;

        @Option(names = "--number", required = true, description = "the request's number (GitHub) or iid (GitLab)")
        String number;

        @Option(names = "--repo", defaultValue = ".", description = "the run's repository, whose rejection record is checked (default: the current folder)")
        Path repo;

        @Option(names = "--remote", defaultValue = "origin", description = "the remote whose rejection record is checked too (default: ${DEFAULT-VALUE})")
        String remote;

        @Override
        public Integer call() throws AgentSandboxException {
            var env = System.getenv();
            Forge f = forge.open(env);
            String landed;
            try (Repository r = Repositories.open(repo)) {
                landed = new ChangeRequests(Clock.systemUTC(), Redaction::redact).merge(run.require(), key.require("pr merge"), f, number,
                        signingKey.load(), r, remote, CiEnvironment.gitCredentials(env));
            }
            spec.commandLine().getOut().println("merged " + f.noun() + " " + number + " as " + landed);
            return ExitCodes.OK;
        }
    }
}
