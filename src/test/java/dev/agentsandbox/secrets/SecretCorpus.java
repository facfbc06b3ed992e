package dev.agentsandbox.secrets;

import java.util.List;

/**
 * Labelled samples: each positive names the rule that must find it. Tokens are assembled from
 * pieces so that this repository holds no scannable literal. The benchmark reuses this corpus
 * to show that speed costs no recall.
 */
public final class SecretCorpus {
    public record Sample(String rule, String line) {
    }

    private SecretCorpus() {
    }

    static String rep(String s, int n) {
        return s.repeat(n);
    }

    public static List<Sample> positives() {
        String alnum36 = "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4";
        return List.of(
                new Sample("aws-access-key-id", "aws_access_key_id = " + "AKIA" + "Q3EGRT5YHJ7KL9ZX"),
                new Sample("aws-secret-access-key", "aws_secret_access_key = \"" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "z8Q2vT6nLp\""),
                new Sample("gcp-api-key", "const key = \"" + "AIza" + "SyD4v8Qp2LmN7xR5tY9wZ3bC6fH1jK0sE4g" + "\";"),
                new Sample("gcp-service-account", "  \"type\": \"service_" + "account\","),
                new Sample("azure-storage-key", "DefaultEndpointsProtocol=https;AccountName=x;Account" + "Key=" + rep("Ab3Cd5Ef7G", 8) + "h9Jk4L" + "=="),
                new Sample("github-token", "GH_TOKEN=" + "ghp" + "_" + alnum36),
                new Sample("github-fine-grained-token", "token: github" + "_pat_" + rep("A1b2C3d4E5", 8) + "Zz"),
                new Sample("gitlab-token", "GITLAB=" + "glpat" + "-" + "xY7zQ2wE9rT4uI1oP3aS"),
                new Sample("slack-token", "slack: " + "xoxb" + "-123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"),
                new Sample("slack-webhook", "url = \"https://hooks.slack.com/services/" + "T0123ABCD/B0123ABCD/" + "aBcDeFgHiJkLmNoPqRsTuVwX\""),
                new Sample("stripe-key", "stripe.api_key = '" + "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc" + "'"),
                new Sample("npm-token", "//registry/:_authToken=" + "npm" + "_" + alnum36),
                new Sample("pypi-token", "password = " + "pypi-AgEIcHlwaS5vcmc" + rep("Qw3Er5Ty7U", 6)),
                new Sample("anthropic-key", "ANTHROPIC_API_KEY=" + "sk-ant-" + "api03-" + rep("Zx9Cv8Bn7M", 9) + "AA"),
                new Sample("openai-key", "OPENAI_API_KEY=" + "sk-proj-" + "Ab12Cd34Ef56Gh78Ij90" + "T3Blbk" + "FJ" + "Kl12Mn34Op56Qr78St90"),
                new Sample("huggingface-token", "HF_TOKEN=" + "hf" + "_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH"),
                new Sample("private-key", "-----BEGIN RSA " + "PRIVATE KEY-----"),
                new Sample("private-key", "-----BEGIN OPENSSH " + "PRIVATE KEY-----"),
                new Sample("jwt", "Authorization: Bearer " + "eyJhbGciOiJIUzI1NiJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" + "." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
                new Sample("password-in-url", "DATABASE_URL=postgres://admin:" + "Sup3rS3cretPw" + "@db.internal:5432/app"),
                new Sample("generic-secret", "client_secret = \"" + "q7Lm2Zx9Vb4Nk8Rt3Yw6Pj1Hc5" + "\""));
    }

    public static List<String> negatives() {
        return List.of(
                "def add(a, b): return a + b",
                "password = os.environ['DB_PASSWORD']",
                "token = \"${GITHUB_TOKEN}\"",
                "aws_access_key_id = " + "AKIA" + "IOSFODNN7EXAMPLE",
                "api_key = \"<your api key here>\"",
                "secret = \"aaaaaaaaaaaaaaaaaaaaaaaa\"",
                "url = https://example.com/path?query=1",
                "the token bucket algorithm refills tokens",
                "private key handling is described in docs/keys.md",
                "password = changeme-changeme-changeme");
    }
}
