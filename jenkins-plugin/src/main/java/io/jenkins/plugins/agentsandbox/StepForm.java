package io.jenkins.plugins.agentsandbox;

import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import hudson.Util;
import hudson.model.Item;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.Collections;
import jenkins.model.Jenkins;

/** The step's form: who may see its answers, and its credentials fields as the credentials plugin's consumer guide has them. */
final class StepForm {
    private StepForm() {
    }

    /** Who may see the form's answers: the item's configurers, or administrators outside an item (the Snippet Generator's global page). */
    static boolean mayConfigure(Item item) {
        return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
    }


    /** The credentials-plugin consumer pattern for validation: nothing is said to who may not see the item's credentials. */
    static FormValidation checkCredentials(Item item, String value, CredentialsMatcher matcher, String kind) {
        String id = Util.fixEmptyAndTrim(value);
        if (id == null || (item == null ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : !item.hasPermission(Item.EXTENDED_READ) && !item.hasPermission(CredentialsProvider.USE_ITEM))) {
            return FormValidation.ok();
        }
        if (id.contains("${")) {
            return FormValidation.warning("An expression: the credentials are looked up when the build runs");
        }
        ListBoxModel visible = new StandardListBoxModel().includeMatchingAs(authentication(item), item, StandardCredentials.class,
                Collections.emptyList(), matcher);
        return visible.stream().anyMatch(o -> id.equals(o.value)) ? FormValidation.ok()
                : FormValidation.error("No credentials '" + id + "' that are " + kind + " are visible to this job");
    }

    /** The job's own authentication (as the build will look credentials up), not SYSTEM's, which sees more than the job may use. */
    static org.springframework.security.core.Authentication authentication(Item item) {
        return item instanceof hudson.model.Queue.Task t ? hudson.model.queue.Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2;
    }

    /** The credentials-plugin consumer pattern: only those who may configure or use the item see the list. */
    static ListBoxModel credentials(Item item, String current, CredentialsMatcher matcher) {
        StandardListBoxModel result = new StandardListBoxModel();
        String value = current == null ? "" : current;
        if (item == null ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : !item.hasPermission(Item.EXTENDED_READ) && !item.hasPermission(CredentialsProvider.USE_ITEM)) {
            result.includeCurrentValue(value);
            return result;
        }
        result.includeEmptyValue()
                .includeMatchingAs(authentication(item), item, StandardCredentials.class, Collections.emptyList(), matcher)
                .includeCurrentValue(value);
        return result;
    }
}
