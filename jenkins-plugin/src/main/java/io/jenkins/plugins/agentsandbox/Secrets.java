package io.jenkins.plugins.agentsandbox;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.FilePath;
import hudson.console.LineTransformationOutputStream;
import hudson.model.Run;
import hudson.util.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * The step's credentials, resolved through the Credentials API for this build and handed to the
 * CLI as files in a folder only the node's user can read (or as environment variables), never on
 * the command line. Every secret value is masked in the step's output. Closing deletes the files.
 */
final class Secrets implements AutoCloseable {
    private final Run<?, ?> run;
    private final FilePath dir;
    private final List<String> values = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();

    Secrets(Run<?, ?> run, FilePath dir) throws IOException, InterruptedException {
        this.run = run;
        this.dir = dir;
        dir.mkdirs();
        dir.chmod(0700);
    }

    /** Values only, for masking, no files: after a controller restart, the running CLI's log is masked again. */
    private Secrets(Run<?, ?> run) {
        this.run = run;
        this.dir = null;
    }

    /** The masking of a step's log rebuilt from its credential ids (never stored with the build: only ids are). */
    static OutputStream remask(Run<?, ?> run, List<String> ids, String gitId, OutputStream out) throws IOException, InterruptedException {
        Secrets s = new Secrets(run);
        for (String id : ids) {
            s.file("credentials", id, "unused");
        }
        s.git(gitId, null);
        return s.mask(out);
    }

    /** A secret text, or the content of a secret file, or an SSH key, as a file; null for a null id. */
    FilePath file(String field, String id, String name) throws IOException, InterruptedException {
        if (id == null) {
            return null;
        }
        StandardCredentials c = find(field, id, StandardCredentials.class);
        byte[] content;
        if (c instanceof StringCredentials s) {
            content = plain(s.getSecret()).getBytes(StandardCharsets.UTF_8);
        } else if (c instanceof FileCredentials f) {
            try (InputStream in = f.getContent()) {
                content = in.readAllBytes();
            }
            addLines(new String(content, StandardCharsets.UTF_8));
        } else if (c instanceof SSHUserPrivateKey k) {
            if (k.getPrivateKeys().isEmpty()) {
                throw new AbortException("agentSandbox: " + field + ": the SSH credentials '" + id + "' hold no private key");
            }
            content = (k.getPrivateKeys().get(0).strip() + "\n").getBytes(StandardCharsets.UTF_8);
            addLines(k.getPrivateKeys().get(0));
        } else {
            throw new AbortException("agentSandbox: " + field + ": the credentials '" + id + "' are a " + c.getClass().getSimpleName()
                    + "; use a secret text, a secret file or an SSH private key");
        }
        if (dir == null) {
            return null;
        }
        FilePath file = dir.child(name);
        file.copyFrom(new ByteArrayInputStream(content));
        file.chmod(0600);
        return file;
    }

    /** The git credentials as the CLI reads them: a token, or an SSH key with its passphrase. */
    void git(String id, String knownHosts) throws IOException, InterruptedException {
        if (id == null) {
            return;
        }
        StandardCredentials c = find("gitCredentialsId", id, StandardCredentials.class);
        if (c instanceof StandardUsernamePasswordCredentials up) {
            env.put("AGENT_SANDBOX_GIT_USER", up.getUsername());
            if (up.isUsernameSecret()) {
                values.add(up.getUsername());
            }
            env.put("AGENT_SANDBOX_GIT_TOKEN", plain(up.getPassword()));
        } else if (c instanceof SSHUserPrivateKey k) {
            FilePath key = file("gitCredentialsId", id, "git-ssh-key");
            if (key != null) {
                env.put("AGENT_SANDBOX_GIT_SSH_KEY", key.getRemote());
            }
            Secret passphrase = k.getPassphrase();
            if (passphrase != null && !passphrase.getPlainText().isEmpty()) {
                env.put("AGENT_SANDBOX_GIT_SSH_PASSPHRASE", plain(passphrase));
            }
            if (knownHosts != null) {
                env.put("AGENT_SANDBOX_GIT_KNOWN_HOSTS", knownHosts);
            }
        } else {
            throw new AbortException("agentSandbox: gitCredentialsId: '" + id + "' is a " + c.getClass().getSimpleName()
                    + "; use the username with password (a token) or SSH key your checkout uses");
        }
    }

    /** The forge's token (a secret text) as the CLI's pr commands read it; masked. */
    void forgeToken(String id) throws IOException, InterruptedException {
        if (id == null) {
            return;
        }
        StringCredentials c = find("forgeCredentialsId", id, StringCredentials.class);
        env.put("AGENT_SANDBOX_FORGE_TOKEN", plain(c.getSecret()));
    }

    void env(String name, String value) {
        env.put(name, value);
    }

    Map<String, String> env() {
        return env;
    }

    /** The step's output with every secret value replaced by ****. */
    OutputStream mask(OutputStream out) {
        List<String> secrets = values.stream().filter(v -> v.length() >= 4).distinct().toList();
        return secrets.isEmpty() ? out : new Masking(out, secrets);
    }

    private <C extends IdCredentials> C find(String field, String id, Class<C> type) throws AbortException {
        C c = CredentialsProvider.findCredentialById(id, type, run, Collections.emptyList());
        if (c == null) {
            throw new AbortException("agentSandbox: " + field + ": no credentials with the id '" + id + "' are visible to this job"
                    + " (check the id, and the folder or global store it is in)");
        }
        CredentialsProvider.track(run, c);
        return c;
    }

    /** A multi-line secret (a key file) is masked line by line, as the log is written line by line. */
    private void addLines(String text) {
        values.addAll(lines(text));
    }

    /** The lines of a multi-line secret worth masking: long enough to be secret, not a PEM armour line. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (l.length() >= 16 && !l.startsWith("-----")) {
                out.add(l);
            }
        }
        return out;
    }

    private String plain(Secret secret) {
        String v = secret.getPlainText();
        values.add(v);
        if (v.contains("\n") || v.contains("\r")) {
            addLines(v); // a PEM key as secret text: the log is masked line by line
        }
        return v;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (dir != null) {
            dir.deleteRecursive();
        }
    }

    static final class Masking extends LineTransformationOutputStream.Delegating {
        private final List<String> secrets;

        Masking(OutputStream out, List<String> secrets) {
            super(out);
            this.secrets = secrets;
        }

        @Override
        protected void eol(byte[] b, int len) throws IOException {
            String line = new String(b, 0, len, StandardCharsets.UTF_8);
            String masked = line;
            for (String s : secrets) {
                masked = masked.replace(s, "****");
            }
            if (masked.equals(line)) {
                out.write(b, 0, len);
            } else {
                byte[] m = masked.getBytes(StandardCharsets.UTF_8);
                out.write(m, 0, m.length);
            }
        }
    }
}
