// jenkinsci/stapler@1903.1905.ve5a_f469356f0 core/src/main/java/org/kohsuke/stapler/HttpResponses.java (reduced to the members used)
package org.kohsuke.stapler;
public class HttpResponses {
    public static HttpResponseException forbidden() { return jenkinsstubs.Stub.any(); }
    public static HttpResponseException errorWithoutStack(final int code, final String errorMessage) { return jenkinsstubs.Stub.any(); }
    public static HttpRedirect redirectTo(String url) { return jenkinsstubs.Stub.any(); }
    public static HttpResponse redirectToDot() { return jenkinsstubs.Stub.any(); }
}
