package dev.agentsandbox.gate;

import dev.agentsandbox.console.SafeText;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What in a task's text a person reading it rendered would not see, though the agent does: the
 * task often comes from an issue or comment anyone can write, and hidden instructions ride there.
 */
public final class TaskText {
    private static final Pattern HTML_COMMENT = Pattern.compile("<!--.*?(-->|$)", Pattern.DOTALL);

    private TaskText() {
    }

    /** A short description of each kind of hidden content found; empty when there is none. */
    public static List<String> hiddenContent(String task) {
        List<String> found = new ArrayList<>();
        if (HTML_COMMENT.matcher(task).find()) {
            found.add("an HTML comment (<!-- … -->), which rendered Markdown does not show");
        }
        int bidi = 0;
        int invisible = 0;
        for (int i = 0; i < task.length(); ) {
            int cp = task.codePointAt(i);
            i += Character.charCount(cp);
            if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
                bidi++;
            } else if (SafeText.isHidden(cp) || (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r')) {
                invisible++;
            }
        }
        if (bidi > 0) {
            found.add(bidi + " bidirectional control character(s)");
        }
        if (invisible > 0) {
            found.add(invisible + " invisible or control character(s)");
        }
        return found;
    }
}
