package dev.agentsandbox.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent's words in each target's payload: Slack's mrkdwn gets no <!channel>, mention or link;
 * Teams' Adaptive Card markdown no link or emphasis; no clickable URL the agent chose reaches either.
 */
class NotificationPayloadTest {
    static final Map<String, Object> FACTS = Map.of("runId", "r1", "tier", "high",
            "action", "<!channel> approve now at <https://evil.example/approve|Approve> or [Approve](https://evil.example) *urgent* www.evil.example");

    @Test
    void slackGetsNoControlSequenceMentionOrLink() throws Exception {
        String text = new ObjectMapper().readTree(Notifications.slack("checkpoint-pending", FACTS)).path("text").asText();
        assertThat(text).doesNotContain("<!channel>").doesNotContain("<https").doesNotContain("https://").doesNotContain("www.evil")
                .contains("&lt;!channel&gt;").contains("https[:]//evil.example/approve").contains("www[.]evil.example");
    }

    @Test
    void teamsGetsNoMarkdownLinkOrEmphasis() throws Exception {
        var card = new ObjectMapper().readTree(Notifications.teams("checkpoint-pending", FACTS));
        String text = card.at("/attachments/0/content/body/0/text").asText();
        assertThat(text).doesNotContain("](").doesNotContain("https://").contains("\\[Approve\\]\\(https\\[:\\]//evil\\.example\\)")
                .contains("\\*urgent\\*");
        assertThat(card.at("/attachments/0/content/actions").isMissingNode()).as("no review URL was given: no button").isTrue();
    }
}
