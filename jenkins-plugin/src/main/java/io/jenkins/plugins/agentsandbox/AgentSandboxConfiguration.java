package io.jenkins.plugins.agentsandbox;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.Util;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jenkins.model.GlobalConfiguration;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Manage Jenkins > Agent sandbox: what every agentSandbox run on this controller may use (images,
 * tiers, backends, model providers) and the organisation's data classes. It becomes the run's
 * organisation policy ({@code --org-policy}), which the CLI enforces on what the run really uses,
 * including the images a repository's own checks name; a run outside it is refused before the
 * agent starts. Empty lists allow anything of their kind.
 */
@Extension
public class AgentSandboxConfiguration extends GlobalConfiguration {
    private String allowedImages;
    private String allowedTiers;
    private String allowedBackends;
    private String allowedModelProviders;
    private String dataClasses;

    public AgentSandboxConfiguration() {
        load();
    }

    public static AgentSandboxConfiguration get() {
        return ExtensionList.lookupSingleton(AgentSandboxConfiguration.class);
    }

    public String getAllowedImages() {
        return allowedImages;
    }

    /** One image pattern per line, matched whole ({@code *}: any characters), e.g. {@code agent-sandbox/*}. */
    @DataBoundSetter
    public void setAllowedImages(String allowedImages) {
        this.allowedImages = Util.fixEmptyAndTrim(allowedImages);
        save();
    }

    public String getAllowedTiers() {
        return allowedTiers;
    }

    @DataBoundSetter
    public void setAllowedTiers(String allowedTiers) {
        this.allowedTiers = Util.fixEmptyAndTrim(allowedTiers);
        save();
    }

    public String getAllowedBackends() {
        return allowedBackends;
    }

    @DataBoundSetter
    public void setAllowedBackends(String allowedBackends) {
        this.allowedBackends = Util.fixEmptyAndTrim(allowedBackends);
        save();
    }

    public String getAllowedModelProviders() {
        return allowedModelProviders;
    }

    @DataBoundSetter
    public void setAllowedModelProviders(String allowedModelProviders) {
        this.allowedModelProviders = Util.fixEmptyAndTrim(allowedModelProviders);
        save();
    }

    public String getDataClasses() {
        return dataClasses;
    }

    /** The organisation policy's classes and repositories (YAML), as the CLI's --org-policy reads them; no allow section here. */
    @DataBoundSetter
    public void setDataClasses(String dataClasses) {
        this.dataClasses = Util.fixEmptyAndTrim(dataClasses);
        save();
    }

    /** The organisation policy for a run, or null when nothing is configured. */
    String policy() {
        return OrgPolicyText.of(lines(allowedImages), words(allowedTiers), words(allowedBackends), words(allowedModelProviders), dataClasses);
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String l : text.split("\\R")) {
                if (!l.isBlank()) {
                    out.add(l.trim());
                }
            }
        }
        return out;
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String w : text.split("[,\\s]+")) {
                if (!w.isBlank()) {
                    out.add(w.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }
}
