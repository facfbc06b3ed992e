package dev.agentsandbox.secrets;

import static dev.agentsandbox.verdict.Verdict.FAIL;
import static dev.agentsandbox.verdict.Verdict.WARN;

import java.util.List;

/** The built-in rules. Prefixed tokens are high-confidence (fail); generic assignments warn. */
public final class SecretRules {
    private SecretRules() {
    }

    public static List<SecretRule> defaults() {
        return List.of(
                SecretRule.of("aws-access-key-id", "AWS access key id", FAIL, 0,
                        "\\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\\b", "akia", "asia", "abia", "acca"),
                SecretRule.of("aws-secret-access-key", "AWS secret access key", FAIL, 3.5,
                        "(?i)aws.{0,20}?(?:secret|key).{0,20}?[\"'=:\\s]+([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])", "aws"),
                SecretRule.of("gcp-api-key", "Google Cloud API key", FAIL, 0, "\\b(AIza[0-9A-Za-z_\\-]{35})(?![0-9A-Za-z_\\-])", "aiza"),
                SecretRule.of("gcp-service-account", "Google Cloud service account key file", FAIL, 0,
                        "(\"type\"\\s*:\\s*\"service_account\")", "service_account"),
                SecretRule.of("azure-storage-key", "Azure storage account key", FAIL, 0,
                        "(?i)AccountKey=([A-Za-z0-9+/]{86}==)", "accountkey"),
                SecretRule.of("azure-client-secret", "Azure AD client secret", FAIL, 3.0,
                        "(?i)(?:azure|client).{0,20}secret.{0,5}[\"'=:\\s]+([A-Za-z0-9_~.\\-]{3}8Q~[A-Za-z0-9_~.\\-]{31,34})", "8q~"),
                SecretRule.of("github-token", "GitHub token", FAIL, 0, "\\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})\\b",
                        "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
                SecretRule.of("github-fine-grained-token", "GitHub fine-grained token", FAIL, 0,
                        "\\b(github_pat_[A-Za-z0-9_]{82})\\b", "github_pat_"),
                SecretRule.of("gitlab-token", "GitLab personal access token", FAIL, 0, "\\b(glpat-[A-Za-z0-9_\\-]{20,})", "glpat-"),
                SecretRule.of("slack-token", "Slack token", FAIL, 0, "\\b(xox[baprs]-[A-Za-z0-9-]{10,})", "xox"),
                SecretRule.of("slack-webhook", "Slack webhook URL", FAIL, 0,
                        "(https://hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+)", "hooks.slack.com"),
                SecretRule.of("stripe-key", "Stripe live key", FAIL, 0, "\\b((?:sk|rk)_live_[A-Za-z0-9]{24,})", "sk_live_", "rk_live_"),
                SecretRule.of("npm-token", "npm access token", FAIL, 0, "\\b(npm_[A-Za-z0-9]{36})\\b", "npm_"),
                SecretRule.of("pypi-token", "PyPI upload token", FAIL, 0, "(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\\-]{50,})", "pypi-ageichlwas5vcmc"),
                SecretRule.of("anthropic-key", "Anthropic API key", FAIL, 0, "\\b(sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_\\-]{80,})", "sk-ant-"),
                SecretRule.of("openai-key", "OpenAI API key", FAIL, 0,
                        "\\b(sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20,}T3BlbkFJ[A-Za-z0-9_\\-]{20,})", "t3blbkfj"),
                SecretRule.of("huggingface-token", "Hugging Face token", FAIL, 0, "\\b(hf_[A-Za-z]{34})\\b", "hf_"),
                SecretRule.of("private-key", "private key", FAIL, 0, "(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)", "private key"),
                SecretRule.of("jwt", "JSON Web Token", FAIL, 0,
                        "\\b(eyJ[A-Za-z0-9_\\-]{10,}\\.eyJ[A-Za-z0-9_\\-]{10,}\\.[A-Za-z0-9_\\-]{10,})", "eyj"),
                SecretRule.of("password-in-url", "password in a URL", FAIL, 0,
                        "\\b[a-zA-Z][a-zA-Z0-9+.\\-]{1,20}://[^\\s/:@\"']{1,64}:([^\\s/:@\"']{3,128})@[^\\s/\"']+", "://"),
                SecretRule.anchored("generic-secret", "high-entropy value assigned to a secret-looking name", WARN, 3.5,
                        "(?i)(?:secret|token|passw(?:or)?d|pwd|api[_\\-]?key|access[_\\-]?key|auth[_\\-]?key|credential|key)[a-z0-9_\\-]*"
                                + "[\"']?\\s*(?:=|:|:=|=>)\\s*[\"']?([A-Za-z0-9_\\-+/=.~]{16,})",
                        "secret", "token", "passw", "pwd", "api", "access", "auth", "credential", "key"));
    }
}
