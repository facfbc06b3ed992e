package dev.agentsandbox.cli;

import dev.agentsandbox.host.HostVariables;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.forge.GithubTrigger;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs started from where people talk: a comment with the command word, or a label. */
@Command(name = "trigger", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Decide whether a forge event (a comment, a label) starts a run, and write its task and provenance.",
        subcommands = {TriggerCommand.Github.class, TriggerCommand.Gitlab.class})
final class TriggerCommand extends CommandGroup {

    @Command(name = "github", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = {"Read a GitHub issue_comment, pull_request_review_comment or issues (labeled) event. The text and the asker's"
                    + " permission are read through the REST API ($GITHUB_API_URL, $GITHUB_REPOSITORY, $GITHUB_TOKEN), never taken from the"
                    + " workflow. Writes OUT/decision (run, refuse or skip); for run, OUT/task.md and OUT/trigger.json (pass both to"
                    + " `run --task-file --trigger`); for refuse, OUT/reply.md to post in the thread. Exits 0 for each decision."})
    static final class Github implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--event", required = true, description = "the event's payload ($GITHUB_EVENT_PATH)")
        Path event;

        @Option(names = "--event-name", description = "the event's name (default: $GITHUB_EVENT_NAME)")
        String eventName;

        @Option(names = "--out", required = true, description = "a folder for the decision, the task and the provenance")
        Path out;

        @Option(names = "--command-word", defaultValue = "/agent-sandbox", description = "what a comment starts with (default: ${DEFAULT-VALUE})")
        String commandWord;

        @Option(names = "--label", defaultValue = "agent-sandbox", description = "the issue label that starts a run (default: ${DEFAULT-VALUE})")
        String label;

        @Option(names = "--permissions", defaultValue = "admin,maintain,write", split = ",",
                description = "who may start a run, by role on the repository (default: ${DEFAULT-VALUE})")
        Set<String> permissions;

        @Option(names = "--untrusted", defaultValue = "drop",
                description = "text around a request written by people without the permission: drop, or mark (passed as untrusted data)")
        String untrusted;

        @Override
        public Integer call() throws AgentSandboxException {
            var env = System.getenv();
            String name = eventName != null ? eventName : env.get("GITHUB_EVENT_NAME");
            if (name == null) {
                throw new UsageException("give --event-name, or run in GitHub Actions (GITHUB_EVENT_NAME)");
            }
            boolean mark = markUntrusted(untrusted);
            for (String p : permissions) {
                if (!Set.of("admin", "maintain", "write", "triage", "read").contains(p)) {
                    throw new UsageException("--permissions takes admin, maintain, write, triage and read, not '" + p + "'");
                }
            }
            JsonNode payload = payload(event);
            String api = env.getOrDefault("GITHUB_API_URL", "https://api.github.com");
            GithubTrigger trigger = new GithubTrigger(URI.create(api), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_TOKEN"));
            GithubTrigger.Outcome o = trigger.decide(name, payload,
                    new GithubTrigger.Settings(commandWord, label, Set.copyOf(permissions), mark));
            return write(o, out, spec);
        }
    }

    @Command(name = "gitlab", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = {"Read a GitLab note hook (a project webhook for comments, posted to a pipeline trigger URL: GitLab hands its"
                    + " payload to the pipeline as the file $TRIGGER_PAYLOAD). The note, its author's access level and the issue or merge"
                    + " request are read through the REST API ($CI_API_V4_URL, $CI_PROJECT_ID) with $AGENT_SANDBOX_GITLAB_TOKEN (read_api)."
                    + " Writes OUT/decision, OUT/task.md and OUT/trigger.json, or OUT/reply.md, as `trigger github` does."})
    static final class Gitlab implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--event", required = true, description = "the hook's payload ($TRIGGER_PAYLOAD)")
        Path event;

        @Option(names = "--out", required = true, description = "a folder for the decision, the task and the provenance")
        Path out;

        @Option(names = "--command-word", defaultValue = "/agent-sandbox", description = "what a note starts with (default: ${DEFAULT-VALUE})")
        String commandWord;

        @Option(names = "--minimum-access", defaultValue = "30",
                description = "the access level that may start a run: 30 Developer, 40 Maintainer, 50 Owner (default: ${DEFAULT-VALUE})")
        int minimumAccess;

        @Option(names = "--untrusted", defaultValue = "drop", description = "text by members below that level: drop, or mark")
        String untrusted;

        @Override
        public Integer call() throws AgentSandboxException {
            var env = System.getenv();
            boolean mark = markUntrusted(untrusted);
            if (minimumAccess < 10 || minimumAccess > 50) {
                throw new UsageException("--minimum-access takes a GitLab access level (30 Developer, 40 Maintainer, 50 Owner)");
            }
            JsonNode payload = payload(event);
            String api = env.getOrDefault("CI_API_V4_URL", "https://gitlab.com/api/v4");
            GithubTrigger.Outcome o = new dev.agentsandbox.forge.GitlabTrigger(URI.create(api), env.get("CI_PROJECT_ID"),
                    env.get(HostVariables.GITLAB_TOKEN)).decide(payload, commandWord, minimumAccess, mark);
            return write(o, out, spec);
        }
    }

    static boolean markUntrusted(String untrusted) throws UsageException {
        if (!untrusted.equals("drop") && !untrusted.equals("mark")) {
            throw new UsageException("--untrusted takes drop or mark, not '" + untrusted + "'");
        }
        return untrusted.equals("mark");
    }

    static JsonNode payload(Path event) throws UsageException {
        try {
            return new ObjectMapper().readTree(event.toFile());
        } catch (IOException e) {
            throw new UsageException("cannot read the event's payload " + event + ": " + e.getMessage());
        }
    }

    /** The decision's files, as the CI's scripts read them; exit 0 for each decision. */
    static int write(GithubTrigger.Outcome o, Path out, picocli.CommandLine.Model.CommandSpec spec) throws AgentSandboxException {
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("decision"), o.decision().name().toLowerCase(java.util.Locale.ROOT) + "\n");
            Files.writeString(out.resolve("issue"), o.issue() + "\n");
            switch (o.decision()) {
                case RUN -> {
                    Files.writeString(out.resolve("task.md"), o.task() + "\n", StandardCharsets.UTF_8);
                    Files.write(out.resolve("trigger.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(o.trigger()));
                    spec.commandLine().getOut().println("run: asked by @" + o.trigger().author() + " (" + o.trigger().permission() + ") in "
                            + o.trigger().url());
                }
                case REFUSE -> {
                    Files.writeString(out.resolve("reply.md"), o.reply() + "\n", StandardCharsets.UTF_8);
                    spec.commandLine().getOut().println("refuse: " + o.reply());
                }
                case SKIP -> spec.commandLine().getOut().println("skip: not addressed to agent-sandbox");
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot write to " + out + ": " + e.getMessage(), e);
        }
        return ExitCodes.OK;
    }
}
