// jenkinsci/stapler@1903.1905.ve5a_f469356f0 core/src/main/java/org/kohsuke/stapler/HttpRedirect.java (type only)
package org.kohsuke.stapler;
public final class HttpRedirect implements HttpResponse {}
