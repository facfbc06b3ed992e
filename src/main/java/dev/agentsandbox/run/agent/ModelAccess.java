package dev.agentsandbox.run.agent;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.proxy.ModelProxy;
import dev.agentsandbox.proxy.ProxyListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the agent reaches its model with no network: the host proxy's socket sits in the run
 * folder (mounted read-only at /run/agent-sandbox; gVisor connects to it with --host-uds=open),
 * and a bridge inside the sandbox gives TCP-only agents a loopback address. Without upstreams
 * nothing is started and the sandbox has no way out at all.
 */
public final class ModelAccess implements AutoCloseable {
    static final int PORT = 8080;
    /** Where the proxy's folder (its socket) is mounted in a sandbox, read-only. */
    public static final String IN_SANDBOX = "/run/agent-sandbox";
    static final String BASE = "http://127.0.0.1:" + PORT;
    /** What an SDK insists on having; the proxy strips it and injects the real key. */
    static final String PLACEHOLDER_KEY = "agent-sandbox-proxy-injects-the-key";
    /** The in-sandbox bridge (bridge.sh beside this class): socat, else python3, from 127.0.0.1:PORT to the proxy's socket. */
    private static final String BRIDGE = bridge();

    private final ModelProxy proxy;
    private final boolean checkpoints;
    private final boolean registries;
    private final boolean models;

    private ModelAccess(ModelProxy proxy, boolean checkpoints, boolean registries, boolean models) {
        this.models = models;
        this.proxy = proxy;
        this.checkpoints = checkpoints;
        this.registries = registries;
    }
    /** The region of a Bedrock upstream the agent's Claude Code is pointed at, or null. */
    private String bedrockRegion;
    /** Whether the agent's OpenAI clients are pointed at an Azure OpenAI upstream's v1 API. */
    private boolean azureOpenAi;
    /** Whether the agent's Claude Code is pointed at an Azure upstream's Claude models (Microsoft Foundry). */
    private boolean foundry;
    /** The Vertex AI upstream the agent's Claude Code is pointed at, or null. */
    private ProxyConfig.Gcp vertex;

    /** @param local the tool's own API for the agent (checkpoints), or null: with it, the bridge runs even without a model */
    public static ModelAccess start(ProxyConfig config, Path runDir, Map<String, String> hostEnv, ProxyListener listener,
                             ModelProxy.LocalService local) throws dev.agentsandbox.error.AgentSandboxException {
        // Settings the proxy cannot honour yet are refused rather than silently ignored.
        for (String r : config.registries()) {
            if (!r.matches("[A-Za-z0-9.-]{1,253}:\\d{1,5}")) {
                throw new UsageException("proxy.registries entry '" + r + "' is not host:port (e.g. registry.example.com:443)");
            }
        }
        if (config.recordBodies()) {
            throw new UsageException("proxy.record-bodies is not supported yet: remove it (requests are audited without bodies)");
        }
        ModelProxy proxy = config.enabled() || local != null ? ModelProxy.start(config, runDir, hostEnv, listener) : null;
        if (proxy != null && local != null) {
            proxy.serve(local);
        }
        ModelAccess m = new ModelAccess(proxy, local != null, !config.registries().isEmpty(), !config.upstreams().isEmpty());
        boolean anthropic = config.upstreams().stream().anyMatch(x -> x.provider().equals("anthropic"));
        for (ProxyConfig.Upstream u : config.upstreams()) {
            if (u.aws() != null && u.provider().equals("bedrock") && !anthropic) {
                m.bedrockRegion = u.aws().region(); // Claude Code's Bedrock mode, pointed at the proxy, which signs
            }
            if (u.azure() != null && u.provider().equals("azure") && config.upstreams().stream().noneMatch(x -> x.provider().equals("openai"))) {
                m.azureOpenAi = true; // OpenAI clients (Codex, OpenCode) at Azure's v1 API, through the proxy, which adds the Entra token
            }
            if (u.gcp() != null && u.provider().equals("vertex") && !anthropic && m.bedrockRegion == null) {
                m.vertex = u.gcp(); // Claude Code's Vertex mode, pointed at the proxy, which holds the token
            }
        }
        // Claude Code's Microsoft Foundry mode, pointed at the proxy, which adds the Entra token
        m.foundry = !anthropic && m.bedrockRegion == null && m.vertex == null
                && config.upstreams().stream().anyMatch(u -> u.azure() != null && u.provider().equals("azure"));
        return m;
    }

    public boolean enabled() {
        return proxy != null;
    }

    /** The agent's command, behind the bridge when the proxy runs. */
    public List<String> command(List<String> agent) {
        if (proxy == null) {
            return agent;
        }
        List<String> c = new ArrayList<>(List.of("sh", "-c", BRIDGE, "agent-sandbox-bridge"));
        c.addAll(agent);
        return c;
    }

    /**
     * The proxy for a check's sandbox that reaches the package registries (checks.NAME.registries):
     * the allow-list, request limit and audit of the agent's, and no model upstream.
     */
    public static ModelAccess registriesOnly(ProxyConfig config, Path runDir, Map<String, String> hostEnv, ProxyListener listener)
            throws dev.agentsandbox.error.AgentSandboxException {
        return start(new ProxyConfig(List.of(), config.registries(), config.maxRequests(), config.maxRequestBytes(), null, false), runDir,
                hostEnv, listener, null);
    }

    /** The variables agents read for their API's base URL (and a placeholder key the proxy replaces). */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        if (proxy == null) {
            return env;
        }
        env.put("AGENT_SANDBOX_PROXY_URL", BASE);
        if (checkpoints) {
            env.put("AGENT_SANDBOX_URL", BASE + "/" + ModelProxy.LOCAL);
        }
        if (registries) {
            // Package managers reach the allow-listed registries by CONNECT through the bridge; nothing else resolves.
            for (String k : new String[] {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "npm_config_https_proxy", "npm_config_proxy"}) {
                env.put(k, BASE);
            }
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("no_proxy", "127.0.0.1,localhost");
            env.put("MAVEN_OPTS", "-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=" + PORT + " -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=" + PORT);
        }
        if (!models) {
            return env; // registries only (a check's sandbox): no model API to point at
        }
        env.put("ANTHROPIC_BASE_URL", BASE + "/anthropic");
        env.put("ANTHROPIC_API_KEY", PLACEHOLDER_KEY);
        env.put("OPENAI_BASE_URL", BASE + (azureOpenAi ? "/azure/openai/v1" : "/openai/v1"));
        env.put("OPENAI_API_BASE", BASE + (azureOpenAi ? "/azure/openai/v1" : "/openai/v1"));
        env.put("OPENAI_API_KEY", PLACEHOLDER_KEY);
        env.put("GOOGLE_GEMINI_BASE_URL", BASE + "/gemini");
        env.put("GEMINI_API_KEY", PLACEHOLDER_KEY);
        if (bedrockRegion != null) {
            env.put("CLAUDE_CODE_USE_BEDROCK", "1");
            env.put("ANTHROPIC_BEDROCK_BASE_URL", BASE + "/bedrock");
            env.put("CLAUDE_CODE_SKIP_BEDROCK_AUTH", "1"); // the proxy signs; the agent holds no AWS credentials
            env.put("AWS_REGION", bedrockRegion);
            // OpenCode's Bedrock provider: a bearer placeholder (it would sign with AWS credentials otherwise), which the proxy
            // drops before it signs; AGENT_SANDBOX_BEDROCK_URL for its baseURL (the recipe's opencode.json)
            env.put("AWS_BEARER_TOKEN_BEDROCK", PLACEHOLDER_KEY);
            env.put("AGENT_SANDBOX_BEDROCK_URL", BASE + "/bedrock");
        }
        if (foundry) {
            env.put("CLAUDE_CODE_USE_FOUNDRY", "1");
            env.put("ANTHROPIC_FOUNDRY_BASE_URL", BASE + "/azure/anthropic");
            // a placeholder key (sent as x-api-key, which the proxy drops): without one Claude Code asks Azure's identity library
            env.put("ANTHROPIC_FOUNDRY_API_KEY", PLACEHOLDER_KEY);
        }
        if (vertex != null) {
            env.put("CLAUDE_CODE_USE_VERTEX", "1");
            env.put("ANTHROPIC_VERTEX_BASE_URL", BASE + "/vertex/v1");
            env.put("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1"); // the proxy adds the token; the agent holds no Google credentials
            env.put("ANTHROPIC_VERTEX_PROJECT_ID", vertex.project());
            env.put("CLOUD_ML_REGION", vertex.region());
            // OpenCode's Vertex provider (Gemini models): express mode with a placeholder key, which the proxy drops before it adds
            // the token (otherwise it asks Google's auth library for credentials the sandbox does not hold); its baseURL from
            // AGENT_SANDBOX_VERTEX_URL (the recipe's opencode.json), the project's Google publisher path under the proxy
            env.put("GOOGLE_VERTEX_PROJECT", vertex.project());
            env.put("GOOGLE_VERTEX_LOCATION", vertex.region());
            env.put("GOOGLE_VERTEX_API_KEY", PLACEHOLDER_KEY);
            env.put("AGENT_SANDBOX_VERTEX_URL", BASE + "/vertex/v1/projects/" + vertex.project() + "/locations/" + vertex.region()
                    + "/publishers/google");
        }
        return env;
    }

    /** Who the proxy signs as for each cloud upstream (never a secret), for run.json and the attestation. */
    public Map<String, Map<String, String>> identities() {
        return proxy == null ? Map.of() : proxy.identities();
    }

    public List<String> keys() {
        return proxy == null ? List.of() : proxy.keys();
    }

    /** What the agent did to the proxy beyond its limits (see {@link ModelProxy#overLimits()}). */
    public Map<String, Long> overLimits() {
        return proxy == null ? Map.of() : proxy.overLimits();
    }

    public long tokensUsed() {
        return proxy == null ? 0 : proxy.tokensUsed();
    }

    public java.math.BigDecimal spent() {
        return proxy == null ? java.math.BigDecimal.ZERO : proxy.spent();
    }

    /** Once the sandbox is gone: no more connections, and what was in flight is recorded (before the run sums it up). */
    public void drain() {
        if (proxy != null) {
            proxy.drain();
        }
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String bridge() {
        return dev.agentsandbox.sandbox.SandboxScripts.load(ModelAccess.class, "bridge.sh",
                Map.of("PORT", String.valueOf(PORT), "SOCKET", ModelProxy.SOCKET));
    }

}
