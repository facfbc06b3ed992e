package dev.agentsandbox.cli;

import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.error.UsageException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The run's model upstream from the command line: a provider's public API with a key from the host,
 * or a cloud (Amazon Bedrock, Vertex AI, Azure OpenAI) with the host's or the CI's identity. Every
 * combination that does not go together is refused before anything runs.
 */
final class ModelOptions {
    @Option(names = "--model-provider", description = "allow the agent this model API through the proxy: anthropic, openai, gemini, or a name")
    String modelProvider;

    @Option(names = "--model-url", description = "the model API's base URL (default: the provider's public API)")
    String modelUrl;

    @Option(names = "--model-region", description = "bedrock: the AWS region of the endpoint (the proxy signs with SigV4; no key)")
    String modelRegion;

    @Option(names = "--model-role-arn", description = "bedrock: the IAM role the CI's OIDC token is exchanged for through STS (default: the"
            + " AWS SDK's credential chain on the host)")
    String modelRoleArn;

    @Option(names = "--model-project", description = "vertex: the Google Cloud project the agent's model calls go to")
    String modelProject;

    @Option(names = "--model-workload-identity-provider", description = "vertex: the workload identity provider the CI's OIDC token is"
            + " exchanged at (projects/N/locations/global/workloadIdentityPools/P/providers/R); default: the host's application default credentials")
    String modelWorkloadProvider;

    @Option(names = "--model-service-account", description = "vertex, with --model-workload-identity-provider: the service account whose token the"
            + " exchange gives")
    String modelServiceAccount;

    @Option(names = "--model-tenant-id", description = "azure: the Entra tenant of the app registration the CI's OIDC token is federated with")
    String modelTenantId;

    @Option(names = "--model-client-id", description = "azure: that app registration's client id (default: Azure's credential chain on the host)")
    String modelClientId;

    @Option(names = "--model-token-env", description = "with --model-role-arn: the variable holding the CI's OIDC token (GitLab id_tokens);"
            + " default on GitHub Actions: requested with the job's id-token permission")
    String modelTokenEnv;

    @Option(names = "--model-token-file", description = "with --model-role-arn: a file holding the CI's OIDC token (a Jenkins credential)")
    Path modelTokenFile;

    @Option(names = "--model-key-env", description = "the host variable holding the model key (default: ANTHROPIC_API_KEY / OPENAI_API_KEY)")
    String modelKeyEnv;

    @Option(names = "--model-key-file", description = "a file holding the model key, as CI credential bindings write it"
            + " (instead of --model-key-env)")
    Path modelKeyFile;

    /** The upstream the options name, or null when they name none; a usage error for options that do not go together. */
    ProxyConfig.Upstream upstream() throws UsageException {
        if (modelProvider == null) {
            if (modelUrl != null || modelKeyEnv != null || modelKeyFile != null) {
                throw new UsageException("--model-url, --model-key-env and --model-key-file need --model-provider");
            }
            return null;
        }
        String p = modelProvider.toLowerCase(java.util.Locale.ROOT);
        if (p.equals("bedrock")) {
            return bedrock();
        }
        if (p.equals("vertex")) {
            return vertex();
        }
        if (p.equals("azure") && modelKeyEnv == null && modelKeyFile == null) {
            return azure(); // Entra tokens; with a key, Azure's api-key below
        }
        if (modelRegion != null || modelRoleArn != null || modelTokenEnv != null || modelTokenFile != null || modelProject != null
                || modelWorkloadProvider != null || modelServiceAccount != null || modelTenantId != null || modelClientId != null) {
            throw new UsageException("--model-region, --model-role-arn, --model-project, --model-workload-identity-provider, --model-service-account,"
                    + " --model-tenant-id, --model-client-id, --model-token-env and --model-token-file are for --model-provider bedrock, vertex or azure");
        }
        String url = modelUrl != null ? modelUrl : switch (p) {
            case "anthropic" -> "https://api.anthropic.com";
            case "openai" -> "https://api.openai.com";
            case "gemini" -> "https://generativelanguage.googleapis.com";
            default -> throw new UsageException("--model-provider " + modelProvider + " needs --model-url");
        };
        String wrong = ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        if (modelKeyEnv != null && modelKeyFile != null) {
            throw new UsageException("give the model key one way: --model-key-env or --model-key-file, not both");
        }
        String keyEnv = modelKeyFile != null ? null : modelKeyEnv != null ? modelKeyEnv : p.toUpperCase(java.util.Locale.ROOT) + "_API_KEY";
        List<String> paths = switch (p) {
            case "anthropic" -> List.of("/v1/messages");
            case "openai" -> List.of("/v1/chat/completions", "/v1/responses");
            // generateContent, streamGenerateContent and countTokens under each model
            case "gemini" -> List.of("/v1beta/models", "/v1/models");
            default -> List.of();
        };
        return new ProxyConfig.Upstream(p, url, paths, List.of("POST"), keyEnv,
                modelKeyFile == null ? null : modelKeyFile.toString());
    }

    /** Amazon Bedrock: the region's runtime endpoint, requests signed by the proxy; no key on the command line. */
    private ProxyConfig.Upstream bedrock() throws UsageException {
        if (modelKeyEnv != null || modelKeyFile != null) {
            throw new UsageException("--model-provider bedrock signs its requests with AWS credentials; drop --model-key-env and --model-key-file");
        }
        if (!ProxyConfig.Aws.isRegion(modelRegion)) {
            throw new UsageException("--model-provider bedrock needs --model-region, the AWS region of the endpoint (like us-east-1)");
        }
        if (modelRoleArn != null && !ProxyConfig.Aws.isRoleArn(modelRoleArn)) {
            throw new UsageException("--model-role-arn '" + modelRoleArn + "' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
        }
        if ((modelTokenEnv != null || modelTokenFile != null) && modelRoleArn == null) {
            throw new UsageException("--model-token-env and --model-token-file need --model-role-arn, the role the token is exchanged for");
        }
        if (modelTokenEnv != null && modelTokenFile != null) {
            throw new UsageException("give the CI's token one way: --model-token-env or --model-token-file");
        }
        String url = modelUrl != null ? modelUrl : "https://bedrock-runtime." + modelRegion + ".amazonaws.com";
        String wrong = ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        return new ProxyConfig.Upstream("bedrock", url, List.of("/model"), List.of("POST"), null, null, null, null, null, null,
                new ProxyConfig.Aws(modelRegion, modelRoleArn, null, modelTokenEnv,
                        modelTokenFile == null ? null : modelTokenFile.toString()));
    }

    /** Vertex AI: the region's endpoint, requests given Google tokens by the proxy; no key on the command line. */
    private ProxyConfig.Upstream vertex() throws UsageException {
        if (modelKeyEnv != null || modelKeyFile != null || modelRoleArn != null) {
            throw new UsageException("--model-provider vertex takes Google credentials; drop --model-key-env, --model-key-file and --model-role-arn");
        }
        if (modelProject == null || !ProxyConfig.Gcp.isRegion(modelRegion)) {
            throw new UsageException("--model-provider vertex needs --model-project and --model-region (a Google Cloud location like us-east5)");
        }
        if (modelWorkloadProvider != null && !ProxyConfig.Gcp.isProvider(modelWorkloadProvider)) {
            throw new UsageException("--model-workload-identity-provider '" + modelWorkloadProvider + "' is not a provider's name"
                    + " (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)");
        }
        if ((modelTokenEnv != null || modelTokenFile != null || modelServiceAccount != null) && modelWorkloadProvider == null) {
            throw new UsageException("--model-token-env, --model-token-file and --model-service-account need --model-workload-identity-provider");
        }
        if (modelTokenEnv != null && modelTokenFile != null) {
            throw new UsageException("give the CI's token one way: --model-token-env or --model-token-file");
        }
        String url = modelUrl != null ? modelUrl : modelRegion.equals("global") ? "https://aiplatform.googleapis.com"
                : "https://" + modelRegion + "-aiplatform.googleapis.com";
        String wrong = ProxyConfig.urlProblem(url);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        return new ProxyConfig.Upstream("vertex", url, List.of(), List.of("POST"), null, null, null, null, null, null, null,
                new ProxyConfig.Gcp(modelProject, modelRegion, modelWorkloadProvider, modelServiceAccount, modelTokenEnv,
                        modelTokenFile == null ? null : modelTokenFile.toString(), null, null));
    }

    /** Azure OpenAI / AI Foundry with Entra tokens: the resource's endpoint, no key on the command line. */
    private ProxyConfig.Upstream azure() throws UsageException {
        if (modelUrl == null) {
            throw new UsageException("--model-provider azure needs --model-url, the resource's endpoint (https://RESOURCE.openai.azure.com)");
        }
        if ((modelTenantId == null) != (modelClientId == null) || modelTenantId != null && (!ProxyConfig.Azure.isGuid(modelTenantId)
                || !ProxyConfig.Azure.isGuid(modelClientId))) {
            throw new UsageException("--model-tenant-id and --model-client-id come together, each a GUID");
        }
        if ((modelTokenEnv != null || modelTokenFile != null) && modelClientId == null) {
            throw new UsageException("--model-token-env and --model-token-file need --model-tenant-id and --model-client-id");
        }
        if (modelTokenEnv != null && modelTokenFile != null) {
            throw new UsageException("give the CI's token one way: --model-token-env or --model-token-file");
        }
        if (modelRegion != null || modelRoleArn != null || modelProject != null || modelWorkloadProvider != null || modelServiceAccount != null) {
            throw new UsageException("--model-provider azure takes --model-tenant-id and --model-client-id, not another cloud's options");
        }
        String wrong = ProxyConfig.urlProblem(modelUrl);
        if (wrong != null) {
            throw new UsageException("--model-url " + wrong);
        }
        return new ProxyConfig.Upstream("azure", modelUrl, List.of(), List.of("POST"), null, null, null, null, null, null, null, null,
                new ProxyConfig.Azure(modelTenantId, modelClientId, modelTokenEnv, modelTokenFile == null ? null : modelTokenFile.toString(), null, null));
    }
}
