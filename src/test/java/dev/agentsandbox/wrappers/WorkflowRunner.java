package dev.agentsandbox.wrappers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.testing.RunnerUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a GitHub-hosted runner that runs the jobs of the README's example workflow as
 * written: every {@code run:} step's script verbatim under {@code bash -eo pipefail} as the runner's
 * user, the action's composite steps from github-action/action.yml, the runner's files
 * (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, RUNNER_TEMP) and the {@code ${{ }}} expressions the
 * workflow uses. The actions it only stands in for: checkout (a clone of the bare remote; the tool's
 * own repository is this checkout), setup-java (Java 17 is here), upload- and download-artifact
 * (folders copied), upload-sarif (recorded). Not GitHub: no expressions beyond the workflow's own.
 */
final class WorkflowRunner {
    static final Path WORKFLOW = Path.of("examples/.github/workflows/agent-sandbox.yml").toAbsolutePath();
    static final Path ACTION = Path.of("github-action/action.yml").toAbsolutePath();
    static final Path TOOL = Path.of("").toAbsolutePath();

    final RunnerUser user;
    final Path root;
    final Path remote;
    final Map<String, String> secrets = new LinkedHashMap<>();
    final Map<String, String> inputs = new LinkedHashMap<>();
    /** Variables every job gets from GitHub (GITHUB_REPOSITORY, GITHUB_API_URL, ...). */
    final Map<String, String> github = new LinkedHashMap<>();
    /** What a user fills in when copying the workflow (its env: the release's jar URL and SHA-256). */
    final Map<String, String> workflowEnv = new LinkedHashMap<>();
    /** The repository's configuration variables ({@code vars.X}). */
    final Map<String, String> vars = new LinkedHashMap<>();
    /** Steps replaced by the test, by name (the agent's image build needs a model and the registry). */
    final Map<String, UnaryOperator<JsonNode>> replace = new LinkedHashMap<>();
    final Map<String, Map<String, String>> jobOutputs = new LinkedHashMap<>();
    final List<String> sarifUploads = new ArrayList<>();
    final JsonNode workflow;
    final StringBuilder log = new StringBuilder();
    private int attempts;

    WorkflowRunner(RunnerUser user, Path root, Path remote) throws IOException {
        this.user = user;
        this.root = root;
        this.remote = remote;
        this.workflow = new YAMLMapper().readTree(WORKFLOW.toFile());
    }

    /** One job's ending. */
    record Job(boolean succeeded, boolean skipped, Map<String, String> outputs, Map<String, Map<String, String>> steps, Path workspace) {
    }

    /** success, failure or skipped, as {@code needs.JOB.result} says. */
    final Map<String, String> jobResults = new LinkedHashMap<>();

    Job run(String jobName) throws Exception {
        JsonNode job = workflow.at("/jobs/" + jobName);
        if (job.isMissingNode()) {
            throw new AssertionError("the example workflow has no job " + jobName);
        }
        boolean needsFailed = false;
        for (JsonNode n : job.path("needs").isArray() ? job.path("needs") : new YAMLMapper().createArrayNode().add(job.path("needs").asText(""))) {
            needsFailed |= !n.asText().isEmpty() && !"success".equals(jobResults.get(n.asText()));
        }
        Ctx jobCtx = new Ctx();
        workflow.path("env").fields().forEachRemaining(e -> jobCtx.env.put(e.getKey(), e.getValue().asText()));
        if (!condition(job.path("if").asText(""), jobCtx, needsFailed)) {
            jobResults.put(jobName, "skipped");
            jobOutputs.put(jobName, Map.of());
            return new Job(false, true, Map.of(), Map.of(), null);
        }
        Path dir = Files.createDirectories(root.resolve("jobs").resolve(jobName + "-" + (++attempts)));
        Path ws = Files.createDirectories(dir.resolve("workspace"));
        Path temp = Files.createDirectories(dir.resolve("runner-temp"));
        user.own(dir);
        Ctx ctx = new Ctx();
        ctx.workspace = ws;
        ctx.temp = temp;
        workflow.path("env").fields().forEachRemaining(e -> ctx.env.put(e.getKey(), e.getValue().asText()));
        ctx.env.putAll(workflowEnv);
        boolean failed = false;
        for (JsonNode step : job.path("steps")) {
            String name = step.path("name").asText(step.path("id").asText(step.path("uses").asText()));
            if (replace.containsKey(name)) {
                step = replace.get(name).apply(step);
                if (step == null) {
                    continue;
                }
            }
            if (!condition(step.path("if").asText(""), ctx, failed)) {
                continue;
            }
            boolean ok = step.has("uses") ? uses(step, ctx) : script(step.path("run").asText(), env(step.path("env"), ctx), ctx, step.path("id").asText(null));
            failed |= !ok && !step.path("continue-on-error").asBoolean(false);
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        job.path("outputs").fields().forEachRemaining(e -> outputs.put(e.getKey(), expand(e.getValue().asText(), ctx)));
        jobOutputs.put(jobName, outputs);
        jobResults.put(jobName, failed ? "failure" : "success");
        return new Job(!failed, false, outputs, ctx.steps, ws);
    }

    /** What a job's steps see. */
    final class Ctx {
        Path workspace;
        Path temp;
        final Map<String, String> env = new LinkedHashMap<>();
        final Map<String, String> githubEnv = new LinkedHashMap<>();
        final Map<String, Map<String, String>> steps = new LinkedHashMap<>();
        Map<String, String> actionInputs = Map.of();
    }

    private Map<String, String> env(JsonNode env, Ctx ctx) {
        Map<String, String> m = new LinkedHashMap<>();
        env.fields().forEachRemaining(e -> m.put(e.getKey(), expand(e.getValue().asText(), ctx)));
        return m;
    }

    private boolean script(String body, Map<String, String> stepEnv, Ctx ctx, String id) throws Exception {
        Path file = Files.createTempFile(ctx.temp, "step-", ".sh");
        Files.writeString(file, body);
        Path output = Files.createTempFile(ctx.temp, "output-", "");
        Path envFile = Files.createTempFile(ctx.temp, "env-", "");
        user.own(ctx.temp);
        Map<String, String> env = new LinkedHashMap<>(github);
        env.putAll(ctx.env);
        env.putAll(ctx.githubEnv);
        env.put("GITHUB_WORKSPACE", ctx.workspace.toString());
        env.put("RUNNER_TEMP", ctx.temp.toString());
        env.put("GITHUB_OUTPUT", output.toString());
        env.put("GITHUB_ENV", envFile.toString());
        env.put("GITHUB_STEP_SUMMARY", ctx.temp.resolve("step-summary.md").toString());
        env.put("GITHUB_ACTION_PATH", TOOL.resolve("github-action").toString());
        env.put("CI", "true");
        env.put("GITHUB_ACTIONS", "true");
        env.putAll(stepEnv);
        RunnerUser.Result r = user.exec(List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", file.toString()), ctx.workspace, env);
        log.append("--- step ").append(id == null ? body.lines().findFirst().orElse("") : id).append(" as ").append(user.name)
                .append(": exit ").append(r.exitCode()).append('\n').append(r.out()).append('\n');
        ctx.githubEnv.putAll(GithubActionStepsIT.outputsOrPairs(envFile));
        if (id != null) {
            ctx.steps.put(id, GithubActionStepsIT.outputsOrPairs(output));
        }
        return r.exitCode() == 0;
    }

    private boolean uses(JsonNode step, Ctx ctx) throws Exception {
        String uses = step.path("uses").asText();
        Map<String, String> with = new LinkedHashMap<>();
        step.path("with").fields().forEachRemaining(e -> with.put(e.getKey(), expand(e.getValue().asText(), ctx)));
        String action = uses.substring(0, uses.indexOf('@'));
        switch (action) {
            case "actions/checkout" -> {
                if ("your-org/agent-sandbox".equals(with.get("repository"))) {
                    Files.createSymbolicLink(ctx.workspace.resolve(with.get("path")), TOOL); // the tool at TOOL_REF: this checkout
                    return true;
                }
                var r = user.exec(List.of("git", "clone", "-q", remote.toString(), "."), ctx.workspace, Map.of());
                log.append("--- checkout: ").append(r.out());
                return r.exitCode() == 0;
            }
            case "actions/setup-java" -> {
                return true;
            }
            case "actions/upload-artifact" -> {
                Path from = ctx.workspace.resolve(with.get("path"));
                Path to = root.resolve("artifacts").resolve(with.get("name"));
                Files.createDirectories(to.getParent());
                RunnerUser.remove(to); // a job run again replaces its artifact
                var r = RunnerUser.ROOT.exec(List.of("cp", "-r", from.toString(), to.toString()), root, Map.of());
                return r.exitCode() == 0;
            }
            case "actions/download-artifact" -> {
                Path from = root.resolve("artifacts").resolve(with.get("name"));
                Path to = ctx.workspace.resolve(with.get("path"));
                Files.createDirectories(to);
                // an artifact holds files, never the owner or modes of the job that uploaded it
                var r = RunnerUser.ROOT.exec(List.of("sh", "-c", "if [ -d \"$1\" ]; then cp -r \"$1\"/. \"$2\"/; else cp \"$1\" \"$2\"/; fi", "cp",
                        from.toString(), to.toString()), root, Map.of());
                user.own(to);
                return r.exitCode() == 0;
            }
            case "github/codeql-action/upload-sarif" -> {
                sarifUploads.add(with.get("sarif_file") + " @ " + with.get("ref") + " " + with.get("sha"));
                return Files.isRegularFile(Path.of(with.get("sarif_file")));
            }
            case "your-org/agent-sandbox/github-action" -> {
                return composite(step, with, ctx);
            }
            default -> throw new AssertionError("the stand-in runner does not know " + uses);
        }
    }

    /** The action's composite steps, with its inputs (defaults from action.yml) and its outputs mapped back to the step. */
    private boolean composite(JsonNode step, Map<String, String> with, Ctx ctx) throws Exception {
        JsonNode action = new YAMLMapper().readTree(ACTION.toFile());
        Map<String, String> in = new LinkedHashMap<>();
        action.path("inputs").fields().forEachRemaining(e -> in.put(e.getKey(), e.getValue().path("default").asText("")));
        in.putAll(with);
        Ctx inner = new Ctx();
        inner.workspace = ctx.workspace;
        inner.temp = ctx.temp;
        inner.env.putAll(ctx.env);
        inner.env.putAll(env(step.path("env"), ctx));
        inner.githubEnv.putAll(ctx.githubEnv);
        inner.actionInputs = in;
        boolean failed = false;
        for (JsonNode s : action.path("runs").path("steps")) {
            if (!condition(s.path("if").asText(""), inner, failed)) {
                continue;
            }
            if (s.has("uses")) {
                continue; // setup-java, only when the runner has no Java 17
            }
            failed |= !script(s.path("run").asText(), env(s.path("env"), inner), inner, s.path("id").asText(null));
        }
        ctx.githubEnv.putAll(inner.githubEnv);
        Map<String, String> outputs = new LinkedHashMap<>();
        action.path("outputs").fields().forEachRemaining(e -> outputs.put(e.getKey(), expand(e.getValue().path("value").asText(), inner)));
        if (step.has("id")) {
            ctx.steps.put(step.path("id").asText(), outputs);
        }
        return !failed;
    }

    private static final Pattern EXPR = Pattern.compile("\\$\\{\\{\\s*(.+?)\\s*}}");

    String expand(String text, Ctx ctx) {
        Matcher m = EXPR.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(value(m.group(1), ctx)));
        }
        m.appendTail(b);
        return b.toString();
    }

    private String value(String path, Ctx ctx) {
        String[] p = path.strip().split("\\.");
        return switch (p[0]) {
            case "secrets" -> secrets.getOrDefault(p[1], "");
            case "env" -> ctx.env.getOrDefault(p[1], "");
            case "runner" -> p[1].equals("temp") ? ctx.temp.toString() : "";
            case "github" -> switch (p[1]) {
                case "token" -> github.getOrDefault("GITHUB_TOKEN", "");
                case "ref" -> github.getOrDefault("GITHUB_REF", "refs/heads/main");
                // a workflow_dispatch event: its inputs; a comment's or an issue's fields are absent in it
                case "event" -> p.length > 3 && p[2].equals("inputs") ? inputs.getOrDefault(p[3], "") : "";
                case "event_name" -> "workflow_dispatch";
                case "action_path" -> TOOL.resolve("github-action").toString();
                default -> throw new AssertionError("unknown expression " + path);
            };
            case "steps" -> ctx.steps.getOrDefault(p[1], Map.of()).getOrDefault(p[3], "");
            case "needs" -> p[2].equals("result") ? jobResults.getOrDefault(p[1], "skipped")
                    : jobOutputs.getOrDefault(p[1], Map.of()).getOrDefault(p[3], "");
            case "inputs" -> ctx.actionInputs.getOrDefault(p[1], "");
            case "vars" -> vars.getOrDefault(p[1], "");
            default -> throw new AssertionError("unknown expression " + path);
        };
    }

    /**
     * {@code if:} as the workflow writes it: always(), success(), failure(), comparisons with ==/!=,
     * startsWith(x, 'y'), contains(fromJSON('[...]'), x), joined by && and || with parentheses; default success().
     */
    boolean condition(String expr, Ctx ctx, boolean failed) {
        String e = expr.strip().replaceAll("\\s+", " ");
        if (e.startsWith("${{")) {
            e = e.substring(3, e.length() - 2).strip();
        }
        if (e.isEmpty()) {
            return !failed;
        }
        boolean[] always = {false};
        boolean v = or(e, ctx, failed, always);
        return v && (always[0] || !failed);
    }

    private boolean or(String e, Ctx ctx, boolean failed, boolean[] always) {
        boolean any = false;
        for (String part : split(e, "||")) {
            boolean all = true;
            for (String term : split(part, "&&")) {
                all &= atom(term.strip(), ctx, failed, always);
            }
            any |= all;
        }
        return any;
    }

    /** Splits at an operator outside parentheses and quotes. */
    private static java.util.List<String> split(String e, String op) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && e.startsWith(op, i)) {
                out.add(e.substring(start, i));
                start = i + op.length();
                i += op.length() - 1;
            }
        }
        out.add(e.substring(start));
        return out;
    }

    private boolean atom(String t, Ctx ctx, boolean failed, boolean[] always) {
        if (t.startsWith("(") && t.endsWith(")")) {
            return or(t.substring(1, t.length() - 1), ctx, failed, always);
        }
        switch (t) {
            case "always()" -> {
                always[0] = true;
                return true;
            }
            case "success()" -> {
                return !failed;
            }
            case "failure()" -> {
                always[0] = true;
                return failed;
            }
            default -> {
            }
        }
        Matcher starts = Pattern.compile("startsWith\\(([^,]+),\\s*'([^']*)'\\)").matcher(t);
        if (starts.matches()) {
            return value(starts.group(1).strip(), ctx).startsWith(starts.group(2));
        }
        Matcher contains = Pattern.compile("contains\\(fromJSON\\('\\[(.*)]'\\),\\s*([^)]+)\\)").matcher(t);
        if (contains.matches()) {
            return java.util.Arrays.stream(contains.group(1).split(",")).map(x -> x.strip().replaceAll("^\"|\"$", ""))
                    .anyMatch(x -> x.equals(value(contains.group(2).strip(), ctx)));
        }
        String[] c = t.split("(?===|!=)", 2);
        boolean eq = c[1].startsWith("==");
        String left = value(c[0].strip(), ctx);
        String right = c[1].substring(2).strip().replaceAll("^'|'$", "");
        return eq == left.equals(right);
    }
}
